"""The date range a report covers: whole UTC days, both ends included."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from shopify_loyalty.errors import InvalidInput

MAX_DAYS = 3660
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2999, 12, 31)


@dataclass(frozen=True)
class Period:
    """From the start of ``first`` to the end of ``last`` (UTC), both days included."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The first moment after the period (exclusive)."""
        return datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=UTC)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def parse_day(raw: str | None, field: str) -> date:
    """A day as YYYY-MM-DD between FIRST_DAY and LAST_DAY (reports look a year and more
    around the period, which must stay within the calendar Python can count)."""
    if not raw:
        raise InvalidInput(f"{field} is required, as YYYY-MM-DD", field=field)
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        day = date.fromisoformat(raw)
    except ValueError as error:
        raise InvalidInput(f"{field} must be a date as YYYY-MM-DD", field=field) from error
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidInput(
            f"{field} must be a day from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}",
            field=field,
        )
    return day


def parse_period(first: str | None, last: str | None) -> Period:
    """The period ``from``..``to``; InvalidInput naming the field that is wrong."""
    start = parse_day(first, "from")
    end = parse_day(last, "to")
    if start > end:
        raise InvalidInput("from must be on or before to", field="from")
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidInput(f"the period may span at most {MAX_DAYS} days", field="to")
    return Period(start, end)
