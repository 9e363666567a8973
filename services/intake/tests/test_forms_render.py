"""The forms on paper: the PDF carries correct Vietnamese (text extracted back with pypdf),
the receipt fits on one A4 page, the HTML prints on A4 without its toolbar, the QR code holds
the lookup URL, and text typed by people cannot break out of the page."""

import io
import unicodedata
from datetime import UTC, date, datetime, timedelta

import pytest
import segno
from pypdf import PdfReader

from motcua_contracts import Channel
from motcua_intake.adapters.pdf import font_dir, render_pdf
from motcua_intake.domain import forms
from motcua_intake.domain.catalogue import find_procedure
from motcua_intake.domain.communes import default_profile, make_profile
from motcua_runtime.due_dates import WorkingCalendar
from motcua_intake.domain.forms import FormNumber
from motcua_intake.domain.model import Applicant, Dossier
from motcua_intake.entrypoints.forms_http import templates

CAL = WorkingCalendar()
TZ = CAL.tz
MON = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)
BASE = "http://127.0.0.1"
ID_NUMBER = "001190012345"
PROFILE = make_profile(
    "26041", official_name="UBND phường Tân Phong", district_province="thành phố Biên Hòa, tỉnh Đồng Nai",
    place_name="Tân Phong", signer_name="Nguyễn Văn An", signer_title="Chủ tịch", hotline="0251 3822 111",
    address="Số 1 đường Nguyễn Ái Quốc, phường Tân Phong",
)


def dossier(name: str = "Đỗ Thị Lan") -> Dossier:
    procedure = find_procedure("HT-XNTTHN")
    d = Dossier(commune_code="26041", code="26041-261123-0007", procedure=procedure, channel=Channel.COUNTER,
                applicant=Applicant(name, ID_NUMBER, "0987123456", "Tổ 5, khu phố 3, phường Tân Phong"),
                received_at=MON, appointment_at=CAL.appointment(MON, procedure.processing_days))
    d.request_supplement(["Bản sao CCCD", "Tờ khai theo mẫu có chữ ký"], MON + timedelta(minutes=20))
    d.receive_supplement(MON + timedelta(days=1), CAL)
    d.assign("cb-tp-02", "Tư pháp – Hộ tịch", MON + timedelta(days=1, hours=1))
    d.hand_over("Lãnh đạo UBND", MON + timedelta(days=2), MON + timedelta(days=1, hours=2), CAL)
    d.reschedule(d.appointment_at + timedelta(days=4), "Chờ xác minh thông tin", MON + timedelta(days=3))
    return d


def document(number: str, d: Dossier | None = None, profile=PROFILE) -> forms.Document:
    return forms.build_form(FormNumber(number), d or dossier(), profile, tz=TZ, now=MON + timedelta(days=4),
                            public_base_url=BASE)


def pdf_text(content: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def squash(text: str) -> str:
    """Text extraction may break lines and double spaces in justified text."""
    return " ".join(unicodedata.normalize("NFC", text).split())


# --------------------------------------------------------------------------- PDF


@pytest.mark.parametrize("number, title", [
    ("01", "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"),
    ("02", "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"),
    ("04", "Phiếu xin lỗi và hẹn lại ngày trả kết quả"),
    ("05", "Phiếu kiểm soát quá trình giải quyết hồ sơ"),
])
def test_the_pdf_carries_the_vietnamese_titles_with_their_diacritics(number, title):
    content = render_pdf(document(number))
    assert content.startswith(b"%PDF-")
    text, reader = pdf_text(content)
    flat = squash(text)
    assert title in flat  # in the footer, as written
    assert title.upper() in flat  # the heading
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in flat and "Độc lập - Tự do - Hạnh phúc" in flat
    assert "UBND PHƯỜNG TÂN PHONG" in flat
    assert reader.metadata.title == title


def test_the_receipt_pdf_says_everything_and_fits_on_one_page():
    text, reader = pdf_text(render_pdf(document("01")))
    flat = squash(text)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)  # A4
    for words in ("Mã hồ sơ: 26041-261123-0007", "Tân Phong, ngày 23 tháng 11 năm 2026",
                  "Cấp Giấy xác nhận tình trạng hôn nhân", "Đỗ Thị Lan", "NGƯỜI NỘP HỒ SƠ",
                  "http://127.0.0.1/tra-cuu?ma=26041-261123-0007", "*********345"):
        assert words in flat, words
    assert ID_NUMBER not in text


def test_the_pdf_embeds_its_unicode_font():
    _, reader = pdf_text(render_pdf(document("04")))
    fonts = {str(font["/BaseFont"]) for font in (reader.pages[0]["/Resources"]["/Font"].get_object()).values()}
    assert any("DejaVuSerifCondensed" in name for name in fonts)
    assert "Phiếu xin lỗi" in squash(pdf_text(render_pdf(document("04")))[0])


