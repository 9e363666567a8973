"""The dossier (hồ sơ) and its lifecycle. Pure: no I/O, no clock (times are passed in).

    received ──assign──▶ assigned ──hand over…──▶ assigned ──result ready──▶ result_ready ──return──▶ returned
       │  ▲                 │                                                    │
       │  └─supplemented─ supplement_requested (once)                            │
       ├──────────── refuse / withdraw / transfer (from any active state) ◀──────┘ (withdraw only)
       └── reschedule (any active state): new appointment + apology; the legal due time stays

Two times are kept: ``due_at``, the legal due time (moved only while a supplement
request pauses the clock), and ``appointment_at``, what the citizen was promised
(also moved by a reschedule). Timeliness is judged against ``due_at``: a
rescheduled dossier returned on its new date is still late, and was apologised for.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from uuid import UUID, uuid4

from motcua_contracts import Channel, LifeEvent, ReturnChannel, Timeliness

from motcua_intake.domain.catalogue import Procedure
from motcua_runtime.due_dates import WorkingCalendar


class Status(StrEnum):
    RECEIVED = "received"  # đã tiếp nhận
    SUPPLEMENT_REQUESTED = "supplement_requested"  # chờ bổ sung
    ASSIGNED = "assigned"  # đang xử lý
    RESULT_READY = "result_ready"  # có kết quả, chờ trả
    RETURNED = "returned"  # đã trả kết quả
    REFUSED = "refused"  # từ chối
    WITHDRAWN = "withdrawn"  # rút hồ sơ
    TRANSFERRED = "transferred"  # chuyển xã/phường khác


ACTIVE = frozenset({Status.RECEIVED, Status.SUPPLEMENT_REQUESTED, Status.ASSIGNED, Status.RESULT_READY})
#: How far a reschedule may move the appointment (past the current one, or today if later):
#: beyond it the date is a typing error (year 9999 was accepted before).
MAX_RESCHEDULE = timedelta(days=366)

#: Which states each action may start from: the one table of the lifecycle's rules.
ALLOWED_FROM: dict[str, frozenset[Status]] = {
    "supplement-request": frozenset({Status.RECEIVED, Status.ASSIGNED}),
    "supplement": frozenset({Status.SUPPLEMENT_REQUESTED}),
    "refusal": frozenset({Status.RECEIVED, Status.SUPPLEMENT_REQUESTED, Status.ASSIGNED}),
    "assignment": frozenset({Status.RECEIVED, Status.ASSIGNED}),
    "handovers": frozenset({Status.ASSIGNED}),
    "result-ready": frozenset({Status.RECEIVED, Status.ASSIGNED}),
    "reschedule": ACTIVE,
    "withdrawal": ACTIVE,
    "transfer": frozenset({Status.RECEIVED, Status.SUPPLEMENT_REQUESTED, Status.ASSIGNED}),
    "return": frozenset({Status.RECEIVED, Status.ASSIGNED, Status.RESULT_READY}),
}

STATUS_VI = {
    Status.RECEIVED: "đã tiếp nhận",
    Status.SUPPLEMENT_REQUESTED: "chờ bổ sung",
    Status.ASSIGNED: "đang xử lý",
    Status.RESULT_READY: "có kết quả, chờ trả",
    Status.RETURNED: "đã trả kết quả",
    Status.REFUSED: "đã từ chối",
    Status.WITHDRAWN: "đã rút",
    Status.TRANSFERRED: "đã chuyển",
}


class PriorityGroup(StrEnum):
    """Citizens whose results may be returned at home, free of charge."""

    MERITORIOUS = "nguoi_co_cong"  # người có công với cách mạng
    POLICY_BENEFICIARY = "doi_tuong_chinh_sach"  # đối tượng chính sách
    DISABLED = "nguoi_khuyet_tat"  # người khuyết tật
    ELDERLY_ALONE = "nguoi_cao_tuoi_song_mot_minh"  # người cao tuổi sống một mình


class DossierError(Exception):
    code = "dossier_error"


class InvalidTransition(DossierError):
    """The action is not allowed in the dossier's current state."""

    code = "invalid_transition"

    def __init__(self, action: str, status: Status) -> None:
        super().__init__(f"cannot {action} a dossier that is {status.value}")
        self.action, self.status = action, status


