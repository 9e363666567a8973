"""The procedure catalogue's rules: procedures, validation, search, overrides. No servers."""

import dataclasses

import pytest

from motcua_contracts import LifeEvent
from motcua_intake.domain.catalogue import (
    COMMUNE,
    FIELDS,
    STARTER_CATALOGUE,
    InMemoryCatalogue,
    Origin,
    ProcedureOverride,
    ProcessingUnit,
    Procedure,
    apply_override,
    commune_catalogue,
    find_procedure,
    fold,
    parse_override,
    parse_procedure,
    procedure_record,
    search,
)

VALID = {
    "code": "HT-THU", "name": "Thủ tục thử", "field": "ho_tich", "processing_unit": "working_days",
    "processing_amount": "3", "fee_vnd": "15000",
}


def problems_of(**changes) -> dict[str, str]:
    procedure, problems = parse_procedure(VALID | changes)
    assert procedure is None and problems
    return {p.column: p.message_vi for p in problems}


# --------------------------------------------------------------------------- the procedure


def test_older_code_still_builds_a_procedure_from_days_alone():
    same_day = Procedure("X-1", "Đăng ký khai sinh", "ho_tich", 0, LifeEvent.BIRTH)
    three_days = Procedure("X-2", "Cấp Giấy xác nhận tình trạng hôn nhân", "ho_tich", 3)
    assert (same_day.processing_unit, same_day.processing_amount, same_day.processing_days) == (
        ProcessingUnit.SAME_DAY, 0, 0)
    assert (three_days.processing_unit, three_days.processing_days) == (ProcessingUnit.WORKING_DAYS, 3)
    assert same_day.handling_body == COMMUNE and same_day.active and same_day.fee_vnd == 0


def test_processing_days_follow_the_unit():
    hours = Procedure("X-3", "Xác nhận", "cu_tru", processing_unit="working_hours", processing_amount=4)
    assert hours.processing_days == 0.5 and hours.processing_time_text == "4 giờ làm việc"
    days = dataclasses.replace(hours, processing_unit=ProcessingUnit.WORKING_DAYS, processing_amount=3)
    assert days.processing_days == 3 and days.processing_time_text == "3 ngày làm việc"
    assert Procedure("X-4", "A", "ho_tich", processing_unit="same_day").processing_time_text == "Trong ngày"


def test_a_procedure_stored_in_a_dossier_snapshot_reads_back_equal():
    # The dossier repository stores every dataclass field and rebuilds with Procedure(**stored).
    for procedure in STARTER_CATALOGUE:
        stored = {f.name: getattr(procedure, f.name) for f in dataclasses.fields(procedure)}
        stored = {k: (list(v) if isinstance(v, tuple) else str(v) if isinstance(v, LifeEvent | ProcessingUnit) else v)
                  for k, v in stored.items()}
        assert Procedure(**stored) == procedure


# --------------------------------------------------------------------------- the starter catalogue


def test_the_starter_catalogue_is_large_valid_and_keeps_the_codes_others_use():
    assert len(STARTER_CATALOGUE) >= 25
    assert len({p.code for p in STARTER_CATALOGUE}) == len(STARTER_CATALOGUE)
    for procedure in STARTER_CATALOGUE:
        reparsed, problems = parse_procedure(procedure_record(procedure))
        assert not problems and reparsed == procedure, procedure.code
    expected = {
        "HT-KHAISINH": ("ho_tich", 0, LifeEvent.BIRTH), "HT-KETHON": ("ho_tich", 0, LifeEvent.MARRIAGE),
        "HT-KHAITU": ("ho_tich", 0, LifeEvent.DEATH), "HT-XNTTHN": ("ho_tich", 3, None),
        "HT-TRICHLUC": ("ho_tich", 0, None), "CT-BANSAO": ("chung_thuc", 0, None),
        "CT-CHUKY": ("chung_thuc", 0, None), "CT-HOPDONG": ("chung_thuc", 2, None),
        "DD-HOGIAI": ("dat_dai", 30, None), "XD-GPXD": ("xay_dung", 15, None),
    }
    for code, (field, days, life_event) in expected.items():
        procedure = find_procedure(code)
        assert (procedure.field, procedure.processing_days, procedure.life_event) == (field, days, life_event), code


