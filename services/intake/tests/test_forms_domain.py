"""What the printed forms show, without rendering: which forms exist in which state, the
receipt's content and its masked ID, the control slip's rows with early/on-time/late,
the ledger's period filter and its CSV for Excel, the commune letterhead."""

import copy
import csv
import io
import unicodedata
from datetime import UTC, date, datetime, timedelta

import pytest

from motcua_contracts import Channel, ReturnChannel, Timeliness
from motcua_intake.domain import forms
from motcua_intake.domain.catalogue import find_procedure
from motcua_intake.domain.communes import (
    InvalidProfile,
    default_profile,
    make_profile,
    vietnamese_date,
)
from motcua_runtime.due_dates import WorkingCalendar
from motcua_intake.domain.forms import FormNotAvailable, FormNumber, UnknownForm
from motcua_intake.domain.model import Applicant, Dossier

CAL = WorkingCalendar()
TZ = CAL.tz
MON = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)  # Monday 08:30 in Vietnam
BASE = "https://motcua.example.vn"
ID_NUMBER = "001190012345"
PHONE = "0987123456"
PROFILE = make_profile(
    "26041", official_name="UBND phường Tân Phong", district_province="thành phố Biên Hòa, tỉnh Đồng Nai",
    place_name="Tân Phong", signer_name="Nguyễn Văn An", signer_title="KT. Chủ tịch\nPhó Chủ tịch",
    hotline="0251 3822 111", address="Số 1 đường Nguyễn Ái Quốc",
)


def received(code: str = "26041-261123-0001", at: datetime = MON, procedure: str = "HT-XNTTHN") -> Dossier:
    p = find_procedure(procedure)
    return Dossier(commune_code="26041", code=code, procedure=p, channel=Channel.COUNTER,
                   applicant=Applicant("Đỗ Thị Lan", ID_NUMBER, PHONE, "Tổ 5, khu phố 3"),
                   received_at=at, appointment_at=CAL.appointment(at, p.processing_days))


def walked() -> Dossier:
    """Supplement asked and brought, assigned, two hand-overs (the first one late), rescheduled."""
    d = received()
    d.request_supplement(["Bản sao CCCD", "Tờ khai theo mẫu"], MON + timedelta(minutes=20))
    d.receive_supplement(MON + timedelta(days=1), CAL)
    d.assign("cb-tp-02", "Tư pháp – Hộ tịch", MON + timedelta(days=1, hours=1))
    first_at = MON + timedelta(days=1, hours=2)  # Tuesday
    d.hand_over("Lãnh đạo UBND", CAL.appointment(first_at, 1), first_at, CAL)  # due Wednesday 17:00
    d.hand_over("Bộ phận Một cửa", CAL.appointment(MON + timedelta(days=3), 0), MON + timedelta(days=3), CAL)
    d.reschedule(d.appointment_at + timedelta(days=4), "Chờ xác minh thông tin", MON + timedelta(days=3, hours=1))
    return d


def plain(document: forms.Document) -> str:
    """Everything the form prints, as one text."""
    parts = [*document.letterhead.left, *document.letterhead.right, document.letterhead.date_line,
             document.title, document.footer]
    for line in document.subtitle:
        parts += [run.text for run in line]
    for block in document.blocks:
        match block:
            case forms.Paragraph():
                parts.append("".join(run.text for run in block.runs))
            case forms.Table():
                parts += [c.header for c in block.columns] + [v for row in block.rows for v in row]
            case forms.Signatures():
                for sig in block.blocks:
                    parts += [*sig.title_lines, sig.note, sig.name]
            case forms.LookupBox():
                parts += [block.qr_payload] + ["".join(r.text for r in line) for line in block.lines]
    return "\n".join(parts)


def build(number: str, dossier: Dossier, now: datetime | None = None, **kw) -> forms.Document:
    return forms.build_form(FormNumber(number), dossier, PROFILE, tz=TZ, now=now or MON + timedelta(days=4),
                            public_base_url=BASE, **kw)


# --------------------------------------------------------------------------- which forms exist


def test_a_fresh_dossier_has_its_receipt_and_control_slip_only():
    assert forms.available_forms(received()) == (FormNumber.RECEIPT, FormNumber.CONTROL_SLIP)


