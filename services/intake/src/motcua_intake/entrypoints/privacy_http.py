"""Personal data, read on purpose and on the record.

- ``GET /v1/communes/{c}/dossiers/{code}/applicant`` — an officer reads the applicant's ID
  number, phone, address, e-mail (decrypted);
- ``GET /v1/internal/dossiers/{id}/contact`` — another service (role ``service``, e.g. notify)
  fetches the contact it must send to, with the consent and opt-out;
- ``GET /v1/communes/{c}/personal-data-access`` and ``GET /v1/personal-data-access`` — the
  commune leader (and the district overseer, read-only, every commune) review who read what;
- ``POST /v1/public/dossiers/{code}/opt-out`` — a citizen stops non-mandatory messages.

Every read of personal data appends to the access log (adapters/audit.py) before it is answered;
``purpose`` comes from ``?purpose=`` (or an ``X-Purpose`` header, URL-encoded), else a default
per route.
"""

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Annotated
from urllib.parse import unquote
from uuid import UUID

import structlog
from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field
from pymongo.asynchronous.database import AsyncDatabase

from motcua_runtime.auth import Role
from motcua_runtime.clock import local_day_bounds, utc_now
from motcua_runtime.errors import UserFacingError

from motcua_intake.adapters import audit, retention
from motcua_intake.adapters.repository import (
    DOSSIERS,
    MongoDossierRepository,
    find_by_code,
    lookup_blocked,
    record_lookup_failure,
)
from motcua_intake.adapters.session_store import MongoSessionRepository
from motcua_intake.domain.model import Dossier
from motcua_intake.domain.sessions import Booking

log = structlog.get_logger("motcua.intake.privacy")

CommunePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,32}$", description="Commune (tenant) code")]
Purpose = Annotated[str | None, Query(max_length=300, description="Why the personal data is read (kept in the access log)")]
APPLICANT_FIELDS = ("full_name", "id_number", "phone", "address", "email")
CONTACT_FIELDS = ("full_name", "phone", "address", "email")


class ApplicantOut(BaseModel):
    dossier_code: str
    full_name: str
    id_number: str | None
    phone: str | None
    address: str | None
    email: str | None
    priority_group: str | None
    consent_letters: bool
    consent_sms: bool
    opted_out: bool
    legal_basis: dict[str, str | None]


class ContactOut(BaseModel):
    dossier_id: str
    dossier_code: str
    commune_code: str
    applicant_name: str
    phone: str | None
    email: str | None
    address: str | None
    consent_letters: bool
    consent_sms: bool
    opted_out: bool
    legal_basis: dict[str, str | None] = Field(description="Why each use is lawful: legal_obligation / consent / null")
    anonymised: bool = False


class BookingContactOut(BaseModel):
    booking_id: str
    booking_code: str
    commune_code: str
    session_id: str
    day: date
    applicant_name: str
    phone: str
    consent_sms: bool
    cancelled: bool = Field(description="Cancelled bookings get no reminder")


class AccessEntryOut(BaseModel):
    at: datetime
    commune_code: str
    dossier_id: str
    dossier_code: str
    actor: str
    actor_name: str
    roles: list[str]
    action: str
    action_vi: str
    purpose: str
    fields: list[str]


class AccessPage(BaseModel):
    items: list[AccessEntryOut]
    total: int


class OptOutIn(BaseModel):
    phone_last_digits: str = Field(pattern=r"^\d{4}$", description="Last 4 digits of the phone given at the counter")


class OptOutOut(BaseModel):
    dossier_code: str
    opted_out: bool
    message: str


def purpose_of(request: Request, purpose: str | None) -> str | None:
    if purpose:
        return purpose
    header = request.headers.get("x-purpose")
    return unquote(header) if header else None


async def audit_reads(request: Request, db: AsyncDatabase, dossiers: list[Dossier] | list[Booking], *, action: str,
                      purpose: str | None, fields: tuple[str, ...]) -> None:
    """Append one access-log entry per dossier for the caller of ``request``."""
    route = request.scope.get("route")
    entries = audit.entries_for(
        getattr(request.state, "principal", None), dossiers, action=action, purpose=purpose_of(request, purpose),
        fields=fields, route=getattr(route, "path_format", None),
        correlation_id=getattr(request.state, "correlation_id", None),
        client_ip=request.client.host if request.client else None)
    await audit.record_reads(db, entries)


def _not_found(what: str) -> UserFacingError:
    return UserFacingError(404, "dossier_not_found", f"Không tìm thấy hồ sơ {what} của xã/phường này.",
                           f"No dossier {what} in this commune.")


def _entry_out(doc: dict) -> AccessEntryOut:
    return AccessEntryOut(at=doc["at"], commune_code=doc["commune_code"], dossier_id=str(doc["dossier_id"]),
                          dossier_code=doc["dossier_code"], actor=doc["actor"], actor_name=doc.get("actor_name", ""),
                          roles=doc.get("roles", []), action=doc["action"],
                          action_vi=audit.ACTION_VI.get(doc["action"], doc["action"]), purpose=doc["purpose"],
                          fields=doc.get("fields", []))


