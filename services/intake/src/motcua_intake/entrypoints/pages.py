"""HTML pages: the counter for officers (``/quay/{commune_code}/…``) and the citizen lookup
(``/tra-cuu``). Server-rendered with Jinja2, a little vanilla JavaScript, nothing fetched from
outside this service, so the pages work on an office network without the internet.

Pages read server-side (fast on an old PC: one HTML response, no client rendering) and every
change goes through the JSON API of ``http.py`` from the browser (same origin): the API's
rules and its Vietnamese refusals are the only ones, shown as they come.

Texts live in one dictionary per language (``TEXTS``); ``?lang=en`` (remembered in a cookie)
or ``Accept-Language: en…`` selects English, Vietnamese otherwise.
"""

import hashlib
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path as FilePath
from typing import Annotated, Any
from urllib.parse import quote
from uuid import uuid4

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pymongo.asynchronous.database import AsyncDatabase

from motcua_contracts import Channel, ReturnChannel
from motcua_runtime.clock import utc_now

from motcua_intake.adapters.repository import active_with_appointment_before, received_between
from motcua_intake.adapters.session_store import MongoSessionRepository
from motcua_runtime.due_dates import WorkingCalendar
from motcua_intake.domain.forms import available_forms
from motcua_intake.domain.model import STATUS_VI, Dossier, PriorityGroup, Status
from motcua_intake.service_layer.handlers import IntakeUnitOfWork

PACKAGE = FilePath(__file__).resolve().parents[1]
TEMPLATES = PACKAGE / "templates" / "pages"
STATIC = PACKAGE / "static"
STATIC_URL = "/static"
LANG_COOKIE = "motcua_lang"
#: Longest list a counter page renders; the rest are counted ("showing 200 of 340").
LIST_LIMIT = 200

CommunePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,32}$", description="Commune (tenant) code")]

# --------------------------------------------------------------------------- texts

