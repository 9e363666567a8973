"""MongoDB storage of the yearly working calendar, and the loader that turns the stored
years into the ``WorkingCalendar`` the due-date rule counts with.

One document per year and scope: the deployment's calendar (scope ``deployment``), or,
later, a commune's own copy (scope = commune code) that replaces it for that commune.
A year is generated from the default the first time it is asked for. An edit replaces
the whole document in one write, guarded by a version number: two parts of a swap
cannot half-apply and two concurrent edits cannot overwrite each other.
"""

import asyncio
import time
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta, timezone
from typing import Protocol

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from motcua_runtime.due_dates import DEFAULT_OFFICE_HOURS, WorkingCalendar
from motcua_runtime.yearly_calendar import (
    CalendarChange,
    ChangeAction,
    DayOff,
    FIRST_YEAR,
    LAST_YEAR,
    DayOffKind,
    MakeUpDay,
    Source,
    YearCalendar,
    default_year,
)

CALENDARS = "working_calendars"
#: Scope of the deployment-wide calendar; a commune override uses its commune code.
DEPLOYMENT = "deployment"


class CalendarEditConflict(Exception):
    """Other edits of the same year kept winning the race; nothing was changed."""

    code = "calendar_edit_conflict"


class CalendarStore(Protocol):
    async def year(self, year: int, scope: str = DEPLOYMENT) -> YearCalendar:
        """The stored year, generated from the default and stored if it is missing
        (only for the deployment scope)."""
        ...

    async def override(self, year: int, scope: str) -> YearCalendar | None:
        """A commune's own calendar of the year, if it has one (never generated)."""
        ...

    async def edit(
        self, year: int, change: Callable[[YearCalendar], YearCalendar], scope: str = DEPLOYMENT
    ) -> YearCalendar:
        """Apply ``change`` to the stored year all at once and return the result; a
        domain error raised by ``change`` leaves the stored year as it was."""
        ...


async def ensure_calendar_indexes(db: AsyncDatabase) -> None:
    await db[CALENDARS].create_index([("scope", ASCENDING), ("year", ASCENDING)], unique=True)


def _doc_id(scope: str, year: int) -> str:
    return f"{scope}:{year}"


def to_document(calendar: YearCalendar, *, scope: str, version: int) -> dict:
    return {
        "_id": _doc_id(scope, calendar.year),
        "scope": scope,
        "year": calendar.year,
        "version": version,
        "source": calendar.source.value,
        "generated_with": calendar.generated_with,
        # Dates as ISO strings: MongoDB has no date-only type, and strings sort by day.
        "days_off": [
            {"date": d.day.isoformat(), "name": d.name, "kind": d.kind.value, "source": d.source.value}
            for d in calendar.days_off
        ],
        "make_up_days": [
            {"date": d.day.isoformat(), "reason": d.reason, "source": d.source.value} for d in calendar.make_up_days
        ],
        "changes": [
            {"at": c.at, "action": c.action.value, "dates": [d.isoformat() for d in c.days], "reason": c.reason,
             "officer_id": c.officer_id, "name": c.name}
            for c in calendar.changes
        ],
    }


def from_document(doc: dict) -> YearCalendar:
    return YearCalendar(
        year=doc["year"],
        days_off=tuple(
            DayOff(date.fromisoformat(d["date"]), d["name"], DayOffKind(d["kind"]), Source(d["source"]))
            for d in doc["days_off"]
        ),
        make_up_days=tuple(
            MakeUpDay(date.fromisoformat(d["date"]), d["reason"], Source(d["source"])) for d in doc["make_up_days"]
        ),
        generated_with=doc.get("generated_with", ""),
        source=Source(doc["source"]),
        changes=tuple(
            CalendarChange(c["at"], ChangeAction(c["action"]), tuple(date.fromisoformat(d) for d in c["dates"]),
                           c["reason"], c.get("officer_id"), c.get("name"))
            for c in doc.get("changes", [])
        ),
    )


class MongoCalendarStore:
    # Each lost race means another edit won, so N concurrent editors need at most N attempts.
    def __init__(self, db: AsyncDatabase, *, edit_attempts: int = 10) -> None:
        self._db = db
        self._edit_attempts = edit_attempts

    async def year(self, year: int, scope: str = DEPLOYMENT) -> YearCalendar:
        calendar, _ = await self._load(year, scope)
        return calendar

    async def override(self, year: int, scope: str) -> YearCalendar | None:
        doc = await self._db[CALENDARS].find_one({"_id": _doc_id(scope, year)})
        return from_document(doc) if doc else None

    async def edit(
        self, year: int, change: Callable[[YearCalendar], YearCalendar], scope: str = DEPLOYMENT
    ) -> YearCalendar:
        for attempt in range(self._edit_attempts):
            current, version = await self._load(year, scope)
            updated = change(current)
            if updated is current:  # nothing to change (same name, same reason)
                return current
            result = await self._db[CALENDARS].replace_one(
                {"_id": _doc_id(scope, year), "version": version},
                to_document(updated, scope=scope, version=version + 1),
            )
            if result.matched_count == 1:
                return updated
            await asyncio.sleep(0.01 * 2**attempt)  # someone else edited the year meanwhile: read it again
        raise CalendarEditConflict(year)

    async def _load(self, year: int, scope: str) -> tuple[YearCalendar, int]:
        doc = await self._db[CALENDARS].find_one({"_id": _doc_id(scope, year)})
        if doc is None:
            if scope != DEPLOYMENT:
                raise LookupError(f"no calendar of {year} for {scope}")
            doc = await self._generate(year)
        return from_document(doc), doc["version"]

    async def _generate(self, year: int) -> dict:
        doc = to_document(default_year(year), scope=DEPLOYMENT, version=1)
        try:
            # Two replicas generating the same year at once: the first write wins,
            # the other one reads what it wrote.
            await self._db[CALENDARS].update_one({"_id": doc["_id"]}, {"$setOnInsert": doc}, upsert=True)
        except DuplicateKeyError:
            pass
        return await self._db[CALENDARS].find_one({"_id": doc["_id"]})