def _day_bounds(start: date | None, end: date | None, utc_offset_hours: int) -> tuple[datetime | None, datetime | None]:
    return local_day_bounds(start, end, timezone(timedelta(hours=utc_offset_hours)))


class RetentionRunOut(BaseModel):
    run_id: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    trigger: str
    started_by: str | None = None
    retention_days: int
    cutoff: datetime
    anonymised: int = Field(description="Dossiers anonymised in this run (in the caller's communes for a leader)")
    by_commune: dict[str, int]
    bookings_anonymised: int | None = Field(
        default=None, description="Session bookings whose name and phone were erased (all communes; "
                                  "administrators and overseers only)")
    error: str | None = None


class RetentionRunPage(BaseModel):
    retention_days: int
    items: list[RetentionRunOut]
    total: int


def _run_out(doc: dict, principal) -> RetentionRunOut:
    by_commune = dict(doc.get("by_commune") or {})
    bookings = doc.get("bookings_anonymised")
    if principal is not None and not principal.has_role(Role.ADMINISTRATOR, Role.DISTRICT_OVERSEER) \
            and not principal.all_communes:
        by_commune = {c: n for c, n in by_commune.items() if c in principal.communes}
        bookings = None
    return RetentionRunOut(run_id=str(doc["_id"]), started_at=doc["started_at"], finished_at=doc.get("finished_at"),
                           status=doc["status"], trigger=doc["trigger"], started_by=doc.get("started_by"),
                           retention_days=doc["retention_days"], cutoff=doc["cutoff"],
                           anonymised=sum(by_commune.values()), by_commune=by_commune,
                           bookings_anonymised=bookings, error=doc.get("error"))


