from datetime import UTC, datetime
from uuid import uuid4

import pytest

from motcua_contracts import DossierReceived, ResultReturned, new_envelope
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


def returned(timeliness):
    return ResultReturned(
        dossier_id=uuid4(), dossier_code="26041-261123-0001", procedure_code="CT-CHUKY", field="chung_thuc",
        received_at=NOW, appointment_at=NOW, returned_at=NOW, timeliness=timeliness, return_channel="counter",
    )


def kinds(planned):
    return {(p.kind, p.channel) for p in planned}


def test_life_events_call_for_their_letter_only_with_consent():
    assert kinds(rules.for_dossier_received(received("death"))) == {("receipt", "sms"), ("condolence", "letter")}
    assert kinds(rules.for_dossier_received(received("marriage"))) >= {("congratulation_marriage", "letter")}
    assert kinds(rules.for_dossier_received(received("birth", consent_letters=False))) == {("receipt", "sms")}


def test_receipt_is_printed_when_the_citizen_gave_no_phone_or_no_sms_consent():
    assert kinds(rules.for_dossier_received(received(phone=None))) == {("receipt", "print")}
    assert kinds(rules.for_dossier_received(received(consent_sms=False))) == {("receipt", "print")}


def test_only_a_late_result_calls_for_an_apology():
    assert kinds(rules.for_result_returned(returned("late"))) == {("apology", "letter")}
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
