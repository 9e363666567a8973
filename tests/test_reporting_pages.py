"""The reporting pages in a real headless browser (Debian's Chromium through Playwright) against
the real reporting process: the district dashboard with communes side by side and inline-SVG
charts, the drill-down commune → field → procedure → officer, the two satisfaction measures side
by side, the printable monthly report.

``MOTCUA_SCREENSHOTS=/tmp/motcua-pages`` keeps a screenshot of every page."""

import random

import pytest
from playwright.async_api import expect

from motcua_runtime.auth import Role
from services.reporting.tests.events import Dossier
from tests.helpers import as_json, eventually, publish_events
from tests.pages_support import chromium, screenshot, vietnamese_page
from tests.test_reporting_api import two_communes
from tests.test_reporting_scenario import default_criteria  # noqa: F401 (a fixture)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def browser():
    async with chromium() as browser:
        yield browser


@pytest.fixture
async def district(services, stack, http, commune, default_criteria):
    other = f"T{random.randint(10_000_000, 99_999_999)}"
    extra = Dossier(commune, 7, "CT-CHUKY", officer="cb2", received="2026-05-05 08:00", due="2026-05-06 17:00")
    events = two_communes(commune, other) + [extra.received(), extra.returned("2026-05-06 08:00", "on_time", 1.0),
                                             extra.ballot("2026-05-06 09:00", 5)]
    await publish_events(stack.nats_url, events)
    reporting = services["reporting"].base_url

    async def counted():
        a = as_json(await http.get(f"{reporting}/v1/communes/{commune}/report?at=2026-05-01"))["figures"]
        return a["returned"] == 3 and a["ballots"] == 1

    await eventually(counted, timeout=180, interval=0.3)
    return commune, other


async def test_district_dashboard_compares_communes_with_charts_and_drills_down(services, accounts, browser,
                                                                               district):
    a, b = district
    reporting = services["reporting"].base_url
    token = await accounts.token(Role.DISTRICT_OVERSEER, "*")
    async with vietnamese_page(browser, reporting, token) as page:
        page.set_default_timeout(60_000)  # a busy machine: pages may take a while to load
        await page.goto(f"/bao-cao?period=month&at=2026-05-01&communes={a},{b}")
        await expect(page.locator("h1")).to_have_text("Bảng điều hành toàn huyện")
        rows = page.locator("#communes-table tbody tr")
        await expect(rows).to_have_count(3)
        await expect(rows.nth(2)).to_contain_text("Toàn huyện")
        await expect(page.locator(f"#communes-table tr[data-key='{a}'] td[data-col='received']")).to_have_text("3")
        await expect(page.locator(f"#communes-table tr[data-key='{b}'] td[data-col='on_time_rate']")).to_have_text(
            "50,0 %")
        # Online share against the district's 30 % target, one bar per commune; trends by month.
        await expect(page.locator("#online-chart rect.bar")).to_have_count(2)
        await expect(page.locator(f"#online-chart rect.bar[data-label='{b}']")).to_have_attribute("data-value", "0.0000")
        await expect(page.locator(f"#online-chart rect.bar[data-label='{a}']")).to_have_attribute(
            "data-value", "0.3333")
        await expect(page.locator("#online-chart line.target")).to_have_count(1)
        await expect(page.locator("#on-time-chart rect.bar")).to_have_count(2)
        await expect(page.locator("#trend-counts rect.bar")).to_have_count(24)
        await expect(page.locator("#trend-counts rect.bar[data-label='05/2026'][data-series='Tiếp nhận']")
                     ).to_have_attribute("data-value", "5")
        await expect(page.locator("#trend-rates circle.point[data-label='05/2026']")).to_have_count(3)
        # Both satisfaction measures, each with its own label.
        await expect(page.locator("#ballot-rate")).to_contain_text("Tỷ lệ phiếu hài lòng")
        await expect(page.locator("#ballot-rate .big")).to_have_text("100,0 %")
        await expect(page.locator("#index-766")).to_contain_text("Quyết định 766")
        await expect(page.locator("#index-766 .big")).to_have_text("80,0 %")  # 5 returned, 1 late
        await expect(page.locator("#standard-share")).to_contain_text("1 / 2")
        await expect(page.locator(f"#scorecard-table tr[data-key='{b}'] .standard")).to_have_text("Chưa đạt")
        await screenshot(page, "reporting-1-district")

        # Drill-down: commune -> field -> procedure -> officer.
        await page.click(f"#communes-table a:text-is('{a}')")
        await expect(page.locator("h1")).to_have_text(f"Báo cáo của xã/phường {a}")
        await expect(page.locator("#summary-table")).to_contain_text("Kỳ trước chuyển qua")
        await page.click("#drill-table a:text-is('ho_tich')")
        await expect(page.locator("#crumbs")).to_contain_text("Lĩnh vực ho_tich")
        await expect(page.locator("#drill-table tbody tr")).to_have_count(1)
        await page.click("#drill-table a:text-is('HT-KHAISINH')")
        await expect(page.locator("#crumbs")).to_contain_text("Thủ tục HT-KHAISINH")
        await expect(page.locator("#drill-table tr[data-key='cb1'] td[data-col='received']")).to_have_text("2")
        await expect(page.locator("#officer-table tr[data-key='cb2'] td[data-col='ballots']")).to_have_text("1")
        await screenshot(page, "reporting-2-drill-down")

        await page.goto("/bao-cao?lang=en")
        await expect(page.locator("h1")).to_have_text("District dashboard")


async def test_a_commune_leader_has_their_page_and_prints_the_monthly_report(services, accounts, browser,
                                                                            district):
    a, b = district
    reporting = services["reporting"].base_url
    token = await accounts.token(Role.COMMUNE_LEADER, a)
    async with vietnamese_page(browser, reporting, token) as page:
        page.set_default_timeout(60_000)  # a busy machine: pages may take a while to load
        await page.goto(f"/bao-cao/xa/{a}?period=month&at=2026-05-01")
        await expect(page.locator("#summary-table tr[data-key='Tiếp nhận trong kỳ'] td").nth(1)).to_have_text("3")
        await expect(page.locator("#channel-table tr[data-key='Trực tuyến'] td[data-col='received']")).to_have_text(
            "1")
        await page.select_option("#period-select", "year")
        await page.click("#period-apply")
        await expect(page.locator("form.period .muted")).to_contain_text("Năm 2026")
        # Another commune's page stays closed, and the district page shows their commune only.
        assert (await page.goto(f"/bao-cao/xa/{b}")).status == 403
        await page.goto(f"/bao-cao?at=2026-05-01&communes={a},{b}")
        await expect(page.locator("#communes-table tbody tr")).to_have_count(2)  # A and the total

        await page.goto(f"/bao-cao/xa/{a}/thang?at=2026-05-20")
        await expect(page.locator("#report-title")).to_have_text(
            "BÁO CÁO KẾT QUẢ THỰC HIỆN CƠ CHẾ MỘT CỬA Tháng 5/2026")
        await expect(page.locator("#procedure-table tbody tr")).to_have_count(2)
        await expect(page.locator("#print")).to_be_visible()
        await page.emulate_media(media="print")
        await expect(page.locator("#print")).to_be_hidden()
        await expect(page.locator("header.top")).to_be_hidden()
        await screenshot(page, "reporting-3-monthly-print")


async def test_pages_without_sign_in_go_to_the_sign_in_page(services, anonymous, identity):
    response = await anonymous.get(f"{services['reporting'].base_url}/bao-cao", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith(f"{identity}/dang-nhap")
