# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The action of losant.platform.experience_users: with ``src``, read the users
file on the controller (so that a long list of users skips the templating of
``config``), check it, and hand its entries to the module as ``config``;
without ``src``, run the module as it is."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase

from ansible_collections.losant.platform.plugins.module_utils._validation import listed
from ansible_collections.losant.platform.plugins.plugin_utils._user_files import read_users_file

# How the module names an entry of config (_bulk_users._label: "config[3] (jane@acme.example.com)").
ENTRY_LABEL = re.compile(r"config\[(\d+)\]")
NO_PASSWORD = ": password is required to create the user"
PASSWORD_GIVEN = ": give it in the passwords option, keyed by the email"


def named_by_line(text, read):
    """``text``, a message of the module, with each entry it names as config[N] (email) named by the
    file and line it came from (``read``, a UsersFile); a user that needs a password is told where
    to give it."""
    parts = []
    done = 0
    for match in ENTRY_LABEL.finditer(text):
        index = int(match.group(1))
        if match.start() < done or index >= len(read.entries):
            continue  # inside an email already replaced; or not an entry of the file
        label, end = read.label(index), match.end()
        email = " (%s)" % read.entries[index].get("email")
        if text.startswith(email, end):
            label, end = label + email, end + len(email)
            if text.startswith(NO_PASSWORD, end):
                label, end = label + NO_PASSWORD + PASSWORD_GIVEN, end + len(NO_PASSWORD)
        parts.extend((text[done:match.start()], label))
        done = end
    parts.append(text[done:])
    return "".join(parts)


class ActionModule(ActionBase):

    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp  # no longer has any effect
        args = dict(self._task.args)
        if args.get("src") is None:
            if args.get("passwords") is not None:
                return dict(result, failed=True, msg="passwords is only used with src (the passwords of its users)")
            return self._run_module(result, args, task_vars)
        refusal = self._refusal(args)
        if refusal:
            return dict(result, failed=True, msg=refusal)
        try:
            path = self._find_needle("files", str(args["src"]))
        except AnsibleError as exc:
            return dict(result, failed=True, msg="src: %s" % exc)
        passwords = args.pop("passwords", None) or {}
        read = read_users_file(path, passwords, name=str(args["src"]))
        if read.problems:
            return dict(result, failed=True, errors=read.problems,
                        msg="src: %d problem(s) in %s (%s), nothing was changed: %s" % (
                            len(read.problems), args["src"], path, listed(read.problems)))
        src = args.pop("src")
        args["config"] = read.entries
        result = self._run_module(result, args, task_vars)
        if result.get("failed"):
            # The module knows the entries as config[N]; with src, the file's lines find them.
            for key in ("errors", "failures"):
                if isinstance(result.get(key), list):
                    result[key] = [named_by_line(item, read) if isinstance(item, str) else item
                                   for item in result[key]]
            if isinstance(result.get("msg"), str):
                result["msg"] = named_by_line(result["msg"], read)
        # The module echoes its arguments: show the task's src, not the thousands of entries read from it.
        invoked = (result.get("invocation") or {}).get("module_args")
        if isinstance(invoked, dict) and "config" in invoked:
            del invoked["config"]
            invoked.update(src=src, passwords="VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" if passwords else None)
        return result

    @staticmethod
    def _refusal(args):
        if args.get("config") is not None:
            return "src and config are mutually exclusive: give the users in one of them"
        if args.get("state") == "gathered":
            return "src is not used with state=gathered, which only reads"
        if args.get("passwords") is not None and not isinstance(args["passwords"], dict):
            return "passwords must be a dictionary of emails to passwords, got %s" % type(args["passwords"]).__name__
        return None

    def _run_module(self, result, args, task_vars):
        result.update(self._execute_module(module_name="losant.platform.experience_users", module_args=args,
                                           task_vars=task_vars))
        self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
