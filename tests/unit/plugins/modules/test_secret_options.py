"""Secrets stay out of the output: every option that holds one (api_token,
password, passwords, config[].password) is no_log in the argument spec each
module builds in main(), and a run shows a given password only as
VALUE_SPECIFIED_IN_NO_LOG_PARAMETER in its invocation, nowhere as text."""

import importlib
import json
import pkgutil
from unittest import mock

import pytest

from ansible.module_utils.common.parameters import PASS_VARS

from ansible_collections.losant.platform.plugins import modules as modules_package
from ansible_collections.losant.platform.plugins.modules import experience_user, experience_users
from ansible_collections.losant.platform.tests.unit.helpers.fake_transport import RoutedSession
from ansible_collections.losant.platform.tests.unit.helpers.module_runner import TOKEN, listing, run_main

SECRET_NAMES = ("api_token", "password", "passwords")
MASKED = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
PASSWORD = "Secr3t-Unit-Passw0rd"
OTHER_PASSWORD = "An0ther-Unit-Passw0rd"
MODULES = sorted(name for dummy, name, dummy2 in pkgutil.iter_modules(modules_package.__path__))
# The options named like a secret, by module: the walk below must find exactly these.
SECRET_OPTIONS = dict((name, ["api_token"]) for name in MODULES)
SECRET_OPTIONS["experience_user"] = ["api_token", "password"]
SECRET_OPTIONS["experience_users"] = ["api_token", "config[].password", "passwords"]
# Since ansible-core 2.19 a result carries invocation only when the controller asks for it.
INVOCATION = {"_ansible_inject_invocation": True} if "inject_invocation" in PASS_VARS else {}


class SpecBuilt(Exception):
    """Raised in place of AnsibleModule: main() has built its argument spec and gets no further."""


def built_spec(module):
    """The keyword arguments main() of ``module`` hands to AnsibleModule."""
    seen = {}

    def capture(**kwargs):
        seen.update(kwargs)
        raise SpecBuilt()

    with mock.patch.object(module, "AnsibleModule", capture), pytest.raises(SpecBuilt):
        module.main()
    return seen


def walk(spec, prefix=""):
    """(path, option) of every option and suboption; a list's suboptions as name[].sub."""
    for name, option in sorted(spec.items()):
        path = prefix + name
        yield path, option
        if option.get("options"):
            yield from walk(option["options"], path + ("[]." if option.get("type") == "list" else "."))


def names_of(path, option):
    return [path.rsplit(".", 1)[-1]] + list(option.get("aliases") or [])


def test_every_module_is_walked():
    assert MODULES == ["experience_group", "experience_group_info", "experience_groups", "experience_user",
                       "experience_user_info", "experience_users"]


@pytest.mark.parametrize("name", MODULES)
def test_every_option_named_like_a_secret_is_no_log(name):
    spec = built_spec(importlib.import_module(modules_package.__name__ + "." + name))["argument_spec"]
    secrets = [(path, option) for path, option in walk(spec)
               if any(alias in SECRET_NAMES for alias in names_of(path, option))]
    assert [path for path, dummy in secrets] == SECRET_OPTIONS[name]
    assert [(path, option.get("no_log")) for path, option in secrets] == [(path, True) for path, dummy in secrets]


def test_the_password_suboption_is_no_log_in_experience_users_config():
    config = built_spec(experience_users)["argument_spec"]["config"]
    assert config["type"] == "list" and config["elements"] == "dict"
    assert config["options"]["password"]["no_log"] is True


def masked_run(capsys, module, args):
    """(exit JSON, its text, the session) of a check-mode run with ``args`` whose invocation is
    shown; every listing is empty, so each user given is one to create (with its password)."""
    args = dict(args, **INVOCATION)
    result, session = run_main(capsys, module, args, session=RoutedSession(listing()), check_mode=True, diff=True)
    assert all(call["method"] == "GET" for call in session.calls)
    return result, json.dumps(result), session


def test_experience_user_shows_the_password_only_masked(capsys):
    result, text, session = masked_run(capsys, experience_user, dict(email="jane@example.com", password=PASSWORD))
    assert result["changed"] is True and result["changed_fields"] == ["email", "password"]
    module_args = result["invocation"]["module_args"]
    assert module_args["password"] == MASKED and module_args["api_token"] == MASKED
    assert module_args["email"] == "jane@example.com"
    assert PASSWORD not in text and TOKEN not in text


def test_experience_users_shows_the_config_passwords_only_masked(capsys):
    config = [{"email": "a@example.com", "password": PASSWORD}, {"email": "b@example.com", "password": OTHER_PASSWORD}]
    result, text, session = masked_run(capsys, experience_users, dict(config=config, workers=1))
    assert result["changed"] is True and result["created"] == ["a@example.com", "b@example.com"]
    entries = result["invocation"]["module_args"]["config"]
    assert [(item["email"], item["password"]) for item in entries] == [("a@example.com", MASKED),
                                                                       ("b@example.com", MASKED)]
    assert PASSWORD not in text and OTHER_PASSWORD not in text and TOKEN not in text


def test_experience_users_shows_the_passwords_option_only_masked_even_when_it_fails(capsys):
    # Without its action plugin the module refuses passwords: the failure must not show them either.
    result, text, session = masked_run(capsys, experience_users, dict(
        config=[{"email": "a@example.com"}], passwords={"a@example.com": PASSWORD}))
    assert result["failed"] is True and session.calls == []
    assert result["invocation"]["module_args"]["passwords"] == {"a@example.com": MASKED}
    assert PASSWORD not in text and TOKEN not in text
