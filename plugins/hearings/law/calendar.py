"""Working days: Monday to Friday, less the country's public holidays (the ``holidays``
package's calendar, shipped as data and updated with its releases) and the extra days off the
municipality lists in its settings (a holiday decided by the government at short notice).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable

import holidays


@functools.lru_cache(maxsize=64)
def _public_holidays(country: str, year: int, language: str | None) -> dict[dt.date, str]:
    try:
        calendar = holidays.country_holidays(country, years=year, language=language)
    except NotImplementedError:  # a country the package does not know: weekends only
        return {}
    return dict(calendar.items())


class WorkingCalendar:
    """The working days of one country, with the municipality's extra days off."""

    def __init__(self, country: str, extra: Iterable[dt.date] = (), language: str | None = None):
        self.country = (country or "").upper()
        self.extra = frozenset(extra)
        self.language = language

    def holidays_in(self, year: int) -> dict[dt.date, str]:
        """The public holidays of ``year`` (name by date), the extra days included."""
        language = self.language if self.language in _languages(self.country) else None
        days = dict(_public_holidays(self.country, year, language))
        for d in self.extra:
            if d.year == year:
                days.setdefault(d, "")
        return dict(sorted(days.items()))

    def is_working_day(self, day: dt.date) -> bool:
        if day.weekday() >= 5 or day in self.extra:
            return False
        return day not in _public_holidays(self.country, day.year, None)

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days strictly between ``start`` and ``end`` (neither counted: «zile libere»)."""
        count, day = 0, start + dt.timedelta(days=1)
        while day < end:
            count += self.is_working_day(day)
            day += dt.timedelta(days=1)
        return count

    def earliest_after(self, start: dt.date, working_days: int) -> dt.date:
        """The first day ``end`` with ``working_days`` working days between ``start`` and it."""
        day, seen = start, 0
        while seen < working_days:
            day += dt.timedelta(days=1)
            seen += self.is_working_day(day)
        return day + dt.timedelta(days=1)


@functools.lru_cache(maxsize=16)
def _languages(country: str) -> tuple[str, ...]:
    try:
        return tuple(holidays.country_holidays(country).supported_languages)
    except NotImplementedError:
        return ()


def parse_extra_days(text: str) -> list[dt.date]:
    """``2027-01-03, 2027-12-31`` as dates; raises ValueError on the first that is not one."""
    days = []
    for part in (text or "").replace(";", ",").replace("\n", ",").split(","):
        part = part.strip()
        if part:
            days.append(dt.date.fromisoformat(part))
    return days
