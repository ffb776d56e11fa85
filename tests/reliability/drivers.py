"""One driver per module (or per way a module writes): what to seed for a
case, the task that runs under the fault, which requests the fault hits, and
what the emulator must hold afterwards. A new module is one more Driver here.

Each case works on its own user or group (named after the case), so one
playbook runs every case of a driver against one emulator and the final state
of each case can be checked on its own.
"""

from pathlib import Path

from reliability_support import REPO, group_shape, groups_by_name, password, user_shape, users_by_email

USERS_LIST = r"/experience/users$"
USER_ITEM = r"/experience/users/[0-9a-fA-F]{24}$"
GROUPS_LIST = r"/experience/groups$"
GROUP_ITEM = r"/experience/groups/[0-9a-fA-F]{24}$"
COMMON_GROUPS = [{"name": "Operators"}, {"name": "Viewers"}]


def module_exists(name):
    return (REPO / "plugins" / "modules" / (name + ".py")).is_file()


class Driver:
    """Base: subclasses say what a case seeds, runs and expects."""

    name = ""            # row label
    module = ""          # short module name under plugins/modules
    writes = True        # False for _info modules: the outcome is the returned data
    targets = ()         # (method, path regex) of the requests a fault hits

    @property
    def fqcn(self):
        return "losant.platform." + self.module

    def available(self):
        return module_exists(self.module)

    def seed(self, case):
        """Users and groups (emulator seed format) the case starts from."""
        return {}

    def args(self, case):
        raise NotImplementedError

    def problems(self, case, state, result):
        """What is wrong with the final ``state`` (and the task's ``result``, unless None); [] when exactly right."""
        raise NotImplementedError

    def untouched(self, case, before, after):
        """Whether the case's resources are exactly as they were (a failure changed nothing)."""
        return self._slice(case, before) == self._slice(case, after)

    def _slice(self, case, state):
        return None

    def rules(self, case, fault):
        """The fault rules of a case: the fault's rule once per targeted request kind."""
        return [dict(fault, method=method, path=path, name="%s %s" % (case, method)) for method, path in self.targets]


def _email(case, kind):
    return "%s@%s.example.com" % (case.replace("_", "-"), kind)


def exactly_one_user(users, want):
    """[] when ``users`` is exactly [want]; else what is wrong."""
    if len(users) != 1:
        return ["%d users with email %s, want exactly 1" % (len(users), want["email"])]
    return [] if users[0] == want else ["user is %r, want %r" % (users[0], want)]


def exactly_one_group(groups, want):
    """[] when ``groups`` is exactly [want]; else what is wrong."""
    if len(groups) != 1:
        return ["%d groups named %r, want exactly 1" % (len(groups), want["name"])]
    return [] if groups[0] == want else ["group is %r, want %r" % (groups[0], want)]


class UserCreate(Driver):
    name = "experience_user create"
    module = "experience_user"
    targets = (("POST", USERS_LIST),)

    def __init__(self):
        self.passwords = {}

    def args(self, case):
        self.passwords.setdefault(case, password())
        return {"email": _email(case, "create"), "first_name": "Ada", "last_name": "Lovelace",
                "password": self.passwords[case], "user_tags": {"team": "core", "case": case},
                "experience_groups": ["Operators"]}

    def _slice(self, case, state):
        return [user_shape(user) for user in users_by_email(state).get(_email(case, "create"), [])]

    def problems(self, case, state, result):
        users = self._slice(case, state)
        want = {"email": _email(case, "create"), "firstName": "Ada", "lastName": "Lovelace",
                "userTags": {"team": "core", "case": case}, "groups": ["Operators"], "hasPassword": True}
        return exactly_one_user(users, want)