def test_the_starter_catalogue_reads_as_vietnamese_with_fees_and_bodies():
    names = {p.code: p.name for p in STARTER_CATALOGUE}
    assert names["HT-KHAISINH"] == "Đăng ký khai sinh"
    assert names["CT-CHUKY"] == "Chứng thực chữ ký"
    assert names["HT-NHANCMC"] == "Đăng ký nhận cha, mẹ, con"
    assert find_procedure("CT-BANSAO").fee_vnd == 2_000 and find_procedure("CT-CHUKY").fee_vnd == 10_000
    assert "at_home_priority" in find_procedure("CT-CHUKY").fee_exemptions
    assert find_procedure("XD-GPXD").handling_body == "UBND cấp huyện"
    assert find_procedure("CTR-XACNHAN").processing_unit is ProcessingUnit.WORKING_HOURS
    assert all(p.required_documents for p in STARTER_CATALOGUE)
    assert {p.field for p in STARTER_CATALOGUE} >= {"ho_tich", "chung_thuc", "dat_dai", "xay_dung", "cu_tru"}
    assert [p.code for p in STARTER_CATALOGUE if p.life_event] == ["HT-KHAISINH", "HT-KETHON", "HT-KHAITU", "HT-KSNCMC"]


# --------------------------------------------------------------------------- validation


def test_a_valid_row_parses_with_friendly_spellings():
    procedure, problems = parse_procedure(VALID | {
        "code": " ht-thu ", "field": "Hộ tịch", "processing_unit": "ngày làm việc", "fee_vnd": "15.000 đ",
        "fee_exemptions": "poor_household | disability", "required_documents": "Tờ khai | Giấy tờ tùy thân",
        "handling_body": "UBND cấp xã", "life_event": "khai sinh", "active": "có",
    })
    assert problems == []
    assert procedure.code == "HT-THU" and procedure.field == "ho_tich" and procedure.fee_vnd == 15_000
    assert procedure.processing_unit is ProcessingUnit.WORKING_DAYS and procedure.processing_amount == 3
    assert procedure.fee_exemptions == ("poor_household", "disability")
    assert procedure.required_documents == ("Tờ khai", "Giấy tờ tùy thân")
    assert procedure.handling_body == COMMUNE and procedure.life_event is LifeEvent.BIRTH and procedure.active


@pytest.mark.parametrize(
    ("changes", "column", "words"),
    [
        ({"code": ""}, "code", "không được để trống"),
        ({"code": "HT KHAI SINH"}, "code", "không hợp lệ"),
        ({"code": "HTĐK"}, "code", "không hợp lệ"),
        ({"name": "   "}, "name", "Tên thủ tục"),
        ({"field": "thuế"}, "field", "không có trong danh sách"),
        ({"field_name": "Chứng thực"}, "field_name", "không khớp"),
        ({"processing_unit": "tuần"}, "processing_unit", "Đơn vị thời hạn"),
        ({"processing_amount": "-1"}, "processing_amount", "không được âm"),
        ({"processing_amount": "0"}, "processing_amount", "same_day"),
        ({"processing_amount": ""}, "processing_amount", "Thiếu thời hạn"),
        ({"processing_unit": "same_day", "processing_amount": "2"}, "processing_amount", "trong ngày"),
        ({"processing_amount": "ba"}, "processing_amount", "không phải là số"),
        ({"fee_vnd": "-5000"}, "fee_vnd", "Lệ phí"),
        ({"fee_vnd": "2.5"}, "fee_vnd", "Lệ phí"),
        # fuzzing: a fee past 8 bytes reached MongoDB; past a billion đồng it is a typing error
        ({"fee_vnd": 10**20}, "fee_vnd", "không quá 1.000.000.000"),
        ({"fee_vnd": "1000000001"}, "fee_vnd", "không quá 1.000.000.000"),
        ({"fee_exemptions": "vip"}, "fee_exemptions", "Đối tượng miễn phí"),
        ({"life_event": "ly hôn"}, "life_event", "Sự kiện hộ tịch"),
        ({"field": "chung_thuc", "life_event": "birth"}, "life_event", "hộ tịch"),
        ({"active": "có lẽ"}, "active", "true"),
        ({"required_documents": ["Tờ khai | bản sao"]}, "required_documents", "'|'"),
        ({"name": 12}, "name", "chuỗi"),
    ],
)
def test_validation_says_what_is_wrong_in_vietnamese_first(changes, column, words):
    problems = problems_of(**changes)
    assert column in problems, problems
    assert words in problems[column]


