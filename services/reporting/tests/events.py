"""Builders of real event envelopes (the contracts' own classes) for reporting's tests and bench:
each fact at a given local time (Vietnam, UTC+7), ``occurred_at`` = the fact's time."""

import uuid
from datetime import datetime, timedelta, timezone

from motcua_contracts import (
    DossierReceived,
    DossierRefused,
    DossierRescheduled,
    DossierSupplementRequested,
    DossierWithdrawn,
    FeedbackAnswered,
    FeedbackReceived,
    LetterIssued,
    MessageFailed,
    MessageSent,
    ResultReturned,
    SessionBooked,
    SessionBookingCancelled,
    SurveySubmitted,
    new_envelope,
)

VN = timezone(timedelta(hours=7))

PROCEDURES = {"HT-KHAISINH": ("ho_tich", "Đăng ký khai sinh"), "CT-CHUKY": ("chung_thuc", "Chứng thực chữ ký"),
              "HT-KETHON": ("ho_tich", "Đăng ký kết hôn")}


def at(text: str) -> datetime:
    """'2026-03-02 09:00' local time -> an aware datetime."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=VN)


class Dossier:
    """One dossier of a commune; each method returns the envelope of one fact of its life."""

    def __init__(self, commune: str, n: int, procedure: str = "HT-KHAISINH", channel: str = "counter",
                 received: str = "2026-03-02 08:00", due: str = "2026-03-05 17:00", officer: str | None = "cb1",
                 session_id: uuid.UUID | None = None, assisted: bool = False) -> None:
        self.commune, self.procedure, self.channel = commune, procedure, channel
        self.field, self.procedure_name = PROCEDURES[procedure]
        self.code = f"{commune}-260302-{n:04d}"
        self.id = uuid.uuid4()
        self.received_at, self.due_at = at(received), at(due)
        self.appointment_at = self.due_at
        self.officer, self.session_id, self.assisted = officer, session_id, assisted

    def _envelope(self, data, when: datetime, source: str = "intake"):
        return new_envelope(data, source=source, commune_code=self.commune, correlation_id="test", occurred_at=when)

    def _common(self) -> dict:
        return dict(dossier_id=self.id, dossier_code=self.code, procedure_code=self.procedure, field=self.field,
                    channel=self.channel, officer_id=self.officer, received_at=self.received_at,
                    appointment_at=self.appointment_at, due_at=self.due_at)

    def received(self):
        return self._envelope(DossierReceived(
            dossier_id=self.id, dossier_code=self.code, procedure_code=self.procedure,
            procedure_name=self.procedure_name, field=self.field, channel=self.channel,
            received_at=self.received_at, appointment_at=self.appointment_at, processing_days=3,
            applicant_name_masked="N** V** A", session_id=self.session_id,
            session_date=self.received_at.date() if self.session_id else None, assisted=self.assisted,
            received_by=self.officer), self.received_at)

    def returned(self, when: str, timeliness: str, days: float | None, *, at_home: bool = False,
                 rescheduled: bool = False, free: bool = False):
        moment = at(when)
        return self._envelope(ResultReturned(
            dossier_id=self.id, dossier_code=self.code, procedure_code=self.procedure, field=self.field,
            received_at=self.received_at, appointment_at=self.appointment_at, returned_at=moment,
            timeliness=timeliness, return_channel="at_home" if at_home else "counter", officer_id=self.officer,
            channel=self.channel, due_at=self.due_at, rescheduled=rescheduled, free_of_charge=free,
            processing_working_days=days), moment)

    def rescheduled(self, when: str, new_appointment: str):
        moment, previous = at(when), self.appointment_at
        self.appointment_at = at(new_appointment)
        return self._envelope(DossierRescheduled(**self._common(), previous_appointment_at=previous,
                                                 reason="Chờ xác minh", rescheduled_at=moment), moment)

    def refused(self, when: str):
        moment = at(when)
        return self._envelope(DossierRefused(**self._common(), reason="Không đủ điều kiện", refused_at=moment),
                              moment)

    def supplement_requested(self, when: str):
        moment = at(when)
        return self._envelope(DossierSupplementRequested(**self._common(), missing_items=["Tờ khai"],
                                                         requested_at=moment), moment)

    def withdrawn(self, when: str):
        moment = at(when)
        return self._envelope(DossierWithdrawn(**self._common(), reason="Công dân xin rút", withdrawn_at=moment),
                              moment)

    def ballot(self, when: str, overall: int, *, complaint: bool = False, factors: dict | None = None,
               campaign: uuid.UUID | None = None):
        return ballot(self.commune, when, overall, dossier=self, complaint=complaint, factors=factors,
                      campaign=campaign)

    def letter(self, when: str, letter_type: str, reason: str, life_event: str | None = None):
        return letter(self.commune, when, letter_type, reason, life_event, dossier=self)


def ballot(commune: str, when: str, overall: int, *, dossier: Dossier | None = None, complaint: bool = False,
           factors: dict | None = None, campaign: uuid.UUID | None = None, officer: str | None = None,
           channel: str = "online"):
    moment = at(when)
    data = SurveySubmitted(
        ballot_id=uuid.uuid4(), dossier_id=dossier.id if dossier else None,
        dossier_code=dossier.code if dossier else None, procedure_code=dossier.procedure if dossier else None,
        officer_id=(dossier.officer if dossier else officer), overall=overall, satisfied=overall >= 4,
        factors=factors or {}, submitted_at=moment, channel=channel, field=dossier.field if dossier else None,
        campaign_id=campaign, complaint=complaint, anonymous=dossier is None)
    return new_envelope(data, source="survey", commune_code=commune, correlation_id="test", occurred_at=moment)


def letter(commune: str, when: str, letter_type: str, reason: str, life_event: str | None = None,
           dossier: Dossier | None = None):
    moment = at(when)
    data = LetterIssued(letter_id=uuid.uuid4(), letter_type=letter_type, channel="print",
                        dossier_id=dossier.id if dossier else None, dossier_code=dossier.code if dossier else None,
                        procedure_code=dossier.procedure if dossier else None, life_event=life_event, reason=reason,
                        issued_at=moment)
    return new_envelope(data, source="notify", commune_code=commune, correlation_id="test", occurred_at=moment)


def message(commune: str, when: str, channel: str, sent: bool):
    moment = at(when)
    common = dict(message_id=uuid.uuid4(), channel=channel, purpose="receipt", attempts=1)
    data = MessageSent(**common, sent_at=moment) if sent else MessageFailed(**common, reason="số không liên lạc được",
                                                                             failed_at=moment)
    return new_envelope(data, source="notify", commune_code=commune, correlation_id="test", occurred_at=moment)


def feedback(commune: str, received: str, answered: str | None = None, on_time: bool = True):
    fid, code = uuid.uuid4(), f"PA-{uuid.uuid4().hex[:6]}"
    r = at(received)
    out = [new_envelope(FeedbackReceived(feedback_id=fid, feedback_code=code, kind="feedback", received_at=r,
                                         due_at=r + timedelta(days=10)),
                        source="survey", commune_code=commune, correlation_id="test", occurred_at=r)]
    if answered:
        a = at(answered)
        out.append(new_envelope(FeedbackAnswered(feedback_id=fid, feedback_code=code, kind="feedback", received_at=r,
                                                 due_at=r + timedelta(days=10), answered_at=a, on_time=on_time),
                                source="survey", commune_code=commune, correlation_id="test", occurred_at=a))
    return out


def booking(commune: str, when: str, session_id: uuid.UUID, session_day: str, *,
            title: str = "Chủ nhật thân thiện", booking_id: uuid.UUID | None = None):
    """A citizen booked (at local time ``when``) a slot of ``session_id`` on ``session_day``."""
    moment = at(when)
    day = datetime.strptime(session_day, "%Y-%m-%d").date()
    starts = datetime.combine(day, datetime.min.time(), VN) + timedelta(hours=7, minutes=30)
    data = SessionBooked(
        booking_id=booking_id or uuid.uuid4(), booking_code=f"DK-{day:%y%m%d}-{uuid.uuid4().hex[:6]}",
        session_id=session_id, session_title=title, day=day, starts_at=starts, ends_at=starts + timedelta(hours=3),
        procedure_code="HT-KHAISINH", applicant_name_masked="N** V** B**", applicant_phone_masked="*******678",
        consent_sms=True, booked_at=moment)
    return new_envelope(data, source="intake", commune_code=commune, correlation_id="test", occurred_at=moment)


def booking_cancelled(booked, when: str, by: str = "citizen"):
    """The cancellation (at local time ``when``) of the booking announced by ``booked``."""
    moment = at(when)
    data = SessionBookingCancelled(booking_id=booked.data.booking_id, session_id=booked.data.session_id,
                                   day=booked.data.day, cancelled_by=by, cancelled_at=moment)
    return new_envelope(data, source="intake", commune_code=booked.commune_code, correlation_id="test",
                        occurred_at=moment)
