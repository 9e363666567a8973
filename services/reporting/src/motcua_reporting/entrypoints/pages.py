"""Pages: the district dashboard (``/bao-cao``), a commune's own page with the drill-down
commune → field → procedure → officer (``/bao-cao/xa/{commune_code}``) and its printable monthly
report (``/bao-cao/xa/{commune_code}/thang``). Server-rendered (Jinja2) from the same queries as
the API; charts are inline SVG; nothing is fetched from outside. Vietnamese first; ``?lang=en``."""

import asyncio
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Path as PathParam, Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from motcua_reporting.adapters.storage import load_criteria
from motcua_reporting.domain.periods import Granularity, Period
from motcua_reporting.domain.projection import VIETNAM_TZ
from motcua_reporting.domain.scorecard import METRICS
from motcua_reporting.entrypoints import charts
from motcua_reporting.entrypoints.http import (
    Deps,
    _key_label,
    breakdown_table,
    communes_table,
    period_of,
    visible_communes,
)
from motcua_reporting.service_layer import tables, views

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
LANG_COOKIE = "motcua_lang"
CommunePath = Annotated[str, PathParam(pattern=r"^[A-Za-z0-9_-]{1,32}$")]

TEXTS: dict[str, dict[str, Any]] = {
    "vi": {
        "app": "Báo cáo Một cửa thân thiện", "district": "Toàn huyện", "other_language": "English",
        "district_title": "Bảng điều hành toàn huyện", "commune": "Xã/phường", "commune_title": "Báo cáo của xã/phường",
        "period": "Kỳ báo cáo", "at": "Ngày trong kỳ", "show": "Xem",
        "granularity": {"day": "Ngày", "week": "Tuần", "month": "Tháng", "quarter": "Quý", "year": "Năm"},
        "no_communes": "Chưa có số liệu của xã/phường nào trong phạm vi của ông/bà.",
        "communes_side_by_side": "Các xã/phường", "meeting_standard": "Số xã/phường đạt chuẩn chính quyền thân thiện",
        "export": "Xuất", "scorecard": "Chấm điểm chính quyền thân thiện", "by_procedure": "Theo thủ tục",
        "satisfaction_title": "Mức độ hài lòng (hai thước đo)", "district_total": "toàn huyện",
        "online_vs_target": "Tỷ lệ hồ sơ trực tuyến so với chỉ tiêu",
        "on_time_by_commune": "Chỉ số đúng hạn (QĐ 766) theo xã/phường",
        "trend_received": "Hồ sơ tiếp nhận và trả kết quả theo tháng", "trend_rates": "Các tỷ lệ theo tháng",
        "meets": "Đạt chuẩn", "yes_met": "Đạt", "not_met": "Chưa đạt",
        "ballot_rate": "Tỷ lệ phiếu hài lòng (phiếu khảo sát)", "ballot_rate_formula": "phiếu hài lòng / phiếu",
        "index_766": "Chỉ số hài lòng theo Quyết định 766/QĐ-TTg",
        "index_766_formula": "(hồ sơ trong phạm vi − hồ sơ bị trừ) / hồ sơ trong phạm vi",
        "unsatisfied": "không hài lòng", "complained": "bị phản ánh", "late": "quá hạn",
        "field": "Lĩnh vực", "procedure": "Thủ tục", "summary": "Số liệu tổng hợp",
        "by_field": "Theo lĩnh vực", "by_procedure_in": "Các thủ tục của lĩnh vực", "by_officer_of": "Cán bộ giải quyết thủ tục",
        "by_channel": "Theo kênh tiếp nhận", "by_factor": "Theo tiêu chí đánh giá", "by_officer": "Theo cán bộ",
        "by_campaign": "Theo đợt khảo sát", "monthly_report": "Báo cáo tháng (bản in)", "print": "In báo cáo",
        "back": "Quay lại", "national_motto": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "national_motto_2": "Độc lập – Tự do – Hạnh phúc",
        "monthly_title": "BÁO CÁO KẾT QUẢ THỰC HIỆN CƠ CHẾ MỘT CỬA", "from_to": "Từ ngày",
        "generated": "Lập lúc", "definitions": "Định nghĩa các chỉ tiêu: docs/reporting.md.",
        "received": "Tiếp nhận", "returned": "Trả kết quả", "on_time_rate": "Chỉ số đúng hạn",
        "online_share": "Tỷ lệ trực tuyến", "ballot_rate_short": "Tỷ lệ phiếu hài lòng", "target": "Chỉ tiêu",
        "district_label": "Toàn huyện",
    },
    "en": {
        "app": "Friendly one-stop reports", "district": "District", "other_language": "Tiếng Việt",
        "district_title": "District dashboard", "commune": "Commune", "commune_title": "Report of commune",
        "period": "Period", "at": "A day in the period", "show": "Show",
        "granularity": {"day": "Day", "week": "Week", "month": "Month", "quarter": "Quarter", "year": "Year"},
        "no_communes": "No figures yet for the communes you may see.",
        "communes_side_by_side": "Communes", "meeting_standard": "Communes meeting the friendly-government standard",
        "export": "Export", "scorecard": "Friendly-government scorecard", "by_procedure": "By procedure",
        "satisfaction_title": "Satisfaction (two measures)", "district_total": "district",
        "online_vs_target": "Online share against the target", "on_time_by_commune": "On-time index by commune",
        "trend_received": "Dossiers received and returned by month", "trend_rates": "Rates by month",
        "meets": "Meets", "yes_met": "Met", "not_met": "Not met",
        "ballot_rate": "Ballot satisfaction rate (survey ballots)", "ballot_rate_formula": "satisfied / ballots",
        "index_766": "Satisfaction index of Decision 766/QĐ-TTg",
        "index_766_formula": "(dossiers in scope − dossiers marked down) / dossiers in scope",
        "unsatisfied": "unsatisfied", "complained": "complained", "late": "late",
        "field": "Field", "procedure": "Procedure", "summary": "Summary figures",
        "by_field": "By field", "by_procedure_in": "Procedures of field", "by_officer_of": "Officers handling procedure",
        "by_channel": "By channel", "by_factor": "By survey factor", "by_officer": "By officer",
        "by_campaign": "By survey campaign", "monthly_report": "Monthly report (printable)", "print": "Print",
        "back": "Back", "national_motto": "SOCIALIST REPUBLIC OF VIETNAM",
        "national_motto_2": "Independence – Freedom – Happiness",
        "monthly_title": "ONE-STOP SHOP REPORT", "from_to": "From",
        "generated": "Generated", "definitions": "Definitions of every figure: docs/reporting.md.",
        "received": "Received", "returned": "Returned", "on_time_rate": "On-time index",
        "online_share": "Online share", "ballot_rate_short": "Ballot rate", "target": "Target",
        "district_label": "District",
    },
}