TEXTS: dict[str, dict[str, Any]] = {
    "vi": {
        "html_lang": "vi",
        "app_name": "Bộ phận Tiếp nhận và Trả kết quả",
        "commune": "Xã/phường",
        "nav_queue": "Hồ sơ hôm nay",
        "nav_receive": "Tiếp nhận hồ sơ",
        "nav_lookup": "Tra cứu (công dân)",
        "open_code_label": "Mã hồ sơ",
        "open_code_button": "Mở",
        "language_other": "English",
        "language_other_code": "en",
        "status": dict(STATUS_VI),
        "channels": {
            Channel.COUNTER: "Tại quầy",
            Channel.ONLINE: "Trực tuyến",
            Channel.POST: "Qua bưu chính công ích",
            Channel.OUT_OF_HOURS: "Phiên ngoài giờ hành chính",
            Channel.AT_HOME: "Tiếp nhận tại nhà",
            Channel.ASSISTED: "Trực tuyến có người hỗ trợ",
        },
        "return_channels": {
            ReturnChannel.COUNTER: "Tại quầy",
            ReturnChannel.AT_HOME: "Tại nhà",
            ReturnChannel.POST: "Qua bưu chính công ích",
            ReturnChannel.ONLINE: "Trực tuyến",
        },
        "timeliness": {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn"},
        "yes": "Có",
        "no": "Không",
        "none": "—",
        # the queue
        "queue_title": "Hồ sơ hôm nay",
        "today_title": "Tiếp nhận hôm nay",
        "today_help": "Hồ sơ tiếp nhận trong ngày {date}.",
        "due_soon_title": "Sắp đến hạn trả",
        "due_soon_help": "Đang giải quyết, hẹn trả đến hết ngày làm việc tiếp theo.",
        "overdue_title": "Quá hạn",
        "overdue_help": "Đã qua giờ hẹn trả mà chưa có kết quả.",
        "empty": "Không có hồ sơ nào.",
        "shown_of": "Hiện {shown} trên {total} hồ sơ.",
        "col_code": "Mã hồ sơ",
        "col_procedure": "Thủ tục",
        "col_applicant": "Người nộp",
        "col_received": "Tiếp nhận",
        "col_appointment": "Hẹn trả",
        "col_status": "Trạng thái",
        "col_officer": "Cán bộ xử lý",
        "refreshed_at": "Cập nhật lúc {time}",
        # receive
        "receive_title": "Tiếp nhận hồ sơ",
        "procedure_label": "Thủ tục hành chính",
        "procedure_placeholder": "Gõ tên hoặc mã, ví dụ: khai sinh, chung thuc",
        "procedure_help": "Gõ không dấu cũng tìm được.",
        "procedure_chosen": "Đã chọn",
        "procedure_change": "Chọn thủ tục khác",
        "no_procedure_found": "Không tìm thấy thủ tục phù hợp.",
        "choose_procedure_first": "Hãy tìm và chọn thủ tục hành chính.",
        "search_failed": "Không tìm được thủ tục: lỗi kết nối máy chủ.",
        "processing_time": "Thời hạn",
        "fee": "Lệ phí",
        "channel_label": "Hình thức nộp",
        "assisted_by_label": "Người hỗ trợ nộp (đoàn viên, tình nguyện viên)",
        "session_label": "Phiên làm việc ngoài giờ",
        "no_open_session": "Hiện không có phiên làm việc ngoài giờ nào đang diễn ra.",
        "applicant_legend": "Người nộp hồ sơ",
        "full_name": "Họ và tên",
        "id_number": "Số CCCD/CMND",
        "id_number_hint": "12 số (CCCD) hoặc 9 số (CMND)",
        "phone": "Số điện thoại",
        "phone_hint": "Ví dụ 0987123456 — công dân tra cứu hồ sơ bằng 4 số cuối",
        "address": "Địa chỉ",
        "priority_group_label": "Đối tượng ưu tiên (được trả kết quả tại nhà miễn phí)",
        "priority_groups": {
            "": "Không thuộc đối tượng ưu tiên",
            PriorityGroup.MERITORIOUS: "Người có công với cách mạng",
            PriorityGroup.POLICY_BENEFICIARY: "Đối tượng chính sách",
            PriorityGroup.DISABLED: "Người khuyết tật",
            PriorityGroup.ELDERLY_ALONE: "Người cao tuổi sống một mình",
        },
        "consent_legend": "Đồng ý của người nộp",
        "consent_letters": "Đồng ý nhận thư chúc mừng, chia buồn, cảm ơn của UBND",
        "consent_sms": "Đồng ý nhận tin nhắn SMS về tình trạng hồ sơ",
        "submit_receive": "Tiếp nhận và hẹn trả kết quả",
        "sending": "Đang gửi…",
        "received_title": "Đã tiếp nhận hồ sơ",
        "appointment": "Ngày hẹn trả",
        "print_receipt": "In giấy tiếp nhận và hẹn trả kết quả (mẫu 01)",
        "open_dossier": "Xem hồ sơ",
        "receive_another": "Tiếp nhận hồ sơ khác",
        "network_error": "Không kết nối được máy chủ. Bấm lại nút để gửi lại — hồ sơ sẽ không bị tạo hai lần.",
        "error_status": "Máy chủ báo lỗi ({status}). Vui lòng thử lại.",
        "field_names": {
            "procedure_code": "Thủ tục", "channel": "Hình thức nộp", "assisted_by": "Người hỗ trợ",
            "applicant.full_name": "Họ và tên", "applicant.id_number": "Số CCCD/CMND",
            "applicant.phone": "Số điện thoại", "applicant.address": "Địa chỉ",
            "applicant.priority_group": "Đối tượng ưu tiên",
            "missing_items": "Thành phần còn thiếu", "officer_id": "Mã cán bộ", "handling_body": "Bộ phận xử lý",
            "to_body": "Chuyển cho", "step_working_days": "Thời hạn bước", "new_appointment_date": "Ngày hẹn mới",
            "reason": "Lý do", "to_commune_code": "Mã xã/phường nhận", "return_channel": "Hình thức trả",
        },
        "field_invalid": "{field}: chưa đúng định dạng",
        # the dossier
        "dossier_title": "Hồ sơ {code}",
        "details_title": "Thông tin hồ sơ",
        "procedure": "Thủ tục",
        "channel": "Hình thức nộp",
        "status_label": "Trạng thái",
        "received_at": "Ngày tiếp nhận",
        "appointment_at": "Ngày hẹn trả",
        "due_at": "Hạn giải quyết theo quy định",
        "returned_at": "Ngày trả kết quả",
        "timeliness_label": "Kết quả trả",
        "return_channel": "Hình thức trả",
        "free_of_charge": "Trả tại nhà miễn phí",
        "applicant": "Người nộp",
        "assisted_by": "Người hỗ trợ nộp",
        "officer": "Cán bộ xử lý",
        "handling_body": "Bộ phận đang xử lý",
        "missing_items": "Thành phần yêu cầu bổ sung",
        "closed_reason": "Lý do",
        "transferred_to": "Chuyển đến xã/phường",
        "control_slip_title": "Phiếu kiểm soát quá trình giải quyết",
        "control_slip_empty": "Chưa luân chuyển lần nào.",
        "col_from_body": "Bên giao",
        "col_to_body": "Bên nhận",
        "col_handed_at": "Thời gian giao",
        "col_step_due": "Hạn bước",
        "col_completed": "Hoàn thành",
        "col_step_timeliness": "Kết quả",
        "reschedules_title": "Các lần hẹn lại",
        "col_previous": "Hẹn cũ",
        "col_new": "Hẹn mới",
        "col_reason": "Lý do",
        "col_at": "Thời điểm",
        "actions_title": "Thao tác",
        "no_actions": "Hồ sơ đã kết thúc: không còn thao tác nào.",
        "done": "Đã cập nhật hồ sơ: {action}.",
        "reload": "Tải lại trang để xem tình trạng mới nhất của hồ sơ",
        "actions": {
            "assignment": {"title": "Phân công xử lý", "button": "Phân công"},
            "handovers": {"title": "Luân chuyển hồ sơ (ghi vào phiếu kiểm soát)", "button": "Luân chuyển"},
            "result-ready": {"title": "Đã có kết quả giải quyết", "button": "Báo đã có kết quả"},
            "return": {"title": "Trả kết quả cho công dân", "button": "Trả kết quả"},
            "supplement-request": {"title": "Yêu cầu bổ sung hồ sơ (mẫu 02)", "button": "Gửi yêu cầu bổ sung"},
            "supplement": {"title": "Công dân đã nộp bổ sung", "button": "Xác nhận đã nhận bổ sung"},
            "reschedule": {"title": "Hẹn lại ngày trả kết quả (xin lỗi, mẫu 04)", "button": "Hẹn lại"},
            "withdrawal": {"title": "Công dân rút hồ sơ", "button": "Rút hồ sơ"},
            "refusal": {"title": "Từ chối giải quyết (mẫu 03)", "button": "Từ chối"},
            "transfer": {"title": "Chuyển sang xã/phường khác", "button": "Chuyển hồ sơ"},
        },
        "missing_items_label": "Các thành phần còn thiếu — mỗi dòng một thành phần",
        "missing_items_hint": "Chỉ yêu cầu một lần: ghi đủ mọi thành phần còn thiếu.",
        "officer_id_label": "Mã cán bộ",
        "handling_body_label": "Bộ phận/cơ quan xử lý",
        "to_body_label": "Chuyển cho",
        "step_days_label": "Thời hạn bước này (ngày làm việc)",
        "new_date_label": "Ngày hẹn mới",
        "reason_label": "Lý do",
        "to_commune_label": "Mã xã/phường nhận",
        "return_channel_label": "Hình thức trả",
        "free_of_charge_label": "Trả tại nhà miễn phí (người có công, đối tượng chính sách, người khuyết tật, người cao tuổi sống một mình)",
        "forms_title": "In biểu mẫu",
        "forms": {
            "01": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả (mẫu 01)",
            "02": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (mẫu 02)",
            "03": "Phiếu từ chối giải quyết hồ sơ (mẫu 03)",
            "04": "Phiếu xin lỗi và hẹn lại ngày trả kết quả (mẫu 04)",
            "05": "Phiếu kiểm soát quá trình giải quyết hồ sơ (mẫu 05)",
        },
        "not_found_title": "Không tìm thấy hồ sơ",
        "not_found": "Không tìm thấy hồ sơ {code} của xã/phường này.",
        # citizen lookup
        "lookup_title": "Tra cứu tình trạng hồ sơ",
        "lookup_intro": "Nhập mã hồ sơ in trên giấy hẹn và 4 số cuối của số điện thoại đã khai khi nộp hồ sơ.",
        "lookup_code": "Mã hồ sơ",
        "lookup_digits": "4 số cuối số điện thoại",
        "lookup_button": "Tra cứu",
        "lookup_procedure": "Thủ tục",
        "lookup_received": "Ngày tiếp nhận",
        "lookup_appointment": "Ngày hẹn trả kết quả",
        "lookup_returned": "Ngày trả kết quả",
        "lookup_not_returned": "Chưa trả",
        "lookup_failed": "Không tra cứu được: mã hồ sơ hoặc 4 số cuối số điện thoại không đúng.",
        "lookup_digits_invalid": "Vui lòng nhập đúng 4 chữ số cuối của số điện thoại.",
        "lookup_footer": "Cần hỗ trợ, vui lòng liên hệ Bộ phận Tiếp nhận và Trả kết quả của UBND xã/phường.",
    },
    "en": {
        "html_lang": "en",
        "app_name": "One-stop shop — reception and results",
        "commune": "Commune",
        "nav_queue": "Today",
        "nav_receive": "Receive a dossier",
        "nav_lookup": "Citizen look-up",
        "open_code_label": "Dossier code",
        "open_code_button": "Open",
        "language_other": "Tiếng Việt",
        "language_other_code": "vi",
        "status": {
            Status.RECEIVED: "received",
            Status.SUPPLEMENT_REQUESTED: "waiting for a supplement",
            Status.ASSIGNED: "being handled",
            Status.RESULT_READY: "result ready to hand back",
            Status.RETURNED: "result returned",
            Status.REFUSED: "refused",
            Status.WITHDRAWN: "withdrawn",
            Status.TRANSFERRED: "transferred",
        },
        "channels": {
            Channel.COUNTER: "At the counter",
            Channel.ONLINE: "Online",
            Channel.POST: "By public post",
            Channel.OUT_OF_HOURS: "Out-of-hours session",
            Channel.AT_HOME: "Received at home",
            Channel.ASSISTED: "Online, assisted",
        },
        "return_channels": {
            ReturnChannel.COUNTER: "At the counter",
            ReturnChannel.AT_HOME: "At home",
            ReturnChannel.POST: "By public post",
            ReturnChannel.ONLINE: "Online",
        },
        "timeliness": {"early": "Early", "on_time": "On time", "late": "Late"},
        "yes": "Yes",
        "no": "No",
        "none": "—",
        "queue_title": "Today's dossiers",
        "today_title": "Received today",
        "today_help": "Dossiers received on {date}.",
        "due_soon_title": "Due soon",
        "due_soon_help": "Being handled, due by the end of the next working day.",
        "overdue_title": "Overdue",
        "overdue_help": "Past the appointment without a result.",
        "empty": "No dossiers.",
        "shown_of": "Showing {shown} of {total} dossiers.",
        "col_code": "Code",
        "col_procedure": "Procedure",
        "col_applicant": "Applicant",
        "col_received": "Received",
        "col_appointment": "Appointment",
        "col_status": "Status",
        "col_officer": "Officer",
        "refreshed_at": "Updated at {time}",
        "receive_title": "Receive a dossier",
        "procedure_label": "Administrative procedure",
        "procedure_placeholder": "Type a name or code, e.g. khai sinh, chung thuc",
        "procedure_help": "Diacritics are optional.",
        "procedure_chosen": "Chosen",
        "procedure_change": "Choose another procedure",
        "no_procedure_found": "No matching procedure.",
        "choose_procedure_first": "Search for and choose the procedure.",
        "search_failed": "The search failed: cannot reach the server.",
        "processing_time": "Time",
        "fee": "Fee",
        "channel_label": "Submitted",
        "assisted_by_label": "Assisted by (volunteer)",
        "session_label": "Out-of-hours session",
        "no_open_session": "No out-of-hours session is running now.",
        "applicant_legend": "Applicant",
        "full_name": "Full name",
        "id_number": "ID number (CCCD/CMND)",
        "id_number_hint": "12 digits (CCCD) or 9 digits (CMND)",
        "phone": "Phone",
        "phone_hint": "e.g. 0987123456 — citizens look the dossier up with its last 4 digits",
        "address": "Address",
        "priority_group_label": "Priority group (results at home, free of charge)",
        "priority_groups": {
            "": "Not in a priority group",
            PriorityGroup.MERITORIOUS: "Meritorious service to the revolution",
            PriorityGroup.POLICY_BENEFICIARY: "Policy beneficiary",
            PriorityGroup.DISABLED: "Person with a disability",
            PriorityGroup.ELDERLY_ALONE: "Elderly person living alone",
        },
        "consent_legend": "The applicant's consent",
        "consent_letters": "Agrees to receive congratulation, condolence and thank-you letters",
        "consent_sms": "Agrees to receive SMS about the dossier",
        "submit_receive": "Receive and set the appointment",
        "sending": "Sending…",
        "received_title": "Dossier received",
        "appointment": "Appointment",
        "print_receipt": "Print the receipt and appointment slip (form 01)",
        "open_dossier": "Open the dossier",
        "receive_another": "Receive another dossier",
        "network_error": "Cannot reach the server. Press the button again — the dossier will not be created twice.",
        "error_status": "The server answered with an error ({status}). Please try again.",
        "field_names": {
            "procedure_code": "Procedure", "channel": "Submitted", "assisted_by": "Assisted by",
            "applicant.full_name": "Full name", "applicant.id_number": "ID number",
            "applicant.phone": "Phone", "applicant.address": "Address",
            "applicant.priority_group": "Priority group",
            "missing_items": "Missing items", "officer_id": "Officer", "handling_body": "Handling body",
            "to_body": "Hand over to", "step_working_days": "Step time", "new_appointment_date": "New appointment",
            "reason": "Reason", "to_commune_code": "Receiving commune", "return_channel": "Returned",
        },
        "field_invalid": "{field}: not in the expected format",
        "dossier_title": "Dossier {code}",
        "details_title": "Details",
        "procedure": "Procedure",
        "channel": "Submitted",
        "status_label": "Status",
        "received_at": "Received",
        "appointment_at": "Appointment",
        "due_at": "Legal due time",
        "returned_at": "Returned",
        "timeliness_label": "Timeliness",
        "return_channel": "Returned",
        "free_of_charge": "At home, free of charge",
        "applicant": "Applicant",
        "assisted_by": "Assisted by",
        "officer": "Officer",
        "handling_body": "Handled by",
        "missing_items": "Items asked for",
        "closed_reason": "Reason",
        "transferred_to": "Transferred to",
        "control_slip_title": "Control slip",
        "control_slip_empty": "Not handed over yet.",
        "col_from_body": "From",
        "col_to_body": "To",
        "col_handed_at": "Handed over",
        "col_step_due": "Step due",
        "col_completed": "Completed",
        "col_step_timeliness": "Timeliness",
        "reschedules_title": "Reschedules",
        "col_previous": "Previous",
        "col_new": "New",
        "col_reason": "Reason",
        "col_at": "When",
        "actions_title": "Actions",
        "no_actions": "The dossier is closed: no actions left.",
        "done": "Dossier updated: {action}.",
        "reload": "Reload the page to see the dossier's latest state",
        "actions": {
            "assignment": {"title": "Assign", "button": "Assign"},
            "handovers": {"title": "Hand over (a row of the control slip)", "button": "Hand over"},
            "result-ready": {"title": "The result is ready", "button": "Mark the result ready"},
            "return": {"title": "Hand the result back", "button": "Return the result"},
            "supplement-request": {"title": "Ask for a supplement (form 02)", "button": "Ask for the supplement"},
            "supplement": {"title": "The citizen brought the supplement", "button": "Confirm the supplement"},
            "reschedule": {"title": "Reschedule (apology, form 04)", "button": "Reschedule"},
            "withdrawal": {"title": "The citizen withdraws the dossier", "button": "Withdraw"},
            "refusal": {"title": "Refuse (form 03)", "button": "Refuse"},
            "transfer": {"title": "Transfer to another commune", "button": "Transfer"},
        },
        "missing_items_label": "Missing items — one per line",
        "missing_items_hint": "Asked for once only: list every missing item.",
        "officer_id_label": "Officer id",
        "handling_body_label": "Handling body",
        "to_body_label": "Hand over to",
        "step_days_label": "Time for this step (working days)",
        "new_date_label": "New appointment date",
        "reason_label": "Reason",
        "to_commune_label": "Receiving commune code",
        "return_channel_label": "Returned",
        "free_of_charge_label": "At home, free of charge (meritorious service, policy beneficiaries, disabled, elderly living alone)",
        "forms_title": "Print forms",
        "forms": {
            "01": "Receipt and appointment slip (form 01)",
            "02": "Request to supplement the dossier (form 02)",
            "03": "Refusal (form 03)",
            "04": "Apology and new appointment (form 04)",
            "05": "Dossier control slip (form 05)",
        },
        "not_found_title": "Dossier not found",
        "not_found": "No dossier {code} in this commune.",
        "lookup_title": "Look up a dossier",
        "lookup_intro": "Enter the dossier code printed on the appointment slip and the last 4 digits of the phone number given when submitting.",
        "lookup_code": "Dossier code",
        "lookup_digits": "Last 4 digits of the phone",
        "lookup_button": "Look up",
        "lookup_procedure": "Procedure",
        "lookup_received": "Received",
        "lookup_appointment": "Appointment",
        "lookup_returned": "Result returned",
        "lookup_not_returned": "Not yet",
        "lookup_failed": "Not found: the dossier code or the last 4 digits of the phone are wrong.",
        "lookup_digits_invalid": "Enter exactly the last 4 digits of the phone number.",
        "lookup_footer": "For help, contact the one-stop shop of the commune People's Committee.",
    },
}

#: The lifecycle actions in the order the page offers them (the API path of each).
ACTION_ORDER = ("assignment", "handovers", "result-ready", "return", "supplement-request", "supplement",
                "reschedule", "withdrawal", "refusal", "transfer")


def language(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if chosen in TEXTS:
        return chosen
    return "en" if request.headers.get("accept-language", "").lower().startswith("en") else "vi"


# --------------------------------------------------------------------------- access


async def counter_officer(request: Request) -> None:
    """Every counter page passes here. The sign-in and the commune check are not here but in the
    service's access table (entrypoints/access.py, rule ``/quay/{commune_code}/*``), enforced for
    every route of the app: a browser without a valid sign-in is sent to the sign-in page and
    comes back; an officer of another commune gets 403. Page-specific needs go here."""


# --------------------------------------------------------------------------- reads
# Read-only queries the list API lacks (received on a day; active dossiers with an
# appointment before a time). They belong in adapters/repository.py behind filters of
# GET /v1/communes/{c}/dossiers; kept here until they move.


def allowed_actions(dossier: Dossier, calendar: WorkingCalendar, now: datetime) -> list[str]:
    """The actions the domain allows now, in the order the page shows them."""
    allowed = set(dossier.allowed_actions())
    return [action for action in ACTION_ORDER if action in allowed]


def forms_of(dossier: Dossier) -> list[str]:
    """The printable forms that have content for this dossier (the rule lives in domain/forms.py)."""
    return list(available_forms(dossier))


# --------------------------------------------------------------------------- rendering


def _asset_versions() -> dict[str, str]:
    # A content hash in the URL lets browsers keep the files until they change.
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:10] for p in STATIC.iterdir() if p.is_file()}


