"""Pages of notify: the commune's print queue and failures (``/thu/{commune}/``) and the
template editor with preview (``/thu/{commune}/mau``). Server-rendered (Jinja2), inline CSS
and a little vanilla JavaScript calling this service's JSON API (same origin, the sign-in
cookie), nothing fetched from outside. ``?lang=en`` switches to English."""

from datetime import UTC, date, datetime
from pathlib import Path as FilePath
from typing import Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from motcua_notify.adapters import storage
from motcua_notify.domain import templates as wording_rules
from motcua_notify.domain.delivery import STATUS_VI, Status
from motcua_notify.domain.rules import VIETNAM, Purpose

TEMPLATES = FilePath(__file__).resolve().parents[1] / "templates" / "pages"

TEXTS: dict[str, dict[str, Any]] = {
    "vi": {
        "lang": "vi", "other": "English", "other_code": "en",
        "app": "Thư và tin nhắn", "commune": "Xã/phường",
        "queue_title": "Thư cần in trong ngày", "day": "Ngày", "show": "Xem",
        "none_letters": "Không có thư nào trong ngày này.",
        "col_type": "Loại thư", "col_dossier": "Hồ sơ", "col_recipient": "Người nhận", "col_status": "Trạng thái",
        "col_actions": "Thao tác", "print": "In thư (PDF)", "printed": "Đã in", "handed_over": "Đã trao tay",
        "posted": "Đã gửi bưu điện",
        "letter_status": {"to_print": "Chờ in", "printed": "Đã in", "handed_over": "Đã trao tay",
                          "posted": "Đã gửi bưu điện"},
        "letter_types": {"apology": "Thư xin lỗi", "congratulation": "Thư chúc mừng", "condolence": "Thư chia buồn",
                         "thanks": "Thư cảm ơn"},
        "failures_title": "Tin nhắn gửi không được", "none_failures": "Không có tin nhắn lỗi.",
        "col_channel": "Kênh", "col_to": "Gửi tới", "col_detail": "Lý do", "col_attempts": "Số lần gửi",
        "message_status": {s.value: v for s, v in STATUS_VI.items()},
        "nav_queue": "Thư cần in", "nav_templates": "Mẫu thư và tin nhắn",
        "editor_title": "Mẫu thư và tin nhắn", "purpose": "Loại", "title_label": "Tiêu đề (thư, thư điện tử)",
        "body_label": "Nội dung thư / thư điện tử", "sms_label": "Nội dung tin nhắn SMS / Zalo",
        "placeholders": "Biến được dùng", "preview": "Xem trước", "save": "Lưu mẫu", "saved": "Đã lưu mẫu.",
        "preview_title": "Bản xem trước (dữ liệu mẫu)", "segments": "Số phần tin nhắn SMS",
        "customised": "Mẫu riêng của xã", "default": "Mẫu mặc định",
        "search_label": "Mã hồ sơ hoặc mã đăng ký (DK-…)", "search": "Tìm", "dossier_title": "Thư và tin nhắn của hồ sơ",
        "booking_title": "Tin nhắn của lượt đăng ký", "col_when": "Gửi lúc",
        "none_found": "Chưa có thư, tin nhắn nào cho hồ sơ này.", "col_kind": "Loại", "col_channels": "Kênh",
        "intent_status": {"pending": "Đang chuẩn bị", "resolved": "Đã lập", "skipped": "Không gửi",
                          "failed": "Không lấy được liên hệ"},
        "skip_reasons": {"rule_off": "xã đã tắt loại thư/tin này", "no_consent": "công dân chưa đồng ý nhận",
                         "opted_out": "công dân đã từ chối nhận", "no_channel": "không có số điện thoại/thư điện tử",
                         "unknown_dossier": "không tìm thấy hồ sơ", "contact_unavailable": "không lấy được liên hệ",
                         "booking_cancelled": "công dân đã hủy lượt đăng ký", "unknown_booking": "không tìm thấy lượt đăng ký",
                         "ballot_closed": "phiếu đánh giá đã được trả lời hoặc hết hạn",
                         "unknown_ballot": "không tìm thấy phiếu đánh giá"},
    },
    "en": {
        "lang": "en", "other": "Tiếng Việt", "other_code": "vi",
        "app": "Letters and messages", "commune": "Commune",
        "queue_title": "Letters to print today", "day": "Day", "show": "Show",
        "none_letters": "No letters on this day.",
        "col_type": "Letter", "col_dossier": "Dossier", "col_recipient": "Recipient", "col_status": "Status",
        "col_actions": "Actions", "print": "Print (PDF)", "printed": "Printed", "handed_over": "Handed over",
        "posted": "Posted",
        "letter_status": {"to_print": "To print", "printed": "Printed", "handed_over": "Handed over",
                          "posted": "Posted"},
        "letter_types": {"apology": "Apology", "congratulation": "Congratulations", "condolence": "Condolences",
                         "thanks": "Thanks"},
        "failures_title": "Messages that failed", "none_failures": "No failed messages.",
        "col_channel": "Channel", "col_to": "To", "col_detail": "Reason", "col_attempts": "Attempts",
        "message_status": {s.value: s.value for s in Status},
        "nav_queue": "Print queue", "nav_templates": "Templates",
        "editor_title": "Letter and message templates", "purpose": "Kind", "title_label": "Title (letter, e-mail)",
        "body_label": "Letter / e-mail text", "sms_label": "SMS / Zalo text",
        "placeholders": "Placeholders", "preview": "Preview", "save": "Save", "saved": "Template saved.",
        "preview_title": "Preview (sample data)", "segments": "SMS segments",
        "customised": "The commune's own", "default": "Default wording",
        "search_label": "Dossier code or booking code (DK-…)", "search": "Find",
        "dossier_title": "Letters and messages of dossier", "booking_title": "Messages of booking", "col_when": "Goes out",
        "none_found": "Nothing yet for this dossier.", "col_kind": "Kind", "col_channels": "Channels",
        "intent_status": {"pending": "Being prepared", "resolved": "Made", "skipped": "Not sent",
                          "failed": "Contact unavailable"},
        "skip_reasons": {"rule_off": "rule turned off", "no_consent": "no consent", "opted_out": "opted out",
                         "no_channel": "no phone or e-mail", "unknown_dossier": "unknown dossier",
                         "contact_unavailable": "contact unavailable", "booking_cancelled": "booking cancelled",
                         "unknown_booking": "unknown booking", "ballot_closed": "ballot answered or expired",
                         "unknown_ballot": "unknown ballot"},
    },
}


