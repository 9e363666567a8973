"""HTTP API of the procedure catalogue: look procedures up at the counter; administrators
edit, import and export the catalogue. Translates requests; the rules live in
``domain/catalogue.py`` and the storage in ``adapters/catalogue_store.py``.

Writes (POST, PUT, DELETE, import) are meant for administrators: the role checks are added
by the access-control issue, which wraps these routes.
"""

from typing import Annotated, Callable, Literal

import structlog
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from pymongo.asynchronous.database import AsyncDatabase

from motcua_contracts import CommuneCode
from motcua_runtime.errors import UserFacingError

from motcua_intake.adapters import catalogue_store as store
from motcua_intake.domain.catalogue import (
    COMMUNE,
    CatalogueEntry,
    FileFormat,
    InvalidCatalogue,
    Origin,
    Problem,
    Procedure,
    ProcessingUnit,
    parse_override,
    parse_procedure,
)

log = structlog.get_logger("motcua.intake.catalogue")

#: Larger bodies are refused before they are read into memory (a province list is ~100 KB).
MAX_IMPORT_BYTES = 5 * 1024 * 1024

CommunePath = Annotated[CommuneCode, Path(description="Commune (tenant) code")]
CommuneQuery = Annotated[
    str | None,
    Query(pattern=r"^[A-Za-z0-9_-]{1,32}$",
          description="Commune (tenant) code: that commune's catalogue, with its overrides and own procedures"),
]
FormatQuery = Annotated[FileFormat | None, Query(alias="format", description="csv or json")]


class ProcedureOut(BaseModel):
    code: str
    name: str
    field: str = Field(description="Field code, e.g. 'ho_tich'")
    field_name: str = Field(description="Field in Vietnamese, e.g. 'Hộ tịch'")
    processing_unit: ProcessingUnit
    processing_amount: float
    processing_days: float = Field(description="Processing time in working days (same day = 0, hours / 8)")
    processing_time_text: str = Field(description="e.g. 'Trong ngày', '3 ngày làm việc'")
    fee_vnd: int
    fee_note: str
    fee_exemptions: list[str]
    required_documents: list[str]
    handling_body: str = Field(description="'commune', or the body the dossier is transferred to")
    handling_body_name: str
    life_event: str | None
    active: bool
    origin: Origin = Field(description="deployment, override (this commune changed it) or local (this commune's own)")

    @classmethod
    def of(cls, procedure: Procedure, origin: Origin = Origin.DEPLOYMENT) -> "ProcedureOut":
        return cls(
            code=procedure.code, name=procedure.name, field=procedure.field, field_name=procedure.field_name,
            processing_unit=procedure.processing_unit, processing_amount=procedure.processing_amount,
            processing_days=procedure.processing_days, processing_time_text=procedure.processing_time_text,
            fee_vnd=procedure.fee_vnd, fee_note=procedure.fee_note, fee_exemptions=list(procedure.fee_exemptions),
            required_documents=list(procedure.required_documents), handling_body=procedure.handling_body,
            handling_body_name=procedure.handling_body_name,
            life_event=procedure.life_event.value if procedure.life_event else None, active=procedure.active,
            origin=origin,
        )


class ProcedurePage(BaseModel):
    items: list[ProcedureOut]
    total: int


class ProcedureIn(BaseModel):
    """A whole procedure (the columns of the catalogue file)."""

    model_config = ConfigDict(extra="forbid")

    code: str | None = Field(default=None, description="Taken from the path on PUT")
    name: str
    field: str = Field(description="Field code or Vietnamese name, e.g. 'ho_tich' or 'Hộ tịch'")
    processing_unit: str = Field(description="working_days, working_hours or same_day")
    processing_amount: float | None = None
    fee_vnd: int | str = 0
    fee_note: str = ""
    fee_exemptions: list[str] = []
    required_documents: list[str] = []
    handling_body: str = COMMUNE
    life_event: str | None = Field(default=None, description="birth, marriage or death")
    active: bool = True


