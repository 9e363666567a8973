"""The editable yearly calendar of a deployment: the days off, each with a name, and
the make-up working days (ngày làm bù), each with a reason. Pure: no I/O, no clock.

A year starts as a generated default, which an administrator then edits to match what
the government announces for that year (the Tết break, swaps, make-up Saturdays).

The default follows the Labour Code 2019 (Bộ luật Lao động 45/2019/QH14):
- Art. 112(1): 1 Jan; Tết Nguyên đán, 5 days; Hùng Kings' day (10/3 lunar); 30 Apr;
  1 May; 2 Sep plus one adjacent day (1 or 3 Sep).
- Art. 112(3): the Prime Minister picks the 5 Tết days and the day next to 2 Sep each
  year. The default picks what the announcements of 2021–2026 picked: the lunar New
  Year's eve and mùng 1–4, a day on a Saturday moved to the working day before the
  break, a day on a Sunday to the working day after it; for 2 Sep, the adjacent day
  that joins a weekend.
- Art. 111(3): a holiday on a weekly rest day (Saturday, Sunday) gives a compensatory
  day off (nghỉ bù) on the next working day.

Lunar dates come from the ``holidays`` package (vacanza/holidays), which computes the
Vietnamese lunisolar calendar for UTC+7 (Tết 2030 is 2 Feb in Vietnam, 3 Feb in China).
Swaps the government already announced come from the same package's table.
Other days the package lists are not part of the default (Vietnam Culture Day, 24 Nov,
from 2026: add it by an edit once it is in force for the deployment).
"""

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

import holidays as holiday_library

#: Years a default can be generated for: the Labour Code 2019 is in force from 2021;
#: the lunar tables of the library end in 2099.
FIRST_YEAR, LAST_YEAR = 2021, 2099

WEEKDAYS_VI = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")

TET = "Tết Nguyên đán"
TET_DAY_LABELS = {-1: "giao thừa", 0: "mùng 1", 1: "mùng 2", 2: "mùng 3", 3: "mùng 4"}


class DayOffKind(StrEnum):
    HOLIDAY = "holiday"  # ngày lễ, tết
    COMPENSATORY = "compensatory"  # nghỉ bù: a holiday fell on a weekend
    SWAPPED = "swapped"  # nghỉ hoán đổi: worked back on a make-up day
    OTHER = "other"  # announced by the government or decided locally


class Source(StrEnum):
    DEFAULT = "default"
    EDITED = "edited"


class ChangeAction(StrEnum):
    ADD_DAY_OFF = "add_day_off"
    REMOVE_DAY_OFF = "remove_day_off"
    ADD_MAKE_UP_DAY = "add_make_up_day"
    REMOVE_MAKE_UP_DAY = "remove_make_up_day"
    SWAP = "swap"
    RESET = "reset"


class CalendarError(Exception):
    code = "calendar_error"


class YearOutOfRange(CalendarError):
    code = "calendar_year_out_of_range"


class DayNotInYear(CalendarError):
    code = "calendar_day_not_in_year"


class NotADayOff(CalendarError):
    code = "calendar_not_a_day_off"


class NotAMakeUpDay(CalendarError):
    code = "calendar_not_a_make_up_day"


class MakeUpDayNotWeekend(CalendarError):
    code = "calendar_make_up_day_not_weekend"


class DayConflict(CalendarError):
    """The day is already a day off (for a make-up day) or a make-up day (for a day off)."""

    code = "calendar_day_conflict"


class SwapNotOnWorkingDay(CalendarError):
    code = "calendar_swap_not_on_working_day"


class DefaultUnavailable(CalendarError):
    """The holiday library did not give the lunar dates of the year."""

    code = "calendar_default_unavailable"


@dataclass(frozen=True)
class DayOff:
    day: date
    name: str
    kind: DayOffKind
    source: Source = Source.DEFAULT


@dataclass(frozen=True)
class MakeUpDay:
    day: date
    reason: str
    source: Source = Source.DEFAULT


