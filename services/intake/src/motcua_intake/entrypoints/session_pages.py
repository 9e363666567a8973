"""Counter pages for out-of-hours sessions (phiên làm việc ngoài giờ) and citizens' bookings:

- ``/quay/{c}/phien-ngoai-gio`` — the commune's sessions (schedule in words, the next dates
  with booked/capacity) and a form to schedule a new one (weekly or monthly rule, times,
  capacity, validity);
- ``/quay/{c}/phien-ngoai-gio/{session_id}?ngay=YYYY-MM-DD`` — one date: its bookings (masked
  phones, booking codes, reminder consent, cancelled ones greyed), a form to book a citizen who
  phoned, a cancel button per booking.

Plain HTML forms posted to the page's own URL (urlencoded, no JavaScript needed; the runtime
refuses a cookie-authenticated POST from another origin). A change that succeeds redirects
(303) back to the page, so a reload never posts twice; a refusal renders the page again with
the message and every value the officer typed. Bookings and cancellations go through
``service_layer/bookings.py`` like the JSON API (same unit of work, same outbox events, same
Vietnamese refusals), sessions through the repository as ``POST …/sessions`` does.
"""

import re
from collections.abc import Awaitable, Callable
from datetime import date, time, timedelta
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode
from uuid import UUID, uuid4

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from motcua_runtime.auth import COMMUNE_STAFF
from motcua_runtime.clock import utc_now
from motcua_runtime.due_dates import WorkingCalendar
from motcua_runtime.errors import UserFacingError
from motcua_runtime.logging import mask_digits

from motcua_intake.adapters.catalogue_store import list_procedures
from motcua_intake.adapters.session_store import MongoSessionRepository
from motcua_intake.domain.catalogue import FIELDS
from motcua_intake.domain.sessions import (
    OutOfHoursSession,
    Recurrence,
    RecurrenceRule,
    SessionError,
    normalize_phone,
)
from motcua_intake.entrypoints.sessions_http import VN_OFFSET, book_in_turn, cancel_in_turn, session_error
from motcua_intake.service_layer import bookings as booking_cases

CommunePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,32}$", description="Commune (tenant) code")]

#: How far ahead the list page looks for a session's next dates (as the API's next_occurrences).
HORIZON_DAYS = 62
NEXT_DATES = 4
#: A urlencoded form larger than this is not one of these pages' forms.
MAX_FORM_BYTES = 32 * 1024
PHONE = re.compile(r"^(0|\+84)\d{9}$")
BOOKING_CODE = re.compile(r"^DK-\d{6}-[0-9A-F]{6}$")

WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NTH_EN = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
NTH_ORDER = (1, 2, 3, 4, -1)