def test_every_problem_of_a_row_is_reported_at_once():
    procedure, problems = parse_procedure({"code": "x", "name": "", "field": "?", "processing_unit": "?"})
    assert procedure is None
    assert {p.column for p in problems} == {"code", "name", "field", "processing_unit"}
    assert all(p.message_vi and p.message_en and p.message_vi != p.message_en for p in problems)


def test_fee_accepts_vietnamese_thousands_separators():
    for written in ("10000", "10.000", "10 000", "10,000", "10.000đ", "10.000 đồng", 10000, 10000.0):
        procedure, problems = parse_procedure(VALID | {"fee_vnd": written})
        assert not problems and procedure.fee_vnd == 10_000, written


# --------------------------------------------------------------------------- search


def test_fold_drops_diacritics_case_and_punctuation():
    assert fold("Đăng ký KHAI SINH") == "dang ky khai sinh"
    assert fold("Chứng thực chữ ký") == "chung thuc chu ky"
    assert fold("Hòa giải tranh chấp đất đai") == "hoa giai tranh chap dat dai"
    assert fold("Thay đổi, cải chính, bổ sung") == "thay doi cai chinh bo sung"


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("khai sinh", "HT-KHAISINH"),
        ("khaisinh", "HT-KHAISINH"),
        ("Khai Sinh", "HT-KHAISINH"),
        ("khai sinh", "HT-KHAISINH"),  # typed without marks
        ("đăng ký khai sinh", "HT-KHAISINH"),
        ("dang ky ket hon", "HT-KETHON"),
        ("chu ky", "CT-CHUKY"),
        ("chữ ký", "CT-CHUKY"),
        ("ct-chuky", "CT-CHUKY"),
        ("hoa giai dat", "DD-HOGIAI"),
        ("giay phep xay dung", "XD-GPXD"),
        ("tinh trang hon nhan", "HT-XNTTHN"),
        ("xntthn", "HT-XNTTHN"),
    ],
)
def test_search_ignores_diacritics_case_and_spaces(query, first):
    found = search(commune_catalogue(STARTER_CATALOGUE), query)
    assert found and found[0].procedure.code == first, [e.procedure.code for e in found]


def test_search_by_field_and_prefix_is_not_fooled_by_letters_inside_words():
    entries = commune_catalogue(STARTER_CATALOGUE)
    chung_thuc = [e.procedure for e in search(entries, "chung thuc")]
    assert {p.code for p in chung_thuc} == {p.code for p in STARTER_CATALOGUE if p.field == "chung_thuc"}
    assert all(e.procedure.code.startswith("HT-") for e in search(entries, "ht"))
    assert search(entries, "không có thủ tục này") == []
    assert len(search(entries, "")) == len(STARTER_CATALOGUE)


# --------------------------------------------------------------------------- overrides


