"""The events, version 1.

Each class is the ``data`` of an :class:`~motcua_contracts.envelope.Envelope`.
Events carry no full personal data: no citizen ID number, no phone number, no
address. Subscribers get references (dossier id/code) and masked values only.
"""

from datetime import date, datetime
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from motcua_contracts.types import (
    Channel,
    FeedbackKind,
    LetterType,
    LifeEvent,
    NotifyChannel,
    ReturnChannel,
    SurveyChannel,
    Timeliness,
)


class EventData(BaseModel):
    """Base of every event's data: frozen, and tolerant of fields it does not know."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    #: The service that owns (publishes) this event.
    owner: ClassVar[str]
    #: Public events may be given to other systems (catalogue, NATS users, webhooks);
    #: internal ones serve the services' own work. Neither carries full personal data.
    public: ClassVar[bool] = True


class DossierReceived(EventData):
    """A commune's one-stop shop accepted a dossier and gave a receipt (form 01)."""

    event_type: ClassVar[str] = "DossierReceived"
    owner: ClassVar[str] = "intake"

    dossier_id: UUID = Field(description="Intake's id of the dossier.")
    dossier_code: str = Field(description="Dossier code '<unit code>-YYMMDD-NNNN' printed on the receipt.")
    procedure_code: str = Field(description="Code of the administrative procedure (TTHC).")
    procedure_name: str = Field(description="Vietnamese name of the procedure.")
    field: str = Field(description="Field (lĩnh vực) of the procedure, e.g. 'ho_tich'.")
    life_event: LifeEvent | None = Field(
        default=None, description="Civil-status life event the procedure records, if any."
    )
    channel: Channel = Field(description="How the dossier was submitted.")
    received_at: datetime = Field(description="When the dossier was received (UTC).")
    appointment_at: datetime = Field(description="Appointment date for the result (UTC).")
    processing_days: float = Field(ge=0, description="Legal processing time in working days.")
    applicant_name_masked: str = Field(description="Applicant's name with all but initials hidden.")
    applicant_phone_masked: str | None = Field(
        default=None, description="Phone with all but the last 3 digits hidden, if given."
    )
    consent_letters: bool = Field(
        default=False, description="Citizen agreed to letters beyond the procedure (congratulations...)."
    )
    consent_sms: bool = Field(default=False, description="Citizen agreed to receive SMS.")
    session_id: UUID | None = Field(default=None, description="Out-of-hours session it was received in, if any.")
    session_date: date | None = Field(default=None, description="Local date of that session.")
    assisted: bool = Field(default=False, description="A volunteer assisted the (online) submission.")
    received_by: str | None = Field(default=None, description="Officer (user id) who received the dossier.")


class ResultReturned(EventData):
    """The result of a dossier was handed back to the citizen."""

    event_type: ClassVar[str] = "ResultReturned"
    owner: ClassVar[str] = "intake"

    dossier_id: UUID
    dossier_code: str
    procedure_code: str
    field: str
    received_at: datetime
    appointment_at: datetime
    returned_at: datetime = Field(description="When the result was handed back (UTC).")
    timeliness: Timeliness = Field(description="Early, on time or late against appointment_at.")
    return_channel: ReturnChannel
    officer_id: str | None = Field(default=None, description="Officer who handled the dossier.")
    channel: Channel | None = Field(default=None, description="How the dossier was submitted.")
    life_event: LifeEvent | None = Field(default=None, description="Life event the procedure records.")
    due_at: datetime | None = Field(
        default=None, description="Legal due time (moved only by supplement pauses); timeliness is against it."
    )
    rescheduled: bool = Field(default=False, description="The appointment was moved with an apology.")
    free_of_charge: bool = Field(default=False, description="Returned at home free of charge (priority group).")
    processing_working_days: float | None = Field(
        default=None, ge=0,
        description="Working days from receipt to return on the commune's calendar, supplement pauses excluded.",
    )


class DossierEvent(EventData):
    """Fields every dossier lifecycle event carries (what subscribers need, no personal data)."""

    owner: ClassVar[str] = "intake"

    dossier_id: UUID
    dossier_code: str
    procedure_code: str
    field: str
    channel: Channel
    life_event: LifeEvent | None = None
    officer_id: str | None = Field(default=None, description="Officer the dossier is assigned to, if any.")
    received_at: datetime
    appointment_at: datetime = Field(description="Current appointment promised to the citizen.")
    due_at: datetime = Field(description="Legal due time (moved only by supplement pauses).")


class DossierSupplementRequested(DossierEvent):
    """The dossier lacks documents: the citizen was asked, once and in writing (form 02), for all of them."""

    event_type: ClassVar[str] = "DossierSupplementRequested"
    missing_items: list[str] = Field(description="Every missing or faulty item, listed once.")
    requested_at: datetime


class DossierSupplemented(DossierEvent):
    """The citizen brought what was missing; the clock runs again (appointment_at is the new date)."""

    event_type: ClassVar[str] = "DossierSupplemented"
    supplemented_at: datetime


class DossierRefused(DossierEvent):
    """The dossier was refused with a reason (form 03)."""

    event_type: ClassVar[str] = "DossierRefused"
    reason: str
    refused_at: datetime


