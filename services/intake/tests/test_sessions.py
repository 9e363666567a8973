from datetime import date, datetime, time, timedelta, timezone
from uuid import uuid4

import pytest

from motcua_intake.domain.sessions import (
    OutOfHoursSession,
    Recurrence,
    RecurrenceRule,
    SessionClosed,
    SessionError,
    SessionFull,
    check_booking,
)

VN = timezone(timedelta(hours=7))
MONDAY, SUNDAY = 0, 6


def session(rules, **kw):
    return OutOfHoursSession(commune_code="26041", title="60 phút vì dân", rules=rules,
                             start_time=kw.pop("start", time(17)), end_time=kw.pop("end", time(18)), **kw)


def test_every_monday_after_office_hours():
    s = session([RecurrenceRule(Recurrence.WEEKLY, MONDAY)])
    assert s.occurrences(date(2026, 11, 1), date(2026, 11, 30)) == [date(2026, 11, d) for d in (2, 9, 16, 23, 30)]
    assert s.schedule_vi() == "Thứ Hai hằng tuần, 17:00–18:00"
    assert "60 phút vì dân" in s.announcement_vi()


def test_last_sunday_of_the_month_during_a_pilot_period():
    s = session([RecurrenceRule(Recurrence.MONTHLY, SUNDAY, -1)], start=time(7, 30), end=time(11),
                valid_from=date(2024, 6, 30), valid_until=date(2024, 12, 31))
    assert s.occurrences(date(2024, 1, 1), date(2025, 3, 1)) == [
        date(2024, 6, 30), date(2024, 7, 28), date(2024, 8, 25), date(2024, 9, 29),
        date(2024, 10, 27), date(2024, 11, 24), date(2024, 12, 29)]
    assert s.schedule_vi() == "Chủ nhật cuối cùng của tháng, 07:30–11:00"


def test_twice_a_month_mid_month_and_last_week():
    s = session([RecurrenceRule(Recurrence.MONTHLY, SUNDAY, 2), RecurrenceRule(Recurrence.MONTHLY, SUNDAY, -1)])
    assert s.occurrences(date(2026, 11, 1), date(2026, 11, 30)) == [date(2026, 11, 8), date(2026, 11, 29)]


def test_open_only_during_the_session_with_some_grace():
    s = session([RecurrenceRule(Recurrence.WEEKLY, MONDAY)])
    assert s.is_open_at(datetime(2026, 11, 23, 17, 45, tzinfo=VN))
    assert s.is_open_at(datetime(2026, 11, 23, 18, 20, tzinfo=VN))  # the last ones in the queue
    assert not s.is_open_at(datetime(2026, 11, 23, 19, 0, tzinfo=VN))
    assert not s.is_open_at(datetime(2026, 11, 24, 17, 30, tzinfo=VN))  # a Tuesday


def test_bookings_only_on_coming_dates_with_room():
    s = session([RecurrenceRule(Recurrence.WEEKLY, MONDAY)], capacity=2, id=uuid4())
    check_booking(s, date(2026, 11, 30), date(2026, 11, 24), already_booked=1)
    with pytest.raises(SessionFull):
        check_booking(s, date(2026, 11, 30), date(2026, 11, 24), already_booked=2)
    with pytest.raises(SessionClosed):
        check_booking(s, date(2026, 11, 23), date(2026, 11, 24), already_booked=0)  # in the past
    with pytest.raises(SessionClosed):
        check_booking(s, date(2026, 12, 1), date(2026, 11, 24), already_booked=0)  # not a session day


def test_bad_schedules_are_refused():
    with pytest.raises(SessionError):
        session([])
    with pytest.raises(SessionError):
        session([RecurrenceRule(Recurrence.WEEKLY, MONDAY)], start=time(18), end=time(17))
    with pytest.raises(SessionError):
        RecurrenceRule(Recurrence.MONTHLY, SUNDAY, 5)


def test_a_booking_reads_out_a_code_of_its_date_and_is_cancelled_once():
    from motcua_intake.domain.sessions import Booking, BookingCancelled, occurrence_bounds

    s = session([RecurrenceRule(Recurrence.MONTHLY, SUNDAY, nth=-1)], start=time(7, 30), end=time(11))
    booking = Booking(session_id=s.id, commune_code="26041", day=date(2026, 11, 29), full_name="Ngô Văn Bảy",
                      phone="0912345678")
    assert booking.code.startswith("DK-261129-") and len(booking.code) == len("DK-261129-") + 6
    assert booking.masked_name() == "N** V** B**" and booking.masked_phone() == "*******678"
    opens, closes = occurrence_bounds(s, booking.day, VN)
    assert opens.astimezone(timezone.utc) == datetime(2026, 11, 29, 0, 30, tzinfo=timezone.utc)
    assert closes - opens == timedelta(hours=3, minutes=30)
    booking.cancel("citizen", datetime(2026, 11, 26, 2, tzinfo=timezone.utc))
    assert not booking.active
    with pytest.raises(BookingCancelled):
        booking.cancel("officer", datetime(2026, 11, 26, 3, tzinfo=timezone.utc))


def test_today_is_bookable_only_until_the_session_ends():
    s = session([RecurrenceRule(Recurrence.WEEKLY, MONDAY)])  # 17:00–18:00
    monday = date(2026, 11, 23)
    check_booking(s, monday, monday, 0, local_now=time(16, 30))
    check_booking(s, monday, monday, 0, local_now=time(17, 45))  # still open
    with pytest.raises(SessionClosed):
        check_booking(s, monday, monday, 0, local_now=time(18, 0))
    check_booking(s, monday + timedelta(days=7), monday, 0, local_now=time(20, 0))  # next week's is fine


def test_session_hours_are_local_minutes_whoever_schedules_it():
    kept = session([RecurrenceRule(Recurrence.WEEKLY, SUNDAY)], start=time(7, 30, 59), end=time(11, 0, 1))
    assert (kept.start_time, kept.end_time) == (time(7, 30), time(11, 0))
    with pytest.raises(SessionError, match="must end after"):  # the same minute, once seconds are dropped
        session([RecurrenceRule(Recurrence.WEEKLY, SUNDAY)], start=time(10, 0, 10), end=time(10, 0, 50))
    with pytest.raises(SessionError, match="without an offset"):
        session([RecurrenceRule(Recurrence.WEEKLY, SUNDAY)], start=time(7, 30, tzinfo=VN), end=time(11))
