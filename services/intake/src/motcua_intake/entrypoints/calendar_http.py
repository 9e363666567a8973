"""HTTP API of the yearly working calendar: read a year, edit its days off and make-up
working days, preview an appointment. Translates requests into calls; nothing more."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated

import structlog
from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from motcua_runtime.clock import utc_now
from motcua_runtime.errors import UserFacingError

from motcua_intake.adapters.calendar_store import CalendarCache, CalendarEditConflict, CalendarStore
from motcua_runtime.due_dates import WorkingCalendar, YearNotInCalendar
from motcua_runtime.yearly_calendar import (
    FIRST_YEAR,
    LAST_YEAR,
    WEEKDAYS_VI,
    CalendarError,
    DayConflict,
    DayNotInYear,
    DayOffKind,
    DefaultUnavailable,
    MakeUpDayNotWeekend,
    NotADayOff,
    NotAMakeUpDay,
    SwapNotOnWorkingDay,
    YearCalendar,
    YearOutOfRange,
)

log = structlog.get_logger("motcua.intake.calendar")

YearPath = Annotated[int, Path(description="Calendar year", ge=FIRST_YEAR, le=LAST_YEAR)]
DayPath = Annotated[date, Path(description="The day (YYYY-MM-DD), in the year of the path")]
Reason = Annotated[str, Field(min_length=1, max_length=500, description="Why (for the record), e.g. the announcement")]
OfficerId = Annotated[str | None, Field(default=None, max_length=100)]


class DayOffOut(BaseModel):
    date: date
    weekday: str
    name: str
    kind: DayOffKind
    source: str


class MakeUpDayOut(BaseModel):
    date: date
    weekday: str
    reason: str
    source: str


class ChangeOut(BaseModel):
    at: datetime
    action: str
    dates: list[date]
    reason: str
    officer_id: str | None
    name: str | None


class YearCalendarOut(BaseModel):
    year: int
    source: str = Field(description="default: as generated; edited: changed by an administrator")
    generated_with: str
    working_days: int = Field(description="Working days in the year")
    days_off: list[DayOffOut]
    make_up_days: list[MakeUpDayOut]
    changes: list[ChangeOut]

    @classmethod
    def of(cls, calendar: YearCalendar) -> "YearCalendarOut":
        counting = WorkingCalendar(holidays=calendar.off_days, make_up_days=calendar.working_weekend_days,
                                   years=frozenset({calendar.year}))
        return cls(
            year=calendar.year,
            source=calendar.source.value,
            generated_with=calendar.generated_with,
            # Counting starts the day before 1 Jan, which is never itself looked at.
            working_days=counting.working_days_between(date(calendar.year - 1, 12, 31), date(calendar.year, 12, 31)),
            days_off=[DayOffOut(date=d.day, weekday=WEEKDAYS_VI[d.day.weekday()], name=d.name, kind=d.kind,
                                source=d.source.value) for d in calendar.days_off],
            make_up_days=[MakeUpDayOut(date=d.day, weekday=WEEKDAYS_VI[d.day.weekday()], reason=d.reason,
                                       source=d.source.value) for d in calendar.make_up_days],
            changes=[ChangeOut(at=c.at, action=c.action.value, dates=list(c.days), reason=c.reason,
                               officer_id=c.officer_id, name=c.name) for c in calendar.changes],
        )


class DayOffIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200, description="e.g. 'Tết Nguyên đán (nghỉ theo thông báo)'")
    reason: Reason
    kind: DayOffKind = DayOffKind.OTHER
    officer_id: OfficerId


class MakeUpDayIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    reason: Reason
    officer_id: OfficerId


class SwapIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    day_off: date = Field(description="A working weekday that becomes a day off")
    make_up_day: date = Field(description="A Saturday or Sunday worked instead")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    reason: Reason
    officer_id: OfficerId


class ResetIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    reason: Reason
    officer_id: OfficerId


class AppointmentOut(BaseModel):
    received_at: datetime
    processing_days: float | None
    processing_hours: float | None
    counting_start: date = Field(description="The working day the dossier counts as received on")
    appointment_at: datetime
    appointment_local: datetime = Field(description="The appointment in the deployment's local time")
    days_off: list[DayOffOut] = Field(description="Days off between the receipt and the appointment")


def router(store: Callable[[], CalendarStore], calendars: CalendarCache) -> APIRouter:
    api = APIRouter(prefix="/v1/calendar", tags=["calendar"])

    # Declared before /{year}: "appointment" is not a year.
    @api.get("/appointment", response_model=AppointmentOut, summary="Preview the appointment of a dossier")
    async def appointment(
        received_at: Annotated[datetime, Query(description="Receipt time; without an offset it is local time")],
        processing_days: Annotated[float | None, Query(ge=0, le=365)] = None,
        processing_hours: Annotated[float | None, Query(ge=0, le=2000)] = None,
    ) -> AppointmentOut:
        if (processing_days is None) == (processing_hours is None):
            raise UserFacingError(
                422, "processing_time_required",
                "Cần nhập đúng một trong hai: số ngày làm việc (processing_days) hoặc số giờ làm việc (processing_hours).",
                "Give exactly one of processing_days and processing_hours.",
            )
        local_tz = timezone(timedelta(hours=calendars.settings.utc_offset_hours))
        if received_at.tzinfo is None:
            received_at = received_at.replace(tzinfo=local_tz)
        first = received_at.astimezone(local_tz).year
        # Up to a year of working days fits in the receipt's year and the two after it.
        years = [y for y in range(first, first + 3) if y <= LAST_YEAR]
        try:
            stored = await calendars.year_calendars(years)
            calendar = await calendars.calendar(years)
            start = calendar.counting_start(received_at)
            due = (calendar.appointment(received_at, processing_days) if processing_days is not None
                   else calendar.appointment_in_hours(received_at, processing_hours))
        except (YearNotInCalendar, YearOutOfRange, DefaultUnavailable) as error:
            raise _calendar_unavailable(received_at.astimezone(local_tz).year) from error
        due_local = due.astimezone(calendar.tz)
        received_day = received_at.astimezone(calendar.tz).date()
        skipped = [d for y in stored for d in y.days_off if received_day <= d.day <= due_local.date()]
        return AppointmentOut(
            received_at=received_at.astimezone(UTC),
            processing_days=processing_days,
            processing_hours=processing_hours,
            counting_start=start,
            appointment_at=due,
            appointment_local=due_local,
            days_off=[DayOffOut(date=d.day, weekday=WEEKDAYS_VI[d.day.weekday()], name=d.name, kind=d.kind,
                                source=d.source.value) for d in skipped],
        )

    @api.get("/{year}", response_model=YearCalendarOut, summary="The working calendar of a year")
    async def get_year(year: YearPath) -> YearCalendarOut:
        try:
            return YearCalendarOut.of(await store().year(year))
        except CalendarError as error:
            raise _translate(error, year) from error

    async def edit(year: int, change, action: str, days: list[date], officer_id: str | None) -> YearCalendarOut:
        try:
            updated = await store().edit(year, change)
        except (CalendarError, CalendarEditConflict) as error:
            raise _translate(error, year) from error
        except ValueError as error:  # a name or reason of only spaces
            raise UserFacingError(
                422, "calendar_text_required",
                "Tên ngày nghỉ và lý do thay đổi không được để trống.",
                "The name of the day off and the reason must not be blank.",
            ) from error
        calendars.forget(year)
        log.info("calendar.edited", year=year, action=action, dates=[d.isoformat() for d in days],
                 officer_id=officer_id)
        return YearCalendarOut.of(updated)

    @api.put("/{year}/days-off/{day}", response_model=YearCalendarOut,
             summary="Mark a day off (or rename it): a holiday, an announced day off")
    async def put_day_off(year: YearPath, day: DayPath, body: DayOffIn) -> YearCalendarOut:
        return await edit(year, lambda c: c.with_day_off(
            day, body.name, reason=body.reason, at=utc_now(), officer_id=body.officer_id, kind=body.kind,
        ), "add_day_off", [day], body.officer_id)

    @api.delete("/{year}/days-off/{day}", response_model=YearCalendarOut, summary="Make a day off a normal day again")
    async def delete_day_off(
        year: YearPath, day: DayPath,
        reason: Annotated[str, Query(min_length=1, max_length=500, description="Why (for the record)")],
        officer_id: Annotated[str | None, Query(max_length=100)] = None,
    ) -> YearCalendarOut:
        return await edit(year, lambda c: c.without_day_off(
            day, reason=reason.strip(), at=utc_now(), officer_id=officer_id,
        ), "remove_day_off", [day], officer_id)

    @api.put("/{year}/make-up-days/{day}", response_model=YearCalendarOut,
             summary="Make a Saturday or Sunday a working day (ngày làm bù)")
    async def put_make_up_day(year: YearPath, day: DayPath, body: MakeUpDayIn) -> YearCalendarOut:
        return await edit(year, lambda c: c.with_make_up_day(
            day, reason=body.reason, at=utc_now(), officer_id=body.officer_id,
        ), "add_make_up_day", [day], body.officer_id)

    @api.delete("/{year}/make-up-days/{day}", response_model=YearCalendarOut, summary="Remove a make-up working day")
    async def delete_make_up_day(
        year: YearPath, day: DayPath,
        reason: Annotated[str, Query(min_length=1, max_length=500, description="Why (for the record)")],
        officer_id: Annotated[str | None, Query(max_length=100)] = None,
    ) -> YearCalendarOut:
        return await edit(year, lambda c: c.without_make_up_day(
            day, reason=reason.strip(), at=utc_now(), officer_id=officer_id,
        ), "remove_make_up_day", [day], officer_id)

    @api.post("/{year}/swaps", response_model=YearCalendarOut,
              summary="Swap a working weekday for a weekend day (nghỉ hoán đổi + làm bù), both at once")
    async def post_swap(year: YearPath, body: SwapIn) -> YearCalendarOut:
        return await edit(year, lambda c: c.with_swap(
            body.day_off, body.make_up_day, reason=body.reason, at=utc_now(), officer_id=body.officer_id,
            name=body.name,
        ), "swap", [body.day_off, body.make_up_day], body.officer_id)

    @api.post("/{year}/reset", response_model=YearCalendarOut,
              summary="Drop the edits of a year and generate the default again")
    async def post_reset(year: YearPath, body: ResetIn) -> YearCalendarOut:
        return await edit(year, lambda c: c.reset_to_default(
            reason=body.reason, at=utc_now(), officer_id=body.officer_id,
        ), "reset", [], body.officer_id)

    return api


def _d(day: date) -> str:
    return f"{WEEKDAYS_VI[day.weekday()]} {day:%d/%m/%Y}"


def _calendar_unavailable(year: int) -> UserFacingError:
    return UserFacingError(
        422, "calendar_year_not_available",
        f"Chưa có lịch làm việc cho khoảng thời gian này (từ năm {year}); lịch có từ năm {FIRST_YEAR} đến {LAST_YEAR}.",
        f"No working calendar covers this period (from {year}); calendars exist for {FIRST_YEAR}–{LAST_YEAR}.",
    )


def _translate(error: Exception, year: int) -> UserFacingError:
    day = error.args[0] if error.args and isinstance(error.args[0], date) else None
    match error:
        case YearOutOfRange():
            return UserFacingError(
                422, error.code,
                f"Năm {year} nằm ngoài phạm vi lịch làm việc ({FIRST_YEAR}–{LAST_YEAR}).",
                f"The year {year} is outside the working calendar's range ({FIRST_YEAR}–{LAST_YEAR}).",
            )
        case DayNotInYear():
            return UserFacingError(
                422, error.code,
                f"Ngày {day:%d/%m/%Y} không thuộc lịch năm {year}.",
                f"{day:%d/%m/%Y} is not in the calendar of {year}.",
            )
        case NotADayOff():
            return UserFacingError(
                404, error.code,
                f"{_d(day)} không phải là ngày nghỉ trong lịch năm {year}.",
                f"{day:%d/%m/%Y} is not a day off in the calendar of {year}.",
            )
        case NotAMakeUpDay():
            return UserFacingError(
                404, error.code,
                f"{_d(day)} không phải là ngày làm bù trong lịch năm {year}.",
                f"{day:%d/%m/%Y} is not a make-up working day in the calendar of {year}.",
            )
        case MakeUpDayNotWeekend():
            return UserFacingError(
                422, error.code,
                f"Ngày làm bù phải là thứ Bảy hoặc Chủ nhật; {_d(day)} vốn đã là ngày làm việc.",
                f"A make-up working day must be a Saturday or Sunday; {day:%d/%m/%Y} is already a working day.",
            )
        case DayConflict():
            return UserFacingError(
                409, error.code,
                f"{_d(day)} đang là ngày nghỉ hoặc ngày làm bù trong lịch; hãy bỏ ngày đó trước khi thay đổi.",
                f"{day:%d/%m/%Y} is already a day off or a make-up day; remove it first.",
            )
        case SwapNotOnWorkingDay():
            return UserFacingError(
                422, error.code,
                f"Ngày nghỉ hoán đổi phải là một ngày làm việc từ thứ Hai đến thứ Sáu; {_d(day)} không phải.",
                f"The swapped day off must be a working weekday; {day:%d/%m/%Y} is not.",
            )
        case CalendarEditConflict():
            return UserFacingError(
                409, error.code,
                f"Lịch năm {year} đang được người khác sửa; vui lòng thử lại.",
                f"The calendar of {year} is being edited by someone else; please try again.",
            )
        case DefaultUnavailable():
            return UserFacingError(
                503, error.code,
                f"Không tạo được lịch mặc định của năm {year}; vui lòng nhập ngày nghỉ thủ công hoặc báo quản trị.",
                f"The default calendar of {year} could not be generated.",
            )
    return UserFacingError(422, getattr(error, "code", "calendar_error"), "Không thể sửa lịch.", "Cannot edit the calendar.")
