"""HTML pages of survey, server-rendered (Jinja2), nothing fetched from outside the service.

Citizens (no account, no JavaScript needed, small enough for a cheap phone):
- ``/p/<token>``: the ballot of the one-time link (or QR code) — one answer, then a polite
  "already sent"; an expired link says so;
- ``/phan-anh``: send feedback or a petition; ``/phan-anh/<code>``: its public status.

Officers (signed in; commune rules of ``access.py``):
- ``/khao-sat/<commune>/``: satisfaction by channel, ballots (print the return slip), answers;
- ``/khao-sat/<commune>/phieu/<ballot>``: the printable return slip with QR code and short link;
- ``/khao-sat/<commune>/theo-doi``: follow-ups (the leader resolves them);
- ``/khao-sat/<commune>/phan-anh``: feedback with owner and reply;
- ``/khao-sat/<commune>/kiosk``: the counter tablet (taps queued in the browser when offline);
- ``/khao-sat-chien-dich``: campaigns, progress, before/after.

Vietnamese first; ``?lang=en`` (kept in a cookie) or ``Accept-Language: en`` for English.
"""

from datetime import datetime, timedelta, timezone
from pathlib import Path as FilePath
from typing import Any
from urllib.parse import parse_qs, quote
from uuid import UUID

import segno
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import ValidationError

from motcua_runtime.auth import Role
from motcua_runtime.clock import utc_now
from motcua_runtime.errors import UserFacingError

from motcua_survey.adapters import repository as queries
from motcua_survey.domain.follow_up import FollowUpStatus
from motcua_survey.domain.model import BallotStatus
from motcua_survey.domain.questions import SCALE_EN, SCALE_VI, question_set
from motcua_survey.entrypoints.http import (
    FeedbackIn,
    Survey,
    client_address,
    compare_campaigns,
    not_found,
    run,
    send,
)
from motcua_survey.service_layer import handlers

TEMPLATES = FilePath(__file__).resolve().parents[1] / "templates"
LANG_COOKIE = "motcua_lang"
LIST_LIMIT = 200

_CHANNELS_VI = {"online": "Phiếu điện tử (đường link, mã QR)", "kiosk": "Máy đánh giá tại quầy",
                "paper": "Phiếu giấy", "phone": "Qua điện thoại", "in_person": "Phỏng vấn trực tiếp"}
_CHANNELS_EN = {"online": "Ballot link / QR code", "kiosk": "Counter kiosk", "paper": "Paper ballot",
                "phone": "Phone", "in_person": "In person"}