class CommuneEntryIn(BaseModel):
    """A commune's override of a deployment procedure (only fee, time, handling body, active),
    or a whole procedure of the commune's own (``kind`` 'local')."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["override", "local"]
    name: str | None = None
    field: str | None = None
    processing_unit: str | None = None
    processing_amount: float | None = None
    fee_vnd: int | str | None = None
    fee_note: str | None = None
    fee_exemptions: list[str] | None = None
    required_documents: list[str] | None = None
    handling_body: str | None = None
    life_event: str | None = None
    active: bool | None = None


class ImportReportOut(BaseModel):
    scope: str
    commune_code: str | None
    format: FileFormat
    dry_run: bool = Field(description="True: checked only, nothing written")
    created: list[str]
    updated: list[str]
    unchanged: int
    total: int


class ImportProblemOut(BaseModel):
    line: int
    column: str | None
    message_vi: str
    message_en: str


_IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "description": "The file itself as the body: CSV (UTF-8, ',' or ';') or a JSON array of procedures.",
        "content": {"text/csv": {"schema": {"type": "string"}},
                    "application/json": {"schema": {"type": "array", "items": {"type": "object"}}}},
    }
}


def router(db: Callable[[], AsyncDatabase]) -> APIRouter:
    api = APIRouter(prefix="/v1/catalogue", tags=["catalogue"])

    @api.get("/procedures", response_model=ProcedurePage, summary="Search the procedure catalogue")
    async def list_(
        commune_code: CommuneQuery = None,
        q: Annotated[str | None, Query(max_length=200, description="Name or code; diacritics optional")] = None,
        field: Annotated[str | None, Query(description="Field code, e.g. chung_thuc")] = None,
        include_inactive: bool = False,
    ) -> ProcedurePage:
        entries = await store.list_procedures(db(), commune_code, q, field=field, include_inactive=include_inactive)
        return ProcedurePage(items=[_out(e) for e in entries], total=len(entries))

    @api.get("/procedures/{code}", response_model=ProcedureOut, summary="One procedure")
    async def get(code: str, commune_code: CommuneQuery = None) -> ProcedureOut:
        entry = await store.MongoCatalogueRepository(db()).get_entry(commune_code, code)
        if entry is None:
            raise _not_found(code)
        return _out(entry)

    @api.post("/procedures", status_code=201, response_model=ProcedureOut,
              summary="Add a procedure to the deployment's catalogue (administrators)")
    async def create(body: ProcedureIn) -> ProcedureOut:
        procedure = _procedure(body.model_dump())
        try:
            await store.save_procedure(db(), procedure, create=True)
        except store.CatalogueConflict as error:
            raise _conflict(409, error) from error
        log.info("catalogue.procedure_created", procedure=procedure.code)
        return ProcedureOut.of(procedure)

    @api.put("/procedures/{code}", response_model=ProcedureOut,
             summary="Create or replace a procedure of the deployment's catalogue (administrators)")
    async def put(code: str, body: ProcedureIn) -> ProcedureOut:
        _same_code(code, body.code)
        procedure = _procedure(body.model_dump() | {"code": code})
        created = await store.save_procedure(db(), procedure)
        log.info("catalogue.procedure_saved", procedure=procedure.code, created=created)
        return ProcedureOut.of(procedure)

    @api.put("/communes/{commune_code}/procedures/{code}", response_model=ProcedureOut,
             summary="Set a commune's override of a procedure, or its own procedure (administrators)")
    async def put_commune_entry(commune_code: CommunePath, code: str, body: CommuneEntryIn) -> ProcedureOut:
        raw = body.model_dump(exclude={"kind"}) | {"code": code}
        if body.kind == "override":
            entry, problems = parse_override(raw)
        else:
            entry, problems = parse_procedure(raw)
        if problems:
            raise _invalid(problems)
        try:
            await store.save_commune_entry(db(), commune_code, entry)
        except store.CatalogueConflict as error:
            raise _conflict(422, error) from error
        log.info("catalogue.commune_entry_saved", commune=commune_code, procedure=entry.code, kind=body.kind)
        procedure = await store.get_procedure(db(), commune_code, entry.code)
        return ProcedureOut.of(procedure, Origin.OVERRIDE if body.kind == "override" else Origin.LOCAL)

    @api.delete("/communes/{commune_code}/procedures/{code}", status_code=204,
                summary="Remove a commune's override or own procedure (administrators)")
    async def delete_commune_entry(commune_code: CommunePath, code: str) -> Response:
        if not await store.delete_commune_entry(db(), commune_code, code):
            raise _not_found(code)
        log.info("catalogue.commune_entry_deleted", commune=commune_code, procedure=code)
        return Response(status_code=204)

    @api.post(
        "/import", response_model=ImportReportOut, openapi_extra=_IMPORT_BODY,
        summary="Import a catalogue file (administrators): all rows or none",
        responses={422: {"description": "Bad rows, each with its line and reason; nothing was written"}},
    )
    async def import_(
        request: Request,
        fmt: FormatQuery = None,
        commune_code: CommuneQuery = None,
        dry_run: Annotated[bool, Query(description="Check the file, write nothing")] = False,
    ) -> ImportReportOut | JSONResponse:
        """Without ``commune_code``: the deployment's procedures (whole rows). With it: that
        commune's rows, each ``kind`` 'override' or 'local'. Rows are upserted by code; a bad
        row anywhere means nothing is written and every bad row is listed."""
        fmt = fmt or _format_of(request.headers.get("content-type", ""))
        text = await _read_text(request)
        try:
            report = await store.import_catalogue_file(db(), text, fmt, commune_code=commune_code, dry_run=dry_run)
        except InvalidCatalogue as error:
            log.info("catalogue.import_refused", commune=commune_code, problems=len(error.problems))
            return _import_refused(request, error)
        return ImportReportOut(scope=report.scope.value, commune_code=report.commune_code, format=report.format,
                               dry_run=report.dry_run, created=report.created, updated=report.updated,
                               unchanged=len(report.unchanged), total=report.total)

    @api.get("/export", summary="Export the catalogue as CSV or JSON (re-imports unchanged)",
             responses={200: {"content": {"text/csv": {}, "application/json": {}}}})
    async def export(fmt: FormatQuery = FileFormat.CSV, commune_code: CommuneQuery = None) -> Response:
        fmt = fmt or FileFormat.CSV
        text = await store.export_catalogue_file(db(), fmt, commune_code=commune_code)
        name = "danh-muc-thu-tuc" + (f"-{commune_code}" if commune_code else "") + f".{fmt.value}"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        if fmt is FileFormat.CSV:
            # The byte-order mark makes Excel read the file as UTF-8 (Vietnamese stays readable).
            return Response(text.encode("utf-8-sig"), media_type="text/csv; charset=utf-8", headers=headers)
        return Response(text.encode("utf-8"), media_type="application/json", headers=headers)

    return api


def _out(entry: CatalogueEntry) -> ProcedureOut:
    return ProcedureOut.of(entry.procedure, entry.origin)


def _procedure(raw: dict) -> Procedure:
    procedure, problems = parse_procedure(raw)
    if problems:
        raise _invalid(problems)
    return procedure


def _same_code(path_code: str, body_code: str | None) -> None:
    if body_code and body_code.strip().upper() != path_code.strip().upper():
        raise UserFacingError(
            422, "code_mismatch",
            f"Mã thủ tục trong nội dung ({body_code}) khác mã trên đường dẫn ({path_code}).",
            f"The code in the body ({body_code}) differs from the code in the path ({path_code}).",
        )


def _invalid(problems: list[Problem]) -> UserFacingError:
    return UserFacingError(
        422, "procedure_invalid",
        "Thủ tục không hợp lệ: " + "; ".join(f"{p.column}: {p.message_vi}" if p.column else p.message_vi
                                             for p in problems),
        "The procedure is not valid: " + "; ".join(f"{p.column}: {p.message_en}" if p.column else p.message_en
                                                   for p in problems),
    )


def _conflict(status: int, error: store.CatalogueConflict) -> UserFacingError:
    return UserFacingError(status, error.code, error.problem.message_vi, error.problem.message_en)


def _not_found(code: str) -> UserFacingError:
    return UserFacingError(
        404, "procedure_not_found",
        f"Không có thủ tục hành chính mã '{code}' trong danh mục.",
        f"There is no procedure with code '{code}' in the catalogue.",
    )


def _format_of(content_type: str) -> FileFormat:
    media = content_type.split(";")[0].strip().lower()
    if media in ("text/csv", "application/csv", "application/vnd.ms-excel", "text/plain"):
        return FileFormat.CSV
    if media == "application/json":
        return FileFormat.JSON
    raise UserFacingError(
        415, "unknown_file_format",
        "Không rõ định dạng tệp: gửi kèm ?format=csv hoặc ?format=json (hoặc Content-Type text/csv, application/json).",
        "Unknown file format: add ?format=csv or ?format=json (or Content-Type text/csv, application/json).",
    )


async def _read_text(request: Request) -> str:
    too_large = UserFacingError(
        413, "file_too_large",
        f"Tệp lớn quá {MAX_IMPORT_BYTES // (1024 * 1024)} MB.",
        f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB.",
    )
    if int(request.headers.get("content-length") or 0) > MAX_IMPORT_BYTES:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_IMPORT_BYTES:
            raise too_large
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UserFacingError(
            422, "file_not_utf8",
            "Tệp không ở dạng UTF-8: trong Excel hãy lưu bằng 'CSV UTF-8 (Comma delimited)'.",
            "The file is not UTF-8: in Excel, save it as 'CSV UTF-8 (Comma delimited)'.",
        ) from error


def _import_refused(request: Request, error: InvalidCatalogue) -> JSONResponse:
    """The runtime's error shape, plus every problem by line (a UserFacingError carries one message)."""
    english = request.headers.get("accept-language", "").lower().startswith("en")
    vi, en = error.summary_vi(), error.summary_en()
    problems = [ImportProblemOut(line=p.line, column=p.column, message_vi=p.message_vi, message_en=p.message_en)
                for p in error.problems]
    return JSONResponse(
        {"error": {"code": "catalogue_import_invalid", "message": en if english else vi, "message_vi": vi,
                   "message_en": en, "problems": [p.model_dump() for p in problems]}},
        status_code=422,
    )
