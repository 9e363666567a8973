"""Due dates: working days and hours, cut-off, the yearly calendar (Tết, compensatory days,
make-up Saturdays), supplement pauses. Table-driven, no servers."""

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from motcua_contracts import Timeliness
from motcua_runtime.due_dates import WorkingCalendar, YearNotInCalendar
from motcua_runtime.yearly_calendar import default_year

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


# --- with the generated yearly calendar: Tết, compensatory days, make-up Saturdays -------------


def calendar_of(*years: int, **settings) -> WorkingCalendar:
    stored = [default_year(y) for y in years]
    return WorkingCalendar(
        holidays=frozenset().union(*(y.off_days for y in stored)),
        make_up_days=frozenset().union(*(y.working_weekend_days for y in stored)),
        years=frozenset(years),
        **settings,
    )


YEARS = calendar_of(*range(2024, 2031))


@pytest.mark.parametrize(
    ("received", "days", "due"),
    [
        # Across New Year and Tết 2028 (mùng 1 = Wed 26/1; 24–28/1 off, weekend after).
        (local(2027, 12, 30, 14, 0), 15, date(2028, 1, 21)),  # 1/1/2028 is a Saturday: Monday 3/1 off instead
        (local(2027, 12, 30, 14, 0), 16, date(2028, 1, 31)),  # ... and the whole Tết break skipped
        (local(2027, 12, 31, 16, 0), 0, date(2028, 1, 4)),  # the afternoon before New Year, after the cut-off
        (local(2027, 12, 31, 16, 0), 1, date(2028, 1, 5)),
        (local(2028, 1, 21, 10, 0), 0, date(2028, 1, 21)),  # last working day before Tết, same-day procedure
        (local(2028, 1, 21, 10, 0), 1, date(2028, 1, 31)),
        (local(2028, 1, 21, 16, 0), 1, date(2028, 2, 1)),  # after the cut-off: counting starts after Tết
        (local(2028, 1, 26, 9, 0), 0, date(2028, 1, 31)),  # received on mùng 1 (online): first day after Tết
        # Tết 2027 (mùng 1 = Sat 6/2; 4–10/2 off).
        (local(2027, 2, 3, 14, 59), 0, date(2027, 2, 3)),  # one minute before the cut-off
        (local(2027, 2, 3, 15, 0), 0, date(2027, 2, 11)),  # exactly at the cut-off hour: after Tết
        (local(2027, 2, 3, 9, 0), 1, date(2027, 2, 11)),
        # Tết 2030 by the Vietnamese calendar (mùng 1 = Sat 2/2; 31/1–6/2 off).
        (local(2030, 1, 30, 10, 0), 1, date(2030, 2, 7)),
        # A make-up Saturday is a working day: 26/4/2025, worked for the day off on 2/5/2025.
        (local(2025, 4, 25, 10, 0), 1, date(2025, 4, 26)),
        (local(2025, 4, 26, 9, 0), 0, date(2025, 4, 26)),  # received on the make-up Saturday itself
        (local(2025, 4, 25, 10, 0), 3, date(2025, 4, 29)),
        (local(2025, 4, 25, 10, 0), 4, date(2025, 5, 5)),  # 30/4, 1/5, swapped 2/5 and the weekend off
        # Hùng Kings' day 2026 falls on Sunday 26/4: Monday 27/4 is off instead.
        (local(2026, 4, 24, 10, 0), 1, date(2026, 4, 28)),
        # National Day 2025: Monday 1/9 (adjacent day) and Tuesday 2/9.
        (local(2025, 8, 29, 10, 0), 1, date(2025, 9, 3)),
        # National Day 2028 on a Saturday: Friday 1/9 adjacent, Monday 4/9 compensatory.
        (local(2028, 8, 31, 10, 0), 1, date(2028, 9, 5)),
    ],
)
def test_appointment_with_the_yearly_calendar(received, days, due):
    appointment = YEARS.appointment(received.astimezone(UTC), days)
    assert appointment.astimezone(VN).date() == due
    assert appointment.astimezone(VN).hour == 17


def test_a_calendar_refuses_to_count_through_a_year_it_does_not_know():
    only_2027 = calendar_of(2027)
    with pytest.raises(YearNotInCalendar) as raised:
        only_2027.appointment(local(2027, 12, 30, 14, 0).astimezone(UTC), 15)
    assert raised.value.year == 2028


def test_a_day_cannot_be_both_off_and_a_make_up_day():
    with pytest.raises(ValueError):
        WorkingCalendar(holidays={date(2025, 4, 26)}, make_up_days={date(2025, 4, 26)})


