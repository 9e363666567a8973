"""HTTP API of the printed forms and the commune letterhead: the profile (GET/PUT), forms
01–05 of a dossier as HTML (print from the browser) and PDF, and the tracking ledger (06)
of a period as HTML, CSV (Excel) or PDF. Reads, renders, answers; the wording of every
form is in ``domain/forms.py``."""

import asyncio
import os
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Annotated

import segno
import structlog
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, Field

from motcua_contracts import CommuneCode
from motcua_runtime.clock import utc_now
from motcua_runtime.errors import UserFacingError

from motcua_intake.adapters.commune_store import LedgerTooLarge, MongoCommuneProfileStore, dossiers_received_between
from motcua_intake.adapters.pdf import font_dir, render_pdf
from motcua_intake.adapters.repository import MongoDossierRepository
from motcua_intake.domain import forms
from motcua_intake.domain.communes import InvalidProfile, make_profile, profile_fields
from motcua_intake.entrypoints.privacy_http import Purpose, audit_reads

#: What a printed form shows of the applicant (ID number and phone masked).
FORM_FIELDS = ("full_name", "address")

log = structlog.get_logger("motcua.intake.forms")

CommunePath = Annotated[CommuneCode, Path(description="Commune (tenant) code")]
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1"
_NO_STORE = {"Cache-Control": "no-store"}  # the forms carry personal data


# --------------------------------------------------------------------------- models


class ProfileIn(BaseModel):
    """The letterhead of a commune. Limits and wording are checked by the domain, which
    reports every problem at once in Vietnamese."""

    model_config = ConfigDict(extra="forbid")

    official_name: str = Field(max_length=1000, description="e.g. 'UBND phường Tân Phong'",
                               examples=["UBND phường Tân Phong"])
    district_province: str | None = Field(default=None, max_length=1000,
                                          examples=["thành phố Biên Hòa, tỉnh Đồng Nai"])
    one_stop_unit: str | None = Field(default=None, max_length=1000, examples=["Bộ phận Tiếp nhận và Trả kết quả"])
    place_name: str = Field(max_length=1000, description="Place of the date line: 'Tân Phong, ngày …'",
                            examples=["Tân Phong"])
    signer_name: str | None = Field(default=None, max_length=1000, examples=["Nguyễn Văn An"])
    signer_title: str | None = Field(default=None, max_length=1000,
                                     description="One to three lines, e.g. 'KT. Chủ tịch\\nPhó Chủ tịch'",
                                     examples=["Chủ tịch"])
    hotline: str | None = Field(default=None, max_length=1000, examples=["0251 3822 111"])
    address: str | None = Field(default=None, max_length=1000,
                                examples=["Số 1 đường Nguyễn Ái Quốc, phường Tân Phong"])
    officer_id: str | None = Field(default=None, max_length=100, description="Who made the change (for the record)")


class ProfileOut(BaseModel):
    commune_code: str
    official_name: str
    district_province: str
    one_stop_unit: str
    place_name: str
    signer_name: str
    signer_title: str
    hotline: str
    address: str
    is_default: bool = Field(description="True: nothing stored yet; forms print with this default")
    letterhead: list[str] = Field(description="The body block of the letterhead, as printed")
    updated_at: datetime | None = None
    updated_by: str | None = None


class FormLinkOut(BaseModel):
    number: str
    label: str
    title: str
    available: bool
    reason: str | None = Field(default=None, description="Why the form does not exist for this dossier (Vietnamese)")
    html_url: str | None = None
    pdf_url: str | None = None


class LedgerFormat(StrEnum):
    HTML = "html"
    CSV = "csv"
    PDF = "pdf"


class CsvDelimiter(StrEnum):
    COMMA = "comma"
    SEMICOLON = "semicolon"  # Excel in a locale whose list separator is ';'


# --------------------------------------------------------------------------- rendering


