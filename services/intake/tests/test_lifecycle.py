"""The dossier lifecycle rules: every allowed step, and the invalid ones refused without change."""

import copy
from datetime import UTC, date, datetime, timedelta

import pytest

from motcua_contracts import Channel, ReturnChannel, Timeliness
from motcua_intake.domain.catalogue import find_procedure
from motcua_runtime.due_dates import WorkingCalendar
from motcua_intake.domain.model import (
    Applicant,
    Dossier,
    InvalidRequest,
    InvalidTransition,
    Status,
    SupplementAlreadyRequested,
)

CAL = WorkingCalendar()
MON = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 09:00 in Vietnam


def dossier(procedure="HT-XNTTHN") -> Dossier:  # 3 working days: due Thursday 26/11
    return Dossier(commune_code="26041", code="26041-261123-0001", procedure=find_procedure(procedure),
                   channel=Channel.COUNTER, applicant=Applicant("Lê Văn Tám"), received_at=MON,
                   appointment_at=CAL.appointment(MON, 3))


def local_day(moment: datetime) -> date:
    return moment.astimezone(CAL.tz).date()


def test_the_full_way_with_hand_overs_and_an_early_return():
    d = dossier()
    d.assign("cb-01", "Bộ phận Tư pháp – Hộ tịch", MON)
    handover, previous = d.hand_over("Lãnh đạo UBND", MON + timedelta(days=1), MON + timedelta(hours=4), CAL)
    assert previous is None and handover.from_body == "Bộ phận Tư pháp – Hộ tịch"
    _, previous = d.hand_over("Bộ phận Một cửa", MON + timedelta(days=2), MON + timedelta(days=2, hours=1), CAL)
    assert previous is Timeliness.LATE  # the leader kept it past its step due date
    d.mark_result_ready(MON + timedelta(days=2, hours=2), CAL)
    assert d.handovers[-1].completed_at is not None
    timeliness = d.return_result(returned_at=MON + timedelta(days=2, hours=3), channel=ReturnChannel.COUNTER,
                                 officer_id=None, calendar=CAL)
    assert timeliness is Timeliness.EARLY and d.status is Status.RETURNED and d.officer_id == "cb-01"


def test_supplement_is_asked_once_and_pauses_the_clock():
    d = dossier()
    d.request_supplement(["Bản sao giấy khai sinh", "  ", "Tờ khai có xác nhận"], MON + timedelta(hours=1))
    assert d.missing_items == ["Bản sao giấy khai sinh", "Tờ khai có xác nhận"]
    assert not d.is_overdue(MON + timedelta(days=10))  # paused: not overdue
    d.receive_supplement(MON + timedelta(days=7), CAL)  # came back the next Monday
    assert d.status is Status.RECEIVED
    assert local_day(d.due_at) == date(2026, 12, 3)  # three working days still to go, counted from 30/11
    with pytest.raises(SupplementAlreadyRequested):
        d.request_supplement(["Thêm giấy tờ"], MON + timedelta(days=8))


def test_reschedule_moves_the_appointment_not_the_legal_due_date():
    d = dossier()
    due = d.due_at
    d.reschedule(due + timedelta(days=2), "Chờ xác minh tại địa phương khác", MON + timedelta(days=2))
    assert d.appointment_at == due + timedelta(days=2) and d.due_at == due
    assert d.return_result(returned_at=due + timedelta(days=2), channel=ReturnChannel.AT_HOME, officer_id="cb-01",
                           calendar=CAL, free_of_charge=True) is Timeliness.LATE
    assert d.free_of_charge


@pytest.mark.parametrize(
    ("prepare", "act"),
    [
        (lambda d: d.refuse("Không thuộc thẩm quyền", MON), lambda d: d.return_result(
            returned_at=MON, channel=ReturnChannel.COUNTER, officer_id=None, calendar=CAL)),
        (lambda d: d.withdraw("Công dân xin rút", MON), lambda d: d.assign("cb-01", "Tư pháp", MON)),
        (lambda d: d.mark_result_ready(MON, CAL), lambda d: d.refuse("muộn", MON)),
        (lambda d: None, lambda d: d.hand_over("UBND huyện", MON, MON, CAL)),  # not assigned yet
        (lambda d: d.request_supplement(["Tờ khai"], MON), lambda d: d.mark_result_ready(MON, CAL)),
        (lambda d: d.return_result(returned_at=MON, channel=ReturnChannel.COUNTER, officer_id=None, calendar=CAL),
         lambda d: d.reschedule(MON + timedelta(days=9), "lý do", MON)),
    ],
)
def test_invalid_transitions_are_refused_and_change_nothing(prepare, act):
    d = dossier()
    prepare(d)
    before = copy.deepcopy(d.__dict__)
    with pytest.raises(InvalidTransition):
        act(d)
    assert d.__dict__ == before


def test_reasons_and_dates_are_checked():
    d = dossier()
    with pytest.raises(InvalidRequest):
        d.refuse("   ", MON)
    with pytest.raises(InvalidRequest):
        d.reschedule(d.appointment_at - timedelta(days=1), "sớm hơn?", MON)
    with pytest.raises(InvalidRequest, match="within a year"):  # fuzzing: year 9999 was accepted
        d.reschedule(d.appointment_at + timedelta(days=367), "nhầm năm", MON)
    assert d.reschedule(d.appointment_at + timedelta(days=366), "xa nhưng được", MON)
    with pytest.raises(InvalidRequest):
        d.transfer("26041", "cùng xã", MON)
    with pytest.raises(InvalidRequest):
        d.request_supplement([" "], MON)
    assert d.status is Status.RECEIVED


def test_due_soon_and_overdue():
    d = dossier()  # due Thursday 26/11 17:00
    assert not d.is_due_soon(MON, CAL)
    assert d.is_due_soon(datetime(2026, 11, 25, 3, tzinfo=UTC), CAL)  # Wednesday: due within a working day
    assert not d.is_overdue(datetime(2026, 11, 26, 9, tzinfo=UTC))
    assert d.is_overdue(datetime(2026, 11, 26, 11, tzinfo=UTC))  # 18:00 Thursday in Vietnam


def test_allowed_actions_follow_the_state():
    d = dossier()
    assert "handovers" not in d.allowed_actions() and "assignment" in d.allowed_actions()
    d.request_supplement(["Tờ khai"], MON)
    assert d.allowed_actions() == ["supplement", "refusal", "reschedule", "withdrawal", "transfer"]
    d.receive_supplement(MON + timedelta(days=1), CAL)
    assert "supplement-request" not in d.allowed_actions()  # asked once only
    d.refuse("Không đủ điều kiện", MON + timedelta(days=1))
    assert d.allowed_actions() == []
