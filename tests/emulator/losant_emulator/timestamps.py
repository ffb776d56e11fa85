"""Timestamps as Losant writes them (``2026-11-26T17:38:35.123Z``) and the
date forms it reads: RFC 3339 in bodies, looser ISO dates in advanced queries."""

import datetime
import re

UTC = datetime.timezone.utc
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=UTC)

RFC3339_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)
LENIENT_DT_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?"
    r"\s*([Zz]|[+-]\d{2}:?\d{2})?$"
)


def format_ts(dt):
    """ISO 8601 UTC with milliseconds and Z, e.g. 2026-11-26T17:38:35.123Z."""
    dt = dt.astimezone(UTC)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (
        dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second,
        dt.microsecond // 1000)


def now_ts():
    return format_ts(datetime.datetime.now(UTC))


def _dt_from_match(m):
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    hour = int(m.group(4) or 0)
    minute = int(m.group(5) or 0)
    second = int(m.group(6) or 0)
    frac = m.group(7)
    micro = int((frac[1:] + "000000")[:6]) if frac else 0
    tz = m.group(8)
    if not tz or tz in ("Z", "z"):
        tzinfo = UTC
    else:
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        if len(digits) != 4:
            raise ValueError("bad offset")
        tzinfo = datetime.timezone(sign * datetime.timedelta(
            hours=int(digits[:2]), minutes=int(digits[2:])))
    if second == 60:  # leap second: clamp
        second = 59
    return datetime.datetime(year, month, day, hour, minute, second, micro,
                             tzinfo=tzinfo)


def parse_rfc3339(value):
    """Parse a JSON-schema date-time (RFC 3339); raise ValueError."""
    m = RFC3339_RE.match(value)
    if not m:
        raise ValueError("not an RFC 3339 date-time")
    return _dt_from_match(m)


def parse_lenient_date(value):
    """Dates accepted in advanced queries: ISO dates with optional time/zone."""
    m = LENIENT_DT_RE.match(value.strip())
    if not m:
        raise ValueError("not a date")
    return _dt_from_match(m)


def ts_from_ms(ms):
    return format_ts(EPOCH + datetime.timedelta(milliseconds=ms))


def ts_after(previous):
    """Now, but strictly later than ``previous`` (a formatted timestamp)."""
    now = now_ts()
    if previous and now <= previous:
        try:
            now = format_ts(parse_rfc3339(previous) + datetime.timedelta(milliseconds=1))
        except (ValueError, OverflowError):
            pass
    return now
