"""Counter pages for personal data, Vietnamese first:

- ``/quay/{c}/ho-so/{code}/nguoi-nop`` — the applicant's ID number, phone, address, e-mail,
  shown to an officer who says why (``?muc_dich=``); the read is logged like the API's;
- ``/quay/{c}/nhat-ky-du-lieu-ca-nhan`` — the commune leader's review of the access log
  (who read which dossier's personal data, when and why); the district overseer reads it too.
"""

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse
from pymongo.asynchronous.database import AsyncDatabase

from motcua_runtime.due_dates import WorkingCalendar

from motcua_intake.adapters import audit
from motcua_intake.adapters.repository import MongoDossierRepository
from motcua_intake.entrypoints.privacy_http import APPLICANT_FIELDS, _day_bounds, audit_reads

CommunePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,32}$")]

PURPOSES_VI = ("Đối chiếu giấy tờ khi tiếp nhận", "Liên hệ công dân về hồ sơ", "Trả kết quả cho công dân",
               "Giải quyết khiếu nại, phản ánh")
PURPOSES_EN = ("Check documents at receipt", "Contact the citizen about the dossier", "Hand the result back",
               "Handle a complaint")

TEXTS: dict[str, dict[str, Any]] = {
    "vi": {
        "applicant_title": "Thông tin người nộp hồ sơ {code}",
        "applicant_note": "Lần xem này đã được ghi vào nhật ký truy cập dữ liệu cá nhân (người xem, thời điểm, mục đích).",
        "purpose": "Mục đích xem", "purpose_label": "Vì sao cần xem thông tin cá nhân?", "show": "Xem thông tin",
        "full_name": "Họ và tên", "id_number": "Số CCCD/CMND", "phone": "Số điện thoại", "address": "Địa chỉ",
        "email": "Thư điện tử", "priority_group": "Đối tượng ưu tiên", "consent": "Đồng ý nhận thư, tin nhắn",
        "consent_letters": "Thư chúc mừng/chia buồn", "consent_sms": "Tin nhắn SMS", "opted_out": "Đã từ chối nhận",
        "yes": "Có", "no": "Không", "erased": "Đã xoá sau thời hạn lưu trữ", "back": "Quay lại hồ sơ",
        "log_title": "Nhật ký truy cập dữ liệu cá nhân", "log_intro": "Mọi lần cán bộ hoặc hệ thống khác đọc thông tin "
        "cá nhân của công dân (số CCCD, điện thoại, địa chỉ, thư điện tử, họ tên trên biểu mẫu) đều được ghi lại tại đây. "
        "Nhật ký chỉ được ghi thêm, không sửa, không xoá.",
        "col_at": "Thời điểm", "col_actor": "Người đọc", "col_roles": "Vai trò", "col_dossier": "Hồ sơ",
        "col_action": "Thao tác", "col_purpose": "Mục đích", "col_fields": "Thông tin", "filter": "Lọc",
        "dossier_code": "Mã hồ sơ", "from": "Từ ngày", "to": "Đến ngày", "empty_log": "Chưa có lần truy cập nào.",
        "showing": "Hiển thị {shown} trên tổng số {total} lần truy cập.", "view_applicant": "Xem thông tin người nộp",
        "purposes": PURPOSES_VI,
    },
    "en": {
        "applicant_title": "Applicant of dossier {code}",
        "applicant_note": "This view was written to the personal-data access log (who, when, why).",
        "purpose": "Purpose", "purpose_label": "Why do you need the personal data?", "show": "Show",
        "full_name": "Full name", "id_number": "ID number", "phone": "Phone", "address": "Address",
        "email": "E-mail", "priority_group": "Priority group", "consent": "Consent to messages",
        "consent_letters": "Letters", "consent_sms": "SMS", "opted_out": "Opted out", "yes": "Yes", "no": "No",
        "erased": "Erased after the retention period", "back": "Back to the dossier",
        "log_title": "Personal-data access log", "log_intro": "Every read of a citizen's personal data by an officer "
        "or another system is recorded here. The log is append-only.",
        "col_at": "When", "col_actor": "Who", "col_roles": "Roles", "col_dossier": "Dossier", "col_action": "Action",
        "col_purpose": "Purpose", "col_fields": "Data", "filter": "Filter", "dossier_code": "Dossier code",
        "from": "From", "to": "To", "empty_log": "No access yet.", "showing": "Showing {shown} of {total} reads.",
        "view_applicant": "Show the applicant's data", "purposes": PURPOSES_EN,
    },
}
ACTION_EN = {"view_applicant": "View applicant", "print_form": "Print a form", "ledger": "Ledger",
             "contact": "Contact for a message"}


def _day_or_none(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def router(calendar: Callable[[], Awaitable[WorkingCalendar]], db: Callable[[], AsyncDatabase], render,
           language: Callable[[Request], str]) -> APIRouter:
    pages = APIRouter(prefix="/quay/{commune_code}", include_in_schema=False)

    @pages.get("/ho-so/{dossier_code}/nguoi-nop", response_class=HTMLResponse)
    async def applicant(request: Request, commune_code: CommunePath, dossier_code: str,
                        muc_dich: Annotated[str, Query(max_length=300)] = "") -> HTMLResponse:
        working_calendar = await calendar()
        dossier = await MongoDossierRepository(db(), None).get(commune_code, dossier_code)
        if dossier is None:
            return render.page(request, "not_found.html", working_calendar.tz, status_code=404,
                               commune_code=commune_code, dossier_code=dossier_code)
        p = TEXTS[language(request)]
        purpose = muc_dich.strip()
        if not purpose:  # ask why first: nothing is shown (nor logged) without a purpose
            return render.page(request, "applicant.html", working_calendar.tz, commune_code=commune_code,
                               dossier=dossier, p=p, shown=False)
        await audit_reads(request, db(), [dossier], action="view_applicant", purpose=purpose, fields=APPLICANT_FIELDS)
        return render.page(request, "applicant.html", working_calendar.tz, commune_code=commune_code,
                           dossier=dossier, p=p, shown=True, purpose=purpose)

    @pages.get("/nhat-ky-du-lieu-ca-nhan", response_class=HTMLResponse)
    async def access_log(request: Request, commune_code: CommunePath,
                         ma: Annotated[str, Query(max_length=64)] = "",
                         tu: Annotated[str, Query(max_length=10)] = "",
                         den: Annotated[str, Query(max_length=10)] = "") -> HTMLResponse:
        working_calendar = await calendar()
        # The filter form sends empty fields; a day that is not one is ignored.
        tu, den = _day_or_none(tu), _day_or_none(den)
        lang = language(request)
        lower, upper = _day_bounds(tu, den, working_calendar.utc_offset_hours)
        entries, total = await audit.list_reads(db(), communes=[commune_code], dossier_code=ma.strip() or None,
                                                start=lower, end=upper, limit=500)
        actions = audit.ACTION_VI if lang == "vi" else ACTION_EN
        return render.page(request, "access_log.html", working_calendar.tz, commune_code=commune_code,
                           p=TEXTS[lang], entries=entries, total=total, actions=actions, code=ma.strip(),
                           start=tu.isoformat() if tu else "", end=den.isoformat() if den else "", nav="access_log")

    return pages
