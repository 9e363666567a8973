"""The rule for appointment dates and timeliness. One module owns it.

Working days are Monday to Friday, minus the days off of the yearly calendar, plus
its make-up working days (weekend days worked in exchange for a swapped day off).
Which days those are is decided per year in ``yearly_calendar`` (generated default,
then edited by an administrator); this module only counts.

Processing time in working days: the receipt counts from the next working day when it
arrives at or after the cut-off hour or on a non-working day (the counting-start day);
add the procedure's working days; the result is due by the appointment hour of that day.
A 0-day procedure is due by the appointment hour of the counting-start day.

Processing time in working hours: only office hours of working days count. The clock
starts at the receipt, or at the next opening of the office when the receipt arrives
outside office hours; at or after the cut-off hour it starts when the office opens on
the next working day.

A request to supplement the dossier pauses the clock: the working time left at the
pause continues from the moment the documents arrive (``resume_after_pause``).

Early / on time / late compares the local calendar day of the return with the
appointment day (for hour-based procedures, a return after the appointment instant
is late).
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone

from motcua_contracts import Timeliness

#: Office hours of a commune one-stop shop (morning and afternoon sessions), local time.
DEFAULT_OFFICE_HOURS: tuple[tuple[time, time], ...] = (
    (time(7, 30), time(11, 30)),
    (time(13, 30), time(17, 0)),
)


class YearNotInCalendar(LookupError):
    """A day was asked of a calendar that was not loaded for that year.

    Raised instead of guessing: counting through a year whose holidays are unknown
    would give a wrong appointment without anyone noticing.
    """

    code = "calendar_year_not_loaded"

    def __init__(self, year: int) -> None:
        super().__init__(f"the working calendar of {year} is not loaded")
        self.year = year


@dataclass(frozen=True)
class WorkingCalendar:
    utc_offset_hours: int = 7
    cutoff_hour: int = 15
    appointment_hour: int = 17
    #: Days off (public holidays, compensatory days, swapped days, announced extra days).
    holidays: frozenset[date] = field(default_factory=frozenset)
    #: Weekend days that are working days (ngày làm bù).
    make_up_days: frozenset[date] = field(default_factory=frozenset)
    #: Working periods of a working day, local time, in order, not overlapping.
    office_hours: tuple[tuple[time, time], ...] = DEFAULT_OFFICE_HOURS
    #: The years the days off and make-up days are known for; empty: no check
    #: (a calendar built by hand, as in tests).
    years: frozenset[int] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        # Accept any iterable from callers; keep the frozen, hashable shape.
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "make_up_days", frozenset(self.make_up_days))
        object.__setattr__(self, "years", frozenset(self.years))
        object.__setattr__(self, "office_hours", tuple((start, end) for start, end in self.office_hours))
        if not 0 <= self.cutoff_hour <= 24:
            raise ValueError("cutoff_hour must be between 0 and 24")
        if not 0 <= self.appointment_hour <= 23:
            raise ValueError("appointment_hour must be between 0 and 23")
        previous_end = time.min
        for start, end in self.office_hours:
            if not previous_end <= start < end:
                raise ValueError("office_hours must be ordered, non-overlapping (start, end) periods")
            previous_end = end
        if self.holidays & self.make_up_days:
            raise ValueError("a day cannot be both a day off and a make-up working day")

    @property
    def tz(self) -> timezone:
        return timezone(timedelta(hours=self.utc_offset_hours))

    # --- working days -----------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        if self.years and day.year not in self.years:
            raise YearNotInCalendar(day.year)
        if day in self.holidays:
            return False
        return day in self.make_up_days or day.weekday() < 5

    def next_working_day(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, day: date, working_days: int) -> date:
        """The day ``working_days`` working days after ``day`` (``day`` itself for 0)."""
        if working_days < 0:
            raise ValueError("working_days must not be negative")
        for _ in range(working_days):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, start: date | datetime, end: date | datetime) -> int:
        """Working days after ``start`` up to and including ``end`` (local days).

        Monday to Tuesday is 1, Friday to Monday is 1, the same day is 0; negative
        when ``end`` is before ``start``. Date-times are read as local days.
        """
        start, end = self._local_day(start), self._local_day(end)
        if end < start:
            return -self.working_days_between(end, start)
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count

    def processing_working_days(self, received_at: datetime, returned_at: datetime) -> int:
        """How many working days a dossier took: from its counting-start day to the
        local day of the return (0 when returned on or before the counting-start day)."""
        return max(0, self.working_days_between(self.counting_start(received_at), returned_at))

    def counting_start(self, received_at: datetime) -> date:
        """The working day the dossier counts as received on."""
        local = received_at.astimezone(self.tz)
        day = local.date()
        if not self.is_working_day(day) or local.hour >= self.cutoff_hour:
            return self.next_working_day(day)
        return day

    def appointment(self, received_at: datetime, processing_days: float) -> datetime:
        if processing_days < 0:
            raise ValueError("processing_days must not be negative")
        # Part days round up: half a working day is promised for the next day's end.
        day = self.add_working_days(self.counting_start(received_at), int(-(-processing_days // 1)))
        return self._due_on(day)

    # --- working hours ----------------------------------------------------------------

    def clock_start(self, received_at: datetime) -> datetime:
        """The instant working hours start counting for something received at ``received_at``."""
        local = received_at.astimezone(self.tz)
        day = local.date()
        if self.is_working_day(day) and local.hour < self.cutoff_hour:
            for start, end in self._periods(day):
                if local < end:
                    return max(local, start).astimezone(UTC)
        return self._periods(self.next_working_day(day))[0][0].astimezone(UTC)

    def add_working_hours(self, start: datetime, working_time: timedelta) -> datetime:
        """The instant ``working_time`` of office hours after ``start`` (UTC).

        A period that ends exactly when the time runs out is used to its end
        (4 hours from 07:30 is 11:30, not 13:30).
        """
        if working_time < timedelta(0):
            raise ValueError("working time must not be negative")
        cursor = start.astimezone(self.tz)
        day = cursor.date()
        remaining = working_time
        if not self.is_working_day(day):
            day = self.next_working_day(day)
            cursor = self._periods(day)[0][0]
        while True:
            for period_start, period_end in self._periods(day):
                if period_end <= cursor:
                    continue
                begin = max(period_start, cursor)
                if remaining <= period_end - begin:
                    return (begin + remaining).astimezone(UTC)
                remaining -= period_end - begin
            day = self.next_working_day(day)
            cursor = self._periods(day)[0][0]

    def appointment_for(self, received_at: datetime, unit: str, amount: float) -> datetime:
        """The appointment for a procedure's legal time: working hours, working days, or the same day."""
        if unit == "working_hours":
            return self.appointment_in_hours(received_at, amount)
        return self.appointment(received_at, 0 if unit == "same_day" else amount)

    def appointment_in_hours(self, received_at: datetime, processing_hours: float) -> datetime:
        if processing_hours < 0:
            raise ValueError("processing_hours must not be negative")
        return self.add_working_hours(self.clock_start(received_at), timedelta(hours=processing_hours))

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Office hours of working days between two instants (negative when reversed)."""
        return self._working_time_between(start, end) / timedelta(hours=1)

    # --- supplement requests: the clock pauses ----------------------------------------

    def appointment_after_pause(
        self, appointment_at: datetime, paused_at: datetime, resumed_at: datetime, *, in_hours: bool = False
    ) -> datetime:
        """The new appointment after a request to supplement paused the clock at
        ``paused_at`` and the documents arrived at ``resumed_at``.

        The working time left at the pause continues from the arrival, which counts like
        a receipt (cut-off hour, next working day). In working days, the days left are
        the working days after the pause day up to the appointment day: the rest of the
        pause day is not given back. Several pauses apply one after the other.
        A pause at or after the appointment does not move it: a late dossier stays late.
        """
        if resumed_at < paused_at:
            raise ValueError("the clock cannot resume before it paused")
        if paused_at >= appointment_at:
            return appointment_at
        if in_hours:
            remaining = self._working_time_between(paused_at, appointment_at)
            return self.add_working_hours(self.clock_start(resumed_at), remaining)
        days_left = self.working_days_between(paused_at, appointment_at)
        return self._due_on(self.add_working_days(self.counting_start(resumed_at), days_left))

    #: The name the dossier model uses: the clock resumes when the supplement arrives.
    resume_after_pause = appointment_after_pause

    # --- timeliness -------------------------------------------------------------------

    def timeliness(self, returned_at: datetime, appointment_at: datetime, *, in_hours: bool = False) -> Timeliness:
        returned_day = returned_at.astimezone(self.tz).date()
        due_day = appointment_at.astimezone(self.tz).date()
        if returned_day < due_day:
            return Timeliness.EARLY
        if returned_day == due_day and not (in_hours and returned_at > appointment_at):
            return Timeliness.ON_TIME
        return Timeliness.LATE

    # --- helpers ----------------------------------------------------------------------

    def _local_day(self, moment: date | datetime) -> date:
        return moment.astimezone(self.tz).date() if isinstance(moment, datetime) else moment

    def _due_on(self, day: date) -> datetime:
        return datetime.combine(day, time(self.appointment_hour), tzinfo=self.tz).astimezone(UTC)

    def _periods(self, day: date) -> list[tuple[datetime, datetime]]:
        if not self.office_hours:
            raise ValueError("no office hours configured: processing time in hours cannot be counted")
        if not self.is_working_day(day):
            return []
        return [
            (datetime.combine(day, start, tzinfo=self.tz), datetime.combine(day, end, tzinfo=self.tz))
            for start, end in self.office_hours
        ]

    def _working_time_between(self, start: datetime, end: datetime) -> timedelta:
        if end < start:
            return -self._working_time_between(end, start)
        start, end = start.astimezone(self.tz), end.astimezone(self.tz)
        total, day = timedelta(0), start.date()
        while day <= end.date():
            for period_start, period_end in self._periods(day):
                overlap = min(period_end, end) - max(period_start, start)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return total
