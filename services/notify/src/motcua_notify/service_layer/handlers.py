"""Notify's event handlers: an incoming event becomes intents, once.

Each handler runs in one transaction with the consumer's processed mark (``apply_once``): a
redelivered or duplicated event finds the mark and does nothing, and an intent's id is
deterministic (event id + purpose, or dossier id for a life-event letter), so even a second
event asking for the same letter adds nothing. Intents are resolved (contact, channels,
wording) and delivered by the worker (``service_layer/delivery.py``).
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from motcua_contracts import (
    BallotOpened,
    DossierReceived,
    DossierRescheduled,
    Envelope,
    FeedbackAnswered,
    ResultReady,
    ResultReturned,
    SessionBooked,
    SessionBookingCancelled,
    SurveySubmitted,
)
from motcua_runtime.unit_of_work import UnitOfWork, apply_once

from motcua_notify.domain import rules
from motcua_notify.domain.rules import CommuneRules, Intent

CONSUMER_RECEIVED = "notify-dossier-received"
CONSUMER_RETURNED = "notify-result-returned"
CONSUMER_RESCHEDULED = "notify-dossier-rescheduled"
CONSUMER_READY = "notify-result-ready"
CONSUMER_SURVEY = "notify-survey-submitted"
CONSUMER_FEEDBACK = "notify-feedback-answered"
CONSUMER_BOOKED = "notify-session-booked"
CONSUMER_BALLOT = "notify-ballot-opened"
CONSUMER_BOOKING_CANCELLED = "notify-session-booking-cancelled"


class NotifyStore(Protocol):
    async def commune_settings(self, commune_code: str) -> dict: ...
    async def dossier(self, dossier_id: str) -> dict | None: ...
    async def remember_dossier(self, document: dict) -> None: ...
    async def add_intents(self, documents: list[dict]) -> int: ...
    async def skip_pending_intent(self, key: str, reason: str, now: datetime) -> bool: ...


class NotifyUnitOfWork(UnitOfWork, Protocol):
    store: NotifyStore


UowFactory = Callable[[], NotifyUnitOfWork]


def _intent_documents(envelope: Envelope, go: list[Intent], skipped: list[rules.Skip], *, dossier_id: str | None,
                      dossier_code: str | None, procedure_code: str | None, now: datetime,
                      booking_id: str | None = None) -> list[dict]:
    def document(intent: Intent, status: str, skip_reason: str | None) -> dict:
        return {
            "_id": intent.key,
            "commune_code": envelope.commune_code,
            "dossier_id": dossier_id,
            "booking_id": booking_id,
            "dossier_code": dossier_code,
            "procedure_code": procedure_code,
            "purpose": intent.purpose.value,
            "letter_type": intent.letter_type.value if intent.letter_type else None,
            "rule": intent.rule.value,
            "reason": intent.reason,
            "details": intent.details,
            "status": status,
            "skip_reason": skip_reason,
            "not_before": intent.not_before,
            "next_attempt_at": intent.not_before or now,
            "attempts": 0,
            "caused_by_event_id": str(envelope.event_id),
            "event_type": envelope.event_type,
            "correlation_id": envelope.correlation_id,
            "created_at": now,
        }

    return [document(i, "pending", None) for i in go] + [document(s.intent, "skipped", s.reason) for s in skipped]


async def _record(uow: NotifyUnitOfWork, consumer: str, envelope: Envelope, intents: list[Intent], *,
                  dossier_id: str | None, dossier_code: str | None, procedure_code: str | None = None,
                  consent_letters: bool | None = None, remember: dict | None = None,
                  booking_id: str | None = None) -> bool:
    async def effect(u: NotifyUnitOfWork) -> None:
        if remember is not None:
            await u.store.remember_dossier(remember)
        if not intents:
            return
        settings = await u.store.commune_settings(envelope.commune_code)
        letters_consent = consent_letters
        if letters_consent is None and dossier_id is not None:
            known = await u.store.dossier(dossier_id)
            # Unknown receipt (events of another era): the contact decides at resolve time.
            letters_consent = None if known is None else bool(known.get("consent_letters"))
        go, skipped = rules.decide(intents, CommuneRules.from_switches(settings.get("rules")), letters_consent)
        now = datetime.now(UTC)
        await u.store.add_intents(_intent_documents(envelope, go, skipped, dossier_id=dossier_id,
                                                    dossier_code=dossier_code, procedure_code=procedure_code, now=now,
                                                    booking_id=booking_id))

    return await apply_once(uow, consumer, str(envelope.event_id), effect)


async def on_dossier_received(envelope: Envelope[DossierReceived], uow: NotifyUnitOfWork) -> bool:
    data = envelope.data
    facts = rules.DossierFacts(
        dossier_id=str(data.dossier_id), dossier_code=data.dossier_code, procedure_code=data.procedure_code,
        procedure_name=data.procedure_name, life_event=data.life_event, consent_letters=data.consent_letters,
        consent_sms=data.consent_sms, received_at=data.received_at, appointment_at=data.appointment_at,
        session_date=data.session_date)
    remember = {
        "_id": str(data.dossier_id), "commune_code": envelope.commune_code, "dossier_code": data.dossier_code,
        "procedure_code": data.procedure_code, "procedure_name": data.procedure_name,
        "life_event": data.life_event.value if data.life_event else None, "consent_letters": data.consent_letters,
        "consent_sms": data.consent_sms, "received_at": data.received_at, "appointment_at": data.appointment_at,
        "session_date": data.session_date.isoformat() if data.session_date else None,
    }
    intents = rules.on_dossier_received(str(envelope.event_id), facts, data.received_at)
    return await _record(uow, CONSUMER_RECEIVED, envelope, intents, dossier_id=str(data.dossier_id),
                         dossier_code=data.dossier_code, procedure_code=data.procedure_code,
                         consent_letters=data.consent_letters, remember=remember)


async def on_result_ready(envelope: Envelope[ResultReady], uow: NotifyUnitOfWork) -> bool:
    data = envelope.data
    intents = rules.on_result_ready(str(envelope.event_id), str(data.dossier_id), data.life_event)
    return await _record(uow, CONSUMER_READY, envelope, intents, dossier_id=str(data.dossier_id),
                         dossier_code=data.dossier_code, procedure_code=data.procedure_code)


async def on_dossier_rescheduled(envelope: Envelope[DossierRescheduled], uow: NotifyUnitOfWork) -> bool:
    data = envelope.data
    intents = rules.on_dossier_rescheduled(str(envelope.event_id), data.reason, data.previous_appointment_at,
                                           data.appointment_at, data.rescheduled_at)
    return await _record(uow, CONSUMER_RESCHEDULED, envelope, intents, dossier_id=str(data.dossier_id),
                         dossier_code=data.dossier_code, procedure_code=data.procedure_code)


async def on_result_returned(envelope: Envelope[ResultReturned], uow: NotifyUnitOfWork) -> bool:
    data = envelope.data
    intents = rules.on_result_returned(str(envelope.event_id), str(data.dossier_id), data.timeliness,
                                       data.rescheduled, data.life_event, data.appointment_at, data.returned_at)
    return await _record(uow, CONSUMER_RETURNED, envelope, intents, dossier_id=str(data.dossier_id),
                         dossier_code=data.dossier_code, procedure_code=data.procedure_code)


async def on_survey_submitted(envelope: Envelope[SurveySubmitted], uow: NotifyUnitOfWork) -> bool:
    data = envelope.data
    dossier_id = str(data.dossier_id) if data.dossier_id else None
    intents = rules.on_survey_submitted(str(envelope.event_id), dossier_id, data.anonymous)
    return await _record(uow, CONSUMER_SURVEY, envelope, intents, dossier_id=dossier_id,
                         dossier_code=data.dossier_code, procedure_code=data.procedure_code)


async def on_feedback_answered(envelope: Envelope[FeedbackAnswered], uow: NotifyUnitOfWork) -> bool:
    data = envelope.data
    intents = rules.on_feedback_answered(str(envelope.event_id), data.feedback_code)
    # No dossier and no contact in notify: a printed letter for the one-stop shop to hand over or post.
    return await _record(uow, CONSUMER_FEEDBACK, envelope, intents, dossier_id=None, dossier_code=None,
                         procedure_code=data.procedure_code, consent_letters=True)


async def on_session_booked(envelope: Envelope[SessionBooked], uow: NotifyUnitOfWork) -> bool:
    """The reminder of a booked session; the citizen's contact (and whether the booking still
    stands) is asked of intake when the reminder is due."""
    data = envelope.data
    intents = rules.on_session_booked(str(data.booking_id), data.day, data.starts_at, data.ends_at,
                                      data.session_title, data.booking_code, data.booked_at)
    return await _record(uow, CONSUMER_BOOKED, envelope, intents, dossier_id=None, dossier_code=None,
                         procedure_code=data.procedure_code, booking_id=str(data.booking_id))


async def on_session_booking_cancelled(envelope: Envelope[SessionBookingCancelled], uow: NotifyUnitOfWork) -> bool:
    """A cancelled booking's reminder, still waiting, is skipped (shown to officers as such).
    Arriving before the booking's own event is harmless: intake says 'cancelled' at resolve time."""
    data = envelope.data

    async def effect(u: NotifyUnitOfWork) -> None:
        await u.store.skip_pending_intent(f"{data.booking_id}:session_reminder", "booking_cancelled",
                                          datetime.now(UTC))

    return await apply_once(uow, CONSUMER_BOOKING_CANCELLED, str(envelope.event_id), effect)


async def on_ballot_opened(envelope: Envelope[BallotOpened], uow: NotifyUnitOfWork) -> bool:
    """The invitation to rate the service; its link is asked of survey when it goes out."""
    data = envelope.data
    intents = rules.on_ballot_opened(str(data.ballot_id), data.expires_at)
    return await _record(uow, CONSUMER_BALLOT, envelope, intents, dossier_id=str(data.dossier_id),
                         dossier_code=data.dossier_code, procedure_code=data.procedure_code)
