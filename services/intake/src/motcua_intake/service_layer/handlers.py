"""Use cases of the counter: small functions (command, unit of work, ...) -> result.

Every state change and the event announcing it commit together through the unit
of work (the outbox), so a transition reaches the bus exactly when it happened.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol
from uuid import UUID

from motcua_contracts import (
    Channel,
    DossierAssigned,
    DossierDueSoon,
    DossierHandedOver,
    DossierOverdue,
    DossierReceived,
    DossierRefused,
    DossierRescheduled,
    DossierSupplemented,
    DossierSupplementRequested,
    DossierTransferred,
    DossierWithdrawn,
    EventData,
    ResultReady,
    ResultReturned,
    ReturnChannel,
    new_envelope,
)

from motcua_intake.domain.catalogue import Procedure
from motcua_runtime.due_dates import WorkingCalendar
from motcua_intake.domain.model import Applicant, Dossier, DossierError, dossier_code
from motcua_intake.domain.sessions import SessionClosed

SOURCE = "intake"

#: Looks a procedure up for a commune (the catalogue, with the commune's overrides).
ProcedureLookup = Callable[[str, str], Awaitable[Procedure | None]]


class UnknownProcedure(DossierError):
    code = "unknown_procedure"


class DossierNotFound(DossierError):
    code = "dossier_not_found"


class DossierRepository(Protocol):
    async def add(self, dossier: Dossier) -> None: ...
    async def get(self, commune_code: str, code: str) -> Dossier | None: ...
    async def get_by_idempotency_key(self, commune_code: str, key: str) -> Dossier | None: ...
    async def save(self, dossier: Dossier) -> None: ...
    async def next_sequence(self, commune_code: str, day_key: str) -> int: ...
    async def candidates_for_deadline_scan(self, until: datetime, limit: int) -> list[Dossier]: ...
    async def mark_deadline_announced(self, dossier: Dossier, kind: str) -> bool: ...


class IntakeUnitOfWork(Protocol):
    dossiers: DossierRepository

    async def __aenter__(self) -> "IntakeUnitOfWork": ...
    async def __aexit__(self, *exc: object) -> None: ...
    def emit(self, envelope) -> None: ...
    async def commit(self) -> None: ...


# -- commands -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiveDossier:
    commune_code: str
    procedure_code: str
    channel: Channel
    applicant: Applicant
    consent_letters: bool
    consent_sms: bool
    correlation_id: str
    assisted_by: str | None = None
    idempotency_key: str | None = None
    session_id: UUID | None = None
    #: The signed-in officer (token subject) who receives it.
    received_by: str | None = None


@dataclass(frozen=True)
class DossierCommand:
    """Base of the commands that act on one existing dossier."""

    commune_code: str
    dossier_code: str
    correlation_id: str


@dataclass(frozen=True)
class RequestSupplement(DossierCommand):
    missing_items: tuple[str, ...]


@dataclass(frozen=True)
class ReceiveSupplement(DossierCommand):
    pass


@dataclass(frozen=True)
class RefuseDossier(DossierCommand):
    reason: str


@dataclass(frozen=True)
class AssignDossier(DossierCommand):
    officer_id: str
    handling_body: str


@dataclass(frozen=True)
class HandOver(DossierCommand):
    to_body: str
    step_working_days: float


@dataclass(frozen=True)
class MarkResultReady(DossierCommand):
    pass


@dataclass(frozen=True)
class Reschedule(DossierCommand):
    new_appointment_date: date
    reason: str


@dataclass(frozen=True)
class Withdraw(DossierCommand):
    reason: str


@dataclass(frozen=True)
class Transfer(DossierCommand):
    to_commune_code: str
    reason: str


@dataclass(frozen=True)
class ReturnResult(DossierCommand):
    return_channel: ReturnChannel
    officer_id: str | None
    free_of_charge: bool = False


# -- events ---------------------------------------------------------------------------


def _facts(dossier: Dossier) -> dict:
    """The fields every lifecycle event carries."""
    return {
        "dossier_id": dossier.id,
        "dossier_code": dossier.code,
        "procedure_code": dossier.procedure.code,
        "field": dossier.procedure.field,
        "channel": dossier.channel,
        "life_event": dossier.life_event,
        "officer_id": dossier.officer_id,
        "received_at": dossier.received_at,
        "appointment_at": dossier.appointment_at,
        "due_at": dossier.due_at,
    }


def _emit(uow: IntakeUnitOfWork, dossier: Dossier, data: EventData, correlation_id: str, now: datetime) -> None:
    uow.emit(new_envelope(data, source=SOURCE, commune_code=dossier.commune_code,
                          correlation_id=correlation_id, occurred_at=now))


# -- use cases ------------------------------------------------------------------------


async def receive_dossier(
    command: ReceiveDossier,
    uow: IntakeUnitOfWork,
    calendar: WorkingCalendar,
    now: datetime,
    procedures: ProcedureLookup,
) -> tuple[Dossier, bool]:
    """Receive a dossier and issue its receipt. Returns (dossier, created): a repeated
    idempotency key returns the dossier created the first time."""
    procedure = await procedures(command.commune_code, command.procedure_code)
    if procedure is None:
        raise UnknownProcedure(command.procedure_code)
    async with uow:
        if command.idempotency_key:
            existing = await uow.dossiers.get_by_idempotency_key(command.commune_code, command.idempotency_key)
            if existing is not None:
                return existing, False
        local = now.astimezone(calendar.tz)
        channel, session_date = command.channel, None
        if command.session_id is not None:
            session = await uow.sessions.get(command.commune_code, command.session_id)
            if session is None or not session.is_open_at(local):
                raise SessionClosed(str(command.session_id))
            channel, session_date = Channel.OUT_OF_HOURS, local.date()
        sequence = await uow.dossiers.next_sequence(command.commune_code, f"{local:%y%m%d}")
        appointment = calendar.appointment_for(now, procedure.processing_unit, procedure.processing_amount)
        dossier = Dossier(
            commune_code=command.commune_code,
            code=dossier_code(command.commune_code, local, sequence),
            procedure=procedure,
            channel=channel,
            applicant=command.applicant,
            received_at=now,
            appointment_at=appointment,
            consent_letters=command.consent_letters,
            consent_sms=command.consent_sms,
            assisted_by=command.assisted_by,
            idempotency_key=command.idempotency_key,
            session_id=command.session_id,
            session_date=session_date,
            received_by=command.received_by,
        )
        await uow.dossiers.add(dossier)
        _emit(uow, dossier, DossierReceived(
            dossier_id=dossier.id,
            dossier_code=dossier.code,
            procedure_code=procedure.code,
            procedure_name=procedure.name,
            field=procedure.field,
            life_event=procedure.life_event,
            channel=dossier.channel,
            received_at=dossier.received_at,
            appointment_at=dossier.appointment_at,
            processing_days=procedure.processing_days,
            applicant_name_masked=dossier.applicant.masked_name(),
            applicant_phone_masked=dossier.applicant.masked_phone(),
            consent_letters=dossier.consent_letters,
            consent_sms=dossier.consent_sms,
            session_id=dossier.session_id,
            session_date=dossier.session_date,
            assisted=dossier.assisted_by is not None,
            received_by=dossier.received_by,
        ), command.correlation_id, now)
        await uow.commit()
    return dossier, True


async def act_on_dossier(
    command: DossierCommand, uow: IntakeUnitOfWork, calendar: WorkingCalendar, now: datetime
) -> Dossier:
    """Apply one lifecycle action; the transition and its event commit together.
    An invalid transition raises and changes nothing."""
    async with uow:
        dossier = await uow.dossiers.get(command.commune_code, command.dossier_code)
        if dossier is None:
            raise DossierNotFound(command.dossier_code)
        data = _transition(command, dossier, calendar, now)
        await uow.dossiers.save(dossier)
        _emit(uow, dossier, data, command.correlation_id, now)
        await uow.commit()
    return dossier


def _transition(command: DossierCommand, dossier: Dossier, calendar: WorkingCalendar, now: datetime) -> EventData:
    match command:
        case RequestSupplement(missing_items=items):
            dossier.request_supplement(list(items), now)
            return DossierSupplementRequested(**_facts(dossier), missing_items=dossier.missing_items,
                                              requested_at=now)
        case ReceiveSupplement():
            dossier.receive_supplement(now, calendar)
            return DossierSupplemented(**_facts(dossier), supplemented_at=now)
        case RefuseDossier(reason=reason):
            dossier.refuse(reason, now)
            return DossierRefused(**_facts(dossier), reason=dossier.closed_reason, refused_at=now)
        case AssignDossier(officer_id=officer_id, handling_body=body):
            dossier.assign(officer_id, body, now)
            return DossierAssigned(**_facts(dossier), handling_body=body, assigned_at=now)
        case HandOver(to_body=to_body, step_working_days=days):
            step_due = calendar.appointment(now, days)
            handover, previous = dossier.hand_over(to_body, step_due, now, calendar)
            return DossierHandedOver(**_facts(dossier), from_body=handover.from_body, to_body=handover.to_body,
                                     handed_at=now, step_due_at=step_due, previous_step_timeliness=previous)
        case MarkResultReady():
            dossier.mark_result_ready(now, calendar)
            return ResultReady(**_facts(dossier), ready_at=now)
        case Reschedule(new_appointment_date=new_date, reason=reason):
            new_at = datetime.combine(new_date, time(calendar.appointment_hour), tzinfo=calendar.tz)
            entry = dossier.reschedule(new_at.astimezone(now.tzinfo), reason, now)
            return DossierRescheduled(**_facts(dossier), previous_appointment_at=entry.previous_appointment_at,
                                      reason=entry.reason, rescheduled_at=now)
        case Withdraw(reason=reason):
            dossier.withdraw(reason, now)
            return DossierWithdrawn(**_facts(dossier), reason=dossier.closed_reason, withdrawn_at=now)
        case Transfer(to_commune_code=to_commune, reason=reason):
            dossier.transfer(to_commune, reason, now)
            return DossierTransferred(**_facts(dossier), to_commune_code=to_commune,
                                      reason=dossier.closed_reason, transferred_at=now)
        case ReturnResult(return_channel=channel, officer_id=officer_id, free_of_charge=free):
            timeliness = dossier.return_result(returned_at=now, channel=channel, officer_id=officer_id,
                                               calendar=calendar, free_of_charge=free)
            return ResultReturned(
                dossier_id=dossier.id, dossier_code=dossier.code, procedure_code=dossier.procedure.code,
                field=dossier.procedure.field, received_at=dossier.received_at,
                appointment_at=dossier.appointment_at, returned_at=now, timeliness=timeliness,
                return_channel=channel, officer_id=dossier.officer_id, channel=dossier.channel,
                life_event=dossier.life_event, due_at=dossier.due_at, rescheduled=bool(dossier.reschedules),
                free_of_charge=free, processing_working_days=dossier.processing_working_days(calendar),
            )
    raise TypeError(f"unknown command {command!r}")


async def return_result(
    command: ReturnResult, uow: IntakeUnitOfWork, calendar: WorkingCalendar, now: datetime
) -> Dossier:
    return await act_on_dossier(command, uow, calendar, now)


async def scan_deadlines(
    uow_factory: Callable[[], IntakeUnitOfWork], calendar: WorkingCalendar, now: datetime, limit: int = 500
) -> dict[str, int]:
    """Announce dossiers due within a working day, and overdue ones, once per appointment.

    Safe to run from several replicas at once: each announcement is a conditional
    update committed with its event, so only one of them wins.
    """
    announced = {"due_soon": 0, "overdue": 0}
    horizon = datetime.combine(calendar.next_working_day(now.astimezone(calendar.tz).date()) + timedelta(days=1),
                               time(0), tzinfo=calendar.tz)
    async with uow_factory() as uow:
        candidates = await uow.dossiers.candidates_for_deadline_scan(horizon, limit)
    for dossier in candidates:
        for kind, applies, event_cls in (
            ("overdue", dossier.is_overdue(now), DossierOverdue),
            ("due_soon", dossier.is_due_soon(now, calendar), DossierDueSoon),
        ):
            if not applies:
                continue
            async with uow_factory() as uow:
                if await uow.dossiers.mark_deadline_announced(dossier, kind):
                    _emit(uow, dossier, event_cls(**_facts(dossier), detected_at=now), f"scan-{now:%Y%m%d%H%M}", now)
                    await uow.commit()
                    announced[kind] += 1
            break  # an overdue dossier is not also "due soon"
    return announced
