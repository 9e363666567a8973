"""HTTP API of the figures (OpenAPI at /docs): translates requests into queries of the precomputed
read models; nothing more. Scoped per commune: a commune's routes follow its access rule; the
district routes answer for the communes the caller may see (a district overseer every commune,
a commune's leader or officer their own communes)."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, create_model
from pymongo.asynchronous.database import AsyncDatabase

from motcua_contracts import CommuneCode
from motcua_runtime.auth import COMMUNE_STAFF, Principal, Role
from motcua_runtime.errors import UserFacingError

from motcua_reporting.adapters import exports
from motcua_reporting.adapters.storage import MongoReportingReader, load_criteria, save_criteria
from motcua_reporting.domain.figures import Figures
from motcua_reporting.domain.periods import Granularity, Period, PeriodError, resolve
from motcua_reporting.domain.scorecard import METRICS, Criteria
from motcua_reporting.service_layer import tables, views

CommunePath = Annotated[CommuneCode, Path(description="Commune (tenant) code")]


# --------------------------------------------------------------------------- figures model

def _figure_fields() -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, (vi, en, kind) in tables.LABELS.items():
        if name.startswith("received_ch_"):
            continue  # by channel: in received_by_channel
        if kind == "count":
            fields[name] = (int, Field(description=f"{en} ({vi})"))
        else:
            fields[name] = (float | None, Field(description=f"{en} ({vi}); null when there is nothing to measure"
                                                + ("; a fraction 0..1" if kind == "rate" else "")))
    fields["received_by_channel"] = (dict[str, int], Field(description="Dossiers received, by submission channel"))
    fields["letters_congratulation_by_life_event"] = (dict[str, int], Field(
        description="Congratulation letters by life event (marriage, birth)"))
    fields["late_not_rescheduled"] = (int, Field(description="Late results without a reschedule (each calls for "
                                                             "one apology)"))
    fields["letters_congratulation_death"] = (int, Field(description="Always 0 (a death calls for condolences)"))
    fields["updated_at"] = (datetime | None, Field(description="When these counters last changed"))
    return fields


FiguresOut = create_model("FiguresOut", **_figure_fields())


def figures_out(figures: Figures) -> FiguresOut:
    values = figures.as_dict()
    return FiguresOut(**{k: values[k] for k in FiguresOut.model_fields})


class PeriodOut(BaseModel):
    first_day: date
    last_day: date
    granularity: Granularity
    label: str = Field(description="Vietnamese label, e.g. 'Tháng 11/2026'")

    @classmethod
    def of(cls, period: Period) -> "PeriodOut":
        return cls(first_day=period.first, last_day=period.last, granularity=period.granularity,
                   label=period.label("vi"))


class CommuneReportOut(BaseModel):
    commune_code: str
    period: PeriodOut
    figures: FiguresOut  # type: ignore[valid-type]


class CommuneRowOut(BaseModel):
    commune_code: str
    figures: FiguresOut  # type: ignore[valid-type]


class DistrictReportOut(BaseModel):
    period: PeriodOut
    communes: list[CommuneRowOut]
    total: FiguresOut  # type: ignore[valid-type]
    online_share_target: float | None = Field(description="The district's online-share target (scorecard criterion)")


class BreakdownRowOut(BaseModel):
    key: str = Field(description="Field code, procedure code, officer id, channel, campaign id or factor")
    field: str | None = Field(default=None, description="The procedure's field (procedure rows)")
    figures: FiguresOut  # type: ignore[valid-type]


class BreakdownOut(BaseModel):
    period: PeriodOut
    dimension: str
    rows: list[BreakdownRowOut]


class TrendPointOut(BaseModel):
    bucket: str = Field(description="2026-11-03 (day), 2026-W45, 2026-11, 2026-Q4 or 2026")
    figures: FiguresOut  # type: ignore[valid-type]


class TrendOut(BaseModel):
    period: PeriodOut
    granularity: Granularity
    points: list[TrendPointOut]


class CheckOut(BaseModel):
    metric: str
    op: str
    threshold: float
    value: float | None
    met: bool


class ScorecardRowOut(BaseModel):
    commune_code: str
    meets_standard: bool
    checks: list[CheckOut]


class ScorecardOut(BaseModel):
    period: PeriodOut
    criteria: Criteria
    communes: list[ScorecardRowOut]
    share_meeting_standard: float | None = Field(description="Communes meeting every criterion / communes, 0..1")


class CriteriaOut(Criteria):
    metrics: dict[str, str] = Field(description="Metrics a criterion may use, with their Vietnamese names")


# --------------------------------------------------------------------------- parameters


def period_of(period: Granularity | None = None, at: date | None = None, first: date | None = None,
              last: date | None = None) -> Period:
    try:
        return resolve(period, at, first, last)
    except PeriodError as error:
        raise UserFacingError(422, "bad_period",
                              "Kỳ báo cáo không hợp lệ: cần 'period' (day, week, month, quarter, year) và 'at', "
                              "hoặc cả 'from' và 'to' (YYYY-MM-DD), 'to' không trước 'from'.",
                              f"Bad reporting period: {error}.") from None


PeriodQ = Annotated[Granularity | None, Query(description="day, week, month (default), quarter or year")]
AtQ = Annotated[date | None, Query(description="A day inside the period (default: today, local time)")]
FromQ = Annotated[date | None, Query(alias="from", description="Custom range: first day (with 'to')")]
ToQ = Annotated[date | None, Query(alias="to", description="Custom range: last day (inclusive)")]
CommunesQ = Annotated[str | None, Query(max_length=20_000, description="Comma-separated commune codes to restrict to")]
Dimension = Literal["channel", "field", "procedure", "officer", "campaign", "factor"]
TableName = Literal["summary", "channel", "field", "procedure", "officer", "campaign", "factor", "trend"]
DistrictTable = Literal["communes", "scorecard", "trend", "channel", "field", "procedure", "officer", "campaign",
                        "factor"]
Format = Literal["csv", "xlsx"]


def visible_communes(principal: Principal | None, known: Sequence[str], asked: str | None) -> list[str]:
    """The communes a caller sees on district routes: every commune for a district overseer (or
    staff of every commune), their own communes for a commune's staff, none otherwise."""
    wanted = None if not asked else [c.strip() for c in asked.split(",") if c.strip()]
    if principal is None:
        return []
    if principal.has_role(Role.DISTRICT_OVERSEER) or (principal.all_communes and principal.has_role(*COMMUNE_STAFF)):
        base = sorted(set(known) | set(wanted or ()))
    elif principal.has_role(*COMMUNE_STAFF):
        base = sorted(c for c in principal.communes if c != "*")
    else:
        base = []
    return base if wanted is None else [c for c in base if c in wanted]


