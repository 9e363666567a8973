"""Reporting's pure parts, no servers: what each event changes, periods, medians, the two
satisfaction measures, the scorecard, exports and charts."""

import csv
import io
import uuid
from datetime import date

import pytest
from openpyxl import load_workbook

from motcua_reporting.adapters import exports
from motcua_reporting.adapters.storage import month_split, operations
from motcua_reporting.domain.figures import Figures, district_total, median_from_histogram
from motcua_reporting.domain.periods import Granularity, PeriodError, bucket_of, buckets, resolve
from motcua_reporting.domain.projection import effect_of, local_day
from motcua_reporting.domain.scorecard import DEFAULT_CRITERIA, Criterion, assess, meets_standard
from motcua_reporting.entrypoints import charts
from motcua_reporting.entrypoints.http import visible_communes
from motcua_reporting.service_layer import tables
from motcua_runtime.auth import Principal

from services.reporting.tests.events import Dossier, ballot, booking, booking_cancelled, letter, message


def test_a_receipt_counts_in_every_dimension_it_names_and_opens_the_dossier():
    session = uuid.uuid4()
    d = Dossier("26041", 1, "CT-CHUKY", "out_of_hours", "2026-03-15 08:00", "2026-03-16 17:00", "cb2", session)
    effect = effect_of(d.received())
    assert effect.day == "2026-03-15"
    dims = {(c.dim, c.key): c.inc for c in effect.counters}
    assert dims[("all", "")] == {"received": 1, "received_ch_out_of_hours": 1, "received_in_sessions": 1}
    assert set(dims) == {("all", ""), ("field", "chung_thuc"), ("procedure", "CT-CHUKY"),
                         ("channel", "out_of_hours"), ("officer", "cb2"), ("proc_officer", "CT-CHUKY|cb2"),
                         ("session", str(session))}
    assert effect.dossier.set["received_at"] == d.received_at and effect.dossier.max == {"due_at": d.due_at}


def test_a_late_return_without_reschedule_calls_for_an_apology_and_is_timed():
    d = Dossier("26041", 2)
    effect = effect_of(d.returned("2026-03-09 09:00", "late", 4.5))
    inc = effect.counters[0].inc
    assert inc == {"returned": 1, "late": 1, "late_not_rescheduled": 1, "pwd_n": 1, "pwd_sum": 4.5}
    assert effect.counters[0].hist == {"450": 1}
    assert effect.dossier.set["late"] is True and effect.dossier.set["outcome"] == "returned"
    rescheduled = effect_of(d.returned("2026-03-09 09:00", "late", 4.5, rescheduled=True))
    assert "late_not_rescheduled" not in rescheduled.counters[0].inc


def test_ballots_letters_and_messages():
    d = Dossier("26041", 3)
    unhappy = effect_of(d.ballot("2026-03-05 10:00", 2, complaint=True, factors={"officer": 4, "result": 2}))
    assert unhappy.dossier.set["unsatisfied"] is True and unhappy.dossier.set["complained"] is True
    factors = {c.key: c.inc for c in unhappy.counters if c.dim == "factor"}
    assert factors == {"officer": {"ballots": 1, "satisfied": 1}, "result": {"ballots": 1}}
    neutral = effect_of(d.ballot("2026-03-05 10:00", 3))
    assert neutral.dossier is None  # 3 is neither satisfied nor "rated unsatisfied"
    anonymous = effect_of(ballot("26041", "2026-03-05 10:00", 5))
    assert anonymous.dossier is None and anonymous.counters[0].inc == {"ballots": 1, "satisfied": 1}
    birth = effect_of(letter("26041", "2026-03-05 10:00", "congratulation", "life_event", "birth"))
    assert birth.counters[0].inc == {"letters_congratulation": 1, "letters_congratulation_birth": 1}
    assert effect_of(message("26041", "2026-03-05 10:00", "sms", False)).counters[0].inc == {
        "messages_failed": 1, "sms_failed": 1}
    assert effect_of(message("26041", "2026-03-05 10:00", "email", True)).counters[0].inc == {"messages_sent": 1}