# --- processing time in working hours (07:30–11:30, 13:30–17:00) --------------------------------


@pytest.mark.parametrize(
    ("received", "hours", "due"),
    [
        (local(2026, 11, 23, 9, 0), 4, local(2026, 11, 23, 15, 0)),  # over the lunch break
        (local(2026, 11, 23, 10, 0), 8, local(2026, 11, 24, 10, 30)),  # into the next morning
        (local(2026, 11, 23, 12, 0), 2, local(2026, 11, 23, 15, 30)),  # received at lunch: from 13:30
        (local(2026, 11, 23, 6, 0), 4, local(2026, 11, 23, 11, 30)),  # before opening; ends with the morning
        (local(2026, 11, 23, 14, 0), 3, local(2026, 11, 23, 17, 0)),  # ends exactly at closing time
        (local(2026, 11, 23, 15, 0), 2, local(2026, 11, 24, 9, 30)),  # at the cut-off: next working day
        (local(2026, 11, 27, 16, 0), 1, local(2026, 11, 30, 8, 30)),  # Friday after the cut-off: Monday
        (local(2026, 11, 23, 9, 0), 0, local(2026, 11, 23, 9, 0)),
        (local(2025, 4, 26, 9, 0), 2, local(2025, 4, 26, 11, 0)),  # the make-up Saturday has office hours
        (local(2028, 1, 21, 14, 0), 4, local(2028, 1, 31, 8, 30)),  # the hours run out after Tết
    ],
)
def test_appointment_in_working_hours(received, hours, due):
    assert YEARS.appointment_in_hours(received.astimezone(UTC), hours) == due.astimezone(UTC)


def test_office_hours_are_configurable():
    long_day = calendar_of(2026, office_hours=((time(8, 0), time(12, 0)), (time(13, 0), time(17, 30))))
    assert long_day.appointment_in_hours(local(2026, 11, 23, 7, 0), 4.5) == local(2026, 11, 23, 13, 30)
    assert long_day.working_hours_between(local(2026, 11, 23, 0, 0), local(2026, 11, 24, 0, 0)) == 8.5
    with pytest.raises(ValueError):
        WorkingCalendar(office_hours=((time(13, 0), time(17, 0)), (time(8, 0), time(12, 0))))


def test_hour_based_timeliness_is_late_after_the_appointment_instant():
    due = local(2026, 11, 23, 15, 0)
    assert CAL.timeliness(local(2026, 11, 23, 16, 0), due) is Timeliness.ON_TIME  # by days
    assert CAL.timeliness(local(2026, 11, 23, 16, 0), due, in_hours=True) is Timeliness.LATE
    assert CAL.timeliness(local(2026, 11, 23, 14, 0), due, in_hours=True) is Timeliness.ON_TIME
    assert CAL.timeliness(local(2026, 11, 22, 14, 0), due, in_hours=True) is Timeliness.EARLY


# --- a request to supplement pauses the clock -----------------------------------------------------


@pytest.mark.parametrize(
    ("received", "days", "paused", "resumed", "new_due"),
    [
        # Received Monday 23/11/2026, 3 working days: due Thursday 26/11.
        (local(2026, 11, 23, 9, 0), 3, local(2026, 11, 23, 10, 0), local(2026, 11, 30, 9, 0), date(2026, 12, 3)),
        (local(2026, 11, 23, 9, 0), 3, local(2026, 11, 24, 10, 0), local(2026, 11, 30, 9, 0), date(2026, 12, 2)),
        (local(2026, 11, 23, 9, 0), 3, local(2026, 11, 24, 16, 0), local(2026, 11, 30, 9, 0), date(2026, 12, 2)),
        # Documents arriving after the cut-off count from the next working day, like a receipt.
        (local(2026, 11, 23, 9, 0), 3, local(2026, 11, 24, 10, 0), local(2026, 11, 30, 15, 30), date(2026, 12, 3)),
        # Back on the same day, before the cut-off: nothing moves.
        (local(2026, 11, 23, 9, 0), 3, local(2026, 11, 24, 10, 0), local(2026, 11, 24, 14, 0), date(2026, 11, 26)),
        # Same-day procedure: paused in the morning, due on the day the documents arrive.
        (local(2026, 11, 23, 9, 0), 0, local(2026, 11, 23, 10, 0), local(2026, 11, 25, 9, 0), date(2026, 11, 25)),
        # Paused before Tết 2028, resumed after it: 20, 21 and 31/1 were left.
        (local(2028, 1, 17, 9, 0), 5, local(2028, 1, 19, 10, 0), local(2028, 2, 1, 9, 0), date(2028, 2, 4)),
        # Paused in December, resumed in January: the days left cross New Year.
        (local(2027, 12, 27, 9, 0), 5, local(2027, 12, 28, 9, 0), local(2028, 1, 10, 9, 0), date(2028, 1, 14)),
        # A pause after the appointment does not move it: late stays late.
        (local(2026, 11, 23, 9, 0), 3, local(2026, 11, 27, 9, 0), local(2026, 12, 7, 9, 0), date(2026, 11, 26)),
    ],
)
def test_a_supplement_request_pauses_the_clock(received, days, paused, resumed, new_due):
    due = YEARS.appointment(received.astimezone(UTC), days)
    moved = YEARS.appointment_after_pause(due, paused.astimezone(UTC), resumed.astimezone(UTC))
    assert moved.astimezone(VN).date() == new_due and moved.astimezone(VN).hour == 17
    assert YEARS.resume_after_pause(due, paused, resumed) == moved  # the name the dossier model uses


