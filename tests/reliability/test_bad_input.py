"""Invalid input, module by module: each case fails with a message naming
the option and the rule, and not one write request reaches the emulator.

Each module's main() runs in-process through its entry point (the argument
spec, the option checks and the client are the real ones) against a real
emulator, whose request log counts what was sent.
"""

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.losant.platform.plugins.modules import (
    experience_group,
    experience_group_info,
    experience_user,
    experience_user_info,
)
from drivers import module_exists, module_names
from losant_emulator import Emulator
from reliability_support import APP, AUDIT, OUTCOMES, TOKEN, password

MODULES = {
    "experience_user": experience_user,
    "experience_group": experience_group,
    "experience_user_info": experience_user_info,
    "experience_group_info": experience_group_info,
}
if module_exists("experience_users"):
    from ansible_collections.losant.platform.plugins.modules import experience_users
    MODULES["experience_users"] = experience_users
if module_exists("experience_groups"):
    from ansible_collections.losant.platform.plugins.modules import experience_groups
    MODULES["experience_groups"] = experience_groups

PW = password()
SHORT_PW = "Sh0rt!x"   # 7 characters: a rule is broken, and it must not be echoed either
AUDIT.add(SHORT_PW)
NEW = "new.user@example.com"
OLD = "old.user@example.com"
ID_OF_NOBODY = "aaaaaaaaaaaaaaaaaaaaaaaa"
ISO_RULE = "password_updated_after must be an ISO 8601 date-time"
EMAIL_RULE = "email must be an email address such as name@example.com of at most 1024 characters"
TAG_KEY_RULE = "must match ^[0-9a-zA-Z_-]{1,255}$"

