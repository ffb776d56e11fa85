"""The action of experience_users: src read on the controller and handed to
the module as config; what the module is run with, and what it shows."""

import copy
from unittest import mock

import pytest

from ansible_collections.losant.platform.plugins.action.experience_users import ActionModule

PASSWORD = "Action-Unit-Passw0rd"
MODULE_RESULT = {"changed": True, "created": ["jane@acme.example"],
                 "invocation": {"module_args": {"state": "merged", "config": ["thousands of entries"]}}}


def run_action(tmp_path, args, module_result=None):
    """(the action's result, the module_args it ran the module with, or None); the module
    returns ``module_result``, by default MODULE_RESULT."""
    module_result = MODULE_RESULT if module_result is None else module_result
    task = mock.MagicMock(args=dict(args), async_val=0, check_mode=False, action="losant.platform.experience_users")
    connection = mock.MagicMock()
    connection._shell.tmpdir = None
    action = ActionModule(task=task, connection=connection, play_context=mock.MagicMock(), loader=mock.MagicMock(),
                          templar=mock.MagicMock(), shared_loader_obj=None)
    ran = []

    def execute_module(module_name=None, module_args=None, task_vars=None, **kwargs):
        ran.append((module_name, module_args))
        return dict(copy.deepcopy(module_result), invocation={"module_args": dict(
            MODULE_RESULT["invocation"]["module_args"])})

    with mock.patch.object(action, "_execute_module", side_effect=execute_module), \
            mock.patch.object(action, "_find_needle", side_effect=lambda kind, name: str(tmp_path / name)), \
            mock.patch.object(action, "_remove_tmp_path"), \
            mock.patch.object(action, "_early_needs_tmp_path", return_value=False):
        result = action.run(task_vars={})
    assert len(ran) <= 1
    if ran:
        assert ran[0][0] == "losant.platform.experience_users"
    return result, (ran[0][1] if ran else None)


def test_without_src_the_module_runs_with_the_task_arguments(tmp_path):
    args = {"config": [{"email": "jane@acme.example"}], "state": "replaced"}
    result, module_args = run_action(tmp_path, args)
    assert module_args == args
    assert result["created"] == ["jane@acme.example"]
    assert result["invocation"]["module_args"]["config"] == ["thousands of entries"]


