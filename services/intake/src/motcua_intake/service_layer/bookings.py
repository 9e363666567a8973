"""Use cases of session bookings: book a slot, cancel it.

Each change and its event (``SessionBooked``, ``SessionBookingCancelled``) commit together
through the unit of work, so notify's reminder exists exactly when the booking does. Booking
twice with the same phone for the same session date returns the first booking and announces
nothing new. Capacity holds under concurrency: see ``adapters/session_store.py``.
"""

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Protocol
from uuid import UUID

from motcua_contracts import SessionBooked, SessionBookingCancelled, new_envelope

from motcua_intake.domain.sessions import Booking, OutOfHoursSession, check_booking, occurrence_bounds

SOURCE = "intake"


class SessionNotFound(Exception):
    code = "session_not_found"


class BookingNotFound(Exception):
    code = "booking_not_found"


class SessionRepository(Protocol):
    async def get(self, commune_code: str, session_id: UUID) -> OutOfHoursSession | None: ...
    async def count_bookings(self, session_id: UUID, day: date) -> int: ...
    async def touch_occurrence(self, session_id: UUID, day: date, change: int) -> None: ...
    async def active_booking_of_phone(self, session_id: UUID, day: date, phone: str) -> Booking | None: ...
    async def add_booking(self, booking: Booking) -> None: ...
    async def get_booking(self, booking_id: UUID, commune_code: str | None = None) -> Booking | None: ...
    async def save_cancellation(self, booking: Booking) -> None: ...


class BookingUnitOfWork(Protocol):
    sessions: SessionRepository

    async def __aenter__(self) -> "BookingUnitOfWork": ...
    async def __aexit__(self, *exc: object) -> None: ...
    def emit(self, envelope) -> None: ...
    async def commit(self) -> None: ...


@dataclass(frozen=True)
class BookSlot:
    commune_code: str
    session_id: UUID
    day: date
    full_name: str
    phone: str
    procedure_code: str | None = None
    note: str = ""
    consent_sms: bool = True
    correlation_id: str | None = None


@dataclass(frozen=True)
class Booked:
    booking: Booking
    session: OutOfHoursSession
    new: bool  # False: the same phone had already booked this date


async def book(command: BookSlot, uow: BookingUnitOfWork, *, today: date, now: datetime, tz: timezone) -> Booked:
    async with uow:
        session = await uow.sessions.get(command.commune_code, command.session_id)
        if session is None:
            raise SessionNotFound(str(command.session_id))
        existing = await uow.sessions.active_booking_of_phone(session.id, command.day, command.phone)
        if existing is not None:
            return Booked(existing, session, new=False)
        await uow.sessions.touch_occurrence(session.id, command.day, +1)
        check_booking(session, command.day, today, await uow.sessions.count_bookings(session.id, command.day),
                      local_now=now.astimezone(tz).time())
        booking = Booking(session_id=session.id, commune_code=command.commune_code, day=command.day,
                          full_name=command.full_name, phone=command.phone, procedure_code=command.procedure_code,
                          note=command.note, consent_sms=command.consent_sms, created_at=now)
        await uow.sessions.add_booking(booking)
        opens, closes = occurrence_bounds(session, command.day, tz)
        uow.emit(new_envelope(SessionBooked(
            booking_id=booking.id, booking_code=booking.code, session_id=session.id, session_title=session.title, day=command.day,
            starts_at=opens.astimezone(timezone.utc), ends_at=closes.astimezone(timezone.utc),
            procedure_code=command.procedure_code, applicant_name_masked=booking.masked_name(),
            applicant_phone_masked=booking.masked_phone(), consent_sms=command.consent_sms, booked_at=now),
            source=SOURCE, commune_code=command.commune_code,
            correlation_id=command.correlation_id or str(booking.id), occurred_at=now))
        await uow.commit()
    return Booked(booking, session, new=True)


async def cancel(commune_code: str, session_id: UUID, booking_id: UUID, uow: BookingUnitOfWork, *, by: str, now: datetime,
                 correlation_id: str | None = None) -> Booking:
    """Cancel a booking (raises ``BookingCancelled`` when it already is)."""
    async with uow:
        booking = await uow.sessions.get_booking(booking_id, commune_code)
        if booking is None or booking.session_id != session_id:
            raise BookingNotFound(str(booking_id))
        booking.cancel(by, now)
        await uow.sessions.save_cancellation(booking)
        await uow.sessions.touch_occurrence(booking.session_id, booking.day, -1)
        uow.emit(new_envelope(SessionBookingCancelled(
            booking_id=booking.id, session_id=booking.session_id, day=booking.day, cancelled_by=by,
            cancelled_at=now), source=SOURCE, commune_code=commune_code,
            correlation_id=correlation_id or str(booking.id), occurred_at=now))
        await uow.commit()
    return booking
