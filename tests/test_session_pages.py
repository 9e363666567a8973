"""The out-of-hours session pages in a real headless browser (Debian's Chromium through
Playwright) against the real intake process: a session scheduled on its page (a mistake
refused in Vietnamese, what was typed kept), citizens who phoned booked for its next date,
masked phones and booking codes, the same phone booked twice making one booking, the full
session's refusal with the form kept, a cancellation (asked first) freeing the slot; English.

``MOTCUA_SCREENSHOTS=/tmp/motcua-pages`` keeps a screenshot of every page."""

import asyncio
import re
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from playwright.async_api import expect

from motcua_runtime.auth import TOKEN_COOKIE, Role

from tests.helpers import as_json
from tests.pages_support import chromium, screenshot, vietnamese_page

pytestmark = pytest.mark.e2e

VIETNAM = timezone(timedelta(hours=7))
WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
BOOKING_CODE = re.compile(r"DK-\d{6}-[0-9A-F]{6}")


@pytest.fixture(scope="module")
async def browser():
    async with chromium() as browser:
        yield browser


@pytest.fixture
def intake(services) -> str:
    return services["intake"].base_url


async def book(page, name: str, phone: str, *, procedure: str | None = None, note: str = "",
               consent: bool = True) -> None:
    await page.fill("#ho-ten", name)
    await page.fill("#dien-thoai", phone)
    if procedure:
        await page.select_option("#thu-tuc", procedure)
    await page.fill("#ghi-chu", note)
    await page.set_checked("#dong-y-sms", consent)
    await page.click("#book-submit")


async def until(condition, timeout: float = 30.0) -> None:
    for _ in range(int(timeout * 10)):
        if condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the condition never held")


def code_in(text: str) -> str:
    found = BOOKING_CODE.search(text)
    assert found, text
    return found.group(0)


