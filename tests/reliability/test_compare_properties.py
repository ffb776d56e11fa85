"""Properties of the compare logic, for any current state and any options:
the computed PATCH, applied to the current state, gives the desired state,
and computing it once more gives nothing to do.

"Applied" twice over: by the modules' own prediction (predict_user /
predict_group, what check mode shows) and by the emulator's store, which
applies a PATCH as Losant does (tags and groups replaced whole). The desired
state comes from an oracle written here, not from the code under test.
"""

import datetime

from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.losant.platform.plugins.module_utils._dates import format_datetime, parse_datetime
from ansible_collections.losant.platform.plugins.module_utils._groups import group_patch, predict_group
from ansible_collections.losant.platform.plugins.module_utils._users import predict_user, user_patch
from losant_emulator import DEFAULT_APPLICATION_ID, Store
from reliability_support import OUTCOMES

EXAMPLES = settings(max_examples=150, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
UID = "5f6a7b8c9d0e1f2a3b4c5d71"
GID = "5f6a7b8c9d0e1f2a3b4c5d72"
GROUP_IDS = ["%024x" % (0xa0 + index) for index in range(6)]
KNOWN = dict((gid, {"id": gid, "name": "group %d" % index, "parentId": None}) for index, gid in enumerate(GROUP_IDS))
NOW = format_datetime(datetime.datetime(2026, 11, 26, 12, 0, tzinfo=datetime.timezone.utc))
PASSWORD = "Corr3ct-Horse-Battery"

texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
tag_keys = st.from_regex(r"[0-9a-zA-Z_-]{1,6}", fullmatch=True)
tag_values = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=8)
tags = st.dictionaries(tag_keys, tag_values, max_size=5)
given_tags = st.none() | st.dictionaries(tag_keys, st.none() | tag_values, max_size=5)
emails = st.builds(lambda local, domain, upper: ("%s@%s.example" % (local, domain)).upper() if upper
                   else "%s@%s.example" % (local, domain),
                   st.sampled_from(["jane", "john.roe", "a"]), st.sampled_from(["acme", "corp"]), st.booleans())
past = st.datetimes(min_value=datetime.datetime(2020, 1, 1), max_value=datetime.datetime(2026, 1, 1),
                    timezones=st.just(datetime.timezone.utc)).map(format_datetime)


@st.composite
def users(draw):
    user = {"id": UID, "email": draw(emails), "userTags": draw(tags),
            "experienceGroups": [KNOWN[gid] for gid in draw(st.lists(st.sampled_from(GROUP_IDS), unique=True, max_size=4))]}
    for field in ("firstName", "lastName"):
        value = draw(st.none() | texts)
        if value is not None:
            user[field] = value
    if draw(st.booleans()):
        user["passwordLastUpdated"] = draw(past)
    return user


@st.composite
def user_options(draw):
    always = draw(st.booleans())
    params = {
        "email": draw(st.none() | emails),
        "first_name": draw(st.none() | texts),
        "last_name": draw(st.none() | texts),
        "user_tags": draw(given_tags),
        "purge_user_tags": draw(st.booleans()),
        "purge_experience_groups": draw(st.booleans()),
        "password": draw(st.none() | st.just(PASSWORD)),
        "update_password": "always" if always else "on_create",
        # a date in the past: a future one would rightly rotate on every run until it passes
        "password_updated_after": None if always else draw(st.none() | past),
        "invalidate_tokens": draw(st.booleans()),
    }
    group_ids = draw(st.none() | st.lists(st.sampled_from(GROUP_IDS), max_size=4))
    return params, group_ids


def desired_user(user, params, group_ids):
    """The oracle: the user as the options describe it (None where the options leave it be)."""
    want = {}
    if params["email"] is not None:
        want["email"] = params["email"].lower()
    for option, field in (("first_name", "firstName"), ("last_name", "lastName")):
        if params[option] is not None:
            want[field] = params[option]
    # Left out, the tags are not touched, even with purge_user_tags.
    if params["user_tags"] is not None:
        result = {} if params["purge_user_tags"] else dict(user["userTags"])
        for key, value in params["user_tags"].items():
            if value is None:
                result.pop(key, None)
            else:
                result[key] = value
        want["userTags"] = result
    if group_ids is not None:
        current = set() if params["purge_experience_groups"] else set(g["id"] for g in user["experienceGroups"])
        want["groups"] = current | set(group_ids)
    return want


def check_user(user, want, after):
    """Problems of ``after`` against ``want``; fields not wanted must be as in ``user``."""
    have = {"email": after["email"].lower(), "firstName": after.get("firstName", ""),
            "lastName": after.get("lastName", ""), "userTags": after.get("userTags") or {},
            "groups": set(g["id"] for g in after.get("experienceGroups") or [])}
    before = {"email": user["email"].lower(), "firstName": user.get("firstName", ""),
              "lastName": user.get("lastName", ""), "userTags": user["userTags"],
              "groups": set(g["id"] for g in user["experienceGroups"])}
    expected = dict(before, **want)
    return dict((key, (have[key], expected[key])) for key in expected if have[key] != expected[key])