@dataclass(frozen=True)
class CalendarChange:
    """One edit, for the record: who changed which days, when and why."""

    at: datetime
    action: ChangeAction
    days: tuple[date, ...]
    reason: str
    officer_id: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class YearCalendar:
    year: int
    days_off: tuple[DayOff, ...]
    make_up_days: tuple[MakeUpDay, ...]
    #: What generated the default (library and version), for the record.
    generated_with: str
    source: Source = Source.DEFAULT
    changes: tuple[CalendarChange, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "days_off", tuple(sorted(self.days_off, key=lambda d: d.day)))
        object.__setattr__(self, "make_up_days", tuple(sorted(self.make_up_days, key=lambda d: d.day)))

    @property
    def off_days(self) -> frozenset[date]:
        return frozenset(d.day for d in self.days_off)

    @property
    def working_weekend_days(self) -> frozenset[date]:
        return frozenset(d.day for d in self.make_up_days)

    def day_off(self, day: date) -> DayOff | None:
        return next((d for d in self.days_off if d.day == day), None)

    def make_up_day(self, day: date) -> MakeUpDay | None:
        return next((d for d in self.make_up_days if d.day == day), None)

    # --- edits: each returns a new calendar, or raises and changes nothing -------------

    def with_day_off(
        self, day: date, name: str, *, reason: str, at: datetime, officer_id: str | None = None,
        kind: DayOffKind = DayOffKind.OTHER,
    ) -> "YearCalendar":
        """Mark ``day`` off, or rename the day off it already is."""
        self._check_in_year(day)
        name, reason = _required(name, "name"), _required(reason, "reason")
        if self.make_up_day(day):
            raise DayConflict(day)
        existing = self.day_off(day)
        if existing and existing.name == name and existing.kind == kind:
            return self
        days_off = [d for d in self.days_off if d.day != day] + [DayOff(day, name, kind, Source.EDITED)]
        return self._edited(
            days_off=tuple(days_off),
            change=CalendarChange(at, ChangeAction.ADD_DAY_OFF, (day,), reason, officer_id, name),
        )

    def without_day_off(
        self, day: date, *, reason: str, at: datetime, officer_id: str | None = None
    ) -> "YearCalendar":
        self._check_in_year(day)
        reason = _required(reason, "reason")
        if not self.day_off(day):
            raise NotADayOff(day)
        return self._edited(
            days_off=tuple(d for d in self.days_off if d.day != day),
            change=CalendarChange(at, ChangeAction.REMOVE_DAY_OFF, (day,), reason, officer_id),
        )

    def with_make_up_day(
        self, day: date, *, reason: str, at: datetime, officer_id: str | None = None
    ) -> "YearCalendar":
        """Make a Saturday or Sunday a working day."""
        self._check_in_year(day)
        reason = _required(reason, "reason")
        if day.weekday() < 5:
            raise MakeUpDayNotWeekend(day)
        if self.day_off(day):
            raise DayConflict(day)
        existing = self.make_up_day(day)
        if existing and existing.reason == reason:
            return self
        make_up = [d for d in self.make_up_days if d.day != day] + [MakeUpDay(day, reason, Source.EDITED)]
        return self._edited(
            make_up_days=tuple(make_up),
            change=CalendarChange(at, ChangeAction.ADD_MAKE_UP_DAY, (day,), reason, officer_id),
        )

    def without_make_up_day(
        self, day: date, *, reason: str, at: datetime, officer_id: str | None = None
    ) -> "YearCalendar":
        self._check_in_year(day)
        reason = _required(reason, "reason")
        if not self.make_up_day(day):
            raise NotAMakeUpDay(day)
        return self._edited(
            make_up_days=tuple(d for d in self.make_up_days if d.day != day),
            change=CalendarChange(at, ChangeAction.REMOVE_MAKE_UP_DAY, (day,), reason, officer_id),
        )

    def with_swap(
        self, day_off: date, make_up_day: date, *, reason: str, at: datetime, officer_id: str | None = None,
        name: str | None = None,
    ) -> "YearCalendar":
        """A working weekday becomes a day off, worked back on a weekend day: both or neither."""
        self._check_in_year(day_off)
        self._check_in_year(make_up_day)
        reason = _required(reason, "reason")
        if day_off.weekday() >= 5 or self.day_off(day_off) or self.make_up_day(day_off):
            raise SwapNotOnWorkingDay(day_off)
        if make_up_day.weekday() < 5:
            raise MakeUpDayNotWeekend(make_up_day)
        if self.day_off(make_up_day) or self.make_up_day(make_up_day):
            raise DayConflict(make_up_day)
        name = _required(name, "name") if name else _swap_day_off_name(make_up_day)
        return self._edited(
            days_off=self.days_off + (DayOff(day_off, name, DayOffKind.SWAPPED, Source.EDITED),),
            make_up_days=self.make_up_days + (MakeUpDay(make_up_day, reason, Source.EDITED),),
            change=CalendarChange(at, ChangeAction.SWAP, (day_off, make_up_day), reason, officer_id, name),
        )

    def reset_to_default(self, *, reason: str, at: datetime, officer_id: str | None = None) -> "YearCalendar":
        """Throw the edits away and generate the default again (the record of changes stays)."""
        reason = _required(reason, "reason")
        fresh = default_year(self.year)
        return replace(
            fresh, changes=self.changes + (CalendarChange(at, ChangeAction.RESET, (), reason, officer_id),)
        )

    def _check_in_year(self, day: date) -> None:
        if day.year != self.year:
            raise DayNotInYear(day)

    def _edited(self, *, change: CalendarChange, **fields) -> "YearCalendar":
        return replace(self, **fields, source=Source.EDITED, changes=self.changes + (change,))


