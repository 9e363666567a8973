from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from motcua_contracts import Timeliness
from motcua_intake.domain.due_dates import WorkingCalendar

VN = timezone(timedelta(hours=7))
CAL = WorkingCalendar(holidays=frozenset({date(2027, 1, 1), date(2027, 4, 30)}))


def local(*args) -> datetime:
    return datetime(*args, tzinfo=VN)


@pytest.mark.parametrize(
    ("received", "days", "due"),
    [
        (local(2026, 11, 23, 9, 0), 0, date(2026, 11, 23)),  # Monday morning, same-day procedure
        (local(2026, 11, 23, 9, 0), 3, date(2026, 11, 26)),  # Monday + 3 working days = Thursday
        (local(2026, 11, 23, 15, 0), 0, date(2026, 11, 24)),  # at the cut-off: counts from Tuesday
        (local(2026, 11, 27, 10, 0), 1, date(2026, 11, 30)),  # Friday + 1 skips the weekend
        (local(2026, 11, 28, 10, 0), 0, date(2026, 11, 30)),  # Saturday counts from Monday
        (local(2026, 12, 31, 10, 0), 1, date(2027, 1, 4)),  # New Year's Day and the weekend skipped
        (local(2027, 4, 29, 16, 0), 2, date(2027, 5, 5)),  # after cut-off before 30/4; 1/5 is a Saturday here
        (local(2026, 11, 23, 9, 0), 0.5, date(2026, 11, 24)),  # half a day is promised for the next day
    ],
)
def test_appointment_in_working_days(received, days, due):
    appointment = CAL.appointment(received.astimezone(UTC), days)
    assert appointment.astimezone(VN).date() == due
    assert appointment.astimezone(VN).hour == 17


def test_cut_off_is_read_in_vietnam_time_not_utc():
    # 07:30 UTC is 14:30 in Vietnam: before the 15:00 cut-off.
    assert CAL.counting_start(datetime(2026, 11, 23, 7, 30, tzinfo=UTC)) == date(2026, 11, 23)
    assert CAL.counting_start(datetime(2026, 11, 23, 8, 0, tzinfo=UTC)) == date(2026, 11, 24)


@pytest.mark.parametrize(
    ("returned", "expected"),
    [
        (local(2026, 11, 25, 16, 0), Timeliness.EARLY),
        (local(2026, 11, 26, 8, 0), Timeliness.ON_TIME),
        (local(2026, 11, 26, 18, 0), Timeliness.ON_TIME),
        (local(2026, 11, 27, 8, 0), Timeliness.LATE),
    ],
)
def test_timeliness_compares_local_days(returned, expected):
    appointment = local(2026, 11, 26, 17, 0)
    assert CAL.timeliness(returned.astimezone(UTC), appointment.astimezone(UTC)) is expected
