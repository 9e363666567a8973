"""Notify's pure rules and handlers with fakes: which letters and messages an event calls
for, consent and opt-out, template checks, SMS length, quiet hours, retries, signatures."""

import hashlib
import hmac
from datetime import UTC, date, datetime, time, timedelta
from uuid import uuid4

import pytest

from motcua_contracts import (
    DossierReceived,
    DossierRescheduled,
    FeedbackAnswered,
    ResultReady,
    ResultReturned,
    SessionBooked,
    SessionBookingCancelled,
    SurveySubmitted,
    new_envelope,
)
from motcua_notify.domain import delivery, templates
from motcua_notify.domain.delivery import AttemptResult, Outcome, QuietHours, RetryPolicy, Status
from motcua_notify.domain.rules import Contact, Purpose, channels_for
from motcua_notify.entrypoints.http import verify_signature
from motcua_notify.service_layer import handlers

NOW = datetime(2026, 11, 23, 2, tzinfo=UTC)
DOSSIER = uuid4()


def received(life_event=None, consent_letters=True, consent_sms=True, session_date=None, dossier_id=DOSSIER):
    return DossierReceived(
        dossier_id=dossier_id, dossier_code="26041-261123-0001", procedure_code="HT-KHAITU",
        procedure_name="Đăng ký khai tử", field="ho_tich", life_event=life_event, channel="counter",
        received_at=NOW, appointment_at=NOW + timedelta(days=3), processing_days=3, applicant_name_masked="L** T** H**",
        applicant_phone_masked="*******678", consent_letters=consent_letters, consent_sms=consent_sms,
        session_date=session_date)


def ready(life_event=None, dossier_id=DOSSIER):
    return ResultReady(dossier_id=dossier_id, dossier_code="26041-261123-0001", procedure_code="HT-KETHON",
                       field="ho_tich", channel="counter", life_event=life_event, received_at=NOW, appointment_at=NOW,
                       due_at=NOW, ready_at=NOW)


def returned(timeliness, rescheduled=False, life_event=None, dossier_id=DOSSIER):
    return ResultReturned(
        dossier_id=dossier_id, dossier_code="26041-261123-0001", procedure_code="CT-CHUKY", field="chung_thuc",
        received_at=NOW, appointment_at=NOW, returned_at=NOW + timedelta(days=1), timeliness=timeliness,
        return_channel="counter", rescheduled=rescheduled, life_event=life_event)


def rescheduled(previous, new, reason="Chờ xác minh thông tin"):
    return DossierRescheduled(
        dossier_id=DOSSIER, dossier_code="26041-261123-0001", procedure_code="HT-KHAISINH", field="ho_tich",
        channel="counter", received_at=NOW, appointment_at=new, due_at=previous, previous_appointment_at=previous,
        reason=reason, rescheduled_at=previous - timedelta(hours=2))


def envelope(data, commune="26041"):
    return new_envelope(data, source="intake", commune_code=commune, correlation_id="c")


class FakeUow:
    """The unit of work's shape: intents, dossier memory, commune settings, processed marks."""

    def __init__(self, settings=None):
        self.processed, self.intents, self.dossiers = set(), {}, {}
        self.settings = settings or {}
        self.store = self

    async def commune_settings(self, commune_code):
        return self.settings.get(commune_code, {})

    async def dossier(self, dossier_id):
        return self.dossiers.get(dossier_id)

    async def remember_dossier(self, document):
        self._staged_dossiers.append(document)

    async def add_intents(self, documents):
        added = [d for d in documents if d["_id"] not in self.intents and d["_id"] not in self._staged]
        self._staged.update({d["_id"]: d for d in added})
        return len(added)

    async def __aenter__(self):
        self._staged, self._marks, self._staged_dossiers = {}, [], []
        return self

    async def __aexit__(self, *exc):
        pass

    async def already_processed(self, consumer, event_id):
        return (consumer, event_id) in self.processed

    def mark_processed(self, consumer, event_id):
        self._marks.append((consumer, event_id))

    def emit(self, envelope):
        raise AssertionError("event handlers publish nothing: the worker does")

    async def commit(self):
        self.intents.update(self._staged)
        self.dossiers.update({d["_id"]: d for d in self._staged_dossiers})
        self.processed |= set(self._marks)

    async def skip_pending_intent(self, key, reason, now):
        intent = self.intents.get(key)
        if intent is None or intent["status"] != "pending":
            return False
        self._staged[key] = {**intent, "status": "skipped", "skip_reason": reason}
        return True

    def of(self, purpose, status="pending"):
        return [i for i in self.intents.values() if i["purpose"] == purpose and i["status"] == status]


async def test_a_receipt_calls_for_a_receipt_message_once_even_when_redelivered():
    uow = FakeUow()
    event = envelope(received())
    assert await handlers.on_dossier_received(event, uow) is True
    assert await handlers.on_dossier_received(event, uow) is False
    assert [i["purpose"] for i in uow.intents.values()] == ["receipt"]


