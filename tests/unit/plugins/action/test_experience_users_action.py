"""The action of experience_users: src read on the controller and handed to
the module as config; what the module is run with, and what it shows."""

from unittest import mock

import pytest

from ansible_collections.losant.platform.plugins.action.experience_users import ActionModule

PASSWORD = "Action-Unit-Passw0rd"
MODULE_RESULT = {"changed": True, "created": ["jane@acme.example"],
                 "invocation": {"module_args": {"state": "merged", "config": ["thousands of entries"]}}}


def run_action(tmp_path, args):
    """(the action's result, the module_args it ran the module with, or None)."""
    task = mock.MagicMock(args=dict(args), async_val=0, check_mode=False, action="losant.platform.experience_users")
    connection = mock.MagicMock()
    connection._shell.tmpdir = None
    action = ActionModule(task=task, connection=connection, play_context=mock.MagicMock(), loader=mock.MagicMock(),
                          templar=mock.MagicMock(), shared_loader_obj=None)
    ran = []

    def execute_module(module_name=None, module_args=None, task_vars=None, **kwargs):
        ran.append((module_name, module_args))
        return dict(MODULE_RESULT, invocation={"module_args": dict(MODULE_RESULT["invocation"]["module_args"])})

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
