"""HTTP API of the counter. Translates requests into commands; nothing more."""

from datetime import datetime
from typing import Annotated, Callable

import structlog
from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from motcua_contracts import Channel, CommuneCode, LifeEvent, ReturnChannel
from motcua_runtime.clock import utc_now
from motcua_runtime.errors import UserFacingError
from motcua_runtime.unit_of_work import retry_transient

from motcua_intake.adapters.repository import list_dossiers
from motcua_intake.domain.catalogue import STARTER_CATALOGUE
from motcua_intake.domain.due_dates import WorkingCalendar
from motcua_intake.domain.model import AlreadyReturned, Applicant, Dossier
from motcua_intake.service_layer import handlers

log = structlog.get_logger("motcua.intake")

CommunePath = Annotated[CommuneCode, Path(description="Commune (tenant) code")]


class ApplicantIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    full_name: str = Field(min_length=1, max_length=200)
    id_number: str | None = Field(default=None, pattern=r"^(\d{9}|\d{12})$", description="CCCD (12) or CMND (9) digits")
    phone: str | None = Field(default=None, pattern=r"^(0|\+84)\d{9}$")
    address: str | None = Field(default=None, max_length=500)


class DossierIn(BaseModel):
    procedure_code: str
    channel: Channel = Channel.COUNTER
    applicant: ApplicantIn
    consent_letters: bool = False
    consent_sms: bool = False


class ReturnIn(BaseModel):
    return_channel: ReturnChannel = ReturnChannel.COUNTER
    officer_id: str | None = Field(default=None, max_length=100)


class ProcedureOut(BaseModel):
    code: str
    name: str
    field: str
    processing_days: float
    life_event: LifeEvent | None


class DossierOut(BaseModel):
    dossier_id: str
    dossier_code: str
    commune_code: str
    procedure_code: str
    procedure_name: str
    channel: Channel
    status: str
    received_at: datetime
    appointment_at: datetime
    returned_at: datetime | None
    timeliness: str | None
    applicant_name_masked: str

    @classmethod
    def of(cls, dossier: Dossier) -> "DossierOut":
        return cls(
            dossier_id=str(dossier.id),
            dossier_code=dossier.code,
            commune_code=dossier.commune_code,
            procedure_code=dossier.procedure.code,
            procedure_name=dossier.procedure.name,
            channel=dossier.channel,
            status=dossier.status,
            received_at=dossier.received_at,
            appointment_at=dossier.appointment_at,
            returned_at=dossier.returned_at,
            timeliness=dossier.timeliness.value if dossier.timeliness else None,
            applicant_name_masked=dossier.applicant.masked_name(),
        )


class DossierPage(BaseModel):
    items: list[DossierOut]
    total: int


def router(uow_factory: Callable[[], handlers.IntakeUnitOfWork], calendar: WorkingCalendar, db) -> APIRouter:
    api = APIRouter(prefix="/v1", tags=["dossiers"])

    @api.get("/procedures", response_model=list[ProcedureOut], summary="Procedure catalogue")
    async def procedures() -> list[ProcedureOut]:
        return [ProcedureOut(**p.__dict__) for p in STARTER_CATALOGUE]

    @api.post("/communes/{commune_code}/dossiers", status_code=201, response_model=DossierOut,
              summary="Receive a dossier and issue its receipt")
    async def receive(commune_code: CommunePath, body: DossierIn, request: Request) -> DossierOut:
        command = handlers.ReceiveDossier(
            commune_code=commune_code,
            procedure_code=body.procedure_code,
            channel=body.channel,
            applicant=Applicant(**body.applicant.model_dump()),
            consent_letters=body.consent_letters,
            consent_sms=body.consent_sms,
            correlation_id=request.state.correlation_id,
        )
        try:
            dossier = await retry_transient(
                lambda: handlers.receive_dossier(command, uow_factory(), calendar, utc_now())
            )
        except handlers.UnknownProcedure as error:
            raise UserFacingError(
                422, error.code,
                f"Không có thủ tục hành chính mã '{body.procedure_code}' trong danh mục.",
                f"There is no procedure with code '{body.procedure_code}' in the catalogue.",
            ) from error
        log.info("dossier.received", commune=commune_code, dossier_code=dossier.code,
                 procedure=dossier.procedure.code, channel=dossier.channel.value)
        return DossierOut.of(dossier)

    @api.get("/communes/{commune_code}/dossiers", response_model=DossierPage, summary="Dossiers of a commune")
    async def list_(commune_code: CommunePath, limit: int = Query(50, ge=1, le=500),
                    offset: int = Query(0, ge=0)) -> DossierPage:
        items, total = await list_dossiers(db(), commune_code, limit=limit, offset=offset)
        return DossierPage(items=[DossierOut.of(d) for d in items], total=total)

    @api.get("/communes/{commune_code}/dossiers/{dossier_code}", response_model=DossierOut, summary="One dossier")
    async def get(commune_code: CommunePath, dossier_code: str) -> DossierOut:
        async with uow_factory() as uow:
            dossier = await uow.dossiers.get(commune_code, dossier_code)
        if dossier is None:
            raise _not_found(dossier_code)
        return DossierOut.of(dossier)

    @api.post("/communes/{commune_code}/dossiers/{dossier_code}/return", response_model=DossierOut,
              summary="Hand the result back to the citizen")
    async def return_(commune_code: CommunePath, dossier_code: str, body: ReturnIn, request: Request) -> DossierOut:
        command = handlers.ReturnResult(
            commune_code=commune_code,
            dossier_code=dossier_code,
            return_channel=body.return_channel,
            officer_id=body.officer_id,
            correlation_id=request.state.correlation_id,
        )
        try:
            dossier = await retry_transient(
                lambda: handlers.return_result(command, uow_factory(), calendar, utc_now())
            )
        except handlers.DossierNotFound as error:
            raise _not_found(dossier_code) from error
        except AlreadyReturned as error:
            raise UserFacingError(
                409, error.code,
                f"Hồ sơ {dossier_code} đã được trả kết quả trước đó.",
                f"The result of dossier {dossier_code} was already returned.",
            ) from error
        log.info("dossier.result_returned", commune=commune_code, dossier_code=dossier.code,
                 timeliness=dossier.timeliness.value, return_channel=body.return_channel.value)
        return DossierOut.of(dossier)

    return api


def _not_found(dossier_code: str) -> UserFacingError:
    return UserFacingError(
        404, "dossier_not_found",
        f"Không tìm thấy hồ sơ {dossier_code} của xã/phường này.",
        f"No dossier {dossier_code} in this commune.",
    )
