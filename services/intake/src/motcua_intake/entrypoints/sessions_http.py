"""HTTP API of out-of-hours sessions: schedules, occurrences, citizens' bookings."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request, Response
from pymongo.errors import PyMongoError
from pydantic import BaseModel, Field, field_validator

from motcua_contracts import CommuneCode
from motcua_runtime.clock import utc_now
from motcua_runtime.errors import UserFacingError
from motcua_runtime.logging import mask_digits
from motcua_runtime.locks import KeyedTurns
from motcua_runtime.unit_of_work import retry_transient

from motcua_intake.adapters.session_store import MongoSessionRepository
from motcua_intake.service_layer import bookings as booking_cases
from motcua_intake.domain.sessions import (
    Booking,
    BookingCancelled,
    OutOfHoursSession,
    Recurrence,
    RecurrenceRule,
    SessionClosed,
    SessionError,
    SessionFull,
    normalize_phone,
)

CommunePath = Annotated[CommuneCode, Path(description="Commune (tenant) code")]
VN_OFFSET = timedelta(hours=7)


class RuleIn(BaseModel):
    kind: Recurrence
    weekday: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")
    nth: int | None = Field(default=None, ge=-1, le=4, description="Monthly: 1..4, or -1 for the last of the month")


class SessionIn(BaseModel):
    title: str = Field(min_length=1, max_length=200, examples=["60 phút vì dân"])
    rules: list[RuleIn] = Field(min_length=1, max_length=8)
    start_time: time = Field(description="Local time, HH:MM (seconds are dropped; no offset)")
    end_time: time = Field(description="Local time, HH:MM (seconds are dropped; no offset)")
    fields: list[Annotated[str, Field(max_length=100)]] = Field(default=[], max_length=30)
    officers_on_duty: list[Annotated[str, Field(max_length=100)]] = Field(default=[], max_length=50)

    announcement: str = Field(default="", max_length=4000)
    valid_from: date | None = None
    valid_until: date | None = None
    capacity: int | None = Field(default=None, ge=1, le=100_000)


class SessionOut(BaseModel):
    session_id: UUID
    commune_code: str
    title: str
    schedule_vi: str
    announcement_vi: str
    rules: list[RuleIn]
    start_time: time
    end_time: time
    fields: list[str]
    officers_on_duty: list[str]
    valid_from: date | None
    valid_until: date | None
    capacity: int | None
    next_occurrences: list[date]

    @classmethod
    def of(cls, s: OutOfHoursSession, today: date) -> "SessionOut":
        return cls(session_id=s.id, commune_code=s.commune_code, title=s.title, schedule_vi=s.schedule_vi(),
                   announcement_vi=s.announcement_vi(),
                   rules=[RuleIn(kind=r.kind, weekday=r.weekday, nth=r.nth) for r in s.rules],
                   start_time=s.start_time, end_time=s.end_time, fields=s.fields,
                   officers_on_duty=s.officers_on_duty, valid_from=s.valid_from, valid_until=s.valid_until,
                   capacity=s.capacity, next_occurrences=s.occurrences(today, today + timedelta(days=62))[:4])


class BookingIn(BaseModel):
    day: date
    full_name: str = Field(min_length=1, max_length=200)
    phone: str = Field(pattern=r"^0\d{9}$", description="0xxxxxxxxx; +84…, spaces and dots are accepted")
    procedure_code: str | None = Field(default=None, max_length=64)
    note: str = Field(default="", max_length=1000)
    consent_sms: bool = Field(default=True, description="The citizen agrees to an SMS reminder the day before")

    @field_validator("phone", mode="before")
    @classmethod
    def _one_way_of_writing(cls, value: object) -> object:
        """'0987 123 456', '0987.123.456' and '+84987123456' are one phone (one booking)."""
        return normalize_phone(value) if isinstance(value, str) else value


class BookingOut(BaseModel):
    booking_id: UUID
    booking_code: str = Field(description="The reference read out to the citizen, e.g. DK-261129-3FA2C1")
    session_id: UUID
    day: date
    full_name: str
    phone_masked: str
    procedure_code: str | None
    consent_sms: bool
    cancelled_at: datetime | None = None
    cancelled_by: str | None = None


class CancellationIn(BaseModel):
    by: Literal["citizen", "officer"] = Field(
        default="citizen", description="Who cancels: the citizen (who phoned or came in) or the office")


def _local_today() -> date:
    return (utc_now() + VN_OFFSET).date()


#: Bookings of one session take turns in this process: they all write the date's counter
#: (capacity), so concurrent ones would meet in write conflicts and retry each other into the
#: ground; across replicas the transaction retry absorbs what conflicts remain.
_booking_turns = KeyedTurns()


async def book_in_turn(command: booking_cases.BookSlot, uow_factory: Callable[[], object]) -> booking_cases.Booked:
    """Book (the API and the counter page both come here)."""
    async with _booking_turns.turn(str(command.session_id)):
        return await _retried(lambda: booking_cases.book(
            command, uow_factory(), today=_local_today(), now=utc_now(), tz=timezone(VN_OFFSET)))


async def cancel_in_turn(commune_code: str, session_id: UUID, booking_id: UUID, uow_factory: Callable[[], object],
                         *, by: str, correlation_id: str | None) -> Booking:
    async with _booking_turns.turn(str(session_id)):
        return await _retried(lambda: booking_cases.cancel(
            commune_code, session_id, booking_id, uow_factory(), by=by, now=utc_now(), correlation_id=correlation_id))


async def _retried(operation):
    try:
        return await retry_transient(operation, attempts=10)
    except PyMongoError as error:
        if not error.has_error_label("TransientTransactionError"):
            raise
        raise UserFacingError(503, "busy", "Hệ thống đang bận, xin vui lòng thử lại sau ít phút.",
                              "The system is busy; please try again in a few minutes.") from error


def session_error(error: SessionError) -> UserFacingError:
    match error:
        case SessionFull():
            return UserFacingError(409, error.code, "Phiên làm việc này đã đủ số lượt đăng ký. Vui lòng chọn phiên khác.",
                                   "This session is fully booked. Please choose another one.")
        case SessionClosed():
            return UserFacingError(409, error.code, "Không có phiên làm việc ngoài giờ vào ngày đã chọn.",
                                   "There is no out-of-hours session on the chosen day.")
        case BookingCancelled():
            return UserFacingError(409, error.code, "Lượt đăng ký này đã được hủy trước đó.",
                                   "This booking was already cancelled.")
    reason_vi = _SCHEDULE_PROBLEM_VI.get(str(error), "xem lại các ngày và giờ đã chọn")
    return UserFacingError(422, error.code, f"Lịch phiên làm việc không hợp lệ: {reason_vi}.",
                           f"The session schedule is not valid: {error}.")


#: The domain's schedule problems (domain/sessions.py), in Vietnamese.
_SCHEDULE_PROBLEM_VI = {
    "weekday must be 0 (Monday) to 6 (Sunday)": "thứ trong tuần phải từ 0 (Thứ Hai) đến 6 (Chủ nhật)",
    "a monthly rule needs nth = 1, 2, 3, 4 or -1 (last)": "lịch hằng tháng cần chọn tuần thứ 1, 2, 3, 4 hoặc tuần cuối",
    "a session needs at least one recurrence rule": "cần ít nhất một quy tắc lặp lại",
    "the session must end after it starts": "giờ kết thúc phải sau giờ bắt đầu",
    "session hours are local time, without an offset": "giờ làm việc là giờ địa phương, không kèm múi giờ",
    "valid_until is before valid_from": "ngày kết thúc áp dụng trước ngày bắt đầu áp dụng",
}


def router(repository: Callable[[], MongoSessionRepository], uow_factory: Callable[[], object]) -> APIRouter:
    api = APIRouter(prefix="/v1/communes/{commune_code}/sessions", tags=["out-of-hours sessions"])

    async def existing(commune_code: str, session_id: UUID) -> OutOfHoursSession:
        found = await repository().get(commune_code, session_id)
        if found is None:
            raise _session_not_found()
        return found

    @api.post("", status_code=201, response_model=SessionOut, summary="Schedule a recurring out-of-hours session")
    async def create(commune_code: CommunePath, body: SessionIn) -> SessionOut:
        try:
            session = OutOfHoursSession(
                commune_code=commune_code, title=body.title,
                rules=[RecurrenceRule(r.kind, r.weekday, r.nth) for r in body.rules],
                start_time=body.start_time, end_time=body.end_time, fields=body.fields,
                officers_on_duty=body.officers_on_duty, announcement=body.announcement,
                valid_from=body.valid_from, valid_until=body.valid_until, capacity=body.capacity)
        except SessionError as error:
            raise session_error(error) from error
        await repository().add(session)
        return SessionOut.of(session, _local_today())

    @api.get("", response_model=list[SessionOut], summary="The commune's sessions, with their next dates")
    async def list_(commune_code: CommunePath) -> list[SessionOut]:
        return [SessionOut.of(s, _local_today()) for s in await repository().of_commune(commune_code)]

    @api.get("/{session_id}/occurrences", summary="Dates of a session in a period, with bookings")
    async def occurrences(commune_code: CommunePath, session_id: UUID, start: date = Query(alias="from"),
                          end: date = Query(alias="to")) -> list[dict]:
        if (end - start).days > 366:
            raise UserFacingError(422, "period_too_long", "Khoảng thời gian tối đa là một năm.",
                                  "The period may be one year at most.")
        session, repo = await existing(commune_code, session_id), repository()
        return [{"day": day, "booked": await repo.count_bookings(session.id, day), "capacity": session.capacity}
                for day in session.occurrences(start, end)]

    @api.post("/{session_id}/bookings", status_code=201, response_model=BookingOut,
              summary="Book a slot in a coming session for a citizen (201; 200 if that phone already booked it)")
    async def book(request: Request, response: Response, commune_code: CommunePath, session_id: UUID,
                   body: BookingIn) -> BookingOut:
        command = booking_cases.BookSlot(
            commune_code=commune_code, session_id=session_id, day=body.day, full_name=body.full_name,
            phone=body.phone, procedure_code=body.procedure_code, note=body.note, consent_sms=body.consent_sms,
            correlation_id=getattr(request.state, "correlation_id", None))
        try:
            booked = await book_in_turn(command, uow_factory)
        except booking_cases.SessionNotFound as error:
            raise _session_not_found() from error
        except SessionError as error:
            raise session_error(error) from error
        if not booked.new:
            response.status_code = 200
        return _booking_out(booked.booking)

    @api.get("/{session_id}/bookings", response_model=list[BookingOut], summary="Bookings of one session date")
    async def bookings(commune_code: CommunePath, session_id: UUID, day: date,
                       include_cancelled: bool = False) -> list[BookingOut]:
        session = await existing(commune_code, session_id)
        return [_booking_out(b) for b in await repository().bookings(session.id, day, include_cancelled)]

    @api.post("/{session_id}/bookings/{booking_id}/cancellation", response_model=BookingOut,
              summary="Cancel a booking: its slot is freed and no reminder goes out")
    async def cancel(request: Request, commune_code: CommunePath, session_id: UUID, booking_id: UUID,
                     body: CancellationIn | None = None) -> BookingOut:
        await existing(commune_code, session_id)
        try:
            booking = await cancel_in_turn(commune_code, session_id, booking_id, uow_factory,
                                           by=(body or CancellationIn()).by,
                                           correlation_id=getattr(request.state, "correlation_id", None))
        except booking_cases.BookingNotFound as error:
            raise UserFacingError(404, "booking_not_found", "Không tìm thấy lượt đăng ký này.",
                                  "No such booking.") from error
        except SessionError as error:
            raise session_error(error) from error
        return _booking_out(booking)

    return api


def _session_not_found() -> UserFacingError:
    return UserFacingError(404, "session_not_found", "Không tìm thấy phiên làm việc này.", "No such session.")


def _booking_out(booking: Booking) -> BookingOut:
    return BookingOut(booking_id=booking.id, booking_code=booking.code, session_id=booking.session_id,
                      day=booking.day, full_name=booking.full_name, phone_masked=mask_digits(booking.phone),
                      procedure_code=booking.procedure_code, consent_sms=booking.consent_sms,
                      cancelled_at=booking.cancelled_at, cancelled_by=booking.cancelled_by)
