"""A letter on A4, as PDF (fpdf2, pure Python).

Vietnamese needs a Unicode TrueType font: notify carries its own copy of the DejaVu Serif
Condensed subset (``motcua_notify/fonts``, with its licence) — services never import each
other. Text is normalised to NFC, one glyph per letter. The layout follows administrative
letters (Nghị định 30/2020/NĐ-CP): agency and national motto side by side, place and date,
title, body, signature block (title, room to sign and stamp, name).
"""

import unicodedata
from importlib import resources
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from motcua_notify.domain.templates import Letterhead

FAMILY = "DejaVuSerifCondensed"
_STYLES = {"": "", "B": "-Bold", "I": "-Italic"}


def font_dir() -> Path:
    return Path(str(resources.files("motcua_notify") / "fonts"))


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def render_letter_pdf(*, letterhead: Letterhead, title: str, body: str, issued_on: str, reference: str) -> bytes:
    """``issued_on``: 'dd/mm/yyyy'; ``reference``: the footer line (letter id, dossier code)."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    for style, suffix in _STYLES.items():
        pdf.add_font(FAMILY, style, str(font_dir() / f"{FAMILY}{suffix}.ttf"))
    pdf.set_margins(30, 20, 15)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(_nfc(title))
    pdf.set_author(_nfc(letterhead.agency))
    pdf.set_creator("Một cửa thân thiện — motcua-notify")
    pdf.set_lang("vi")
    pdf.add_page()
    width = pdf.epw
    left_w, right_w = width * 0.45, width * 0.55
    top = pdf.get_y()
    pdf.set_font(FAMILY, "", 10.5)
    pdf.multi_cell(left_w, 5.5, _nfc(letterhead.agency.upper()), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "B", 10.5)
    pdf.multi_cell(left_w, 5.5, _nfc(letterhead.unit_name.upper()), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    left_bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + left_w, top)
    pdf.set_font(FAMILY, "B", 11)
    pdf.multi_cell(right_w, 5.5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "B", 12.5)
    pdf.multi_cell(right_w, 5.5, "Độc lập - Tự do - Hạnh phúc", align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.line(pdf.l_margin + left_w + right_w * 0.22, pdf.get_y() + 0.5, pdf.l_margin + left_w + right_w * 0.78,
             pdf.get_y() + 0.5)
    pdf.ln(3)
    pdf.set_x(pdf.l_margin + left_w)
    day, month, year = (issued_on.split("/") + ["", "", ""])[:3]
    pdf.set_font(FAMILY, "I", 12)
    pdf.multi_cell(right_w, 6, _nfc(f"{letterhead.place_name}, ngày {day} tháng {month} năm {year}"), align="C",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(pdf.get_y(), left_bottom) + 8)
    pdf.set_font(FAMILY, "B", 14)
    pdf.multi_cell(width, 7, _nfc(title), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(5)
    pdf.set_font(FAMILY, "", 13)
    for paragraph in _nfc(body).split("\n\n"):
        lines = paragraph.strip()
        if not lines:
            continue
        pdf.multi_cell(width, 6.5, lines, align="J", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2.5)
    pdf.ln(4)
    x_sign = pdf.l_margin + width * 0.5
    if pdf.get_y() > pdf.h - 70:
        pdf.add_page()
    pdf.set_x(x_sign)
    pdf.set_font(FAMILY, "B", 12.5)
    pdf.multi_cell(width * 0.5, 6, _nfc(letterhead.signer_title.upper()), align="C", new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)
    pdf.ln(22)
    pdf.set_x(x_sign)
    pdf.multi_cell(width * 0.5, 6, _nfc(letterhead.signer_name), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(-14)
    pdf.set_font(FAMILY, "I", 8)
    pdf.set_text_color(90)
    pdf.multi_cell(0, 4, _nfc(reference), align="C")
    return bytes(pdf.output())
