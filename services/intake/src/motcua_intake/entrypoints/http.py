"""HTTP API of the counter. Translates requests into commands; nothing more."""

from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal
from uuid import UUID

import structlog
from fastapi import APIRouter, Header, Path, Query, Request, Response
from pymongo.errors import DuplicateKeyError
from pydantic import BaseModel, ConfigDict, Field

from motcua_contracts import Channel, CommuneCode, ReturnChannel
from motcua_runtime.clock import EARLIEST_DAY, LATEST_DAY, local_day_bounds, utc_now
from motcua_runtime.errors import UserFacingError
from motcua_runtime.locks import KeyedTurns
from motcua_runtime.unit_of_work import retry_transient

from motcua_intake.adapters.repository import (
    active_with_appointment_before,
    find_by_code,
    list_dossiers,
    lookup_blocked,
    received_between,
    record_lookup_failure,
)
from motcua_runtime.due_dates import WorkingCalendar, YearNotInCalendar
from motcua_intake.domain.sessions import SessionClosed
from motcua_intake.domain.model import (
    STATUS_VI,
    AlreadyReturned,
    Applicant,
    Dossier,
    InvalidRequest,
    InvalidTransition,
    PriorityGroup,
    SupplementAlreadyRequested,
)
from motcua_intake.service_layer import handlers

log = structlog.get_logger("motcua.intake")

CommunePath = Annotated[CommuneCode, Path(description="Commune (tenant) code")]


class ApplicantIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    full_name: str = Field(min_length=1, max_length=200)
    id_number: str | None = Field(default=None, pattern=r"^(\d{9}|\d{12})$", description="CCCD (12) or CMND (9) digits")
    phone: str | None = Field(default=None, pattern=r"^(0|\+84)\d{9}$")
    address: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                              description="Optional e-mail for results and letters (encrypted at rest)")
    priority_group: PriorityGroup | None = Field(
        default=None, description="Priority group: results may be returned at home, free of charge")


class DossierIn(BaseModel):
    procedure_code: str = Field(max_length=64)
    channel: Channel = Channel.COUNTER
    applicant: ApplicantIn
    consent_letters: bool = False
    consent_sms: bool = False
    assisted_by: str | None = Field(default=None, max_length=200, description="Volunteer who assisted (assisted channel)")
    session_id: UUID | None = Field(default=None, description="Out-of-hours session it is received in")


class ReturnIn(BaseModel):
    return_channel: ReturnChannel = ReturnChannel.COUNTER
    officer_id: str | None = Field(default=None, max_length=100)
    free_of_charge: bool = Field(default=False, description="At-home return for a priority group, free of charge")


class SupplementRequestIn(BaseModel):
    missing_items: list[Annotated[str, Field(max_length=500)]] = Field(
        min_length=1, max_length=50, description="Every missing item, listed once")


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class AssignmentIn(BaseModel):
    officer_id: str = Field(min_length=1, max_length=100)
    handling_body: str = Field(min_length=1, max_length=200)


class HandoverIn(BaseModel):
    to_body: str = Field(min_length=1, max_length=200)
    step_working_days: float = Field(ge=0, le=365)


class RescheduleIn(BaseModel):
    new_appointment_date: date
    reason: str = Field(min_length=1, max_length=2000)


class TransferIn(BaseModel):
    to_commune_code: CommuneCode
    reason: str = Field(min_length=1, max_length=2000)


class Empty(BaseModel):
    pass


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
    due_at: datetime
    status_vi: str
    returned_at: datetime | None
    timeliness: str | None
    applicant_name_masked: str
    officer_id: str | None = None
    handling_body: str | None = None
    missing_items: list[str] = []
    handovers: list[dict] = []
    reschedules: list[dict] = []
    closed_reason: str | None = None
    free_of_charge: bool = False
    allowed_actions: list[str] = Field(default=[], description="Actions allowed in the current state (paths)")
    session_id: UUID | None = Field(default=None, description="Out-of-hours session it was received in")
    assisted_by: str | None = None
    received_by: str | None = Field(default=None, description="Officer (account) who received it")
    consent_letters: bool = False
    consent_sms: bool = False
    opted_out: bool = Field(default=False, description="The citizen opted out of non-mandatory messages")
    anonymised: bool = Field(default=False, description="Personal data erased after the retention period")

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
            due_at=dossier.due_at,
            status_vi=STATUS_VI[dossier.status],
            returned_at=dossier.returned_at,
            timeliness=dossier.timeliness.value if dossier.timeliness else None,
            applicant_name_masked=dossier.applicant.masked_name(),
            officer_id=dossier.officer_id,
            handling_body=dossier.handling_body,
            missing_items=dossier.missing_items,
            handovers=[asdict(h) for h in dossier.handovers],
            reschedules=[asdict(r) for r in dossier.reschedules],
            closed_reason=dossier.closed_reason,
            free_of_charge=dossier.free_of_charge,
            allowed_actions=dossier.allowed_actions(),
            session_id=dossier.session_id,
            assisted_by=dossier.assisted_by,
            received_by=dossier.received_by,
            consent_letters=dossier.consent_letters,
            consent_sms=dossier.consent_sms,
            opted_out=dossier.opted_out,
            anonymised=dossier.anonymised_at is not None,
        )