def router(db: Callable[[], AsyncDatabase], utc_offset_hours: int = 7, retention_days: int = 5 * 365,
           booking_retention_days: int = 30) -> APIRouter:
    api = APIRouter(prefix="/v1")

    @api.get("/retention/runs", response_model=RetentionRunPage, tags=["personal data"],
             summary="Runs of the retention job that erases personal data (administrators, overseers, leaders)")
    async def retention_runs(request: Request, limit: Annotated[int, Query(ge=1, le=200)] = 50,
                             offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> RetentionRunPage:
        docs, total = await retention.list_runs(db(), limit, offset)
        principal = getattr(request.state, "principal", None)
        return RetentionRunPage(retention_days=retention_days, items=[_run_out(d, principal) for d in docs],
                                total=total)

    @api.post("/retention/runs", response_model=RetentionRunOut, status_code=201, tags=["personal data"],
              summary="Run the retention job now (administrators); the run is recorded")
    async def run_retention_now(request: Request) -> RetentionRunOut:
        principal = getattr(request.state, "principal", None)
        run = await retention.run_retention(db(), retention_days, trigger="api",
                                            started_by=principal.subject if principal else None,
                                            booking_retention_days=booking_retention_days)
        return _run_out(run, principal)

    @api.get("/communes/{commune_code}/dossiers/{dossier_code}/applicant", response_model=ApplicantOut,
             tags=["personal data"], summary="The applicant's personal data, decrypted (the read is logged)")
    async def applicant(request: Request, commune_code: CommunePath, dossier_code: str,
                        purpose: Purpose = None) -> ApplicantOut:
        dossier = await MongoDossierRepository(db(), None).get(commune_code, dossier_code)
        if dossier is None:
            raise _not_found(dossier_code)
        await audit_reads(request, db(), [dossier], action="view_applicant", purpose=purpose, fields=APPLICANT_FIELDS)
        a = dossier.applicant
        return ApplicantOut(dossier_code=dossier.code, full_name=a.full_name, id_number=a.id_number, phone=a.phone,
                            address=a.address, email=a.email,
                            priority_group=a.priority_group.value if a.priority_group else None,
                            consent_letters=dossier.consent_letters, consent_sms=dossier.consent_sms,
                            opted_out=dossier.opted_out, legal_basis=dossier.legal_basis())

    @api.get("/internal/dossiers/{dossier_id}/contact", response_model=ContactOut, tags=["internal"],
             summary="A citizen's contact for a service that must send them something (role service; logged)")
    async def contact(request: Request, dossier_id: UUID, purpose: Purpose = None) -> ContactOut:
        dossier = await MongoDossierRepository(db(), None).get_by_id(dossier_id)
        if dossier is None:
            raise UserFacingError(404, "dossier_not_found", f"Không có hồ sơ {dossier_id}.", f"No dossier {dossier_id}.")
        await audit_reads(request, db(), [dossier], action="contact", purpose=purpose, fields=CONTACT_FIELDS)
        a = dossier.applicant
        return ContactOut(dossier_id=str(dossier.id), dossier_code=dossier.code, commune_code=dossier.commune_code,
                          applicant_name=a.full_name, phone=a.phone, email=a.email, address=a.address,
                          consent_letters=dossier.consent_letters, consent_sms=dossier.consent_sms,
                          opted_out=dossier.opted_out, legal_basis=dossier.legal_basis(),
                          anonymised=dossier.anonymised_at is not None)

    @api.get("/internal/bookings/{booking_id}/contact", response_model=BookingContactOut, tags=["internal"],
             summary="The contact of a citizen who booked a session, for its reminder (role service; logged)")
    async def booking_contact(request: Request, booking_id: UUID, purpose: Purpose = None) -> BookingContactOut:
        booking = await MongoSessionRepository(db()).get_booking(booking_id)
        if booking is None:
            raise UserFacingError(404, "booking_not_found", f"Không có lượt đăng ký {booking_id}.",
                                  f"No booking {booking_id}.")
        # The log names the booking by its id and code (DK-…) where a dossier's would be.
        await audit_reads(request, db(), [booking], action="contact_booking", purpose=purpose,
                          fields=("full_name", "phone"))
        return BookingContactOut(booking_id=str(booking.id), booking_code=booking.code,
                                 commune_code=booking.commune_code, session_id=str(booking.session_id),
                                 day=booking.day, applicant_name=booking.full_name, phone=booking.phone,
                                 consent_sms=booking.consent_sms, cancelled=not booking.active)

    async def access_page(communes: list[str] | None, dossier_code, actor, start, end, limit, offset) -> AccessPage:
        lower, upper = _day_bounds(start, end, utc_offset_hours)
        docs, total = await audit.list_reads(db(), communes=communes, dossier_code=dossier_code, actor=actor,
                                             start=lower, end=upper, limit=limit, offset=offset)
        return AccessPage(items=[_entry_out(d) for d in docs], total=total)

    @api.get("/communes/{commune_code}/personal-data-access", response_model=AccessPage, tags=["personal data"],
             summary="Who read the personal data of this commune's citizens (commune leader; overseer reads)")
    async def commune_access_log(
        commune_code: CommunePath,
        dossier_code: Annotated[str | None, Query(max_length=64)] = None,
        actor: Annotated[str | None, Query(max_length=100)] = None,
        start: Annotated[date | None, Query(alias="from")] = None,
        end: Annotated[date | None, Query(alias="to")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> AccessPage:
        return await access_page([commune_code], dossier_code, actor, start, end, limit, offset)

    @api.get("/personal-data-access", response_model=AccessPage, tags=["personal data"],
             summary="The access log of every commune (district overseer, read-only)")
    async def district_access_log(
        commune_code: Annotated[str | None, Query(max_length=32)] = None,
        dossier_code: Annotated[str | None, Query(max_length=64)] = None,
        actor: Annotated[str | None, Query(max_length=100)] = None,
        start: Annotated[date | None, Query(alias="from")] = None,
        end: Annotated[date | None, Query(alias="to")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> AccessPage:
        return await access_page([commune_code] if commune_code else None, dossier_code, actor, start, end,
                                 limit, offset)

    @api.post("/public/dossiers/{dossier_code}/opt-out", response_model=OptOutOut, tags=["citizens"],
              summary="A citizen stops letters and SMS beyond the procedure (code + last 4 phone digits)")
    async def opt_out(dossier_code: Annotated[str, Path(max_length=64)], body: OptOutIn) -> OptOutOut:
        database = db()
        if await lookup_blocked(database, dossier_code):
            raise UserFacingError(
                429, "too_many_attempts",
                "Ông/bà đã nhập sai nhiều lần. Vui lòng thử lại sau 15 phút hoặc liên hệ Bộ phận Một cửa.",
                "Too many wrong attempts. Please try again in 15 minutes or contact the one-stop shop.")
        dossier = await find_by_code(database, dossier_code)
        if dossier is None or not dossier.applicant.proves_identity_with(body.phone_last_digits):
            await record_lookup_failure(database, dossier_code, utc_now())
            raise UserFacingError(
                404, "lookup_failed",
                "Không tìm thấy hồ sơ với mã và số điện thoại đã nhập. Vui lòng kiểm tra lại giấy hẹn.",
                "No dossier matches this code and phone number. Please check your receipt.")
        now = utc_now()
        if dossier.opt_out(now):
            # Only the opt-out fields and the legal basis change: no race with a counter action.
            await database[DOSSIERS].update_one(
                {"_id": dossier.id},
                {"$set": {"opted_out": True, "opted_out_at": now, "legal_basis": dossier.legal_basis()}})
            log.info("dossier.opted_out", commune=dossier.commune_code, dossier_code=dossier.code)
        return OptOutOut(dossier_code=dossier.code, opted_out=True,
                         message="Đã ghi nhận: ông/bà sẽ không nhận thư, tin nhắn ngoài thủ tục về hồ sơ này nữa.")

    return api
