"""The write gate's promises, for inputs nobody wrote down: hypothesis generates
applications (users with and without ownership tags, in groups or not, suspended
or not; group hierarchies), task inputs for every state and every info filter,
and server misbehaviour from the emulator's faults (a listing that ignores its
query, writes that land but answer after the client's timeout, 429 bursts).
Each example runs the real module in this process against a real emulator over
HTTP, then checks the emulator's state before and after against oracles
written here:

- no write to a user the task does not own (ownership_tag);
- no delete or suspension of a user that the task's own inputs do not select
  (exact emails; overridden: the users not listed; the docs' pipeline: the
  users the info filter matches on the client);
- ``changed`` equal to "the server's state changed";
- every info result equal to its filter applied to the application.
"""

import contextlib
import fnmatch
import io
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ansible.module_utils.common import warnings as module_warnings
from ansible.module_utils.testing import patch_module_args

from ansible_collections.losant.platform.plugins.modules import (
    experience_group,
    experience_group_info,
    experience_user,
    experience_user_info,
    experience_users,
)
from losant_emulator import DEFAULT_APPLICATION_ID, DEFAULT_TOKEN, Emulator
from reliability_support import OUTCOMES

# Derandomized: the same examples on every run, so that CI is repeatable; the generators lean
# towards the cases that matter (listed users that exist, with and without the ownership tag).
EXAMPLES = settings(max_examples=60, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])
OWNER = {"managed_by": "onboarding"}
OTHER = {"managed_by": "other-tool"}
GROUPS = ["Acme", "Beta", "Gamma"]
EMAILS = ["ann@acme.example", "bob@acme.example", "cy@beta.example", "dee@beta.example", "eve@acme.example.au",
          "fay@gamma.example", "gus@acme.example", "hal@beta.example"]
PASSWORD = "Generated-Passw0rd-1"
USER_FIELDS = ("email", "firstName", "lastName", "userTags", "experienceGroups", "tokenCutoff",
               "passwordLastUpdated", "lastUpdated", "lastLogin")

FAULTS = {
    "none": [],
    # A proxy or an API version that drops the advanced query of the user listing.
    "users ignore query": [{"method": "GET", "path": "/experience/users$", "action": "ignore_query",
                            "params": ["query"]}],
    "groups ignore query": [{"method": "GET", "path": "/experience/groups$", "action": "ignore_query",
                             "params": ["query"]}],
    # Every PATCH lands, then answers after the client has given up (timeout 0.4 s).
    "late answers": [{"method": "PATCH", "action": "delay_after", "delay": 0.8}],
    # Every third request is refused as rate limited.
    "429 bursts": [{"action": "status", "status": 429, "retry_after": "0", "every": 3}],
}


@pytest.fixture(scope="module")
def emulator():
    emu = Emulator().start()
    try:
        yield emu
    finally:
        emu.stop()


# -- running a module in this process ---------------------------------------------------------

def run_module(module, emulator, args, check_mode=False):
    """main() of ``module`` with ``args`` against the emulator; its result as JSON."""
    module_args = dict(api_url=emulator.url, api_token=DEFAULT_TOKEN, application_id=DEFAULT_APPLICATION_ID,
                       timeout=0.4, retries=3, **args)
    if check_mode:
        module_args["_ansible_check_mode"] = True
    module_warnings._global_warnings.clear()
    out = io.StringIO()
    with patch_module_args(module_args), contextlib.redirect_stdout(out):
        try:
            module.main()
        except SystemExit:
            pass
    return json.loads(out.getvalue())


def users_of(state):
    return dict((user["email"].lower(), dict((key, user.get(key)) for key in USER_FIELDS))
                for user in state["experienceUsers"])


def groups_of(state):
    return dict((group["id"], group) for group in state["experienceGroups"])


def prepare(emulator, app, fault):
    emulator.reset()
    emulator.seed(app)
    emulator.set_faults({"rules": FAULTS[fault]})
    return emulator.state