TEXTS: dict[str, dict[str, Any]] = {
    "vi": {
        "nav": "Phiên ngoài giờ",
        "list_title": "Phiên làm việc ngoài giờ hành chính",
        "list_intro": "Các phiên tiếp nhận và trả kết quả ngoài giờ của xã/phường (ví dụ “60 phút vì dân”, "
                      "“Chủ nhật thân thiện”). Bấm vào một ngày để xem và đăng ký lượt cho công dân.",
        "no_sessions": "Xã/phường chưa có phiên làm việc ngoài giờ nào.",
        "schedule": "Lịch",
        "capacity": "Số lượt tối đa mỗi phiên",
        "unlimited": "không giới hạn",
        "validity": "Áp dụng",
        "from_day": "từ {day}",
        "until_day": "đến {day}",
        "next_dates": "Các ngày sắp tới",
        "no_next_dates": "Không có ngày nào trong {days} ngày tới.",
        "booked_of": "{booked}/{capacity} lượt",
        "booked_only": "{booked} lượt",
        "full_badge": "đã đủ",
        "created": "Đã tạo phiên làm việc “{title}”.",
        # the new-session form
        "new_title": "Lên lịch phiên làm việc mới",
        "new_intro": "Dành cho lãnh đạo và cán bộ Bộ phận Một cửa. Phiên lặp lại hằng tuần, hoặc vào một hay nhiều "
                     "tuần cố định trong tháng.",
        "title_label": "Tên phiên",
        "title_placeholder": "Ví dụ: 60 phút vì dân",
        "kind_label": "Lặp lại",
        "kinds": {"weekly": "Hằng tuần", "monthly": "Hằng tháng"},
        "weekday_label": "Vào ngày",
        "weekdays": ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"),
        "nth_legend": "Tuần trong tháng (phiên hằng tháng)",
        "nth": {1: "Tuần đầu tiên", 2: "Tuần thứ hai", 3: "Tuần thứ ba", 4: "Tuần thứ tư", -1: "Tuần cuối cùng"},
        "start_label": "Giờ bắt đầu",
        "end_label": "Giờ kết thúc",
        "capacity_label": "Số lượt đăng ký tối đa mỗi phiên",
        "capacity_hint": "Để trống nếu không giới hạn.",
        "valid_from_label": "Áp dụng từ ngày",
        "valid_until_label": "Đến ngày",
        "validity_hint": "Để trống nếu áp dụng lâu dài.",
        "announcement_label": "Thông báo cho công dân",
        "announcement_hint": "Để trống: hệ thống tự soạn từ lịch của phiên.",
        "create_button": "Tạo phiên làm việc",
        "errors_title": "Chưa tạo được phiên làm việc, vui lòng sửa các mục sau:",
        "err_title": "Vui lòng nhập tên phiên làm việc.",
        "err_title_long": "Tên phiên làm việc dài tối đa 200 ký tự.",
        "err_kind": "Vui lòng chọn lặp lại hằng tuần hoặc hằng tháng.",
        "err_weekday": "Vui lòng chọn ngày trong tuần.",
        "err_nth": "Phiên hằng tháng: vui lòng chọn ít nhất một tuần trong tháng.",
        "err_start": "Giờ bắt đầu chưa đúng (dạng giờ:phút, ví dụ 17:00).",
        "err_end": "Giờ kết thúc chưa đúng (dạng giờ:phút, ví dụ 18:00).",
        "err_end_before": "Giờ kết thúc phải sau giờ bắt đầu.",
        "err_capacity": "Số lượt tối đa phải là số nguyên từ 1 đến 100000 (hoặc để trống).",
        "err_valid_from": "Ngày bắt đầu áp dụng chưa đúng.",
        "err_valid_until": "Ngày kết thúc áp dụng chưa đúng.",
        "err_valid_order": "Ngày kết thúc áp dụng phải sau ngày bắt đầu áp dụng.",
        "err_announcement": "Thông báo dài tối đa 4000 ký tự.",
        # one date
        "day_title": "{title} — {day}",
        "back_to_list": "Tất cả phiên ngoài giờ",
        "booked_label": "Đã đăng ký",
        "remaining": "Còn {n} lượt.",
        "full_note": "Phiên này đã đủ số lượt đăng ký.",
        "not_an_occurrence": "Phiên “{title}” không họp vào ngày {day}. Vui lòng chọn một ngày dưới đây.",
        "past_day": "Ngày này đã qua: chỉ xem danh sách, không đăng ký thêm.",
        "other_dates": "Ngày khác",
        "bookings_title": "Danh sách đăng ký",
        "no_bookings": "Chưa có ai đăng ký phiên này.",
        "col_no": "STT",
        "col_code": "Mã đăng ký",
        "col_name": "Họ và tên",
        "col_phone": "Điện thoại",
        "col_procedure": "Thủ tục",
        "col_note": "Ghi chú",
        "col_reminder": "Nhắc qua SMS",
        "col_state": "Tình trạng",
        "yes": "Có",
        "no": "Không",
        "active": "Đã đăng ký",
        "cancelled": "Đã hủy",
        "cancelled_by": {"citizen": "công dân báo hủy", "officer": "cơ quan hủy"},
        "cancel_by_label": "Người hủy",
        "cancel_by": {"citizen": "Công dân báo hủy", "officer": "Cơ quan hủy"},
        "cancel_button": "Hủy lượt",
        "cancel_confirm": "Hủy lượt đăng ký {code} của {name}? Chỗ này sẽ được trả lại cho người khác.",
        "cancelled_done": "Đã hủy lượt {code}. Chỗ đã được trả lại.",
        "booking_not_found": "Không tìm thấy lượt đăng ký này.",
        # booking form
        "book_title": "Đăng ký cho công dân gọi điện",
        "book_intro": "Công dân ở xa gọi điện đến Bộ phận Một cửa: cán bộ ghi thông tin và đọc lại mã đăng ký.",
        "full_name": "Họ và tên",
        "phone": "Số điện thoại",
        "phone_hint": "Ví dụ 0987 123 456 — mỗi số điện thoại đăng ký một lượt cho mỗi phiên.",
        "procedure": "Thủ tục cần làm",
        "procedure_none": "— Chưa rõ / tư vấn —",
        "note": "Ghi chú",
        "consent_sms": "Công dân đồng ý nhận tin nhắn SMS nhắc lịch vào 16:00 ngày hôm trước",
        "book_button": "Đăng ký lượt",
        "booked_new": "Đã đăng ký. Mã đăng ký: {code} — đọc cho công dân ghi lại.",
        "booked_again": "Số điện thoại này đã đăng ký phiên ngày này: giữ nguyên lượt cũ, mã {code} (không tạo thêm lượt).",
        "err_full_name": "Vui lòng nhập họ và tên người đăng ký.",
        "err_full_name_long": "Họ và tên dài tối đa 200 ký tự.",
        "err_phone": "Số điện thoại chưa đúng: 10 chữ số bắt đầu bằng 0 (hoặc +84 và 9 chữ số).",
        "err_procedure": "Thủ tục đã chọn không có trong danh mục của xã/phường.",
        "err_note": "Ghi chú dài tối đa 1000 ký tự.",
        "book_errors_title": "Chưa đăng ký được:",
        "read_only": "Tài khoản của ông/bà chỉ được xem, không được đăng ký hay hủy lượt.",
        "session_not_found_title": "Không tìm thấy phiên làm việc",
        "session_not_found": "Không tìm thấy phiên làm việc này của xã/phường {commune}.",
        "form_too_large": "Nội dung gửi lên quá lớn.",
        "err_day": "Chưa chọn ngày của phiên (địa chỉ trang thiếu ngày dạng năm-tháng-ngày).",
    },
    "en": {
        "nav": "Out-of-hours sessions",
        "list_title": "Out-of-hours sessions",
        "list_intro": "The commune's sessions outside office hours (e.g. “60 minutes for the people”, “Friendly "
                      "Sunday”). Open a date to see and book slots for citizens.",
        "no_sessions": "The commune has no out-of-hours session yet.",
        "schedule": "Schedule",
        "capacity": "Slots per session",
        "unlimited": "no limit",
        "validity": "Valid",
        "from_day": "from {day}",
        "until_day": "until {day}",
        "next_dates": "Next dates",
        "no_next_dates": "No date in the next {days} days.",
        "booked_of": "{booked}/{capacity} booked",
        "booked_only": "{booked} booked",
        "full_badge": "full",
        "created": "Session “{title}” scheduled.",
        "new_title": "Schedule a new session",
        "new_intro": "For the commune leader and the one-stop shop's officers. A session repeats every week, or on "
                     "one or more fixed weeks of the month.",
        "title_label": "Name",
        "title_placeholder": "e.g. 60 phút vì dân",
        "kind_label": "Repeats",
        "kinds": {"weekly": "Every week", "monthly": "Every month"},
        "weekday_label": "On",
        "weekdays": WEEKDAYS_EN,
        "nth_legend": "Week of the month (monthly sessions)",
        "nth": {1: "First week", 2: "Second week", 3: "Third week", 4: "Fourth week", -1: "Last week"},
        "start_label": "Starts at",
        "end_label": "Ends at",
        "capacity_label": "Bookings per session, at most",
        "capacity_hint": "Leave empty for no limit.",
        "valid_from_label": "Valid from",
        "valid_until_label": "Until",
        "validity_hint": "Leave empty if it has no end.",
        "announcement_label": "Announcement for citizens",
        "announcement_hint": "Empty: written from the schedule.",
        "create_button": "Schedule the session",
        "errors_title": "The session was not scheduled; please correct:",
        "err_title": "Please enter the session's name.",
        "err_title_long": "The name is 200 characters at most.",
        "err_kind": "Please choose weekly or monthly.",
        "err_weekday": "Please choose the day of the week.",
        "err_nth": "Monthly session: choose at least one week of the month.",
        "err_start": "The start time is not valid (hours:minutes, e.g. 17:00).",
        "err_end": "The end time is not valid (hours:minutes, e.g. 18:00).",
        "err_end_before": "The session must end after it starts.",
        "err_capacity": "Slots must be a whole number from 1 to 100000 (or empty).",
        "err_valid_from": "The first valid day is not a date.",
        "err_valid_until": "The last valid day is not a date.",
        "err_valid_order": "The last valid day must come after the first.",
        "err_announcement": "The announcement is 4000 characters at most.",
        "day_title": "{title} — {day}",
        "back_to_list": "All out-of-hours sessions",
        "booked_label": "So far",
        "remaining": "{n} slot(s) left.",
        "full_note": "This session is fully booked.",
        "not_an_occurrence": "“{title}” does not meet on {day}. Please choose a date below.",
        "past_day": "This day is past: the list only, no new bookings.",
        "other_dates": "Other dates",
        "bookings_title": "Bookings",
        "no_bookings": "Nobody has booked this session yet.",
        "col_no": "#",
        "col_code": "Booking code",
        "col_name": "Full name",
        "col_phone": "Phone",
        "col_procedure": "Procedure",
        "col_note": "Note",
        "col_reminder": "SMS reminder",
        "col_state": "State",
        "yes": "Yes",
        "no": "No",
        "active": "Booked",
        "cancelled": "Cancelled",
        "cancelled_by": {"citizen": "by the citizen", "officer": "by the office"},
        "cancel_by_label": "Cancelled by",
        "cancel_by": {"citizen": "The citizen", "officer": "The office"},
        "cancel_button": "Cancel",
        "cancel_confirm": "Cancel booking {code} of {name}? The slot goes back to others.",
        "cancelled_done": "Booking {code} cancelled. The slot is free again.",
        "booking_not_found": "No such booking.",
        "book_title": "Book a citizen who phoned",
        "book_intro": "A citizen far away phones the one-stop shop: the officer takes the details and reads the "
                      "booking code back.",
        "full_name": "Full name",
        "phone": "Phone",
        "phone_hint": "e.g. 0987 123 456 — one booking per phone per session date.",
        "procedure": "Procedure",
        "procedure_none": "— Not known yet / advice —",
        "note": "Note",
        "consent_sms": "The citizen agrees to an SMS reminder at 16:00 the day before",
        "book_button": "Book",
        "booked_new": "Booked. Booking code: {code} — read it out to the citizen.",
        "booked_again": "This phone already booked this date: the first booking stands, code {code} (no new slot).",
        "err_full_name": "Please enter the citizen's full name.",
        "err_full_name_long": "The name is 200 characters at most.",
        "err_phone": "The phone is not valid: 10 digits starting with 0 (or +84 and 9 digits).",
        "err_procedure": "That procedure is not in the commune's catalogue.",
        "err_note": "The note is 1000 characters at most.",
        "book_errors_title": "Not booked:",
        "read_only": "Your account reads only: it cannot book or cancel.",
        "session_not_found_title": "Session not found",
        "session_not_found": "No such session in commune {commune}.",
        "form_too_large": "The form sent is too large.",
        "err_day": "No session date chosen (the page address lacks a year-month-day date).",
    },
}


