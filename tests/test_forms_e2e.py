"""The printed forms through the running intake service: the commune letterhead saved and
read back, a dossier walked through supplement, hand-overs and a reschedule, every form
fetched as HTML and as PDF with its Vietnamese text, and the ledger of the period as HTML,
CSV for Excel and PDF."""

import csv
import io
import unicodedata
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader

from tests.helpers import as_json

pytestmark = pytest.mark.e2e

ID_NUMBER = "001190012345"
APPLICANT = {"full_name": "Đỗ Thị Lan", "id_number": ID_NUMBER, "phone": "0987123456",
             "address": "Tổ 5, khu phố 3, phường Tân Phong"}
PROFILE = {"official_name": "UBND phường Tân Phong", "district_province": "thành phố Biên Hòa, tỉnh Đồng Nai",
           "place_name": "Tân Phong", "signer_name": "Nguyễn Văn An", "signer_title": "KT. Chủ tịch\nPhó Chủ tịch",
           "hotline": "0251 3822 111", "officer_id": "admin-tp"}
TITLES = {
    "01": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    "02": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    "03": "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
    "04": "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
    "05": "Phiếu kiểm soát quá trình giải quyết hồ sơ",
}


def pdf_text(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


async def test_every_form_of_a_walked_dossier_prints_as_html_and_pdf(services, http, leader, commune):
    base = f"{services['intake'].base_url}/v1/communes/{commune}"

    # The letterhead: a default until saved, Vietnamese problems when wrong, then saved.
    default = as_json(await http.get(f"{base}/profile"))
    assert default["is_default"] and commune in default["official_name"]
    # The commune's leader sets its letterhead; its officers may not.
    assert (await http.put(f"{base}/profile", json=PROFILE)).status_code == 403
    wrong = await leader.put(f"{base}/profile", json={**PROFILE, "official_name": " ", "hotline": "gọi tôi"})
    assert wrong.status_code == 422, wrong.text
    assert "Cần nhập tên cơ quan" in wrong.json()["error"]["message"]
    assert "Đường dây nóng" in wrong.json()["error"]["message"]
    saved = as_json(await leader.put(f"{base}/profile", json=PROFILE))
    assert saved["letterhead"] == ["UBND PHƯỜNG TÂN PHONG", "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"]
    assert not saved["is_default"] and saved["updated_by"] == "admin-tp"
    assert as_json(await http.get(f"{base}/profile"))["signer_title"] == "KT. Chủ tịch\nPhó Chủ tịch"

    dossier = as_json(await http.post(f"{base}/dossiers", json={"procedure_code": "HT-XNTTHN",
                                                                 "applicant": APPLICANT}))
    code = dossier["dossier_code"]
    one = f"{base}/dossiers/{code}"
    forms_url = f"{one}/forms"

    # Before anything happened: the receipt and the control slip only.
    listed = as_json(await http.get(forms_url))
    assert [f["number"] for f in listed if f["available"]] == ["01", "05"]
    assert "chưa có yêu cầu bổ sung" in next(f for f in listed if f["number"] == "02")["reason"]
    for number, words in (("02", "chưa có yêu cầu bổ sung"), ("03", "không bị từ chối"), ("04", "chưa phải hẹn lại")):
        for ext in ("html", "pdf"):
            refused = await http.get(f"{forms_url}/{number}.{ext}")
            assert refused.status_code == 409, refused.text
            assert words in refused.json()["error"]["message"]
    unknown = await http.get(f"{forms_url}/07.html")
    assert unknown.status_code == 404 and "Không có mẫu phiếu" in unknown.json()["error"]["message"]
    missing = await http.get(f"{base}/dossiers/{commune}-000000-9999/forms/01.pdf")
    assert missing.status_code == 404 and "Không tìm thấy hồ sơ" in missing.json()["error"]["message"]

    async def step(path, body=None):
        response = await http.post(f"{one}/{path}", json=body or {})
        assert response.status_code == 200, response.text
        return response.json()

    await step("supplement-request", {"missing_items": ["Bản sao CCCD", "Tờ khai theo mẫu"]})
    await step("supplement")
    await step("assignment", {"officer_id": "cb-tp-02", "handling_body": "Tư pháp – Hộ tịch"})
    await step("handovers", {"to_body": "Lãnh đạo UBND", "step_working_days": 1})
    await step("handovers", {"to_body": "Bộ phận Một cửa", "step_working_days": 0})
    current = as_json(await http.get(one))
    new_date = (date.fromisoformat(current["appointment_at"][:10]) + timedelta(days=7)).isoformat()
    await step("reschedule", {"new_appointment_date": new_date, "reason": "Chờ xác minh thông tin"})

    expected = {
        "01": [code, "Cấp Giấy xác nhận tình trạng hôn nhân", "Đỗ Thị Lan", "Tân Phong, ngày",
               f"/tra-cuu?ma={code}", "*********345"],
        "02": ["Bản sao CCCD", "Tờ khai theo mẫu", "NGƯỜI HƯỚNG DẪN"],
        "04": ["Chờ xác minh thông tin", "xin lỗi", "Nguyễn Văn An", "PHÓ CHỦ TỊCH"],
        "05": ["Lãnh đạo UBND", "Bộ phận Một cửa", "Tư pháp – Hộ tịch"],
    }
    for number, words in expected.items():
        html = await http.get(f"{forms_url}/{number}.html")
        assert html.status_code == 200, html.text
        assert html.headers["content-type"].startswith("text/html")
        assert html.headers["cache-control"] == "no-store"
        page = html.text
        assert TITLES[number].upper() in page and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page
        assert "UBND PHƯỜNG TÂN PHONG" in page and "size: A4" in page
        assert ID_NUMBER not in page
        for word in words:
            assert word in page, (number, word)

        pdf = await http.get(f"{forms_url}/{number}.pdf")
        assert pdf.status_code == 200, pdf.text
        assert pdf.headers["content-type"] == "application/pdf"
        assert f'filename="{code}-{number}-' in pdf.headers["content-disposition"]
        text = pdf_text(pdf.content)
        assert TITLES[number] in text and TITLES[number].upper() in text
        assert "Độc lập - Tự do - Hạnh phúc" in text and ID_NUMBER not in text
        for word in words:
            assert word in text, (number, word)
    assert "<svg" in (await http.get(f"{forms_url}/01.html")).text  # the lookup QR code
    slip = pdf_text((await http.get(f"{forms_url}/05.pdf")).content)
    assert "Giao: Tư pháp – Hộ tịch" in slip and "Nhận: Lãnh đạo UBND" in slip

    # The refusal, on a second dossier.
    other = as_json(await http.post(f"{base}/dossiers", json={"procedure_code": "CT-CHUKY",
                                                              "applicant": APPLICANT}))
    await http.post(f"{base}/dossiers/{other['dossier_code']}/refusal",
                    json={"reason": "Giấy tờ cần chứng thực không hợp lệ"})
    refusal = await http.get(f"{base}/dossiers/{other['dossier_code']}/forms/03.html")
    assert refusal.status_code == 200 and "Giấy tờ cần chứng thực không hợp lệ" in refusal.text
    refusal_pdf = await http.get(f"{base}/dossiers/{other['dossier_code']}/forms/03.pdf")
    assert refusal_pdf.status_code == 200 and TITLES["03"] in pdf_text(refusal_pdf.content)

    # The ledger of the period around today (local time), in its three formats.
    today = (datetime.now(UTC) + timedelta(hours=7)).date()
    period = {"from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}
    ledger = await http.get(f"{base}/ledger", params=period)
    assert ledger.status_code == 200 and ledger.headers["content-type"].startswith("text/html")
    assert "SỔ THEO DÕI HỒ SƠ" in ledger.text and code in ledger.text and other["dossier_code"] in ledger.text
    assert "size: A4 landscape" in ledger.text

    exported = await http.get(f"{base}/ledger", params={**period, "format": "csv"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert exported.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["STT", "Mã hồ sơ", "Tên thủ tục hành chính"]
    assert {row[1] for row in rows[1:]} == {code, other["dossier_code"]}
    assert any("đã từ chối" in row for row in rows[1:])

    printed = await http.get(f"{base}/ledger", params={**period, "format": "pdf"})
    assert printed.status_code == 200 and printed.headers["content-type"] == "application/pdf"
    text = pdf_text(printed.content)
    # A test commune's long code may wrap inside its narrow cell.
    assert "SỔ THEO DÕI HỒ SƠ" in text and code in text.replace(" ", "")

    empty = await http.get(f"{base}/ledger", params={"from": "2020-01-01", "to": "2020-01-31", "format": "csv"})
    assert len(list(csv.reader(io.StringIO(empty.content.decode("utf-8-sig"))))) == 1
    backwards = await http.get(f"{base}/ledger", params={"from": "2026-02-01", "to": "2026-01-01"})
    assert backwards.status_code == 422 and "sau ngày kết thúc" in backwards.json()["error"]["message"]


async def test_a_commune_without_a_profile_still_prints(services, http, commune):
    base = f"{services['intake'].base_url}/v1/communes/{commune}"
    dossier = as_json(await http.post(f"{base}/dossiers", json={"procedure_code": "CT-BANSAO",
                                                                 "applicant": {"full_name": "Lê Văn Tám"}}))
    pdf = await http.get(f"{base}/dossiers/{dossier['dossier_code']}/forms/01.pdf")
    assert pdf.status_code == 200
    assert f"UBND XÃ/PHƯỜNG (MÃ {commune.upper()})" in pdf_text(pdf.content)
    html = await http.get(f"{base}/dossiers/{dossier['dossier_code']}/forms/01.html")
    assert "chưa khai báo tiêu đề" in html.text
    # The page's last-resort font (the PDF's own) is served; nothing else from that folder.
    font = await http.get(f"{services['intake'].base_url}/v1/forms/fonts/DejaVuSerifCondensed.ttf")
    assert font.status_code == 200 and font.headers["content-type"] == "font/ttf"
    assert (await http.get(f"{services['intake'].base_url}/v1/forms/fonts/LICENSE")).status_code == 404