def settled(emulator):
    """The state once every late answer has been sent (its write landed before)."""
    emulator.clear_faults()
    return emulator.state


# -- generated applications -------------------------------------------------------------------

@st.composite
def applications(draw):
    users = []
    for email in draw(st.lists(st.sampled_from(EMAILS), unique=True, max_size=len(EMAILS))):
        tags = {}
        owner = draw(st.sampled_from([None, OWNER, OTHER, {"managed_by": "Onboarding"}]))
        if owner:
            tags.update(owner)
        if draw(st.booleans()):
            tags["team"] = draw(st.sampled_from(["red", "blue"]))
        groups = draw(st.lists(st.sampled_from(GROUPS), unique=True, max_size=2))
        if draw(st.integers(0, 4)) == 0:
            tags["suspended_at"] = "2026-01-01T00:00:00.000Z"
            groups = []
        user = {"email": draw(st.sampled_from([email, email.upper()])), "password": PASSWORD, "userTags": tags,
                "experienceGroups": groups}
        if draw(st.booleans()):
            user["lastLogin"] = draw(st.sampled_from(["2025-01-01T00:00:00.000Z", "2026-11-01T00:00:00.000Z"]))
        users.append(user)
    return {"experienceGroups": [{"name": name} for name in GROUPS], "experienceUsers": users}


entry_tags = st.one_of(st.none(), st.just({}), st.just({"team": "green"}), st.just(dict(OWNER)),
                       st.just(dict(OTHER)), st.just({"team": "red", "managed_by": "onboarding"}))


@st.composite
def bulk_tasks(draw, app):
    state = draw(st.sampled_from(["merged", "replaced", "overridden", "deleted", "suspended"]))
    ownership = draw(st.sampled_from([None, OWNER, OWNER]))
    existing = [user["email"].lower() for user in app["experienceUsers"]]
    pool = st.sampled_from(existing) | st.sampled_from(EMAILS + ["new@acme.example"]) if existing \
        else st.sampled_from(EMAILS + ["new@acme.example"])
    config = []
    for email in draw(st.lists(pool, unique=True, max_size=5)):
        entry = {"email": draw(st.sampled_from([email, email.upper()]))}
        if state not in ("deleted", "suspended"):
            entry["password"] = PASSWORD
            tags = draw(entry_tags)
            if tags is not None:
                entry["user_tags"] = tags
            if draw(st.booleans()):
                entry["first_name"] = draw(st.sampled_from(["Ann", "Zed"]))
            groups = draw(st.none() | st.lists(st.sampled_from(GROUPS), unique=True, max_size=2))
            if groups is not None:
                entry["experience_groups"] = groups
        config.append(entry)
    args = {"state": state, "config": config}
    if ownership:
        args["ownership_tag"] = dict(ownership)
    if draw(st.booleans()):
        args["max_deletions"] = draw(st.integers(0, 3))
    return args


# -- the oracles ------------------------------------------------------------------------------

def carries(user, tag):
    key, value = list(tag.items())[0]
    return (user.get("userTags") or {}).get(key) == value


def newly_suspended(before, after):
    """Users a task suspended: the suspension tag set anew (or the groups taken from a tagged user)."""
    found = set()
    for email, user in after.items():
        old = before.get(email)
        if old is None or "suspended_at" not in (user["userTags"] or {}):
            continue
        if (old["userTags"] or {}).get("suspended_at") != user["userTags"]["suspended_at"] or \
                (old["experienceGroups"] and not user["experienceGroups"]):
            found.add(email)
    return found


