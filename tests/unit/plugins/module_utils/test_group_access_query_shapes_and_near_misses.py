"""What a group grants (_group_access.py): a device query whose $and / $or / $nor is no list,
how an unusable endpoint entry is shown, how many near misses an unknown endpoint names, and a
stored device query that is not JSON in a returned group."""

import pytest

from ansible_collections.losant.platform.plugins.module_utils._group_access import (
    AccessError,
    access_option_errors,
    access_result,
    resolve_endpoints,
)

METHODS = "(methods: GET, POST, PUT, PATCH, DELETE, OPTIONS)"


def params(**given):
    base = dict(devices=None, purge_devices=False, device_tags=None, purge_device_tags=False, device_query=None,
                endpoints=None, purge_endpoints=False)
    base.update(given)
    return base


def test_a_combinator_of_the_device_query_must_hold_a_list():
    assert access_option_errors(params(device_query={"$and": {"name": "x"}})) == [
        "device_query.$and must be a list of queries"]
    assert access_option_errors(params(device_query={"$or": [{"$nor": "x"}, {"name": "y"}]})) == [
        "device_query.$or[0].$nor must be a list of queries"]


def test_an_unusable_endpoint_entry_is_shown_cut_to_80_characters():
    assert access_option_errors(params(endpoints=["x" * 100])) == [
        "endpoints: entries must be endpoint ids or 'METHOD /route' %s, got '%s'" % (METHODS, "x" * 80)]
    too_long = "GET /" + "r" * 1024
    assert access_option_errors(params(endpoints=[too_long])) == [
        "endpoints: entries must be endpoint ids or 'METHOD /route' %s, got '%s'" % (METHODS, too_long[:80])]


def test_an_unknown_endpoint_names_its_five_closest_routes():
    listing = [{"id": "e" * 22 + "%02d" % index, "method": "get", "route": "/dashboard" + "x" * index,
                "access": "group"} for index in range(1, 8)]
    with pytest.raises(AccessError) as caught:
        resolve_endpoints(["GET /dashboard"], listing, set())
    assert str(caught.value) == ("endpoints: no experience endpoint is 'GET /dashboard'; closest: GET /dashboardx, "
                                 "GET /dashboardxx, GET /dashboardxxx, GET /dashboardxxxx, GET /dashboardxxxxx")


def test_a_returned_group_whose_device_query_is_not_json_shows_none():
    group = {"id": "g" * 24, "deviceQueryJson": "not json", "deviceIds": ["A" * 24], "deviceTags": [{"key": "k"}],
             "experienceEndpointIds": []}
    assert access_result(group) == {"devices": ["a" * 24], "device_tags": [{"key": "k"}], "device_query": None,
                                    "endpoints": []}
    assert access_result({"deviceQueryJson": "[1]"})["device_query"] is None
    assert access_result({"deviceQueryJson": '{"name":"x"}'})["device_query"] == {"name": "x"}
