"""The officers' survey pages in a real headless browser against the real survey process:
results by channel, the return slip printed with its QR code and short link, follow-ups the
leader resolves on the page, campaigns compared before/after. A browser that is not signed in
is sent to the sign-in page."""

import re

import pytest
from playwright.async_api import expect

from motcua_runtime.auth import Role
from tests.helpers import as_json
from tests.pages_support import chromium, screenshot, vietnamese_page
from tests.test_survey_ballots import open_ballot

pytestmark = pytest.mark.e2e
# Pages are checked on a machine shared by many processes: give the browser time (a wait
# ends as soon as the page shows what is expected).
expect.set_options(timeout=20_000)


async def test_the_leader_prints_a_slip_sees_results_and_resolves_a_follow_up(stack, services, http, anonymous,
                                                                             accounts, identity, commune):
    survey = services["survey"].base_url
    printed = await open_ballot(stack, http, survey, commune, 1)
    rated = await open_ballot(stack, http, survey, commune, 2)
    token = rated["link"].rsplit("/", 1)[1]
    as_json(await anonymous.post(f"{survey}/v1/public/ballots/{token}/submission",
                                 json={"overall": 1, "comment": "Hẹn lại ba lần"}))
    redirect = await anonymous.get(f"{survey}/khao-sat/{commune}/", follow_redirects=False)
    assert redirect.status_code == 303 and redirect.headers["location"].startswith(f"{identity}/dang-nhap")

    leader_token = await accounts.token(Role.COMMUNE_LEADER, commune)
    async with chromium() as browser, vietnamese_page(browser, survey, leader_token) as page:
        await page.goto(f"/khao-sat/{commune}/")
        await expect(page.locator("h1")).to_contain_text("Kết quả đánh giá sự hài lòng")
        await expect(page.locator("#total")).to_have_text("0/1")
        await expect(page.locator("#answers")).to_contain_text("Hẹn lại ba lần")
        await page.fill("input[name=ma]", printed["dossier_code"])
        await page.click("button:has-text('Tìm')")
        await expect(page.locator("#ballots tr")).to_have_count(2)
        await page.click("#ballots a:has-text('In phiếu đánh giá')")
        await expect(page.locator("#slip h1")).to_have_text("Phiếu đánh giá sự hài lòng")
        await expect(page.locator("#link")).to_have_text(printed["link"])
        await expect(page.locator("#slip svg")).to_be_visible()
        await screenshot(page, "survey-slip")

        await page.click("a:has-text('Kết quả đánh giá')")
        await page.click("header a:has-text('Việc cần xử lý')")
        await expect(page.locator("h1")).to_contain_text("Việc cần lãnh đạo xử lý")
        row = page.locator("#follow-ups tr[data-id]")
        await expect(row).to_contain_text("Đánh giá rất thấp")
        await row.locator("textarea").fill("Đã mời công dân lên làm việc, xin lỗi và giải quyết ngay.")
        await row.locator("button").click()
        await expect(page.locator("#follow-ups tr[data-id]")).to_contain_text("Đã xử lý: Đã mời công dân")
        await page.goto(f"/khao-sat/{commune}/theo-doi?lang=en")
        await expect(page.locator("h1")).to_contain_text("Follow-ups for the commune leader")
    [item] = as_json(await http.get(f"{survey}/v1/communes/{commune}/follow-ups"))["items"]
    assert item["status"] == "resolved"


async def test_campaigns_are_compared_before_and_after_on_the_page(services, admin, accounts, commune):
    survey = services["survey"].base_url
    ids = []
    for name, kind, overalls in (("Trước mô hình", "baseline", (5, 2, 3, 4)), ("Sau một năm", "yearly", (5, 4, 5))):
        campaign = as_json(await admin.post(f"{survey}/v1/campaigns", json={
            "name": f"{name} {commune}", "kind": kind, "starts_on": "2026-01-01", "ends_on": "2026-06-30",
            "communes": [commune], "target_sample": 4, "channel": "paper"}))
        ids.append(campaign["campaign_id"])
        async with await accounts.client(Role.SURVEY_TEAM_MEMBER, commune) as team:
            as_json(await team.post(f"{survey}/v1/communes/{commune}/paper-batches", json={
                "campaign_id": campaign["campaign_id"],
                "ballots": [{"paper_number": f"{kind}-{i}", "overall": o} for i, o in enumerate(overalls)]}))
    token = await accounts.token(Role.COUNTER_OFFICER, commune)
    async with chromium() as browser, vietnamese_page(browser, survey, token) as page:
        await page.goto("/khao-sat-chien-dich")
        await expect(page.locator(f"tr[data-id='{ids[0]}'] .progress")).to_have_text("4/4 (100%)")
        await expect(page.locator(f"tr[data-id='{ids[1]}'] .progress")).to_have_text("3/4 (75%)")
        await page.select_option("select[name=truoc]", ids[0])
        await page.select_option("select[name=sau]", ids[1])
        await page.click("button:has-text('So sánh')")
        await expect(page).to_have_url(re.compile(r"truoc=.*sau="))
        await expect(page.locator("#rate-change")).to_have_text("+50.0 điểm %")