class AlreadyReturned(InvalidTransition):
    code = "already_returned"

    def __init__(self, status: Status = Status.RETURNED) -> None:
        super().__init__("return", status)


class SupplementAlreadyRequested(DossierError):
    """What is missing is asked for once, in writing, listing every item."""

    code = "supplement_already_requested"


class InvalidRequest(DossierError):
    code = "invalid_request"


@dataclass
class Applicant:
    """Personal data: stays in intake; events get masked values only."""

    full_name: str
    id_number: str | None = None
    phone: str | None = None
    address: str | None = None
    priority_group: PriorityGroup | None = None
    #: Optional, for results and letters by e-mail; encrypted at rest like the phone.
    email: str | None = None

    def masked_name(self) -> str:
        return " ".join(word[0] + "*" * (len(word) - 1) for word in self.full_name.split())

    def masked_phone(self) -> str | None:
        if not self.phone:
            return None
        return "*" * (len(self.phone) - 3) + self.phone[-3:]

    def proves_identity_with(self, last_digits: str) -> bool:
        """The citizen's second factor for a lookup: the last digits of the phone on file."""
        digits = "".join(ch for ch in last_digits if ch.isdigit())
        return bool(self.phone) and len(digits) >= 4 and self.phone.endswith(digits)


def dossier_code(unit_code: str, received_local: datetime, sequence: int) -> str:
    """'<unit code>-YYMMDD-NNNN', the sequence restarting each day per unit."""
    return f"{unit_code}-{received_local:%y%m%d}-{sequence:04d}"


@dataclass
class Handover:
    """One row of the control slip (form 05)."""

    from_body: str
    to_body: str
    handed_at: datetime
    step_due_at: datetime
    completed_at: datetime | None = None
    timeliness: Timeliness | None = None


@dataclass
class Reschedule:
    previous_appointment_at: datetime
    new_appointment_at: datetime
    reason: str
    rescheduled_at: datetime


