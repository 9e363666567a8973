"""What each printed form shows. Pure: no I/O, no clock (``now`` and the time zone are passed in).

The forms of the one-stop shop (Thông tư 01/2018/TT-VPCP, appendix):
01 receipt and appointment slip, 02 request to supplement, 03 refusal, 04 apology and new
appointment, 05 control slip (one row per hand-over, early / on time / late), 06 tracking
ledger. Each form is built here as a :class:`Document` — a letterhead, a title and a few
kinds of blocks (paragraphs, tables, signatures, the lookup QR box) — and the HTML template
and the PDF writer only lay that out. So the browser print and the PDF say the same thing,
and the wording of a form lives in one file.

Personal data: the full ID number is never printed (masked); the phone is masked too. The
applicant's name and address appear on the forms addressed to the applicant.
"""

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import ClassVar
from urllib.parse import quote

from motcua_contracts import Channel, Timeliness

from motcua_intake.domain.communes import CommuneProfile, vietnamese_date
from motcua_intake.domain.model import STATUS_VI, Dossier, Status
from motcua_runtime.yearly_calendar import WEEKDAYS_VI

# --------------------------------------------------------------------------- the forms (verify)

#: The legal basis printed under each form number. (verify) Circular 01/2018/TT-VPCP guides
#: Decree 61/2018; Decree 118/2025/NĐ-CP replaced Decrees 61/2018 and 107/2021 from 1 Jul 2025
#: and may come with new form numbers or titles: change them here, and only here.
LEGAL_BASIS = "Thông tư 01/2018/TT-VPCP (verify: Nghị định 118/2025/NĐ-CP)"


class FormNumber(StrEnum):
    RECEIPT = "01"
    SUPPLEMENT_REQUEST = "02"
    REFUSAL = "03"
    APOLOGY = "04"
    CONTROL_SLIP = "05"
    LEDGER = "06"


@dataclass(frozen=True)
class FormSpec:
    number: FormNumber
    #: The form's title in sentence case; printed in capitals as the heading.
    title: str
    #: The number printed in the corner ("Mẫu số 01").
    label: str
    #: A short slug for file names.
    slug: str


#: (verify) Titles and numbers of Circular 01/2018/TT-VPCP; see ``LEGAL_BASIS``.
FORMS: dict[FormNumber, FormSpec] = {
    FormNumber.RECEIPT: FormSpec(FormNumber.RECEIPT, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
                                 "Mẫu số 01", "giay-tiep-nhan"),
    FormNumber.SUPPLEMENT_REQUEST: FormSpec(FormNumber.SUPPLEMENT_REQUEST,
                                            "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", "Mẫu số 02",
                                            "phieu-yeu-cau-bo-sung"),
    FormNumber.REFUSAL: FormSpec(FormNumber.REFUSAL, "Phiếu từ chối tiếp nhận giải quyết hồ sơ", "Mẫu số 03",
                                 "phieu-tu-choi"),
    FormNumber.APOLOGY: FormSpec(FormNumber.APOLOGY, "Phiếu xin lỗi và hẹn lại ngày trả kết quả", "Mẫu số 04",
                                 "phieu-xin-loi"),
    FormNumber.CONTROL_SLIP: FormSpec(FormNumber.CONTROL_SLIP, "Phiếu kiểm soát quá trình giải quyết hồ sơ",
                                      "Mẫu số 05", "phieu-kiem-soat"),
    FormNumber.LEDGER: FormSpec(FormNumber.LEDGER, "Sổ theo dõi hồ sơ", "Mẫu số 06", "so-theo-doi"),
}

#: Forms printed for one dossier (06 is the ledger of a period).
DOSSIER_FORMS = (FormNumber.RECEIPT, FormNumber.SUPPLEMENT_REQUEST, FormNumber.REFUSAL, FormNumber.APOLOGY,
                 FormNumber.CONTROL_SLIP)

MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")

CHANNEL_VI = {
    Channel.COUNTER: "trực tiếp tại Bộ phận Một cửa",
    Channel.ONLINE: "trực tuyến",
    Channel.POST: "qua dịch vụ bưu chính công ích",
    Channel.OUT_OF_HOURS: "tại phiên tiếp nhận ngoài giờ hành chính",
    Channel.AT_HOME: "tại nhà",
    Channel.ASSISTED: "trực tuyến có hỗ trợ",
}

TIMELINESS_VI = {Timeliness.EARLY: "trước hạn", Timeliness.ON_TIME: "đúng hạn", Timeliness.LATE: "quá hạn"}


# --------------------------------------------------------------------------- errors