async def test_the_life_event_letter_is_decided_by_the_life_event_once_per_dossier():
    uow = FakeUow()
    await handlers.on_dossier_received(envelope(received("marriage")), uow)
    await handlers.on_result_ready(envelope(ready("marriage")), uow)
    await handlers.on_result_returned(envelope(returned("on_time", life_event="marriage")), uow)  # second ask
    assert len(uow.of("congratulation")) == 1
    other = uuid4()
    await handlers.on_dossier_received(envelope(received("death", dossier_id=other)), uow)
    await handlers.on_result_ready(envelope(ready("death", dossier_id=other)), uow)
    assert [i["letter_type"] for i in uow.of("condolence")] == ["condolence"]
    # A procedure with no life event (whatever its code) gets no such letter.
    third = uuid4()
    await handlers.on_result_ready(envelope(ready(None, dossier_id=third)), uow)
    assert not [i for i in uow.intents.values() if i["dossier_id"] == str(third) and i["letter_type"]]


async def test_no_congratulation_without_consent_recorded_at_intake():
    uow = FakeUow()
    await handlers.on_dossier_received(envelope(received("birth", consent_letters=False)), uow)
    await handlers.on_result_ready(envelope(ready("birth")), uow)
    assert uow.of("congratulation") == []
    [skipped] = uow.of("congratulation", status="skipped")
    assert skipped["skip_reason"] == "no_consent"


async def test_a_rule_turned_off_for_the_commune_stops_only_that_commune():
    uow = FakeUow(settings={"26041": {"rules": {"apology": False, "receipt": False}}})
    await handlers.on_dossier_rescheduled(envelope(rescheduled(NOW, NOW + timedelta(days=3))), uow)
    await handlers.on_dossier_received(envelope(received()), uow)
    assert uow.of("apology") == [] and uow.of("receipt") == []
    assert {i["skip_reason"] for i in uow.intents.values()} == {"rule_off"}
    await handlers.on_dossier_rescheduled(envelope(rescheduled(NOW, NOW + timedelta(days=3)), commune="26042"), uow)
    assert len(uow.of("apology")) == 1


async def test_one_apology_per_reschedule_even_when_delivered_twice():
    uow = FakeUow()
    first = envelope(rescheduled(NOW, NOW + timedelta(days=3), reason="Chờ xác minh"))
    second = envelope(rescheduled(NOW + timedelta(days=3), NOW + timedelta(days=7), reason="Chờ ý kiến nơi khác"))
    for event in (first, first, second, second):
        await handlers.on_dossier_rescheduled(event, uow)
    apologies = sorted(uow.of("apology"), key=lambda i: i["details"]["appointment_at"])
    assert [a["details"]["reason"] for a in apologies] == ["Chờ xác minh", "Chờ ý kiến nơi khác"]
    assert apologies[1]["details"]["previous_appointment_at"] == NOW + timedelta(days=3)
    # A late return after a reschedule adds no second apology; a late one never rescheduled does.
    await handlers.on_result_returned(envelope(returned("late", rescheduled=True)), uow)
    assert len(uow.of("apology")) == 2
    await handlers.on_result_returned(envelope(returned("late", dossier_id=uuid4())), uow)
    assert len(uow.of("apology")) == 3


async def test_thanks_after_a_signed_ballot_and_after_an_answered_feedback():
    uow = FakeUow()
    await handlers.on_dossier_received(envelope(received()), uow)
    ballot = SurveySubmitted(ballot_id=uuid4(), dossier_id=DOSSIER, dossier_code="26041-261123-0001", overall=5,
                             satisfied=True, submitted_at=NOW)
    anonymous = SurveySubmitted(ballot_id=uuid4(), overall=4, satisfied=True, submitted_at=NOW, anonymous=True)
    answered = FeedbackAnswered(feedback_id=uuid4(), feedback_code="PA-0001", kind="feedback", received_at=NOW,
                                due_at=NOW, answered_at=NOW, on_time=True)
    for data in (ballot, anonymous, answered):
        await handlers.on_survey_submitted(envelope(data), uow) if isinstance(data, SurveySubmitted) else \
            await handlers.on_feedback_answered(envelope(data), uow)
    thanks = uow.of("thanks")
    assert sorted(t["reason"] for t in thanks) == ["ballot", "feedback"]


async def test_a_session_reminder_only_for_a_session_still_ahead():
    uow = FakeUow()
    await handlers.on_dossier_received(envelope(received(session_date=date(2026, 11, 29))), uow)
    [reminder] = uow.of("session_reminder")
    # 16:00 in Vietnam the day before: 09:00 UTC.
    assert reminder["next_attempt_at"] == datetime(2026, 11, 28, 9, tzinfo=UTC)
    uow2 = FakeUow()
    await handlers.on_dossier_received(envelope(received(session_date=date(2026, 11, 23))), uow2)
    assert uow2.of("session_reminder") == []