def test_forms_appear_as_the_events_happen():
    d = received()
    d.request_supplement(["Tờ khai"], MON)
    assert FormNumber.SUPPLEMENT_REQUEST in forms.available_forms(d)
    d.receive_supplement(MON + timedelta(hours=2), CAL)
    assert FormNumber.SUPPLEMENT_REQUEST in forms.available_forms(d)  # still printable afterwards
    d.reschedule(d.appointment_at + timedelta(days=2), "Chờ xác minh", MON + timedelta(days=1))
    assert FormNumber.APOLOGY in forms.available_forms(d)
    d.refuse("Không thuộc thẩm quyền", MON + timedelta(days=2))
    assert forms.available_forms(d) == tuple(FormNumber(n) for n in ("01", "02", "03", "04", "05"))


@pytest.mark.parametrize("number, words", [
    ("02", "chưa có yêu cầu bổ sung"),
    ("03", "không bị từ chối"),
    ("04", "chưa phải hẹn lại"),
])
def test_a_form_that_does_not_apply_says_why_in_vietnamese(number, words):
    with pytest.raises(FormNotAvailable) as caught:
        build(number, received())
    assert words in caught.value.message_vi and "26041-261123-0001" in caught.value.message_vi
    assert caught.value.message_en


@pytest.mark.parametrize("value", ["06", "00", "7", "abc", ""])
def test_only_forms_01_to_05_belong_to_a_dossier(value):
    with pytest.raises(UnknownForm) as caught:
        forms.parse_form_number(value)
    assert "01, 02, 03, 04, 05" in caught.value.message_vi


def test_form_numbers_accept_a_missing_leading_zero():
    assert forms.parse_form_number("1") is FormNumber.RECEIPT
    assert forms.parse_form_number("05") is FormNumber.CONTROL_SLIP


def test_titles_and_numbers_are_configured_in_one_place_and_marked_verify():
    assert forms.FORMS[FormNumber.RECEIPT].title == "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"
    assert forms.FORMS[FormNumber.APOLOGY].title == "Phiếu xin lỗi và hẹn lại ngày trả kết quả"
    assert [spec.label for spec in forms.FORMS.values()] == [f"Mẫu số 0{n}" for n in range(1, 7)]
    assert "(verify" in forms.LEGAL_BASIS


# --------------------------------------------------------------------------- 01 receipt


def test_the_receipt_carries_code_procedure_documents_times_and_the_lookup():
    d = received()
    document = build("01", d)
    text = plain(document)
    assert document.title == "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
    assert "Mã hồ sơ: 26041-261123-0001" in text
    assert "Cấp Giấy xác nhận tình trạng hôn nhân" in text
    for name in d.procedure.required_documents:
        assert name in text
    assert "08 giờ 30 phút, ngày 23 tháng 11 năm 2026" in text  # received
    assert "17 giờ 00 phút, thứ Năm, ngày 26 tháng 11 năm 2026" in text  # 3 working days
    assert "Tân Phong, ngày 23 tháng 11 năm 2026" in text
    assert "UBND PHƯỜNG TÂN PHONG" in text and "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ" in text
    assert "Đỗ Thị Lan" in text and "Tổ 5, khu phố 3" in text  # the citizen's own receipt
    lookup = next(b for b in document.blocks if isinstance(b, forms.LookupBox))
    assert lookup.qr_payload == f"{BASE}/tra-cuu?ma=26041-261123-0001"
    assert "0251 3822 111" in text
    assert "(verify)" not in text  # the catalogue's notes to officers stay off the citizen's paper


def test_the_receipt_never_prints_the_full_id_or_phone_number():
    text = plain(build("01", received()))
    assert ID_NUMBER not in text and PHONE not in text
    assert "*********345" in text and "*******456" in text


def test_the_id_is_masked_to_its_last_three_digits():
    assert forms.mask_id_number("001190012345") == "*********345"
    assert forms.mask_id_number("123456789") == "******789"
    assert forms.mask_id_number(None) is None


def test_no_form_prints_the_full_id_number():
    d = walked()
    refused = copy.deepcopy(d)
    refused.refuse("Không thuộc thẩm quyền", MON + timedelta(days=5))
    for number in ("01", "02", "04", "05"):
        assert ID_NUMBER not in plain(build(number, d))
    assert ID_NUMBER not in plain(build("03", refused))