def test_session_bookings_count_on_the_day_they_are_made_by_session():
    session = uuid.uuid4()
    # Booked by phone at 23:30 UTC on 31 March = 06:30 local on 1 April, for a session on 5 April.
    booked = booking("26041", "2026-04-01 06:30", session, "2026-04-05")
    effect = effect_of(booked)
    assert effect.commune_code == "26041" and effect.day == "2026-04-01"  # the booking's day, not the session's
    assert {(c.dim, c.key): c.inc for c in effect.counters} == {
        ("all", ""): {"session_bookings": 1}, ("session", str(session)): {"session_bookings": 1}}
    assert effect.dossier is None
    cancelled = effect_of(booking_cancelled(booked, "2026-04-03 20:00", by="officer"))
    assert cancelled.day == "2026-04-03"
    assert {(c.dim, c.key): c.inc for c in cancelled.counters} == {
        ("all", ""): {"session_bookings_cancelled": 1}, ("session", str(session)): {"session_bookings_cancelled": 1}}
    # A session's booking documents carry no receipt: it is not a session held until a dossier comes.
    docs = {op._filter["_id"]: op._doc for op in operations([effect, effect_of(booking("26041", "2026-04-01 09:00",
                                                                                       session, "2026-04-05"))],
                                                            at=booked.occurred_at)[0]}
    assert docs[f"26041|2026-04-01|session|{session}"]["$inc"] == {"c.session_bookings": 2}
    assert docs["26041|2026-04|all@m|"]["$inc"] == {"c.session_bookings": 2}
    # Net booked = booked − cancelled; both beside the out-of-hours figures, with their labels.
    figures = Figures({"session_bookings": 2, "session_bookings_cancelled": 1, "received_in_sessions": 3})
    values = figures.as_dict()
    assert (values["session_bookings"], values["session_bookings_cancelled"]) == (2, 1)
    summary = tables.summary_table(figures)
    labels = [row[0] for row in summary.rows]
    at_ = labels.index("Hồ sơ nhận trong phiên ngoài giờ")
    assert labels[at_ + 1:at_ + 3] == ["Lượt đăng ký phiên ngoài giờ", "Lượt hủy đăng ký phiên ngoài giờ"]
    assert summary.rows[at_ + 1][1] == 2 and summary.rows[at_ + 2][1] == 1
    assert tables.header("session_bookings", "en") == "Out-of-hours session bookings"
    cols = list(tables.COMMUNE_COLUMNS)
    assert cols[cols.index("sessions_held") + 1:cols.index("sessions_held") + 3] == [
        "session_bookings", "session_bookings_cancelled"]


def test_a_batch_merges_increments_per_document():
    d = Dossier("26041", 4)
    effects = [effect_of(d.received()), effect_of(Dossier("26041", 5).received())]
    counter_ops, dossier_ops, commune_ops = operations(effects, at=d.received_at)
    # Two receipts the same day, same procedure, same officer: one update per document (each day's
    # document and its month's roll-up).
    assert len(counter_ops) == 12 and len(dossier_ops) == 2 and len(commune_ops) == 1
    docs = {op._filter["_id"]: op._doc for op in counter_ops}
    assert docs["26041|2026-03-02|all|"]["$inc"]["c.received"] == 2
    assert docs["26041|2026-03|all@m|"]["$inc"]["c.received"] == 2


def test_a_period_reads_whole_months_from_the_roll_ups():
    assert month_split("2026-03-01", "2026-03-31") == [("month", "2026-03", "2026-03")]
    assert month_split("2026-03-15", "2026-05-10") == [("month", "2026-04", "2026-04"),
                                                       ("day", "2026-03-15", "2026-03-31"),
                                                       ("day", "2026-05-01", "2026-05-10")]
    assert month_split("2026-03-15", "2026-03-16") == [("day", "2026-03-15", "2026-03-16")]
    assert month_split("2026-01-01", "2026-12-31") == [("month", "2026-01", "2026-12")]
    assert month_split(None, None) == [("month", None, None)]


def test_local_day_is_vietnam_time():
    from datetime import UTC, datetime

    assert local_day(datetime(2026, 1, 31, 23, 30, tzinfo=UTC)) == "2026-02-01"


