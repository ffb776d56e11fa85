"""Users and groups as the modules return them: snake_case keys, tag keys as
written, never a password."""

from ansible_collections.losant.platform.plugins.module_utils._results import group_result, snake_resource, text_diff, user_result

G1 = "aaaaaaaaaaaaaaaaaaaaaaa1"
G2 = "aaaaaaaaaaaaaaaaaaaaaaa2"


def test_snake_resource_converts_keys_but_not_tag_keys_and_drops_a_password():
    resource = {"id": G1, "firstName": "Jane", "userTags": {"costCenter": "42", "site_code": "n"},
                "experienceGroups": [{"id": G1, "name": "Ops", "parentId": None}], "password": "x" * 8}
    assert snake_resource(resource, "userTags") == {
        "id": G1, "first_name": "Jane", "user_tags": {"costCenter": "42", "site_code": "n"},
        "experience_groups": [{"id": G1, "name": "Ops", "parent_id": None}]}


def test_snake_resource_of_nothing_is_empty():
    assert snake_resource(None, "userTags") == {}
    assert snake_resource({}, "groupTags") == {}


def test_user_result_is_snake_case_but_tag_keys_are_untouched():
    result = user_result({"id": G1, "experienceUserId": G1, "userTags": {"costCenter": "42"},
                          "experienceGroups": [{"id": G2, "name": "Operators", "parentId": None}],
                          "passwordLastUpdated": "2026-01-15T08:00:00.000Z"})
    assert result == {"id": G1, "experience_user_id": G1, "user_tags": {"costCenter": "42"},
                      "experience_groups": [{"id": G2, "name": "Operators", "parent_id": None}],
                      "password_last_updated": "2026-01-15T08:00:00.000Z"}


def test_group_result_is_snake_case_with_tag_keys_untouched():
    result = group_result({"id": G2, "name": "Acme Operators", "parentId": G1, "ancestorIds": [G1],
                           "groupTags": {"costCenter": "7"}, "experienceUserIds": [G1],
                           "creationDate": "2026-11-26T17:38:35.123Z"})
    assert result == {"id": G2, "name": "Acme Operators", "parent_id": G1, "ancestor_ids": [G1],
                      "group_tags": {"costCenter": "7"}, "experience_user_ids": [G1],
                      "creation_date": "2026-11-26T17:38:35.123Z",
                      "devices": [], "device_tags": [], "device_query": {}, "endpoints": []}
    assert group_result(None) == {}


def test_text_diff_keeps_names_as_written_in_ansibles_layout():
    diff = text_diff({"before": {}, "after": {"name": "Müller", "parent": None}, "before_header": "x"})
    assert diff == {"before": "{}\n", "after": '{\n    "name": "Müller",\n    "parent": null\n}\n', "before_header": "x"}
    assert text_diff([{"before": {"a": 1}, "after": {}}]) == [{"before": '{\n    "a": 1\n}\n', "after": "{}\n"}]
