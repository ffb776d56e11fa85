# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Internal to this collection: not a public API; may change without notice.

"""The HTTP client of the collection: the Losant resources it reads and
writes, over the transport of _transport.py and the paged reads of _paging.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.losant.platform.plugins.module_utils._paging import first_page_params, list_all
from ansible_collections.losant.platform.plugins.module_utils._transport import LosantApiError, Transport

USERS_PATH = "/applications/{application_id}/experience/users"
USER_PATH = USERS_PATH + "/{user_id}"
GROUPS_PATH = "/applications/{application_id}/experience/groups"
GROUP_PATH = GROUPS_PATH + "/{group_id}"
DEVICES_PATH = "/applications/{application_id}/devices"
ENDPOINTS_PATH = "/applications/{application_id}/experience/endpoints"
# How Losant names the resources in its "... was not found" answers.
EXPERIENCE_USER = "Experience User"
EXPERIENCE_GROUP = "Experience Group"


class LosantClient(Transport):
    def list_all(self, path, params=None, first_page=None):
        """Every item of a listing, its pages read ``workers`` at a time (see _paging.list_all)."""
        return list_all(self, path, params, first_page, self.workers)

    # -- resources --------------------------------------------------------
    def path_of(self, template, **ids):
        """The path of a resource template (USER_PATH, ...) in this application."""
        return template.format(application_id=self.application_id, **ids)

    def _get_or_none(self, path, resource, resource_id):
        """The resource at ``path``, or None when Losant says that ``resource`` was not found
        (any other 404, such as "Application was not found", fails). An answer about
        another resource than ``resource_id`` fails too: modules update and delete on its word."""
        try:
            found = self.request("GET", path)
        except LosantApiError as exc:
            if exc.says_not_found(resource):
                return None
            raise
        answered_id = found.get("id") if isinstance(found, dict) else None
        if not isinstance(answered_id, str) or answered_id.lower() != resource_id.lower():
            raise self.api_error("GET", path, "the answer is not the %s asked for (its id is %r)"
                                 % (resource.lower(), answered_id))
        return found

    def _delete(self, path, resource, recover=None):
        """Delete; a ``resource`` Losant says is already gone (e.g. by a retried DELETE) is fine."""
        try:
            self.request("DELETE", path, recover=recover)
        except LosantApiError as exc:
            if not exc.says_not_found(resource):
                raise

    def _query(self, template, query, params=None, first_page=None):
        params = dict(params or {})
        if query:
            params["query"] = _compact_json(query)
        return self.list_all(self.path_of(template), params, first_page)

    # -- experience users -------------------------------------------------
    def get_experience_user(self, user_id):
        return self._get_or_none(self.path_of(USER_PATH, user_id=user_id), EXPERIENCE_USER, user_id)

    def query_experience_users(self, query=None, params=None, first_page=None):
        """Every user matching an advanced query (a dict; None for all), all pages read."""
        return self._query(USERS_PATH, query, params, first_page)

    def experience_users_first_page(self):
        """Page 0 of all users, as query_experience_users(first_page=...) reads it; its totalCount sizes the rest."""
        return self.request("GET", self.path_of(USERS_PATH), params=first_page_params())

    def find_experience_user_by_email(self, email):
        """The user whose email equals ``email`` ignoring case, or None: one request."""
        matches = self.query_experience_users({"email": {"$eq": email, "$ci": True}})
        matches = [user for user in matches if user.get("email", "").lower() == email.lower()]
        return matches[0] if matches else None

    def create_experience_user(self, body):
        # If the answer to the POST is lost, the lookup by email tells whether it landed.
        return self.request("POST", self.path_of(USERS_PATH), body=body,
                            recover=lambda: self.find_experience_user_by_email(body["email"]))

    def update_experience_user(self, user_id, body, recover=None):
        return self.request("PATCH", self.path_of(USER_PATH, user_id=user_id), body=body, recover=recover)

    def delete_experience_user(self, user_id, recover=None):
        self._delete(self.path_of(USER_PATH, user_id=user_id), EXPERIENCE_USER, recover)

    # -- experience groups ------------------------------------------------
    def get_experience_group(self, group_id):
        return self._get_or_none(self.path_of(GROUP_PATH, group_id=group_id), EXPERIENCE_GROUP, group_id)

    def query_experience_groups(self, query=None, params=None):
        """Every group matching an advanced query (a dict; None for all), all pages read."""
        return self._query(GROUPS_PATH, query, params)

    def list_experience_groups(self):
        return self.query_experience_groups()

    def create_experience_group(self, body, recover):
        """``recover()`` finds the group should the answer to the POST be lost. Group
        names are not unique, so a POST that may still be under way is not repeated."""
        return self.request("POST", self.path_of(GROUPS_PATH), body=body, recover=recover, repeatable=False)

    def update_experience_group(self, group_id, body, recover=None):
        return self.request("PATCH", self.path_of(GROUP_PATH, group_id=group_id), body=body, recover=recover)

    def delete_experience_group(self, group_id, recover=None):
        self._delete(self.path_of(GROUP_PATH, group_id=group_id), EXPERIENCE_GROUP, recover)

    # -- devices and experience endpoints (read only) -----------------------
    def query_devices(self, query=None):
        """Every device matching an advanced device query (a dict; None for all), all pages read."""
        return self._query(DEVICES_PATH, query)

    def list_experience_endpoints(self):
        """Every experience endpoint. Losant answers them all at once: the listing has no
        pages, so an answer that holds fewer than its totalCount fails instead of guessing."""
        path = self.path_of(ENDPOINTS_PATH)
        body = self.request("GET", path)
        items = body.get("items") or []
        if len(items) < body.get("totalCount", len(items)):
            raise self._error("GET", path, "the endpoint listing holds %d of its %d endpoints, and it has no pages "
                                           "to read the rest from" % (len(items), body["totalCount"]))
        return items


def _compact_json(value):
    return json.dumps(value, separators=(",", ":"), sort_keys=True)