def test_the_refusal_and_a_long_ledger_render():
    refused = dossier()
    refused.refuse("Hồ sơ không thuộc thẩm quyền giải quyết của UBND phường", MON + timedelta(days=5))
    text, _ = pdf_text(render_pdf(document("03", refused)))
    assert "Hồ sơ không thuộc thẩm quyền giải quyết của UBND phường" in squash(text)

    many = []
    for n in range(1, 61):
        d = dossier(f"Nguyễn Thị Hồng Nhung {n}")
        d.code = f"26041-261123-{n:04d}"
        many.append(d)
    period = forms.LedgerPeriod(date(2026, 11, 1), date(2026, 11, 30))
    rows = forms.ledger_rows(many, period, tz=TZ, now=MON + timedelta(days=4))
    text, reader = pdf_text(render_pdf(forms.ledger(rows, PROFILE, period, tz=TZ, now=MON + timedelta(days=4))))
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape
    assert len(reader.pages) > 1
    flat = squash(text)
    assert "SỔ THEO DÕI HỒ SƠ" in flat and "26041-261123-0060" in flat and "Nguyễn Thị Hồng Nhung 60" in flat
    assert flat.count("Ngày hẹn trả") == len(reader.pages)  # the headings repeat on every page


def test_a_default_profile_prints_without_failing():
    text, _ = pdf_text(render_pdf(document("01", profile=default_profile("26041"))))
    assert "UBND XÃ/PHƯỜNG (MÃ 26041)" in squash(text)


def test_the_fonts_are_shipped_with_their_licence():
    names = {p.name for p in font_dir().iterdir()}
    assert {"DejaVuSerifCondensed.ttf", "DejaVuSerifCondensed-Bold.ttf", "DejaVuSerifCondensed-Italic.ttf",
            "LICENSE"} <= names
    assert all(p.stat().st_size < 100_000 for p in font_dir().glob("*.ttf"))


# --------------------------------------------------------------------------- HTML


def html_of(doc: forms.Document, **context) -> str:
    return templates().get_template("document.html").render(
        document=doc, pdf_url="01.pdf", dossier_code="26041-261123-0007", form_links=[],
        profile_is_default=False, profile_url="/v1/communes/26041/profile", font_base="/v1/forms/fonts", **context)


def test_the_html_prints_on_a4_without_its_toolbar():
    html = html_of(document("01"))
    assert '<html lang="vi">' in html and '<meta charset="utf-8">' in html
    assert "size: A4;" in html and "margin: 20mm 15mm 20mm 30mm;" in html
    assert "@media print" in html and ".toolbar, .default-profile, .no-print { display: none !important; }" in html
    assert 'class="toolbar no-print"' in html
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in html and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html
    assert "Tân Phong, ngày 23 tháng 11 năm 2026" in html
    assert ID_NUMBER not in html


def test_the_html_qr_code_holds_the_lookup_url():
    html = html_of(document("01"))
    expected = segno.make(f"{BASE}/tra-cuu?ma=26041-261123-0007", error="m", micro=False)
    assert expected.svg_inline(scale=1, border=2, omitsize=True) in html


def test_the_ledger_html_is_landscape_with_a_period_filter():
    period = forms.LedgerPeriod(date(2026, 11, 1), date(2026, 11, 30))
    rows = forms.ledger_rows([dossier()], period, tz=TZ, now=MON)
    doc = forms.ledger(rows, PROFILE, period, tz=TZ, now=MON)
    html = templates().get_template("ledger.html").render(
        document=doc, period=period, row_count=len(rows), pdf_url="?format=pdf", csv_url="?format=csv",
        profile_is_default=True, profile_url="/v1/communes/26041/profile", font_base="/f")
    assert "size: A4 landscape;" in html
    assert 'name="from" value="2026-11-01"' in html and 'name="to" value="2026-11-30"' in html
    assert "Tải CSV (Excel)" in html and "26041-261123-0007" in html
    assert "chưa khai báo tiêu đề" in html  # the reminder on screen, hidden on paper


def test_text_typed_by_people_cannot_break_out_of_the_page():
    evil = make_profile("26041", official_name='UBND "</style><script>alert(1)</script>', place_name="X")
    html = html_of(document("01", dossier("<b>Lan</b>"), profile=evil))
    assert "<script>alert(1)</script>" not in html and "<b>Lan</b>" not in html
    assert "&lt;b&gt;Lan&lt;/b&gt;" in html
    # The ledger's page footer (a CSS string) carries the commune's name.
    period = forms.LedgerPeriod(date(2026, 11, 1), date(2026, 11, 30))
    ledger = forms.ledger((), evil, period, tz=TZ, now=MON)
    html = templates().get_template("ledger.html").render(
        document=ledger, period=period, row_count=0, pdf_url="?", csv_url="?", font_base="/f")
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "<script" not in style.lower() and "\\3c /style\\3e " in style.lower()
    assert html.count("</style>") == 1
