"""Wall-clock times in IANA zones <-> UTC, with the checks a host needs to hear about."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_date, format_datetime


@cache
def zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def zone(name: str) -> ZoneInfo | None:
    return ZoneInfo(name) if name in zone_names() else None


def to_utc(local: datetime, tz: ZoneInfo) -> datetime | None:
    """UTC for a wall-clock time in tz, or None when that time does not exist there (a DST gap)."""
    naive = local.replace(tzinfo=None)
    aware = naive.replace(tzinfo=tz)
    try:
        as_utc = aware.astimezone(UTC)
    except OverflowError:
        # a time in year 1 or 9999 that the zone's offset pushes out of datetime's range: answer the
        # earliest/latest instant there is, so that callers reject it as out of range, not with a 500
        return datetime.min.replace(tzinfo=UTC) if naive.year == 1 else datetime.max.replace(tzinfo=UTC)
    if as_utc.astimezone(tz).replace(tzinfo=None) != naive:
        return None
    return as_utc


def local_day_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(UTC)


def local_day_end(day: date, tz: ZoneInfo) -> datetime:
    return local_day_start(day + timedelta(days=1), tz)


@lru_cache(maxsize=64)
def babel_locale(tag: str) -> Locale:
    """A Babel locale by tag ('en', 'pt-BR'), parsed once: Babel parses a string on every call otherwise,
    which was the largest single cost of rendering a catalog page."""
    return Locale.parse(tag, sep="-" if "-" in tag else "_")


def utc_offset(dt: datetime, tz_name: str) -> str:
    offset = dt.astimezone(ZoneInfo(tz_name)).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def format_local(dt: datetime, tz_name: str, locale: str = "en") -> str:
    """'Mon 9 Nov 2026, 09:00' in the given zone."""
    return format_datetime(dt, "EEE d MMM y, HH:mm", tzinfo=ZoneInfo(tz_name), locale=babel_locale(locale))


def input_value(dt: datetime, tz_name: str) -> str:
    """The value of an <input type=datetime-local> for dt shown in tz."""
    return dt.astimezone(ZoneInfo(tz_name)).strftime("%Y-%m-%dT%H:%M")


def format_day(day: date, locale: str = "en") -> str:
    """'9 November 2027'."""
    return format_date(day, "d MMMM y", locale=babel_locale(locale))


def zones_of_country(country: str) -> list[str]:
    zones: Mapping[str, list[str]] = get_global("territory_zones")
    return list(zones.get(country.upper(), []))


@lru_cache(maxsize=512)
def language_name(code: str, locale: str = "en") -> str:
    """'pt-BR' -> 'Portuguese (Brazil)'; the code itself when unknown."""
    try:
        name = Locale.parse(code, sep="-").get_display_name(babel_locale(locale))
    except (ValueError, UnknownLocaleError):
        return code
    return name or code


def format_range(start: datetime, end: datetime, tz_name: str, locale: str = "en") -> str:
    """'Mon 9 Nov 2026, 09:00–17:00' in the given zone; both dates when they differ there."""
    tz = ZoneInfo(tz_name)
    if start.astimezone(tz).date() == end.astimezone(tz).date():
        end_time = format_datetime(end, "HH:mm", tz, babel_locale(locale))
        return f"{format_local(start, tz_name, locale)}–{end_time}"
    return f"{format_local(start, tz_name, locale)} – {format_local(end, tz_name, locale)}"


@dataclass(frozen=True)
class ViewerTimes:
    """A challenge's times as the viewer's clock shows them (`same`: as in the challenge's own zone)."""

    zone: str
    times: str
    offset: str
    same: bool


def in_viewer_zone(
    start: datetime, end: datetime, own_zone: str, viewer_zone: str | None
) -> ViewerTimes | None:
    """The times in the viewer's zone, or None when there is nothing to add (no zone, or the same zone)."""
    if not viewer_zone or viewer_zone == own_zone:
        return None
    own, theirs = ZoneInfo(own_zone), ZoneInfo(viewer_zone)
    same = all(t.astimezone(own).utcoffset() == t.astimezone(theirs).utcoffset() for t in (start, end))
    offsets = dict.fromkeys(utc_offset(t, viewer_zone) for t in (start, end))  # two across a clock change
    return ViewerTimes(viewer_zone, format_range(start, end, viewer_zone), " / ".join(offsets), same)