class PublicStatus(BaseModel):
    """What a citizen sees: status and dates only."""

    dossier_code: str
    status: str
    status_vi: str
    procedure_name: str
    received_at: datetime
    appointment_at: datetime
    returned_at: datetime | None


class DossierPage(BaseModel):
    items: list[DossierOut]
    total: int


ACTION_VI = {
    "request a supplement for": "yêu cầu bổ sung",
    "receive a supplement for": "nhận bổ sung cho",
    "refuse": "từ chối",
    "withdraw": "rút",
    "transfer": "chuyển",
    "assign": "phân công xử lý",
    "hand over": "luân chuyển",
    "mark the result ready for": "báo có kết quả cho",
    "reschedule": "hẹn lại ngày trả cho",
    "return": "trả kết quả cho",
}


def _user_facing(error: Exception, dossier_code: str) -> UserFacingError:
    """Domain errors, in the words an officer reads."""
    match error:
        case handlers.DossierNotFound():
            return _not_found(dossier_code)
        case AlreadyReturned():
            return UserFacingError(409, error.code, f"Hồ sơ {dossier_code} đã được trả kết quả trước đó.",
                                   f"The result of dossier {dossier_code} was already returned.")
        case InvalidTransition(action=action, status=status):
            return UserFacingError(
                409, error.code,
                f"Không thể {ACTION_VI.get(action, action)} hồ sơ {dossier_code} đang ở trạng thái "
                f"“{STATUS_VI[status]}”.",
                f"Cannot {action} dossier {dossier_code}: it is {status.value}.",
            )
        case SupplementAlreadyRequested():
            return UserFacingError(
                409, error.code,
                f"Hồ sơ {dossier_code} đã được yêu cầu bổ sung một lần; mọi thành phần còn thiếu phải được "
                "nêu đầy đủ trong một lần yêu cầu duy nhất.",
                f"A supplement was already requested for dossier {dossier_code}: what is missing is asked for once.",
            )
        case InvalidRequest():
            return UserFacingError(422, error.code, f"Yêu cầu không hợp lệ: {_REQUEST_VI.get(str(error), str(error))}.",
                                   f"Invalid request: {error}.")
    raise error


_REQUEST_VI = {
    "a reason is required": "cần nêu lý do",
    "list every missing item": "cần liệt kê đầy đủ các thành phần còn thiếu",
    "the new appointment must be later than the current one": "ngày hẹn mới phải sau ngày hẹn hiện tại",
    "the new appointment must be within a year": "ngày hẹn mới không được xa quá một năm",
    "a dossier cannot be transferred to its own commune": "không thể chuyển hồ sơ cho chính xã/phường đang giữ",
    "a dossier is handed over to another body": "hồ sơ phải được chuyển cho cơ quan khác",
}


