"""Reporting's queries: read the precomputed models, compute the figures (no raw events, no
dossier scan: counters summed over days, and indexed counts of the per-dossier model)."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from motcua_reporting.adapters.storage import MongoReportingReader
from motcua_reporting.domain.figures import Figures, district_total
from motcua_reporting.domain.periods import Granularity, Period, bucket_of, buckets
from motcua_reporting.domain.projection import VIETNAM_TZ
from motcua_reporting.domain.scorecard import Check, Criteria, assess, meets_standard

ReaderFactory = Callable[[], MongoReportingReader]

#: Dimensions a commune's figures break down by (the drill-down and the tables).
BREAKDOWNS = ("channel", "field", "procedure", "officer", "campaign", "factor")


@dataclass(frozen=True)
class District:
    communes: list[tuple[str, Figures]]
    total: Figures


def _as_of(period: Period, now: datetime | None) -> datetime:
    now = now or datetime.now(VIETNAM_TZ)
    return min(period.end, now)


async def communes_figures(reader: MongoReportingReader, communes: Sequence[str], period: Period | None,
                           now: datetime | None = None) -> District:
    """Each commune's figures over ``period`` (None: since the first event), and the district total."""
    first, last = (period.first_day, period.last_day) if period else (None, None)
    counters = await reader.counters("all", "commune", communes, first, last)
    histograms = await reader.histograms("all", "commune", communes, first, last)
    sessions = await reader.sessions_held(communes, first, last)
    end = period.end if period else datetime.now(VIETNAM_TZ)
    dossiers = await reader.dossier_counts(communes, period.start if period else None, end,
                                           _as_of(period, now) if period else end)
    rows = []
    for code in communes:
        c, updated = counters.get(code, ({}, None))
        rows.append((code, Figures(c, dossiers.get(code, {}), histograms.get(code, {}), sessions.get(code, 0),
                                   updated)))
    return District(rows, district_total(f for _, f in rows))


async def breakdown(reader: MongoReportingReader, communes: Sequence[str], period: Period, dim: str,
                    within: dict | None = None) -> list[tuple[str, dict, Figures]]:
    """Figures per key of a dimension (field, procedure, officer...), summed over ``communes``;
    ``within``: {"field": F} (procedures of a field) or {"procedure": P} (officers of a procedure)."""
    extra: dict = {}
    source = dim
    if within and "field" in within and dim == "procedure":
        extra = {"a.field": within["field"]}
    if within and "procedure" in within and dim == "officer":
        source = "proc_officer"
        extra = {"key": {"$regex": f"^{_escape(within['procedure'])}\\|"}}
    counters = await reader.counters(source, "key", communes, period.first_day, period.last_day, extra)
    histograms = {}
    if dim in ("procedure", "field"):
        histograms = await reader.histograms(source, "key", communes, period.first_day, period.last_day, extra)
    attrs = await reader.attrs(source, communes, extra) if dim == "procedure" else {}
    rows = []
    for key in sorted(counters):
        c, updated = counters[key]
        label = key.split("|", 1)[1] if source == "proc_officer" else key
        rows.append((label, attrs.get(key, {}), Figures(c, {}, histograms.get(key, {}), 0, updated)))
    return rows


def _escape(text: str) -> str:
    import re

    return re.escape(text)


async def trend(reader: MongoReportingReader, communes: Sequence[str], period: Period,
                granularity: Granularity) -> list[tuple[str, Figures]]:
    """The period cut into buckets (days, weeks, months...), each bucket's figures (counters only),
    every bucket present even when empty."""
    whole_months = period.first.day == 1 and (period.last + timedelta(days=1)).day == 1
    if whole_months and granularity in (Granularity.MONTH, Granularity.QUARTER, Granularity.YEAR):
        # The months' roll-ups: twelve documents a commune for a year, not 365.
        rows = await reader.counters("all", "month", communes, period.first_day, period.last_day)
        by_day = {f"{month}-01": value for month, value in rows.items()}
    else:
        by_day = await reader.counters("all", "day", communes, period.first_day, period.last_day)
    sums: dict[str, Figures] = {label: Figures() for label in buckets(period, granularity)}
    for day, (c, updated) in by_day.items():
        label = bucket_of(day, granularity)
        if label in sums:
            sums[label] = sums[label] + Figures(c, updated_at=updated)
    return list(sums.items())


@dataclass(frozen=True)
class ScorecardRow:
    commune_code: str
    figures: Figures
    checks: list[Check]
    meets: bool


async def scorecard(reader: MongoReportingReader, communes: Sequence[str], period: Period, criteria: Criteria,
                    now: datetime | None = None) -> tuple[list[ScorecardRow], float | None]:
    """Each commune against the criteria, and the share of communes meeting the standard."""
    district = await communes_figures(reader, communes, period, now)
    rows = []
    for code, figures in district.communes:
        checks = assess(figures, criteria.criteria)
        rows.append(ScorecardRow(code, figures, checks, meets_standard(checks)))
    share = (sum(r.meets for r in rows) / len(rows)) if rows else None
    return rows, share
