"""Which letters and messages an event calls for. Pure rules: no I/O, no clock.

An event becomes *intents* (one per purpose, with a deterministic id, so a redelivered or
duplicated event cannot make a second one). An intent is resolved later by the delivery
worker, which asks intake for the citizen's contact and applies what only the contact
knows (the citizen opted out, no phone, no e-mail); what the event already tells (the
commune turned the rule off, no consent recorded at intake) is decided here.

- receipt (SMS/e-mail) when a dossier is received;
- result-ready (SMS/e-mail) when the result is ready;
- a reminder the day before an out-of-hours session the citizen booked (``SessionBooked``; a
  cancelled booking gets none), and when a receipt names a session date still ahead;
- an apology letter (form 04) with the new appointment for every reschedule, and one for a
  late result that was not rescheduled (a rescheduled dossier already had its apology);
- the letter of a life event: congratulations on a marriage or a birth, condolences on a
  death — decided by the event's ``life_event``, never by a procedure code — once per
  dossier, prepared when the result is ready so it is handed over with the certificate
  (or when the result is returned, whichever notify sees first);
- thanks after a satisfaction ballot of a dossier, or after a feedback item was answered;
- an invitation to rate the service (the ballot's one-time link) when survey opens a ballot
  for a returned dossier — once per ballot, and not once it is answered or expired.

Consent: letters beyond the procedure (congratulation, condolence, thanks) need the
citizen's ``consent_letters``; SMS needs ``consent_sms``. The apology letter is part of the
procedure (form 04) and is always printed; every message by SMS, e-mail or Zalo is optional
and stops when the citizen opts out.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from enum import StrEnum
from typing import Any

from motcua_contracts import LetterType, LifeEvent, Timeliness

VIETNAM = timezone(timedelta(hours=7))


class Purpose(StrEnum):
    """Why notify writes to a citizen: a message purpose or a letter type."""

    RECEIPT = "receipt"
    RESULT_READY = "result_ready"
    SESSION_REMINDER = "session_reminder"
    APOLOGY = "apology"
    CONGRATULATION = "congratulation"
    CONDOLENCE = "condolence"
    THANKS = "thanks"
    BALLOT = "ballot"


LETTERS = {Purpose.APOLOGY: LetterType.APOLOGY, Purpose.CONGRATULATION: LetterType.CONGRATULATION,
           Purpose.CONDOLENCE: LetterType.CONDOLENCE, Purpose.THANKS: LetterType.THANKS}

#: Letters that go beyond the procedure itself: only with the citizen's consent.
NEEDS_LETTER_CONSENT = frozenset({Purpose.CONGRATULATION, Purpose.CONDOLENCE, Purpose.THANKS})


class RuleName(StrEnum):
    """What a commune can turn on or off (all on by default)."""

    RECEIPT = "receipt"
    RESULT_READY = "result_ready"
    SESSION_REMINDER = "session_reminder"
    APOLOGY = "apology"
    CONGRATULATION = "congratulation"
    CONDOLENCE = "condolence"
    THANKS_BALLOT = "thanks_ballot"
    THANKS_FEEDBACK = "thanks_feedback"
    BALLOT_INVITATION = "ballot_invitation"


RULE_VI = {
    RuleName.RECEIPT: "Tin nhắn tiếp nhận hồ sơ",
    RuleName.RESULT_READY: "Tin nhắn báo có kết quả",
    RuleName.SESSION_REMINDER: "Nhắc lịch phiên ngoài giờ",
    RuleName.APOLOGY: "Thư xin lỗi và hẹn lại ngày trả kết quả",
    RuleName.CONGRATULATION: "Thư chúc mừng (kết hôn, khai sinh)",
    RuleName.CONDOLENCE: "Thư chia buồn (khai tử)",
    RuleName.THANKS_BALLOT: "Thư cảm ơn sau phiếu đánh giá",
    RuleName.THANKS_FEEDBACK: "Thư cảm ơn sau khi trả lời phản ánh, kiến nghị",
    RuleName.BALLOT_INVITATION: "Tin nhắn mời đánh giá sự hài lòng (đường dẫn phiếu)",
}
RULE_EN = {
    RuleName.RECEIPT: "Receipt message",
    RuleName.RESULT_READY: "Result-ready message",
    RuleName.SESSION_REMINDER: "Out-of-hours session reminder",
    RuleName.APOLOGY: "Apology letter with the new date",
    RuleName.CONGRATULATION: "Congratulation letter (marriage, birth)",
    RuleName.CONDOLENCE: "Condolence letter (death)",
    RuleName.THANKS_BALLOT: "Thanks after a satisfaction ballot",
    RuleName.THANKS_FEEDBACK: "Thanks after a feedback item was answered",
    RuleName.BALLOT_INVITATION: "Invitation to rate the service (the ballot's link)",
}


@dataclass(frozen=True)
class CommuneRules:
    """The commune's switches; a rule not mentioned is on."""

    off: frozenset[str] = frozenset()

    def allows(self, rule: RuleName) -> bool:
        return rule not in self.off

    @classmethod
    def from_switches(cls, switches: dict[str, bool] | None) -> "CommuneRules":
        return cls(frozenset(k for k, on in (switches or {}).items() if not on))

    def switches(self) -> dict[str, bool]:
        return {rule.value: rule not in self.off for rule in RuleName}