class UserUpdate(Driver):
    name = "experience_user update"
    module = "experience_user"
    targets = (("PATCH", USER_ITEM),)

    def seed(self, case):
        return {"experienceUsers": [{"email": _email(case, "update"), "password": password(),
                                     "firstName": "Old", "lastName": "Name", "userTags": {"team": "old"},
                                     "experienceGroups": ["Viewers"]}]}

    def args(self, case):
        return {"email": _email(case, "update"), "first_name": "New", "user_tags": {"team": "new", "extra": "1"},
                "experience_groups": ["Operators"], "purge_experience_groups": True}

    def _slice(self, case, state):
        return [user_shape(user) for user in users_by_email(state).get(_email(case, "update"), [])]

    def problems(self, case, state, result):
        users = self._slice(case, state)
        want = {"email": _email(case, "update"), "firstName": "New", "lastName": "Name",
                "userTags": {"team": "new", "extra": "1"}, "groups": ["Operators"], "hasPassword": True}
        return exactly_one_user(users, want)


class GroupCreate(Driver):
    name = "experience_group create"
    module = "experience_group"
    targets = (("POST", GROUPS_LIST),)

    @staticmethod
    def group_name(case):
        return "Group %s" % case

    def args(self, case):
        return {"name": self.group_name(case), "description": "made under faults", "group_tags": {"case": case}}

    def _slice(self, case, state):
        return [group_shape(group) for group in groups_by_name(state).get(self.group_name(case), [])]

    def problems(self, case, state, result):
        groups = self._slice(case, state)
        want = {"name": self.group_name(case), "description": "made under faults", "groupTags": {"case": case},
                "parentId": None}
        return exactly_one_group(groups, want)


class UserInfo(Driver):
    name = "experience_user_info"
    module = "experience_user_info"
    writes = False
    targets = (("GET", USERS_LIST),)

    def seed(self, case):
        return {"experienceUsers": [{"email": _email(case, "info"), "firstName": "Read", "userTags": {"case": case}}]}

    def args(self, case):
        return {"email": _email(case, "info")}

    def _slice(self, case, state):
        return [user_shape(user) for user in users_by_email(state).get(_email(case, "info"), [])]

    def problems(self, case, state, result):
        found = [(user["email"], user.get("user_tags")) for user in (result or {}).get("experience_users") or []]
        want = [(_email(case, "info"), {"case": case})]
        problems = [] if result is None or found == want else ["returned %r, want %r" % (found, want)]
        if len(self._slice(case, state)) != 1:
            problems.append("the seeded user is gone or duplicated")
        return problems


class GroupInfo(Driver):
    name = "experience_group_info"
    module = "experience_group_info"
    writes = False
    targets = (("GET", GROUPS_LIST),)

    @staticmethod
    def group_name(case):
        return "Info %s" % case

    def seed(self, case):
        return {"experienceGroups": [{"name": self.group_name(case), "groupTags": {"case": case}}]}

    def args(self, case):
        return {"name": self.group_name(case)}

    def _slice(self, case, state):
        return [group_shape(group) for group in groups_by_name(state).get(self.group_name(case), [])]

    def problems(self, case, state, result):
        found = [(group["name"], group.get("group_tags")) for group in (result or {}).get("experience_groups") or []]
        want = [(self.group_name(case), {"case": case})]
        problems = [] if result is None or found == want else ["returned %r, want %r" % (found, want)]
        if len(self._slice(case, state)) != 1:
            problems.append("the seeded group is gone or duplicated")
        return problems