def _css_string(value: str) -> str:
    """Safe inside a CSS string inside <style>: no closing quote, no '</style>'."""
    return (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
            .replace("<", "\\3c ").replace(">", "\\3e "))


def _qr_svg(payload: str) -> Markup:
    qr = segno.make(payload, error="m", micro=False)
    return Markup(qr.svg_inline(scale=1, border=2, omitsize=True))


def templates() -> Environment:
    env = Environment(
        loader=PackageLoader("motcua_intake", "templates/forms"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["css_string"] = _css_string
    env.globals["qr_svg"] = _qr_svg
    return env


def _errors(error: forms.FormError) -> UserFacingError:
    status = {forms.UnknownForm: 404, forms.FormNotAvailable: 409, forms.InvalidPeriod: 422}.get(type(error), 422)
    return UserFacingError(status, error.code, error.message_vi, error.message_en)


def _dossier_not_found(dossier_code: str) -> UserFacingError:
    return UserFacingError(404, "dossier_not_found", f"Không tìm thấy hồ sơ {dossier_code} của xã/phường này.",
                           f"No dossier {dossier_code} in this commune.")


def _pdf_response(content: bytes, stem: str) -> Response:
    return Response(content, media_type="application/pdf",
                    headers={**_NO_STORE, "Content-Disposition": f'inline; filename="{stem}.pdf"'})


# --------------------------------------------------------------------------- routes


def router(db: Callable[[], object], settings) -> APIRouter:
    """``db`` returns the intake database once the service has started."""
    api = APIRouter(prefix="/v1", tags=["forms"])
    tz = timezone(timedelta(hours=settings.utc_offset_hours))
    env = templates()
    fonts = {path.name: path for path in font_dir().glob("*.ttf")}

    def public_base_url() -> str:
        # Moves into IntakeSettings (public_base_url); the environment variable until then.
        return (getattr(settings, "public_base_url", None)
                or os.environ.get("INTAKE_PUBLIC_BASE_URL") or DEFAULT_PUBLIC_BASE_URL)

    def profiles() -> MongoCommuneProfileStore:
        return MongoCommuneProfileStore(db())

    async def profile_out(commune_code: str) -> ProfileOut:
        profile = await profiles().get(commune_code)
        updated_at, updated_by = await profiles().updated(commune_code)
        return ProfileOut(commune_code=commune_code, **profile_fields(profile), is_default=profile.is_default,
                          letterhead=list(profile.letterhead_left), updated_at=updated_at, updated_by=updated_by)

    @api.get("/communes/{commune_code}/profile", response_model=ProfileOut,
             summary="The commune's letterhead (a default built from the code until one is saved)")
    async def get_profile(commune_code: CommunePath) -> ProfileOut:
        return await profile_out(commune_code)

    @api.put("/communes/{commune_code}/profile", response_model=ProfileOut,
             summary="Save the commune's letterhead: name, place, one-stop unit, signer, hotline")
    async def put_profile(commune_code: CommunePath, body: ProfileIn) -> ProfileOut:
        fields = body.model_dump(exclude={"officer_id"})
        try:
            profile = make_profile(commune_code, **fields)
        except InvalidProfile as error:
            raise UserFacingError(
                422, error.code,
                "Thông tin tiêu đề chưa hợp lệ: " + " ".join(p.message_vi for p in error.problems),
                "The letterhead is not valid: " + " ".join(p.message_en for p in error.problems),
            ) from error
        await profiles().put(profile, updated_at=utc_now(), updated_by=body.officer_id)
        log.info("commune_profile.saved", commune=commune_code, officer_id=body.officer_id)
        return await profile_out(commune_code)

    async def load(commune_code: str, dossier_code: str):
        dossier = await MongoDossierRepository(db(), None).get(commune_code, dossier_code)
        if dossier is None:
            raise _dossier_not_found(dossier_code)
        return dossier, await profiles().get(commune_code)

    async def document_of(commune_code: str, dossier_code: str, form: str, reschedule: int | None):
        try:
            number = forms.parse_form_number(form)
        except forms.FormError as error:
            raise _errors(error) from error
        dossier, profile = await load(commune_code, dossier_code)
        try:
            document = forms.build_form(number, dossier, profile, tz=tz, now=utc_now(),
                                        public_base_url=public_base_url(), reschedule=reschedule)
        except forms.FormError as error:
            raise _errors(error) from error
        # Who printed what is not known without sign-in; at least when and which.
        log.info("form.rendered", commune=commune_code, dossier_code=dossier_code, form=number.value)
        return dossier, profile, document

    @api.get("/communes/{commune_code}/dossiers/{dossier_code}/forms", response_model=list[FormLinkOut],
             summary="Which forms (01–05) exist for the dossier, with their links")
    async def list_forms(commune_code: CommunePath, dossier_code: str) -> list[FormLinkOut]:
        dossier, _ = await load(commune_code, dossier_code)
        base = f"/v1/communes/{commune_code}/dossiers/{dossier_code}/forms"
        out = []
        for number in forms.DOSSIER_FORMS:
            spec, missing = forms.FORMS[number], forms.why_unavailable(dossier, number)
            ok = missing is None
            out.append(FormLinkOut(number=number.value, label=spec.label, title=spec.title, available=ok,
                                   reason=missing.message_vi if missing else None,
                                   html_url=f"{base}/{number.value}.html" if ok else None,
                                   pdf_url=f"{base}/{number.value}.pdf" if ok else None))
        return out

    @api.get("/communes/{commune_code}/dossiers/{dossier_code}/forms/{form}.html", response_class=HTMLResponse,
             summary="A form of the dossier as a printable page (01 receipt … 05 control slip)",
             responses={404: {"description": "No such dossier or form"},
                        409: {"description": "The form does not exist in the dossier's state"}})
    async def form_html(
        request: Request, commune_code: CommunePath, dossier_code: str,
        form: Annotated[str, Path(description="01, 02, 03, 04 or 05")],
        reschedule: Annotated[int | None, Query(ge=1, le=99, description="Form 04: which reschedule (1 = first)")] = None,
        purpose: Purpose = None,
    ) -> HTMLResponse:
        dossier, profile, document = await document_of(commune_code, dossier_code, form, reschedule)
        # The form shows the applicant's name and address: a read of personal data, on the record.
        await audit_reads(request, db(), [dossier], action="print_form", purpose=purpose, fields=FORM_FIELDS)
        available = forms.available_forms(dossier)
        suffix = f"?reschedule={reschedule}" if reschedule else ""
        html = env.get_template("document.html").render(
            document=document,
            pdf_url=f"{document.form.number.value}.pdf{suffix}",
            dossier_code=dossier.code,
            form_links=[{"url": f"{n.value}.html", "label": forms.FORMS[n].label, "title": forms.FORMS[n].title,
                         "current": n is document.form.number} for n in available],
            profile_is_default=profile.is_default,
            profile_url=f"/v1/communes/{commune_code}/profile",
            font_base=f"{request.scope.get('root_path', '')}/v1/forms/fonts",
        )
        return HTMLResponse(html, headers=_NO_STORE)

    @api.get("/communes/{commune_code}/dossiers/{dossier_code}/forms/{form}.pdf", response_class=Response,
             summary="A form of the dossier as PDF (A4, Vietnamese fonts embedded)",
             responses={200: {"content": {"application/pdf": {}}},
                        404: {"description": "No such dossier or form"},
                        409: {"description": "The form does not exist in the dossier's state"}})
    async def form_pdf(
        request: Request, commune_code: CommunePath, dossier_code: str,
        form: Annotated[str, Path(description="01, 02, 03, 04 or 05")],
        reschedule: Annotated[int | None, Query(ge=1, le=99, description="Form 04: which reschedule (1 = first)")] = None,
        purpose: Purpose = None,
    ) -> Response:
        dossier, _, document = await document_of(commune_code, dossier_code, form, reschedule)
        await audit_reads(request, db(), [dossier], action="print_form", purpose=purpose, fields=FORM_FIELDS)
        # fpdf2 is pure Python and CPU-bound: keep the event loop free for other requests.
        return _pdf_response(await asyncio.to_thread(render_pdf, document), document.file_stem)

    @api.get("/communes/{commune_code}/ledger", response_class=Response,
             summary="Form 06, the tracking ledger (sổ theo dõi hồ sơ) of a period: HTML, CSV (Excel) or PDF",
             responses={200: {"content": {"text/html": {}, "text/csv": {}, "application/pdf": {}}}})
    async def ledger(
        request: Request,
        commune_code: CommunePath,
        start: Annotated[date | None, Query(alias="from", description="First day (YYYY-MM-DD); default: 1st of this month")] = None,
        end: Annotated[date | None, Query(alias="to", description="Last day (YYYY-MM-DD), included; default: today")] = None,
        format: LedgerFormat = LedgerFormat.HTML,
        delimiter: Annotated[CsvDelimiter, Query(description="CSV only")] = CsvDelimiter.COMMA,
        purpose: Purpose = None,
    ) -> Response:
        now = utc_now()
        today = now.astimezone(tz).date()
        try:
            period = forms.ledger_period(start, end, today)
        except forms.FormError as error:
            raise _errors(error) from error
        lower, upper = period.bounds(tz)
        try:
            dossiers = await dossiers_received_between(db(), commune_code, lower, upper)
        except LedgerTooLarge as error:
            raise UserFacingError(
                422, error.code,
                f"Kỳ đã chọn có hơn {error.args[0]} hồ sơ; hãy chọn kỳ ngắn hơn (ví dụ từng tháng).",
                f"The period holds more than {error.args[0]} dossiers; choose a shorter one (a month).",
            ) from error
        rows = forms.ledger_rows(dossiers, period, tz=tz, now=now)
        # The ledger names every applicant of the period: one access-log entry per dossier.
        await audit_reads(request, db(), list(dossiers), action="ledger", purpose=purpose, fields=("full_name",))
        stem = f"{commune_code}-so-theo-doi-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
        log.info("ledger.rendered", commune=commune_code, start=period.start.isoformat(),
                 end=period.end.isoformat(), rows=len(rows), format=format.value)
        if format is LedgerFormat.CSV:
            content = forms.ledger_csv(rows, tz=tz, delimiter=";" if delimiter is CsvDelimiter.SEMICOLON else ",")
            return Response(content, media_type="text/csv; charset=utf-8",
                            headers={**_NO_STORE, "Content-Disposition": f'attachment; filename="{stem}.csv"'})
        profile = await profiles().get(commune_code)
        document = forms.ledger(rows, profile, period, tz=tz, now=now)
        if format is LedgerFormat.PDF:
            return _pdf_response(await asyncio.to_thread(render_pdf, document), document.file_stem)
        query = f"from={period.start.isoformat()}&to={period.end.isoformat()}"
        html = env.get_template("ledger.html").render(
            document=document,
            period=period,
            row_count=len(rows),
            pdf_url=f"?{query}&format=pdf",
            csv_url=f"?{query}&format=csv",
            profile_is_default=profile.is_default,
            profile_url=f"/v1/communes/{commune_code}/profile",
            font_base=f"{request.scope.get('root_path', '')}/v1/forms/fonts",
        )
        return HTMLResponse(html, headers=_NO_STORE)

    @api.get("/forms/fonts/{name}", include_in_schema=False)
    async def font(name: str) -> Response:
        path = fonts.get(name)
        if path is None:
            raise UserFacingError(404, "font_not_found", "Không có phông chữ này.", "No such font.")
        return FileResponse(path, media_type="font/ttf", headers={"Cache-Control": "public, max-age=86400"})

    return api