def invariant_problems(args, before, after, result):
    """What the bulk task's result and the state before/after break; [] when all holds."""
    problems = []
    state, tag = args["state"], args.get("ownership_tag")
    listed = set(entry["email"].lower() for entry in args["config"])
    deleted = set(before) - set(after)
    created = set(after) - set(before)
    changed = set(email for email in set(before) & set(after) if before[email] != after[email])
    adopted = set(entry["email"].lower() for entry in args["config"]
                  if tag and carries({"userTags": entry.get("user_tags") or {}}, tag)
                  and state not in ("deleted", "suspended"))
    if tag:
        for email in changed | deleted:
            if not carries(before[email], tag) and email not in adopted:
                problems.append("wrote %s, which does not carry the ownership tag" % email)
        for email in changed | created:
            if not carries(after[email], tag):
                problems.append("left %s without the ownership tag" % email)
    if state == "deleted":
        problems.extend("deleted %s, not listed" % email for email in deleted - listed)
    elif state == "overridden":
        problems.extend("deleted %s, which is listed" % email for email in deleted & listed)
    else:
        problems.extend("deleted %s with state %s" % (email, state) for email in deleted)
    if args.get("max_deletions") is not None and len(deleted) > args["max_deletions"]:
        problems.append("deleted %d, more than max_deletions" % len(deleted))
    suspended = newly_suspended(before, after)
    if state != "suspended":
        problems.extend("suspended %s with state %s" % (email, state) for email in suspended)
    problems.extend("suspended %s, not listed" % email for email in suspended - listed)
    if state in ("merged", "replaced", "overridden"):
        problems.extend("created %s, not listed" % email for email in created - listed)
        problems.extend("changed %s, not listed" % email for email in changed - listed)
    elif created:
        problems.append("created %s with state %s" % (sorted(created), state))
    if state == "overridden" and not args["config"] and args.get("max_deletions") is None and not result.get("failed"):
        problems.append("an empty overridden without max_deletions ran")
    if bool(result.get("changed")) != (before != after):
        problems.append("changed=%s, but the state %s" % (result.get("changed"),
                                                          "changed" if before != after else "did not change"))
    return problems


def planned_problems(args, before, result):
    """What a check-mode result announces that the task's rules rule out; [] when all holds."""
    if result.get("failed"):
        return []
    state, tag = args["state"], args.get("ownership_tag")
    listed = set(entry["email"].lower() for entry in args["config"])
    adopted = set(entry["email"].lower() for entry in args["config"]
                  if tag and carries({"userTags": entry.get("user_tags") or {}}, tag))
    created, updated, deleted = [set(email.lower() for email in result[key])
                                 for key in ("created", "updated", "deleted")]
    problems = []
    if state == "deleted":
        problems.extend("would delete %s, not listed" % email for email in deleted - listed)
    elif state == "overridden":
        problems.extend("would delete %s, which is listed" % email for email in deleted & listed)
    elif deleted:
        problems.append("would delete %s with state %s" % (sorted(deleted), state))
    problems.extend("would write %s, not listed" % email for email in (created | updated) - listed)
    problems.extend("would create %s, which exists" % email for email in created & set(before))
    if tag:
        problems.extend("would write %s, which does not carry the ownership tag" % email
                        for email in (updated | deleted) - adopted if not carries(before[email], tag))
    if args.get("max_deletions") is not None and len(deleted) > args["max_deletions"]:
        problems.append("would delete %d, more than max_deletions" % len(deleted))
    if bool(result["changed"]) != bool(created | updated | deleted):
        problems.append("changed=%s with %d writes planned" % (result["changed"], len(created | updated | deleted)))
    return problems


# Per property: examples run, and the first problem found.
TALLY = {}


@pytest.fixture(scope="module", autouse=True)
def outcome_rows():
    """One row of the reliability table per property, with how many examples it ran."""
    yield
    for name, (examples, problem) in sorted(TALLY.items()):
        OUTCOMES.add("safety invariants", name, "invariants hold in every example",
                     "PROBLEM: " + problem if problem else "held in %d examples" % examples)


def check(name, case, problems, result):
    examples, first = TALLY.get(name, (0, None))
    TALLY[name] = (examples + 1, first or ("%s: %s" % (case, "; ".join(problems)) if problems else None))
    assert not problems, (case, problems, result.get("msg"))


# -- the properties ---------------------------------------------------------------------------

