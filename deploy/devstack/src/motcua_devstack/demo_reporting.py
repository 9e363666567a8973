"""Demo of reporting: after the demo district is loaded, print where its figures are and the
month's headline figures (each through the reporting API, as the district overseer).

Reporting has no data of its own to load: every figure comes from the events the demo's
dossiers, ballots and letters published. This only points at the pages and shows that the
projections caught up."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence

import httpx


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


async def show_reporting(client: httpx.AsyncClient, urls: Mapping[str, str], headers: Mapping[str, str],
                         communes: Sequence[str], log: Callable[[str], None] = print, wait: float = 15.0) -> None:
    """Log the dashboard's address and this month's district figures once reporting counted the
    demo's dossiers (waits up to ``wait`` seconds; reporting catches up within seconds)."""
    reporting = (urls.get("reporting") or "").rstrip("/")
    if not reporting:
        return
    query = f"period=month&communes={','.join(communes)}"
    body: dict | None = None
    for _ in range(max(1, int(wait / 0.5))):
        try:
            response = await client.get(f"{reporting}/v1/district/report?{query}", headers=headers)
        except httpx.HTTPError as exc:
            log(f"  reporting: {reporting} not reachable ({exc})")
            return
        if response.status_code != 200:
            log(f"  reporting: HTTP {response.status_code}")
            return
        body = response.json()
        if not isinstance(body, dict) or "total" not in body:
            log("  reporting: unexpected answer from /v1/district/report")
            return
        if body["total"]["received"] > 0:
            break
        await asyncio.sleep(0.5)
    assert body is not None
    total = body["total"]
    try:
        card = (await client.get(f"{reporting}/v1/scorecard?{query}", headers=headers)).json()
    except (httpx.HTTPError, ValueError):
        card = {}
    log(f"reporting — {body['period']['label']}: {total['received']} received, {total['returned']} returned "
        f"({total['early']} early, {total['on_time']} on time, {total['late']} late), on-time index "
        f"{_pct(total['on_time_rate'])}, online share {_pct(total['online_share'])} "
        f"(target {_pct(body['online_share_target'])}), ballot rate {_pct(total['ballot_satisfaction_rate'])} "
        f"({total['satisfied']}/{total['ballots']}), Decision 766 satisfaction index "
        f"{_pct(total['satisfaction_index_766'])}; communes meeting the standard "
        f"{_pct(card.get('share_meeting_standard'))}")
    log(f"  district dashboard: {reporting}/bao-cao (overseer 'giamsat'); a commune's page: "
        f"{reporting}/bao-cao/xa/{communes[0]}; monthly report: {reporting}/bao-cao/xa/{communes[0]}/thang")