def test_a_rescheduled_receipt_keeps_its_promise_and_points_to_the_new_date():
    d = walked()
    text = plain(build("01", d))
    promised = forms.time_and_date(d.reschedules[0].previous_appointment_at, TZ, weekday=True)
    new = forms.time_and_date(d.appointment_at, TZ, weekday=True)
    assert f"5. Thời gian trả kết quả giải quyết hồ sơ: {promised}." in text
    assert f"Ngày hẹn trả đã được điều chỉnh: {new}" in text


def test_the_lookup_url_escapes_the_code():
    assert forms.lookup_url("http://127.0.0.1/", "A B-1") == "http://127.0.0.1/tra-cuu?ma=A%20B-1"


# --------------------------------------------------------------------------- 02, 03, 04


def test_the_supplement_request_lists_every_missing_item_once():
    text = plain(build("02", walked()))
    assert "1. Bản sao CCCD" in text and "2. Tờ khai theo mẫu" in text
    assert "NGƯỜI HƯỚNG DẪN" in text and "tạm dừng" in text


def test_the_refusal_gives_the_reason_and_the_signer():
    d = received()
    d.refuse("Hồ sơ không thuộc thẩm quyền giải quyết", MON + timedelta(hours=1))
    text = plain(build("03", d))
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert "Hồ sơ không thuộc thẩm quyền giải quyết" in text
    assert "KT. CHỦ TỊCH" in text and "PHÓ CHỦ TỊCH" in text and "Nguyễn Văn An" in text


def test_the_apology_names_the_old_and_the_new_appointment_and_the_reason():
    d = walked()
    document = build("04", d)
    text = plain(document)
    entry = d.reschedules[-1]
    assert "Kính gửi: Ông/Bà Đỗ Thị Lan" in text
    assert forms.time_and_date(entry.previous_appointment_at, TZ, weekday=True) in text
    assert forms.time_and_date(entry.new_appointment_at, TZ, weekday=True) in text
    assert "Chờ xác minh thông tin" in text and "xin lỗi" in text
    assert document.letterhead.date_line.endswith(forms.vietnamese_date(entry.rescheduled_at.astimezone(TZ).date()))


def test_each_apology_of_a_twice_rescheduled_dossier_can_be_printed():
    d = walked()
    d.reschedule(d.appointment_at + timedelta(days=2), "Chờ ý kiến cơ quan cấp trên", MON + timedelta(days=6))
    first, second = build("04", d, reschedule=1), build("04", d)
    assert "Chờ xác minh thông tin" in plain(first) and "Chờ ý kiến cơ quan cấp trên" in plain(second)
    assert "(Lần hẹn lại thứ 2 / 2)" in plain(second)
    with pytest.raises(FormNotAvailable):
        build("04", d, reschedule=3)


# --------------------------------------------------------------------------- 05 control slip


def test_the_control_slip_has_one_row_per_hand_over_with_its_timeliness():
    d = walked()
    rows = forms.control_slip_rows(d, PROFILE, tz=TZ, now=MON + timedelta(days=3, hours=2))
    handovers = [r for r in rows if r.is_handover]
    assert [r.step for r in handovers] == ["Giao: Tư pháp – Hộ tịch\nNhận: Lãnh đạo UBND",
                                           "Giao: Lãnh đạo UBND\nNhận: Bộ phận Một cửa"]
    # The leader received it on Tuesday, due Wednesday 17:00, passed it on on Thursday: late.
    assert handovers[0].timeliness is Timeliness.LATE and handovers[0].result == "Quá hạn"
    assert handovers[1].timeliness is None and handovers[1].result.startswith("Đang xử lý")
    assert [r.at for r in rows] == sorted(r.at for r in rows)
    assert rows[0].step.startswith("Tiếp nhận hồ sơ")