@dataclass
class Deps:
    reader: Callable[[], MongoReportingReader]
    db: Callable[[], AsyncDatabase]


# --------------------------------------------------------------------------- the queries behind routes and pages


async def commune_report(deps: Deps, commune_code: str, period: Period) -> Figures:
    district = await views.communes_figures(deps.reader(), [commune_code], period)
    return district.communes[0][1]


async def district_report(deps: Deps, communes: list[str], period: Period) -> views.District:
    return await views.communes_figures(deps.reader(), communes, period)


async def breakdown_table(deps: Deps, communes: list[str], period: Period, dim: str, lang: str = "vi",
                          within: dict | None = None) -> tables.Table:
    rows = await views.breakdown(deps.reader(), communes, period, dim, within)
    columns = {"factor": tables.FACTOR_COLUMNS, "channel": tables.CHANNEL_COLUMNS}.get(dim, tables.BREAKDOWN_COLUMNS)
    return tables.Table(dim, dim, columns, [tables.figure_row(_key_label(dim, key, lang), f, columns)
                                            for key, _, f in rows])


def _key_label(dim: str, key: str, lang: str) -> str:
    if dim == "factor" and key in tables.FACTOR_LABELS:
        return tables.FACTOR_LABELS[key][0 if lang == "vi" else 1]
    if dim == "channel":
        for channel, labels in tables.CHANNEL_LABELS.items():
            if channel.value == key:
                return labels[0 if lang == "vi" else 1]
    return key


