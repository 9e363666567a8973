"""Out-of-hours sessions (phiên làm việc ngoài giờ hành chính) and their bookings. Pure.

Schedules from the seeds, each one or more recurrence rules:
- "60 phút vì dân", every Monday after office hours → weekly, Monday, 17:00–18:00;
- last Sunday of the month, 07:30–11:00, pilot 30 Jun – Dec 2024 → monthly, nth=-1, with validity dates;
- "Friendly Sunday" twice a month, mid-month and last week → two monthly rules (nth=2 and nth=-1).
"""

import calendar as stdlib_calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from uuid import UUID, uuid4

WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
NTH_VI = {1: "đầu tiên", 2: "thứ hai", 3: "thứ ba", 4: "thứ tư", -1: "cuối cùng"}


class SessionError(Exception):
    code = "session_error"


class SessionClosed(SessionError):
    code = "session_closed"


class SessionFull(SessionError):
    code = "session_full"


class BookingCancelled(SessionError):
    code = "booking_cancelled"


class Recurrence(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"


@dataclass(frozen=True)
class RecurrenceRule:
    kind: Recurrence
    weekday: int  # 0 = Monday … 6 = Sunday
    nth: int | None = None  # monthly only: 1..4, or -1 for the last one of the month

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise SessionError("weekday must be 0 (Monday) to 6 (Sunday)")
        if self.kind is Recurrence.MONTHLY and self.nth not in (1, 2, 3, 4, -1):
            raise SessionError("a monthly rule needs nth = 1, 2, 3, 4 or -1 (last)")

    def occurs_on(self, day: date) -> bool:
        if day.weekday() != self.weekday:
            return False
        if self.kind is Recurrence.WEEKLY:
            return True
        if self.nth == -1:
            return day.day + 7 > stdlib_calendar.monthrange(day.year, day.month)[1]
        return (day.day - 1) // 7 + 1 == self.nth

    def describe_vi(self) -> str:
        if self.kind is Recurrence.WEEKLY:
            return f"{WEEKDAYS_VI[self.weekday]} hằng tuần"
        return f"{WEEKDAYS_VI[self.weekday]} {NTH_VI[self.nth]} của tháng"


@dataclass
class OutOfHoursSession:
    commune_code: str
    title: str
    rules: list[RecurrenceRule]
    start_time: time
    end_time: time
    fields: list[str] = field(default_factory=list)
    officers_on_duty: list[str] = field(default_factory=list)
    announcement: str = ""
    valid_from: date | None = None
    valid_until: date | None = None
    capacity: int | None = None  # bookings per occurrence; None = no limit
    id: UUID = field(default_factory=uuid4)
    active: bool = True

    def __post_init__(self) -> None:
        if not self.rules:
            raise SessionError("a session needs at least one recurrence rule")
        if self.start_time.tzinfo is not None or self.end_time.tzinfo is not None:
            raise SessionError("session hours are local time, without an offset")
        # To the minute, as the schedule is written and kept (10:00:10–10:00:50 is no session).
        self.start_time = self.start_time.replace(second=0, microsecond=0)
        self.end_time = self.end_time.replace(second=0, microsecond=0)
        if self.end_time <= self.start_time:
            raise SessionError("the session must end after it starts")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise SessionError("valid_until is before valid_from")

    def occurs_on(self, day: date) -> bool:
        if not self.active:
            return False
        if (self.valid_from and day < self.valid_from) or (self.valid_until and day > self.valid_until):
            return False
        return any(rule.occurs_on(day) for rule in self.rules)

    def occurrences(self, start: date, end: date) -> list[date]:
        days, day = [], start
        while day <= end:
            if self.occurs_on(day):
                days.append(day)
            day += timedelta(days=1)
        return days

    def is_open_at(self, local: datetime, grace: timedelta = timedelta(minutes=30)) -> bool:
        """Open during the session, with some grace for the last citizens in the queue."""
        if not self.occurs_on(local.date()):
            return False
        opens = datetime.combine(local.date(), self.start_time, tzinfo=local.tzinfo)
        closes = datetime.combine(local.date(), self.end_time, tzinfo=local.tzinfo) + grace
        return opens - grace <= local <= closes

    def schedule_vi(self) -> str:
        days = "; ".join(rule.describe_vi() for rule in self.rules)
        return f"{days}, {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    def announcement_vi(self) -> str:
        """The public announcement: the officers' text, or one built from the schedule."""
        if self.announcement.strip():
            return self.announcement.strip()
        fields = f" Lĩnh vực: {', '.join(self.fields)}." if self.fields else ""
        return f"{self.title}: tiếp nhận và trả kết quả hồ sơ ngoài giờ hành chính vào {self.schedule_vi()}.{fields}"


@dataclass
class Booking:
    """A citizen's slot in an upcoming session (far-away citizens phone ahead).

    The phone is personal data: encrypted at rest, masked everywhere else; it serves the
    reminder the day before (if the citizen agreed, ``consent_sms``) and finding a double
    booking. A cancelled booking frees its slot and gets no reminder.
    """

    session_id: UUID
    commune_code: str
    day: date
    full_name: str
    phone: str
    procedure_code: str | None = None
    note: str = ""
    consent_sms: bool = True
    id: UUID = field(default_factory=uuid4)
    created_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancelled_by: str | None = None  # 'citizen' (on the phone, through an officer) or 'officer'

    @property
    def code(self) -> str:
        """The reference read out to the citizen: 'DK-<yymmdd of the session>-<6 hex>'."""
        return f"DK-{self.day:%y%m%d}-{self.id.hex[:6].upper()}"

    @property
    def active(self) -> bool:
        return self.cancelled_at is None

    def masked_name(self) -> str:
        return " ".join(word[0] + "*" * (len(word) - 1) for word in self.full_name.split())

    def masked_phone(self) -> str:
        return "*" * (len(self.phone) - 3) + self.phone[-3:]

    def cancel(self, by: str, at: datetime) -> None:
        if not self.active:
            raise BookingCancelled(f"booking {self.code} is already cancelled")
        self.cancelled_at, self.cancelled_by = at, by


def normalize_phone(text: str) -> str:
    """A phone as a citizen or an officer writes it ('0987 123 456', '0987.123.456', '+84 987…')
    → digits, '+84' written as the leading 0: one citizen, one way of writing the number (a
    second booking of the same phone is found)."""
    phone = re.sub(r"[\s.\-()]", "", text)
    if phone.startswith("+84") and len(phone) == 12:
        phone = "0" + phone[3:]
    return phone


def occurrence_bounds(session: OutOfHoursSession, day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """When the session of ``day`` opens and closes (aware, in ``tz``: the commune's time)."""
    return (datetime.combine(day, session.start_time, tzinfo=tz), datetime.combine(day, session.end_time, tzinfo=tz))


def check_booking(session: OutOfHoursSession, day: date, today: date, already_booked: int,
                  local_now: time | None = None) -> None:
    """A slot can be booked on a coming occurrence that still has room (today's only until the
    session ends; ``local_now``: the commune's time of day)."""
    if day < today or not session.occurs_on(day):
        raise SessionClosed(f"no session on {day.isoformat()}")
    if day == today and local_now is not None and local_now >= session.end_time:
        raise SessionClosed(f"today's session ended at {session.end_time:%H:%M}")
    if session.capacity is not None and already_booked >= session.capacity:
        raise SessionFull(f"the session on {day.isoformat()} is full")
