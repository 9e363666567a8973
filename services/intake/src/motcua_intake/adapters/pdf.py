"""PDF of a printed form: lays a :class:`forms.Document` out on A4 with fpdf2 (pure Python).

Vietnamese needs a Unicode TrueType font: DejaVu Serif Condensed, subset to the Vietnamese
letters and committed with its licence under ``templates/forms/fonts/`` (about 42 KB a
style), so the slim service image needs no OS font package and no browser. Text is in NFC,
one glyph per letter, so no shaping engine is needed. The QR code is drawn as vector squares
(sharp at any zoom and on any printer).

Margins follow the rules for administrative documents (Nghị định 30/2020/NĐ-CP: top and bottom
20–25 mm, left 30–35 mm, right 15–20 mm); body text 12.5 pt (13–14 pt for documents; forms are denser).
"""

from importlib import resources
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from motcua_intake.domain.forms import (
    Document,
    LookupBox,
    Paragraph,
    Signature,
    Signatures,
    Table,
    Text,
)

FAMILY = "DejaVuSerifCondensed"
_STYLES = {"": "", "B": "-Bold", "I": "-Italic", "BI": "-BoldItalic"}
BODY_PT, SMALL_PT, TABLE_PT, TITLE_PT, LETTERHEAD_PT = 12.5, 10.5, 10, 14, 12
LANDSCAPE_TABLE_PT = 9  # the ledger: twelve columns across the page
LINE = 1.25  # line height, in multiples of the font size
_SIGNING_ROOM = 19  # mm to sign (and stamp) between the title and the name
_ALIGN = {"left": "LEFT", "center": "CENTER", "right": "RIGHT", "justify": "JUSTIFY"}
_CELL_ALIGN = {"left": "L", "center": "C", "right": "R", "justify": "J"}


def font_dir() -> Path:
    return Path(str(resources.files("motcua_intake") / "templates" / "forms" / "fonts"))