@dataclass(frozen=True)
class DossierFacts:
    """What notify remembers of a dossier from its receipt (no personal data)."""

    dossier_id: str
    dossier_code: str
    procedure_code: str = ""
    procedure_name: str = ""
    life_event: str | None = None
    consent_letters: bool = False
    consent_sms: bool = False
    received_at: datetime | None = None
    appointment_at: datetime | None = None
    session_date: date | None = None


@dataclass(frozen=True)
class Intent:
    """One letter or message (on every channel it goes) that an event calls for."""

    key: str  # deterministic: the same event (or dossier, for life-event letters) gives the same key
    purpose: Purpose
    rule: RuleName
    reason: str  # 'receipt', 'result_ready', 'session', 'rescheduled', 'late', 'life_event', 'ballot', 'feedback'
    #: Not before (a reminder waits for the day before its session).
    not_before: datetime | None = None
    details: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def letter_type(self) -> LetterType | None:
        return LETTERS.get(self.purpose)


@dataclass(frozen=True)
class Skip:
    """An intent that will not be sent, and why (shown to officers)."""

    intent: Intent
    reason: str


LIFE_EVENT_LETTER = {
    LifeEvent.MARRIAGE: Purpose.CONGRATULATION,
    LifeEvent.BIRTH: Purpose.CONGRATULATION,
    LifeEvent.DEATH: Purpose.CONDOLENCE,
}
REMINDER_LOCAL_TIME = time(16, 0)


def decide(intents: list[Intent], rules: CommuneRules, consent_letters: bool | None) -> tuple[list[Intent], list[Skip]]:
    """Split intents into those to go ahead and those skipped (rule off; no letter consent)."""
    go, skipped = [], []
    for intent in intents:
        if not rules.allows(intent.rule):
            skipped.append(Skip(intent, "rule_off"))
        elif intent.purpose in NEEDS_LETTER_CONSENT and consent_letters is False:
            skipped.append(Skip(intent, "no_consent"))
        else:
            go.append(intent)
    return go, skipped


def on_dossier_received(event_id: str, facts: DossierFacts, received_at: datetime) -> list[Intent]:
    intents = [Intent(f"{event_id}:receipt", Purpose.RECEIPT, RuleName.RECEIPT, "receipt")]
    reminder_at = session_reminder_time(facts.session_date, received_at)
    if reminder_at is not None:
        intents.append(Intent(f"{event_id}:session_reminder", Purpose.SESSION_REMINDER, RuleName.SESSION_REMINDER,
                              "session", not_before=reminder_at,
                              details={"session_date": facts.session_date.isoformat()}))
    return intents


def session_reminder_time(session_date: date | None, received_at: datetime) -> datetime | None:
    """16:00 local on the day before the session, if that is still ahead of the receipt."""
    if session_date is None:
        return None
    at = datetime.combine(session_date - timedelta(days=1), REMINDER_LOCAL_TIME, tzinfo=VIETNAM).astimezone(UTC)
    return at if at > received_at else None


def on_session_booked(booking_id: str, day: date, starts_at: datetime, ends_at: datetime, title: str,
                      booking_code: str, booked_at: datetime) -> list[Intent]:
    """One reminder per booking (its key is the booking's: a repeated event adds nothing),
    at 16:00 the day before; none when the booking came after that moment."""
    reminder_at = session_reminder_time(day, booked_at)
    if reminder_at is None:
        return []
    local_open, local_close = starts_at.astimezone(VIETNAM), ends_at.astimezone(VIETNAM)
    return [Intent(f"{booking_id}:session_reminder", Purpose.SESSION_REMINDER, RuleName.SESSION_REMINDER, "booking",
                   not_before=reminder_at, details={
                       "session_date": day.isoformat(), "session_title": title, "booking_code": booking_code,
                       "session_time": f"{local_open:%H:%M}–{local_close:%H:%M}"})]


