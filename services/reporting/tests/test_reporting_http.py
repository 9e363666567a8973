"""The HTTP API over a fake reader (no servers)."""

from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from motcua_contracts import Channel
from motcua_runtime.errors import install_error_handlers
from motcua_reporting.entrypoints import http

from services.reporting.tests.reporting_fakes import FakeStore

FIELDS = {"commune_code", "received", "received_by_channel", "returned", "early", "on_time", "late",
          "returned_at_home", "ballots", "satisfied", "on_time_rate", "ballot_satisfaction_rate", "updated_at",
          "received_in_sessions", "assisted", "returned_free_of_charge", "supplements_requested", "refused",
          "withdrawn", "rescheduled", "online_share"}


async def get(store: FakeStore, path: str) -> httpx.Response:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(http.router(lambda: store))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://reporting") as client:
        return await client.get(path)


@pytest.mark.asyncio
async def test_commune_without_events_is_zeros_not_404():
    resp = await get(FakeStore(), "/v1/communes/26041/figures")
    assert resp.status_code == 200
    body = resp.json()
    assert set(body) == FIELDS
    assert body["commune_code"] == "26041" and body["received"] == 0 and body["ballots"] == 0
    assert body["received_by_channel"] == {c.value: 0 for c in Channel}
    assert body["on_time_rate"] is None and body["ballot_satisfaction_rate"] is None and body["updated_at"] is None
    assert body["online_share"] is None and body["refused"] == 0 and body["rescheduled"] == 0


@pytest.mark.asyncio
async def test_bad_commune_code_is_422():
    assert (await get(FakeStore(), "/v1/communes/26.041/figures")).status_code == 422


@pytest.mark.asyncio
async def test_district_figures():
    store = FakeStore()
    at = datetime(2024, 7, 1, tzinfo=UTC)
    store.commune_figures = {
        "26068": {"_id": "26068", "received": 2, "received_by_channel": {"online": 2}, "returned": 1, "late": 1,
                  "ballots": 600, "satisfied": 548, "refused": 1, "rescheduled": 2, "updated_at": at},
        "26041": {"_id": "26041", "received": 1, "received_by_channel": {"counter": 1}, "returned": 1, "early": 1,
                  "supplements_requested": 1, "refused": 2, "received_in_sessions": 1, "updated_at": at},
    }
    resp = await get(store, "/v1/figures")
    assert resp.status_code == 200
    body = resp.json()
    assert [c["commune_code"] for c in body["communes"]] == ["26041", "26068"]
    assert all(set(c) == FIELDS for c in body["communes"])
    assert body["communes"][1]["ballot_satisfaction_rate"] == 0.9133
    total = body["total"]
    assert set(total) == FIELDS - {"commune_code"}
    assert total["received"] == 3 and total["received_by_channel"]["online"] == 2
    assert total["on_time_rate"] == 0.5
    assert total["ballot_satisfaction_rate"] == 0.9133
    assert (total["refused"], total["rescheduled"], total["supplements_requested"], total["received_in_sessions"]) == (
        3, 2, 1, 1)
    assert body["communes"][0]["online_share"] == 0.0 and body["communes"][1]["online_share"] == 1.0
    assert total["online_share"] == 0.6667