class BulkUsers(Driver):
    """experience_users: one user to create and one to update in the same task."""

    name = "experience_users merged"
    module = "experience_users"
    targets = (("POST", USERS_LIST), ("PATCH", USER_ITEM))

    def __init__(self):
        self.passwords = {}

    def seed(self, case):
        return {"experienceUsers": [{"email": _email(case, "bulk-old"), "password": password(),
                                     "firstName": "Old", "userTags": {"case": case}}]}

    def args(self, case):
        self.passwords.setdefault(case, password())
        return {"workers": 2, "config": [
            {"email": _email(case, "bulk-new"), "password": self.passwords[case], "first_name": "New",
             "user_tags": {"case": case}, "experience_groups": ["Operators"]},
            {"email": _email(case, "bulk-old"), "first_name": "Renamed"},
        ]}

    def _slice(self, case, state):
        by_email = users_by_email(state)
        return [[user_shape(user) for user in by_email.get(_email(case, kind), [])] for kind in ("bulk-new", "bulk-old")]

    def untouched(self, case, before, after):
        # Each user on its own is either untouched or completely changed.
        return all(b == a for b, a in zip(self._slice(case, before), self._slice(case, after)))

    def problems(self, case, state, result):
        new, old = self._slice(case, state)
        want_new = {"email": _email(case, "bulk-new"), "firstName": "New", "lastName": None,
                    "userTags": {"case": case}, "groups": ["Operators"], "hasPassword": True}
        want_old = {"email": _email(case, "bulk-old"), "firstName": "Renamed", "lastName": None,
                    "userTags": {"case": case}, "groups": [], "hasPassword": True}
        problems = []
        for found, want in ((new, want_new), (old, want_old)):
            if found != [want]:
                problems.append("users with email %s are %r, want [%r]" % (want["email"], found, want))
        return problems


class UserDelete(Driver):
    name = "experience_user delete"
    module = "experience_user"
    targets = (("DELETE", USER_ITEM),)

    def seed(self, case):
        return {"experienceUsers": [{"email": _email(case, "delete"), "password": password(), "firstName": "Gone"}]}

    def args(self, case):
        return {"email": _email(case, "delete"), "state": "absent"}

    def _slice(self, case, state):
        return [user_shape(user) for user in users_by_email(state).get(_email(case, "delete"), [])]

    def problems(self, case, state, result):
        users = self._slice(case, state)
        return [] if not users else ["%d users with email %s, want none" % (len(users), _email(case, "delete"))]


class GroupUpdate(Driver):
    name = "experience_group update"
    module = "experience_group"
    targets = (("PATCH", GROUP_ITEM),)

    @staticmethod
    def group_name(case):
        return "Update %s" % case

    def seed(self, case):
        return {"experienceGroups": [{"name": self.group_name(case), "description": "old",
                                      "groupTags": {"case": case, "stale": "1"}}]}

    def args(self, case):
        return {"name": self.group_name(case), "description": "new", "group_tags": {"case": case, "fresh": "1"},
                "purge_group_tags": True, "parent": "Operators"}

    def _slice(self, case, state):
        return [group_shape(group) for group in groups_by_name(state).get(self.group_name(case), [])]

    def problems(self, case, state, result):
        groups = self._slice(case, state)
        parent = [group["id"] for group in state["experienceGroups"] if group["name"] == "Operators"]
        want = {"name": self.group_name(case), "description": "new", "groupTags": {"case": case, "fresh": "1"},
                "parentId": parent[0] if parent else "(no Operators group)"}
        return exactly_one_group(groups, want)


class GroupTreeDelete(Driver):
    """experience_group state=absent with delete_descendants: a child, then its parent."""

    name = "experience_group delete with descendants"
    module = "experience_group"
    targets = (("DELETE", GROUP_ITEM),)

    @staticmethod
    def names(case):
        return "Tree %s" % case, "Leaf %s" % case

    def seed(self, case):
        tree, leaf = self.names(case)
        return {"experienceGroups": [{"name": tree}, {"name": leaf, "parentName": tree}],
                "experienceUsers": [{"email": _email(case, "tree"), "experienceGroups": [leaf]}]}

    def args(self, case):
        return {"name": self.names(case)[0], "state": "absent", "delete_descendants": True}

    def _slice(self, case, state):
        by_name = groups_by_name(state)
        return [[group_shape(group) for group in by_name.get(name, [])] for name in self.names(case)]

    def untouched(self, case, before, after):
        # Deepest first: a failure may leave the parent without its child, never the child without its parent.
        (tree_before, leaf_before), (tree_after, leaf_after) = self._slice(case, before), self._slice(case, after)
        return tree_after in ([], tree_before) and leaf_after in ([], leaf_before) and not (leaf_after and not tree_after)

    def problems(self, case, state, result):
        problems = ["groups named %r remain" % group["name"] for found in self._slice(case, state) for group in found]
        if len(users_by_email(state).get(_email(case, "tree"), [])) != 1:
            problems.append("the member of the deleted group is gone: deleting a group must keep its users")
        return problems