async def test_a_session_scheduled_booked_full_and_cancelled_on_its_pages(browser, intake, http, commune,
                                                                        officer_token):
    weekday = (datetime.now(VIETNAM).date() + timedelta(days=2)).weekday()
    async with vietnamese_page(browser, intake, officer_token) as page:
        script_errors: list = []
        page.on("pageerror", lambda error: script_errors.append(error))
        await page.goto(f"/quay/{commune}/")
        await page.click("#nav-sessions")
        await expect(page.locator("h1")).to_have_text("Phiên làm việc ngoài giờ hành chính")
        await expect(page.locator("#no-sessions")).to_contain_text("chưa có phiên làm việc ngoài giờ")

        # A mistake first: the end before the start. Refused in Vietnamese, nothing created, nothing lost.
        await page.fill("#tieu-de", "60 phút vì dân")
        await page.select_option("#lap-lai", "weekly")
        await page.select_option("#thu", str(weekday))
        await page.fill("#bat-dau", "17:00")
        await page.fill("#ket-thuc", "16:00")
        await page.fill("#so-luot", "3")
        await page.click("#session-submit")
        await expect(page.locator("#session-errors")).to_contain_text("Giờ kết thúc phải sau giờ bắt đầu.")
        await expect(page.locator("#tieu-de")).to_have_value("60 phút vì dân")
        await expect(page.locator("#so-luot")).to_have_value("3")
        await expect(page.locator("#thu")).to_have_value(str(weekday))
        await screenshot(page, "sessions-1-refused")
        assert as_json(await http.get(f"{intake}/v1/communes/{commune}/sessions")) == []

        await page.fill("#ket-thuc", "18:00")
        await page.click("#session-submit")
        await expect(page.locator("#created-message")).to_contain_text("Đã tạo phiên làm việc “60 phút vì dân”")
        card = page.locator("article.session-card")
        await expect(card).to_have_count(1)
        await expect(card.locator(".schedule")).to_contain_text(f"{WEEKDAYS_VI[weekday]} hằng tuần, 17:00–18:00")
        first_date = card.locator("a.date-link").first
        await expect(first_date).to_contain_text("0/3 lượt")
        await screenshot(page, "sessions-2-list")
        # A reload of the page after the redirect posts nothing again.
        await page.reload()
        await expect(page.locator("article.session-card")).to_have_count(1)

        sessions = as_json(await http.get(f"{intake}/v1/communes/{commune}/sessions"))
        assert len(sessions) == 1 and sessions[0]["capacity"] == 3
        session_id, next_day = sessions[0]["session_id"], sessions[0]["next_occurrences"][0]
        assert await first_date.get_attribute("data-day") == next_day

        await first_date.click()
        await expect(page).to_have_url(re.compile(rf"/phien-ngoai-gio/{session_id}\?ngay={next_day}$"))
        shown_day = datetime.fromisoformat(next_day).strftime("%d/%m/%Y")
        await expect(page.locator("h1")).to_contain_text(f"60 phút vì dân — {WEEKDAYS_VI[weekday]}, {shown_day}")
        await expect(page.locator("#no-bookings")).to_be_visible()
        await expect(page.locator("#dong-y-sms")).to_be_checked()  # the reminder is agreed by default

        # Two citizens who phoned; the second declines the SMS reminder.
        await book(page, "Nguyễn Văn An", "0987 123 456", procedure="HT-KHAISINH", note="Đăng ký cho con")
        done = page.locator("#done-message")
        await expect(done).to_contain_text("Đã đăng ký. Mã đăng ký: DK-")
        code_an = code_in(await done.text_content())
        await expect(page.locator("#dong-y-sms")).to_be_checked()  # a fresh form again
        await book(page, "Trần Thị Bình", "0912000222", consent=False)
        await expect(done).to_contain_text("Đã đăng ký")
        code_binh = code_in(await done.text_content())
        assert code_binh != code_an

        rows = page.locator("#booking-list tbody tr")
        await expect(rows).to_have_count(2)
        an, binh = rows.filter(has_text=code_an), rows.filter(has_text=code_binh)
        await expect(an.locator(".phone")).to_have_text("*******456")
        await expect(an.locator(".procedure")).to_have_text("Đăng ký khai sinh")
        await expect(an.locator(".reminder")).to_have_text("Có")
        await expect(binh.locator(".phone")).to_have_text("*******222")
        await expect(binh.locator(".reminder")).to_have_text("Không")
        await expect(page.locator("#booking-list")).not_to_contain_text("0987123456")
        await expect(page.locator("#booked-count")).to_have_text("2/3 lượt")
        await screenshot(page, "sessions-3-two-booked")

        # The same phone again (written another way): the same booking, no new row.
        await book(page, "Nguyễn Văn An", "0987.123.456")
        await expect(done).to_contain_text("đã đăng ký phiên ngày này")
        assert code_in(await done.text_content()) == code_an
        await expect(rows).to_have_count(2)
        await expect(page.locator("#booked-count")).to_have_text("2/3 lượt")

        # The last slot, then one too many: the API's message, the form as typed.
        await book(page, "Lê Văn Cường", "0905333444")
        await expect(page.locator("#booked-count")).to_have_text("3/3 lượt")
        await expect(page.locator("#remaining")).to_have_text("Phiên này đã đủ số lượt đăng ký.")
        await book(page, "Phạm Thị Dung", "0977555666", procedure="CT-BANSAO", note="Gọi lúc 9 giờ", consent=False)
        await expect(page.locator("#book-error")).to_have_text(
            "Phiên làm việc này đã đủ số lượt đăng ký. Vui lòng chọn phiên khác.")
        await expect(page.locator("#ho-ten")).to_have_value("Phạm Thị Dung")
        await expect(page.locator("#dien-thoai")).to_have_value("0977555666")
        await expect(page.locator("#thu-tuc")).to_have_value("CT-BANSAO")
        await expect(page.locator("#ghi-chu")).to_have_value("Gọi lúc 9 giờ")
        await expect(page.locator("#dong-y-sms")).not_to_be_checked()
        await expect(rows).to_have_count(3)
        await screenshot(page, "sessions-4-full")

        # Cancelling asks first: "no" changes nothing; "yes" cancels and frees the slot.
        asked: list[str] = []

        async def answer(dialog, accept: bool) -> None:
            asked.append(dialog.message)
            await (dialog.accept() if accept else dialog.dismiss())

        page.once("dialog", lambda dialog: answer(dialog, False))
        await binh.locator("button").click()
        await until(lambda: len(asked) == 1)
        assert code_binh in asked[0] and "Trần Thị Bình" in asked[0]
        await page.reload()  # what the server holds: still booked
        await expect(page.locator("#booked-count")).to_have_text("3/3 lượt")
        await expect(binh).not_to_have_class(re.compile("cancelled"))

        page.once("dialog", lambda dialog: answer(dialog, True))
        await binh.locator("select").select_option("citizen")
        await binh.locator("button").click()
        await expect(done).to_have_text(f"Đã hủy lượt {code_binh}. Chỗ đã được trả lại.")
        await expect(binh).to_have_class(re.compile("cancelled"))
        await expect(binh.locator(".state")).to_contain_text("Đã hủy (công dân báo hủy")
        await expect(binh.locator("button")).to_have_count(0)
        await expect(page.locator("#booked-count")).to_have_text("2/3 lượt")
        await expect(page.locator("#remaining")).to_have_text("Còn 1 lượt.")
        await screenshot(page, "sessions-5-cancelled")

        await book(page, "Phạm Thị Dung", "0977555666", consent=False)
        await expect(done).to_contain_text("Đã đăng ký")
        await expect(page.locator("#booked-count")).to_have_text("3/3 lượt")
        await expect(page.locator("#booking-list tbody tr.active")).to_have_count(3)

        await page.click("#back-to-list")
        await expect(page.locator("a.date-link").first).to_contain_text("3/3 lượt")
        assert script_errors == []

    stored = as_json(await http.get(f"{intake}/v1/communes/{commune}/sessions/{session_id}/bookings",
                                    params={"day": next_day, "include_cancelled": "true"}))
    by_code = {b["booking_code"]: b for b in stored}
    assert len(stored) == 4
    assert (by_code[code_an]["consent_sms"], by_code[code_an]["procedure_code"]) == (True, "HT-KHAISINH")
    assert (by_code[code_binh]["consent_sms"], by_code[code_binh]["cancelled_by"]) == (False, "citizen")