def test_a_step_completed_early_or_on_time_says_so_and_the_return_closes_the_slip():
    d = received()
    d.assign("cb-01", "Tư pháp – Hộ tịch", MON)
    d.hand_over("Lãnh đạo UBND", MON + timedelta(days=2), MON + timedelta(hours=1), CAL)
    d.hand_over("Bộ phận Một cửa", MON + timedelta(hours=3), MON + timedelta(hours=3), CAL)  # same day: on time
    d.mark_result_ready(MON + timedelta(hours=4), CAL)
    d.return_result(returned_at=MON + timedelta(hours=5), channel=ReturnChannel.COUNTER, officer_id="cb-01",
                    calendar=CAL)
    rows = forms.control_slip_rows(d, PROFILE, tz=TZ, now=MON + timedelta(days=1))
    assert [r.result for r in rows if r.is_handover] == ["Trước hạn", "Đúng hạn"]
    assert rows[-1].step.startswith("Trả kết quả") and rows[-1].result == "Trước hạn"
    text = plain(build("05", d))
    assert "Các bước luân chuyển đã hoàn thành: 2 — trước hạn 1, đúng hạn 1, quá hạn 0." in text


def test_an_open_step_past_its_due_time_shows_as_late_while_in_progress():
    d = received()
    d.assign("cb-01", "Tư pháp – Hộ tịch", MON)
    d.hand_over("Lãnh đạo UBND", MON + timedelta(hours=2), MON + timedelta(hours=1), CAL)
    rows = forms.control_slip_rows(d, PROFILE, tz=TZ, now=MON + timedelta(days=1))
    assert [r.result for r in rows if r.is_handover] == ["Đang xử lý, quá hạn"]


# --------------------------------------------------------------------------- 06 ledger


def test_the_ledger_takes_the_dossiers_received_in_the_period_by_local_day():
    inside = received("26041-261101-0001", datetime(2026, 10, 31, 17, 0, tzinfo=UTC))  # 1 Nov 00:00 local
    last = received("26041-261130-0001", datetime(2026, 11, 30, 16, 59, tzinfo=UTC))  # 30 Nov 23:59 local
    before = received("26041-261031-0001", datetime(2026, 10, 31, 16, 59, tzinfo=UTC))  # 31 Oct 23:59 local
    after = received("26041-261201-0001", datetime(2026, 11, 30, 17, 0, tzinfo=UTC))  # 1 Dec 00:00 local
    period = forms.LedgerPeriod(date(2026, 11, 1), date(2026, 11, 30))
    rows = forms.ledger_rows([after, last, before, inside], period, tz=TZ, now=MON)
    assert [(r.number, r.dossier_code) for r in rows] == [(1, inside.code), (2, last.code)]
    start, end = period.bounds(TZ)
    assert start == datetime(2026, 10, 31, 17, tzinfo=UTC) and end == datetime(2026, 11, 30, 17, tzinfo=UTC)


def test_ledger_rows_show_the_dates_status_and_timeliness():
    returned = received("26041-261123-0002")
    returned.return_result(returned_at=MON + timedelta(days=1), channel=ReturnChannel.AT_HOME, officer_id="cb",
                           calendar=CAL, free_of_charge=True)
    overdue = received("26041-261123-0003")
    rows = forms.ledger_rows([walked(), returned, overdue], forms.LedgerPeriod(date(2026, 11, 1), date(2026, 11, 30)),
                             tz=TZ, now=MON + timedelta(days=10))
    by_code = {r.dossier_code: r for r in rows}
    assert by_code["26041-261123-0002"].timeliness == "trước hạn"
    assert by_code["26041-261123-0002"].status == "đã trả kết quả"
    assert "miễn phí" in by_code["26041-261123-0002"].note
    assert by_code["26041-261123-0003"].timeliness == "quá hạn"
    walked_row = by_code["26041-261123-0001"]
    assert walked_row.handed_over is not None and "hẹn lại" in walked_row.note and "YC bổ sung" in walked_row.note


def test_the_ledger_period_defaults_and_limits():
    today = date(2026, 11, 22)
    assert forms.ledger_period(None, None, today) == forms.LedgerPeriod(date(2026, 11, 1), today)
    assert forms.ledger_period(date(2026, 10, 5), None, today).end == today
    assert forms.ledger_period(None, date(2026, 9, 30), today).start == date(2026, 9, 1)
    with pytest.raises(forms.InvalidPeriod) as caught:
        forms.LedgerPeriod(date(2026, 11, 2), date(2026, 11, 1))
    assert "sau ngày kết thúc" in caught.value.message_vi
    with pytest.raises(forms.InvalidPeriod):
        forms.LedgerPeriod(date(2025, 1, 1), date(2026, 6, 30))


