"""Notify's pages in a real headless browser (Debian's Chromium through Playwright) against the
real services: officers work the day's print queue (print the PDF, mark handed over or posted);
the commune leader edits a template with a preview, sees an unknown placeholder refused in
Vietnamese, and saves.

``MOTCUA_SCREENSHOTS=/tmp/motcua-pages`` keeps a screenshot of every page."""

import pytest
from playwright.async_api import expect

from motcua_runtime.auth import Role
from tests.helpers import as_json, eventually
from tests.pages_support import chromium, screenshot, vietnamese_page
from tests.test_notify_delivery import APPLICANT, act, receive, set_channels

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def browser():
    async with chromium() as browser:
        yield browser


async def test_officers_work_the_print_queue_in_the_browser(browser, services, http, admin, officer_token, commune):
    await set_channels(admin, services, commune)
    notify = services["notify"].base_url
    dossier = await receive(http, services, commune, procedure="HT-KHAISINH", consent_letters=True,
                            applicant={**APPLICANT, "full_name": "Phạm Văn Đức", "email": None})
    await act(http, services, commune, dossier["dossier_code"], "result-ready")

    async def issued():
        return as_json(await http.get(f"{notify}/v1/communes/{commune}/letters"))["items"]

    [letter] = await eventually(issued, timeout=30)
    async with vietnamese_page(browser, notify, officer_token) as page:
        await page.goto(f"/thu/{commune}/")
        await expect(page.locator("h1")).to_have_text("Thư cần in trong ngày")
        row = page.locator(f"tr[data-letter='{letter['letter_id']}']")
        await expect(row).to_contain_text("Thư chúc mừng")
        await expect(row).to_contain_text("Phạm Văn Đức")
        await expect(row.locator(".status")).to_have_text("Chờ in")
        pdf = await page.request.get(await row.locator("a.print").get_attribute("href"))
        assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
        await screenshot(page, "notify-print-queue")
        await row.get_by_role("button", name="Đã in").click()
        await expect(row.locator(".status")).to_have_text("Đã in")
        await row.get_by_role("button", name="Đã gửi bưu điện").click()
        await expect(row.locator(".status")).to_have_text("Đã gửi bưu điện")
        # The page read again from the server shows the same.
        await page.reload()
        await expect(page.locator(f"tr[data-letter='{letter['letter_id']}'] .status")).to_have_text("Đã gửi bưu điện")
        # An officer looks a dossier up: what notify did for it, in words.
        await page.fill("#ma", dossier["dossier_code"])
        await page.click("#search button")
        table = page.locator("#dossier-notifications")
        await expect(table).to_contain_text("Thư chúc mừng")
        await expect(table).to_contain_text("Không gửi (không có số điện thoại/thư điện tử)")  # the receipt
        await expect(page.locator(f"tr[data-letter='{letter['letter_id']}'] .status")).to_have_text("Đã gửi bưu điện")
        await page.goto(f"/thu/{commune}/?lang=en")
        await expect(page.locator("h1")).to_have_text("Letters to print today")
    [stored] = await issued()
    assert stored["status"] == "posted"


async def test_the_leader_edits_a_template_with_a_preview(browser, services, accounts, commune):
    notify = services["notify"].base_url
    token = await accounts.token(Role.COMMUNE_LEADER, commune)
    async with vietnamese_page(browser, notify, token) as page:
        await page.goto(f"/thu/{commune}/mau?loai=thanks")
        await expect(page.locator("h1")).to_have_text("Mẫu thư và tin nhắn")
        await expect(page.locator("#origin")).to_have_text("Mẫu mặc định")
        await expect(page.locator("#placeholders")).to_contain_text("{{ feedback_code }}")
        await page.get_by_role("button", name="Xem trước").click()
        await expect(page.locator("#preview-body")).to_contain_text("Nguyễn Thị Hoa")
        await expect(page.locator("#preview-body")).to_contain_text("trân trọng cảm ơn")

        body = page.locator("#body")
        await body.fill("Kính gửi {{ applicant_name }}, cảm ơn {{ ho_ten_can_bo }}.")
        await page.get_by_role("button", name="Lưu mẫu").click()
        await expect(page.locator("#result")).to_contain_text("{{ ho_ten_can_bo }}")
        await expect(page.locator("#result")).to_contain_text("biến không có")
        await screenshot(page, "notify-template-refused")

        await body.fill("Kính gửi: Ông/Bà {{ applicant_name }}\n\nỦy ban nhân dân {{ commune_name }} chân thành "
                        "cảm ơn Ông/Bà đã góp ý.")
        await page.get_by_role("button", name="Xem trước").click()
        await expect(page.locator("#preview-body")).to_contain_text("chân thành cảm ơn Ông/Bà đã góp ý")
        await page.get_by_role("button", name="Lưu mẫu").click()
        await expect(page.locator("#result")).to_have_text("Đã lưu mẫu.")
        await page.reload()
        await expect(page.locator("#origin")).to_have_text("Mẫu riêng của xã")
        await expect(page.locator("#body")).to_have_value(
            "Kính gửi: Ông/Bà {{ applicant_name }}\n\nỦy ban nhân dân {{ commune_name }} chân thành cảm ơn Ông/Bà đã góp ý.")


async def test_an_officer_cannot_open_the_template_editor(browser, services, officer_token, commune):
    async with vietnamese_page(browser, services["notify"].base_url, officer_token) as page:
        response = await page.goto(f"/thu/{commune}/mau")
        assert response.status == 403