def router(
    uow_factory: Callable[[], handlers.IntakeUnitOfWork],
    calendar: Callable[[], Awaitable[WorkingCalendar]],
    procedures: handlers.ProcedureLookup,
    db,
) -> APIRouter:
    api = APIRouter(prefix="/v1", tags=["dossiers"])
    receipt_turns = KeyedTurns()

    @api.post("/communes/{commune_code}/dossiers", status_code=201, response_model=DossierOut,
              summary="Receive a dossier and issue its receipt",
              responses={200: {"description": "Same Idempotency-Key as before: the dossier created then"}})
    async def receive(
        commune_code: CommunePath,
        body: DossierIn,
        request: Request,
        response: Response,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> DossierOut:
        command = handlers.ReceiveDossier(
            commune_code=commune_code,
            procedure_code=body.procedure_code,
            channel=body.channel,
            applicant=Applicant(**body.applicant.model_dump()),
            consent_letters=body.consent_letters,
            consent_sms=body.consent_sms,
            correlation_id=request.state.correlation_id,
            assisted_by=body.assisted_by,
            idempotency_key=idempotency_key,
            session_id=body.session_id,
            received_by=_subject(request),
        )
        working_calendar = await calendar()

        async def attempt():
            try:
                return await handlers.receive_dossier(command, uow_factory(), working_calendar, utc_now(), procedures)
            except DuplicateKeyError:
                if not idempotency_key:
                    raise
                # A concurrent request with the same key won: answer with its dossier.
                async with uow_factory() as uow:
                    return await uow.dossiers.get_by_idempotency_key(commune_code, idempotency_key), False

        try:
            # Receipts of one commune take turns in this process: they share the day's counter.
            async with receipt_turns.turn(commune_code):
                dossier, created = await retry_transient(attempt, attempts=10)
        except handlers.UnknownProcedure as error:
            raise UserFacingError(
                422, error.code,
                f"Không có thủ tục hành chính mã '{body.procedure_code}' trong danh mục.",
                f"There is no procedure with code '{body.procedure_code}' in the catalogue.",
            ) from error
        except YearNotInCalendar as error:
            raise UserFacingError(
                422, error.code,
                f"Lịch làm việc năm {error.year} chưa có nên không tính được ngày hẹn trả kết quả; hãy nhờ quản "
                "trị nạp lịch năm đó.",
                f"The working calendar of {error.year} is not loaded, so the appointment cannot be computed; ask "
                "the administrator to load that year.") from error
        except SessionClosed as error:
            raise UserFacingError(
                409, error.code,
                "Phiên làm việc ngoài giờ này không diễn ra vào lúc này; hãy chọn kênh tiếp nhận khác.",
                "This out-of-hours session is not running now; choose another channel.",
            ) from error
        if created:
            log.info("dossier.received", commune=commune_code, dossier_code=dossier.code,
                     procedure=dossier.procedure.code, channel=dossier.channel.value)
        else:
            response.status_code = 200
        return DossierOut.of(dossier)

    @api.get("/communes/{commune_code}/dossiers", response_model=DossierPage, summary="Dossiers of a commune")
    async def list_(
        commune_code: CommunePath,
        limit: int = Query(50, ge=1, le=500),
        offset: int = Query(0, ge=0, le=1_000_000),
        received_from: date | None = Query(None, description="Received on or after this local day"),
        received_to: date | None = Query(None, description="Received on or before this local day"),
        deadline: Literal["due_soon", "overdue"] | None = Query(None, description="Only dossiers due soon / overdue"),
    ) -> DossierPage:
        working_calendar = await calendar()
        if deadline is not None:
            now = utc_now()
            horizon = datetime.combine(
                working_calendar.next_working_day(now.astimezone(working_calendar.tz).date()) + timedelta(days=1),
                time(0), tzinfo=working_calendar.tz)
            pending = await active_with_appointment_before(db(), commune_code, horizon, 5000)
            matching = [d for d in pending
                        if (d.is_overdue(now) if deadline == "overdue" else d.is_due_soon(now, working_calendar))]
            return DossierPage(items=[DossierOut.of(d) for d in matching[offset:offset + limit]], total=len(matching))
        if received_from or received_to:
            start, end = local_day_bounds(received_from or EARLIEST_DAY, received_to or LATEST_DAY,
                                          working_calendar.tz)
            items, total = await received_between(db(), commune_code, start, end, limit + offset)
            return DossierPage(items=[DossierOut.of(d) for d in items[offset:]], total=total)
        items, total = await list_dossiers(db(), commune_code, limit=limit, offset=offset)
        return DossierPage(items=[DossierOut.of(d) for d in items], total=total)

    @api.get("/communes/{commune_code}/dossiers/{dossier_code}", response_model=DossierOut, summary="One dossier")
    async def get(commune_code: CommunePath, dossier_code: str) -> DossierOut:
        async with uow_factory() as uow:
            dossier = await uow.dossiers.get(commune_code, dossier_code)
        if dossier is None:
            raise _not_found(dossier_code)
        return DossierOut.of(dossier)

    async def act(command: handlers.DossierCommand) -> DossierOut:
        working_calendar = await calendar()
        try:
            dossier = await retry_transient(
                lambda: handlers.act_on_dossier(command, uow_factory(), working_calendar, utc_now()), attempts=10
            )
        except handlers.DossierError as error:
            raise _user_facing(error, command.dossier_code) from error
        except YearNotInCalendar as error:
            # A step (or a date) beyond the working calendars loaded: nothing was written.
            raise UserFacingError(
                422, error.code,
                f"Lịch làm việc năm {error.year} chưa có nên không tính được ngày hẹn; hãy chọn thời hạn ngắn hơn "
                "hoặc nhờ quản trị nạp lịch năm đó.",
                f"The working calendar of {error.year} is not loaded, so the date cannot be computed; choose a "
                "shorter time or ask the administrator to load that year.") from error
        log.info("dossier." + type(command).__name__, commune=command.commune_code, dossier_code=dossier.code,
                 status=dossier.status.value)
        return DossierOut.of(dossier)

    def route(path: str, summary: str, body_model, build):
        async def endpoint(commune_code: CommunePath, dossier_code: str, request: Request, body) -> DossierOut:
            return await act(build(commune_code, dossier_code, request.state.correlation_id, body))

        endpoint.__annotations__["body"] = body_model
        endpoint.__name__ = path.replace("-", "_")
        api.post(f"/communes/{{commune_code}}/dossiers/{{dossier_code}}/{path}", response_model=DossierOut,
                 summary=summary)(endpoint)

    route("supplement-request", "Ask once, in writing, for every missing item (form 02)", SupplementRequestIn,
          lambda c, d, k, b: handlers.RequestSupplement(c, d, k, tuple(b.missing_items)))
    route("supplement", "The citizen brought the missing items: the clock runs again", Empty,
          lambda c, d, k, b: handlers.ReceiveSupplement(c, d, k))
    route("refusal", "Refuse with a reason (form 03)", ReasonIn,
          lambda c, d, k, b: handlers.RefuseDossier(c, d, k, b.reason))
    route("assignment", "Assign to an officer and a handling body", AssignmentIn,
          lambda c, d, k, b: handlers.AssignDossier(c, d, k, b.officer_id, b.handling_body))
    route("handovers", "Hand over to another body (a row of the control slip, form 05)", HandoverIn,
          lambda c, d, k, b: handlers.HandOver(c, d, k, b.to_body, b.step_working_days))
    route("result-ready", "The result is ready to be handed back", Empty,
          lambda c, d, k, b: handlers.MarkResultReady(c, d, k))
    route("reschedule", "Set a new appointment with a reason; an apology follows (form 04)", RescheduleIn,
          lambda c, d, k, b: handlers.Reschedule(c, d, k, b.new_appointment_date, b.reason))
    route("withdrawal", "The citizen withdraws the dossier", ReasonIn,
          lambda c, d, k, b: handlers.Withdraw(c, d, k, b.reason))
    route("transfer", "Transfer the dossier to another commune", TransferIn,
          lambda c, d, k, b: handlers.Transfer(c, d, k, b.to_commune_code, b.reason))
    route("return", "Hand the result back to the citizen", ReturnIn,
          lambda c, d, k, b: handlers.ReturnResult(c, d, k, b.return_channel, b.officer_id, b.free_of_charge))

    @api.get("/public/dossiers/{dossier_code}/status", response_model=PublicStatus, tags=["citizens"],
             summary="A citizen looks up their dossier: code plus the last 4 digits of their phone")
    async def public_status(dossier_code: str, phone_last_digits: str = Query(min_length=4, max_length=4,
                                                                             pattern=r"^\d{4}$")) -> PublicStatus:
        database = db()
        if await lookup_blocked(database, dossier_code):
            raise UserFacingError(
                429, "too_many_attempts",
                "Ông/bà đã nhập sai nhiều lần. Vui lòng thử lại sau 15 phút hoặc liên hệ Bộ phận Một cửa.",
                "Too many wrong attempts. Please try again in 15 minutes or contact the one-stop shop.",
            )
        dossier = await find_by_code(database, dossier_code)
        if dossier is None or not dossier.applicant.proves_identity_with(phone_last_digits):
            await record_lookup_failure(database, dossier_code, utc_now())
            # The same answer for an unknown code and wrong digits: nothing to learn by guessing.
            raise UserFacingError(
                404, "lookup_failed",
                "Không tìm thấy hồ sơ với mã và số điện thoại đã nhập. Vui lòng kiểm tra lại giấy hẹn.",
                "No dossier matches this code and phone number. Please check your receipt.",
            )
        return PublicStatus(dossier_code=dossier.code, status=dossier.status.value,
                            status_vi=STATUS_VI[dossier.status], procedure_name=dossier.procedure.name,
                            received_at=dossier.received_at, appointment_at=dossier.appointment_at,
                            returned_at=dossier.returned_at)

    @api.post("/deadline-scan", summary="Announce dossiers due soon and overdue (also run every minute)",
              tags=["operations"])
    async def deadline_scan() -> dict:
        return await handlers.scan_deadlines(uow_factory, await calendar(), utc_now())

    return api


def _subject(request: Request) -> str | None:
    principal = getattr(request.state, "principal", None)
    return principal.subject if principal is not None else None


def _not_found(dossier_code: str) -> UserFacingError:
    return UserFacingError(
        404, "dossier_not_found",
        f"Không tìm thấy hồ sơ {dossier_code} của xã/phường này.",
        f"No dossier {dossier_code} in this commune.",
    )