class Renderer:
    def __init__(self) -> None:
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                               trim_blocks=True, lstrip_blocks=True, auto_reload=False)
        versions = _asset_versions()
        self.env.globals["asset"] = lambda name: f"{STATIC_URL}/{name}?v={versions.get(name, '0')}"

    def page(self, request: Request, template: str, tz: timezone, status_code: int = 200,
             **context: Any) -> HTMLResponse:
        lang = language(request)
        t = TEXTS[lang]

        def when(moment: datetime | None, with_time: bool = True) -> str:
            if moment is None:
                return t["none"]
            local = moment.astimezone(tz)
            return f"{local:%d/%m/%Y %H:%M}" if with_time else f"{local:%d/%m/%Y}"

        html = self.env.get_template(template).render(t=t, lang=lang, when=when, request=request, **context)
        response = HTMLResponse(html, status_code=status_code,
                                headers={"Cache-Control": "no-store", "Content-Language": lang})
        if request.query_params.get("lang") in TEXTS:
            response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax")
        return response


def _local_day_bounds(now: datetime, tz: timezone) -> tuple[date, datetime, datetime]:
    today = now.astimezone(tz).date()
    start = datetime.combine(today, time(0), tzinfo=tz)
    return today, start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


# --------------------------------------------------------------------------- routes


