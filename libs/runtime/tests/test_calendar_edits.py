"""Editing a year: days off, make-up days, swaps; an invalid edit changes nothing."""

from datetime import UTC, date, datetime

import pytest

from motcua_runtime.yearly_calendar import (
    ChangeAction,
    DayConflict,
    DayNotInYear,
    DayOffKind,
    MakeUpDayNotWeekend,
    NotADayOff,
    NotAMakeUpDay,
    Source,
    SwapNotOnWorkingDay,
    default_year,
)

AT = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
Y2027 = default_year(2027)


def test_an_announced_day_off_is_added_with_its_name_and_recorded():
    edited = Y2027.with_day_off(date(2027, 2, 11), "Tết Nguyên đán (nghỉ thêm theo thông báo)",
                                reason="Thông báo của Bộ Nội vụ", at=AT, officer_id="admin-1")
    added = edited.day_off(date(2027, 2, 11))
    assert added.name == "Tết Nguyên đán (nghỉ thêm theo thông báo)" and added.source is Source.EDITED
    assert added.kind is DayOffKind.OTHER
    assert edited.source is Source.EDITED and Y2027.source is Source.DEFAULT  # the original is untouched
    assert edited.changes[-1].action is ChangeAction.ADD_DAY_OFF and edited.changes[-1].officer_id == "admin-1"


def test_putting_the_same_day_off_again_changes_nothing():
    once = Y2027.with_day_off(date(2027, 2, 11), "Nghỉ thêm", reason="r", at=AT)
    assert once.with_day_off(date(2027, 2, 11), "Nghỉ thêm", reason="r", at=AT) is once
    renamed = once.with_day_off(date(2027, 2, 11), "Nghỉ thêm Tết", reason="sửa tên", at=AT)
    assert renamed.day_off(date(2027, 2, 11)).name == "Nghỉ thêm Tết" and len(renamed.changes) == 2


def test_a_default_holiday_can_be_removed():
    edited = Y2027.without_day_off(date(2027, 2, 10), reason="Chính phủ chọn nghỉ khác", at=AT)
    assert edited.day_off(date(2027, 2, 10)) is None
    assert edited.changes[-1].action is ChangeAction.REMOVE_DAY_OFF


def test_a_make_up_saturday_and_its_removal():
    edited = Y2027.with_make_up_day(date(2027, 2, 20), reason="Làm bù cho ngày 11/2", at=AT)
    assert date(2027, 2, 20) in edited.working_weekend_days
    back = edited.without_make_up_day(date(2027, 2, 20), reason="nhầm", at=AT)
    assert date(2027, 2, 20) not in back.working_weekend_days and len(back.changes) == 2


def test_a_swap_adds_both_days_at_once():
    edited = Y2027.with_swap(date(2027, 2, 11), date(2027, 2, 20), reason="Hoán đổi theo thông báo", at=AT)
    assert edited.day_off(date(2027, 2, 11)).kind is DayOffKind.SWAPPED
    assert "thứ Bảy 20/02/2027" in edited.day_off(date(2027, 2, 11)).name
    assert edited.make_up_day(date(2027, 2, 20)).reason == "Hoán đổi theo thông báo"
    assert edited.changes[-1].days == (date(2027, 2, 11), date(2027, 2, 20))


@pytest.mark.parametrize(
    ("edit", "error"),
    [
        (lambda y: y.with_day_off(date(2028, 1, 3), "x", reason="r", at=AT), DayNotInYear),
        (lambda y: y.without_day_off(date(2027, 3, 3), reason="r", at=AT), NotADayOff),
        (lambda y: y.with_make_up_day(date(2027, 3, 3), reason="r", at=AT), MakeUpDayNotWeekend),  # a Wednesday
        (lambda y: y.with_make_up_day(date(2027, 2, 6), reason="r", at=AT), DayConflict),  # mùng 1 on Saturday
        (lambda y: y.without_make_up_day(date(2027, 3, 6), reason="r", at=AT), NotAMakeUpDay),
        (lambda y: y.with_swap(date(2027, 2, 8), date(2027, 2, 20), reason="r", at=AT), SwapNotOnWorkingDay),
        (lambda y: y.with_swap(date(2027, 3, 6), date(2027, 3, 13), reason="r", at=AT), SwapNotOnWorkingDay),
        (lambda y: y.with_swap(date(2027, 3, 3), date(2027, 3, 4), reason="r", at=AT), MakeUpDayNotWeekend),
        (lambda y: y.with_swap(date(2027, 3, 3), date(2027, 2, 6), reason="r", at=AT), DayConflict),
        (lambda y: y.with_swap(date(2027, 12, 31), date(2028, 1, 8), reason="r", at=AT), DayNotInYear),
        (lambda y: y.with_day_off(date(2027, 3, 3), "  ", reason="r", at=AT), ValueError),
        (lambda y: y.with_make_up_day(date(2027, 3, 6), reason=" ", at=AT), ValueError),
    ],
)
def test_invalid_edits_are_refused(edit, error):
    with pytest.raises(error):
        edit(Y2027)
    assert Y2027 == default_year(2027)


def test_a_day_off_cannot_be_put_on_a_make_up_day():
    edited = Y2027.with_make_up_day(date(2027, 3, 6), reason="r", at=AT)
    with pytest.raises(DayConflict):
        edited.with_day_off(date(2027, 3, 6), "x", reason="r", at=AT)


def test_reset_brings_the_default_back_and_keeps_the_record():
    edited = Y2027.with_swap(date(2027, 3, 3), date(2027, 3, 6), reason="r", at=AT)
    reset = edited.reset_to_default(reason="Làm lại", at=AT)
    assert reset.off_days == Y2027.off_days and reset.source is Source.DEFAULT
    assert [c.action for c in reset.changes] == [ChangeAction.SWAP, ChangeAction.RESET]
