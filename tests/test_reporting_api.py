"""Reporting's API as its users meet it: each commune sees its own figures, the district all of
them; exports open in a spreadsheet with their Vietnamese headers; the scorecard's targets are
the administrator's to set, and the share of communes meeting them follows."""

import csv
import io
import random

import pytest
from openpyxl import load_workbook

from motcua_runtime.auth import Role
from services.reporting.tests.events import Dossier
from tests.helpers import as_json, eventually, publish_events

pytestmark = pytest.mark.e2e


def two_communes(a: str, b: str) -> list:
    """May 2026: A has 2 dossiers (one online), both on time; B has 2 at the counter, one late."""
    events = []
    for commune, channels, timeliness in ((a, ("online", "counter"), ("on_time", "early")),
                                          (b, ("counter", "counter"), ("on_time", "late"))):
        for n, (channel, when) in enumerate(zip(channels, timeliness)):
            d = Dossier(commune, n, channel=channel, received="2026-05-04 08:00", due="2026-05-07 17:00")
            events += [d.received(), d.returned("2026-05-06 09:00" if when != "late" else "2026-05-08 09:00",
                                                when, 2.0)]
    return events


@pytest.fixture
async def pair(services, stack, http, commune):
    other = f"T{random.randint(10_000_000, 99_999_999)}"
    await publish_events(stack.nats_url, two_communes(commune, other))
    reporting = services["reporting"].base_url

    async def counted():
        a = as_json(await http.get(f"{reporting}/v1/communes/{commune}/report?at=2026-05-01"))["figures"]
        return a["returned"] == 2

    await eventually(counted, timeout=180, interval=0.3)
    return commune, other


async def test_each_commune_sees_its_own_and_the_district_sees_all(services, accounts, overseer, admin, leader,
                                                                   pair):
    a, b = pair
    reporting = services["reporting"].base_url
    query = f"period=month&at=2026-05-01&communes={a},{b}"

    async def district_sees_both():
        body = as_json(await overseer.get(f"{reporting}/v1/district/report?{query}"))
        return body if [c["figures"]["returned"] for c in body["communes"]] == [2, 2] else None

    body = await eventually(district_sees_both, timeout=180, interval=0.3)
    assert sorted(c["commune_code"] for c in body["communes"]) == sorted([a, b])
    assert body["total"]["received"] == 4 and body["total"]["online_share"] == 0.25
    assert body["total"]["on_time_rate"] == 0.75

    # A's leader asks for both and gets A only; B's figures stay closed to them.
    mine = as_json(await leader.get(f"{reporting}/v1/district/report?{query}"))
    assert [c["commune_code"] for c in mine["communes"]] == [a]
    refused = await leader.get(f"{reporting}/v1/communes/{b}/report?at=2026-05-01")
    assert refused.status_code == 403 and "không có quyền" in refused.json()["error"]["message"]
    # Every commune's all-time figures: the district only.
    assert (await leader.get(f"{reporting}/v1/figures")).status_code == 403
    # An administrator keeps settings, not figures: no commune in scope.
    assert as_json(await admin.get(f"{reporting}/v1/district/report?{query}"))["communes"] == []

    bad = await leader.get(f"{reporting}/v1/communes/{a}/report?from=2026-05-10&to=2026-05-01")
    assert bad.status_code == 422 and bad.json()["error"]["message"].startswith("Kỳ báo cáo không hợp lệ")


async def test_exports_open_in_a_spreadsheet_with_vietnamese_headers(services, leader, overseer, pair):
    a, b = pair
    reporting = services["reporting"].base_url
    response = await leader.get(f"{reporting}/v1/communes/{a}/exports/summary?format=csv&period=month&at=2026-05-01")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())  # spreadsheets read it as UTF-8
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Chỉ tiêu", "Giá trị"]
    values = {name: value for name, value in rows[1:]}
    assert values["Tiếp nhận trong kỳ"] == "2" and values["Tỷ lệ hồ sơ trực tuyến"] == "0.5"
    assert values["Chỉ số hài lòng (QĐ 766)"] == "1.0"

    response = await overseer.get(
        f"{reporting}/v1/district/exports/communes?format=xlsx&period=month&at=2026-05-01&communes={a},{b}")
    assert response.status_code == 200
    assert 'filename="bao-cao-huyen-communes-2026-05-01.xlsx"' in response.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "Toàn huyện — Tháng 5/2026"
    headers = [c.value for c in sheet[3]]
    assert headers[:3] == ["Xã/phường", "Kỳ trước chuyển qua", "Tiếp nhận trong kỳ"]
    table = {row[0].value: row for row in sheet.iter_rows(min_row=4)}
    assert set(table) == {a, b, "Toàn huyện"}
    on_time = headers.index("Chỉ số đúng hạn (QĐ 766)")
    assert table[b][on_time].value == 0.5 and table[b][on_time].number_format == "0.0%"
    assert table["Toàn huyện"][headers.index("Tiếp nhận trong kỳ")].value == 4

    procedures = await leader.get(f"{reporting}/v1/communes/{a}/exports/procedure?format=xlsx&at=2026-05-01")
    sheet = load_workbook(io.BytesIO(procedures.content)).active
    assert [c.value for c in sheet[3]][:2] == ["Thủ tục", "Tiếp nhận trong kỳ"]
    english = await leader.get(f"{reporting}/v1/communes/{a}/exports/field?format=csv&at=2026-05-01",
                               headers={"Accept-Language": "en"})
    assert english.content.decode("utf-8-sig").splitlines()[0].startswith("Field,Received in period")


