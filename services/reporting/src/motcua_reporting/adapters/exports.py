"""Exports of a table: CSV (UTF-8 with a byte-order mark, so a spreadsheet opens the Vietnamese
headers with their diacritics) and XLSX (openpyxl; rates as numbers in a percent format)."""

import csv
import io
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from motcua_reporting.service_layer.tables import Table

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    return value


def _cell_text(value):
    """A value a worksheet can hold: keys of a breakdown (officer ids, procedure codes) come from
    other services' events and may carry control characters, which XLSX cannot store."""
    value = _plain(value)
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) if isinstance(value, str) else value


def to_csv(table: Table, lang: str = "vi", title: str | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.headers(lang))
    for row in table.rows:
        writer.writerow(["" if v is None else _plain(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(table: Table, lang: str = "vi", title: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = table.name[:31]
    start = 1
    if title:
        sheet.cell(row=1, column=1, value=_cell_text(title)).font = Font(bold=True, size=13)
        start = 3
    kinds = table.kinds()
    for col, text in enumerate(table.headers(lang), start=1):
        cell = sheet.cell(row=start, column=col, value=text)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(col)].width = 34 if col == 1 else 16
    for r, row in enumerate(table.rows, start=start + 1):
        for col, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=col, value=_cell_text(value))
            kind = table.row_kinds[r - start - 1] if table.row_kinds and col > 1 else kinds[col - 1]
            if kind == "rate" and isinstance(value, (int, float)):
                cell.number_format = "0.0%"
            elif kind == "days" and isinstance(value, (int, float)):
                cell.number_format = "0.00"
    sheet.freeze_panes = sheet.cell(row=start + 1, column=2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