def test_src_becomes_config_with_the_passwords_and_the_invocation_shows_src(tmp_path):
    (tmp_path / "users.csv").write_text("email,first_name\njane@acme.example,Jane\nraj@acme.example,Raj\n")
    result, module_args = run_action(tmp_path, {"src": "users.csv", "passwords": {"Jane@acme.example": PASSWORD},
                                                "state": "merged", "workers": 4})
    assert module_args == {"state": "merged", "workers": 4, "config": [
        {"email": "jane@acme.example", "first_name": "Jane", "password": PASSWORD},
        {"email": "raj@acme.example", "first_name": "Raj"}]}
    assert result["invocation"]["module_args"] == {"state": "merged", "src": "users.csv",
                                                   "passwords": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"}
    assert PASSWORD not in repr(result)


def test_a_bad_file_fails_before_the_module_runs_listing_the_first_20_problems(tmp_path):
    (tmp_path / "users.csv").write_text("email\n" + "".join("bad%02d\n" % number for number in range(25)))
    result, module_args = run_action(tmp_path, {"src": "users.csv"})
    assert module_args is None and result["failed"] is True
    assert len(result["errors"]) == 25 and result["errors"][0].startswith("users.csv:2:1: email must be")
    assert result["msg"].startswith("src: 25 problem(s) in users.csv (%s), nothing was changed: users.csv:2:1: "
                                    % (tmp_path / "users.csv"))
    assert result["msg"].count("users.csv:") == 20 and result["msg"].endswith("; and 5 more (25 in all)")


@pytest.mark.parametrize("args, message", [
    ({"src": "users.csv", "config": []}, "src and config are mutually exclusive: give the users in one of them"),
    ({"src": "users.csv", "state": "gathered"}, "src is not used with state=gathered, which only reads"),
    ({"src": "users.csv", "passwords": ["x"]}, "passwords must be a dictionary of emails to passwords, got list"),
    ({"config": [], "passwords": {"a@acme.example": PASSWORD}},
     "passwords is only used with src (the passwords of its users)"),
])
def test_arguments_that_do_not_go_together_are_refused_before_anything_is_read(tmp_path, args, message):
    result, module_args = run_action(tmp_path, args)
    assert module_args is None and result == {"failed": True, "msg": message}


USERS_CSV = "email,first_name\njane@acme.example,Jane\n\nraj@acme.example,Raj\nana@acme.example,Ana\n"
NEEDS_PASSWORD = ": password is required to create the user: give it in the passwords option, keyed by the email"


def test_a_failure_of_the_module_names_each_entry_by_the_file_and_line_it_came_from(tmp_path):
    (tmp_path / "users.csv").write_text(USERS_CSV)
    errors = ["config[1] (raj@acme.example): password is required to create the user",
              "config[2] (ana@acme.example): experience_groups: no group named 'Ops'",
              "config[2] (ana@acme.example): the same email as config[0]; list each user once"]
    result, module_args = run_action(tmp_path, {"src": "users.csv"}, {
        "failed": True, "msg": "; ".join(errors) + "; and 1 more (4 in all)", "errors": errors + ["workers: 9"],
        "failures": ["create raj@acme.example: config[1] (raj@acme.example): refused"]})
    # what the module ran with is the entries, as they are
    assert module_args["config"] == [{"email": "jane@acme.example", "first_name": "Jane"},
                                     {"email": "raj@acme.example", "first_name": "Raj"},
                                     {"email": "ana@acme.example", "first_name": "Ana"}]
    assert result["errors"] == ["users.csv line 4 (raj@acme.example)" + NEEDS_PASSWORD,
                                "users.csv line 5 (ana@acme.example): experience_groups: no group named 'Ops'",
                                "users.csv line 5 (ana@acme.example): the same email as users.csv line 2; list each "
                                "user once",
                                "workers: 9"]
    assert result["msg"] == "; ".join(result["errors"][:3]) + "; and 1 more (4 in all)"
    assert result["failures"] == ["create raj@acme.example: users.csv line 4 (raj@acme.example): refused"]
    assert result["invocation"]["module_args"] == {"state": "merged", "src": "users.csv", "passwords": None}


def test_a_yaml_entry_is_named_by_the_line_it_starts_on(tmp_path):
    (tmp_path / "users.yml").write_text("# new hires\n- email: jane@acme.example\n  first_name: Jane\n"
                                        "- first_name: Raj\n  email: raj@acme.example\n")
    result, dummy = run_action(tmp_path, {"src": "users.yml"}, {
        "failed": True, "msg": "config[1] (raj@acme.example): password is required to create the user",
        "errors": ["config[1] (raj@acme.example): password is required to create the user"]})
    assert result["msg"] == "users.yml line 4 (raj@acme.example)" + NEEDS_PASSWORD
    assert result["errors"] == [result["msg"]]


@pytest.mark.parametrize("message", [
    "config[7] (nobody@acme.example): password is required to create the user",  # no such entry
    "max_deletions: this task would delete 3 users, more than max_deletions=1; nothing was changed",
])
def test_what_names_no_entry_of_the_file_is_left_as_it_is(tmp_path, message):
    (tmp_path / "users.csv").write_text(USERS_CSV)
    result, dummy = run_action(tmp_path, {"src": "users.csv"}, {"failed": True, "msg": message, "errors": [message]})
    assert result["msg"] == message and result["errors"] == [message]


def test_without_src_or_without_a_failure_the_module_result_is_left_as_it_is(tmp_path):
    failed = {"failed": True, "msg": "config[0] (jane@acme.example): password is required to create the user",
              "errors": ["config[0] (jane@acme.example): password is required to create the user"]}
    result, dummy = run_action(tmp_path, {"config": [{"email": "jane@acme.example"}]}, failed)
    assert result["msg"] == failed["msg"] and result["errors"] == failed["errors"]
    (tmp_path / "users.csv").write_text(USERS_CSV)
    warned = {"changed": False, "msg": "config[0] (jane@acme.example) is as wanted"}
    result, dummy = run_action(tmp_path, {"src": "users.csv"}, warned)
    assert result["msg"] == warned["msg"]