async def test_the_session_pages_in_english(browser, intake, http, commune, officer_token):
    session = as_json(await http.post(f"{intake}/v1/communes/{commune}/sessions", json={
        "title": "Chủ nhật thân thiện", "rules": [{"kind": "monthly", "weekday": 6, "nth": -1}],
        "start_time": "07:30", "end_time": "11:00", "capacity": 20}))
    day = session["next_occurrences"][0]
    async with vietnamese_page(browser, intake, officer_token) as page:
        await page.goto(f"/quay/{commune}/phien-ngoai-gio/{session['session_id']}?ngay={day}&lang=en")
        await expect(page.locator("html")).to_have_attribute("lang", "en")
        await expect(page.locator("#book h2")).to_have_text("Book a citizen who phoned")
        await expect(page.locator("#no-bookings")).to_have_text("Nobody has booked this session yet.")
        await expect(page.locator("#booked-count")).to_have_text("0/20 booked")
        await page.fill("#ho-ten", "Hoàng Văn Em")
        await page.fill("#dien-thoai", "12345")
        await page.click("#book-submit")
        await expect(page.locator("#book-error")).to_contain_text("The phone is not valid")
        await expect(page.locator("#ho-ten")).to_have_value("Hoàng Văn Em")
        await screenshot(page, "sessions-6-english")

        await page.click("#back-to-list")  # the choice is remembered
        await expect(page.locator("h1")).to_have_text("Out-of-hours sessions")
        await expect(page.locator(".schedule")).to_contain_text("The last Sunday of the month, 07:30–11:00")
        await expect(page.locator("#nav-sessions")).to_have_attribute("aria-current", "page")
        await expect(page.locator("#session-form")).to_contain_text("Schedule the session")


async def test_a_leader_schedules_a_monthly_session_an_overseer_only_reads_another_origin_is_refused(
        browser, intake, http, accounts, commune):
    leader_token = await accounts.token(Role.COMMUNE_LEADER, commune)
    async with vietnamese_page(browser, intake, leader_token) as page:
        await page.goto(f"/quay/{commune}/phien-ngoai-gio")
        await expect(page.locator("#tuan-field")).to_be_hidden()  # weeks of the month: monthly only
        await page.fill("#tieu-de", "Chủ nhật thân thiện")
        await page.select_option("#lap-lai", "monthly")
        await page.select_option("#thu", "6")
        await page.fill("#bat-dau", "07:30")
        await page.fill("#ket-thuc", "11:00")
        await page.click("#session-submit")
        await expect(page.locator("#session-errors")).to_contain_text(
            "Phiên hằng tháng: vui lòng chọn ít nhất một tuần trong tháng.")
        await page.check("#tuan-field input[value='2']")
        await page.check("#tuan-field input[value='-1']")
        await page.click("#session-submit")
        await expect(page.locator(".schedule")).to_contain_text(
            "Chủ nhật thứ hai của tháng; Chủ nhật cuối cùng của tháng, 07:30–11:00")
        await expect(page.locator(".capacity")).to_have_text("không giới hạn")
    sessions = as_json(await http.get(f"{intake}/v1/communes/{commune}/sessions"))
    assert [(r["kind"], r["weekday"], r["nth"]) for r in sessions[0]["rules"]] == [("monthly", 6, 2),
                                                                                   ("monthly", 6, -1)]
    session_id, day = sessions[0]["session_id"], sessions[0]["next_occurrences"][0]

    overseer_token = await accounts.token(Role.DISTRICT_OVERSEER, "*")
    async with vietnamese_page(browser, intake, overseer_token) as page:
        await page.goto(f"/quay/{commune}/phien-ngoai-gio")
        await expect(page.locator(".session-title")).to_have_text("Chủ nhật thân thiện")
        await expect(page.locator("#session-form")).to_have_count(0)
        await page.click("a.date-link >> nth=0")
        await expect(page.locator("#read-only")).to_contain_text("chỉ được xem")
        await expect(page.locator("#book-form")).to_have_count(0)

    # The sign-in cookie posted by a page of another origin is refused; from this origin it books.
    form = {"thao_tac": "dang_ky", "ho_ten": "Vũ Văn Giang", "dien_thoai": "0911222333", "dong_y_sms": "1"}
    url = f"{intake}/quay/{commune}/phien-ngoai-gio/{session_id}?ngay={day}"
    async with httpx.AsyncClient(timeout=15, cookies={TOKEN_COOKIE: await accounts.token(Role.COUNTER_OFFICER,
                                                                                          commune)}) as browser_like:
        refused = await browser_like.post(url, data=form, headers={"Origin": "http://elsewhere.example"})
        assert refused.status_code == 403, refused.text
        assert as_json(await http.get(f"{intake}/v1/communes/{commune}/sessions/{session_id}/bookings",
                                      params={"day": day})) == []
        accepted = await browser_like.post(url, data=form, headers={"Origin": intake})
        assert accepted.status_code == 303, accepted.text
        assert "xong=moi" in accepted.headers["location"]

        # A new-session form sent twice (a resend after a lost answer) makes one session.
        page_html = (await browser_like.get(f"{intake}/quay/{commune}/phien-ngoai-gio")).text
        key = re.search(r'name="khoa" value="([0-9a-f]{32})"', page_html).group(1)
        new_session = {"khoa": key, "tieu_de": "60 phút vì dân", "lap_lai": "weekly", "thu": "0",
                       "bat_dau": "17:00", "ket_thuc": "18:00", "so_luot": "30"}
        for _ in range(2):
            sent = await browser_like.post(f"{intake}/quay/{commune}/phien-ngoai-gio", data=new_session,
                                           headers={"Origin": intake})
            assert sent.status_code == 303, sent.text
    titles = sorted(x["title"] for x in as_json(await http.get(f"{intake}/v1/communes/{commune}/sessions")))
    assert titles == ["60 phút vì dân", "Chủ nhật thân thiện"]
    booked = as_json(await http.get(f"{intake}/v1/communes/{commune}/sessions/{session_id}/bookings",
                                    params={"day": day}))
    assert [(b["full_name"], b["phone_masked"]) for b in booked] == [("Vũ Văn Giang", "*******333")]


