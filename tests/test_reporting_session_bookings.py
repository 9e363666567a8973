"""Out-of-hours session bookings in reporting, against the real intake and reporting processes,
NATS and MongoDB: an officer sets up a session and books two citizens who phoned in through
intake's API, cancels one booking; reporting's figures then show 2 booked and 1 cancelled (net 1),
a re-published booking event counts once, and the district dashboard and the commune's page show
the row beside the out-of-hours figures, in Vietnamese and in English; the XLSX export has it."""

import io
import json
from datetime import UTC, datetime, timedelta

import nats
import pytest
from openpyxl import load_workbook
from playwright.async_api import expect

from motcua_contracts.streams import EVENTS
from motcua_runtime.auth import Role
from tests.helpers import as_json, eventually
from tests.pages_support import chromium, screenshot, vietnamese_page
from tests.test_session_bookings import a_session, book, bookings_url, events

pytestmark = pytest.mark.e2e

BOOKED_DURABLE = "reporting-session-booked"


def local_today():
    return (datetime.now(UTC) + timedelta(hours=7)).date()


async def republish_and_wait_until_acked(stack, event: dict) -> None:
    """Publish ``event`` again under a new message id (JetStream does not drop it as a duplicate,
    so reporting's consumer receives it a second time), then wait until that consumer has
    acknowledged every message up to it."""
    nc = await nats.connect(stack.nats_url)
    try:
        js = nc.jetstream()
        subject = f"motcua.events.{event['commune_code']}.{event['event_type']}.v1"
        ack = await js.publish(subject, json.dumps(event).encode(),
                               headers={"Nats-Msg-Id": f"again-{event['event_id']}"})

        async def acked():
            info = await js.consumer_info(EVENTS.name, BOOKED_DURABLE)
            return info.ack_floor.stream_seq >= ack.seq

        await eventually(acked, timeout=180, interval=0.3)
    finally:
        await nc.close()


async def test_bookings_and_a_cancellation_reach_the_figures_pages_and_export(stack, services, http, overseer,
                                                                              accounts, commune):
    reporting = services["reporting"].base_url
    session = await a_session(http, services, commune, title="Phiên tối thứ Năm")
    first = await book(http, services, commune, session, "0912000111", name="Lê Thị Hoa")
    second = await book(http, services, commune, session, "0912000222", name="Trần Văn Nam")
    assert (first.status_code, second.status_code) == (201, 201), (first.text, second.text)
    cancel = f"{bookings_url(services, commune, session)}/{second.json()['booking_id']}/cancellation"
    as_json(await http.post(cancel, json={"by": "officer"}))

    async def counted():
        f = as_json(await http.get(f"{reporting}/v1/communes/{commune}/figures"))
        return f if (f["session_bookings"], f["session_bookings_cancelled"]) == (2, 1) else None

    figures = await eventually(counted, timeout=180, interval=0.5)
    assert figures["session_bookings"] - figures["session_bookings_cancelled"] == 1  # net booked
    # A session with bookings but no dossier received in it yet is not a session held.
    assert (figures["sessions_held"], figures["received_in_sessions"], figures["received"]) == (0, 0, 0)

    # The booking announced again (a re-publication the stream does not recognise) counts once.
    booked = await eventually(lambda: events(stack, commune, "SessionBooked"), timeout=30)
    assert len(booked) == 2
    await republish_and_wait_until_acked(stack, booked[0])
    again = as_json(await http.get(f"{reporting}/v1/communes/{commune}/figures"))
    assert (again["session_bookings"], again["session_bookings_cancelled"]) == (2, 1)

    # The district's all-time figures compare communes: the commune's row and the total.
    district = as_json(await overseer.get(f"{reporting}/v1/figures?communes={commune}"))
    [row] = district["communes"]
    assert row["commune_code"] == commune
    assert (row["figures"]["session_bookings"], row["figures"]["session_bookings_cancelled"]) == (2, 1)
    assert (district["total"]["session_bookings"], district["total"]["session_bookings_cancelled"]) == (2, 1)

    # The bookings count on the day they were made (today, local time): a range around today.
    today = local_today()
    period = f"from={today - timedelta(days=1)}&to={today + timedelta(days=1)}"
    report = as_json(await http.get(f"{reporting}/v1/communes/{commune}/report?{period}"))["figures"]
    assert (report["session_bookings"], report["session_bookings_cancelled"]) == (2, 1)
    session_day = session["next_occurrences"][0]
    on_session_day = as_json(await http.get(f"{reporting}/v1/communes/{commune}/report?from={session_day}"
                                            f"&to={session_day}"))["figures"]
    assert on_session_day["session_bookings"] == 0

    # The communes table's XLSX export has the columns beside the sessions held.
    response = await overseer.get(f"{reporting}/v1/district/exports/communes?format=xlsx&{period}"
                                  f"&communes={commune}")
    sheet = load_workbook(io.BytesIO(response.content)).active
    headers = [c.value for c in sheet[3]]
    held = headers.index("Phiên ngoài giờ đã tổ chức")
    assert headers[held + 1:held + 3] == ["Lượt đăng ký phiên ngoài giờ", "Lượt hủy đăng ký phiên ngoài giờ"]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=4)}
    assert (rows[commune][held + 1].value, rows[commune][held + 2].value) == (2, 1)

    token = await accounts.token(Role.DISTRICT_OVERSEER, "*")
    async with chromium() as browser, vietnamese_page(browser, reporting, token) as page:
        page.set_default_timeout(60_000)  # a busy machine: pages may take a while to load
        await page.goto(f"/bao-cao?{period}&communes={commune}")
        table = page.locator("#communes-table")
        await expect(table.locator("thead")).to_contain_text("Lượt đăng ký phiên ngoài giờ")
        await expect(table.locator(f"tr[data-key='{commune}'] td[data-col='session_bookings']")).to_have_text("2")
        await expect(table.locator(f"tr[data-key='{commune}'] td[data-col='session_bookings_cancelled']")
                     ).to_have_text("1")
        await expect(table.locator("tr.total td[data-col='session_bookings']")).to_have_text("2")
        await screenshot(page, "reporting-session-bookings-district")

        await page.click(f"#communes-table a:text-is('{commune}')")
        await expect(page.locator("h1")).to_have_text(f"Báo cáo của xã/phường {commune}")
        summary = page.locator("#summary-table")
        await expect(summary.locator("tr[data-key='Lượt đăng ký phiên ngoài giờ'] td").nth(1)).to_have_text("2")
        await expect(summary.locator("tr[data-key='Lượt hủy đăng ký phiên ngoài giờ'] td").nth(1)).to_have_text("1")
        # The row sits right after the dossiers received in out-of-hours sessions.
        keys = await summary.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.key)")
        at = keys.index("Hồ sơ nhận trong phiên ngoài giờ")
        assert keys[at + 1] == "Lượt đăng ký phiên ngoài giờ"

        await page.goto(f"/bao-cao/xa/{commune}?{period}&lang=en")
        await expect(page.locator("#summary-table tr[data-key='Out-of-hours session bookings'] td").nth(1)
                     ).to_have_text("2")
