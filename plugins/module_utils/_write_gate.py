# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Internal to this collection: not a public API; may change without notice.

"""The one gate every write of every module passes through.

A module plans its writes as ``Write`` objects and gives them, with the
``Rules`` of its task, to a ``WriteGate``:

1. ``admit()`` checks every planned write against the invariants below,
   all of them before the first request that writes; one broken rule
   refuses the whole plan, so nothing is half-changed;
2. ``send()`` sends one admitted write: the transport refuses any write
   request that the gate has not opened (``Transport.permitted``), so no
   module can write around it;
3. a write whose outcome is unknown (no answer, a gateway's 502/503/504) is
   settled by reading the resource back: if it now is as the write asked,
   the write counts as done; if not, the error says that it may or may not
   have landed (``LosantApiError.outcome_unknown``), and modules then report
   ``changed``.

The invariants (``problems_of``), checked on this side whatever the server
answered:

- identity: an update or delete names a resource read before, by its id;
  no resource is written twice in one plan;
- selection: a delete or a suspension hits only a resource that the
  task's own selection (``Rules.selects``: exact emails, ids, names and
  parents from the task's options) picks, whatever a server-side filter
  returned;
- ownership: with an ownership tag, a user is created carrying it, and a
  user that does not carry it with exactly that value is never updated,
  suspended or deleted - unless its entry adopts it (names the tag in its
  user tags), and no update takes the tag away;
- the deletion bound: no more deletions than ``max_deletions``.

Pure checks here; the only I/O is in WriteGate.send and the read-backs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.losant.platform.plugins.module_utils._client import (
    EXPERIENCE_USER,
    GROUP_PATH,
    GROUPS_PATH,
    USER_PATH,
    USERS_PATH,
)
from ansible_collections.losant.platform.plugins.module_utils._dates import parse_datetime
from ansible_collections.losant.platform.plugins.module_utils._transport import UngatedWrite
from ansible_collections.losant.platform.plugins.module_utils._validation import is_id

CREATE, UPDATE, DELETE = "create", "update", "delete"
# What an update is for, when that matters to a rule.
SUSPEND, ADOPT = "suspend", "adopt"
# Losant's group schema holds at most this many experienceUserIds.
GROUP_MEMBERS_MAX = 1000
_METHODS = {CREATE: "POST", UPDATE: "PATCH", DELETE: "DELETE"}
# The read-back of a delete that landed (a resource Losant says is gone).
GONE = {}


class Write:
    """One planned write. ``current``: the resource as read (None for a create);
    ``body``: what is sent (None for a delete); ``purpose``: SUSPEND or ADOPT for
    an update that is one; ``label``: how messages name it (an email, a group path);
    ``fields``: the option names it changes, for the result."""

    def __init__(self, kind, resource, label, current=None, body=None, purpose=None, fields=None):
        self.kind = kind
        self.resource = resource
        self.label = label
        self.current = current
        self.body = body
        self.purpose = purpose
        self.fields = fields or []

    @property
    def target_id(self):
        return (self.current or {}).get("id")

    @property
    def destructive(self):
        return self.kind == DELETE or self.purpose == SUSPEND

    def describe(self):
        what = "suspend" if self.purpose == SUSPEND else self.kind
        return "%s %s %s" % (what, "user" if self.resource == EXPERIENCE_USER else "group", self.label)


class Rules:
    """What one task allows. ``selects(resource)``: whether the task's own selection
    picks a resource to delete or suspend (None: the task deletes and suspends
    nothing, so any such write is refused); ``selection``: how messages name that
    selection. ``ownership_tag``: one user tag ({key: value}) or None; ``adopted``:
    the lower-case emails whose entries name it. ``max_deletions``: None for no bound;
    ``what``: what the task deletes ("users", "groups"), for messages."""

    def __init__(self, selects=None, selection="", ownership_tag=None, adopted=(), max_deletions=None, what="users"):
        self.selects = selects
        self.selection = selection
        self.ownership_tag = ownership_tag or None
        self.adopted = set(email.lower() for email in adopted)
        self.max_deletions = max_deletions
        self.what = what


class GateRefusal(Exception):
    """The plan breaks a rule; nothing was written. ``problems`` lists each broken rule."""

    def __init__(self, problems):
        super(GateRefusal, self).__init__("%s; nothing was changed" % "; ".join(problems))
        self.problems = problems


# -- the invariants (pure) ------------------------------------------------------------------

def carries_tag(tags, tag):
    """Whether ``tags`` (a userTags dict) hold the one tag of ``tag`` with exactly its value."""
    key, value = list(tag.items())[0]
    return isinstance(tags, dict) and tags.get(key) == value


def _identity_problem(write):
    if write.kind == CREATE:
        return None if write.current is None else "a create of a resource that exists"
    if not is_id(write.target_id):
        return "the %s read has no id" % ("user" if write.resource == EXPERIENCE_USER else "group")
    return None


def _selection_problem(write, rules):
    if not write.destructive:
        return None
    if rules.selects is None:
        return "this task selects nothing to %s" % ("suspend" if write.purpose == SUSPEND else "delete")
    if not rules.selects(write.current):
        return "not selected by %s" % rules.selection
    return None


def _ownership_problem(write, rules):
    tag = rules.ownership_tag
    if not tag or write.resource != EXPERIENCE_USER:
        return None
    body_tags = (write.body or {}).get("userTags")
    if write.kind == CREATE:
        return None if carries_tag(body_tags, tag) else "a new user must carry the ownership tag"
    owned = carries_tag((write.current or {}).get("userTags"), tag)
    if not owned:
        adopting = write.kind == UPDATE and write.purpose == ADOPT and \
            (write.current.get("email") or "").lower() in rules.adopted and carries_tag(body_tags, tag)
        if not adopting:
            return "does not carry the ownership tag %s" % _shown_tag(tag)
    if write.kind == UPDATE and body_tags is not None and not carries_tag(body_tags, tag):
        return "the update would take the ownership tag %s away" % _shown_tag(tag)
    return None


def _shown_tag(tag):
    key, value = list(tag.items())[0]
    return "%s=%s" % (key, value)


def problems_of(writes, rules):
    """Every rule the planned ``writes`` break, each naming the write; [] when all may go."""
    problems = []
    seen = set()
    deletions = 0
    for write in writes:
        for problem in (_identity_problem(write), _selection_problem(write, rules), _ownership_problem(write, rules)):
            if problem:
                problems.append("%s: %s" % (write.describe(), problem))
        if write.kind != CREATE and write.target_id:
            key = (write.resource, write.target_id.lower())
            if key in seen:
                problems.append("%s: written twice in one task" % write.describe())
            seen.add(key)
        deletions += write.kind == DELETE
    if rules.max_deletions is not None and deletions > rules.max_deletions:
        problems.append("max_deletions: this task would delete %d %s, more than max_deletions=%d"
                        % (deletions, rules.what, rules.max_deletions))
    return problems


def empty_overridden_error(state, entries, max_deletions, what):
    """state=overridden with no entry deletes every one of ``what``: refused before any
    request unless max_deletions bounds it (an export or a variable that came out empty)."""
    if state == "overridden" and not entries and max_deletions is None:
        return ("state=overridden with no entries would delete every %s of the application; an empty config or "
                "src (an export that came out empty?) needs max_deletions to say how many may go (0 deletes "
                "none); nothing was changed" % what)
    return None


def member_cap_warnings(writes, groups):
    """A warning for each group that the user writes would give more than GROUP_MEMBERS_MAX
    members (the most Losant's group schema holds). ``groups``: the groups read, with their
    experienceUserIds where known; a group not read counts its new members only."""
    known = dict((group["id"].lower(), group) for group in groups or ())
    added, removed, names = {}, {}, {}
    for write in writes:
        if write.resource != EXPERIENCE_USER or "experienceGroupIds" not in (write.body or {}):
            continue
        before = set(group["id"].lower() for group in (write.current or {}).get("experienceGroups") or [])
        for group in (write.current or {}).get("experienceGroups") or []:
            names.setdefault(group["id"].lower(), group.get("name"))
        after = set(gid.lower() for gid in write.body["experienceGroupIds"])
        for gid in after - before:
            added[gid] = added.get(gid, 0) + 1
        for gid in before - after:
            removed[gid] = removed.get(gid, 0) + 1
    warnings = []
    for gid in sorted(added):
        members = len((known.get(gid) or {}).get("experienceUserIds") or [])
        total = members + added[gid] - removed.get(gid, 0)
        if total > GROUP_MEMBERS_MAX:
            name = (known.get(gid) or {}).get("name") or names.get(gid)
            warnings.append("experience group %s (%s) would have %d members (%d added by this task), more than the "
                            "%d of Losant's group schema (experienceUserIds): Losant may refuse or truncate it; "
                            "split the users over several groups" % (
                                repr(name) if name else "", gid, total, added[gid], GROUP_MEMBERS_MAX))
    return warnings


# -- read-backs: has a write landed? (pure) ---------------------------------------------------

def _ids(values):
    return sorted(value.lower() for value in values or [])


def _same_time(first, second):
    one, two = parse_datetime(first), parse_datetime(second)
    return one is not None and one == two


def user_write_landed(current, body, found):
    """Whether ``found`` (the user read back) shows every field of ``body`` applied to ``current``."""
    if found is None:
        return False
    for field, value in body.items():
        if field == "email":
            landed = (found.get("email") or "").lower() == value.lower()
        elif field == "experienceGroupIds":
            landed = _ids(group["id"] for group in found.get("experienceGroups") or []) == _ids(value)
        elif field == "password":
            # Losant never returns a password; a new one shows as a new passwordLastUpdated.
            landed = found.get("passwordLastUpdated") is not None and \
                found.get("passwordLastUpdated") != (current or {}).get("passwordLastUpdated")
        elif field == "tokenCutoff":
            landed = _same_time(found.get("tokenCutoff"), value)
        elif field in ("firstName", "lastName"):
            landed = (found.get(field) or "") == value
        else:
            landed = found.get(field) == value
        if not landed:
            return False
    return True


def group_write_landed(body, found):
    """Whether ``found`` (the group read back) shows every field of ``body``."""
    if found is None:
        return False
    for field, value in body.items():
        if field in ("deviceIds", "experienceEndpointIds", "experienceUserIds"):
            landed = _ids(found.get(field)) == _ids(value)
        elif field == "deviceQueryJson":
            landed = _json_value(found.get(field)) == _json_value(value)
        elif field == "parentId":
            landed = (found.get("parentId") or "").lower() == (value or "").lower()
        elif field == "description":
            landed = (found.get("description") or "") == value
        elif field == "deviceTags":
            landed = sorted(json.dumps(tag, sort_keys=True) for tag in found.get(field) or []) == \
                sorted(json.dumps(tag, sort_keys=True) for tag in value or [])
        else:
            landed = found.get(field) == value
        if not landed:
            return False
    return True


def _json_value(text):
    if text in (None, ""):
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


# -- the gate ----------------------------------------------------------------------------------

class WriteGate:
    """Admit a task's planned writes under its rules, then send them, each settled by a read-back."""

    def __init__(self, client, rules):
        self.client = client
        self.rules = rules
        self._admitted = set()

    def admit(self, writes):
        """Check every write; raise GateRefusal listing every problem, or admit them all."""
        writes = list(writes)
        problems = problems_of(writes, self.rules)
        if problems:
            raise GateRefusal(problems)
        self._admitted.update(id(write) for write in writes)

    def admitted(self, write):
        """``write``, once admitted alone (raises GateRefusal otherwise)."""
        self.admit([write])
        return write

    def send(self, write, recover=None):
        """Send one admitted write; return what Losant answered (GONE for a delete).

        ``recover`` (creates only) finds what a create whose answer was lost made;
        updates and deletes are settled by reading the resource back."""
        if id(write) not in self._admitted:
            raise UngatedWrite("%s was not admitted by the write gate" % write.describe())
        method, path = self._request_of(write)
        client = self.client
        with client.permitted(method, path):
            if write.resource == EXPERIENCE_USER:
                if write.kind == CREATE:
                    return client.create_experience_user(write.body)
                if write.kind == UPDATE:
                    return client.update_experience_user(write.target_id, write.body,
                                                         recover=lambda: self._user_read_back(write))
                client.delete_experience_user(write.target_id, recover=lambda: self._gone(write))
                return GONE
            if write.kind == CREATE:
                return client.create_experience_group(write.body, recover=recover)
            if write.kind == UPDATE:
                return client.update_experience_group(write.target_id, write.body,
                                                      recover=lambda: self._group_read_back(write))
            client.delete_experience_group(write.target_id, recover=lambda: self._gone(write))
            return GONE

    def _request_of(self, write):
        """The one request (method, path) that ``write`` may send."""
        users = write.resource == EXPERIENCE_USER
        if write.kind == CREATE:
            return "POST", self.client.path_of(USERS_PATH if users else GROUPS_PATH)
        ids = {"user_id": write.target_id} if users else {"group_id": write.target_id}
        return _METHODS[write.kind], self.client.path_of(USER_PATH if users else GROUP_PATH, **ids)

    def _user_read_back(self, write):
        found = self.client.get_experience_user(write.target_id)
        return found if user_write_landed(write.current, write.body, found) else None

    def _group_read_back(self, write):
        found = self.client.get_experience_group(write.target_id)
        return found if group_write_landed(write.body, found) else None

    def _gone(self, write):
        read = self.client.get_experience_user if write.resource == EXPERIENCE_USER else self.client.get_experience_group
        return GONE if read(write.target_id) is None else None
