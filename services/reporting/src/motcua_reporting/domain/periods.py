"""Reporting periods: a day, week (Monday first), month, quarter, year, or a custom range of local
days (Vietnam, UTC+7), always inclusive of both ends."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from motcua_reporting.domain.projection import VIETNAM_TZ


class Granularity(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    CUSTOM = "custom"


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    granularity: Granularity = Granularity.CUSTOM

    @property
    def start(self) -> datetime:
        """The first instant of the period (local midnight of its first day)."""
        return datetime.combine(self.first, time(), VIETNAM_TZ)

    @property
    def end(self) -> datetime:
        """The first instant after the period (local midnight after its last day)."""
        return datetime.combine(self.last + timedelta(days=1), time(), VIETNAM_TZ)

    @property
    def first_day(self) -> str:
        return self.first.isoformat()

    @property
    def last_day(self) -> str:
        return self.last.isoformat()

    def label(self, lang: str = "vi") -> str:
        g = self.granularity
        if g is Granularity.MONTH:
            return f"Tháng {self.first.month}/{self.first.year}" if lang == "vi" else self.first.strftime("%B %Y")
        if g is Granularity.QUARTER:
            q = (self.first.month - 1) // 3 + 1
            return f"Quý {q}/{self.first.year}" if lang == "vi" else f"Q{q} {self.first.year}"
        if g is Granularity.YEAR:
            return f"Năm {self.first.year}" if lang == "vi" else str(self.first.year)
        if self.first == self.last:
            return self.first.strftime("%d/%m/%Y")
        return f"{self.first.strftime('%d/%m/%Y')} – {self.last.strftime('%d/%m/%Y')}"


def period_containing(day: date, granularity: Granularity) -> Period:
    if granularity is Granularity.DAY:
        return Period(day, day, granularity)
    if granularity is Granularity.WEEK:
        first = day - timedelta(days=day.weekday())
        return Period(first, first + timedelta(days=6), granularity)
    if granularity is Granularity.MONTH:
        first = day.replace(day=1)
        return Period(first, _next_month(first) - timedelta(days=1), granularity)
    if granularity is Granularity.QUARTER:
        first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        return Period(first, _next_month(_next_month(_next_month(first))) - timedelta(days=1), granularity)
    if granularity is Granularity.YEAR:
        return Period(date(day.year, 1, 1), date(day.year, 12, 31), granularity)
    raise PeriodError("a custom period needs its first and last day")


def _next_month(first: date) -> date:
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)


def today_local(now: datetime | None = None) -> date:
    return (now or datetime.now(VIETNAM_TZ)).astimezone(VIETNAM_TZ).date()


MAX_DAYS = 3700  # about ten years
FIRST_YEAR, LAST_YEAR = 1970, 2999


def resolve(granularity: Granularity | None, at: date | None, first: date | None, last: date | None,
            today: date | None = None) -> Period:
    """The period a query asks for: ``first``/``last`` (custom), else the ``granularity`` period
    containing ``at`` (default: the current month)."""
    for day in (at, first, last):
        if day is not None and not (FIRST_YEAR <= day.year <= LAST_YEAR):
            raise PeriodError(f"days between {FIRST_YEAR} and {LAST_YEAR} only")
    if first is not None or last is not None:
        if first is None or last is None:
            raise PeriodError("both the first and the last day are needed")
        if last < first:
            raise PeriodError("the last day is before the first")
        if (last - first).days > MAX_DAYS:
            raise PeriodError("the range is too long")
        return Period(first, last, Granularity.CUSTOM)
    granularity = granularity or Granularity.MONTH
    if granularity is Granularity.CUSTOM:
        raise PeriodError("a custom period needs its first and last day")
    return period_containing(at or today or today_local(), granularity)


def bucket_of(day: str, granularity: Granularity) -> str:
    """The label of the trend bucket a local day (YYYY-MM-DD) falls into."""
    d = date.fromisoformat(day)
    if granularity is Granularity.DAY:
        return day
    if granularity is Granularity.WEEK:
        iso = d.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    if granularity is Granularity.MONTH:
        return day[:7]
    if granularity is Granularity.QUARTER:
        return f"{d.year}-Q{(d.month - 1) // 3 + 1}"
    return day[:4]


def buckets(period: Period, granularity: Granularity) -> list[str]:
    """Every bucket label of ``period`` in order (empty buckets included, so charts show gaps)."""
    labels: list[str] = []
    d = period.first
    while d <= period.last:
        label = bucket_of(d.isoformat(), granularity)
        if not labels or labels[-1] != label:
            labels.append(label)
        d += timedelta(days=1)
    return labels