def booked(booking_id, day, booked_at, consent_sms=True):
    return SessionBooked(
        booking_id=booking_id, booking_code="DK-261129-ABCDEF", session_id=uuid4(), session_title="Chủ nhật thân thiện",
        day=day, starts_at=datetime.combine(day, time(0, 30), tzinfo=UTC),
        ends_at=datetime.combine(day, time(4), tzinfo=UTC), applicant_name_masked="N** V** B**",
        applicant_phone_masked="*******678", consent_sms=consent_sms, booked_at=booked_at)


async def test_a_booked_session_is_reminded_once_the_day_before_and_a_cancellation_stops_it():
    uow, booking = FakeUow(), uuid4()
    event = envelope(booked(booking, date(2026, 11, 29), NOW))
    await handlers.on_session_booked(event, uow)
    await handlers.on_session_booked(event, uow)  # redelivered
    await handlers.on_session_booked(envelope(booked(booking, date(2026, 11, 29), NOW)), uow)  # published twice
    [reminder] = uow.of("session_reminder")
    assert reminder["booking_id"] == str(booking) and reminder["dossier_id"] is None
    assert reminder["next_attempt_at"] == datetime(2026, 11, 28, 9, tzinfo=UTC)  # 16:00 in Vietnam
    assert reminder["details"]["session_time"] == "07:30–11:00"
    assert reminder["details"]["booking_code"] == "DK-261129-ABCDEF"

    cancelled = SessionBookingCancelled(booking_id=booking, session_id=uuid4(), day=date(2026, 11, 29),
                                        cancelled_by="citizen", cancelled_at=NOW)
    await handlers.on_session_booking_cancelled(envelope(cancelled), uow)
    assert uow.of("session_reminder") == []
    [skipped] = uow.of("session_reminder", status="skipped")
    assert skipped["skip_reason"] == "booking_cancelled"


async def test_a_booking_made_after_reminder_time_gets_no_reminder():
    uow = FakeUow()
    # Booked at 17:00 in Vietnam on the eve of the session: the 16:00 reminder has passed.
    await handlers.on_session_booked(envelope(booked(uuid4(), date(2026, 11, 29), datetime(2026, 11, 28, 10,
                                                                                             tzinfo=UTC))), uow)
    assert uow.intents == {}


def test_a_cancelled_booking_goes_by_no_channel():
    plan = channels_for(Purpose.SESSION_REMINDER, contact(cancelled=True))
    assert plan.messages == () and plan.skipped == "booking_cancelled"


def contact(**kw):
    return Contact(**{"applicant_name": "Đỗ Thị Lan", "phone": "0987123456", "email": "lan@example.vn",
                      "consent_letters": True, "consent_sms": True, **kw})


def test_channels_honour_consent_and_opt_out():
    assert channels_for(Purpose.RECEIPT, contact()).messages == ("sms", "email")
    assert channels_for(Purpose.RECEIPT, contact(consent_sms=False)).messages == ("email",)
    assert channels_for(Purpose.RECEIPT, contact(opted_out=True)).skipped == "opted_out"
    assert channels_for(Purpose.CONGRATULATION, contact(consent_letters=False)).skipped == "no_consent"
    assert channels_for(Purpose.CONDOLENCE, contact(opted_out=True)).letter is False
    # The apology letter is the procedure's own (form 04): printed even after an opt-out, no SMS.
    opted = channels_for(Purpose.APOLOGY, contact(opted_out=True))
    assert opted.letter and opted.messages == () and opted.skipped is None
    assert channels_for(Purpose.APOLOGY, contact()).messages == ("sms", "email")
    assert channels_for(Purpose.RECEIPT, contact(), zalo_enabled=True).messages == ("sms", "zalo", "email")


# --------------------------------------------------------------------------- templates


def test_an_unknown_placeholder_is_refused_naming_it():
    wording = templates.Wording("THƯ CHÚC MỪNG", "Kính gửi {{ applicant_name }}, chúc mừng {{ ten_vo_chong }}", "x")
    with pytest.raises(templates.InvalidTemplate) as refused:
        templates.check(Purpose.CONGRATULATION, wording)
    assert "{{ ten_vo_chong }}" in refused.value.message_vi
    assert refused.value.message_vi.startswith("Mẫu chưa lưu được")
    # A placeholder of another purpose is unknown here too.
    with pytest.raises(templates.InvalidTemplate):
        templates.check(Purpose.CONDOLENCE, templates.Wording("T", "{{ new_appointment_date }}", "x"))