def _required(text: str | None, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValueError(f"{what} must not be empty")
    return text


def _swap_day_off_name(make_up_day: date) -> str:
    return f"Nghỉ hoán đổi, làm bù {WEEKDAYS_VI[make_up_day.weekday()]} {make_up_day:%d/%m/%Y}"


# --- the generated default ----------------------------------------------------------------


def default_year(year: int) -> YearCalendar:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise YearOutOfRange(year)
    # The language is explicit: left out, the library follows the process locale.
    library = holiday_library.country_holidays("VN", years=year, observed=False, language="vi")
    tet = _only(library.get_named("Tết Nguyên Đán", lookup="exact"), year, "Tết Nguyên Đán")
    hung_kings = _only(library.get_named("Ngày Giỗ Tổ Hùng Vương", lookup="exact"), year, "Giỗ Tổ Hùng Vương")

    off: dict[date, DayOff] = {}

    def add(day: date, name: str, kind: DayOffKind = DayOffKind.HOLIDAY) -> None:
        if day in off:  # two holidays on one day (has not happened; keep both names)
            name = f"{off[day].name}; {name}"
        off[day] = DayOff(day, name, kind)

    national_day = date(year, 9, 2)
    fixed = [
        (date(year, 1, 1), "Tết Dương lịch (1/1)"),
        (hung_kings, "Giỗ Tổ Hùng Vương (10/3 âm lịch)"),
        (date(year, 4, 30), "Ngày Chiến thắng (30/4)"),
        (date(year, 5, 1), "Ngày Quốc tế Lao động (1/5)"),
        (national_day, "Quốc khánh (2/9)"),
    ]
    for day, name in fixed:
        add(day, name)
    add(_national_day_companion(national_day), "Quốc khánh (ngày liền kề 2/9)")
    tet_days = {delta: tet + timedelta(days=delta) for delta in TET_DAY_LABELS}
    for delta, day in tet_days.items():
        add(day, f"{TET} ({TET_DAY_LABELS[delta]})")

    def is_free(day: date) -> bool:
        return day.weekday() < 5 and day not in off

    # Tết first: its days move around the break as a whole (Art. 112(3)).
    for delta, day in tet_days.items():
        if day.weekday() == 5:
            moved = _step_until(day, -1, is_free)
        elif day.weekday() == 6:
            moved = _step_until(day, +1, is_free)
        else:
            continue
        add(moved, f"Nghỉ bù {TET} ({TET_DAY_LABELS[delta]} trùng {WEEKDAYS_VI[day.weekday()]})",
            DayOffKind.COMPENSATORY)
    # Art. 111(3): a holiday on a weekend, the next working day off; in date order so
    # that 30/4 on a Sunday moves past 1/5 on the Monday.
    for day, name in sorted(fixed):
        if day.weekday() >= 5:
            add(_step_until(day, +1, is_free), f"Nghỉ bù {name} trùng {WEEKDAYS_VI[day.weekday()]}",
                DayOffKind.COMPENSATORY)

    make_up: list[MakeUpDay] = []
    swaps = _announced_swaps(library, year)
    for day, worked_on in swaps:
        if day in off:
            continue
        off[day] = DayOff(day, _swap_day_off_name(worked_on) if worked_on else "Nghỉ hoán đổi (theo thông báo)",
                          DayOffKind.SWAPPED)
    for worked_on in sorted(d for d in library.weekend_workdays if d.year == year):
        if worked_on not in off:
            swapped = next((d for d, w in swaps if w == worked_on), None)
            reason = (f"Làm bù cho ngày nghỉ hoán đổi {swapped:%d/%m/%Y}" if swapped
                      else "Làm bù theo thông báo hoán đổi ngày làm việc")
            make_up.append(MakeUpDay(worked_on, reason))

    return YearCalendar(
        year=year,
        days_off=tuple(off.values()),
        make_up_days=tuple(make_up),
        generated_with=f"holidays {holiday_library.__version__}; Bộ luật Lao động 2019, Điều 111–112",
    )


def _only(found: list[date], year: int, what: str) -> date:
    if len(found) != 1:
        raise DefaultUnavailable(f"{what} {year}: the holiday library gave {found}")
    return found[0]


def _step_until(day: date, step: int, accept) -> date:
    day += timedelta(days=step)
    while not accept(day):
        day += timedelta(days=step)
    return day


def _national_day_companion(national_day: date) -> date:
    """1 or 3 Sep, whichever makes the longer break with a weekend (Mon→Tue, Tue→Mon,
    Wed→Tue, Thu→Fri, Fri→Thu, Sat→Fri, Sun→Mon): the choice of 2021–2026."""
    step = {0: +1, 1: -1, 2: -1, 3: +1, 4: -1, 5: -1, 6: +1}[national_day.weekday()]
    return national_day + timedelta(days=step)


_SUBSTITUTED = re.compile(r"(\d{2})/(\d{2})/(\d{4})")


def _announced_swaps(library, year: int) -> list[tuple[date, date | None]]:
    """Days off the government swapped with a working weekend day, as the library knows
    them: (day off, make-up day or None when the library's label cannot be read)."""
    swaps = []
    for day in sorted(library.get_named("thay cho ngày", lookup="icontains")):
        if day.year != year:
            continue
        match = _SUBSTITUTED.search(library[day])
        worked_on = date(int(match[3]), int(match[2]), int(match[1])) if match else None
        swaps.append((day, worked_on))
    return swaps
