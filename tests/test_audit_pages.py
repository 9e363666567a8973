"""The personal-data pages in Chromium: an officer sees a citizen's phone and ID number only
after saying why, and the commune leader finds that read (who, when, why) in the access log
page; the officer cannot open the log."""

import pytest
from playwright.async_api import expect

from motcua_runtime.auth import Role
from tests.helpers import as_json
from tests.pages_support import chromium, screenshot, vietnamese_page

pytestmark = pytest.mark.e2e

CITIZEN = {"full_name": "Hoàng Văn Bảy", "id_number": "001190077777", "phone": "0912777888",
           "address": "Thôn Đông, xã Thử Nghiệm", "email": "bay.hoang@example.vn"}


async def test_an_officer_reads_the_applicant_on_purpose_and_the_leader_sees_it_in_the_log(
        services, http, accounts, commune, officer_token):
    intake = services["intake"].base_url
    dossier = as_json(await http.post(f"{intake}/v1/communes/{commune}/dossiers",
                                      json={"procedure_code": "CT-BANSAO", "applicant": CITIZEN, "consent_sms": True}))
    code = dossier["dossier_code"]
    leader_token = await accounts.token(Role.COMMUNE_LEADER, commune)
    async with chromium() as browser:
        async with vietnamese_page(browser, intake, officer_token) as page:
            await page.goto(f"/quay/{commune}/ho-so/{code}")
            await expect(page.locator("#details")).not_to_contain_text(CITIZEN["phone"])
            await page.click("#show-applicant")
            # Nothing personal before a purpose is given.
            await expect(page.locator("#purpose-form")).to_be_visible()
            await expect(page.locator("main")).not_to_contain_text(CITIZEN["id_number"])
            await page.fill("#purpose", "Liên hệ công dân về hồ sơ")
            await page.click("#purpose-form button[type=submit]")
            await expect(page.locator("#phone")).to_have_text(CITIZEN["phone"])
            await expect(page.locator("#id-number")).to_have_text(CITIZEN["id_number"])
            await expect(page.locator("#email")).to_have_text(CITIZEN["email"])
            await expect(page.locator("#logged-note")).to_contain_text("đã được ghi vào nhật ký")
            await screenshot(page, "applicant")
            refused = await page.goto(f"/quay/{commune}/nhat-ky-du-lieu-ca-nhan")
            assert refused.status == 403
        async with vietnamese_page(browser, intake, leader_token) as page:
            await page.goto(f"/quay/{commune}/")
            await page.click("#nav-access-log")
            await expect(page.locator("h1")).to_have_text("Nhật ký truy cập dữ liệu cá nhân")
            row = page.locator(f"#access-log tr[data-dossier='{code}'][data-action='view_applicant']")
            await expect(row).to_have_count(1)
            await expect(row.locator(".purpose")).to_have_text("Liên hệ công dân về hồ sơ")
            await expect(row).to_contain_text("Xem thông tin người nộp")
            await expect(row).to_contain_text(dossier["received_by"])
            await screenshot(page, "access-log")
            # Filtering by another code shows nothing of this dossier.
            await page.fill("#log-filter input[name=ma]", code + "X")
            await page.click("#log-filter button[type=submit]")
            await expect(page.locator("#access-log")).to_have_text("Chưa có lần truy cập nào.")