def always_changing(params):
    """Fields a second run sends again by design: update_password=always, invalidate_tokens."""
    fields = set()
    if params["password"] is not None and params["update_password"] == "always":
        fields.add("password")
    if params["invalidate_tokens"]:
        fields.add("tokenCutoff")
    return fields


def password_due(params, user):
    threshold = params["password_updated_after"]
    if params["password"] is None:
        return False
    if params["update_password"] == "always":
        return True
    last = parse_datetime(user.get("passwordLastUpdated"))
    return threshold is not None and (last is None or last < parse_datetime(threshold))


@EXAMPLES
@given(users(), user_options())
def test_user_patch_reaches_the_desired_user_and_then_has_nothing_left(user, options):
    params, group_ids = options
    body, changed = user_patch(user, params, group_ids, NOW)
    after = predict_user(user, body, KNOWN)
    assert check_user(user, desired_user(user, params, group_ids), after) == {}
    assert ("password" in body) == password_due(params, user)
    assert ("tokenCutoff" in body) == params["invalidate_tokens"]
    assert len(changed) == len(body)
    again, changed_again = user_patch(after, params, group_ids, NOW)
    assert set(again) == always_changing(params)
    assert len(changed_again) == len(again)


@EXAMPLES
@given(users(), user_options())
def test_user_patch_applied_as_losant_applies_it_reaches_the_desired_user(user, options):
    params, group_ids = options
    store = Store(DEFAULT_APPLICATION_ID)
    seeded = dict((key, value) for key, value in user.items() if key != "experienceGroups")
    seeded["experienceGroupIds"] = [group["id"] for group in user["experienceGroups"]]
    store.seed({"experienceGroups": list(KNOWN.values()), "experienceUsers": [seeded]})
    current = store.get_user(UID)
    body, dummy = user_patch(current, params, group_ids, NOW)
    after = store.patch_user(UID, body) if body else current
    assert check_user(current, desired_user(current, params, group_ids), after) == {}
    again, dummy = user_patch(store.get_user(UID), params, group_ids, NOW)
    assert set(again) == always_changing(params)


PARENTS = ["5f6a7b8c9d0e1f2a3b4c5d7%d" % index for index in range(3)]


@st.composite
def groups(draw):
    group = {"id": GID, "name": draw(st.text(min_size=1, max_size=10)), "groupTags": draw(tags),
             "parentId": draw(st.none() | st.sampled_from(PARENTS))}
    description = draw(st.none() | texts)
    if description is not None:
        group["description"] = description
    return group


@st.composite
def group_options(draw):
    params = {"name": draw(st.none() | st.text(min_size=1, max_size=10)), "description": draw(st.none() | texts),
              "group_tags": draw(given_tags), "purge_group_tags": draw(st.booleans())}
    # parent left out (None), "" for the top level, or a parent the lookup resolved to an id.
    params["parent"] = draw(st.none() | st.just("") | st.sampled_from(PARENTS))
    parent_id = params["parent"] or None
    return params, parent_id


@EXAMPLES
@given(groups(), group_options())
def test_group_patch_reaches_the_desired_group_and_then_has_nothing_left(group, options):
    params, parent_id = options
    body, changed = group_patch(group, params, parent_id)
    parent = {"id": parent_id, "ancestorIds": []} if parent_id else None
    after = predict_group(group, body, parent)
    want = {"name": group["name"], "description": group.get("description") or "", "parentId": group["parentId"],
            "groupTags": group["groupTags"]}
    if params["name"] is not None:
        want["name"] = params["name"]
    if params["description"] is not None:
        want["description"] = params["description"]
    if params["parent"] is not None:
        want["parentId"] = parent_id
    # Left out, the tags are not touched, even with purge_group_tags.
    if params["group_tags"] is not None:
        result = {} if params["purge_group_tags"] else dict(group["groupTags"])
        for key, value in params["group_tags"].items():
            if value is None:
                result.pop(key, None)
            else:
                result[key] = value
        want["groupTags"] = result
    have = {"name": after["name"], "description": after.get("description") or "", "parentId": after.get("parentId"),
            "groupTags": after.get("groupTags") or {}}
    assert have == want
    if "parentId" in body:
        assert after["ancestorIds"] == ([parent_id] if parent_id else [])
    assert len(changed) == len(body)
    assert group_patch(after, params, parent_id) == ({}, [])


def test_record_the_properties():
    OUTCOMES.add("properties", "user_patch / predict_user and the emulator's PATCH; group_patch / predict_group",
                 "desired state, then nothing", "held for %d generated cases each" % EXAMPLES.max_examples)
