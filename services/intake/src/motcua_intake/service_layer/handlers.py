"""Use cases of the counter: small functions (command, unit of work, ...) -> result."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from motcua_contracts import (
    Channel,
    DossierReceived,
    ResultReturned,
    ReturnChannel,
    new_envelope,
)

from motcua_intake.domain.catalogue import find_procedure
from motcua_intake.domain.due_dates import WorkingCalendar
from motcua_intake.domain.model import Applicant, Dossier, DossierError, dossier_code

SOURCE = "intake"


class UnknownProcedure(DossierError):
    code = "unknown_procedure"


class DossierNotFound(DossierError):
    code = "dossier_not_found"


class DossierRepository(Protocol):
    async def add(self, dossier: Dossier) -> None: ...
    async def get(self, commune_code: str, code: str) -> Dossier | None: ...
    async def save(self, dossier: Dossier) -> None: ...
    async def next_sequence(self, commune_code: str, day_key: str) -> int: ...


class IntakeUnitOfWork(Protocol):
    dossiers: DossierRepository

    async def __aenter__(self) -> "IntakeUnitOfWork": ...
    async def __aexit__(self, *exc: object) -> None: ...
    def emit(self, envelope) -> None: ...
    async def commit(self) -> None: ...


@dataclass(frozen=True)
class ReceiveDossier:
    commune_code: str
    procedure_code: str
    channel: Channel
    applicant: Applicant
    consent_letters: bool
    consent_sms: bool
    correlation_id: str


@dataclass(frozen=True)
class ReturnResult:
    commune_code: str
    dossier_code: str
    return_channel: ReturnChannel
    officer_id: str | None
    correlation_id: str


async def receive_dossier(
    command: ReceiveDossier, uow: IntakeUnitOfWork, calendar: WorkingCalendar, now: datetime
) -> Dossier:
    procedure = find_procedure(command.procedure_code)
    if procedure is None:
        raise UnknownProcedure(command.procedure_code)
    async with uow:
        local = now.astimezone(calendar.tz)
        sequence = await uow.dossiers.next_sequence(command.commune_code, f"{local:%y%m%d}")
        dossier = Dossier(
            commune_code=command.commune_code,
            code=dossier_code(command.commune_code, local, sequence),
            procedure=procedure,
            channel=command.channel,
            applicant=command.applicant,
            received_at=now,
            appointment_at=calendar.appointment(now, procedure.processing_days),
            consent_letters=command.consent_letters,
            consent_sms=command.consent_sms,
        )
        await uow.dossiers.add(dossier)
        uow.emit(
            new_envelope(
                DossierReceived(
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
                ),
                source=SOURCE,
                commune_code=dossier.commune_code,
                correlation_id=command.correlation_id,
                occurred_at=now,
            )
        )
        await uow.commit()
    return dossier


async def return_result(
    command: ReturnResult, uow: IntakeUnitOfWork, calendar: WorkingCalendar, now: datetime
) -> Dossier:
    async with uow:
        dossier = await uow.dossiers.get(command.commune_code, command.dossier_code)
        if dossier is None:
            raise DossierNotFound(command.dossier_code)
        timeliness = dossier.return_result(
            returned_at=now, channel=command.return_channel, officer_id=command.officer_id, calendar=calendar
        )
        await uow.dossiers.save(dossier)
        uow.emit(
            new_envelope(
                ResultReturned(
                    dossier_id=dossier.id,
                    dossier_code=dossier.code,
                    procedure_code=dossier.procedure.code,
                    field=dossier.procedure.field,
                    received_at=dossier.received_at,
                    appointment_at=dossier.appointment_at,
                    returned_at=now,
                    timeliness=timeliness,
                    return_channel=command.return_channel,
                    officer_id=command.officer_id,
                ),
                source=SOURCE,
                commune_code=dossier.commune_code,
                correlation_id=command.correlation_id,
                occurred_at=now,
            )
        )
        await uow.commit()
    return dossier