def life_event_letter(dossier_id: str, life_event: str | None) -> Intent | None:
    """The letter of a life event: at most one per dossier, whichever event asks first."""
    if life_event is None:
        return None
    purpose = LIFE_EVENT_LETTER[LifeEvent(life_event)]
    rule = RuleName.CONGRATULATION if purpose is Purpose.CONGRATULATION else RuleName.CONDOLENCE
    return Intent(f"{dossier_id}:life_event", purpose, rule, "life_event", details={"life_event": str(life_event)})


def on_result_ready(event_id: str, dossier_id: str, life_event: str | None) -> list[Intent]:
    intents = [Intent(f"{event_id}:result_ready", Purpose.RESULT_READY, RuleName.RESULT_READY, "result_ready")]
    letter = life_event_letter(dossier_id, life_event)
    return intents + ([letter] if letter else [])


def on_dossier_rescheduled(event_id: str, reason: str, previous: datetime, new: datetime,
                           rescheduled_at: datetime) -> list[Intent]:
    """Every reschedule calls for its own apology with the new appointment."""
    return [Intent(f"{event_id}:apology", Purpose.APOLOGY, RuleName.APOLOGY, "rescheduled", details={
        "reason": reason, "previous_appointment_at": previous, "appointment_at": new,
        "rescheduled_at": rescheduled_at})]


def on_result_returned(event_id: str, dossier_id: str, timeliness: Timeliness, rescheduled: bool,
                       life_event: str | None, appointment_at: datetime, returned_at: datetime) -> list[Intent]:
    intents = []
    if timeliness is Timeliness.LATE and not rescheduled:
        intents.append(Intent(f"{event_id}:apology", Purpose.APOLOGY, RuleName.APOLOGY, "late", details={
            "reason": "", "previous_appointment_at": appointment_at, "appointment_at": returned_at}))
    letter = life_event_letter(dossier_id, life_event)
    return intents + ([letter] if letter else [])


def on_survey_submitted(event_id: str, dossier_id: str | None, anonymous: bool) -> list[Intent]:
    """Thanks for a ballot the citizen signed (a dossier's ballot); anonymous answers get none."""
    if dossier_id is None or anonymous:
        return []
    return [Intent(f"{dossier_id}:thanks_ballot", Purpose.THANKS, RuleName.THANKS_BALLOT, "ballot")]


def on_ballot_opened(ballot_id: str, expires_at: datetime) -> list[Intent]:
    """One invitation per ballot (its key is the ballot's)."""
    return [Intent(f"{ballot_id}:ballot", Purpose.BALLOT, RuleName.BALLOT_INVITATION, "ballot_opened",
                   details={"ballot_id": ballot_id, "ballot_expires_at": expires_at})]


def on_feedback_answered(event_id: str, feedback_code: str) -> list[Intent]:
    return [Intent(f"{event_id}:thanks_feedback", Purpose.THANKS, RuleName.THANKS_FEEDBACK, "feedback",
                   details={"feedback_code": feedback_code})]


# --------------------------------------------------------------------------- channels


@dataclass(frozen=True)
class Contact:
    """What intake tells notify about a dossier's citizen (never stored by notify)."""

    applicant_name: str
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    consent_letters: bool = False
    consent_sms: bool = False
    opted_out: bool = False
    #: A session booking that was cancelled: its reminder is not sent.
    cancelled: bool = False


@dataclass(frozen=True)
class ChannelPlan:
    letter: bool  # print a letter (and offer it in the commune's print queue)
    messages: tuple[str, ...]  # 'sms', 'email', 'zalo'
    skipped: str | None = None  # why nothing at all goes out


def channels_for(purpose: Purpose, contact: Contact | None, zalo_enabled: bool = False) -> ChannelPlan:
    """Which channels an intent goes by, given the citizen's contact (``None``: no dossier, e.g.
    thanks for an answered feedback item — a printed letter only)."""
    letter = purpose in LETTERS
    if contact is None:
        return ChannelPlan(letter, ())
    if contact.cancelled:
        return ChannelPlan(False, (), "booking_cancelled")
    if purpose in NEEDS_LETTER_CONSENT and not contact.consent_letters:
        return ChannelPlan(False, (), "no_consent")
    if contact.opted_out:
        # The apology letter belongs to the procedure (form 04): printed even so.
        return ChannelPlan(purpose is Purpose.APOLOGY, (), None if purpose is Purpose.APOLOGY else "opted_out")
    messages = []
    if contact.phone and contact.consent_sms and purpose in (Purpose.RECEIPT, Purpose.RESULT_READY,
                                                            Purpose.SESSION_REMINDER, Purpose.APOLOGY,
                                                            Purpose.BALLOT):
        messages.append("sms")
        if zalo_enabled:
            messages.append("zalo")
    if contact.email:
        messages.append("email")
    if not letter and not messages:
        return ChannelPlan(False, (), "no_channel")
    return ChannelPlan(letter, tuple(messages))
