# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Internal to this collection: not a public API; may change without notice.

"""The inventory of Losant applications (plugins/inventory/applications.py), as
pure functions: which listed applications match the source's selection
(checked again on the client: a proxy may drop a query parameter), their host
names and their host variables."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.losant.platform.plugins.module_utils._queries import glob_matches

APPLICATIONS_PATH = "/applications"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def listing_params(org_id=None, name=None):
    """The query parameters of GET /applications for the source's selection."""
    params = {}
    if org_id is not None:
        params["orgId"] = org_id
    if name:
        params.update(filterField="name", filter=name)
    return params


def selected(applications, org_id=None, name=None):
    """The applications that match the selection: with ``org_id`` "" only the user's own, with an id
    only that organization's; with ``name`` those whose name matches the glob."""
    out = []
    for app in applications:
        if org_id == "" and app.get("ownerType") != "user":
            continue
        if org_id and (app.get("ownerType") != "organization" or str(app.get("ownerId", "")).lower() != org_id.lower()):
            continue
        if not name or glob_matches(name, app.get("name")):
            out.append(app)
    return out


def safe_name(name):
    """An application's name as an inventory host name: runs of other characters than letters,
    digits, ``_``, ``.`` and ``-`` become one ``_``; lower case."""
    return _UNSAFE.sub("_", (name or "").strip()).strip("_").lower() or "application"


def host_names(applications, hostnames="name"):
    """{application id: host name}. By name: made safe, and where two applications would get the same
    name, each of them gets its id after it (``acme_staging_<id>``), whatever the listing's order."""
    if hostnames == "id":
        return dict((app["id"], app["id"]) for app in applications)
    wanted = dict((app["id"], safe_name(app.get("name"))) for app in applications)
    counts = {}
    for name in wanted.values():
        counts[name] = counts.get(name, 0) + 1
    return dict((app_id, name if counts[name] == 1 else "%s_%s" % (name, app_id)) for app_id, name in wanted.items())


def _global_value(text):
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def host_vars(app):
    """The variables of one application's host."""
    summary = app.get("summary") or {}
    return {
        "losant_application_id": app["id"],
        "losant_application_name": app.get("name"),
        "losant_owner_id": app.get("ownerId"),
        "losant_owner_type": app.get("ownerType"),
        "losant_organization_name": app.get("organizationName"),
        "losant_experience_user_count": summary.get("experienceUserCount"),
        "losant_experience_group_count": summary.get("experienceGroupCount"),
        "losant_device_count": summary.get("deviceCount"),
        # Each global's JSON value, decoded (its text when it is not JSON).
        "losant_globals": dict((g.get("key"), _global_value(g.get("json"))) for g in app.get("globals") or []
                               if g.get("key")),
    }