@dataclass
class Dossier:
    commune_code: str
    code: str
    procedure: Procedure
    channel: Channel
    applicant: Applicant
    received_at: datetime
    appointment_at: datetime
    consent_letters: bool = False
    consent_sms: bool = False
    id: UUID = field(default_factory=uuid4)
    status: Status = Status.RECEIVED
    due_at: datetime | None = None
    returned_at: datetime | None = None
    return_channel: ReturnChannel | None = None
    timeliness: Timeliness | None = None
    officer_id: str | None = None
    handling_body: str | None = None
    missing_items: list[str] = field(default_factory=list)
    supplement_requested_at: datetime | None = None
    supplemented_at: datetime | None = None
    handovers: list[Handover] = field(default_factory=list)
    reschedules: list[Reschedule] = field(default_factory=list)
    result_ready_at: datetime | None = None
    closed_reason: str | None = None
    closed_at: datetime | None = None
    transferred_to: str | None = None
    free_of_charge: bool = False
    assisted_by: str | None = None
    idempotency_key: str | None = None
    session_id: UUID | None = None
    session_date: date | None = None
    #: The signed-in officer who received it (token subject); None for older dossiers.
    received_by: str | None = None
    #: The citizen asked for no more non-mandatory messages (letters, SMS) about this dossier.
    opted_out: bool = False
    opted_out_at: datetime | None = None
    #: When the applicant's personal fields were erased after the retention period.
    anonymised_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.due_at is None:
            self.due_at = self.appointment_at

    def legal_basis(self) -> dict[str, str | None]:
        """Why each use of the applicant's data is lawful (Decree 13/2023, art. 17): handling the
        dossier is a legal obligation of the commune; letters and SMS beyond it need consent,
        given (or not) at the counter, and end when the citizen opts out."""
        return {
            "procedure": "legal_obligation",
            "letters": "consent" if self.consent_letters and not self.opted_out else None,
            "sms": "consent" if self.consent_sms and not self.opted_out else None,
        }

    def opt_out(self, at: datetime) -> bool:
        """The citizen withdraws consent to non-mandatory messages; False if already done."""
        if self.opted_out:
            return False
        self.opted_out, self.opted_out_at = True, at
        return True

    @property
    def closed_on(self) -> datetime | None:
        """When the dossier ended (returned, refused, withdrawn, transferred); None while active."""
        if self.is_active:
            return None
        return self.returned_at or self.closed_at

    def anonymise(self, at: datetime) -> None:
        """Erase the applicant's personal data after the retention period. What statistics need
        (procedure, dates, channel, timeliness, commune) stays; the name keeps its initials only."""
        self.applicant = Applicant(full_name=self.applicant.masked_name() or "—")
        self.assisted_by = None
        self.anonymised_at = at

    def processing_working_days(self, calendar: WorkingCalendar) -> float | None:
        """Working days from receipt to return on the commune's calendar, without the days the
        clock was paused for a supplement (requested → supplemented)."""
        if self.returned_at is None:
            return None
        days = calendar.processing_working_days(self.received_at, self.returned_at)
        if self.supplement_requested_at is not None and self.supplemented_at is not None:
            days -= max(0, calendar.working_days_between(self.supplement_requested_at, self.supplemented_at))
        return float(max(0, days))

    @property
    def life_event(self) -> LifeEvent | None:
        return self.procedure.life_event

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    def allowed_actions(self) -> list[str]:
        """The actions an officer may take now (a supplement is asked for once only)."""
        return [
            action for action, states in ALLOWED_FROM.items()
            if self.status in states and not (action == "supplement-request" and self.supplement_requested_at)
        ]

    def _require(self, action: str, allowed: frozenset[Status] | set[Status]) -> None:
        if self.status not in allowed:
            if action == "return" and self.status is Status.RETURNED:
                raise AlreadyReturned()
            raise InvalidTransition(action, self.status)

    # -- transitions ------------------------------------------------------------------

    def request_supplement(self, missing_items: list[str], at: datetime) -> None:
        if self.supplement_requested_at is not None and self.is_active:
            raise SupplementAlreadyRequested(self.code)
        self._require("request a supplement for", ALLOWED_FROM["supplement-request"])
        items = [item.strip() for item in missing_items if item.strip()]
        if not items:
            raise InvalidRequest("list every missing item")
        self.missing_items = items
        self.supplement_requested_at = at
        self.status = Status.SUPPLEMENT_REQUESTED

    def receive_supplement(self, at: datetime, calendar: WorkingCalendar) -> None:
        """The clock, paused since the request, runs again: the remaining working days
        continue from now."""
        self._require("receive a supplement for", ALLOWED_FROM["supplement"])
        assert self.supplement_requested_at is not None and self.due_at is not None
        self.due_at = calendar.resume_after_pause(self.due_at, self.supplement_requested_at, at)
        self.appointment_at = max(self.appointment_at, self.due_at) if self.reschedules else self.due_at
        self.supplemented_at = at
        self.status = Status.ASSIGNED if self.officer_id else Status.RECEIVED

    def refuse(self, reason: str, at: datetime) -> None:
        self._require("refuse", ALLOWED_FROM["refusal"])
        self._close(Status.REFUSED, reason, at)

    def withdraw(self, reason: str, at: datetime) -> None:
        self._require("withdraw", ALLOWED_FROM["withdrawal"])
        self._close(Status.WITHDRAWN, reason, at)

    def transfer(self, to_commune_code: str, reason: str, at: datetime) -> None:
        self._require("transfer", ALLOWED_FROM["transfer"])
        if to_commune_code == self.commune_code:
            raise InvalidRequest("a dossier cannot be transferred to its own commune")
        self.transferred_to = to_commune_code
        self._close(Status.TRANSFERRED, reason, at)

    def _close(self, status: Status, reason: str, at: datetime) -> None:
        if not reason.strip():
            raise InvalidRequest("a reason is required")
        self.status = status
        self.closed_reason = reason.strip()
        self.closed_at = at

    def assign(self, officer_id: str, handling_body: str, at: datetime) -> None:
        self._require("assign", ALLOWED_FROM["assignment"])
        self.officer_id = officer_id
        self.handling_body = handling_body
        self.status = Status.ASSIGNED

    def hand_over(
        self, to_body: str, step_due_at: datetime, at: datetime, calendar: WorkingCalendar
    ) -> tuple[Handover, Timeliness | None]:
        """Record a hand-over; returns the new row and whether the handing body met its own step."""
        self._require("hand over", ALLOWED_FROM["handovers"])
        assert self.handling_body is not None
        if to_body.strip() == self.handling_body:
            raise InvalidRequest("a dossier is handed over to another body")
        previous = self._complete_open_step(at, calendar)
        handover = Handover(self.handling_body, to_body.strip(), at, step_due_at)
        self.handovers.append(handover)
        self.handling_body = handover.to_body
        return handover, previous

    def _complete_open_step(self, at: datetime, calendar: WorkingCalendar) -> Timeliness | None:
        if self.handovers and self.handovers[-1].completed_at is None:
            step = self.handovers[-1]
            step.completed_at = at
            step.timeliness = calendar.timeliness(at, step.step_due_at)
            return step.timeliness
        return None

    def mark_result_ready(self, at: datetime, calendar: WorkingCalendar) -> None:
        self._require("mark the result ready for", ALLOWED_FROM["result-ready"])
        self._complete_open_step(at, calendar)
        self.result_ready_at = at
        self.status = Status.RESULT_READY

    def reschedule(self, new_appointment_at: datetime, reason: str, at: datetime) -> Reschedule:
        self._require("reschedule", ALLOWED_FROM["reschedule"])
        if not reason.strip():
            raise InvalidRequest("a reason is required")
        if new_appointment_at <= self.appointment_at:
            raise InvalidRequest("the new appointment must be later than the current one")
        if new_appointment_at > max(self.appointment_at, at) + MAX_RESCHEDULE:
            raise InvalidRequest("the new appointment must be within a year")
        entry = Reschedule(self.appointment_at, new_appointment_at, reason.strip(), at)
        self.reschedules.append(entry)
        self.appointment_at = new_appointment_at
        return entry

    def return_result(
        self,
        *,
        returned_at: datetime,
        channel: ReturnChannel,
        officer_id: str | None,
        calendar: WorkingCalendar,
        free_of_charge: bool = False,
    ) -> Timeliness:
        self._require("return", ALLOWED_FROM["return"])
        self._complete_open_step(returned_at, calendar)
        self.status = Status.RETURNED
        self.returned_at = returned_at
        self.return_channel = channel
        self.officer_id = officer_id or self.officer_id
        # Results taken home to a priority-group citizen are free of charge.
        at_home_priority = channel is ReturnChannel.AT_HOME and self.applicant.priority_group is not None
        self.free_of_charge = free_of_charge or at_home_priority
        assert self.due_at is not None
        self.timeliness = calendar.timeliness(returned_at, self.due_at)
        return self.timeliness

    def is_due_soon(self, now: datetime, calendar: WorkingCalendar) -> bool:
        """Active, not yet due, and due by the end of the next working day."""
        if self.status not in (Status.RECEIVED, Status.ASSIGNED) or self.appointment_at <= now:
            return False
        today = now.astimezone(calendar.tz).date()
        return self.appointment_at.astimezone(calendar.tz).date() <= calendar.next_working_day(today)

    def is_overdue(self, now: datetime) -> bool:
        """Past its appointment without a result (a supplement request pauses the clock)."""
        return self.status in (Status.RECEIVED, Status.ASSIGNED) and self.appointment_at < now