def test_an_override_changes_fee_time_body_and_active_only():
    base = find_procedure("HT-XNTTHN")
    changed = apply_override(base, ProcedureOverride(
        "HT-XNTTHN", processing_unit=ProcessingUnit.WORKING_DAYS, processing_amount=2, fee_vnd=0,
        fee_note="Xã miễn lệ phí", handling_body="UBND phường", active=False))
    assert (changed.processing_days, changed.fee_vnd, changed.fee_note, changed.handling_body, changed.active) == (
        2, 0, "Xã miễn lệ phí", "UBND phường", False)
    assert (changed.name, changed.field, changed.required_documents) == (base.name, base.field,
                                                                         base.required_documents)
    same_day = apply_override(base, ProcedureOverride("HT-XNTTHN", processing_unit=ProcessingUnit.SAME_DAY))
    assert same_day.processing_days == 0
    assert apply_override(base, ProcedureOverride("HT-XNTTHN", fee_vnd=5000)).processing_days == 3


def test_a_commune_sees_its_overrides_and_own_procedures_others_do_not():
    local = Procedure("XA-CAYXANH", "Đăng ký trồng cây xanh tại khu dân cư", "moi_truong", processing_unit="same_day")
    overrides = [ProcedureOverride("CT-CHUKY", fee_vnd=0), ProcedureOverride("NO-SUCH", fee_vnd=1)]
    entries = {e.procedure.code: e for e in commune_catalogue(STARTER_CATALOGUE, overrides, [local])}
    assert entries["CT-CHUKY"].origin is Origin.OVERRIDE and entries["CT-CHUKY"].procedure.fee_vnd == 0
    assert entries["XA-CAYXANH"].origin is Origin.LOCAL
    assert entries["HT-KHAISINH"].origin is Origin.DEPLOYMENT
    assert "NO-SUCH" not in entries  # an override of nothing adds nothing


async def test_the_in_memory_catalogue_answers_like_the_store():
    catalogue = InMemoryCatalogue(
        STARTER_CATALOGUE,
        overrides={"26041": [ProcedureOverride("CT-CHUKY", fee_vnd=0), ProcedureOverride("DD-HOGIAI", active=False)]},
    )
    assert (await catalogue.get("26041", "CT-CHUKY")).fee_vnd == 0
    assert (await catalogue.get("15667", "CT-CHUKY")).fee_vnd == 10_000
    assert (await catalogue.get(None, "CT-CHUKY")).fee_vnd == 10_000
    assert (await catalogue.get("26041", "DD-HOGIAI")).active is False
    assert "DD-HOGIAI" not in {e.procedure.code for e in await catalogue.list("26041")}
    assert await catalogue.get("26041", "NO-SUCH") is None


def test_override_rows_change_only_what_a_commune_may_change():
    override, problems = parse_override({"code": "ct-chuky", "fee_vnd": "0", "fee_exemptions": "", "active": ""})
    assert not problems and override == ProcedureOverride("CT-CHUKY", fee_vnd=0)
    _, problems = parse_override({"code": "CT-CHUKY", "name": "Tên khác", "fee_vnd": "0"})
    assert [p.column for p in problems] == ["name"] and "chỉ điều chỉnh" in problems[0].message_vi
    _, problems = parse_override({"code": "CT-CHUKY", "processing_amount": "3"})
    assert [p.column for p in problems] == ["processing_unit"]
    _, problems = parse_override({"code": "CT-CHUKY"})
    assert problems and "không điều chỉnh gì" in problems[0].message_vi
    override, _ = parse_override({"code": "CT-CHUKY", "fee_exemptions": []})  # JSON: explicitly none
    assert override.fee_exemptions == ()


def test_fields_have_vietnamese_names():
    assert FIELDS["ho_tich"] == "Hộ tịch" and FIELDS["chung_thuc"] == "Chứng thực"
    assert find_procedure("DD-HOGIAI").field_name == "Đất đai"