TEXTS: dict[str, dict[str, Any]] = {
    "vi": {
        "app_name": "Đánh giá sự hài lòng — Bộ phận Một cửa", "language_other": "English",
        "scale": SCALE_VI, "channels": _CHANNELS_VI, "none": "—", "empty": "Chưa có mục nào.",
        "ballot_title": "Phiếu đánh giá sự hài lòng",
        "ballot_intro": "Xin ông/bà dành một phút đánh giá việc giải quyết thủ tục {procedure}. "
                        "Phiếu dùng được một lần, đến {until}.",
        "overall_legend": "Đánh giá chung (bắt buộc)", "factors_legend": "Các tiêu chí (không bắt buộc)",
        "commitments_legend": "Cam kết của cán bộ (không bắt buộc)", "more_legend": "Thêm",
        "visits_label": "Ông/bà đã phải đến bao nhiêu lần cho hồ sơ này?",
        "comment_label": "Ý kiến khác", "complaint_label": "Tôi muốn khiếu nại, phản ánh về việc giải quyết này",
        "anonymous_label": "Gửi ẩn danh (không gắn với hồ sơ của tôi)",
        "anonymous_forced": "Phiếu được lưu ẩn danh: không gắn với hồ sơ của ông/bà.",
        "send": "Gửi", "question_set_note": "Bộ câu hỏi {id}.",
        "choose_overall": "Xin ông/bà chọn mức đánh giá chung trước khi gửi.",
        "thanks_title": "Cảm ơn ông/bà", "thanks": "Đánh giá của ông/bà đã được ghi nhận. Xin chân thành cảm ơn!",
        "thanks_complaint": "Đánh giá của ông/bà đã được ghi nhận; lãnh đạo xã/phường sẽ xem xét ý kiến khiếu nại. "
                            "Xin chân thành cảm ơn!",
        "used_title": "Phiếu đã được gửi",
        "used": "Phiếu đánh giá này đã được gửi trước đó, nên không gửi lại được. Cảm ơn ông/bà đã đánh giá.",
        "expired_title": "Phiếu đã hết hạn",
        "expired": "Rất tiếc, phiếu đánh giá này đã hết hạn nên không gửi được nữa. Cảm ơn ông/bà đã quan tâm; "
                   "ông/bà vẫn có thể gửi phản ánh, kiến nghị.",
        "unknown_title": "Không tìm thấy phiếu",
        "unknown": "Không tìm thấy phiếu đánh giá này. Xin ông/bà kiểm tra lại đường link trên tin nhắn hoặc giấy hẹn.",
        "feedback_link": "Gửi phản ánh, kiến nghị",
        "slip_title": "Phiếu đánh giá sự hài lòng", "slip_dossier": "Hồ sơ",
        "slip_invite": "Quét mã QR hoặc mở đường link dưới đây để đánh giá (một lần, mất khoảng một phút):",
        "slip_expires": "Phiếu dùng được đến ngày {until}.", "print": "In phiếu", "print_slip": "In phiếu đánh giá",
        "ballot_status": {"open": "Đang mở", "submitted": "Đã gửi", "expired": "Hết hạn"},
        "nav_home": "Kết quả đánh giá", "nav_follow_ups": "Việc cần xử lý", "nav_feedback": "Phản ánh, kiến nghị",
        "nav_kiosk": "Máy đánh giá tại quầy", "nav_campaigns": "Đợt khảo sát",
        "home_title": "Kết quả đánh giá sự hài lòng", "answers_total": "Tất cả các kênh",
        "satisfied_of": "hài lòng / đã đánh giá", "open_items": "đang chờ",
        "ballots_title": "Phiếu đánh giá theo hồ sơ", "answers_title": "Đánh giá gần đây",
        "dossier_code": "Mã hồ sơ", "find": "Tìm", "procedure": "Thủ tục", "status": "Trạng thái",
        "expires": "Hạn phiếu", "when": "Thời điểm", "channel": "Kênh", "overall": "Đánh giá chung",
        "officer": "Cán bộ", "comment": "Ý kiến", "complaint": "khiếu nại",
        "follow_ups_title": "Việc cần lãnh đạo xử lý",
        "follow_ups_help": "Mỗi phiếu có đánh dấu khiếu nại hoặc đánh giá chung từ mức \u201c{threshold}\u201d trở xuống "
                           "tạo một việc cho lãnh đạo xã/phường.",
        "reason": "Lý do", "reasons": {"complaint": "Khiếu nại", "low_score": "Đánh giá rất thấp"},
        "resolved": "Đã xử lý", "resolution": "Kết quả xử lý", "resolve": "Ghi nhận đã xử lý",
        "open_item": "Chờ lãnh đạo xử lý",
        "feedback_title": "Phản ánh, kiến nghị", "feedback_public_form": "Công dân, doanh nghiệp gửi tại",
        "code": "Mã", "kind": "Loại", "kinds": {"feedback": "Phản ánh", "petition": "Kiến nghị"},
        "content": "Nội dung", "received": "Ngày nhận", "due": "Hạn trả lời", "owner": "Người xử lý",
        "reply": "Trả lời", "assign": "Giao", "send_reply": "Gửi trả lời", "answered": "Ngày trả lời",
        "late_answered": "Trả lời quá hạn", "overdue": "Quá hạn, chưa trả lời",
        "feedback_status": {"received": "Đã tiếp nhận", "in_progress": "Đang xử lý", "answered": "Đã trả lời"},
        "feedback_form_title": "Gửi phản ánh, kiến nghị",
        "feedback_form_intro": "Phản ánh về thủ tục hoặc cán bộ, kiến nghị với xã/phường (có hoặc không có mã hồ sơ). "
                               "Mỗi phản ánh được trả lời trong {days} ngày làm việc; ông/bà theo dõi bằng mã được cấp.",
        "commune": "Mã xã/phường", "sender": "Người gửi",
        "senders": {"citizen": "Công dân", "business": "Doanh nghiệp, tổ chức"},
        "sender_name": "Họ tên hoặc tên doanh nghiệp (không bắt buộc)",
        "about_procedure": "Về thủ tục (mã hoặc tên, không bắt buộc)",
        "about_officer": "Về cán bộ (không bắt buộc)", "about_dossier": "Mã hồ sơ (nếu có)",
        "follow_code": "Tra cứu theo mã phản ánh",
        "feedback_created": "Đã tiếp nhận. Mã theo dõi của ông/bà là {code} — xin ghi lại mã này.",
        "kiosk_title": "Đánh giá tại quầy", "kiosk_question": "Ông/bà có hài lòng với cán bộ vừa phục vụ không?",
        "kiosk_officer": "Cán bộ được đánh giá",
        "kiosk_texts": {"thanks": "Cảm ơn ông/bà đã đánh giá!", "pending": "Còn {n} đánh giá chờ gửi.",
                        "all_sent": "Đã gửi hết.", "offline": "Mất kết nối — đánh giá được giữ lại và sẽ tự gửi.",
                        "server_refused": "Máy chủ từ chối"},
        "campaigns_title": "Các đợt khảo sát", "campaign": "Đợt", "period": "Thời gian", "communes": "Xã/phường",
        "progress": "Tiến độ (phiếu / mục tiêu)",
        "campaign_kinds": {"baseline": "Khảo sát ban đầu", "yearly": "Khảo sát hằng năm", "other": "Khác"},
        "compare_title": "So sánh trước / sau", "before": "Trước", "after": "Sau", "compare": "So sánh",
        "change": "Thay đổi", "points": "điểm %",
        "factor_names": {"access": "Tiếp cận dịch vụ", "procedure": "Thủ tục hành chính",
                         "officer": "Công chức giải quyết", "result": "Kết quả giải quyết",
                         "feedback": "Tiếp nhận, xử lý phản ánh"},
        "not_comparable": "Hai đợt dùng bộ câu hỏi khác nhau: chỉ so sánh tỷ lệ hài lòng chung.",
        "error_title": "Không thực hiện được",
    },
    "en": {
        "app_name": "Citizen satisfaction — one-stop shop", "language_other": "Tiếng Việt",
        "scale": SCALE_EN, "channels": _CHANNELS_EN, "none": "—", "empty": "Nothing yet.",
        "ballot_title": "Satisfaction ballot",
        "ballot_intro": "Please take a minute to rate how the procedure {procedure} was handled. "
                        "The ballot can be used once, until {until}.",
        "overall_legend": "Overall (required)", "factors_legend": "Factors (optional)",
        "commitments_legend": "The officers' commitments (optional)", "more_legend": "More",
        "visits_label": "How many times did you have to come for this dossier?",
        "comment_label": "Other comments", "complaint_label": "I want to complain about how this was handled",
        "anonymous_label": "Send anonymously (not linked to my dossier)",
        "anonymous_forced": "Answers are kept anonymously: not linked to your dossier.",
        "send": "Send", "question_set_note": "Question set {id}.",
        "choose_overall": "Please choose an overall rating before sending.",
        "thanks_title": "Thank you", "thanks": "Your answer has been recorded. Thank you!",
        "thanks_complaint": "Your answer has been recorded; the commune leader will look into your complaint. "
                            "Thank you!",
        "used_title": "Ballot already sent",
        "used": "This ballot has already been sent and cannot be sent again. Thank you for your feedback.",
        "expired_title": "Ballot expired",
        "expired": "Sorry, this ballot has expired and can no longer be sent. Thank you for your interest; "
                   "you can still send feedback.",
        "unknown_title": "Ballot not found",
        "unknown": "This ballot was not found. Please check the link in the message or on the slip.",
        "feedback_link": "Send feedback or a petition",
        "slip_title": "Satisfaction ballot", "slip_dossier": "Dossier",
        "slip_invite": "Scan the QR code or open the link below to rate us (once, about a minute):",
        "slip_expires": "The ballot can be used until {until}.", "print": "Print", "print_slip": "Print ballot",
        "ballot_status": {"open": "Open", "submitted": "Sent", "expired": "Expired"},
        "nav_home": "Results", "nav_follow_ups": "Follow-ups", "nav_feedback": "Feedback and petitions",
        "nav_kiosk": "Counter kiosk", "nav_campaigns": "Campaigns",
        "home_title": "Satisfaction results", "answers_total": "All channels",
        "satisfied_of": "satisfied / answered", "open_items": "open",
        "ballots_title": "Ballots by dossier", "answers_title": "Recent answers",
        "dossier_code": "Dossier code", "find": "Find", "procedure": "Procedure", "status": "Status",
        "expires": "Expires", "when": "When", "channel": "Channel", "overall": "Overall",
        "officer": "Officer", "comment": "Comment", "complaint": "complaint",
        "follow_ups_title": "Follow-ups for the commune leader",
        "follow_ups_help": "Every answer with a complaint ticked, or an overall rating of \u201c{threshold}\u201d or "
                           "lower, puts an item here for the commune leader.",
        "reason": "Reason", "reasons": {"complaint": "Complaint", "low_score": "Very low score"},
        "resolved": "Resolved", "resolution": "What was done", "resolve": "Record as resolved",
        "open_item": "Waiting for the leader",
        "feedback_title": "Feedback and petitions", "feedback_public_form": "Citizens and businesses send them at",
        "code": "Code", "kind": "Kind", "kinds": {"feedback": "Feedback", "petition": "Petition"},
        "content": "Content", "received": "Received", "due": "Reply due", "owner": "Owner",
        "reply": "Reply", "assign": "Assign", "send_reply": "Send reply", "answered": "Answered",
        "late_answered": "Answered late", "overdue": "Overdue, not answered",
        "feedback_status": {"received": "Received", "in_progress": "In progress", "answered": "Answered"},
        "feedback_form_title": "Send feedback or a petition",
        "feedback_form_intro": "Feedback about a procedure or an officer, or a petition to the commune (with or "
                               "without a dossier code). Each gets a reply within {days} working days; follow it "
                               "with the code you receive.",
        "commune": "Commune code", "sender": "Sender",
        "senders": {"citizen": "Citizen", "business": "Business or organisation"},
        "sender_name": "Name or business name (optional)",
        "about_procedure": "About a procedure (code or name, optional)",
        "about_officer": "About an officer (optional)", "about_dossier": "Dossier code (if any)",
        "follow_code": "Look up by feedback code",
        "feedback_created": "Received. Your follow-up code is {code} — please write it down.",
        "kiosk_title": "Rate us", "kiosk_question": "Are you satisfied with the officer who just served you?",
        "kiosk_officer": "Officer rated",
        "kiosk_texts": {"thanks": "Thank you for your rating!", "pending": "{n} ratings waiting to be sent.",
                        "all_sent": "All sent.", "offline": "Offline — ratings are kept and will be sent.",
                        "server_refused": "Server refused"},
        "campaigns_title": "Survey campaigns", "campaign": "Campaign", "period": "Period", "communes": "Communes",
        "progress": "Progress (answers / target)",
        "campaign_kinds": {"baseline": "Baseline", "yearly": "Yearly", "other": "Other"},
        "compare_title": "Before / after", "before": "Before", "after": "After", "compare": "Compare",
        "change": "Change", "points": "points",
        "factor_names": {"access": "Access", "procedure": "Procedure", "officer": "Officer", "result": "Result",
                         "feedback": "Feedback handling"},
        "not_comparable": "The two campaigns used different question sets: only the overall rate compares.",
        "error_title": "Could not be done",
    },
}