def test_syntax_errors_and_sandbox_escapes_are_refused():
    with pytest.raises(templates.InvalidTemplate) as bad:
        templates.check(Purpose.THANKS, templates.Wording("T", "{% if %}", "x"))
    assert "cú pháp" in bad.value.message_vi
    with pytest.raises(templates.InvalidTemplate):
        templates.check(Purpose.THANKS, templates.Wording("T", "{{ applicant_name.__class__.__mro__ }}", "x"))


def test_every_default_wording_passes_its_own_check_and_reads_formally():
    for lang in ("vi", "en"):
        for purpose, wording in templates.DEFAULTS[lang].items():
            templates.check(purpose, wording)
    vi = templates.DEFAULTS["vi"]
    apology = templates.render(vi[Purpose.APOLOGY], templates.sample_values(Purpose.APOLOGY))
    assert "thành thật xin lỗi" in apology.body and "02/12/2026" in apology.body
    assert "Lý do: Cần xác minh" in apology.body
    assert "chia buồn sâu sắc" in templates.render(vi[Purpose.CONDOLENCE], templates.sample_values(Purpose.CONDOLENCE)).body
    congratulation = templates.render(vi[Purpose.CONGRATULATION], templates.sample_values(Purpose.CONGRATULATION))
    assert "đăng ký kết hôn" in congratulation.body and "trăm năm hạnh phúc" in congratulation.body


# --------------------------------------------------------------------------- delivery rules


def test_sms_segments_and_diacritics():
    assert delivery.strip_diacritics("Đã tiếp nhận hồ sơ xã Hòa Phú") == "Da tiep nhan ho so xa Hoa Phu"
    assert delivery.sms_length("Xin chao") == ("gsm7", 8)
    assert delivery.segments_of("gsm7", 160) == 1 and delivery.segments_of("gsm7", 161) == 2
    assert delivery.segments_of("ucs2", 70) == 1 and delivery.segments_of("ucs2", 71) == 2
    text = "Hồ sơ 26041-261123-0001 đã có kết quả. Mời Ông/Bà đến Bộ phận Tiếp nhận và Trả kết quả xã Hòa Phú nhận."
    unicode_sms = delivery.prepare_sms(text, ascii_only=False, max_segments=3)
    assert unicode_sms.encoding == "ucs2" and unicode_sms.segments == 2 and "Hòa Phú" in unicode_sms.text
    ascii_sms = delivery.prepare_sms(text, ascii_only=True, max_segments=3)
    assert ascii_sms.encoding == "gsm7" and ascii_sms.segments == 1 and "Hoa Phu" in ascii_sms.text
    short = delivery.prepare_sms(text * 3, ascii_only=False, max_segments=1)
    assert short.truncated and short.segments == 1 and short.text.endswith("…")


def test_quiet_hours_defer_to_their_end_in_local_time():
    quiet = QuietHours(time(21), time(7))
    late_evening = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)  # 22:30 in Vietnam
    assert quiet.next_allowed(late_evening) == datetime(2026, 11, 24, 0, tzinfo=UTC)  # 07:00 local
    assert quiet.next_allowed(datetime(2026, 11, 23, 3, tzinfo=UTC)) is None  # 10:00 local
    early = datetime(2026, 11, 23, 22, tzinfo=UTC)  # 05:00 local next day
    assert quiet.next_allowed(early) == datetime(2026, 11, 24, 0, tzinfo=UTC)


def test_temporary_failures_back_off_then_fail_for_good():
    policy = RetryPolicy(max_attempts=3, base_seconds=10, max_seconds=25)
    temporary = AttemptResult(Outcome.TEMPORARY, "HTTP 503")
    first = delivery.after_attempt(temporary, 1, NOW, policy)
    second = delivery.after_attempt(temporary, 2, NOW, policy)
    assert (first.status, first.next_attempt_at) == (Status.TEMPORARY_FAILURE, NOW + timedelta(seconds=10))
    assert second.next_attempt_at == NOW + timedelta(seconds=20)
    assert delivery.after_attempt(temporary, 3, NOW, policy).status is Status.PERMANENT_FAILURE
    assert policy.delay(5) == timedelta(seconds=25)
    assert delivery.after_attempt(AttemptResult(Outcome.PERMANENT), 1, NOW, policy).status is Status.PERMANENT_FAILURE
    assert delivery.after_attempt(AttemptResult(Outcome.ACCEPTED), 1, NOW, policy).status is Status.SENDING


def test_callback_signature():
    secret, body, ts = "bí-mật", b'{"reference":"x","status":"delivered"}', "1700000000"
    good = hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert verify_signature(secret, ts, body, good, 300, now=1700000100)
    assert not verify_signature(secret, ts, body + b" ", good, 300, now=1700000100)
    assert not verify_signature(secret, ts, body, good, 300, now=1700001000)  # too old: a replay
    assert not verify_signature("", ts, body, good, 300, now=1700000100)