async def test_scorecard_targets_are_set_by_the_administrator(services, admin, overseer, pair):
    a, b = pair
    reporting = services["reporting"].base_url
    original = as_json(await overseer.get(f"{reporting}/v1/scorecard/criteria"))
    assert {"metric": "online_share", "op": ">=", "threshold": 0.3} in original["criteria"]
    assert original["metrics"]["satisfaction_index_766"] == "Chỉ số hài lòng (QĐ 766)"

    criteria = {"criteria": [{"metric": "online_share", "op": ">=", "threshold": 0.3},
                             {"metric": "on_time_rate", "op": ">=", "threshold": 0.9},
                             {"metric": "apology_gap", "op": "<=", "threshold": 0}]}
    assert (await overseer.put(f"{reporting}/v1/scorecard/criteria", json=criteria)).status_code == 403
    unknown = await admin.put(f"{reporting}/v1/scorecard/criteria",
                              json={"criteria": [{"metric": "so_ho_so", "op": ">=", "threshold": 1}]})
    assert unknown.status_code == 422
    try:
        assert (await admin.put(f"{reporting}/v1/scorecard/criteria", json=criteria)).status_code == 200
        card = as_json(await overseer.get(f"{reporting}/v1/scorecard?period=month&at=2026-05-01&communes={a},{b}"))
        by_commune = {row["commune_code"]: row for row in card["communes"]}
        # A: online 50 %, on time 100 %, no late result -> meets. B: no online dossier, on time 50 %,
        # and its late result got no apology letter -> does not.
        assert by_commune[a]["meets_standard"] is True
        assert by_commune[b]["meets_standard"] is False
        assert [c["met"] for c in by_commune[b]["checks"]] == [False, False, False]
        assert [c["value"] for c in by_commune[b]["checks"]] == [0.0, 0.5, 1]
        assert card["share_meeting_standard"] == 0.5
    finally:
        restore = {"criteria": [{k: c[k] for k in ("metric", "op", "threshold")} for c in original["criteria"]]}
        assert (await admin.put(f"{reporting}/v1/scorecard/criteria", json=restore)).status_code == 200


async def test_a_threshold_that_is_not_a_finite_number_is_refused_and_the_criteria_stay(services, admin, overseer):
    """Regression (API audit): JSON may carry NaN or Infinity; a threshold of NaN was stored and the
    criteria could no longer be read back (500). Refused with the reason, nothing changed."""
    reporting = services["reporting"].base_url
    before = as_json(await overseer.get(f"{reporting}/v1/scorecard/criteria"))["criteria"]
    for threshold in ("NaN", "Infinity", "-1", "1e12"):
        body = '{"criteria": [{"metric": "online_share", "op": ">=", "threshold": %s}]}' % threshold
        refused = await admin.put(f"{reporting}/v1/scorecard/criteria", content=body,
                                  headers={"Content-Type": "application/json"})
        assert refused.status_code == 422, (threshold, refused.text)
        assert refused.json()["error"]["message"].startswith("Dữ liệu gửi lên không hợp lệ: criteria.0.threshold")
    assert as_json(await overseer.get(f"{reporting}/v1/scorecard/criteria"))["criteria"] == before


async def test_a_commune_officer_reads_their_commune_figures_only(services, accounts, pair):
    a, b = pair
    reporting = services["reporting"].base_url
    async with await accounts.client(Role.COUNTER_OFFICER, b) as officer_b:
        own = as_json(await officer_b.get(f"{reporting}/v1/communes/{b}/breakdown/channel?at=2026-05-01"))
        assert {r["key"]: r["figures"]["received"] for r in own["rows"]} == {"counter": 2}
        assert (await officer_b.get(f"{reporting}/v1/communes/{a}/trend")).status_code == 403
        card = as_json(await officer_b.get(f"{reporting}/v1/scorecard?at=2026-05-01"))
        assert [row["commune_code"] for row in card["communes"]] == [b]