def install(
    app: FastAPI,
    uow_factory: Callable[[], IntakeUnitOfWork],
    calendar: Callable[[], Awaitable[WorkingCalendar]],
    db: Callable[[], AsyncDatabase],
) -> None:
    """Mount the static files and add the counter and lookup pages to ``app``."""
    render = Renderer()
    app.mount(STATIC_URL, StaticFiles(directory=STATIC), name="static")
    app.include_router(counter_router(uow_factory, calendar, db, render))
    # The applicant's personal data (on purpose, logged) and the leader's access log.
    from motcua_intake.entrypoints import privacy_pages
    app.include_router(privacy_pages.router(calendar, db, render, language))
    # Out-of-hours sessions and citizens' bookings (entrypoints/session_pages.py).
    from motcua_intake.entrypoints import session_pages
    app.include_router(session_pages.router(uow_factory, calendar, db, render, language))
    app.include_router(public_router(calendar, render))


def counter_router(
    uow_factory: Callable[[], IntakeUnitOfWork],
    calendar: Callable[[], Awaitable[WorkingCalendar]],
    db: Callable[[], AsyncDatabase],
    render: Renderer,
) -> APIRouter:
    pages = APIRouter(prefix="/quay/{commune_code}", include_in_schema=False,
                      dependencies=[Depends(counter_officer)])

    @pages.get("/", response_class=HTMLResponse)
    async def queue(request: Request, commune_code: CommunePath) -> HTMLResponse:
        working_calendar = await calendar()
        now, tz = utc_now(), working_calendar.tz
        today, start, end = _local_day_bounds(now, tz)
        received, received_total = await received_between(db(), commune_code, start, end, LIST_LIMIT)
        # The same horizon as the deadline scan: to the end of the next working day.
        horizon = datetime.combine(working_calendar.next_working_day(today) + timedelta(days=1), time(0), tzinfo=tz)
        pending = await active_with_appointment_before(db(), commune_code, horizon, 2 * LIST_LIMIT)
        overdue = [d for d in pending if d.is_overdue(now)]
        due_soon = [d for d in pending if d.is_due_soon(now, working_calendar)]
        return render.page(request, "queue.html", tz, commune_code=commune_code, today=today, now=now,
                           received=received, received_total=received_total, overdue=overdue, due_soon=due_soon)

    @pages.get("/tiep-nhan", response_class=HTMLResponse)
    async def receive(request: Request, commune_code: CommunePath) -> HTMLResponse:
        working_calendar = await calendar()
        local_now = datetime.now(UTC).astimezone(working_calendar.tz)
        sessions = await MongoSessionRepository(db()).of_commune(commune_code)
        open_sessions = [s for s in sessions if s.is_open_at(local_now)]
        # One key per form load: a double click, or a resend after a lost answer, makes one
        # dossier. Made here because crypto.randomUUID needs HTTPS, which a commune LAN may lack.
        return render.page(request, "receive.html", working_calendar.tz, commune_code=commune_code,
                           idempotency_key=uuid4().hex, channels=list(Channel), open_sessions=open_sessions,
                           utc_offset_hours=working_calendar.utc_offset_hours)

    @pages.get("/ho-so", response_class=RedirectResponse)
    async def open_by_code(commune_code: CommunePath, ma: Annotated[str, Query(max_length=64)] = "") -> RedirectResponse:
        code = ma.strip()
        target = f"/quay/{commune_code}/ho-so/{quote(code, safe='')}" if code else f"/quay/{commune_code}/"
        return RedirectResponse(target, status_code=303)

    @pages.get("/ho-so/{dossier_code}", response_class=HTMLResponse)
    async def dossier_page(request: Request, commune_code: CommunePath, dossier_code: str) -> HTMLResponse:
        working_calendar = await calendar()
        async with uow_factory() as uow:
            dossier = await uow.dossiers.get(commune_code, dossier_code)
        if dossier is None:
            return render.page(request, "not_found.html", working_calendar.tz, status_code=404,
                               commune_code=commune_code, dossier_code=dossier_code)
        now = utc_now()
        return render.page(
            request, "dossier.html", working_calendar.tz, commune_code=commune_code, dossier=dossier,
            actions=allowed_actions(dossier, working_calendar, now), forms=forms_of(dossier),
            return_channels=list(ReturnChannel), done=request.query_params.get("xong"),
            tomorrow=(now.astimezone(working_calendar.tz).date() + timedelta(days=1)).isoformat(),
        )

    return pages


def public_router(calendar: Callable[[], Awaitable[WorkingCalendar]], render: Renderer) -> APIRouter:
    """Pages for citizens: no sign-in, ever. The lookup page shows only what
    GET /v1/public/dossiers/{code}/status answers (status and dates)."""
    public = APIRouter(include_in_schema=False)

    @public.get("/tra-cuu", response_class=HTMLResponse)
    async def lookup(request: Request, ma: Annotated[str, Query(max_length=64)] = "") -> HTMLResponse:
        working_calendar = await calendar()
        return render.page(request, "lookup.html", working_calendar.tz, code=ma.strip(),
                           utc_offset_hours=working_calendar.utc_offset_hours)

    return public