# (module, options, fragments the message must hold: the option and the rule)
CASES = [
    # experience_user: shapes, lengths and types
    ("experience_user", dict(email="not-an-email"), [EMAIL_RULE]),
    ("experience_user", dict(email="two@@example.com"), [EMAIL_RULE]),
    ("experience_user", dict(email="a b@example.com"), [EMAIL_RULE]),
    ("experience_user", dict(email="user@localhost"), [EMAIL_RULE]),
    ("experience_user", dict(email="a" * 1020 + "@x.io"), [EMAIL_RULE]),
    ("experience_user", dict(experience_user_id="123"), ["experience_user_id must be a Losant id of 24 hexadecimal"]),
    ("experience_user", dict(experience_user_id="g" * 24), ["experience_user_id must be a Losant id of 24 hexadecimal"]),
    ("experience_user", dict(email=OLD, first_name="x" * 1025), ["first_name must be at most 1024 characters long"]),
    ("experience_user", dict(email=OLD, last_name="y" * 1025), ["last_name must be at most 1024 characters long"]),
    ("experience_user", dict(email=NEW, password=SHORT_PW), ["password must be 8 to 2048 characters long, got 7 characters"]),
    ("experience_user", dict(email=NEW, password="p" * 2049), ["password must be 8 to 2048 characters long, got 2049"]),
    ("experience_user", dict(email=OLD, user_tags={"bad key": "v"}), ["user_tags key 'bad key' " + TAG_KEY_RULE]),
    ("experience_user", dict(email=OLD, user_tags={"k" * 256: "v"}), ["user_tags key", TAG_KEY_RULE]),
    ("experience_user", dict(email=OLD, user_tags={"k": ""}), ["user_tags value of 'k' must be 1 to 255 characters long"]),
    ("experience_user", dict(email=OLD, user_tags={"k": "v" * 256}), ["user_tags value of 'k' must be 1 to 255"]),
    ("experience_user", dict(email=OLD, user_tags={"k": 5}), ["user_tags value of 'k' must be a string, got int"]),
    ("experience_user", dict(email=OLD, user_tags="not a dict"), ["user_tags", "unable to convert to dict"]),
    ("experience_user", dict(email=OLD, purge_user_tags="maybe"), ["purge_user_tags", "unable to convert to bool"]),
    ("experience_user", dict(email=OLD, experience_groups=["g%d" % i for i in range(1001)]),
     ["experience_groups may list at most 1000 groups, got 1001"]),
    ("experience_user", dict(email=OLD, experience_groups=[""]), ["experience_groups entries must be group names of 1 to 255"]),
    ("experience_user", dict(email=OLD, state="gone"), ["value of state must be one of: present, absent, suspended, got: gone"]),
    ("experience_user", dict(email=OLD, frist_name="typo"), ["Unsupported parameters", "frist_name"]),
    ("experience_user", dict(email=OLD, state="suspended", password=PW, user_tags={"k": "v"}),
     ["state=suspended", "takes only email or experience_user_id; leave out password, user_tags"]),
    # experience_user: dates and combinations
    ("experience_user", dict(email=OLD, password=PW, password_updated_after="yesterday"), [ISO_RULE, "'yesterday'"]),
    ("experience_user", dict(email=OLD, password=PW, password_updated_after="2026-13-01T00:00:00Z"), [ISO_RULE]),
    ("experience_user", dict(email=OLD, password=PW, password_updated_after="2026-01-01", update_password="always"),
     ["password_updated_after cannot be combined with update_password=always"]),
    ("experience_user", dict(email=OLD, password_updated_after="2026-01-01"),
     ["missing parameter(s) required by 'password_updated_after': password"]),
    ("experience_user", dict(email=OLD, update_password="always"),
     ["update_password is always but all of the following are missing: password"]),
    ("experience_user", dict(first_name="Nobody"), ["one of the following is required: email, experience_user_id"]),
    # experience_user: what only a read can tell (one GET, no write)
    ("experience_user", dict(email=NEW, first_name="No password"), ["email and password are required to create"]),
    ("experience_user", dict(experience_user_id=ID_OF_NOBODY, first_name="X"),
     ["No experience user has experience_user_id " + ID_OF_NOBODY]),
    ("experience_user", dict(email=OLD, experience_groups=["Nope"]), ["experience_groups: no group named or with id 'Nope'"]),
    ("experience_user", dict(email=OLD, experience_groups=["Shared"]), ["experience_groups: the name 'Shared' is ambiguous"]),
    # connection options
    ("experience_user", dict(email=OLD, application_id="xyz"), ["application_id must be a Losant id of 24 hexadecimal"]),
    ("experience_user", dict(email=OLD, api_url="ftp://losant.example"), ["api_url must start with http:// or https://"]),
    ("experience_user", dict(email=OLD, timeout=0), ["timeout must be a number of seconds greater than 0"]),
    ("experience_user", dict(email=OLD, retries=-1), ["retries must be 0 or more, got -1"]),
    ("experience_user", dict(email=OLD, retries="many"), ["retries", "unable to convert to int"]),
    ("experience_user", dict(email=OLD, api_token=TOKEN + "\n"), ["api_token must be a non-empty token without whitespace"]),
    # experience_group
    ("experience_group", dict(name="n" * 256), ["name must be 1 to 255 characters long"]),
    ("experience_group", dict(name=""), ["name must be 1 to 255 characters long"]),
    ("experience_group", dict(experience_group_id="nothex"), ["experience_group_id must be a Losant id of 24 hexadecimal"]),
    ("experience_group", dict(name="G", description="d" * 32768), ["description must be at most 32767 characters long"]),
    ("experience_group", dict(name="G", group_tags={"bad key!": "v"}), ["group_tags key 'bad key!' " + TAG_KEY_RULE]),
    ("experience_group", dict(name="G", group_tags={"k": "v" * 256}), ["group_tags value of 'k' must be 1 to 255"]),
    ("experience_group", dict(name="G", parent="p" * 256), ["parent must be 1 to 255 characters long"]),
    ("experience_group", dict(description="no name"), ["one of the following is required: name, experience_group_id"]),
    ("experience_group", dict(name="G", parent="No such parent"), ["parent: no experience group named or with id 'No such parent'"]),
    ("experience_group", dict(name="Parent", parent="Child"), ["parent: 'Child' is the group itself or one of its descendants"]),
    ("experience_group", dict(name="Parent", state="absent"), ["has descendant groups", "set delete_descendants=true"]),
    ("experience_group", dict(name="Shared", description="which?"),
     ["2 experience groups are named 'Shared'", "give experience_group_id"]),
    # experience_group: what a group grants
    ("experience_group", dict(name="G", devices=[""]), ["devices: entries must be device names of 1 to 255 characters"]),
    ("experience_group", dict(name="G", endpoints=["dashboard"]), ["endpoints: entries must be endpoint ids or 'METHOD /route'"]),
    ("experience_group", dict(name="G", device_query={"email": "x"}), ["device_query: 'email' is not a field of an advanced device query"]),
    ("experience_group", dict(name="G", device_tags=[{"value": "x"}]), ["missing required arguments: key", "device_tags"]),
    ("experience_group", dict(name="G", device_tags=[{"key": "k", "value": ""}]), ["device_tags value of 'k' must be 1 to 255"]),
    ("experience_group", dict(name="Parent", devices=["No such device"]), ["devices: no device is named 'No such device'"]),
    ("experience_group", dict(name="Parent", endpoints=["GET /nowhere"]), ["endpoints: no experience endpoint is 'GET /nowhere'"]),
    # experience_user_info
    ("experience_user_info", dict(email=OLD, email_pattern="*@example.com"), ["mutually exclusive", "email|email_pattern"]),
    ("experience_user_info", dict(experience_user_id="bad"), ["experience_user_id must be a Losant id of 24 hexadecimal"]),
    ("experience_user_info", dict(email="bad"), [EMAIL_RULE]),
    ("experience_user_info", dict(last_login_before="90 days ago"),
     ["last_login_before must be an ISO 8601 date or date-time", "'90 days ago'"]),
    ("experience_user_info", dict(password_updated_before="2026-02-30"),
     ["password_updated_before must be an ISO 8601 date or date-time"]),
    ("experience_user_info", dict(email=OLD, never_logged_in=True), ["mutually exclusive", "email|never_logged_in"]),
    ("experience_user_info", dict(user_tags={"bad key": "x"}), ["user_tags key 'bad key' " + TAG_KEY_RULE]),
    ("experience_user_info", dict(experience_group="Nope"), ["experience_group: no experience group is named 'Nope'"]),
    # experience_group_info
    ("experience_group_info", dict(name="a", name_pattern="a*"), ["mutually exclusive", "name|name_pattern"]),
    ("experience_group_info", dict(experience_group_id="bad"), ["experience_group_id must be a Losant id of 24 hexadecimal"]),
    # experience_users
    ("experience_users", dict(config=[{"first_name": "No email"}]), ["missing required arguments: email", "config"]),
    ("experience_users", dict(config=[], state="overridden", ownership_tag={"a": "1", "b": "2"}),
     ["ownership_tag must hold exactly one user tag", "got 2 keys"]),
    ("experience_users", dict(config=[], state="deleted", ownership_tag={"owner": ""}),
     ["ownership_tag value of 'owner' must be a non-empty string"]),
    ("experience_users", dict(state="suspended"), ["state is suspended but any of the following are missing: config, src"]),
    ("experience_users", dict(config=[{"email": NEW, "password": PW}, {"email": NEW.upper(), "password": PW}]),
     ["config[1] (%s): the same email as config[0]" % NEW.upper()]),
    ("experience_users", dict(config=[{"email": "bad"}]), ["config[0] (bad): " + EMAIL_RULE]),
    ("experience_users", dict(config=[{"email": NEW, "password": SHORT_PW}]),
     ["config[0] (%s): password must be 8 to 2048 characters long, got 7 characters" % NEW]),
    ("experience_users", dict(config=[{"email": NEW, "password_updated_after": "2026-01-01"}]),
     ["config[0] (%s): password_updated_after requires password" % NEW]),
    ("experience_users", dict(config=[{"email": OLD, "user_tags": {"bad key": "v"}}]),
     ["config[0] (%s): user_tags key 'bad key' %s" % (OLD, TAG_KEY_RULE)]),
    ("experience_users", dict(config=[], workers=0), ["workers must be 1 or more, got 0"]),
    ("experience_users", dict(config=[], max_deletions=-1), ["max_deletions must be 0 or more, got -1"]),
    ("experience_users", dict(config=[], state="merge"), ["value of state must be one of: merged"]),
    ("experience_users", dict(config=[{"email": NEW, "first_name": "New"}]),
     ["config[0] (%s): password is required to create the user" % NEW]),
    ("experience_users", dict(config=[{"email": OLD, "experience_groups": ["Nope"]}]),
     ["config[0] (%s): experience_groups: no group named or with id 'Nope'" % OLD]),
    ("experience_users", dict(config=[], state="overridden", max_deletions=0),
     ["max_deletions: this task would delete 1 users, more than max_deletions=0; nothing was changed"]),
    # experience_groups
    ("experience_groups", dict(config=[{"parent": ""}]), ["missing required arguments: name", "config"]),
    ("experience_groups", dict(config=[{"name": "G", "parent": {"name": "Parent"}}]),
     ["config[0] (G): parent must be a group name, \"\" for the top level, or a list of group names"]),
    ("experience_groups", dict(config=[{"name": "G", "group_tags": {"bad key": "v"}}]),
     ["config[0] (G): group_tags key 'bad key' " + TAG_KEY_RULE]),
    ("experience_groups", dict(config=[{"name": "G", "device_tags": [{"key": "k k"}]}]),
     ["config[0] (G): device_tags key 'k k' " + TAG_KEY_RULE]),
    ("experience_groups", dict(config=[{"name": "n" * 256}]), ["config[0] (%s): name must be 1 to 255" % ("n" * 256)]),
    ("experience_groups", dict(config=[], max_deletions=-1), ["max_deletions must be 0 or more, got -1"]),
    ("experience_groups", dict(config=[], state="merge"), ["value of state must be one of: merged"]),
    ("experience_groups", dict(state="overridden"), ["state is overridden but all of the following are missing: config"]),
    ("experience_groups", dict(config=[{"name": "Parent", "parent": ""}, {"name": "Parent"}]),
     ["config[1] (Parent): the same group as config[0] (Parent)"]),
    ("experience_groups", dict(config=[{"name": "G", "parent": "Nobody"}]),
     ["config[0] (G): parent 'Nobody' is neither a group of the application nor an entry of config"]),
    ("experience_groups", dict(config=[{"name": "G", "parent": "Shared"}]),
     ["config[0] (G): parent 'Shared' is ambiguous: 2 groups have that name and the same place"]),
    ("experience_groups", dict(config=[{"name": "G", "parent": "Parent", "devices": ["Nope"]}]),
     ["config[0] (G): devices: no device is named 'Nope'"]),
    ("experience_groups", dict(config=[{"name": "Parent", "parent": ""}], state="deleted"),
     ["config[0] (Parent): the group has descendant groups that are not listed: Parent / Child"]),
    ("experience_groups", dict(config=[{"name": "Child", "parent": "Parent"}], state="overridden"),
     ["overridden would delete Parent", "above this group, as it is not listed; list it"]),
    ("experience_groups", dict(config=[], state="overridden", max_deletions=3),
     ["max_deletions: this task would delete 4 groups, more than max_deletions=3; nothing was changed"]),
]
CASES = [case for case in CASES if case[0] in MODULES]