@EXAMPLES
@given(data=st.data(), app=applications(), fault=st.sampled_from(sorted(FAULTS)), check_mode=st.booleans())
def test_experience_users_never_writes_what_its_task_rules_out(emulator, data, app, fault, check_mode):
    task = data.draw(bulk_tasks(app))
    before = users_of(prepare(emulator, app, fault))
    result = run_module(experience_users, emulator, dict(task, workers=4), check_mode=check_mode)
    after = users_of(settled(emulator))
    if check_mode:
        problems = (["check mode wrote"] if before != after else []) + planned_problems(task, before, result)
    else:
        problems = invariant_problems(task, before, after, result)
    check("experience_users: every state, ownership, max_deletions, faults, check mode",
          "%s (%s%s)" % (task["state"], fault, ", check" if check_mode else ""), problems, result)


def user_filter_oracle(users, args, group_ids):
    """The users an experience_user_info filter selects, computed here from the state."""
    selected = set()
    for email, user in users.items():
        groups = [group["id"] for group in user["experienceGroups"] or []]
        tags = user["userTags"] or {}
        if "email_pattern" in args and not fnmatch.fnmatchcase(email, args["email_pattern"].lower()):
            continue
        group = args.get("experience_group")
        if group == "any" and not groups or group == "none" and groups or \
                group not in (None, "any", "none") and group_ids[group] not in groups:
            continue
        if any(key not in tags or (value is not None and tags[key] != value)
               for key, value in (args.get("user_tags") or {}).items()):
            continue
        if args.get("never_logged_in") is True and user.get("lastLogin") is not None:
            continue
        selected.add(email)
    return selected


info_filters = st.fixed_dictionaries({}, optional={
    "email_pattern": st.sampled_from(["*@acme.example", "*beta*", "ann@*", "*"]),
    "experience_group": st.sampled_from(GROUPS + ["any", "none"]),
    "user_tags": st.sampled_from([{"team": "red"}, {"team": None}, {"suspended_at": None}, dict(OWNER),
                                  {"team": "nobody"}]),
    "never_logged_in": st.just(True),
})


@EXAMPLES
@given(app=applications(), filters=info_filters, ownership=st.sampled_from([None, OWNER]),
       fault=st.sampled_from(["none", "users ignore query", "groups ignore query", "429 bursts"]))
def test_the_offboarding_pipeline_suspends_only_what_its_filter_matches(emulator, app, filters, ownership, fault):
    """docs/offboarding.md: experience_user_info selects, experience_users suspends what it returned."""
    state = prepare(emulator, app, fault)
    before = users_of(state)
    group_ids = dict((group["name"], group["id"]) for group in state["experienceGroups"])
    info = run_module(experience_user_info, emulator, dict(filters))
    expected = user_filter_oracle(before, filters, group_ids)
    returned = set(user["email"].lower() for user in info["experience_users"])
    problems = [] if returned == expected else ["info returned %s, the filter matches %s" % (
        sorted(returned), sorted(expected))]
    task = {"state": "suspended", "config": [{"email": user["email"]} for user in info["experience_users"]]}
    if ownership:
        task["ownership_tag"] = dict(ownership)
    result = run_module(experience_users, emulator, task)
    after = users_of(settled(emulator))
    problems += invariant_problems(task, before, after, result)
    problems += ["suspended %s, which the filter does not match" % email
                 for email in newly_suspended(before, after) - expected]
    check("experience_user_info filters feeding experience_users suspended", "%s (%s)" % (sorted(filters), fault),
          problems, result)


@EXAMPLES
@given(app=applications(), email=st.sampled_from(EMAILS), state=st.sampled_from(["present", "absent", "suspended"]),
       fault=st.sampled_from(sorted(FAULTS)), by_id=st.booleans())
