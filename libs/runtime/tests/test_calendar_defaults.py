"""The generated default of each year, checked against the published Vietnamese dates.

Lunar dates: mùng 1 Tết and 10/3 lunar (Hùng Kings) by the Vietnamese calendar (UTC+7).
2030 is the year it differs from the Chinese calendar: Tết is Saturday 2 Feb in Vietnam,
Sunday 3 Feb in China (the new moon falls at 23:07 on 2 Feb Vietnam time, 00:07 on
3 Feb Beijing time). Breaks of 2024–2026 are the ones the government announced.
"""

from datetime import date, timedelta

import holidays
import pytest

from motcua_runtime.due_dates import WorkingCalendar
from motcua_runtime.yearly_calendar import (
    DayOffKind,
    YearOutOfRange,
    default_year,
)

#: Mùng 1 Tết (Vietnamese calendar).
TET = {
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 2),
}

#: Giỗ Tổ Hùng Vương, 10/3 lunar.
HUNG_KINGS = {
    2024: date(2024, 4, 18),
    2025: date(2025, 4, 7),
    2026: date(2026, 4, 26),
    2027: date(2027, 4, 16),
    2028: date(2028, 4, 4),
    2029: date(2029, 4, 23),
    2030: date(2030, 4, 12),
}


def d(text: str) -> date:
    return date.fromisoformat(text)


def calendar(year: int) -> WorkingCalendar:
    stored = default_year(year)
    return WorkingCalendar(holidays=stored.off_days, make_up_days=stored.working_weekend_days)


def break_around(year: int, day: date) -> tuple[date, date]:
    """The run of non-working days (weekends included) that contains ``day``."""
    cal = calendar(year)
    first = last = day
    while not cal.is_working_day(first - timedelta(days=1)):
        first -= timedelta(days=1)
    while not cal.is_working_day(last + timedelta(days=1)):
        last += timedelta(days=1)
    return first, last


def weekdays_off(year: int, first: date, last: date) -> list[date]:
    off = default_year(year).off_days
    return sorted(x for x in off if first <= x <= last and x.weekday() < 5)


@pytest.mark.parametrize(("year", "tet"), TET.items())
def test_tet_mung_1_is_the_vietnamese_date(year, tet):
    stored = default_year(year)
    assert stored.day_off(tet).name == "Tết Nguyên đán (mùng 1)"
    for delta, label in [(-1, "giao thừa"), (1, "mùng 2"), (2, "mùng 3"), (3, "mùng 4")]:
        assert stored.day_off(tet + timedelta(days=delta)).name == f"Tết Nguyên đán ({label})"


def test_tet_2030_follows_the_vietnamese_not_the_chinese_calendar():
    assert default_year(2030).day_off(date(2030, 2, 2)).name == "Tết Nguyên đán (mùng 1)"
    assert default_year(2030).day_off(date(2030, 2, 3)).name == "Tết Nguyên đán (mùng 2)"


@pytest.mark.parametrize(
    ("year", "working_days_off", "break_"),
    [
        # Published: 8–14/2/2024 (29 tháng Chạp – mùng 5), 7 days.
        (2024, ["2024-02-08", "2024-02-09", "2024-02-12", "2024-02-13", "2024-02-14"], ("2024-02-08", "2024-02-14")),
        # Published: 25/1–2/2/2025, 9 days with the weekends.
        (2025, ["2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31"], ("2025-01-25", "2025-02-02")),
        # Published: 14–22/2/2026, 9 days with the weekends.
        (2026, ["2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20"], ("2026-02-14", "2026-02-22")),
        # Not announced yet: the default, for an administrator to adjust.
        (2027, ["2027-02-04", "2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10"], ("2027-02-04", "2027-02-10")),
        (2028, ["2028-01-24", "2028-01-25", "2028-01-26", "2028-01-27", "2028-01-28"], ("2028-01-22", "2028-01-30")),
        (2029, ["2029-02-12", "2029-02-13", "2029-02-14", "2029-02-15", "2029-02-16"], ("2029-02-10", "2029-02-18")),
        (2030, ["2030-01-31", "2030-02-01", "2030-02-04", "2030-02-05", "2030-02-06"], ("2030-01-31", "2030-02-06")),
    ],
)
def test_tet_gives_five_working_days_off(year, working_days_off, break_):
    first, last = break_around(year, TET[year])
    assert (first, last) == (d(break_[0]), d(break_[1]))
    assert weekdays_off(year, first, last) == [d(x) for x in working_days_off]


@pytest.mark.parametrize(("year", "day"), HUNG_KINGS.items())
def test_hung_kings_day_is_10_3_lunar(year, day):
    assert default_year(year).day_off(day).name == "Giỗ Tổ Hùng Vương (10/3 âm lịch)"