class DossierAssigned(DossierEvent):
    """An officer and a handling body took the dossier in charge ("5 rõ": clear person, clear task)."""

    event_type: ClassVar[str] = "DossierAssigned"
    handling_body: str
    assigned_at: datetime


class DossierHandedOver(DossierEvent):
    """The dossier moved between bodies: one row of the control slip (form 05)."""

    event_type: ClassVar[str] = "DossierHandedOver"
    from_body: str
    to_body: str
    handed_at: datetime
    step_due_at: datetime = Field(description="When the receiving body must hand it on.")
    previous_step_timeliness: Timeliness | None = Field(
        default=None, description="Whether the handing body met its own step due date."
    )


class ResultReady(DossierEvent):
    """The result is ready to be handed back."""

    event_type: ClassVar[str] = "ResultReady"
    ready_at: datetime


class DossierRescheduled(DossierEvent):
    """The result will be late: a new appointment with a reason, and an apology (form 04)."""

    event_type: ClassVar[str] = "DossierRescheduled"
    previous_appointment_at: datetime
    reason: str
    rescheduled_at: datetime


class DossierWithdrawn(DossierEvent):
    """The citizen withdrew the dossier."""

    event_type: ClassVar[str] = "DossierWithdrawn"
    reason: str
    withdrawn_at: datetime


class DossierTransferred(DossierEvent):
    """The dossier was transferred to another commune (it ends here)."""

    event_type: ClassVar[str] = "DossierTransferred"
    to_commune_code: str
    reason: str
    transferred_at: datetime


class DossierDueSoon(DossierEvent):
    """The dossier is due within one working day and has no result yet."""

    event_type: ClassVar[str] = "DossierDueSoon"
    detected_at: datetime


class DossierOverdue(DossierEvent):
    """The dossier passed its appointment without a result."""

    event_type: ClassVar[str] = "DossierOverdue"
    detected_at: datetime


class BallotOpened(EventData):
    """A satisfaction ballot was opened for a dossier whose result was returned."""

    event_type: ClassVar[str] = "BallotOpened"
    owner: ClassVar[str] = "survey"

    ballot_id: UUID
    dossier_id: UUID
    dossier_code: str
    procedure_code: str
    officer_id: str | None = None
    expires_at: datetime


class SurveySubmitted(EventData):
    """A satisfaction answer was recorded (SIPAS 5-point scale): ballot link, kiosk, paper or survey team.

    Carries no citizen identity: an anonymous answer keeps only commune, procedure and officer.
    """

    event_type: ClassVar[str] = "SurveySubmitted"
    owner: ClassVar[str] = "survey"

    ballot_id: UUID = Field(description="Id of the ballot; a kiosk, paper or phone answer gets its own.")
    dossier_id: UUID | None = Field(default=None, description="None for anonymous or paper ballots.")
    dossier_code: str | None = None
    procedure_code: str | None = None
    officer_id: str | None = None
    overall: int = Field(ge=1, le=5, description="Overall rating, 1 (very unsatisfied) to 5 (very satisfied).")
    satisfied: bool = Field(description="True when overall is 4 or 5.")
    factors: dict[str, int] = Field(
        default_factory=dict,
        description="SIPAS factor scores 1-5 the citizen gave: access, procedure, officer, result, feedback.",
    )
    submitted_at: datetime
    channel: SurveyChannel = Field(default=SurveyChannel.ONLINE, description="How the answer was collected.")
    field: str | None = Field(default=None, description="Field (lĩnh vực) of the procedure, if known.")
    campaign_id: UUID | None = Field(default=None, description="Survey campaign the answer belongs to, if any.")
    team_id: str | None = Field(default=None, description="Survey team that entered it (paper, phone).")
    question_set: str | None = Field(
        default=None, description="Version of the question set, e.g. 'sipas-2025.1', so figures stay comparable."
    )
    commitments: dict[str, int] = Field(
        default_factory=dict,
        description="Scores 1-5 on the officers' commitments ('5 biết', '3 không', '4 thể hiện'), by key.",
    )
    visits: int | None = Field(default=None, ge=1, description="How many times the citizen had to come.")
    complaint: bool = Field(default=False, description="The citizen ticked a complaint.")
    anonymous: bool = Field(default=False, description="Stored without the citizen's identity.")


class FollowUpRaised(EventData):
    """A complaint or a very low score raised a follow-up item for the commune leader."""

    event_type: ClassVar[str] = "FollowUpRaised"
    owner: ClassVar[str] = "survey"
    public: ClassVar[bool] = False

    follow_up_id: UUID
    ballot_id: UUID
    reason: str = Field(description="'complaint' or 'low_score'.")
    dossier_code: str | None = None
    procedure_code: str | None = None
    officer_id: str | None = None
    raised_at: datetime


class FeedbackReceived(EventData):
    """A citizen or business sent feedback (phản ánh) or a petition (kiến nghị)."""

    event_type: ClassVar[str] = "FeedbackReceived"
    owner: ClassVar[str] = "survey"

    feedback_id: UUID
    feedback_code: str = Field(description="Public code the sender uses to follow the item.")
    kind: FeedbackKind
    procedure_code: str | None = None
    officer_id: str | None = None
    dossier_code: str | None = None
    received_at: datetime
    due_at: datetime = Field(description="Reply due, in working days from receipt.")