def test_experience_user_writes_only_the_user_it_names_and_says_so(emulator, app, email, state, fault, by_id):
    before = users_of(prepare(emulator, app, "none"))
    known = [user for user in emulator.state["experienceUsers"] if user["email"] == email]
    args = {"state": state}
    if by_id and known:
        args["experience_user_id"] = known[0]["id"]
    else:
        args["email"] = email.upper()
    if state == "present":
        args.update(first_name="Renamed", password=PASSWORD, experience_groups=["Beta"])
    emulator.set_faults({"rules": FAULTS[fault]})
    result = run_module(experience_user, emulator, args)
    after = users_of(settled(emulator))
    touched = set(key for key in set(before) | set(after) if before.get(key) != after.get(key))
    problems = ["wrote %s" % sorted(touched - {email})] if touched - {email} else []
    if state == "absent" and email in after:
        problems.append("the user is still there")
    if bool(result.get("changed")) != (before != after):
        problems.append("changed=%s, but the state %s" % (result.get("changed"), "changed" if before != after
                                                          else "did not change"))
    check("experience_user: present, absent, suspended, by email or id, faults", "%s (%s)" % (state, fault),
          problems, result)


@st.composite
def hierarchies(draw):
    """Groups under one another: each group's parent is an earlier group or the top level."""
    count = draw(st.integers(1, 6))
    groups = []
    for index in range(count):
        group = {"name": "G%d" % index}
        parent = draw(st.none() | st.integers(0, index - 1)) if index else None
        if parent is not None:
            group["parentName"] = "G%d" % parent
        groups.append(group)
    return {"experienceGroups": groups}


def descendants(groups, gid):
    return set(other for other, group in groups.items() if gid in (group.get("ancestorIds") or []))


@EXAMPLES
@given(app=hierarchies(), target=st.integers(0, 5), delete_descendants=st.booleans(),
       fault=st.sampled_from(["none", "groups ignore query", "429 bursts"]))
def test_experience_group_deletes_only_the_group_and_its_own_descendants(emulator, app, target, delete_descendants,
                                                                         fault):
    before = groups_of(prepare(emulator, app, fault))
    named = [gid for gid, group in before.items() if group["name"] == "G%d" % (target % len(before))][0]
    result = run_module(experience_group, emulator, {"name": before[named]["name"], "state": "absent",
                                                     "delete_descendants": delete_descendants})
    after = groups_of(settled(emulator))
    gone = set(before) - set(after)
    below = descendants(before, named)
    wanted = {named} | below if delete_descendants or not below else set()
    problems = [] if gone == wanted else ["deleted %s, wanted %s" % (sorted(gone), sorted(wanted))]
    if bool(result.get("changed")) != bool(gone):
        problems.append("changed=%s with %d deleted" % (result.get("changed"), len(gone)))
    check("experience_group absent: generated hierarchies, faults", fault, problems, result)


@EXAMPLES
@given(app=hierarchies(), filters=st.fixed_dictionaries({}, optional={
    "name": st.sampled_from(["G0", "G3", "g1", "nope"]), "name_pattern": st.sampled_from(["G*", "*1", "*", "x*"])}),
    fault=st.sampled_from(["none", "groups ignore query"]))
def test_experience_group_info_returns_what_its_filter_matches(emulator, app, filters, fault):
    if "name" in filters and "name_pattern" in filters:
        filters.pop("name_pattern")
    before = groups_of(prepare(emulator, app, fault))
    result = run_module(experience_group_info, emulator, dict(filters))
    expected = set(gid for gid, group in before.items()
                   if ("name" not in filters or group["name"] == filters["name"])
                   and ("name_pattern" not in filters or re.match("^%s$" % ".*".join(
                       re.escape(piece) for piece in filters["name_pattern"].split("*")), group["name"], re.I)))
    returned = set(group["id"] for group in result["experience_groups"])
    problems = [] if returned == expected else [
        "returned %s, the filter matches %s" % (sorted(returned), sorted(expected))]
    check("experience_group_info: name and name_pattern, faults", "%s (%s)" % (sorted(filters), fault), problems,
          result)