class BulkDeleted(Driver):
    """experience_users state=deleted: two users to delete and one already gone."""

    name = "experience_users deleted"
    module = "experience_users"
    targets = (("DELETE", USER_ITEM),)

    def seed(self, case):
        return {"experienceUsers": [{"email": _email(case, kind), "password": password()}
                                    for kind in ("bulk-del-a", "bulk-del-b")]}

    def args(self, case):
        return {"state": "deleted", "workers": 2,
                "config": [{"email": _email(case, kind)} for kind in ("bulk-del-a", "bulk-del-b", "bulk-del-gone")]}

    def _slice(self, case, state):
        by_email = users_by_email(state)
        return [[user_shape(user) for user in by_email.get(_email(case, kind), [])] for kind in ("bulk-del-a", "bulk-del-b")]

    def untouched(self, case, before, after):
        # Each user on its own is either untouched or gone.
        return all(a in ([], b) for b, a in zip(self._slice(case, before), self._slice(case, after)))

    def problems(self, case, state, result):
        return ["users with email %s remain" % found[0]["email"] for found in self._slice(case, state) if found]


class GroupHierarchy(Driver):
    """experience_groups merged: an existing group to update and a child to create below it, in one task."""

    name = "experience_groups merged"
    module = "experience_groups"
    targets = (("PATCH", GROUP_ITEM), ("POST", GROUPS_LIST))

    @staticmethod
    def names(case):
        return "Top %s" % case, "Branch %s" % case

    def seed(self, case):
        return {"experienceGroups": [{"name": self.names(case)[0], "description": "old"}]}

    def args(self, case):
        top, branch = self.names(case)
        return {"config": [{"name": branch, "parent": top, "group_tags": {"case": case}},
                           {"name": top, "parent": "", "description": "new"}]}

    def _slice(self, case, state):
        by_name = groups_by_name(state)
        return [[group_shape(group) for group in by_name.get(name, [])] for name in self.names(case)]

    def _wanted(self, case, state):
        top, branch = self.names(case)
        tops = groups_by_name(state).get(top, [])
        return ({"name": top, "description": "new", "groupTags": {}, "parentId": None},
                {"name": branch, "description": "", "groupTags": {"case": case},
                 "parentId": tops[0]["id"] if tops else "(no %s group)" % top})

    def untouched(self, case, before, after):
        # Writes go one after another (the update, then the create): a failure may leave the
        # update done and the child not created; never a child twice, never half a group.
        top_before = self._slice(case, before)[0]
        top_after, branch_after = self._slice(case, after)
        want_top, want_branch = self._wanted(case, after)
        return top_after in (top_before, [want_top]) and branch_after in ([], [want_branch]) and \
            not (branch_after and top_after == top_before)

    def problems(self, case, state, result):
        (tops, branches), (want_top, want_branch) = self._slice(case, state), self._wanted(case, state)
        problems = [] if tops == [want_top] else ["groups named %r are %r, want [%r]" % (want_top["name"], tops, want_top)]
        if branches != [want_branch]:
            problems.append("groups named %r are %r, want [%r]" % (want_branch["name"], branches, want_branch))
        return problems


ALL_DRIVERS = [UserCreate(), UserUpdate(), UserDelete(), GroupCreate(), GroupUpdate(), GroupTreeDelete(),
               UserInfo(), GroupInfo(), BulkUsers(), BulkDeleted(), GroupHierarchy()]


def drivers():
    """The drivers whose module exists in this checkout."""
    return [driver for driver in ALL_DRIVERS if driver.available()]


def module_names():
    return sorted(path.stem for path in Path(REPO / "plugins" / "modules").glob("*.py") if not path.stem.startswith("_"))