def test_the_ledger_csv_opens_in_excel_with_vietnamese():
    d = walked()
    d.applicant.full_name = "=HYPERLINK(\"http://x\")"  # typed by someone, must stay text in Excel
    rows = forms.ledger_rows([d, received("26041-261123-0002")], forms.LedgerPeriod(date(2026, 11, 1),
                             date(2026, 11, 30)), tz=TZ, now=MON)
    content = forms.ledger_csv(rows, tz=TZ)
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    decoded = content.decode("utf-8-sig")
    assert "\r\n" in decoded
    table = list(csv.reader(io.StringIO(decoded)))
    assert table[0] == list(forms.LEDGER_CSV_HEADER)
    assert table[0][2] == "Tên thủ tục hành chính"
    assert table[1][1] == "26041-261123-0001" and table[1][2] == "Cấp Giấy xác nhận tình trạng hôn nhân"
    assert table[1][3].startswith("'=")
    assert table[1][4] == "2026-11-23 08:30"  # ISO local time: a date in every Excel locale
    assert len(table) == 3


def test_the_ledger_csv_can_use_semicolons():
    rows = forms.ledger_rows([received()], forms.LedgerPeriod(date(2026, 11, 1), date(2026, 11, 30)), tz=TZ, now=MON)
    first = forms.ledger_csv(rows, tz=TZ, delimiter=";").decode("utf-8-sig").splitlines()[0]
    assert first.startswith("STT;Mã hồ sơ;")


def test_an_empty_ledger_still_prints_its_table():
    document = forms.ledger((), PROFILE, forms.LedgerPeriod(date(2026, 11, 1), date(2026, 11, 30)), tz=TZ, now=MON)
    table = next(b for b in document.blocks if isinstance(b, forms.Table))
    assert table.rows == () and "Không có hồ sơ" in table.empty_text
    assert document.landscape and "Từ ngày 01/11/2026 đến ngày 30/11/2026" in plain(document)


# --------------------------------------------------------------------------- the letterhead


def test_the_date_line_follows_the_rules_for_administrative_documents():
    assert vietnamese_date(date(2026, 11, 22)) == "ngày 22 tháng 11 năm 2026"
    assert vietnamese_date(date(2026, 1, 5)) == "ngày 05 tháng 01 năm 2026"
    assert vietnamese_date(date(2026, 2, 9)) == "ngày 09 tháng 02 năm 2026"
    assert vietnamese_date(date(2026, 3, 9)) == "ngày 09 tháng 3 năm 2026"
    assert PROFILE.date_line(date(2026, 11, 22)) == "Tân Phong, ngày 22 tháng 11 năm 2026"


def test_a_missing_profile_prints_with_a_default_built_from_the_code():
    profile = default_profile("26041")
    assert profile.is_default
    assert profile.letterhead_left == ("UBND XÃ/PHƯỜNG (MÃ 26041)", "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ")
    assert profile.date_line(date(2026, 11, 22)).endswith(", ngày 22 tháng 11 năm 2026")
    document = forms.build_form(FormNumber.RECEIPT, received(), profile, tz=TZ, now=MON, public_base_url=BASE)
    assert "UBND XÃ/PHƯỜNG (MÃ 26041)" in plain(document)


def test_profile_problems_are_all_reported_in_vietnamese():
    with pytest.raises(InvalidProfile) as caught:
        make_profile("26041", official_name="  ", place_name="Tân Phong, Biên Hòa", hotline="gọi tôi",
                     signer_title="a\nb\nc\nd")
    fields = {p.field for p in caught.value.problems}
    assert fields == {"official_name", "place_name", "hotline", "signer_title"}
    messages = " ".join(p.message_vi for p in caught.value.problems)
    assert "Cần nhập tên cơ quan" in messages and "Đường dây nóng" in messages


def test_profile_text_is_tidied_and_composed():
    decomposed = unicodedata.normalize("NFD", "UBND phường  Tân   Phong ")
    profile = make_profile("26041", official_name=decomposed, place_name="Tân Phong")
    assert profile.official_name == "UBND phường Tân Phong"
    assert unicodedata.is_normalized("NFC", profile.official_name)
    assert profile.one_stop_unit == "Bộ phận Tiếp nhận và Trả kết quả" and profile.signer_title == "Chủ tịch"
    assert profile.letterhead_left == ("UBND PHƯỜNG TÂN PHONG", "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ")