def test_periods():
    assert resolve(Granularity.MONTH, date(2026, 2, 14), None, None).last == date(2026, 2, 28)
    q = resolve(Granularity.QUARTER, date(2026, 11, 2), None, None)
    assert (q.first, q.last, q.label()) == (date(2026, 10, 1), date(2026, 12, 31), "Quý 4/2026")
    w = resolve(Granularity.WEEK, date(2026, 11, 22), None, None)  # a Sunday
    assert (w.first, w.last) == (date(2026, 11, 16), date(2026, 11, 22))
    custom = resolve(None, None, date(2026, 3, 15), date(2026, 3, 16))
    assert custom.granularity is Granularity.CUSTOM and custom.label() == "15/03/2026 – 16/03/2026"
    with pytest.raises(PeriodError):
        resolve(None, None, date(2026, 3, 16), date(2026, 3, 15))
    with pytest.raises(PeriodError):
        resolve(None, None, date(2026, 3, 16), None)
    with pytest.raises(PeriodError):  # the last day of the calendar has no "day after"
        resolve(Granularity.YEAR, date(9999, 12, 31), None, None)
    assert bucket_of("2026-03-30", Granularity.WEEK) == "2026-W14"
    assert buckets(resolve(Granularity.YEAR, date(2026, 5, 1), None, None), Granularity.QUARTER) == [
        "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]


def test_median_from_histogram():
    assert median_from_histogram({}) is None
    assert median_from_histogram({"100": 1, "200": 1, "300": 1}) == 2.0
    assert median_from_histogram({"100": 1, "200": 2, "300": 2, "500": 1}) == 2.5
    assert median_from_histogram({"50": 3}) == 0.5


def test_the_two_satisfaction_measures_are_different_figures():
    f = Figures({"ballots": 600, "satisfied": 548, "returned": 535, "early": 432, "on_time": 97, "late": 6},
                {"in_scope_766": 535, "penalised_766": 20})
    assert round(f.ballot_satisfaction_rate, 4) == 0.9133
    assert round(f.satisfaction_index_766, 4) == round(515 / 535, 4)
    assert round(f.on_time_rate, 4) == 0.9888
    assert Figures().satisfaction_index_766 is None and Figures().ballot_satisfaction_rate is None
    total = district_total([f, Figures({"ballots": 400, "satisfied": 400})])
    assert total.ballot_satisfaction_rate == 0.948  # from the sums, not an average of rates


def test_apology_gap():
    f = Figures({"rescheduled": 2, "late": 3, "late_not_rescheduled": 1, "letters_apology": 2})
    assert (f.apologies_expected, f.apology_gap) == (3, 1)


def test_scorecard_meets_only_with_every_criterion():
    good = Figures({"received": 10, "received_online": 4, "returned": 10, "early": 10, "ballots": 10,
                    "satisfied": 10}, {"in_scope_766": 10})
    assert meets_standard(assess(good, DEFAULT_CRITERIA.criteria))
    checks = assess(Figures({"received": 10, "received_online": 2}), DEFAULT_CRITERIA.criteria)
    assert [c.met for c in checks] == [False, False, False, False, True]
    assert checks[1].value is None  # nothing returned: not measurable, not met
    with pytest.raises(ValueError):
        Criterion(metric="nothing", op=">=", threshold=1)


def test_visible_communes():
    overseer = Principal("o", "O", frozenset({"district_overseer"}), ("*",))
    leader = Principal("l", "L", frozenset({"commune_leader"}), ("A",))
    admin = Principal("a", "A", frozenset({"administrator"}), ("*",))
    assert visible_communes(overseer, ["A", "B"], None) == ["A", "B"]
    assert visible_communes(overseer, ["A", "B"], "B,C") == ["B", "C"]
    assert visible_communes(leader, ["A", "B"], None) == ["A"]
    assert visible_communes(leader, ["A", "B"], "B") == []
    assert visible_communes(admin, ["A", "B"], None) == []


def test_exports_keep_vietnamese_headers_and_rates_as_percent():
    f = Figures({"received": 3, "received_online": 1, "ballots": 600, "satisfied": 548})
    table = tables.summary_table(f)
    text = exports.to_csv(table).decode("utf-8")
    assert text.startswith("\ufeffChỉ tiêu,Giá trị")
    rows = dict(list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1:])
    assert rows["Tỷ lệ phiếu hài lòng"] == "0.9133"
    sheet = load_workbook(io.BytesIO(exports.to_xlsx(table, title="Xã A — Tháng 3/2026"))).active
    assert sheet["A1"].value == "Xã A — Tháng 3/2026"
    values = {row[0].value: row[1] for row in sheet.iter_rows(min_row=4)}
    assert values["Tỷ lệ phiếu hài lòng"].value == 0.9133
    assert values["Tỷ lệ phiếu hài lòng"].number_format == "0.0%"
    assert values["Tiếp nhận trong kỳ"].value == 3


def test_a_breakdown_key_with_control_characters_still_exports_to_xlsx():
    """Regression (fuzzing): an officer id with a control character, taken by survey's kiosk and
    counted by reporting, made GET /v1/communes/{c}/exports/officer a 500 (openpyxl refuses it)."""
    table = tables.Table("officer", "officer", tables.BREAKDOWN_COLUMNS,
                         [tables.figure_row("cb\x01-01\x1f", Figures({"received": 2}), tables.BREAKDOWN_COLUMNS)])
    sheet = load_workbook(io.BytesIO(exports.to_xlsx(table, title="Xã A"))).active
    assert sheet["A4"].value == "cb\ufffd-01\ufffd"
    assert sheet["B3"].value == "Tiếp nhận trong kỳ" and sheet["B4"].value == 2
    assert "cb\x01-01" in exports.to_csv(table).decode("utf-8")  # CSV keeps the key as it came


def test_vietnamese_number_format():
    assert tables.format_value(0.9133, "rate") == "91,3 %"
    assert tables.format_value(12345, "count") == "12.345"
    assert tables.format_value(2.5, "days") == "2,5"
    assert tables.format_value(None, "rate") == "—"
    assert tables.format_value(0.9133, "rate", "en") == "91.3 %"


def test_charts_are_inline_svg_with_values():
    svg = charts.bar_chart(["01/2026", "02/2026"], [("Tiếp nhận", [3, 5])], title="Hồ sơ", chart_id="c")
    assert svg.startswith("<svg") and 'data-value="5"' in svg and "http" not in svg.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    lines = charts.rate_chart(["a", "b", "c"], [("x", [0.5, None, 1.0])], title="t", target=0.3)
    assert lines.count("<circle") == 2 and 'class="target"' in lines


def test_a_criterion_threshold_is_a_finite_non_negative_number():
    for threshold in (float("nan"), float("inf"), -0.5, 1e12):
        with pytest.raises(ValueError):
            Criterion(metric="online_share", op=">=", threshold=threshold)
    assert Criterion(metric="apology_gap", op="<=", threshold=0).threshold == 0
