from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from motcua_contracts import DossierReceived, DossierRescheduled, ResultReturned, new_envelope
from motcua_notify.domain import rules
from motcua_notify.service_layer import handlers

NOW = datetime(2026, 11, 23, 2, tzinfo=UTC)


def received(life_event=None, consent_letters=True, consent_sms=True, phone="*******678"):
    return DossierReceived(
        dossier_id=uuid4(), dossier_code="26041-261123-0001", procedure_code="HT-KHAITU", procedure_name="Đăng ký khai tử",
        field="ho_tich", life_event=life_event, channel="counter", received_at=NOW, appointment_at=NOW,
        processing_days=0, applicant_name_masked="L** T** H**", applicant_phone_masked=phone,
        consent_letters=consent_letters, consent_sms=consent_sms,
    )


def returned(timeliness, rescheduled=False):
    return ResultReturned(
        dossier_id=uuid4(), dossier_code="26041-261123-0001", procedure_code="CT-CHUKY", field="chung_thuc",
        received_at=NOW, appointment_at=NOW, returned_at=NOW, timeliness=timeliness, return_channel="counter",
        rescheduled=rescheduled,
    )


def rescheduled(previous, new, reason="Chờ xác minh thông tin"):
    return DossierRescheduled(
        dossier_id=uuid4(), dossier_code="26041-261123-0001", procedure_code="HT-KHAISINH", field="ho_tich",
        channel="counter", received_at=NOW, appointment_at=new, due_at=previous, previous_appointment_at=previous,
        reason=reason, rescheduled_at=previous - timedelta(hours=2),
    )


def envelope(data):
    return new_envelope(data, source="intake", commune_code="26041", correlation_id="c")


def kinds(planned):
    return {(p.kind, p.channel) for p in planned}


def test_life_events_call_for_their_letter_only_with_consent():
    assert kinds(rules.for_dossier_received(received("death"))) == {("receipt", "sms"), ("condolence", "letter")}
    assert kinds(rules.for_dossier_received(received("marriage"))) >= {("congratulation_marriage", "letter")}
    assert kinds(rules.for_dossier_received(received("birth", consent_letters=False))) == {("receipt", "sms")}


def test_receipt_is_printed_when_the_citizen_gave_no_phone_or_no_sms_consent():
    assert kinds(rules.for_dossier_received(received(phone=None))) == {("receipt", "print")}
    assert kinds(rules.for_dossier_received(received(consent_sms=False))) == {("receipt", "print")}


def test_only_a_late_result_that_was_not_rescheduled_calls_for_an_apology():
    assert kinds(rules.for_result_returned(returned("late"))) == {("apology", "letter")}
    assert rules.for_result_returned(returned("late", rescheduled=True)) == []  # it had its apology already
    assert rules.for_result_returned(returned("early")) == []
    assert rules.for_result_returned(returned("on_time")) == []


class FakeUow:
    def __init__(self):
        self.processed, self.stored = set(), []
        self.notifications = self

    async def add_many(self, documents):
        self._staged += documents

    async def __aenter__(self):
        self._staged, self._marks = [], []
        return self

    async def __aexit__(self, *exc):
        pass

    async def already_processed(self, consumer, event_id):
        return (consumer, event_id) in self.processed

    def mark_processed(self, consumer, event_id):
        self._marks.append((consumer, event_id))

    def emit(self, envelope):
        raise AssertionError("notify emits nothing here")

    async def commit(self):
        self.stored += self._staged
        self.processed |= set(self._marks)


@pytest.mark.asyncio
async def test_a_redelivered_event_makes_no_second_letter():
    uow = FakeUow()
    envelope = new_envelope(received("birth"), source="intake", commune_code="26041", correlation_id="c")
    assert await handlers.on_dossier_received(envelope, uow) is True
    assert await handlers.on_dossier_received(envelope, uow) is False
    assert sorted(n["kind"] for n in uow.stored) == ["congratulation_birth", "receipt"]


def test_a_reschedule_calls_for_an_apology_with_its_reason_and_both_appointments():
    [planned] = rules.for_dossier_rescheduled(rescheduled(NOW, NOW + timedelta(days=7)))
    assert (planned.kind, planned.channel) == ("apology", "letter")
    assert planned.details["reason"] == "Chờ xác minh thông tin"
    assert planned.details["previous_appointment_at"] == NOW
    assert planned.details["appointment_at"] == NOW + timedelta(days=7)


@pytest.mark.asyncio
async def test_one_apology_per_reschedule_even_when_delivered_twice():
    uow = FakeUow()
    first = envelope(rescheduled(NOW, NOW + timedelta(days=3), reason="Chờ xác minh"))
    second = envelope(rescheduled(NOW + timedelta(days=3), NOW + timedelta(days=7), reason="Chờ ý kiến nơi khác"))
    assert await handlers.on_dossier_rescheduled(first, uow) is True
    assert await handlers.on_dossier_rescheduled(first, uow) is False  # redelivered
    assert await handlers.on_dossier_rescheduled(second, uow) is True
    assert await handlers.on_dossier_rescheduled(second, uow) is False

    assert [n["kind"] for n in uow.stored] == ["apology", "apology"]
    assert len({n["_id"] for n in uow.stored}) == 2
    one, two = uow.stored
    assert (one["reason"], one["previous_appointment_at"], one["appointment_at"]) == (
        "Chờ xác minh", NOW, NOW + timedelta(days=3))
    assert (two["reason"], two["previous_appointment_at"], two["appointment_at"]) == (
        "Chờ ý kiến nơi khác", NOW + timedelta(days=3), NOW + timedelta(days=7))
    assert [n["event_id"] for n in uow.stored] == [str(first.event_id), str(second.event_id)]


@pytest.mark.asyncio
async def test_a_late_return_after_a_reschedule_adds_no_second_apology():
    uow = FakeUow()
    await handlers.on_dossier_rescheduled(envelope(rescheduled(NOW, NOW + timedelta(days=3))), uow)
    assert await handlers.on_result_returned(envelope(returned("late", rescheduled=True)), uow) is True
    assert [n["kind"] for n in uow.stored] == ["apology"]
