"""experience_user (_users.py): update_password=always or password_updated_after without a
password send no password, and the diff view shows a group that has no name by its id."""

from ansible_collections.losant.platform.plugins.module_utils._users import password_due, user_patch, user_view

G1 = "aaaaaaaaaaaaaaaaaaaaaaa1"
G2 = "aaaaaaaaaaaaaaaaaaaaaaa2"
NOW = "2026-11-26T12:00:00.000Z"


def params(**given):
    base = dict(email=None, experience_user_id=None, first_name=None, last_name=None, password=None,
                update_password="on_create", password_updated_after=None, user_tags=None,
                purge_user_tags=False, experience_groups=None, purge_experience_groups=False,
                invalidate_tokens=False)
    base.update(given)
    return base


def current(**fields):
    user = {"id": "b" * 24, "email": "jane@example.com", "firstName": "Jane", "lastName": "Doe", "userTags": {},
            "experienceGroups": [], "passwordLastUpdated": None}
    user.update(fields)
    return user


def test_without_a_password_none_is_due_whatever_update_password_and_the_threshold_say():
    assert password_due(params(update_password="always"), current()) is False
    assert password_due(params(password_updated_after="2026-02-01"), current()) is False
    assert user_patch(current(), params(update_password="always"), None, NOW) == ({}, [])
    assert user_patch(current(), params(password_updated_after="2026-02-01"), None, NOW) == ({}, [])


def test_the_view_shows_a_group_without_a_name_by_its_id():
    user = current(experienceGroups=[{"id": G2}, {"id": G1, "name": "Operators"}, {"id": G1.upper(), "name": ""}])
    assert user_view(user)["experience_groups"] == [G1.upper(), "Operators", G2]