async def trend_table(deps: Deps, communes: list[str], period: Period, granularity: Granularity) -> tables.Table:
    points = await views.trend(deps.reader(), communes, period, granularity)
    return tables.Table("trend", "bucket", tables.TREND_COLUMNS,
                        [tables.figure_row(b, f, tables.TREND_COLUMNS) for b, f in points])


def communes_table(district: views.District, lang: str = "vi") -> tables.Table:
    rows = [tables.figure_row(code, f, tables.COMMUNE_COLUMNS) for code, f in district.communes]
    rows.append(tables.figure_row("Toàn huyện" if lang == "vi" else "District", district.total,
                                  tables.COMMUNE_COLUMNS))
    return tables.Table("communes", "commune", tables.COMMUNE_COLUMNS, rows)


def scorecard_table(rows: list[views.ScorecardRow], share: float | None, criteria: Criteria,
                    lang: str = "vi") -> tables.Table:
    body = [[row.commune_code] + [check.value for check in row.checks] + ["Đạt" if row.meets else "Chưa đạt"]
            for row in rows]
    return _ScorecardTable(tables.Table("scorecard", "commune", [c.metric for c in criteria.criteria], body),
                           criteria, lang)


class _ScorecardTable(tables.Table):
    def __init__(self, table: tables.Table, criteria: Criteria, lang: str) -> None:
        super().__init__(table.name, table.label_column, table.columns, table.rows)
        self._criteria, self._lang = criteria, lang

    def headers(self, lang: str = "vi") -> list[str]:
        heads = [tables.header("commune", lang)]
        for c in self._criteria.criteria:
            label = METRICS[c.metric][0 if lang == "vi" else 1]
            threshold = f"{c.threshold * 100:g} %" if tables.kind(c.metric) == "rate" else f"{c.threshold:g}"
            heads.append(f"{label} ({'≥' if c.op == '>=' else '≤'} {threshold})")
        return heads + ["Đạt chuẩn" if lang == "vi" else "Meets the standard"]

    def kinds(self) -> list[str]:
        return ["text"] + [tables.kind(c.metric) for c in self._criteria.criteria] + ["text"]


def export_response(table: tables.Table, fmt: str, filename: str, lang: str, title: str | None = None) -> Response:
    if fmt == "csv":
        body, media = exports.to_csv(table, lang), exports.CSV_MEDIA_TYPE
    else:
        body, media = exports.to_xlsx(table, lang, title), exports.XLSX_MEDIA_TYPE
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'})


def _lang(request: Request) -> str:
    return "en" if request.headers.get("accept-language", "").lower().startswith("en") else "vi"


# --------------------------------------------------------------------------- routes