def _lang(request: Request) -> str:
    asked = request.query_params.get("lang") or request.cookies.get("motcua_lang") or ""
    if not asked and request.headers.get("accept-language", "").lower().startswith("en"):
        asked = "en"
    return "en" if asked == "en" else "vi"


def _local_time(value: datetime | None) -> str:
    """'16:00 28/11/2026' in Vietnam's time (MongoDB gives naive UTC back)."""
    if value is None:
        return "—"
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return f"{aware.astimezone(VIETNAM):%H:%M %d/%m/%Y}"


def install(app: FastAPI, infra) -> None:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.globals["local_time"] = _local_time

    def page(request: Request, name: str, **context) -> HTMLResponse:
        lang = _lang(request)
        html = env.get_template(name).render(t=TEXTS[lang], request=request, **context)
        response = HTMLResponse(html)
        if request.query_params.get("lang") in ("vi", "en"):
            response.set_cookie("motcua_lang", lang, samesite="lax")
        return response

    pages = APIRouter(prefix="/thu/{commune_code}", include_in_schema=False)

    @pages.get("/", response_class=HTMLResponse)
    async def print_queue(request: Request, commune_code: str, ngay: date | None = Query(None),
                          ma: str = Query("", max_length=64)) -> HTMLResponse:
        day = ngay or datetime.now(VIETNAM).date()
        code = ma.strip()
        booking = code.upper().startswith("DK-")
        if booking:  # a session booking: its reminder, when it goes out, and how it went
            code = code.upper()
            letters = []
            found = await storage.list_intents(infra.db, commune_code, None, 200, booking_code=code)
            sent = await storage.list_messages(infra.db, commune_code, intent_ids=[i["_id"] for i in found])
        elif code:  # one dossier: everything notify did for it, and its letters whatever their day
            letters = await storage.list_letters(infra.db, commune_code, dossier_code=code)
            found = await storage.list_intents(infra.db, commune_code, code, 200)
            sent = await storage.list_messages(infra.db, commune_code, dossier_code=code)
        else:
            letters = await storage.list_letters(infra.db, commune_code, day=day.isoformat())
            found, sent = None, []
        failures = [m for m in await storage.list_messages(infra.db, commune_code, limit=100)
                    if m["status"] in (Status.PERMANENT_FAILURE, Status.TEMPORARY_FAILURE)]
        names = wording_rules.PURPOSE_VI if _lang(request) == "vi" else wording_rules.PURPOSE_EN
        return page(request, "queue.html", commune_code=commune_code, day=day, letters=letters, failures=failures,
                    code=code, booking=booking, found=found, sent=sent, purpose_names={p.value: n for p, n in names.items()},
                    nav="queue")

    @pages.get("/mau", response_class=HTMLResponse)
    async def editor(request: Request, commune_code: str, loai: Purpose = Query(Purpose.APOLOGY)) -> HTMLResponse:
        from motcua_notify.service_layer.delivery import wording_for

        stored = await storage.get_template(infra.db, commune_code, loai.value)
        current = await wording_for(infra.db, commune_code, loai)
        lang = _lang(request)
        names = wording_rules.PURPOSE_VI if lang == "vi" else wording_rules.PURPOSE_EN
        return page(request, "templates.html", commune_code=commune_code, purpose=loai, purposes=list(Purpose),
                    purpose_names=names, wording=current, customised=stored is not None,
                    placeholders=wording_rules.placeholders(loai), nav="templates")

    app.include_router(pages)
