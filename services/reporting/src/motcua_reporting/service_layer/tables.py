"""The tables reporting shows and exports: columns with Vietnamese (and English) headers, rows
from :class:`Figures`. The pages, the CSV and the XLSX exports all come from these."""

from collections.abc import Sequence
from dataclasses import dataclass

from motcua_contracts import Channel

from motcua_reporting.domain.figures import Figures

#: Figure name -> (Vietnamese header, English header, kind). kind: count, rate (0..1), days, text.
LABELS: dict[str, tuple[str, str, str]] = {
    "received": ("Tiếp nhận trong kỳ", "Received in period", "count"),
    "carried_over": ("Kỳ trước chuyển qua", "Carried over", "count"),
    "returned": ("Đã trả kết quả", "Results returned", "count"),
    "early": ("Trước hạn", "Early", "count"),
    "on_time": ("Đúng hạn", "On time", "count"),
    "late": ("Quá hạn", "Late", "count"),
    "pending_not_due": ("Đang giải quyết, chưa đến hạn", "Pending, not yet due", "count"),
    "pending_overdue": ("Đang giải quyết, quá hạn", "Pending, overdue", "count"),
    "withdrawn": ("Công dân rút hồ sơ", "Withdrawn", "count"),
    "refused": ("Từ chối tiếp nhận/giải quyết", "Refused", "count"),
    "transferred": ("Chuyển xã khác", "Transferred", "count"),
    "supplements_requested": ("Yêu cầu bổ sung", "Supplements requested", "count"),
    "rescheduled": ("Hẹn lại ngày trả", "Rescheduled", "count"),
    "on_time_rate": ("Chỉ số đúng hạn (QĐ 766)", "On-time index (Decision 766)", "rate"),
    "average_processing_days": ("Thời gian giải quyết trung bình (ngày làm việc)",
                                "Average processing time (working days)", "days"),
    "median_processing_days": ("Thời gian giải quyết trung vị (ngày làm việc)",
                               "Median processing time (working days)", "days"),
    "processing_days_counted": ("Số hồ sơ tính thời gian", "Dossiers timed", "count"),
    "letters_apology": ("Thư xin lỗi đã gửi", "Apology letters issued", "count"),
    "apologies_expected": ("Thư xin lỗi phải gửi", "Apologies called for", "count"),
    "apology_gap": ("Thư xin lỗi còn thiếu", "Apology letters missing", "count"),
    "letters_congratulation": ("Thư chúc mừng", "Congratulation letters", "count"),
    "letters_congratulation_marriage": ("— chúc mừng kết hôn", "— on a marriage", "count"),
    "letters_congratulation_birth": ("— chúc mừng khai sinh", "— on a birth", "count"),
    "letters_condolence": ("Thư chia buồn", "Condolence letters", "count"),
    "letters_thanks": ("Thư cảm ơn", "Thank-you letters", "count"),
    "sms_sent": ("Tin nhắn SMS đã gửi", "SMS sent", "count"),
    "sms_failed": ("Tin nhắn SMS lỗi", "SMS failed", "count"),
    "sessions_held": ("Phiên ngoài giờ đã tổ chức", "Out-of-hours sessions held", "count"),
    "received_in_sessions": ("Hồ sơ nhận trong phiên ngoài giờ", "Received in out-of-hours sessions", "count"),
    "session_bookings": ("Lượt đăng ký phiên ngoài giờ", "Out-of-hours session bookings", "count"),
    "session_bookings_cancelled": ("Lượt hủy đăng ký phiên ngoài giờ", "Out-of-hours session bookings cancelled",
                                   "count"),
    "returned_at_home": ("Trả kết quả tại nhà", "Returned at home", "count"),
    "returned_free_of_charge": ("Trả tại nhà miễn phí", "Returned free of charge", "count"),
    "assisted": ("Nộp có người hỗ trợ", "Assisted submissions", "count"),
    "received_online": ("Tiếp nhận trực tuyến", "Received online", "count"),
    "online_share": ("Tỷ lệ hồ sơ trực tuyến", "Online share", "rate"),
    "ballots": ("Phiếu đánh giá", "Ballots", "count"),
    "satisfied": ("Phiếu hài lòng", "Satisfied ballots", "count"),
    "ballot_satisfaction_rate": ("Tỷ lệ phiếu hài lòng", "Ballot satisfaction rate", "rate"),
    "in_scope_766": ("Hồ sơ tính chỉ số hài lòng (QĐ 766)", "Dossiers in scope (Decision 766)", "count"),
    "unsatisfied_766": ("— bị đánh giá không hài lòng", "— rated unsatisfied", "count"),
    "complained_766": ("— bị phản ánh, kiến nghị", "— complained about", "count"),
    "late_766": ("— trả quá hạn", "— returned late", "count"),
    "satisfaction_index_766": ("Chỉ số hài lòng (QĐ 766)", "Satisfaction index (Decision 766)", "rate"),
    "feedback_received": ("Phản ánh, kiến nghị nhận được", "Feedback received", "count"),
    "feedback_answered": ("Phản ánh đã trả lời", "Feedback answered", "count"),
    "feedback_answered_on_time": ("Phản ánh trả lời đúng hạn", "Feedback answered on time", "count"),
    "feedback_on_time_rate": ("Tỷ lệ phản ánh xử lý đúng hạn", "Feedback handled on time", "rate"),
    **{f"received_ch_{c.value}": (f"Nhận: {vi}", f"Received: {en}", "count") for c, vi, en in (
        (Channel.COUNTER, "tại quầy", "counter"), (Channel.ONLINE, "trực tuyến", "online"),
        (Channel.POST, "bưu chính", "post"), (Channel.OUT_OF_HOURS, "phiên ngoài giờ", "out-of-hours session"),
        (Channel.AT_HOME, "tại nhà", "at home"), (Channel.ASSISTED, "trực tuyến có hỗ trợ", "assisted online"))},
}