# --------------------------------------------------------------------------- helpers


def schedule_en(session: OutOfHoursSession) -> str:
    def one(rule: RecurrenceRule) -> str:
        if rule.kind is Recurrence.WEEKLY:
            return f"every {WEEKDAYS_EN[rule.weekday]}"
        return f"the {NTH_EN[rule.nth]} {WEEKDAYS_EN[rule.weekday]} of the month"

    days = "; ".join(one(rule) for rule in session.rules)
    return f"{days[:1].upper()}{days[1:]}, {session.start_time:%H:%M}–{session.end_time:%H:%M}"


async def read_form(request: Request) -> dict[str, list[str]] | None:
    """A urlencoded form, every value of each name; None when it is too large to be ours."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return None
    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: [v.replace("\x00", "") for v in values] for name, values in parsed.items()}


def first(form: dict[str, list[str]], name: str) -> str:
    values = form.get(name)
    return values[-1].strip() if values else ""


def can_write(request: Request, commune_code: str) -> bool:
    principal = getattr(request.state, "principal", None)
    return bool(principal and principal.has_role(*COMMUNE_STAFF) and principal.works_for(commune_code))


def message_of(error: UserFacingError, lang: str) -> str:
    return error.message_en if lang == "en" else error.message_vi


def _parse_time(text: str) -> time | None:
    try:
        return time.fromisoformat(text) if re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", text) else None
    except ValueError:
        return None


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        return None


def session_from_form(commune_code: str, form: dict[str, list[str]], s: dict[str, Any],
                      session_id: UUID) -> tuple[OutOfHoursSession | None, dict[str, str]]:
    """The session the form describes, or the problems with it (field → message)."""
    errors: dict[str, str] = {}
    title = first(form, "tieu_de")
    if not title:
        errors["tieu_de"] = s["err_title"]
    elif len(title) > 200:
        errors["tieu_de"] = s["err_title_long"]
    kind = first(form, "lap_lai")
    if kind not in ("weekly", "monthly"):
        errors["lap_lai"] = s["err_kind"]
    weekday_text = first(form, "thu")
    weekday = int(weekday_text) if weekday_text in {str(d) for d in range(7)} else None
    if weekday is None:
        errors["thu"] = s["err_weekday"]
    nths = sorted({int(v) for v in form.get("tuan", []) if v in {str(n) for n in NTH_ORDER}},
                  key=NTH_ORDER.index)
    if kind == "monthly" and not nths:
        errors["tuan"] = s["err_nth"]
    start, end = _parse_time(first(form, "bat_dau")), _parse_time(first(form, "ket_thuc"))
    if start is None:
        errors["bat_dau"] = s["err_start"]
    if end is None:
        errors["ket_thuc"] = s["err_end"]
    if start is not None and end is not None and end <= start:
        errors["ket_thuc"] = s["err_end_before"]
    capacity_text, capacity = first(form, "so_luot"), None
    if capacity_text:
        if re.fullmatch(r"\d{1,6}", capacity_text) and 1 <= int(capacity_text) <= 100_000:
            capacity = int(capacity_text)
        else:
            errors["so_luot"] = s["err_capacity"]
    valid_from = valid_until = None
    if first(form, "tu_ngay"):
        valid_from = _parse_day(first(form, "tu_ngay"))
        if valid_from is None:
            errors["tu_ngay"] = s["err_valid_from"]
    if first(form, "den_ngay"):
        valid_until = _parse_day(first(form, "den_ngay"))
        if valid_until is None:
            errors["den_ngay"] = s["err_valid_until"]
    if valid_from and valid_until and valid_until < valid_from:
        errors["den_ngay"] = s["err_valid_order"]
    announcement = first(form, "thong_bao")
    if len(announcement) > 4000:
        errors["thong_bao"] = s["err_announcement"]
    if errors:
        return None, errors
    if kind == "weekly":
        rules = [RecurrenceRule(Recurrence.WEEKLY, weekday)]
    else:
        rules = [RecurrenceRule(Recurrence.MONTHLY, weekday, nth) for nth in nths]
    try:
        return OutOfHoursSession(commune_code=commune_code, title=title, rules=rules, start_time=start,
                                 end_time=end, announcement=announcement, valid_from=valid_from,
                                 valid_until=valid_until, capacity=capacity, id=session_id), {}
    except SessionError as error:  # the domain's own rules, should the page's miss one
        return None, {"": session_error(error).message_vi}


# --------------------------------------------------------------------------- routes


def router(
    uow_factory: Callable[[], Any],
    calendar: Callable[[], Awaitable[WorkingCalendar]],
    db: Callable[[], AsyncDatabase],
    render,
    language: Callable[[Request], str],
) -> APIRouter:
    pages = APIRouter(prefix="/quay/{commune_code}/phien-ngoai-gio", include_in_schema=False)

    def repository() -> MongoSessionRepository:
        return MongoSessionRepository(db())

    def today() -> date:
        # The day the booking use case checks against (the API's: the commune's local date).
        return (utc_now() + VN_OFFSET).date()

    async def next_dates(session: OutOfHoursSession, start: date) -> list[dict]:
        repo = repository()
        days = session.occurrences(start, start + timedelta(days=HORIZON_DAYS))[:NEXT_DATES]
        return [{"day": day, "booked": await repo.count_bookings(session.id, day)} for day in days]

    async def list_page(request: Request, commune_code: str, *, form: dict[str, list[str]] | None = None,
                        errors: dict[str, str] | None = None, status_code: int = 200) -> HTMLResponse:
        working_calendar = await calendar()
        lang = language(request)
        sessions = sorted(await repository().of_commune(commune_code), key=lambda x: x.title.casefold())
        rows = [{"session": x, "schedule": x.schedule_vi() if lang == "vi" else schedule_en(x),
                 "dates": await next_dates(x, today())} for x in sessions]
        created = request.query_params.get("phien")
        created_title = next((x.title for x in sessions if str(x.id) == created), None)
        if form is None:  # a fresh form: its key makes a double submission one session
            form = {"khoa": [uuid4().hex], "lap_lai": ["weekly"], "thu": ["0"], "bat_dau": ["17:00"],
                    "ket_thuc": ["18:00"]}
        return render.page(request, "sessions.html", working_calendar.tz, status_code=status_code,
                           commune_code=commune_code, s=TEXTS[lang], rows=rows, form=form, errors=errors or {},
                           value=lambda name: first(form, name), values=lambda name: form.get(name, []),
                           created_title=created_title, horizon=HORIZON_DAYS, nth_order=NTH_ORDER,
                           writable=can_write(request, commune_code), nav="sessions")

    @pages.get("", response_class=HTMLResponse)
    async def sessions_list(request: Request, commune_code: CommunePath) -> HTMLResponse:
        return await list_page(request, commune_code)

    @pages.post("", response_class=HTMLResponse, response_model=None)
    async def schedule(request: Request, commune_code: CommunePath) -> HTMLResponse | RedirectResponse:
        s = TEXTS[language(request)]
        form = await read_form(request)
        if form is None:
            return await list_page(request, commune_code, errors={"": s["form_too_large"]}, status_code=413)
        try:  # the form's key, made when the page was drawn, is the new session's id
            session_id = UUID(first(form, "khoa"))
        except ValueError:
            session_id = uuid4()
            form["khoa"] = [session_id.hex]
        session, errors = session_from_form(commune_code, form, s, session_id)
        if session is None:
            return await list_page(request, commune_code, form=form, errors=errors, status_code=422)
        try:
            await repository().add(session)
        except DuplicateKeyError:  # sent twice (double click, resend): the first one stands
            existing = await repository().get(commune_code, session_id)
            if existing is None:  # a key that is not this commune's: make a new one
                session.id = uuid4()
                await repository().add(session)
        return RedirectResponse(f"/quay/{commune_code}/phien-ngoai-gio?{urlencode({'phien': str(session.id)})}",
                                status_code=303)

    async def day_page(request: Request, commune_code: str, session_id: str, *,
                       form: dict[str, list[str]] | None = None, error: str | None = None,
                       book_errors: dict[str, str] | None = None, status_code: int = 200) -> HTMLResponse:
        working_calendar = await calendar()
        lang = language(request)
        s = TEXTS[lang]
        session = await _session_or_none(commune_code, session_id)
        if session is None:
            return render.page(request, "session_not_found.html", working_calendar.tz, status_code=404,
                               commune_code=commune_code, s=s, nav="sessions")
        local_today = today()
        day = _parse_day(request.query_params.get("ngay", ""))
        upcoming = await next_dates(session, local_today)
        if day is None:
            day = upcoming[0]["day"] if upcoming else local_today
        occurs = session.occurs_on(day)
        repo = repository()
        bookings = await repo.bookings(session.id, day, include_cancelled=True) if occurs else []
        booked = sum(1 for b in bookings if b.active)
        procedures = [entry.procedure for entry in await list_procedures(db(), commune_code)]
        procedure_names = {p.code: p.name for p in procedures}
        groups: dict[str, list] = {}
        for procedure in procedures:
            groups.setdefault(FIELDS.get(procedure.field, procedure.field), []).append(procedure)
        done, code = request.query_params.get("xong"), request.query_params.get("ma", "")
        done_message = None
        if BOOKING_CODE.match(code) and done in ("moi", "trung", "huy"):
            done_message = s[{"moi": "booked_new", "trung": "booked_again", "huy": "cancelled_done"}[done]].format(
                code=code)
        if form is None:
            form = {"dong_y_sms": ["1"]}  # a fresh form: the reminder is agreed by default
        weekday_names = TEXTS[lang]["weekdays"]
        return render.page(
            request, "session_day.html", working_calendar.tz, status_code=status_code, commune_code=commune_code,
            s=s, session=session, schedule=session.schedule_vi() if lang == "vi" else schedule_en(session),
            day=day, day_text=f"{weekday_names[day.weekday()]}, {day:%d/%m/%Y}", occurs=occurs,
            past=day < local_today, upcoming=upcoming, bookings=bookings, booked=booked,
            remaining=None if session.capacity is None else max(session.capacity - booked, 0),
            mask=mask_digits, procedure_names=procedure_names, groups=groups, form=form,
            value=lambda name: first(form, name), error=error, book_errors=book_errors or {},
            done_message=done_message, highlight=code if done_message else None,
            writable=can_write(request, commune_code), weekday_names=weekday_names, nav="sessions")

    @pages.get("/{session_id}", response_class=HTMLResponse)
    async def session_day(request: Request, commune_code: CommunePath, session_id: str) -> HTMLResponse:
        return await day_page(request, commune_code, session_id)

    @pages.post("/{session_id}", response_class=HTMLResponse, response_model=None)
    async def session_day_action(request: Request, commune_code: CommunePath,
                                 session_id: str) -> HTMLResponse | RedirectResponse:
        lang = language(request)
        s = TEXTS[lang]
        form = await read_form(request)
        if form is None:
            return await day_page(request, commune_code, session_id, error=s["form_too_large"], status_code=413)
        session = await _session_or_none(commune_code, session_id)
        day = _parse_day(request.query_params.get("ngay", ""))
        if session is None:
            return await day_page(request, commune_code, session_id, status_code=404)
        if day is None:  # the forms always post to "?ngay=<their date>"
            return await day_page(request, commune_code, session_id, error=s["err_day"], status_code=422)
        here = f"/quay/{commune_code}/phien-ngoai-gio/{session.id}"
        correlation_id = getattr(request.state, "correlation_id", None)

        if first(form, "thao_tac") == "huy":
            by = first(form, "nguoi_huy")
            try:
                booking_id = UUID(first(form, "luot"))
                cancelled = await cancel_in_turn(commune_code, session.id, booking_id, uow_factory,
                                                 by=by if by in ("citizen", "officer") else "citizen",
                                                 correlation_id=correlation_id)
            except (ValueError, booking_cases.BookingNotFound):
                return await day_page(request, commune_code, session_id, error=s["booking_not_found"],
                                      status_code=404)
            except SessionError as error:
                return await day_page(request, commune_code, session_id,
                                      error=message_of(session_error(error), lang), status_code=409)
            done = urlencode({"ngay": day.isoformat(), "xong": "huy", "ma": cancelled.code})
            return RedirectResponse(f"{here}?{done}", status_code=303)

        errors: dict[str, str] = {}
        full_name, phone = first(form, "ho_ten"), normalize_phone(first(form, "dien_thoai"))
        procedure_code, note = first(form, "thu_tuc") or None, first(form, "ghi_chu")
        if not full_name:
            errors["ho_ten"] = s["err_full_name"]
        elif len(full_name) > 200:
            errors["ho_ten"] = s["err_full_name_long"]
        if not PHONE.match(phone):
            errors["dien_thoai"] = s["err_phone"]
        if procedure_code is not None:
            known = {entry.procedure.code for entry in await list_procedures(db(), commune_code)}
            if procedure_code not in known:
                errors["thu_tuc"] = s["err_procedure"]
        if len(note) > 1000:
            errors["ghi_chu"] = s["err_note"]
        if errors:
            return await day_page(request, commune_code, session_id, form=form, book_errors=errors, status_code=422)
        command = booking_cases.BookSlot(
            commune_code=commune_code, session_id=session.id, day=day, full_name=full_name, phone=phone,
            procedure_code=procedure_code, note=note, consent_sms=bool(first(form, "dong_y_sms")),
            correlation_id=correlation_id)
        try:
            booked = await book_in_turn(command, uow_factory)
        except booking_cases.SessionNotFound:
            return await day_page(request, commune_code, session_id, status_code=404)
        except SessionError as error:  # full, or no session that day: the API's message, the form kept
            refusal = session_error(error)
            return await day_page(request, commune_code, session_id, form=form,
                                  book_errors={"": message_of(refusal, lang)}, status_code=refusal.status)
        outcome = "moi" if booked.new else "trung"
        return RedirectResponse(
            f"{here}?{urlencode({'ngay': day.isoformat(), 'xong': outcome, 'ma': booked.booking.code})}",
            status_code=303)

    async def _session_or_none(commune_code: str, session_id: str) -> OutOfHoursSession | None:
        try:
            parsed = UUID(session_id)
        except ValueError:
            return None
        return await repository().get(commune_code, parsed)

    return pages