class FeedbackAnswered(EventData):
    """A feedback item or petition got its reply."""

    event_type: ClassVar[str] = "FeedbackAnswered"
    owner: ClassVar[str] = "survey"

    feedback_id: UUID
    feedback_code: str
    kind: FeedbackKind
    procedure_code: str | None = None
    officer_id: str | None = None
    received_at: datetime
    due_at: datetime
    answered_at: datetime
    on_time: bool = Field(description="Answered on or before due_at.")


class LetterIssued(EventData):
    """Notify issued a letter: apology, congratulation, condolence or thanks."""

    event_type: ClassVar[str] = "LetterIssued"
    owner: ClassVar[str] = "notify"

    letter_id: UUID
    letter_type: LetterType
    channel: NotifyChannel = Field(description="print, email or zalo.")
    dossier_id: UUID | None = None
    dossier_code: str | None = None
    procedure_code: str | None = None
    life_event: LifeEvent | None = None
    reason: str = Field(
        description="Why: 'rescheduled', 'late', 'life_event', 'ballot', 'feedback'."
    )
    caused_by_event_id: UUID | None = Field(default=None, description="The event that called for the letter.")
    issued_at: datetime


class MessageSent(EventData):
    """A message (SMS, email, Zalo) reached its final delivered status."""

    event_type: ClassVar[str] = "MessageSent"
    owner: ClassVar[str] = "notify"
    public: ClassVar[bool] = False

    message_id: UUID
    channel: NotifyChannel
    purpose: str = Field(description="Why it was sent: 'receipt', 'result_ready', 'session_reminder', 'apology' "
                                     "(SMS), 'ballot' (invitation to rate), or 'letter' (a letter by e-mail).")
    dossier_id: UUID | None = None
    dossier_code: str | None = None
    attempts: int = Field(ge=1)
    sent_at: datetime


class MessageFailed(EventData):
    """A message ended in permanent failure (after retries, or refused by the provider)."""

    event_type: ClassVar[str] = "MessageFailed"
    owner: ClassVar[str] = "notify"
    public: ClassVar[bool] = False

    message_id: UUID
    channel: NotifyChannel
    purpose: str
    dossier_id: UUID | None = None
    dossier_code: str | None = None
    attempts: int = Field(ge=1)
    reason: str
    failed_at: datetime


class SessionBooked(EventData):
    """A citizen booked a slot in an out-of-hours session (phiên làm việc ngoài giờ)."""

    event_type: ClassVar[str] = "SessionBooked"
    owner: ClassVar[str] = "intake"

    booking_id: UUID = Field(description="Intake's id of the booking.")
    booking_code: str = Field(description="The reference read out to the citizen, 'DK-<yymmdd>-<6 hex>'.")
    session_id: UUID = Field(description="The recurring session the slot belongs to.")
    session_title: str = Field(description="The session's name, e.g. '60 phút vì dân'.")
    day: date = Field(description="Local date of the session the citizen booked.")
    starts_at: datetime = Field(description="When that session opens (UTC).")
    ends_at: datetime = Field(description="When it closes (UTC).")
    procedure_code: str | None = Field(default=None, description="The procedure the citizen comes for, if said.")
    applicant_name_masked: str = Field(description="The citizen's name with all but initials hidden.")
    applicant_phone_masked: str = Field(description="Phone with all but the last 3 digits hidden.")
    consent_sms: bool = Field(default=False, description="The citizen agreed to a reminder by SMS.")
    booked_at: datetime


class SessionBookingCancelled(EventData):
    """A booking was cancelled, by the citizen or by an officer on the citizen's behalf."""

    event_type: ClassVar[str] = "SessionBookingCancelled"
    owner: ClassVar[str] = "intake"

    booking_id: UUID
    session_id: UUID
    day: date = Field(description="Local date of the session that was booked.")
    cancelled_by: str = Field(description="'citizen' or 'officer'.")
    cancelled_at: datetime


EVENT_TYPES: dict[tuple[str, int], type[EventData]] = {
    (cls.event_type, cls.schema_version): cls
    for cls in (
        DossierReceived,
        DossierSupplementRequested,
        DossierSupplemented,
        DossierRefused,
        DossierAssigned,
        DossierHandedOver,
        ResultReady,
        DossierRescheduled,
        DossierWithdrawn,
        DossierTransferred,
        DossierDueSoon,
        DossierOverdue,
        ResultReturned,
        BallotOpened,
        SurveySubmitted,
        FollowUpRaised,
        FeedbackReceived,
        FeedbackAnswered,
        LetterIssued,
        MessageSent,
        MessageFailed,
        SessionBooked,
        SessionBookingCancelled,
    )
}


def event_class(event_type: str, schema_version: int) -> type[EventData]:
    try:
        return EVENT_TYPES[(event_type, schema_version)]
    except KeyError:
        raise LookupError(f"unknown event {event_type} v{schema_version}") from None