def test_hung_kings_day_on_a_sunday_gives_monday_off():
    stored = default_year(2026)
    monday = stored.day_off(date(2026, 4, 27))
    assert monday.kind is DayOffKind.COMPENSATORY and "Giỗ Tổ Hùng Vương" in monday.name


@pytest.mark.parametrize(
    ("year", "off", "make_up"),
    [
        # Published 2024: 27/4–1/5, Monday 29/4 swapped with Saturday 4/5.
        (2024, ["2024-04-29", "2024-04-30", "2024-05-01"], ["2024-05-04"]),
        # Published 2025: 30/4–4/5, Friday 2/5 swapped with Saturday 26/4.
        (2025, ["2025-04-30", "2025-05-01", "2025-05-02"], ["2025-04-26"]),
        (2026, ["2026-04-30", "2026-05-01"], []),
        (2027, ["2027-04-30", "2027-05-01", "2027-05-03"], []),  # 1/5 on Saturday: Monday 3/5 off
        (2028, ["2028-04-30", "2028-05-01", "2028-05-02"], []),  # 30/4 on Sunday, 1/5 Monday: Tuesday off
        (2029, ["2029-04-30", "2029-05-01"], []),
        (2030, ["2030-04-30", "2030-05-01"], []),
    ],
)
def test_30_april_and_1_may(year, off, make_up):
    stored = default_year(year)
    # From 28/4: Hùng Kings' day and its compensatory day can fall just before (2026: 26–27/4).
    window = [x for x in sorted(stored.off_days) if date(year, 4, 28) <= x <= date(year, 5, 6)]
    assert window == [d(x) for x in off]
    assert sorted(x for x in stored.working_weekend_days if x.month in (4, 5)) == [d(x) for x in make_up]


@pytest.mark.parametrize(
    ("year", "off"),
    [
        (2024, ["2024-09-02", "2024-09-03"]),  # Monday + Tuesday (published 31/8–3/9)
        (2025, ["2025-09-01", "2025-09-02"]),  # Monday + Tuesday (published 30/8–2/9)
        (2026, ["2026-08-31", "2026-09-01", "2026-09-02"]),  # 31/8 swapped with Saturday 22/8 (library's table)
        (2027, ["2027-09-02", "2027-09-03"]),  # Thursday + Friday
        (2028, ["2028-09-01", "2028-09-02", "2028-09-04"]),  # Saturday: Friday adjacent, Monday compensatory
        (2029, ["2029-09-02", "2029-09-03", "2029-09-04"]),  # Sunday: Monday adjacent, Tuesday compensatory
        (2030, ["2030-09-02", "2030-09-03"]),
    ],
)
def test_national_day_and_its_adjacent_day(year, off):
    stored = default_year(year)
    assert [x for x in sorted(stored.off_days) if date(year, 8, 29) <= x <= date(year, 9, 6)] == [d(x) for x in off]


def test_new_year_on_a_saturday_gives_monday_off():
    stored = default_year(2028)
    assert stored.day_off(date(2028, 1, 1)).kind is DayOffKind.HOLIDAY
    assert stored.day_off(date(2028, 1, 3)).kind is DayOffKind.COMPENSATORY


def test_announced_swaps_pair_the_day_off_with_its_make_up_day():
    stored = default_year(2025)
    assert stored.day_off(date(2025, 5, 2)).kind is DayOffKind.SWAPPED
    assert "26/04/2025" in stored.day_off(date(2025, 5, 2)).name
    assert "02/05/2025" in stored.make_up_day(date(2025, 4, 26)).reason


@pytest.mark.parametrize("year", range(2024, 2041))
def test_every_year_has_the_eleven_working_days_of_the_labour_code(year):
    # Art. 112: 1 + 5 + 1 + 1 + 1 + 2 days; weekend holidays are made up by compensatory days.
    stored = default_year(year)
    legal = [x for x in stored.days_off
             if x.kind in (DayOffKind.HOLIDAY, DayOffKind.COMPENSATORY) and x.day.weekday() < 5]
    assert len(legal) == 11, [(x.day, x.name) for x in legal]
    assert stored.source == "default" and stored.changes == ()


@pytest.mark.parametrize("year", range(2021, 2041))
def test_the_default_agrees_with_the_holiday_library_except_culture_day(year):
    """Our rule for Tết and compensatory days reproduces the library's own; only the
    Vietnam Culture Day (24/11, from 2026) is left for an administrator to add."""
    library = holidays.country_holidays("VN", years=year, language="en_US")
    expected = {x for x, name in library.items() if "Vietnam Cultural Day" not in name}
    assert default_year(year).off_days == expected
    assert default_year(year).working_weekend_days == {x for x in library.weekend_workdays if x.year == year}


def test_culture_day_is_not_in_the_default():
    assert default_year(2026).day_off(date(2026, 11, 24)) is None


@pytest.mark.parametrize("year", [2020, 2100])
def test_years_out_of_range(year):
    with pytest.raises(YearOutOfRange):
        default_year(year)
