# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Internal to this collection: not a public API; may change without notice.

"""Dates and times as options give them and as Losant writes them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

ISO_DATETIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$"
)


def parse_datetime(value):
    """Parse an ISO 8601 date or date-time; no zone means UTC. None if it is not one."""
    match = ISO_DATETIME_RE.match(value.strip()) if isinstance(value, str) else None
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        parsed = datetime.datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
            int((fraction or "0")[:6].ljust(6, "0")), tzinfo=_zone(zone))
    except ValueError:
        return None
    return parsed.astimezone(datetime.timezone.utc)


def _zone(zone):
    if not zone or zone == "Z":
        return datetime.timezone.utc
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    return datetime.timezone(sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def format_datetime(value):
    """Losant's timestamp form: 2026-11-26T17:38:35.123Z."""
    value = value.astimezone(datetime.timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (value.microsecond // 1000)


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)