# --- from stored years to the calendar the due-date rule counts with --------------------------


def build_working_calendar(
    settings, years: Iterable[YearCalendar], *, office_hours=DEFAULT_OFFICE_HOURS
) -> WorkingCalendar:
    years = list(years)
    # Days from the INTAKE_HOLIDAYS setting (the stop-gap before this calendar) still count.
    extra = frozenset(date.fromisoformat(d) for d in getattr(settings, "holidays", []) or [])
    off = frozenset().union(*(y.off_days for y in years)) | extra
    return WorkingCalendar(
        utc_offset_hours=settings.utc_offset_hours,
        cutoff_hour=settings.cutoff_hour,
        appointment_hour=settings.appointment_hour,
        holidays=off,
        make_up_days=frozenset().union(*(y.working_weekend_days for y in years)) - off,
        office_hours=office_hours,
        years=frozenset(y.year for y in years),
    )


async def _year_for(store: CalendarStore, year: int, commune_code: str | None) -> YearCalendar:
    if commune_code:
        own = await store.override(year, commune_code)
        if own is not None:
            return own
    return await store.year(year)


async def load_calendar(
    db: AsyncDatabase, settings, years: Iterable[int], *, commune_code: str | None = None,
    office_hours=DEFAULT_OFFICE_HOURS,
) -> WorkingCalendar:
    """The working calendar of ``years`` as stored now (uncached; see ``CalendarCache``)."""
    store = MongoCalendarStore(db)
    stored = [await _year_for(store, year, commune_code) for year in sorted(set(years))]
    return build_working_calendar(settings, stored, office_hours=office_hours)


def years_around(*moments: datetime, utc_offset_hours: int = 7) -> range:
    """The years a computation over ``moments`` may touch: from the year before the
    earliest local year (a clock paused last year, a dossier received in December) to the
    year after the latest (an appointment runs into the next year)."""
    tz = timezone(timedelta(hours=utc_offset_hours))
    local_years = [m.astimezone(tz).year for m in moments]
    return range(max(min(local_years) - 1, FIRST_YEAR), min(max(local_years) + 1, LAST_YEAR) + 1)


class CalendarCache:
    """Stored years kept for ``ttl_seconds`` in this process. An edit made through this
    process is seen at once (``forget``); one made through another replica within the TTL."""

    def __init__(
        self, store: Callable[[], CalendarStore], settings, *, ttl_seconds: float = 5.0,
        office_hours=DEFAULT_OFFICE_HOURS, clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._settings = settings
        self._ttl = ttl_seconds
        self._office_hours = office_hours
        self._clock = clock
        self._years: dict[tuple[str, int], tuple[float, YearCalendar | None]] = {}

    @property
    def settings(self):
        return self._settings

    async def year_calendars(self, years: Iterable[int], *, commune_code: str | None = None) -> list[YearCalendar]:
        return [await self._year(year, commune_code) for year in sorted(set(years))]

    async def calendar(self, years: Iterable[int], *, commune_code: str | None = None) -> WorkingCalendar:
        stored = await self.year_calendars(years, commune_code=commune_code)
        return build_working_calendar(self._settings, stored, office_hours=self._office_hours)

    async def calendar_around(self, *moments: datetime, commune_code: str | None = None) -> WorkingCalendar:
        """The calendar for a computation over ``moments`` (receipt, pause, return…)."""
        years = years_around(*moments, utc_offset_hours=self._settings.utc_offset_hours)
        return await self.calendar(years, commune_code=commune_code)

    def forget(self, year: int | None = None) -> None:
        if year is None:
            self._years.clear()
        else:
            for key in [k for k in self._years if k[1] == year]:
                del self._years[key]

    async def _year(self, year: int, commune_code: str | None) -> YearCalendar:
        if commune_code:
            own = await self._cached((commune_code, year), lambda: self._store().override(year, commune_code))
            if own is not None:
                return own
        return await self._cached((DEPLOYMENT, year), lambda: self._store().year(year))

    async def _cached(self, key, load):
        now = self._clock()
        hit = self._years.get(key)
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        value = await load()
        self._years[key] = (now, value)
        return value