#: The summary of a commune or the district, in reading order.
SUMMARY = (
    "carried_over", "received", "returned", "early", "on_time", "late", "pending_not_due", "pending_overdue",
    "withdrawn", "refused", "transferred", "supplements_requested", "rescheduled", "on_time_rate",
    "average_processing_days", "median_processing_days",
    "letters_apology", "apologies_expected", "apology_gap", "letters_congratulation",
    "letters_congratulation_marriage", "letters_congratulation_birth", "letters_condolence", "letters_thanks",
    "sms_sent", "sms_failed", "sessions_held", "received_in_sessions", "session_bookings",
    "session_bookings_cancelled", "returned_at_home", "assisted", "received_online", "online_share",
    "ballots", "satisfied", "ballot_satisfaction_rate",
    "in_scope_766", "unsatisfied_766", "complained_766", "late_766", "satisfaction_index_766",
    "feedback_received", "feedback_answered", "feedback_answered_on_time", "feedback_on_time_rate",
)

#: Columns of the communes-side-by-side table.
COMMUNE_COLUMNS = (
    "carried_over", "received", "returned", "early", "on_time", "late", "pending_overdue", "on_time_rate",
    "online_share", "sessions_held", "session_bookings", "session_bookings_cancelled", "returned_at_home", "letters_apology", "apology_gap",
    "ballot_satisfaction_rate", "satisfaction_index_766", "feedback_on_time_rate",
)

#: Columns of a dimension's breakdown (counters only: what each event carries).
BREAKDOWN_COLUMNS = (
    "received", "returned", "early", "on_time", "late", "on_time_rate", "refused", "withdrawn",
    "supplements_requested", "rescheduled", "average_processing_days", "median_processing_days",
    "ballots", "satisfied", "ballot_satisfaction_rate",
)
FACTOR_COLUMNS = ("ballots", "satisfied", "ballot_satisfaction_rate")
CHANNEL_COLUMNS = ("received", "returned", "early", "on_time", "late", "on_time_rate", "refused", "withdrawn")
TREND_COLUMNS = ("received", "returned", "early", "on_time", "late", "on_time_rate", "received_online",
                 "online_share", "ballots", "satisfied", "ballot_satisfaction_rate")

DIMENSION_LABELS: dict[str, tuple[str, str]] = {
    "commune": ("Xã/phường", "Commune"),
    "channel": ("Kênh tiếp nhận", "Channel"),
    "field": ("Lĩnh vực", "Field"),
    "procedure": ("Thủ tục", "Procedure"),
    "officer": ("Cán bộ", "Officer"),
    "campaign": ("Đợt khảo sát", "Survey campaign"),
    "factor": ("Tiêu chí đánh giá", "Survey factor"),
    "bucket": ("Kỳ", "Period"),
    "figure": ("Chỉ tiêu", "Figure"),
    "value": ("Giá trị", "Value"),
}

FACTOR_LABELS = {"access": ("Tiếp cận dịch vụ", "Access"), "procedure": ("Thủ tục hành chính", "Procedure"),
                 "officer": ("Công chức", "Officer"), "result": ("Kết quả", "Result"),
                 "feedback": ("Tiếp nhận, xử lý phản ánh", "Feedback handling")}
CHANNEL_LABELS = {c: (LABELS[f"received_ch_{c.value}"][0].removeprefix("Nhận: ").capitalize(),
                      LABELS[f"received_ch_{c.value}"][1].removeprefix("Received: ").capitalize()) for c in Channel}


def header(name: str, lang: str = "vi") -> str:
    if name in DIMENSION_LABELS:
        return DIMENSION_LABELS[name][0 if lang == "vi" else 1]
    vi, en, _ = LABELS[name]
    return vi if lang == "vi" else en


def kind(name: str) -> str:
    return LABELS[name][2] if name in LABELS else "text"


@dataclass
class Table:
    """A table: a first (label) column, then figure columns; rows of plain values."""

    name: str
    label_column: str
    columns: Sequence[str]
    rows: list[list]
    #: Per-row kind of the value column (the summary: one figure per row), else per column.
    row_kinds: list[str] | None = None

    def headers(self, lang: str = "vi") -> list[str]:
        return [header(self.label_column, lang)] + [header(c, lang) for c in self.columns]

    def kinds(self) -> list[str]:
        return ["text"] + [kind(c) for c in self.columns]


def figure_row(label: str, figures: Figures, columns: Sequence[str]) -> list:
    values = figures.as_dict()
    return [label] + [values[c] for c in columns]


def summary_table(figures: Figures, lang: str = "vi") -> Table:
    values = figures.as_dict()
    return Table("summary", "figure", ("value",), [[header(n, lang), values[n]] for n in SUMMARY],
                 row_kinds=[kind(n) for n in SUMMARY])


def format_value(v, kind_: str, lang: str = "vi") -> str:
    """How a value reads on a page: 91,3 % ; 2,5 ; 1.234 (Vietnamese separators)."""
    if v is None:
        return "—"
    if kind_ == "rate":
        text = f"{v * 100:.1f} %"
    elif kind_ == "days":
        text = f"{v:.2f}".rstrip("0").rstrip(".")
    elif kind_ == "count":
        text = f"{int(v):,}"
    else:
        return str(v)
    if lang == "vi":
        text = text.replace(",", "\u0001").replace(".", ",").replace("\u0001", ".")
    return text
