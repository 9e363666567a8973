"""Notify's letters end to end: a marriage registration returned gives a congratulation letter
only with consent, printed as a PDF whose text keeps its Vietnamese diacritics; the commune's
wording and letterhead are used, an unknown placeholder is refused on save; officers work the
print queue (printed, handed over), a district overseer only reads it."""

import io

import pytest
from pypdf import PdfReader

from tests.helpers import as_json, eventually
from tests.test_notify_delivery import APPLICANT, act, event_count, notifications, receive, set_channels

pytestmark = pytest.mark.e2e

LETTERHEAD = {"agency": "ỦY BAN NHÂN DÂN XÃ HÒA PHÚ", "commune_name": "xã Hòa Phú", "place_name": "Hòa Phú",
              "signer_name": "Trần Văn Bình", "signer_title": "CHỦ TỊCH"}


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


async def letters(http, services, commune, **params) -> list[dict]:
    return as_json(await http.get(f"{services['notify'].base_url}/v1/communes/{commune}/letters", params=params))["items"]


async def test_a_marriage_registration_gives_a_congratulation_letter_only_with_consent(stack, services, http, leader,
                                                                                       admin, commune):
    await set_channels(admin, services, commune)
    as_json(await leader.put(f"{services['notify'].base_url}/v1/communes/{commune}/notify-settings/letterhead",
                             json=LETTERHEAD))
    couple = {**APPLICANT, "full_name": "Nguyễn Thị Hương", "email": None}
    agreed = await receive(http, services, commune, procedure="HT-KETHON", consent_letters=True, applicant=couple)
    declined = await receive(http, services, commune, procedure="HT-KETHON", consent_letters=False, applicant=couple)
    for dossier in (agreed, declined):
        await act(http, services, commune, dossier["dossier_code"], "result-ready")
        await act(http, services, commune, dossier["dossier_code"], "return")

    [letter] = await eventually(lambda: letters(http, services, commune), timeout=30)
    assert (letter["letter_type"], letter["dossier_code"]) == ("congratulation", agreed["dossier_code"])
    assert letter["recipient"] == "Nguyễn Thị Hương" and letter["status"] == "to_print"

    async def declined_letter():
        # Decided by the rules (consent known from the receipt) or, if the result-ready event came
        # first, by the worker from intake's contact: either way skipped for want of consent.
        return [n for n in await notifications(http, services, commune, declined["dossier_code"])
                if n["kind"] == "congratulation" and n["status"] != "pending"]

    [skipped] = await eventually(declined_letter, timeout=30)
    assert (skipped["status"], skipped["skip_reason"]) == ("skipped", "no_consent")

    pdf = await http.get(f"{services['notify'].base_url}/v1/communes/{commune}/letters/{letter['letter_id']}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    for words in ("THƯ CHÚC MỪNG", "Kính gửi: Ông/Bà Nguyễn Thị Hương", "đăng ký kết hôn", "trăm năm hạnh phúc",
                  "ỦY BAN NHÂN DÂN XÃ HÒA PHÚ", "Độc lập - Tự do - Hạnh phúc", "Trần Văn Bình"):
        assert words in " ".join(text.split()), words
    # A reprint is the same letter.
    again = await http.get(f"{services['notify'].base_url}/v1/communes/{commune}/letters/{letter['letter_id']}/pdf")
    assert pdf_text(again.content) == text
    assert await eventually(lambda: _at_least(event_count(stack, commune, "LetterIssued"), 1), timeout=20)
    assert await event_count(stack, commune, "LetterIssued") == 1


async def test_a_death_registration_gives_a_condolence_letter_worked_through_the_print_queue(services, http, overseer,
                                                                                            admin, commune):
    await set_channels(admin, services, commune)
    dossier = await receive(http, services, commune, procedure="HT-KHAITU", consent_letters=True,
                            applicant={**APPLICANT, "email": None})
    await act(http, services, commune, dossier["dossier_code"], "result-ready")
    [letter] = await eventually(lambda: letters(http, services, commune, letter_type="condolence"), timeout=30)
    text = pdf_text((await http.get(f"{services['notify'].base_url}/v1/communes/{commune}/letters/"
                                    f"{letter['letter_id']}/pdf")).content)
    assert "THƯ CHIA BUỒN" in text and "chia buồn sâu sắc" in " ".join(text.split())

    base = f"{services['notify'].base_url}/v1/communes/{commune}/letters/{letter['letter_id']}"
    assert (await overseer.post(f"{base}/printed")).status_code == 403  # reads, never writes
    assert as_json(await http.post(f"{base}/printed"))["status"] == "printed"
    assert as_json(await http.post(f"{base}/delivery", json={"how": "handed_over"}))["status"] == "handed_over"
    refused = await http.post(f"{base}/delivery", json={"how": "posted"})
    assert refused.status_code == 409 and "không chuyển sang" in refused.json()["error"]["message"]
    today = letter["issued_day"]
    [listed] = await letters(overseer, services, commune, day=today)
    assert listed["status"] == "handed_over"


async def test_templates_are_checked_on_save_previewed_and_used(services, http, leader, admin, commune):
    await set_channels(admin, services, commune)
    base = f"{services['notify'].base_url}/v1/communes/{commune}/templates"
    listing = as_json(await http.get(base))["items"]
    condolence = next(t for t in listing if t["purpose"] == "condolence")
    assert not condolence["customised"] and "chia buồn" in condolence["body"]
    assert "applicant_name" in {p["name"] for p in condolence["placeholders"]}

    unknown = await leader.put(f"{base}/condolence", json={
        "title": "THƯ CHIA BUỒN", "body": "Kính gửi {{ applicant_name }}, {{ ten_nguoi_mat }} ...", "sms": "x"})
    assert unknown.status_code == 422
    error = unknown.json()["error"]
    assert error["code"] == "invalid_template" and "{{ ten_nguoi_mat }}" in error["message"]
    assert error["message"].startswith("Mẫu chưa lưu được")
    assert (await http.put(f"{base}/condolence", json={"title": "T", "body": "B", "sms": "S"})).status_code == 403

    wording = {"title": "THƯ CHIA BUỒN", "sms": "{{ commune_name }} chia buồn cùng gia đình.",
               "body": "Kính gửi: Ông/Bà {{ applicant_name }}\n\nỦy ban nhân dân {{ commune_name }} vô cùng thương tiếc "
                       "báo tin và xin chia buồn cùng gia đình."}
    preview = as_json(await leader.post(f"{base}/condolence/preview", json=wording))
    assert "Nguyễn Thị Hoa" in preview["body"] and "{{" not in preview["body"]
    saved = as_json(await leader.put(f"{base}/condolence", json=wording))
    assert saved["customised"]

    dossier = await receive(http, services, commune, procedure="HT-KHAITU", consent_letters=True,
                            applicant={**APPLICANT, "email": None})
    await act(http, services, commune, dossier["dossier_code"], "result-ready")
    [letter] = await eventually(lambda: letters(http, services, commune, letter_type="condolence"), timeout=30)
    assert "vô cùng thương tiếc" in letter["body"] and "Đỗ Thị Lan" in letter["body"]


async def _at_least(count_coroutine, n: int) -> bool:
    return (await count_coroutine) >= n