def language(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if chosen in TEXTS:
        return chosen
    return "en" if request.headers.get("accept-language", "").lower().startswith("en") else "vi"


async def form_of(request: Request) -> dict[str, str]:
    """A urlencoded form (what a browser posts without JavaScript); the last value of a name wins."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}


class Renderer:
    def __init__(self, utc_offset_hours: int) -> None:
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
        self.tz = timezone(timedelta(hours=utc_offset_hours))

    def page(self, request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        lang = language(request)
        t = TEXTS[lang]

        def when(moment: datetime | None, with_time: bool = True) -> str:
            if moment is None:
                return t["none"]
            local = moment.astimezone(self.tz)
            return f"{local:%d/%m/%Y %H:%M}" if with_time else f"{local:%d/%m/%Y}"

        html = self.env.get_template(template).render(t=t, lang=lang, other_lang="vi" if lang == "en" else "en",
                                                      when=when, request=request, **context)
        response = HTMLResponse(html, status_code=status_code,
                                headers={"Cache-Control": "no-store", "Content-Language": lang})
        if request.query_params.get("lang") in TEXTS:
            response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax")
        return response

    def message(self, request: Request, heading_key: str, message: str, status_code: int = 200,
                css: str = "ok", link: str | None = None, link_text: str = "") -> HTMLResponse:
        t = TEXTS[language(request)]
        return self.page(request, "message.html", status_code, heading=t[heading_key], message=message, css=css,
                         link=link, link_text=link_text)

    def error(self, request: Request, error: UserFacingError) -> HTMLResponse:
        message = error.message_en if language(request) == "en" else error.message_vi
        return self.message(request, "error_title", message, status_code=error.status, css="error")


def install(app: FastAPI, survey: Survey, utc_offset_hours: int) -> None:
    render = Renderer(utc_offset_hours)
    app.include_router(citizen_router(survey, render))
    app.include_router(officer_router(survey, render))


# --------------------------------------------------------------------------- citizens


def _score(form: dict[str, str], name: str) -> int | None:
    value = form.get(name, "").strip()
    return int(value) if value.isdigit() else (None if not value else -1)


def citizen_router(survey: Survey, render: Renderer) -> APIRouter:
    pages = APIRouter(include_in_schema=False)
    policy = survey.policy

    def ballot_state(request: Request, status: BallotStatus | None) -> HTMLResponse:
        t = TEXTS[language(request)]
        if status is None:
            return render.message(request, "unknown_title", t["unknown"], 404, "error")
        if status is BallotStatus.SUBMITTED:
            return render.message(request, "used_title", t["used"], 409, "ok")
        return render.message(request, "expired_title", t["expired"], 410, "error", link="/phan-anh",
                              link_text=t["feedback_link"])

    def ballot_form(request: Request, ballot, form: dict, error: str | None = None, status_code: int = 200):
        return render.page(request, "ballot.html", status_code, ballot=ballot, qs=question_set(policy.question_set),
                           form=form, error=error, anonymous_forced=policy.anonymous or ballot.anonymous)

    @pages.get("/p/{token}", response_class=HTMLResponse)
    async def ballot_page(request: Request, token: str) -> HTMLResponse:
        ballot = await queries.find_ballot_by_token(survey.db(), token.strip().lower())
        status = ballot.status_at(utc_now()) if ballot else None
        if status is not BallotStatus.OPEN:
            return ballot_state(request, status)
        return ballot_form(request, ballot, {})

    @pages.post("/p/{token}", response_class=HTMLResponse)
    async def ballot_submit(request: Request, token: str) -> HTMLResponse:
        t = TEXTS[language(request)]
        token = token.strip().lower()
        form = await form_of(request)
        qs = question_set(policy.question_set)
        overall = _score(form, "overall")
        if overall is None:
            ballot = await queries.find_ballot_by_token(survey.db(), token)
            if ballot is None or ballot.status_at(utc_now()) is not BallotStatus.OPEN:
                return ballot_state(request, ballot.status_at(utc_now()) if ballot else None)
            return ballot_form(request, ballot, form, t["choose_overall"], 422)
        factors = {q.key: s for q in qs.factors if (s := _score(form, f"f_{q.key}")) is not None}
        commitments = {q.key: s for q in qs.commitments if (s := _score(form, f"c_{q.key}")) is not None}
        visits = form.get("visits", "").strip()
        command = handlers.SubmitBallot(
            correlation_id=request.state.correlation_id, token=token, overall=overall, factors=factors,
            commitments=commitments, visits=int(visits) if visits.isdigit() else (None if not visits else -1),
            complaint=bool(form.get("complaint")), anonymous=bool(form.get("anonymous")),
            comment=form.get("comment") or None)
        try:
            _, answer = await run(lambda: handlers.submit_ballot(command, survey.uow_factory(), utc_now(), policy))
        except UserFacingError as error:
            if error.status == 404:
                return ballot_state(request, None)
            if error.status == 409:
                return ballot_state(request, BallotStatus.SUBMITTED)
            if error.status == 410:
                return ballot_state(request, BallotStatus.EXPIRED)
            ballot = await queries.find_ballot_by_token(survey.db(), token)
            message = error.message_en if language(request) == "en" else error.message_vi
            return ballot_form(request, ballot, form, message, error.status)
        text = t["thanks_complaint"] if answer.rating.complaint else t["thanks"]
        return render.message(request, "thanks_title", text, 201)

    @pages.get("/phan-anh", response_class=HTMLResponse, response_model=None)
    async def feedback_form(request: Request) -> HTMLResponse | RedirectResponse:
        code = request.query_params.get("ma", "").strip()
        if code:
            return RedirectResponse(f"/phan-anh/{quote(code.upper(), safe='')}", status_code=303)
        return render.page(request, "feedback_form.html", form={"commune_code": request.query_params.get("xa", "")},
                           due_days=policy.feedback_due_working_days, error=None)

    @pages.post("/phan-anh", response_class=HTMLResponse, response_model=None)
    async def feedback_send(request: Request) -> HTMLResponse | RedirectResponse:
        form = await form_of(request)
        try:
            body = FeedbackIn(**{k: v for k, v in form.items() if k in FeedbackIn.model_fields})
        except ValidationError as error:
            lang = language(request)
            names = ", ".join(str(e["loc"][0]) for e in error.errors())
            message = (f"Thông tin chưa hợp lệ: {names}. Nội dung cần ít nhất 5 ký tự; mã xã/phường chỉ gồm chữ và số."
                       if lang == "vi" else f"Please check: {names}. The content needs at least 5 characters.")
            return render.page(request, "feedback_form.html", 422, form=form,
                               due_days=policy.feedback_due_working_days, error=message)
        try:
            item = await send(survey, body, request.state.correlation_id, client_address(request))
        except UserFacingError as error:
            return render.error(request, error)
        return RedirectResponse(f"/phan-anh/{item.code}?moi=1", status_code=303)

    @pages.get("/phan-anh/{code}", response_class=HTMLResponse)
    async def feedback_status(request: Request, code: str) -> HTMLResponse:
        item = await queries.find_feedback(survey.db(), code.strip().upper())
        if item is None:
            return render.error(request, not_found("feedback"))
        return render.page(request, "feedback_status.html", item=item, now=utc_now(),
                           created=request.query_params.get("moi") == "1")

    return pages


# --------------------------------------------------------------------------- officers


def officer_router(survey: Survey, render: Renderer) -> APIRouter:
    pages = APIRouter(include_in_schema=False)
    db, policy = survey.db, survey.policy

    @pages.get("/khao-sat/{commune_code}/", response_class=HTMLResponse)
    async def home(request: Request, commune_code: str) -> HTMLResponse:
        now = utc_now()
        code = request.query_params.get("ma", "").strip()
        ballots = await queries.list_ballots(db(), commune_code, now=now, dossier_code=code or None, limit=50)
        answers = await queries.list_answers(db(), commune_code, limit=50)
        open_items = await queries.list_follow_ups(db(), commune_code, status=FollowUpStatus.OPEN)
        return render.page(request, "home.html", commune_code=commune_code, now=now, code=code, ballots=ballots,
                           answers=answers, satisfaction=await survey.satisfaction(commune_code),
                           open_follow_ups=len(open_items))

    @pages.get("/khao-sat/{commune_code}/phieu/{ballot_id}", response_class=HTMLResponse)
    async def slip(request: Request, commune_code: str, ballot_id: str) -> HTMLResponse:
        try:
            parsed = UUID(ballot_id)
        except ValueError:
            return render.error(request, not_found())
        async with survey.uow_factory() as uow:
            ballot = await uow.ballots.get(commune_code, parsed)
        if ballot is None:
            return render.error(request, not_found())
        link = f"{survey.base_url(request)}/p/{ballot.token}"
        qr = segno.make(link, error="m").svg_inline(scale=4, title=link)
        return render.page(request, "slip.html", commune_code=commune_code, ballot=ballot, link=link, qr=qr,
                           status=str(ballot.status_at(utc_now())))

    @pages.get("/khao-sat/{commune_code}/theo-doi", response_class=HTMLResponse)
    async def follow_ups(request: Request, commune_code: str) -> HTMLResponse:
        items = await queries.list_follow_ups(db(), commune_code, status=None, limit=LIST_LIMIT)
        principal = getattr(request.state, "principal", None)
        can_resolve = (principal is not None and principal.has_role(Role.COMMUNE_LEADER)
                       and principal.works_for(commune_code))
        return render.page(request, "follow_ups.html", commune_code=commune_code, items=items,
                           can_resolve=can_resolve, threshold=policy.low_score_threshold)

    @pages.post("/khao-sat/{commune_code}/theo-doi/{follow_up_id}", response_class=HTMLResponse,
                response_model=None)
    async def resolve(request: Request, commune_code: str, follow_up_id: str) -> HTMLResponse | RedirectResponse:
        form = await form_of(request)
        resolution = form.get("resolution", "").strip()
        try:
            parsed = UUID(follow_up_id)
            if not resolution:
                raise UserFacingError(422, "resolution_missing", "Xin ghi kết quả xử lý.",
                                      "Please write what was done.")
            by = request.state.principal.subject
            await run(lambda: handlers.resolve_follow_up(commune_code, parsed, resolution[:2000], by,
                                                         survey.uow_factory(), utc_now()))
        except ValueError:
            return render.error(request, not_found("follow_up"))
        except UserFacingError as error:
            return render.error(request, error)
        return RedirectResponse(f"/khao-sat/{commune_code}/theo-doi", status_code=303)

    @pages.get("/khao-sat/{commune_code}/phan-anh", response_class=HTMLResponse)
    async def feedback(request: Request, commune_code: str) -> HTMLResponse:
        items = await queries.list_feedback(db(), commune_code, limit=LIST_LIMIT)
        return render.page(request, "feedback_list.html", commune_code=commune_code, items=items, now=utc_now(),
                           error=None)

    @pages.post("/khao-sat/{commune_code}/phan-anh/{code}", response_class=HTMLResponse, response_model=None)
    async def feedback_action(request: Request, commune_code: str, code: str) -> HTMLResponse | RedirectResponse:
        form = await form_of(request)
        by = request.state.principal.subject
        try:
            if form.get("action") == "assign":
                owner = form.get("owner", "").strip()[:64] or by
                await run(lambda: handlers.assign_feedback(commune_code, code, owner, survey.uow_factory()))
            else:
                reply = form.get("reply", "").strip()
                if not reply:
                    raise UserFacingError(422, "reply_missing", "Xin nhập nội dung trả lời.", "Please write a reply.")
                await run(lambda: handlers.answer_feedback(commune_code, code, reply[:4000], by, survey.uow_factory(),
                                                           utc_now(), request.state.correlation_id))
        except UserFacingError as error:
            return render.error(request, error)
        return RedirectResponse(f"/khao-sat/{commune_code}/phan-anh", status_code=303)

    @pages.get("/khao-sat/{commune_code}/kiosk", response_class=HTMLResponse)
    async def kiosk(request: Request, commune_code: str) -> HTMLResponse:
        principal = request.state.principal
        officer = request.query_params.get("can_bo", "").strip()[:64] or principal.subject
        t = TEXTS[language(request)]
        return render.page(request, "kiosk.html", commune_code=commune_code, officer_id=officer,
                           kiosk_texts=t["kiosk_texts"])

    @pages.get("/khao-sat-chien-dich", response_class=HTMLResponse)
    async def campaigns(request: Request) -> HTMLResponse:
        items = [await survey.campaign_progress(c) for c in await queries.list_campaigns(db())]
        before, after = request.query_params.get("truoc"), request.query_params.get("sau")
        comparison = None
        if before and after:
            try:
                comparison = await compare_campaigns(survey, UUID(before), UUID(after))
            except (ValueError, UserFacingError):
                comparison = None
        return render.page(request, "campaigns.html", items=items, before=before, after=after,
                           comparison=comparison)

    return pages

