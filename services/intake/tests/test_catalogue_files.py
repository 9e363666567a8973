"""Catalogue files: CSV and JSON both ways, bad rows reported by line, round trips. No servers."""

import json
from pathlib import Path

import pytest

from motcua_intake.domain.catalogue import (
    COLUMNS,
    STARTER_CATALOGUE,
    InvalidCatalogue,
    Kind,
    Procedure,
    ProcedureOverride,
    ProcessingUnit,
    export_catalogue,
    export_commune_entries,
    parse_catalogue,
)

STARTER_FILE = Path(__file__).resolve().parents[1] / "src" / "motcua_intake" / "data" / "starter_catalogue.csv"
HEADER = ",".join(COLUMNS)
GOOD = "HT-THU{n},Thủ tục thử {n},ho_tich,Hộ tịch,working_days,3,15000,,,Tờ khai,commune,,true"


def problems(text: str, fmt: str = "csv", scope: str = "deployment") -> list[tuple[int, str | None]]:
    with pytest.raises(InvalidCatalogue) as caught:
        parse_catalogue(text, fmt, scope)
    return [(p.line, p.column) for p in caught.value.problems]


def test_bad_csv_rows_are_all_reported_by_line_and_column():
    rows = [GOOD.format(n=n) for n in range(1, 6)]
    rows[1] = rows[1].replace("working_days,3", "working_days,-3")  # line 3
    rows[3] = rows[3].replace("ho_tich,Hộ tịch", "thue,")  # line 5
    text = "\n".join([HEADER, *rows, GOOD.format(n=1)]) + "\n"  # line 7 repeats line 2's code
    assert problems(text) == [(3, "processing_amount"), (5, "field"), (7, "code")]
    with pytest.raises(InvalidCatalogue) as caught:
        parse_catalogue(text, "csv")
    summary = caught.value.summary_vi()
    assert summary.startswith("Tệp có 3 lỗi ở 3 dòng; chưa nhập thủ tục nào.")
    assert "Dòng 7, cột code: Mã thủ tục HT-THU1 trùng với dòng 2." in summary
    assert "Line 3, column processing_amount" in caught.value.summary_en()


def test_line_numbers_count_physical_lines_of_multi_line_cells_and_skip_blank_lines():
    multi_line = GOOD.format(n=1).replace("Tờ khai", '"Tờ khai\nGiấy tờ tùy thân"')
    text = "\n".join([HEADER, multi_line, "", GOOD.format(n=2).replace(",3,", ",ba,")]) + "\n"
    assert problems(text) == [(5, "processing_amount")]


def test_header_problems_are_reported_on_line_one():
    assert problems("code,name,fee\nA-1,x,1\n") == [(1, "fee"), (1, "field"), (1, "processing_unit")]
    assert problems("") == [(1, None)]


def test_excel_files_with_semicolons_and_a_byte_order_mark_are_read():
    text = "\ufeff" + "\n".join([HEADER.replace(",", ";"), GOOD.format(n=1).replace(",", ";")]) + "\n"
    [line] = parse_catalogue(text, "csv")
    assert line.line == 2 and line.entry.code == "HT-THU1" and line.entry.fee_vnd == 15_000


def test_a_row_with_more_cells_than_the_header_is_refused():
    assert problems(HEADER + "\n" + GOOD.format(n=1) + ",thừa\n") == [(2, None)]


def test_bad_json_items_are_reported_by_the_line_they_start_on():
    items = [json.loads(json.dumps(dict(zip(COLUMNS, GOOD.format(n=n).split(","))))) for n in range(1, 4)]
    items[1]["fee_vnd"] = -1
    items[2]["colour"] = "đỏ"
    text = json.dumps(items, ensure_ascii=False, indent=2)
    starts = [i + 1 for i, line in enumerate(text.splitlines()) if line.strip() == "{"]
    assert problems(text, "json") == [(starts[1], "fee_vnd"), (starts[2], "colour")]


def test_json_syntax_errors_and_wrong_shapes_are_reported():
    assert problems('[\n  {"code": "A-1",\n  "name": }\n]', "json") == [(3, None)]
    assert problems('{"code": "A-1"}', "json") == [(1, None)]
    assert problems('[\n  "A-1"\n]', "json") == [(2, None)]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_starter_catalogue_round_trips_unchanged(fmt):
    exported = export_catalogue(STARTER_CATALOGUE, fmt)
    parsed = [line.entry for line in parse_catalogue(exported, fmt)]
    assert sorted(parsed, key=lambda p: p.code) == sorted(STARTER_CATALOGUE, key=lambda p: p.code)
    assert export_catalogue(parsed, fmt) == exported


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_communes_file_round_trips_unchanged(fmt):
    overrides = [
        ProcedureOverride("CT-CHUKY", fee_vnd=0, fee_note="Xã hỗ trợ lệ phí", fee_exemptions=("at_home_priority",)),
        ProcedureOverride("HT-XNTTHN", processing_unit=ProcessingUnit.WORKING_HOURS, processing_amount=16),
        ProcedureOverride("DD-HOGIAI", active=False, handling_body="Tổ hòa giải thôn"),
    ]
    local = [Procedure("XA-CAYXANH", "Đăng ký trồng cây xanh", "moi_truong", processing_unit="same_day",
                       required_documents=("Đơn đăng ký",), fee_note="Không thu phí")]
    exported = export_commune_entries(overrides, local, fmt)
    lines = parse_catalogue(exported, fmt, "commune")
    assert {line.entry for line in lines} == {*overrides, *local}
    assert {line.entry.code: line.kind for line in lines}["XA-CAYXANH"] is Kind.LOCAL
    assert export_commune_entries([e for e in (line.entry for line in lines) if isinstance(e, ProcedureOverride)],
                                  [e for e in (line.entry for line in lines) if isinstance(e, Procedure)],
                                  fmt) == exported


def test_a_communes_file_needs_a_kind_and_keeps_overrides_to_what_may_change():
    header = "kind," + HEADER
    text = "\n".join([
        header,
        "override,CT-CHUKY,,,,,,0,,,,,,",
        "ghi đè,CT-BANSAO,Tên mới,,,,,,,,,,,",  # line 3: an override may not rename
        "rieng," + GOOD.format(n=1),
        "," + GOOD.format(n=2),  # line 5: no kind
    ]) + "\n"
    assert problems(text, "csv", "commune") == [(3, "name"), (5, "kind")]


def test_the_committed_starter_file_matches_the_starter_catalogue():
    """data/starter_catalogue.csv is what an administrator opens as a template. Regenerate with:
    .venv/bin/python -c "from pathlib import Path; from motcua_intake.domain.catalogue import *;
    Path('services/intake/src/motcua_intake/data/starter_catalogue.csv').write_text(
    export_catalogue(STARTER_CATALOGUE, 'csv'), encoding='utf-8')"
    """
    assert STARTER_FILE.read_text(encoding="utf-8") == export_catalogue(STARTER_CATALOGUE, "csv"), (
        "data/starter_catalogue.csv drifted from STARTER_CATALOGUE: regenerate it (see this test's docstring)")
    assert len(parse_catalogue(STARTER_FILE.read_text(encoding="utf-8"), "csv")) == len(STARTER_CATALOGUE)