def test_the_new_session_form_refuses_each_mistake_in_vietnamese():
    from uuid import uuid4

    from motcua_intake.domain.sessions import normalize_phone
    from motcua_intake.entrypoints.session_pages import TEXTS, schedule_en, session_from_form

    s = TEXTS["vi"]
    good = {"tieu_de": ["Chủ nhật thân thiện"], "lap_lai": ["monthly"], "thu": ["6"], "tuan": ["-1", "2"],
            "bat_dau": ["07:30"], "ket_thuc": ["11:00"], "so_luot": ["40"], "tu_ngay": ["2024-06-30"],
            "den_ngay": ["2024-12-31"]}
    session, errors = session_from_form("26041", good, s, uuid4())
    assert errors == {}
    assert session.schedule_vi() == "Chủ nhật thứ hai của tháng; Chủ nhật cuối cùng của tháng, 07:30–11:00"
    assert schedule_en(session) == "The second Sunday of the month; the last Sunday of the month, 07:30–11:00"
    assert (session.capacity, session.valid_from.isoformat()) == (40, "2024-06-30")

    for change, field, message in [
        ({"tieu_de": ["  "]}, "tieu_de", "Vui lòng nhập tên phiên làm việc."),
        ({"thu": ["7"]}, "thu", "Vui lòng chọn ngày trong tuần."),
        ({"tuan": []}, "tuan", "Phiên hằng tháng: vui lòng chọn ít nhất một tuần trong tháng."),
        ({"bat_dau": ["25:00"]}, "bat_dau", "Giờ bắt đầu chưa đúng (dạng giờ:phút, ví dụ 17:00)."),
        ({"so_luot": ["0"]}, "so_luot", "Số lượt tối đa phải là số nguyên từ 1 đến 100000 (hoặc để trống)."),
        ({"so_luot": ["1e3"]}, "so_luot", "Số lượt tối đa phải là số nguyên từ 1 đến 100000 (hoặc để trống)."),
        ({"den_ngay": ["2024-06-01"]}, "den_ngay", "Ngày kết thúc áp dụng phải sau ngày bắt đầu áp dụng."),
        ({"tu_ngay": ["30/06/2024"]}, "tu_ngay", "Ngày bắt đầu áp dụng chưa đúng."),
    ]:
        session, errors = session_from_form("26041", good | change, s, uuid4())
        assert session is None and errors == {field: message}, (change, errors)

    assert [normalize_phone(p) for p in ("0987 123 456", "0987.123.456", "+84 987-123-456", "(0987)123456")] == [
        "0987123456"] * 4