class FormError(Exception):
    code = "form_error"

    def __init__(self, message_vi: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_vi, self.message_en = message_vi, message_en


class UnknownForm(FormError):
    code = "form_not_found"


class FormNotAvailable(FormError):
    """The form exists, but not for a dossier in this state (no supplement asked, not refused…)."""

    code = "form_not_available"


class InvalidPeriod(FormError):
    code = "invalid_period"


# --------------------------------------------------------------------------- the document


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False


Text = tuple[Run, ...]


def text(*parts: "str | Run") -> Text:
    """A line of text from plain strings and emphasised runs; empty parts are dropped."""
    return tuple(Run(_nfc(p)) if isinstance(p, str) else Run(_nfc(p.text), p.bold, p.italic)
                 for p in parts if (p if isinstance(p, str) else p.text))


def b(value: str) -> Run:
    return Run(value, bold=True)


def i(value: str) -> Run:
    return Run(value, italic=True)


@dataclass(frozen=True)
class Paragraph:
    kind: ClassVar[str] = "paragraph"
    runs: Text
    align: str = "justify"  # left | center | right | justify
    small: bool = False
    #: Space before, in lines (a new section of the form).
    space_before: bool = False


@dataclass(frozen=True)
class Column:
    header: str
    #: Share of the width (relative to the other columns).
    weight: float
    align: str = "left"


@dataclass(frozen=True)
class Table:
    kind: ClassVar[str] = "table"
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    #: Shown in one row across the table when there are no rows.
    empty_text: str = "(không có)"
    small: bool = False


@dataclass(frozen=True)
class Signature:
    title_lines: tuple[str, ...]
    note: str = "(Ký và ghi rõ họ tên)"
    name: str = ""


@dataclass(frozen=True)
class Signatures:
    kind: ClassVar[str] = "signatures"
    blocks: tuple[Signature, ...]


@dataclass(frozen=True)
class LookupBox:
    """The QR code of the citizen lookup page, with how to look the dossier up."""

    kind: ClassVar[str] = "lookup"
    qr_payload: str
    lines: tuple[Text, ...]


Block = Paragraph | Table | Signatures | LookupBox


@dataclass(frozen=True)
class Letterhead:
    #: The body block on the left: 'UBND PHƯỜNG TÂN PHONG' / 'BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ'.
    left: tuple[str, ...]
    #: The place-and-date line under the motto, e.g. 'Tân Phong, ngày 22 tháng 11 năm 2026'.
    date_line: str
    right: tuple[str, ...] = MOTTO


@dataclass(frozen=True)
class Document:
    form: FormSpec
    letterhead: Letterhead
    subtitle: tuple[Text, ...]
    blocks: tuple[Block, ...]
    #: Footer of every page, e.g. 'Mẫu số 01 · Giấy tiếp nhận hồ sơ và hẹn trả kết quả · Mã hồ sơ …'.
    footer: str
    #: File name without extension, e.g. 'TP-261122-0001-giay-tiep-nhan'.
    file_stem: str
    landscape: bool = False
    legal_basis: str = LEGAL_BASIS

    @property
    def title(self) -> str:
        return self.form.title.upper()


# --------------------------------------------------------------------------- small rules


def _nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def mask_id_number(id_number: str | None) -> str | None:
    """'001190012345' -> '*********345': as in logs, only the last three digits."""
    if not id_number:
        return None
    return "*" * max(len(id_number) - 3, 0) + id_number[-3:]


def lookup_url(public_base_url: str, dossier_code: str) -> str:
    """The citizen lookup page of a dossier: what the receipt's QR code holds."""
    return f"{public_base_url.rstrip('/')}/tra-cuu?ma={quote(dossier_code, safe='')}"


def _local(moment: datetime, tz: tzinfo) -> datetime:
    return moment.astimezone(tz)


def time_and_date(moment: datetime, tz: tzinfo, *, weekday: bool = False) -> str:
    """'08 giờ 30 phút, ngày 22 tháng 11 năm 2026' (the forms' own wording), optionally with
    the weekday: '17 giờ 00 phút, thứ Sáu, ngày 27 tháng 11 năm 2026'."""
    local = _local(moment, tz)
    day = f"{WEEKDAYS_VI[local.weekday()]}, " if weekday else ""
    return f"{local:%H} giờ {local:%M} phút, {day}{vietnamese_date(local.date())}"


def short_time(moment: datetime | None, tz: tzinfo) -> str:
    """'22/11/2026 08:30' for tables."""
    return f"{_local(moment, tz):%d/%m/%Y %H:%M}" if moment else ""


def short_date(moment: datetime | None, tz: tzinfo) -> str:
    return f"{_local(moment, tz):%d/%m/%Y}" if moment else ""


def _money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


def _letterhead(profile: CommuneProfile, day: date) -> Letterhead:
    return Letterhead(left=profile.letterhead_left, date_line=profile.date_line(day))


def _unit_of(profile: CommuneProfile) -> str:
    """'Bộ phận Tiếp nhận và Trả kết quả UBND phường Tân Phong'."""
    return f"{profile.one_stop_unit} {profile.official_name}"


def _code_line(dossier: Dossier) -> Text:
    return text("Mã hồ sơ: ", b(dossier.code))


def _footer(spec: FormSpec, dossier_code: str | None = None, printed: str = "") -> str:
    parts = [spec.label, spec.title]
    if dossier_code:
        parts.append(f"Mã hồ sơ {dossier_code}")
    if printed:
        parts.append(printed)
    return " · ".join(parts)


def _stem(dossier: Dossier, spec: FormSpec) -> str:
    return f"{dossier.code}-{spec.number.value}-{spec.slug}"


def _applicant_line(dossier: Dossier) -> Text:
    return text("Ông/Bà: ", b(dossier.applicant.full_name))


def _request_line(dossier: Dossier) -> Text:
    procedure = dossier.procedure
    return text("Nội dung yêu cầu giải quyết: ", b(procedure.name),
                f" (lĩnh vực {procedure.field_name}; mã thủ tục {procedure.code}).")


# --------------------------------------------------------------------------- which forms exist


def available_forms(dossier: Dossier) -> tuple[FormNumber, ...]:
    """The forms that can be printed for the dossier now, in number order."""
    return tuple(n for n in DOSSIER_FORMS if why_unavailable(dossier, n) is None)


def why_unavailable(dossier: Dossier, number: FormNumber) -> FormNotAvailable | None:
    """None when the form can be printed for the dossier now; else the reason, as an error."""
    code = dossier.code
    if number is FormNumber.SUPPLEMENT_REQUEST and dossier.supplement_requested_at is None:
        return FormNotAvailable(
            f"Hồ sơ {code} chưa có yêu cầu bổ sung, hoàn thiện nên không có Phiếu yêu cầu bổ sung (Mẫu số 02).",
            f"No supplement was requested for dossier {code}: there is no form 02.")
    if number is FormNumber.REFUSAL and dossier.status is not Status.REFUSED:
        return FormNotAvailable(
            f"Hồ sơ {code} không bị từ chối (đang ở trạng thái “{STATUS_VI[dossier.status]}”) nên không có "
            "Phiếu từ chối (Mẫu số 03).",
            f"Dossier {code} was not refused ({dossier.status.value}): there is no form 03.")
    if number is FormNumber.APOLOGY and not dossier.reschedules:
        return FormNotAvailable(
            f"Hồ sơ {code} chưa phải hẹn lại ngày trả kết quả nên không có Phiếu xin lỗi (Mẫu số 04).",
            f"Dossier {code} was never rescheduled: there is no form 04.")
    return None


def parse_form_number(value: str) -> FormNumber:
    """'01'…'05' (also '1'…'5'); anything else is not a form of a dossier."""
    normalised = value.strip().zfill(2)
    try:
        number = FormNumber(normalised)
    except ValueError:
        number = None
    if number is None or number not in DOSSIER_FORMS:
        raise UnknownForm(
            f"Không có mẫu phiếu “{value}” cho hồ sơ; các mẫu là 01, 02, 03, 04, 05 (Sổ theo dõi 06 in theo kỳ).",
            f"There is no form '{value}' for a dossier; the forms are 01–05 (the ledger 06 is printed per period).")
    return number


def build_form(
    number: FormNumber,
    dossier: Dossier,
    profile: CommuneProfile,
    *,
    tz: tzinfo,
    now: datetime,
    public_base_url: str,
    reschedule: int | None = None,
) -> Document:
    """The form ``number`` of the dossier, or :class:`FormNotAvailable` saying why not."""
    reason = why_unavailable(dossier, number)
    if reason is not None:
        raise reason
    match number:
        case FormNumber.RECEIPT:
            return receipt(dossier, profile, tz=tz, public_base_url=public_base_url)
        case FormNumber.SUPPLEMENT_REQUEST:
            return supplement_request(dossier, profile, tz=tz)
        case FormNumber.REFUSAL:
            return refusal(dossier, profile, tz=tz)
        case FormNumber.APOLOGY:
            return apology(dossier, profile, tz=tz, which=reschedule)
        case FormNumber.CONTROL_SLIP:
            return control_slip(dossier, profile, tz=tz, now=now)
    raise UnknownForm(f"Không có mẫu phiếu {number}.", f"There is no form {number}.")


# --------------------------------------------------------------------------- 01 receipt


def original_appointment(dossier: Dossier) -> datetime:
    """The appointment the receipt promised: before any reschedule."""
    return dossier.reschedules[0].previous_appointment_at if dossier.reschedules else dossier.appointment_at


def receipt(dossier: Dossier, profile: CommuneProfile, *, tz: tzinfo, public_base_url: str) -> Document:
    spec = FORMS[FormNumber.RECEIPT]
    procedure, applicant = dossier.procedure, dossier.applicant
    who: list[Block] = [
        Paragraph(text(_unit_of(profile), " đã tiếp nhận hồ sơ của:")),
        Paragraph(_applicant_line(dossier)),
    ]
    identity = [f"Số định danh cá nhân/CCCD: {mask_id_number(applicant.id_number)}" if applicant.id_number else "",
                f"Số điện thoại: {applicant.masked_phone()}" if applicant.phone else ""]
    if any(identity):
        who.append(Paragraph(text("; ".join(part for part in identity if part) + ".")))
    if applicant.address:
        who.append(Paragraph(text("Địa chỉ: ", applicant.address)))
    who.append(Paragraph(_request_line(dossier)))
    who.append(Paragraph(text(f"Hình thức nộp: {CHANNEL_VI.get(dossier.channel, dossier.channel.value)}.")))

    documents = Table(
        columns=(Column("STT", 1, "center"), Column("Tên giấy tờ", 10), Column("Số lượng", 2, "center")),
        rows=tuple((str(n), name, "01") for n, name in enumerate(procedure.required_documents, start=1)),
        empty_text="Theo danh mục thành phần hồ sơ của thủ tục",
    )
    promised = original_appointment(dossier)
    numbered: list[Block] = [
        Paragraph(text(b("1. Thành phần hồ sơ nộp gồm:")), space_before=True),
        documents,
        Paragraph(text("2. Số lượng hồ sơ: ", b("01"), " (bộ)."), space_before=True),
        Paragraph(text(f"3. Thời gian giải quyết hồ sơ theo quy định: {procedure.processing_time_text.lower()}.")),
        Paragraph(text("4. Thời gian nhận hồ sơ: ", time_and_date(dossier.received_at, tz), ".")),
        Paragraph(text("5. Thời gian trả kết quả giải quyết hồ sơ: ",
                       b(time_and_date(promised, tz, weekday=True)), ".")),
        Paragraph(text("6. Nhận kết quả tại: ", profile.one_stop_unit,
                       f", {profile.address}" if profile.address else f", {profile.official_name}",
                       " (hoặc theo hình thức đã đăng ký).")),
    ]
    if procedure.fee_vnd:
        # The amount only: the catalogue's fee note is for officers (it carries "(verify)" marks).
        numbered.append(Paragraph(text(f"7. Phí, lệ phí: {_money(procedure.fee_vnd)}.")))
    if dossier.reschedules:
        latest = dossier.reschedules[-1]
        numbered.append(Paragraph(text(i("Ngày hẹn trả đã được điều chỉnh: "),
                                       b(time_and_date(latest.new_appointment_at, tz, weekday=True)),
                                       i(" (xem Phiếu xin lỗi và hẹn lại ngày trả kết quả).")), small=True))
    if dossier.status is Status.SUPPLEMENT_REQUESTED:
        numbered.append(Paragraph(text(i("Hồ sơ đang chờ bổ sung: thời hạn giải quyết tạm dừng đến khi Ông/Bà "
                                         "nộp đủ giấy tờ (xem Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ).")),
                                  small=True))

    url = lookup_url(public_base_url, dossier.code)
    lookup_lines = [
        text(b("Tra cứu tình trạng hồ sơ:"), " quét mã QR bằng điện thoại hoặc truy cập"),
        text(url),
        text("Mã hồ sơ: ", b(dossier.code)),
    ]
    if profile.hotline:
        lookup_lines.append(text("Đường dây nóng: ", b(profile.hotline)))
    blocks = (
        *who,
        *numbered,
        LookupBox(qr_payload=url, lines=tuple(lookup_lines)),
        Signatures((
            Signature(("NGƯỜI NỘP HỒ SƠ",), name=applicant.full_name),
            Signature(("NGƯỜI TIẾP NHẬN HỒ SƠ",)),
        )),
    )
    return Document(
        form=spec,
        letterhead=_letterhead(profile, _local(dossier.received_at, tz).date()),
        subtitle=(_code_line(dossier),),
        blocks=blocks,
        footer=_footer(spec, dossier.code),
        file_stem=_stem(dossier, spec),
    )


# --------------------------------------------------------------------------- 02 supplement request


def supplement_request(dossier: Dossier, profile: CommuneProfile, *, tz: tzinfo) -> Document:
    spec = FORMS[FormNumber.SUPPLEMENT_REQUEST]
    assert dossier.supplement_requested_at is not None
    requested = dossier.supplement_requested_at
    hotline = f" theo số điện thoại {profile.hotline}" if profile.hotline else ""
    blocks: list[Block] = [
        Paragraph(text(_unit_of(profile), " tiếp nhận hồ sơ của:")),
        Paragraph(_applicant_line(dossier)),
        Paragraph(_request_line(dossier)),
        Paragraph(text("Thời gian nhận hồ sơ: ", time_and_date(dossier.received_at, tz), ".")),
        Paragraph(text("Sau khi nghiên cứu, xem xét thành phần hồ sơ, ", profile.one_stop_unit,
                       " đề nghị Ông/Bà bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:"), space_before=True),
        *(Paragraph(text(f"{n}. ", b(item))) for n, item in enumerate(dossier.missing_items, start=1)),
        Paragraph(text("Lý do: hồ sơ chưa đầy đủ, hợp lệ theo quy định của thủ tục hành chính."),
                  space_before=True),
        Paragraph(text(f"Thời hạn giải quyết hồ sơ tạm dừng từ {short_time(requested, tz)} cho đến khi Ông/Bà "
                       "nộp đủ các nội dung trên; thời gian còn lại được tính tiếp từ ngày bổ sung. "
                       "Mọi nội dung cần bổ sung được nêu đầy đủ trong phiếu này, một lần duy nhất.")),
    ]
    if dossier.supplemented_at:
        blocks.append(Paragraph(text(i(f"Ông/Bà đã bổ sung hồ sơ lúc {short_time(dossier.supplemented_at, tz)}.")),
                                small=True))
    blocks += [
        Paragraph(text("Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, Ông/Bà liên hệ ",
                       profile.one_stop_unit, hotline, " để được hướng dẫn.")),
        Paragraph(text(i("Xin trân trọng cảm ơn!")), align="center", space_before=True),
        Signatures((Signature(("NGƯỜI HƯỚNG DẪN",)),)),
    ]
    return Document(
        form=spec,
        letterhead=_letterhead(profile, _local(requested, tz).date()),
        subtitle=(_code_line(dossier),),
        blocks=tuple(blocks),
        footer=_footer(spec, dossier.code),
        file_stem=_stem(dossier, spec),
    )


# --------------------------------------------------------------------------- 03 refusal


def _official_signature(profile: CommuneProfile, note: str = "(Ký, ghi rõ họ tên và đóng dấu)") -> Signature:
    return Signature(profile.signer_title_lines, note=note, name=profile.signer_name)


def refusal(dossier: Dossier, profile: CommuneProfile, *, tz: tzinfo) -> Document:
    spec = FORMS[FormNumber.REFUSAL]
    assert dossier.closed_at is not None and dossier.closed_reason
    blocks = (
        Paragraph(text(_unit_of(profile), " tiếp nhận hồ sơ của:")),
        Paragraph(_applicant_line(dossier)),
        Paragraph(_request_line(dossier)),
        Paragraph(text("Thời gian nhận hồ sơ: ", time_and_date(dossier.received_at, tz), ".")),
        Paragraph(text("Qua xem xét, ", profile.official_name,
                       " thông báo không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:"),
                  space_before=True),
        Paragraph(text(b(dossier.closed_reason))),
        Paragraph(text("Xin thông báo để Ông/Bà được biết và thực hiện./.")),
        Signatures((_official_signature(profile),)),
    )
    return Document(
        form=spec,
        letterhead=_letterhead(profile, _local(dossier.closed_at, tz).date()),
        subtitle=(_code_line(dossier),),
        blocks=blocks,
        footer=_footer(spec, dossier.code),
        file_stem=_stem(dossier, spec),
    )


# --------------------------------------------------------------------------- 04 apology


def apology(dossier: Dossier, profile: CommuneProfile, *, tz: tzinfo, which: int | None = None) -> Document:
    """The apology for one reschedule: the latest, or ``which`` (1 = the first)."""
    spec = FORMS[FormNumber.APOLOGY]
    count = len(dossier.reschedules)
    if which is not None and not 1 <= which <= count:
        raise FormNotAvailable(
            f"Hồ sơ {dossier.code} đã hẹn lại {count} lần; không có lần hẹn lại thứ {which}.",
            f"Dossier {dossier.code} was rescheduled {count} time(s); there is no reschedule {which}.")
    entry = dossier.reschedules[(which or count) - 1]
    body = profile.official_name
    blocks = (
        Paragraph(text("Kính gửi: Ông/Bà ", b(dossier.applicant.full_name)), align="center"),
        Paragraph(text(f"Ngày {short_date(dossier.received_at, tz)}, ", _unit_of(profile),
                       " tiếp nhận giải quyết hồ sơ của Ông/Bà, mã hồ sơ ", b(dossier.code),
                       ", nội dung yêu cầu giải quyết: ", b(dossier.procedure.name), "."), space_before=True),
        Paragraph(text("Thời gian hẹn trả kết quả giải quyết hồ sơ: ",
                       time_and_date(entry.previous_appointment_at, tz, weekday=True), ".")),
        Paragraph(text("Tuy nhiên, ", body, " không thể trả kết quả giải quyết hồ sơ của Ông/Bà đúng thời gian "
                       "đã hẹn.")),
        Paragraph(text("Lý do: ", b(entry.reason))),
        Paragraph(text("Sự chậm trễ này đã gây phiền hà cho Ông/Bà. ", body,
                       " thành thật xin lỗi Ông/Bà vì sự bất tiện này.")),
        Paragraph(text(body, " xin hẹn trả kết quả giải quyết hồ sơ cho Ông/Bà vào: ",
                       b(time_and_date(entry.new_appointment_at, tz, weekday=True)), ".")),
        Paragraph(text(i("Rất mong nhận được sự thông cảm của Ông/Bà!")), align="center", space_before=True),
        Signatures((_official_signature(profile, "(Ký tên, đóng dấu)"),)),
    )
    subtitle = [_code_line(dossier)]
    if count > 1:
        subtitle.append(text(i(f"(Lần hẹn lại thứ {which or count} / {count})")))
    return Document(
        form=spec,
        letterhead=_letterhead(profile, _local(entry.rescheduled_at, tz).date()),
        subtitle=tuple(subtitle),
        blocks=blocks,
        footer=_footer(spec, dossier.code),
        file_stem=_stem(dossier, spec) + (f"-lan-{which}" if which else ""),
    )


# --------------------------------------------------------------------------- 05 control slip


@dataclass(frozen=True)
class ControlSlipRow:
    """One step of the dossier's way: a hand-over (with its own due time and whether the
    receiving body met it), or a milestone of the counter (receipt, supplement, apology, return)."""

    step: str
    at: datetime
    due_at: datetime | None = None
    completed_at: datetime | None = None
    timeliness: Timeliness | None = None
    #: What the result column says: 'Trước hạn', 'Đúng hạn', 'Quá hạn', 'Đang xử lý', …
    result: str = ""
    note: str = ""
    is_handover: bool = False


def control_slip_rows(dossier: Dossier, profile: CommuneProfile, *, tz: tzinfo, now: datetime) -> tuple[ControlSlipRow, ...]:
    rows: list[ControlSlipRow] = [
        ControlSlipRow(f"Tiếp nhận hồ sơ: {profile.one_stop_unit}", dossier.received_at, due_at=dossier.due_at,
                       result="Đã tiếp nhận", note=f"Hẹn trả {short_time(original_appointment(dossier), tz)}"),
    ]
    if dossier.supplement_requested_at:
        rows.append(ControlSlipRow("Yêu cầu bổ sung, hoàn thiện hồ sơ", dossier.supplement_requested_at,
                                   result="Tạm dừng thời hạn",
                                   note="; ".join(dossier.missing_items)))
    if dossier.supplemented_at:
        rows.append(ControlSlipRow("Nhận hồ sơ bổ sung", dossier.supplemented_at, result="Tính tiếp thời hạn"))
    for handover in dossier.handovers:
        if handover.completed_at is not None and handover.timeliness is not None:
            result = TIMELINESS_VI[handover.timeliness].capitalize()
            note = f"Hoàn thành {short_time(handover.completed_at, tz)}"
        elif dossier.is_active and now > handover.step_due_at:
            result, note = "Đang xử lý, quá hạn", ""
        elif dossier.is_active:
            result, note = "Đang xử lý", ""
        else:
            result, note = "", STATUS_VI[dossier.status].capitalize()
        rows.append(ControlSlipRow(
            f"Giao: {handover.from_body}\nNhận: {handover.to_body}", handover.handed_at,
            due_at=handover.step_due_at, completed_at=handover.completed_at, timeliness=handover.timeliness,
            result=result, note=note, is_handover=True,
        ))
    for n, entry in enumerate(dossier.reschedules, start=1):
        rows.append(ControlSlipRow("Hẹn lại ngày trả kết quả (Phiếu xin lỗi)", entry.rescheduled_at,
                                   due_at=entry.new_appointment_at, result="Đã xin lỗi",
                                   note=f"Lần {n}: {entry.reason}"))
    if dossier.result_ready_at:
        rows.append(ControlSlipRow("Có kết quả giải quyết", dossier.result_ready_at, due_at=dossier.due_at,
                                   result="Chờ trả kết quả"))
    if dossier.returned_at and dossier.timeliness:
        rows.append(ControlSlipRow("Trả kết quả cho Ông/Bà " + dossier.applicant.full_name, dossier.returned_at,
                                   due_at=dossier.due_at, timeliness=dossier.timeliness,
                                   result=TIMELINESS_VI[dossier.timeliness].capitalize()))
    if dossier.closed_at and dossier.status in (Status.REFUSED, Status.WITHDRAWN, Status.TRANSFERRED):
        rows.append(ControlSlipRow(STATUS_VI[dossier.status].capitalize(), dossier.closed_at,
                                   result=STATUS_VI[dossier.status].capitalize(), note=dossier.closed_reason or ""))
    # Stable: a hand-over and a milestone at the same instant keep the order above.
    return tuple(sorted(rows, key=lambda row: row.at))


def control_slip(dossier: Dossier, profile: CommuneProfile, *, tz: tzinfo, now: datetime) -> Document:
    spec = FORMS[FormNumber.CONTROL_SLIP]
    rows = control_slip_rows(dossier, profile, tz=tz, now=now)
    table = Table(
        columns=(Column("STT", 1.6, "center"), Column("Cơ quan, bộ phận giao – nhận", 7),
                 Column("Thời gian giao, nhận", 3.4, "center"), Column("Hạn xử lý", 3.4, "center"),
                 Column("Kết quả (trước hạn / đúng hạn / quá hạn)", 3.6, "center"),
                 Column("Ghi chú", 4.5), Column("Ký nhận", 2.6)),
        rows=tuple((str(n), row.step, short_time(row.at, tz), short_time(row.due_at, tz), row.result, row.note, "")
                   for n, row in enumerate(rows, start=1)),
        small=True,
    )
    handovers = [row for row in rows if row.is_handover and row.timeliness]
    counts = {t: sum(1 for row in handovers if row.timeliness is t) for t in Timeliness}
    blocks = (
        Paragraph(text("Kèm theo hồ sơ của: ", b(dossier.applicant.full_name))),
        Paragraph(_request_line(dossier)),
        Paragraph(text("Cơ quan, bộ phận đang giải quyết: ",
                       dossier.handling_body or dossier.procedure.handling_body_name, ".")),
        Paragraph(text("Thời gian nhận hồ sơ: ", short_time(dossier.received_at, tz),
                       "; thời hạn giải quyết: ", b(short_time(dossier.due_at, tz)),
                       "; ngày hẹn trả kết quả: ", b(short_time(dossier.appointment_at, tz)), ".")),
        Paragraph(text("Trạng thái: ", b(STATUS_VI[dossier.status]), ".")),
        table,
        Paragraph(text(f"Các bước luân chuyển đã hoàn thành: {len(handovers)} — trước hạn "
                       f"{counts[Timeliness.EARLY]}, đúng hạn {counts[Timeliness.ON_TIME]}, "
                       f"quá hạn {counts[Timeliness.LATE]}."), small=True),
    )
    return Document(
        form=spec,
        letterhead=_letterhead(profile, _local(dossier.received_at, tz).date()),
        subtitle=(_code_line(dossier),),
        blocks=blocks,
        footer=_footer(spec, dossier.code, f"In {short_time(now, tz)}"),
        file_stem=_stem(dossier, spec),
    )


# --------------------------------------------------------------------------- 06 ledger

#: The longest period one ledger covers.
MAX_LEDGER_DAYS = 366


@dataclass(frozen=True)
class LedgerPeriod:
    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidPeriod(
                f"Kỳ không hợp lệ: ngày bắt đầu {self.start:%d/%m/%Y} sau ngày kết thúc {self.end:%d/%m/%Y}.",
                f"Invalid period: {self.start} is after {self.end}.")
        if (self.end - self.start).days + 1 > MAX_LEDGER_DAYS:
            raise InvalidPeriod(
                f"Mỗi sổ theo dõi in tối đa {MAX_LEDGER_DAYS} ngày; hãy chọn kỳ ngắn hơn.",
                f"A ledger covers at most {MAX_LEDGER_DAYS} days; choose a shorter period.")

    def bounds(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """[first instant, first instant after] of the period in local time."""
        start = datetime.combine(self.start, datetime.min.time(), tzinfo=tz)
        return start, datetime.combine(self.end + timedelta(days=1), datetime.min.time(), tzinfo=tz)

    def contains(self, moment: datetime, tz: tzinfo) -> bool:
        return self.start <= moment.astimezone(tz).date() <= self.end

    @property
    def label(self) -> str:
        return f"Từ ngày {self.start:%d/%m/%Y} đến ngày {self.end:%d/%m/%Y}"


def ledger_period(start: date | None, end: date | None, today: date) -> LedgerPeriod:
    """The period asked for; a missing end is today (or the start, if it is later), a
    missing start the first of the end's month; neither: this month so far."""
    if end is None:
        end = max(today, start) if start else today
    if start is None:
        start = end.replace(day=1)
    return LedgerPeriod(start, end)


@dataclass(frozen=True)
class LedgerRow:
    number: int
    dossier_code: str
    procedure: str
    applicant: str
    received: datetime
    appointment: datetime
    handed_over: datetime | None
    result_ready: datetime | None
    returned: datetime | None
    status: str
    #: 'trước hạn', 'đúng hạn', 'quá hạn' (returned, or still open past the due time), 'trong hạn', or ''.
    timeliness: str
    note: str


#: Weights are millimetres of the landscape A4 page (267 mm between the margins).
LEDGER_COLUMNS = (
    Column("STT", 9, "center"),
    Column("Mã hồ sơ", 34),
    Column("Tên thủ tục hành chính", 38),
    Column("Người nộp", 24),
    Column("Ngày nhận", 19.5, "center"),
    Column("Ngày hẹn trả", 19.5, "center"),
    Column("Ngày chuyển / xử lý", 19.5, "center"),
    Column("Ngày có kết quả", 19.5, "center"),
    Column("Ngày trả", 19.5, "center"),
    Column("Trạng thái", 20),
    Column("Trước hạn / đúng hạn / quá hạn", 15, "center"),
    Column("Ghi chú", 29.5),
)


def _ledger_status(dossier: Dossier, now: datetime) -> tuple[str, str]:
    if dossier.status is Status.RETURNED and dossier.timeliness:
        return STATUS_VI[dossier.status], TIMELINESS_VI[dossier.timeliness]
    if dossier.status is Status.SUPPLEMENT_REQUESTED:
        return STATUS_VI[dossier.status], "tạm dừng"
    if dossier.is_active:
        assert dossier.due_at is not None
        return STATUS_VI[dossier.status], "quá hạn" if now > dossier.due_at else "trong hạn"
    return STATUS_VI[dossier.status], ""


def _ledger_note(dossier: Dossier, tz: tzinfo) -> str:
    notes: list[str] = []
    if dossier.supplement_requested_at:
        notes.append(f"YC bổ sung {short_date(dossier.supplement_requested_at, tz)}")
    if dossier.supplemented_at:
        notes.append(f"đã bổ sung {short_date(dossier.supplemented_at, tz)}")
    for entry in dossier.reschedules:
        notes.append(f"hẹn lại {short_date(entry.new_appointment_at, tz)} (đã xin lỗi)")
    if dossier.status in (Status.REFUSED, Status.WITHDRAWN) and dossier.closed_reason:
        notes.append(f"{STATUS_VI[dossier.status]}: {dossier.closed_reason}")
    if dossier.status is Status.TRANSFERRED:
        notes.append(f"chuyển {dossier.transferred_to}: {dossier.closed_reason or ''}".rstrip(": "))
    if dossier.free_of_charge:
        notes.append("trả tại nhà, miễn phí")
    return "; ".join(notes)


def ledger_rows(dossiers: Iterable[Dossier], period: LedgerPeriod, *, tz: tzinfo, now: datetime) -> tuple[LedgerRow, ...]:
    """One row per dossier received in the period (local days), in order of receipt."""
    chosen = sorted((d for d in dossiers if period.contains(d.received_at, tz)), key=lambda d: (d.received_at, d.code))
    rows = []
    for number, dossier in enumerate(chosen, start=1):
        status, timeliness = _ledger_status(dossier, now)
        rows.append(LedgerRow(
            number=number,
            dossier_code=dossier.code,
            procedure=dossier.procedure.name,
            applicant=dossier.applicant.full_name,
            received=dossier.received_at,
            appointment=dossier.appointment_at,
            handed_over=dossier.handovers[0].handed_at if dossier.handovers else None,
            result_ready=dossier.result_ready_at or dossier.returned_at,
            returned=dossier.returned_at,
            status=status,
            timeliness=timeliness,
            note=_ledger_note(dossier, tz),
        ))
    return tuple(rows)


def _ledger_summary(rows: Sequence[LedgerRow]) -> str:
    returned = [r for r in rows if r.returned]
    by = {label: sum(1 for r in returned if r.timeliness == label) for label in TIMELINESS_VI.values()}
    open_ = sum(1 for r in rows if r.timeliness in ("trong hạn", "quá hạn", "tạm dừng"))
    overdue = sum(1 for r in rows if not r.returned and r.timeliness == "quá hạn")
    return (f"Tổng số: {len(rows)} hồ sơ; đã trả kết quả {len(returned)} (trước hạn {by['trước hạn']}, "
            f"đúng hạn {by['đúng hạn']}, quá hạn {by['quá hạn']}); đang giải quyết {open_} "
            f"(quá hạn {overdue}); khác {len(rows) - len(returned) - open_}.")


def ledger(rows: Sequence[LedgerRow], profile: CommuneProfile, period: LedgerPeriod, *, tz: tzinfo,
           now: datetime) -> Document:
    spec = FORMS[FormNumber.LEDGER]
    table = Table(
        columns=LEDGER_COLUMNS,
        rows=tuple((str(r.number), r.dossier_code, r.procedure, r.applicant, short_date(r.received, tz),
                    short_date(r.appointment, tz), short_date(r.handed_over, tz), short_date(r.result_ready, tz),
                    short_date(r.returned, tz), r.status, r.timeliness, r.note) for r in rows),
        empty_text="Không có hồ sơ nào được tiếp nhận trong kỳ.",
        small=True,
    )
    return Document(
        form=spec,
        letterhead=_letterhead(profile, _local(now, tz).date()),
        subtitle=(text(i(period.label)),),
        blocks=(table, Paragraph(text(_ledger_summary(rows)), small=True),
                Signatures((Signature(("NGƯỜI LẬP SỔ",)), _official_signature(profile, "(Ký, ghi rõ họ tên)")))),
        footer=_footer(spec, printed=f"{profile.official_name} · {period.label.lower()} · "
                                     f"In {short_time(now, tz)}"),
        file_stem=f"{profile.commune_code}-so-theo-doi-{period.start:%Y%m%d}-{period.end:%Y%m%d}",
        landscape=True,
    )


#: Cells that Excel would run as a formula start with one of these.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

LEDGER_CSV_HEADER = ("STT", "Mã hồ sơ", "Tên thủ tục hành chính", "Người nộp", "Ngày nhận", "Ngày hẹn trả",
                     "Ngày chuyển / xử lý", "Ngày có kết quả", "Ngày trả", "Trạng thái",
                     "Trước hạn / đúng hạn / quá hạn", "Ghi chú")


def _csv_cell(value: str) -> str:
    # A name or a reason typed as '=HYPERLINK(…)' stays text in Excel.
    return "'" + value if value.startswith(_FORMULA_START) else value


def ledger_csv(rows: Sequence[LedgerRow], *, tz: tzinfo, delimiter: str = ",") -> bytes:
    """The ledger for Excel: UTF-8 with a byte-order mark (without it Excel reads the Vietnamese
    as Windows-1252 mojibake), CRLF lines, times as 'YYYY-MM-DD HH:MM' local time (Excel reads that
    as a date in every locale, where '05/11/2026' is 5 November or May 11 depending on the locale)."""
    def when(moment: datetime | None) -> str:
        return f"{_local(moment, tz):%Y-%m-%d %H:%M}" if moment else ""

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(LEDGER_CSV_HEADER)
    for r in rows:
        writer.writerow([str(r.number), r.dossier_code, _csv_cell(r.procedure), _csv_cell(r.applicant),
                         when(r.received), when(r.appointment), when(r.handed_over), when(r.result_ready),
                         when(r.returned), r.status, r.timeliness, _csv_cell(r.note)])
    return buffer.getvalue().encode("utf-8-sig")
