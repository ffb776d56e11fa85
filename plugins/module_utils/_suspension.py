# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Internal to this collection: not a public API; may change without notice.

"""Suspension of experience users (state=suspended) and the ownership tag of
experience_users. Losant has no "disabled" flag, so a suspended user is one
whose tokens were cut, who belongs to no group, whose password was replaced by
a random one nobody knows, and who carries the SUSPENDED_TAG user tag. Pure
logic only; the random password comes from a callable the module passes in."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import secrets

# The user tag that marks a suspended user; its value is when it was suspended.
SUSPENDED_TAG = "suspended_at"
# 64 characters from secrets: within Losant's 8 to 2048, and never to be typed.
RANDOM_PASSWORD_BYTES = 48


def random_password():
    return secrets.token_urlsafe(RANDOM_PASSWORD_BYTES)


def unknown_password(client):
    """A new random password for a suspension: known to no one, and registered with
    ``client`` as a secret so that no error message can echo it."""
    value = random_password()
    client.add_secret(value)
    return value


def carries_suspension_tag(user):
    return SUSPENDED_TAG in ((user or {}).get("userTags") or {})


def is_suspended(user):
    """Suspended: the tag is there and the user belongs to no group."""
    return carries_suspension_tag(user) and not user.get("experienceGroups")


def suspension_patch(user, now, new_password):
    """The PATCH that suspends ``user`` and the option names it changes; ({}, []) when it already is.

    ``now`` is a Losant timestamp: the token cutoff and the tag's value.
    ``new_password()`` is called only when a password is needed, so that an
    already suspended user never gets a new one."""
    if is_suspended(user):
        return {}, []
    tags = dict(user.get("userTags") or {})
    tags[SUSPENDED_TAG] = now
    body = {"tokenCutoff": now, "password": new_password(), "userTags": tags}
    changed = ["invalidate_tokens", "password", "user_tags"]
    if user.get("experienceGroups"):
        body["experienceGroupIds"] = []
        changed.insert(0, "experience_groups")
    return body, changed


def tags_after_restore(user, params, tags):
    """The tags a present user gets (None: leave them alone) given the tags the
    options ask for: the suspension tag goes when a password brings the user back,
    and stays otherwise, whatever the tag options say (the collection manages it)."""
    if not carries_suspension_tag(user):
        return tags
    current = user["userTags"]
    if params.get("password") is not None:
        tags = dict(current) if tags is None else dict(tags)
        tags.pop(SUSPENDED_TAG, None)
    elif tags is not None:
        tags = dict(tags, **{SUSPENDED_TAG: current[SUSPENDED_TAG]})
    return tags


def restoring(user, params):
    """A suspended user given a password is brought back: the password is sent whatever update_password says."""
    return carries_suspension_tag(user) and params.get("password") is not None


# -- ownership (experience_users ownership_tag) --------------------------------------


def ownership_errors(option, tag):
    """ownership_tag: exactly one key, a string value."""
    if tag is None:
        return []
    if len(tag) != 1:
        return ["%s must hold exactly one user tag, such as {managed_by: acme-onboarding}, got %d keys"
                % (option, len(tag))]
    key, value = list(tag.items())[0]
    if key == SUSPENDED_TAG:
        return ["%s cannot be the %s tag, which the collection sets on suspended users" % (option, SUSPENDED_TAG)]
    if not isinstance(value, str) or not value:
        return ["%s value of %r must be a non-empty string, got %r" % (option, key, value)]
    return []


def owns(user, tag):
    """Whether ``user`` carries the ownership tag (always True without one)."""
    if not tag:
        return True
    key, value = list(tag.items())[0]
    return (user.get("userTags") or {}).get(key) == value


def with_ownership(params, user, tag):
    """Entry options whose tags give a new user the ownership tag and keep it on a user
    that has it; a user without it is not adopted."""
    if not tag or (user is not None and not owns(user, tag)):
        return params
    if params.get("user_tags") is None:
        if user is None:
            return dict(params, user_tags=dict(tag))
        return params
    return dict(params, user_tags=dict(params["user_tags"], **tag))


# Options that set what a suspension sets itself, or that a suspension has no use for.
NOT_WITH_SUSPENDED = ("first_name", "last_name", "password", "password_updated_after", "user_tags",
                      "experience_groups")


def suspension_option_errors(params):
    """state=suspended selects the user (email or experience_user_id) and nothing else."""
    given = [name for name in NOT_WITH_SUSPENDED if params.get(name) is not None]
    if params.get("invalidate_tokens"):
        given.append("invalidate_tokens")
    if params.get("update_password") == "always":
        given.append("update_password")
    if not given:
        return []
    return ["state=suspended sets the tokens, groups, password and the %s tag itself, so it takes only email or "
            "experience_user_id; leave out %s" % (SUSPENDED_TAG, ", ".join(given))]
