"""Dates and times as options give them and as Losant writes them: the zone
offsets (both signs, with and without a colon), the fraction digits kept, a
date alone, the dates that do not exist, and Losant's millisecond form."""

import datetime

import pytest

from ansible_collections.losant.platform.plugins.module_utils._dates import format_datetime, parse_datetime

UTC = datetime.timezone.utc


@pytest.mark.parametrize("given, utc", [
    ("2026-01-31T10:00:00Z", "2026-01-31T10:00:00+00:00"),
    ("2026-01-31T10:00:00-05:30", "2026-01-31T15:30:00+00:00"),
    ("2026-01-31T10:00:00+05:30", "2026-01-31T04:30:00+00:00"),
    ("2026-01-31T10:00:00-0800", "2026-01-31T18:00:00+00:00"),
    ("2026-01-31T10:00:00+0800", "2026-01-31T02:00:00+00:00"),
    ("2026-01-31T22:00:00-03:00", "2026-02-01T01:00:00+00:00"),
    ("2026-01-31T10:00:00", "2026-01-31T10:00:00+00:00"),
    ("2026-01-31 10:00:00Z", "2026-01-31T10:00:00+00:00"),
    ("2026-01-31T10:00", "2026-01-31T10:00:00+00:00"),
])
def test_a_zone_offset_is_subtracted_and_no_zone_means_utc(given, utc):
    parsed = parse_datetime(given)
    assert parsed.tzinfo is UTC
    assert parsed.isoformat() == utc


@pytest.mark.parametrize("fraction, microseconds", [
    (".123456", 123456),
    (".1234567", 123456),
    (".123456789", 123456),
    (".12345", 123450),
    (".1", 100000),
    (".000001", 1),
])
def test_fraction_digits_beyond_the_sixth_are_cut_and_fewer_are_padded(fraction, microseconds):
    parsed = parse_datetime("2026-01-31T10:00:00%sZ" % fraction)
    assert parsed == datetime.datetime(2026, 1, 31, 10, 0, 0, microseconds, tzinfo=UTC)
    assert parsed.microsecond == microseconds


def test_a_date_alone_is_midnight_utc():
    parsed = parse_datetime("2026-01-31")
    assert parsed.isoformat() == "2026-01-31T00:00:00+00:00" and parsed.tzinfo is UTC
    assert parse_datetime("  2026-01-31  ") == parsed


@pytest.mark.parametrize("given", [
    "2026-13-01", "2026-02-30", "2026-00-10", "2026-01-31T24:00:00Z", "2026-01-31T10:60:00Z",
    "2026-01-31T10:00:00+0", "2026-01-31T10:00:00.Z", "31/01/2026", "yesterday", "", None, 20260131,
])
def test_what_is_not_a_date_is_none(given):
    assert parse_datetime(given) is None


def test_format_datetime_gives_utc_milliseconds_with_z():
    assert format_datetime(datetime.datetime(2026, 11, 26, 17, 38, 35, 123456, tzinfo=UTC)) == \
        "2026-11-26T17:38:35.123Z"
    assert format_datetime(datetime.datetime(2026, 11, 26, 17, 38, 35, 999999, tzinfo=UTC)) == \
        "2026-11-26T17:38:35.999Z"
    assert format_datetime(datetime.datetime(2026, 11, 26, 17, 38, 35, tzinfo=UTC)) == "2026-11-26T17:38:35.000Z"
    minus_five = datetime.timezone(-datetime.timedelta(hours=5, minutes=30))
    assert format_datetime(datetime.datetime(2026, 1, 31, 22, 0, 0, 7000, tzinfo=minus_five)) == \
        "2026-02-01T03:30:00.007Z"


def test_what_format_datetime_writes_parses_back():
    written = format_datetime(parse_datetime("2026-01-31T10:00:00.25-05:30"))
    assert written == "2026-01-31T15:30:00.250Z"
    assert parse_datetime(written) == datetime.datetime(2026, 1, 31, 15, 30, 0, 250000, tzinfo=UTC)
