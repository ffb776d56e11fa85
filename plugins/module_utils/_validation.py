# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Internal to this collection: not a public API; may change without notice.

"""Checks of option values against Losant's field rules.

Each check returns an error message naming the option and the rule, or None,
so a module can report every bad option before it sends anything.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

ID_RE = re.compile(r"^[A-Fa-f0-9]{24}$")
TAG_KEY_RE = re.compile(r"^[0-9a-zA-Z_-]{1,255}$")
# One @, no spaces, a dot in the domain: the shape Losant accepts.
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")

EMAIL_MAX = 1024
NAME_MAX = 1024
PASSWORD_MIN = 8
PASSWORD_MAX = 2048
TAG_VALUE_MAX = 255
GROUPS_MAX = 1000


# An error message lists this many problems; the task's result holds them all.
PROBLEMS_SHOWN = 20


def listed(problems, limit=PROBLEMS_SHOWN):
    """'a; b; c' of the first ``limit`` problems, and how many more there are."""
    text = "; ".join(problems[:limit])
    if len(problems) > limit:
        text += "; and %d more (%d in all)" % (len(problems) - limit, len(problems))
    return text


def is_id(value):
    return isinstance(value, str) and bool(ID_RE.match(value))


def check_id(option, value):
    if value is not None and not is_id(value):
        return "%s must be a Losant id of 24 hexadecimal characters, got %r" % (option, value)
    return None


def check_email(option, value):
    if value is None:
        return None
    if len(value) > EMAIL_MAX or not EMAIL_RE.match(value):
        return "%s must be an email address such as name@example.com of at most %d characters, got %r" % (
            option, EMAIL_MAX, value[:80])
    return None


def check_length(option, value, minimum, maximum, secret=False):
    """Length rule; a secret value is described by its length only."""
    if value is None or minimum <= len(value) <= maximum:
        return None
    shown = "%d characters" % len(value) if secret else "%r" % value[:80]
    if minimum:
        return "%s must be %d to %d characters long, got %s" % (option, minimum, maximum, shown)
    return "%s must be at most %d characters long, got %s" % (option, maximum, shown)


def check_workers(value, option="workers"):
    if value is not None and value < 1:
        return "%s must be 1 or more, got %d" % (option, value)
    return None


def check_tags(option, tags):
    """Tag keys like ``^[0-9a-zA-Z_-]{1,255}$``; values strings of 1-255 characters, or null to remove."""
    errors = []
    for key, value in (tags or {}).items():
        if not TAG_KEY_RE.match(key):
            errors.append("%s key %r must match ^[0-9a-zA-Z_-]{1,255}$ (letters, digits, _ and -)" % (option, key))
        if value is None:
            continue
        if not isinstance(value, str):
            errors.append("%s value of %r must be a string, got %s" % (option, key, type(value).__name__))
        elif not 1 <= len(value) <= TAG_VALUE_MAX:
            errors.append("%s value of %r must be 1 to %d characters long, got %d" % (
                option, key, TAG_VALUE_MAX, len(value)))
    return errors