def language(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if chosen in TEXTS:
        return chosen
    return "en" if request.headers.get("accept-language", "").lower().startswith("en") else "vi"


class Renderer:
    def __init__(self) -> None:
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                               trim_blocks=True, lstrip_blocks=True)

    def page(self, request: Request, template: str, **context: Any) -> HTMLResponse:
        lang = language(request)
        params = dict(request.query_params)
        params["lang"] = "en" if lang == "vi" else "vi"
        html = self.env.get_template(template).render(
            t=TEXTS[lang], lang=lang, fmt=lambda v, k: tables.format_value(v, k, lang), kind=tables.kind,
            other_lang_query=urlencode(params), **context)
        response = HTMLResponse(html, headers={"Cache-Control": "no-store", "Content-Language": lang})
        if request.query_params.get("lang") in TEXTS:
            response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax")
        return response


def _period_query(period: Period) -> str:
    if period.granularity is Granularity.CUSTOM:
        return urlencode({"from": period.first_day, "to": period.last_day})
    return urlencode({"period": period.granularity.value, "at": period.first_day})


def _year_of(period: Period) -> Period:
    return Period(date(period.first.year, 1, 1), date(period.first.year, 12, 31), Granularity.YEAR)


async def _trend_charts(deps: Deps, communes: list[str], period: Period, t: dict, target: float | None) -> dict:
    year = _year_of(period)
    points = await views.trend(deps.reader(), communes, year, Granularity.MONTH)
    labels = [b[5:] + "/" + b[:4] for b, _ in points]
    counts = charts.bar_chart(labels, [(t["received"], [f.received for _, f in points]),
                                       (t["returned"], [f.returned for _, f in points])],
                              title=t["trend_received"], chart_id="trend-counts")
    rates = charts.rate_chart(labels, [(t["on_time_rate"], [f.on_time_rate for _, f in points]),
                                       (t["online_share"], [f.online_share for _, f in points]),
                                       (t["ballot_rate_short"], [f.ballot_satisfaction_rate for _, f in points])],
                              title=t["trend_rates"], target=target,
                              target_label=f"{t['target']} {t['online_share'].lower()}", chart_id="trend-rates")
    return {"trend_counts": counts, "trend_rates": rates}