@pytest.fixture(scope="module")
def emulator():
    with Emulator(tokens={TOKEN: ["all.Application"]}) as emu:
        emu.seed({"experienceGroups": [{"name": "Shared"}, {"name": "Shared"}, {"name": "Parent"},
                                       {"name": "Child", "parentName": "Parent"}],
                  "experienceUsers": [{"email": OLD, "password": password(), "firstName": "Old"}]})
        yield emu


def run_module(capsys, module, args):
    with patch_module_args(args), pytest.raises(SystemExit):
        module.main()
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("name,options,fragments", CASES,
                         ids=["%s-%d" % (case[0], index) for index, case in enumerate(CASES)])
def test_bad_input_is_refused_before_any_write(capsys, emulator, name, options, fragments):
    state_before = emulator.state
    mark = emulator.requests()["last_seq"]
    args = dict(api_url=emulator.url, api_token=TOKEN, application_id=APP, retries=0, timeout=10)
    args.update(options)
    result = run_module(capsys, MODULES[name], args)
    sent = emulator.requests(since=mark)["requests"]
    writes = [entry for entry in sent if entry["method"] != "GET"]
    message = result.get("msg", "")
    missing = [fragment for fragment in fragments if fragment not in message]
    leaks = AUDIT.scan("bad input %s" % name, "module result", json.dumps(result))
    OUTCOMES.add("bad input", "%s %s" % (name, _brief(options)), "fail, 0 writes",
                 "PROBLEM" if missing or writes or leaks or not result.get("failed") else "failed, %d reads, 0 writes"
                 % len(sent), _brief({"msg": message}, 150))
    assert result.get("failed") is True, result
    assert not missing, "message %r lacks %r" % (message, missing)
    assert writes == [], writes
    assert len(sent) <= 2, "input checks should need at most two reads: %s" % sent
    assert emulator.state == state_before
    assert not leaks, leaks


def test_at_least_forty_cases_cover_every_module():
    assert len(CASES) >= 40
    assert set(case[0] for case in CASES) == set(MODULES)
    assert set(MODULES) == set(module_names()), "a module has no bad-input cases"


def _brief(value, limit=90):
    text = json.dumps(value, sort_keys=True)
    if len(text) > limit:
        text = text[:limit - 3] + "..."
    return text.replace("|", "/")