def router(deps: Deps) -> APIRouter:
    api = APIRouter(prefix="/v1", tags=["figures"])

    async def scope(request: Request, communes: str | None) -> list[str]:
        known = await deps.reader().communes()
        return visible_communes(getattr(request.state, "principal", None), known, communes)

    @api.get("/communes/{commune_code}/figures", response_model=FiguresOut,
             summary="A commune's figures since its first event (zeros before it)")
    async def commune_figures_all_time(commune_code: CommunePath):
        district = await views.communes_figures(deps.reader(), [commune_code], None)
        return figures_out(district.communes[0][1])

    @api.get("/figures", response_model=DistrictReportOut,
             summary="Every commune's figures since its first event, and the district total (district staff)")
    async def district_figures_all_time(request: Request, communes: CommunesQ = None):
        codes = await scope(request, communes)
        district = await views.communes_figures(deps.reader(), codes, None)
        criteria = await load_criteria(deps.db())
        first = date(2000, 1, 1)
        return _district_out(district, Period(first, date.today()), criteria)

    @api.get("/communes/{commune_code}/report", response_model=CommuneReportOut,
             summary="A commune's figures over a period (day, week, month, quarter, year or a custom range)")
    async def commune_report_route(commune_code: CommunePath, period: PeriodQ = None, at: AtQ = None,
                                   first: FromQ = None, last: ToQ = None):
        p = period_of(period, at, first, last)
        figures = await commune_report(deps, commune_code, p)
        return CommuneReportOut(commune_code=commune_code, period=PeriodOut.of(p), figures=figures_out(figures))

    @api.get("/communes/{commune_code}/breakdown/{dimension}", response_model=BreakdownOut,
             summary="A commune's figures by channel, field, procedure, officer, campaign or survey factor "
                     "(drill-down: procedures of a field, officers of a procedure)")
    async def commune_breakdown(commune_code: CommunePath, dimension: Dimension, period: PeriodQ = None,
                                at: AtQ = None, first: FromQ = None, last: ToQ = None,
                                field: Annotated[str | None, Query(max_length=64,
                                                                   description="Procedures of this field")] = None,
                                procedure: Annotated[str | None, Query(max_length=64,
                                                                       description="Officers of this procedure")] = None):
        p = period_of(period, at, first, last)
        return await _breakdown_out([commune_code], p, dimension, field, procedure)

    async def _breakdown_out(communes, p, dimension, field, procedure) -> BreakdownOut:
        within = {"field": field} if field else ({"procedure": procedure} if procedure else None)
        rows = await views.breakdown(deps.reader(), communes, p, dimension, within)
        return BreakdownOut(period=PeriodOut.of(p), dimension=dimension, rows=[
            BreakdownRowOut(key=key, field=attrs.get("field"), figures=figures_out(f)) for key, attrs, f in rows])

    @api.get("/communes/{commune_code}/trend", response_model=TrendOut,
             summary="A commune's figures over time, bucket by bucket")
    async def commune_trend(commune_code: CommunePath, granularity: Granularity = Granularity.MONTH,
                            period: PeriodQ = None, at: AtQ = None, first: FromQ = None, last: ToQ = None):
        p = period_of(period or Granularity.YEAR, at, first, last)
        return await _trend_out([commune_code], p, granularity)

    async def _trend_out(communes, p, granularity) -> TrendOut:
        if granularity is Granularity.CUSTOM:
            granularity = Granularity.DAY
        points = await views.trend(deps.reader(), communes, p, granularity)
        return TrendOut(period=PeriodOut.of(p), granularity=granularity,
                        points=[TrendPointOut(bucket=b, figures=figures_out(f)) for b, f in points])

    @api.get("/communes/{commune_code}/exports/{table}",
             summary="A commune's table as CSV or XLSX (Vietnamese headers)",
             responses={200: {"content": {exports.CSV_MEDIA_TYPE: {}, exports.XLSX_MEDIA_TYPE: {}}}})
    async def commune_export(request: Request, commune_code: CommunePath, table: TableName, format: Format = "xlsx",
                             period: PeriodQ = None, at: AtQ = None, first: FromQ = None, last: ToQ = None,
                             granularity: Granularity = Granularity.MONTH) -> Response:
        lang = _lang(request)
        p = period_of(period if period or first or last or table != "trend" else Granularity.YEAR, at, first, last)
        if table == "summary":
            data = tables.summary_table(await commune_report(deps, commune_code, p), lang)
        elif table == "trend":
            data = await trend_table(deps, [commune_code], p, granularity)
        else:
            data = await breakdown_table(deps, [commune_code], p, table, lang)
        title = f"{commune_code} — {p.label(lang)}"
        return export_response(data, format, f"bao-cao-{commune_code}-{table}-{p.first_day}", lang, title)

    @api.get("/district/report", response_model=DistrictReportOut,
             summary="Communes side by side over a period, and the district total (the caller's communes)")
    async def district_report_route(request: Request, period: PeriodQ = None, at: AtQ = None, first: FromQ = None,
                                    last: ToQ = None, communes: CommunesQ = None):
        p = period_of(period, at, first, last)
        codes = await scope(request, communes)
        return _district_out(await district_report(deps, codes, p), p, await load_criteria(deps.db()))

    @api.get("/district/breakdown/{dimension}", response_model=BreakdownOut,
             summary="The caller's communes together, by channel, field, procedure, officer, campaign or factor")
    async def district_breakdown(request: Request, dimension: Dimension, period: PeriodQ = None, at: AtQ = None,
                                 first: FromQ = None, last: ToQ = None, communes: CommunesQ = None,
                                 field: Annotated[str | None, Query(max_length=64)] = None,
                                 procedure: Annotated[str | None, Query(max_length=64)] = None):
        p = period_of(period, at, first, last)
        return await _breakdown_out(await scope(request, communes), p, dimension, field, procedure)

    @api.get("/district/trend", response_model=TrendOut, summary="The caller's communes together, over time")
    async def district_trend(request: Request, granularity: Granularity = Granularity.MONTH, period: PeriodQ = None,
                             at: AtQ = None, first: FromQ = None, last: ToQ = None, communes: CommunesQ = None):
        p = period_of(period or Granularity.YEAR, at, first, last)
        return await _trend_out(await scope(request, communes), p, granularity)

    @api.get("/district/exports/{table}", summary="A district table as CSV or XLSX (Vietnamese headers)",
             responses={200: {"content": {exports.CSV_MEDIA_TYPE: {}, exports.XLSX_MEDIA_TYPE: {}}}})
    async def district_export(request: Request, table: DistrictTable, format: Format = "xlsx",
                              period: PeriodQ = None, at: AtQ = None, first: FromQ = None, last: ToQ = None,
                              communes: CommunesQ = None, granularity: Granularity = Granularity.MONTH) -> Response:
        lang = _lang(request)
        p = period_of(period if period or first or last or table != "trend" else Granularity.YEAR, at, first, last)
        codes = await scope(request, communes)
        if table == "communes":
            data = communes_table(await district_report(deps, codes, p), lang)
        elif table == "scorecard":
            criteria = await load_criteria(deps.db())
            rows, share = await views.scorecard(deps.reader(), codes, p, criteria)
            data = scorecard_table(rows, share, criteria, lang)
        elif table == "trend":
            data = await trend_table(deps, codes, p, granularity)
        else:
            data = await breakdown_table(deps, codes, p, table, lang)
        title = f"{'Toàn huyện' if lang == 'vi' else 'District'} — {p.label(lang)}"
        return export_response(data, format, f"bao-cao-huyen-{table}-{p.first_day}", lang, title)

    @api.get("/scorecard", response_model=ScorecardOut,
             summary="Friendly-government scorecard: each commune against the district's targets")
    async def scorecard_route(request: Request, period: PeriodQ = None, at: AtQ = None, first: FromQ = None,
                              last: ToQ = None, communes: CommunesQ = None):
        p = period_of(period, at, first, last)
        criteria = await load_criteria(deps.db())
        rows, share = await views.scorecard(deps.reader(), await scope(request, communes), p, criteria)
        return ScorecardOut(period=PeriodOut.of(p), criteria=criteria, share_meeting_standard=share, communes=[
            ScorecardRowOut(commune_code=r.commune_code, meets_standard=r.meets, checks=[
                CheckOut(metric=c.criterion.metric, op=c.criterion.op, threshold=c.criterion.threshold,
                         value=None if c.value is None else round(c.value, 4), met=c.met) for c in r.checks])
            for r in rows])

    @api.get("/scorecard/criteria", response_model=CriteriaOut,
             summary="The district's scorecard criteria and thresholds")
    async def get_criteria():
        criteria = await load_criteria(deps.db())
        return CriteriaOut(criteria=criteria.criteria, metrics={k: v[0] for k, v in METRICS.items()})

    @api.put("/scorecard/criteria", response_model=CriteriaOut,
             summary="Set the district's scorecard criteria and thresholds (administrator)")
    async def put_criteria(request: Request, criteria: Annotated[Criteria, Body()]):
        principal = getattr(request.state, "principal", None)
        await save_criteria(deps.db(), criteria, principal.subject if principal else "?")
        return CriteriaOut(criteria=criteria.criteria, metrics={k: v[0] for k, v in METRICS.items()})

    return api


def _district_out(district: views.District, p: Period, criteria: Criteria) -> DistrictReportOut:
    target = next((c.threshold for c in criteria.criteria if c.metric == "online_share"), None)
    return DistrictReportOut(
        period=PeriodOut.of(p), online_share_target=target,
        communes=[CommuneRowOut(commune_code=code, figures=figures_out(f)) for code, f in district.communes],
        total=figures_out(district.total))