def install(app: FastAPI, deps: Deps) -> None:
    render = Renderer()
    pages = APIRouter(include_in_schema=False)

    @pages.get("/bao-cao", response_class=HTMLResponse)
    async def district_dashboard(request: Request, period: Granularity | None = None, at: date | None = None,
                                 first: Annotated[date | None, Query(alias="from")] = None,
                                 last: Annotated[date | None, Query(alias="to")] = None,
                                 communes: str | None = None) -> HTMLResponse:
        lang = language(request)
        t = TEXTS[lang]
        p = period_of(period, at, first, last)
        codes = visible_communes(getattr(request.state, "principal", None), await deps.reader().communes(), communes)
        criteria = await load_criteria(deps.db())
        district = await views.communes_figures(deps.reader(), codes, p)
        rows, share = await views.scorecard(deps.reader(), codes, p, criteria)
        target = next((c.threshold for c in criteria.criteria if c.metric == "online_share"), None)
        query = _period_query(p) + (f"&communes={communes}" if communes else "")
        labels = [code for code, _ in district.communes]
        chart = {
            "online": charts.hbar_chart(labels, [f.online_share for _, f in district.communes],
                                        title=t["online_vs_target"], target=target,
                                        target_label=f"{t['target']} {tables.format_value(target, 'rate', lang)}",
                                        chart_id="online-chart"),
            "on_time": charts.hbar_chart(labels, [f.on_time_rate for _, f in district.communes],
                                         title=t["on_time_by_commune"], chart_id="on-time-chart"),
            **(await _trend_charts(deps, codes, p, t, target) if codes else {}),
        }

        def metric_label(c) -> str:
            threshold = tables.format_value(c.threshold, tables.kind(c.metric), lang)
            return f"{METRICS[c.metric][0 if lang == 'vi' else 1]} ({'≥' if c.op == '>=' else '≤'} {threshold})"

        return render.page(
            request, "district.html", period=p, district=district, total=district.total,
            communes_table=communes_table(district, lang), scorecard_rows=rows, share=share,
            meeting=sum(r.meets for r in rows), criteria=criteria, metric_label=metric_label, charts=chart,
            commune_links={code: f"/bao-cao/xa/{code}?{_period_query(p)}" for code in codes}, query=query,
            communes_param=communes)

    @pages.get("/bao-cao/xa/{commune_code}", response_class=HTMLResponse)
    async def commune_page(request: Request, commune_code: CommunePath, period: Granularity | None = None,
                           at: date | None = None, first: Annotated[date | None, Query(alias="from")] = None,
                           last: Annotated[date | None, Query(alias="to")] = None, field: str | None = None,
                           procedure: str | None = None) -> HTMLResponse:
        lang = language(request)
        t = TEXTS[lang]
        p = period_of(period, at, first, last)
        communes = [commune_code]
        district = await views.communes_figures(deps.reader(), communes, p)
        figures = district.communes[0][1]
        base = f"/bao-cao/xa/{commune_code}"
        pq = _period_query(p)
        if procedure:
            drill = await breakdown_table(deps, communes, p, "officer", lang, {"procedure": procedure})
            drill_title, links = f"{t['by_officer_of']} {procedure}", {}
        elif field:
            drill = await breakdown_table(deps, communes, p, "procedure", lang, {"field": field})
            drill_title = f"{t['by_procedure_in']} {field}"
            links = {row[0]: f"{base}?{pq}&{urlencode({'field': field, 'procedure': row[0]})}" for row in drill.rows}
        else:
            drill = await breakdown_table(deps, communes, p, "field", lang)
            drill_title = t["by_field"]
            links = {row[0]: f"{base}?{pq}&{urlencode({'field': row[0]})}" for row in drill.rows}
        criteria = await load_criteria(deps.db())
        target = next((c.threshold for c in criteria.criteria if c.metric == "online_share"), None)
        # The page's other tables and charts are independent queries: asked at once.
        channel, factor, officer, campaign, trend_charts = await asyncio.gather(
            *(breakdown_table(deps, communes, p, dim, lang) for dim in ("channel", "factor", "officer", "campaign")),
            _trend_charts(deps, communes, p, t, target))
        return render.page(
            request, "commune.html", commune_code=commune_code, period=p, figures=figures, base=base,
            period_query=pq, field=field, procedure=procedure, drill_table=drill, drill_title=drill_title,
            drill_links=links, summary=tables.summary_table(figures, lang), channel_table=channel,
            factor_table=factor, officer_table=officer, campaign_table=campaign, charts=trend_charts)

    @pages.get("/bao-cao/xa/{commune_code}/thang", response_class=HTMLResponse)
    async def monthly_report(request: Request, commune_code: CommunePath, at: date | None = None) -> HTMLResponse:
        lang = language(request)
        p = period_of(Granularity.MONTH, at, None, None)
        communes = [commune_code]
        figures = (await views.communes_figures(deps.reader(), communes, p)).communes[0][1]
        return render.page(
            request, "monthly.html", commune_code=commune_code, period=p, figures=figures,
            summary=tables.summary_table(figures, lang),
            field_table=await breakdown_table(deps, communes, p, "field", lang),
            procedure_table=await breakdown_table(deps, communes, p, "procedure", lang),
            generated=datetime.now(VIETNAM_TZ).strftime("%d/%m/%Y %H:%M"))

    app.include_router(pages)


__all__ = ["install", "_key_label"]
