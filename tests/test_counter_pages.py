"""The counter pages and the citizen lookup page in a real headless browser (Debian's Chromium
through Playwright) against the real intake process: search without diacritics, a receipt
that a double click or a lost answer does not duplicate, the queue, a dossier walked through
its page, the API's Vietnamese refusals shown, the citizen lookup.

``MOTCUA_SCREENSHOTS=/tmp/motcua-pages`` keeps a screenshot of every page."""

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from playwright.async_api import expect
from pymongo import AsyncMongoClient

from motcua_contracts import Channel
from motcua_intake.adapters.repository import DOSSIERS, to_document
from motcua_intake.domain.catalogue import find_procedure
from motcua_intake.domain.model import Applicant, Dossier
from tests.helpers import as_json
from tests.pages_support import chromium, screenshot, vietnamese_page

pytestmark = pytest.mark.e2e

VIETNAM = timezone(timedelta(hours=7))
APPLICANT = {"full_name": "Đỗ Thị Lan", "id_number": "001190012345", "phone": "0987123456"}


@pytest.fixture(scope="module")
async def browser():
    async with chromium() as browser:
        yield browser


@pytest.fixture
def intake(services) -> str:
    return services["intake"].base_url


async def receive_via_api(http, intake: str, commune: str, procedure_code: str = "CT-BANSAO") -> dict:
    response = await http.post(f"{intake}/v1/communes/{commune}/dossiers",
                               json={"procedure_code": procedure_code, "applicant": APPLICANT})
    return as_json(response)


