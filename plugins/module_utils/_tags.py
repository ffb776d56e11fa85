# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Internal to this collection: not a public API; may change without notice.

"""The tag rule every module follows (documented once, in the
``losant.platform.purge`` doc fragment)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def desired_tags(current, given, purge):
    """The tags the task wants, or None to leave the tags alone.

    ``given`` left out (None) leaves the tags untouched, even with ``purge``.
    Otherwise ``given`` is merged into ``current``, or with ``purge`` replaces
    it (``{}`` with ``purge`` clears every tag). A null value removes its key.
    """
    if given is None:
        return None
    tags = {} if purge else dict(current or {})
    for key, value in given.items():
        if value is None:
            tags.pop(key, None)
        else:
            tags[key] = value
    return tags
