"""The rule for appointment dates and timeliness. One module owns it.

Appointment = the receipt, moved to the next working day when it arrives after
the cut-off hour or on a non-working day, plus the procedure's processing time
in working days; the result is due by the appointment hour of that day.
Early / on time / late compares the local calendar day of the return with the
appointment day.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone

from motcua_contracts import Timeliness


@dataclass(frozen=True)
class WorkingCalendar:
    utc_offset_hours: int = 7
    cutoff_hour: int = 15
    appointment_hour: int = 17
    holidays: frozenset[date] = field(default_factory=frozenset)

    @property
    def tz(self) -> timezone:
        return timezone(timedelta(hours=self.utc_offset_hours))

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def next_working_day(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def counting_start(self, received_at: datetime) -> date:
        """The working day the dossier counts as received on."""
        local = received_at.astimezone(self.tz)
        day = local.date()
        if not self.is_working_day(day) or local.hour >= self.cutoff_hour:
            return self.next_working_day(day)
        return day

    def appointment(self, received_at: datetime, processing_days: float) -> datetime:
        day = self.counting_start(received_at)
        # Part days round up: half a working day is promised for the next day's end.
        for _ in range(int(-(-processing_days // 1))):
            day = self.next_working_day(day)
        return datetime.combine(day, time(self.appointment_hour), tzinfo=self.tz).astimezone(UTC)

    def timeliness(self, returned_at: datetime, appointment_at: datetime) -> Timeliness:
        returned_day = returned_at.astimezone(self.tz).date()
        due_day = appointment_at.astimezone(self.tz).date()
        if returned_day < due_day:
            return Timeliness.EARLY
        if returned_day == due_day:
            return Timeliness.ON_TIME
        return Timeliness.LATE