def local(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")


async def choose_procedure(page, typed: str, code: str) -> None:
    await page.fill("#procedure-q", typed)
    await page.click(f"#procedure-results button[data-code='{code}']")
    await expect(page.locator("#procedure-chosen-code")).to_have_text(code)


async def test_procedure_search_finds_names_typed_without_diacritics(browser, intake, commune, officer_token):
    async with vietnamese_page(browser, intake, officer_token) as page:
        await page.goto(f"/quay/{commune}/tiep-nhan")
        await expect(page.locator("h1")).to_have_text("Tiếp nhận hồ sơ")
        results = page.locator("#procedure-results")

        await page.fill("#procedure-q", "khai sinh")
        await expect(results.locator("button[data-code='HT-KHAISINH']")).to_contain_text("Đăng ký khai sinh")
        await screenshot(page, "1-receive-search")

        await page.fill("#procedure-q", "chung thuc")
        await expect(results.locator("button[data-code='CT-CHUKY']")).to_contain_text("Chứng thực chữ ký")
        names = await results.locator("button.result .name").all_text_contents()
        assert names and all("Chứng thực" in name or "chứng thực" in name for name in names), names

        await page.fill("#procedure-q", "khong co thu tuc nay")
        await expect(results).to_contain_text("Không tìm thấy thủ tục phù hợp.")


async def test_receiving_on_the_page_makes_one_dossier_even_on_a_double_click(browser, intake, http,
                                                                              commune, officer_token):
    async with vietnamese_page(browser, intake, officer_token) as page:
        posts = []
        page.on("request", lambda r: posts.append(r) if r.method == "POST" and "/dossiers" in r.url else None)
        await page.goto(f"/quay/{commune}/tiep-nhan")
        await choose_procedure(page, "chung thuc chu ky", "CT-CHUKY")
        await page.select_option("#channel", "assisted")
        await page.fill("#assisted-by", "Đoàn viên Nguyễn Văn An")
        await page.fill("#full-name", APPLICANT["full_name"])
        await page.fill("#phone", APPLICANT["phone"])
        await page.check("#consent-sms")
        await screenshot(page, "2-receive-filled")

        await page.dblclick("#receive-submit")
        code = page.locator("#done-code")
        await expect(code).to_have_text(re.compile(rf"^{commune}-\d{{6}}-0001$"))
        await screenshot(page, "3-receive-done")

        listed = as_json(await http.get(f"{intake}/v1/communes/{commune}/dossiers"))
        assert listed["total"] == 1
        dossier = listed["items"][0]
        assert (dossier["dossier_code"], dossier["channel"]) == (await code.text_content(), "assisted")
        assert len({(await r.all_headers())["idempotency-key"] for r in posts}) == 1
        await expect(page.locator("#done-appointment")).to_have_text(local(dossier["appointment_at"]))
        await expect(page.locator("#print-receipt")).to_have_attribute(
            "href", f"/v1/communes/{commune}/dossiers/{dossier['dossier_code']}/forms/01.html")


async def test_a_lost_answer_sent_again_from_the_same_form_makes_one_dossier(browser, intake, http,
                                                                             commune, officer_token):
    async with vietnamese_page(browser, intake, officer_token) as page:
        lost = []

        async def lose_the_first_answer(route):
            if not lost:
                lost.append(await route.fetch())  # the server receives it and creates the dossier
                await route.abort("connectionreset")
            else:
                await route.continue_()

        await page.route(f"**/v1/communes/{commune}/dossiers", lose_the_first_answer)
        await page.goto(f"/quay/{commune}/tiep-nhan")
        await choose_procedure(page, "khai sinh", "HT-KHAISINH")
        await page.fill("#full-name", APPLICANT["full_name"])
        await page.click("#receive-submit")
        await expect(page.locator("#receive-error")).to_contain_text("hồ sơ sẽ không bị tạo hai lần")
        assert lost[0].status == 201

        await page.click("#receive-submit")
        await expect(page.locator("#done-code")).to_have_text(f"{(await lost[0].json())['dossier_code']}")
        assert as_json(await http.get(f"{intake}/v1/communes/{commune}/dossiers"))["total"] == 1


async def test_the_queue_lists_today_due_soon_and_overdue(browser, stack, services, intake, http,
                                                          commune, officer_token):
    fresh = await receive_via_api(http, intake, commune, "CT-BANSAO")  # same day: due soon
    now = datetime.now(UTC)
    late = Dossier(commune_code=commune, code=f"{commune}-{now - timedelta(days=10):%y%m%d}-0001",
                   procedure=find_procedure("HT-XNTTHN"), channel=Channel.COUNTER,
                   applicant=Applicant("Trần Văn Bình", phone="0912000111"),
                   received_at=now - timedelta(days=10), appointment_at=now - timedelta(days=3), officer_id="cb-07")
    client = AsyncMongoClient(stack.mongodb_uri, tz_aware=True, uuidRepresentation="standard")
    try:
        await client[services["intake"].database][DOSSIERS].insert_one(to_document(late))
    finally:
        await client.close()

    async with vietnamese_page(browser, intake, officer_token) as page:
        await page.goto(f"/quay/{commune}/")
        today = page.locator(f"#today-list tr[data-code='{fresh['dossier_code']}']")
        await expect(today).to_contain_text("Chứng thực bản sao từ bản chính")
        await expect(today).to_contain_text("Đ* T** L**")
        await expect(today).to_contain_text("đã tiếp nhận")
        await expect(today).to_contain_text(local(fresh["appointment_at"]))
        await expect(page.locator(f"#due-soon-list tr[data-code='{fresh['dossier_code']}']")).to_be_visible()
        overdue = page.locator("#overdue-list tbody tr")
        await expect(overdue).to_have_count(1)
        await expect(overdue).to_contain_text(late.code)
        await expect(overdue).to_contain_text("T*** V** B***")
        await expect(page.locator("#today-list")).not_to_contain_text(late.code)
        await screenshot(page, "4-queue")

        await page.goto(f"/quay/{commune}/?lang=en")
        await expect(page.locator("h1")).to_have_text("Today's dossiers")
        await expect(page.locator(f"#today-list tr[data-code='{fresh['dossier_code']}']")).to_contain_text("received")
        await page.click("header nav >> text=Receive a dossier")  # the choice is remembered
        await expect(page.locator("h1")).to_have_text("Receive a dossier")
        await screenshot(page, "5-receive-english")


async def test_a_dossier_walked_through_assign_result_ready_and_return_on_its_page(browser, intake, http,
                                                                                   commune, officer_token):
    dossier = await receive_via_api(http, intake, commune, "HT-XNTTHN")
    code = dossier["dossier_code"]
    status = None

    async def act(action: str, button: str, expected_status: str) -> None:
        await page.click(f"#action-{action} button[type=submit]")
        await expect(page.locator("#done-message")).to_contain_text(button)
        await expect(status).to_have_text(expected_status)

    async with vietnamese_page(browser, intake, officer_token) as page:
        await page.goto(f"/quay/{commune}/")
        await page.click(f"#today-list a:text('{code}')")
        status = page.locator("#dossier-status")
        await expect(status).to_have_text("đã tiếp nhận")
        await expect(page.locator("#form-01")).to_have_attribute(
            "href", f"/v1/communes/{commune}/dossiers/{code}/forms/01.html")
        await expect(page.locator("#action-result-ready")).to_be_visible()
        await expect(page.locator("#action-supplement")).to_have_count(0)
        await screenshot(page, "6-dossier-received")

        await page.fill("#action-assignment input[name=officer_id]", "cb-tp-02")
        await page.fill("#action-assignment input[name=handling_body]", "Tư pháp – Hộ tịch")
        await act("assignment", "Phân công xử lý", "đang xử lý")
        await page.fill("#action-handovers input[name=to_body]", "Lãnh đạo UBND")
        await act("handovers", "Luân chuyển hồ sơ", "đang xử lý")
        await expect(page.locator("#control-slip tbody tr")).to_contain_text("Tư pháp – Hộ tịch")
        await act("result-ready", "Đã có kết quả", "có kết quả, chờ trả")
        await expect(page.locator("#control-slip tbody tr")).to_contain_text("Trước hạn")
        await expect(page.locator("#action-assignment")).to_have_count(0)

        await page.select_option("#action-return select[name=return_channel]", "at_home")
        await page.check("#action-return input[name=free_of_charge]")
        await act("return", "Trả kết quả", "đã trả kết quả")
        await expect(page.locator("#actions")).to_contain_text("không còn thao tác")
        await expect(page.locator("#details")).to_contain_text("Tại nhà — Trả tại nhà miễn phí")
        await expect(page.locator("#details")).to_contain_text("Trước hạn")
        await screenshot(page, "7-dossier-returned")

    returned = as_json(await http.get(f"{intake}/v1/communes/{commune}/dossiers/{code}"))
    assert (returned["status"], returned["officer_id"], returned["free_of_charge"]) == ("returned", "cb-tp-02", True)
    assert [h["to_body"] for h in returned["handovers"]] == ["Lãnh đạo UBND"]


async def test_a_refused_action_shows_the_apis_vietnamese_message(browser, intake, http, commune, officer_token):
    dossier = await receive_via_api(http, intake, commune, "HT-XNTTHN")  # 3 working days
    code = dossier["dossier_code"]
    async with vietnamese_page(browser, intake, officer_token) as page:
        await page.goto(f"/quay/{commune}/ho-so/{code}")
        # A new date no later than the appointment: the domain refuses it.
        tomorrow = (datetime.now(VIETNAM).date() + timedelta(days=1)).isoformat()
        await page.fill("#action-reschedule input[name=new_appointment_date]", tomorrow)
        await page.fill("#action-reschedule textarea[name=reason]", "Chờ xác minh")
        await page.click("#action-reschedule button[type=submit]")
        await expect(page.locator("#action-reschedule .message.error")).to_have_text(
            "Yêu cầu không hợp lệ: ngày hẹn mới phải sau ngày hẹn hiện tại.")

        # Another officer withdraws it meanwhile; this page still offers the assignment.
        as_json(await http.post(f"{intake}/v1/communes/{commune}/dossiers/{code}/withdrawal",
                                json={"reason": "Công dân xin rút"}))
        await page.fill("#action-assignment input[name=officer_id]", "cb-tp-02")
        await page.fill("#action-assignment input[name=handling_body]", "Tư pháp – Hộ tịch")
        await page.click("#action-assignment button[type=submit]")
        await expect(page.locator("#action-assignment .message.error")).to_have_text(
            f"Không thể phân công xử lý hồ sơ {code} đang ở trạng thái “đã rút”.")
        await expect(page.locator("#dossier-status")).to_have_text("đã tiếp nhận")  # nothing reloaded
        await screenshot(page, "8-dossier-refused-action")
        await page.click("#action-assignment .reload a")
        await expect(page.locator("#dossier-status")).to_have_text("đã rút")
        await expect(page.locator("#actions")).to_contain_text("không còn thao tác")

        await page.goto(f"/quay/{commune}/ho-so/{commune}-000000-9999")
        await expect(page.locator(".message.error")).to_contain_text("Không tìm thấy hồ sơ")


async def test_citizen_lookup_shows_status_and_dates_with_the_right_digits_only(browser, intake, http, commune):
    dossier = await receive_via_api(http, intake, commune, "HT-XNTTHN")
    code = dossier["dossier_code"]
    async with vietnamese_page(browser, intake) as page:
        await page.set_viewport_size({"width": 390, "height": 844})  # citizens look up on their phones
        await page.goto(f"/tra-cuu?ma={code}")
        await expect(page.locator("#lookup-code")).to_have_value(code)
        await page.fill("#lookup-digits", "3456")
        await page.click("#lookup-submit")
        await expect(page.locator("#result-status")).to_have_text("đã tiếp nhận")
        await expect(page.locator("#result-received")).to_have_text(local(dossier["received_at"]))
        await expect(page.locator("#result-appointment")).to_have_text(local(dossier["appointment_at"]))
        await expect(page.locator("#result-returned")).to_have_text("Chưa trả")
        await expect(page.locator("#lookup-result")).not_to_contain_text("Đ* T** L**")
        await screenshot(page, "9-lookup-found")

        await page.fill("#lookup-digits", "0000")
        await page.click("#lookup-submit")
        await expect(page.locator("#lookup-error")).to_contain_text("Không tìm thấy hồ sơ")
        await expect(page.locator("#lookup-result")).to_be_hidden()
        await screenshot(page, "10-lookup-refused")


async def test_a_dossier_received_in_a_running_out_of_hours_session_is_linked_to_it(browser, intake, http,
                                                                                    commune, officer_token):
    today = datetime.now(VIETNAM).date()
    session = as_json(await http.post(f"{intake}/v1/communes/{commune}/sessions", json={
        "title": "60 phút vì dân", "rules": [{"kind": "weekly", "weekday": today.weekday()}],
        "start_time": "00:00", "end_time": "23:59"}))
    async with vietnamese_page(browser, intake, officer_token) as page:
        await page.goto(f"/quay/{commune}/tiep-nhan")
        await choose_procedure(page, "khai sinh", "HT-KHAISINH")
        await expect(page.locator("#session-field")).to_be_hidden()
        await page.select_option("#channel", "out_of_hours")
        await expect(page.locator("#session")).to_contain_text("60 phút vì dân")
        await page.fill("#full-name", "Trịnh Văn Sáu")
        await page.click("#receive-submit")
        await expect(page.locator("#done-code")).to_have_text(re.compile(rf"^{commune}-"))
    listed = as_json(await http.get(f"{intake}/v1/communes/{commune}/dossiers"))["items"]
    assert [(d["channel"], d["session_id"]) for d in listed] == [("out_of_hours", session["session_id"])]