def test_a_pause_in_working_hours_keeps_the_hours_left():
    due = YEARS.appointment_in_hours(local(2026, 11, 23, 9, 0), 8)
    assert due == local(2026, 11, 24, 9, 30)
    paused = local(2026, 11, 23, 14, 0)
    assert YEARS.working_hours_between(paused, due) == 5  # 14:00–17:00 and 07:30–09:30
    moved = YEARS.appointment_after_pause(due, paused, local(2026, 11, 25, 10, 0), in_hours=True)
    assert moved == local(2026, 11, 25, 17, 0)


def test_pauses_apply_one_after_the_other():
    due = YEARS.appointment(local(2026, 11, 23, 9, 0), 5)  # Monday 30/11
    due = YEARS.appointment_after_pause(due, local(2026, 11, 24, 9, 0), local(2026, 11, 26, 9, 0))  # 4 left
    assert due.astimezone(VN).date() == date(2026, 12, 2)
    due = YEARS.appointment_after_pause(due, local(2026, 11, 27, 9, 0), local(2026, 12, 1, 9, 0))  # 3 left
    assert due.astimezone(VN).date() == date(2026, 12, 4)
    with pytest.raises(ValueError):
        YEARS.appointment_after_pause(due, local(2026, 12, 1, 9, 0), local(2026, 11, 30, 9, 0))


# --- working days between two days (average processing time) -----------------------------------


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        (date(2026, 11, 23), date(2026, 11, 23), 0),
        (date(2026, 11, 23), date(2026, 11, 24), 1),
        (date(2026, 11, 27), date(2026, 11, 30), 1),  # Friday to Monday
        (date(2026, 11, 24), date(2026, 11, 23), -1),
        (date(2028, 1, 21), date(2028, 1, 31), 1),  # over the Tết break
        (date(2027, 12, 30), date(2028, 1, 31), 16),  # the appointment above, counted back
        (date(2025, 4, 25), date(2025, 4, 28), 2),  # with the make-up Saturday
        (local(2026, 11, 23, 23, 30), local(2026, 11, 24, 8, 0), 1),  # date-times are read as local days
    ],
)
def test_working_days_between(start, end, count):
    assert YEARS.working_days_between(start, end) == count


def test_processing_working_days_counts_from_the_counting_start():
    # Received on the Friday before Tết 2028 after the cut-off, returned on Tuesday 1/2.
    assert YEARS.processing_working_days(local(2028, 1, 21, 16, 0), local(2028, 2, 1, 10, 0)) == 1
    assert YEARS.processing_working_days(local(2028, 1, 21, 16, 0), local(2028, 1, 21, 16, 30)) == 0


def test_a_period_of_local_days_is_clamped_to_the_days_records_can_have():
    from datetime import date, datetime, timedelta, timezone

    from motcua_runtime.clock import local_day_bounds

    vn = timezone(timedelta(hours=7))
    assert local_day_bounds(date(2026, 11, 1), date(2026, 11, 30), vn) == (
        datetime(2026, 11, 1, tzinfo=vn), datetime(2026, 12, 1, tzinfo=vn))
    assert local_day_bounds(None, None, vn) == (None, None)
    lower, upper = local_day_bounds(date(1, 1, 1), date(9999, 12, 31), vn)  # "everything": no overflow
    assert lower == datetime(2000, 1, 1, tzinfo=vn) and upper == datetime(2100, 1, 2, tzinfo=vn)