class _FormPdf(FPDF):
    def __init__(self, document: Document) -> None:
        super().__init__(orientation="L" if document.landscape else "P", unit="mm", format="A4")
        self.document = document

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "I", 7.5)
        self.set_text_color(90)
        self.multi_cell(0, 4, f"{self.document.footer} · Trang {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0)


def render_pdf(document: Document) -> bytes:
    pdf = _FormPdf(document)
    for style, suffix in _STYLES.items():
        pdf.add_font(FAMILY, style, str(font_dir() / f"{FAMILY}{suffix}.ttf"))
    if document.landscape:
        pdf.set_margins(15, 15, 15)
    else:
        pdf.set_margins(30, 20, 15)
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_title(document.form.title)
    pdf.set_subject(document.footer)
    pdf.set_author(" ".join(document.letterhead.left))
    pdf.set_creator("Một cửa thân thiện — motcua-intake")
    pdf.set_lang("vi")
    pdf.alias_nb_pages()
    pdf.add_page()
    _corner_label(pdf, document)
    _letterhead(pdf, document)
    _title(pdf, document)
    for block in document.blocks:
        match block:
            case Paragraph():
                _paragraph(pdf, block)
            case Table():
                _table(pdf, block, landscape=document.landscape)
            case Signatures():
                _signatures(pdf, block)
            case LookupBox():
                _lookup(pdf, block)
    return bytes(pdf.output())


# --------------------------------------------------------------------------- parts


def _line_h(size: float) -> float:
    return size * 0.3528 * LINE  # pt -> mm


def _corner_label(pdf: FPDF, document: Document) -> None:
    pdf.set_font(FAMILY, "I", 9)
    pdf.set_xy(pdf.l_margin, pdf.t_margin - 9)
    pdf.cell(pdf.epw, 4, document.form.label, align="R")
    pdf.set_xy(pdf.l_margin, pdf.t_margin)


def _rule(pdf: FPDF, center_x: float, y: float, width: float) -> None:
    pdf.set_line_width(0.3)
    pdf.line(center_x - width / 2, y, center_x + width / 2, y)


def _fit_font(pdf: FPDF, line: str, style: str, width: float, size: float = LETTERHEAD_PT,
              smallest: float = 10.0) -> None:
    """A letterhead line stays on one line when narrowing the letters a little (down to 85 %)
    or a slightly smaller size allows it ('BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ' in half a page);
    a longer line wraps at the normal size."""
    width -= 2 * pdf.c_margin
    candidates = [(size, stretch) for stretch in (100, 95, 90, 85)]
    step = size - 0.5
    while step >= smallest:
        candidates.append((step, 85))
        step -= 0.5
    for candidate_size, stretch in candidates:
        pdf.set_font(FAMILY, style, candidate_size)
        pdf.set_stretching(stretch)
        if pdf.get_string_width(line) <= width:
            return
    pdf.set_font(FAMILY, style, size)
    pdf.set_stretching(100)


def _letterhead(pdf: FPDF, document: Document) -> None:
    """Body on the left, the national motto on the right, the place-and-date line under the
    motto, a short rule under each block — the layout of Vietnamese administrative forms."""
    head = document.letterhead
    top = pdf.get_y()
    left_w = pdf.epw * (0.45 if not document.landscape else 0.40)
    right_w = pdf.epw - left_w
    left_x, right_x = pdf.l_margin, pdf.l_margin + left_w
    h = _line_h(LETTERHEAD_PT)

    pdf.set_xy(left_x, top)
    for n, line in enumerate(head.left):
        style = "B" if n == len(head.left) - 1 else ""
        _fit_font(pdf, line, style, left_w - 2)
        pdf.set_x(left_x)
        pdf.multi_cell(left_w, h, line, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    left_bottom = pdf.get_y() + 1
    _rule(pdf, left_x + left_w / 2, left_bottom, min(left_w / 3, 30))
    pdf.set_stretching(100)

    pdf.set_xy(right_x, top)
    _fit_font(pdf, head.right[0], "B", right_w)
    pdf.multi_cell(right_w, h, head.right[0], align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    _fit_font(pdf, head.right[1], "B", right_w, size=LETTERHEAD_PT + 1)
    pdf.set_x(right_x)
    pdf.multi_cell(right_w, h, head.right[1], align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    motto_w = pdf.get_string_width(head.right[1])
    _rule(pdf, right_x + right_w / 2, pdf.get_y() + 0.5, motto_w)
    pdf.set_stretching(100)
    pdf.set_xy(right_x, pdf.get_y() + 4)
    pdf.set_font(FAMILY, "I", LETTERHEAD_PT + 1)
    pdf.multi_cell(right_w, h, head.date_line, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_xy(pdf.l_margin, max(pdf.get_y(), left_bottom) + 6)


def _title(pdf: FPDF, document: Document) -> None:
    pdf.set_font(FAMILY, "B", TITLE_PT)
    pdf.multi_cell(pdf.epw, _line_h(TITLE_PT), document.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for line in document.subtitle:
        _runs(pdf, line, size=BODY_PT, align="center")
    pdf.ln(3)


def _runs(pdf: FPDF, runs: Text, *, size: float, align: str) -> None:
    with pdf.text_columns(text_align=_ALIGN[align], line_height=LINE) as columns:
        with columns.paragraph() as paragraph:
            for run in runs:
                pdf.set_font(FAMILY, ("B" if run.bold else "") + ("I" if run.italic else ""), size)
                paragraph.write(run.text)
    pdf.set_x(pdf.l_margin)


def _paragraph(pdf: FPDF, block: Paragraph) -> None:
    if block.space_before:
        pdf.ln(2)
    _runs(pdf, block.runs, size=SMALL_PT if block.small else BODY_PT, align=block.align)
    pdf.ln(0.6)


def _table(pdf: FPDF, block: Table, *, landscape: bool) -> None:
    size = (LANDSCAPE_TABLE_PT if landscape else TABLE_PT) if block.small else SMALL_PT
    pdf.set_font(FAMILY, "", size)
    pdf.ln(1)
    with pdf.table(
        col_widths=tuple(c.weight for c in block.columns),
        text_align=tuple(_CELL_ALIGN[c.align] for c in block.columns),
        line_height=_line_h(size),
        padding=(0.8, 1.2),
        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
        v_align="M",
        repeat_headings=1,
        # CENTER would centre on the paper, not between the (unequal) margins.
        align="LEFT",
        width=pdf.epw,
    ) as table:
        heading = table.row()
        for column in block.columns:
            heading.cell(column.header, align="C")
        if not block.rows:
            table.row().cell(block.empty_text, colspan=len(block.columns), align="C")
        for values in block.rows:
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.ln(2)


def _signature(pdf: FPDF, signature: Signature, x: float, width: float, top: float) -> float:
    h = _line_h(BODY_PT)
    pdf.set_xy(x, top)
    for line in signature.title_lines:
        pdf.set_font(FAMILY, "B", BODY_PT)
        pdf.set_x(x)
        pdf.multi_cell(width, h, line, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "I", SMALL_PT)
    pdf.set_x(x)
    pdf.multi_cell(width, _line_h(SMALL_PT), signature.note, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_y(pdf.get_y() + _SIGNING_ROOM)
    if signature.name:
        pdf.set_font(FAMILY, "B", BODY_PT)
        pdf.set_x(x)
        pdf.multi_cell(width, h, signature.name, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    return pdf.get_y()


def _signatures(pdf: FPDF, block: Signatures) -> None:
    pdf.ln(3)
    # Titles, the room to sign and the name stay together on one page.
    needed = max(len(sig.title_lines) * _line_h(BODY_PT) + _line_h(SMALL_PT) + _SIGNING_ROOM
                 + (_line_h(BODY_PT) if sig.name else 0) for sig in block.blocks)
    if pdf.will_page_break(needed):
        pdf.add_page()
    top = pdf.get_y()
    count = len(block.blocks)
    if count == 1:  # a lone signature stands on the right half, as on paper forms
        slots = [(pdf.l_margin + pdf.epw / 2, pdf.epw / 2)]
    else:
        width = pdf.epw / count
        slots = [(pdf.l_margin + n * width, width) for n in range(count)]
    bottom = max(_signature(pdf, sig, x, w, top) for sig, (x, w) in zip(block.blocks, slots))
    pdf.set_xy(pdf.l_margin, bottom + 2)


def _qr(pdf: FPDF, payload: str, x: float, y: float, size: float) -> None:
    qr = segno.make(payload, error="m", micro=False)
    rows = list(qr.matrix_iter(scale=1, border=2))
    module = size / len(rows)
    pdf.set_fill_color(0)
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                pdf.rect(x + start * module, y + r * module, (c - start) * module, module, style="F")
            else:
                c += 1
    pdf.set_fill_color(255)


def _lookup(pdf: FPDF, block: LookupBox) -> None:
    size, pad = 25.0, 2.0
    if pdf.will_page_break(size + 2 * pad + 4):
        pdf.add_page()
    pdf.ln(2)
    top = pdf.get_y()
    _qr(pdf, block.qr_payload, pdf.l_margin + pad, top + pad, size)
    text_x = pdf.l_margin + size + 3 * pad
    text_w = pdf.epw - size - 4 * pad
    pdf.set_xy(text_x, top + pad + 1)
    for line in block.lines:
        pdf.set_x(text_x)
        with pdf.text_columns(text_align="LEFT", line_height=LINE, l_margin=text_x,
                              r_margin=pdf.w - text_x - text_w) as columns:
            with columns.paragraph() as paragraph:
                for run in line:
                    pdf.set_font(FAMILY, ("B" if run.bold else "") + ("I" if run.italic else ""), SMALL_PT)
                    paragraph.write(run.text)
        pdf.set_y(pdf.get_y() + 0.5)
    bottom = max(top + size + 2 * pad, pdf.get_y() + pad)
    pdf.set_line_width(0.2)
    pdf.rect(pdf.l_margin, top, pdf.epw, bottom - top)
    pdf.set_xy(pdf.l_margin, bottom + 2)
