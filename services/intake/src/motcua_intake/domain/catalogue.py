"""The procedure catalogue (danh mục thủ tục hành chính): what each procedure is, how long
it may legally take, what it costs, which documents it needs, which body decides it, and the
life event it records.

One deployment (a district) keeps one catalogue; each commune may override the fee, the
processing time, the handling body or the active flag of a procedure, or add a procedure of
its own. Administrators import and export the catalogue as CSV or JSON: every row is
validated first, and every bad row is reported by line with a reason.

Pure: no I/O, no clock. Text in, procedures out; procedures in, text out.
"""

import csv
import dataclasses
import io
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from motcua_contracts import LifeEvent


class ProcessingUnit(StrEnum):
    """How the legal processing time is counted."""

    WORKING_DAYS = "working_days"  # ngày làm việc
    WORKING_HOURS = "working_hours"  # giờ làm việc
    SAME_DAY = "same_day"  # trong ngày (after the cut-off hour: the next working day)


#: Office hours in one working day: turns a time in working hours into working days.
WORKING_HOURS_PER_DAY = 8

#: ``handling_body`` of a procedure the commune decides itself; anything else names the body
#: the commune transfers the dossier to (liên thông).
COMMUNE = "commune"

#: Fields (lĩnh vực) a procedure may belong to, code -> Vietnamese name, in display order.
FIELDS: dict[str, str] = {
    "ho_tich": "Hộ tịch",
    "chung_thuc": "Chứng thực",
    "dat_dai": "Đất đai",
    "xay_dung": "Xây dựng",
    "cu_tru": "Cư trú",
    "ton_giao": "Tín ngưỡng, tôn giáo",
    "nuoi_con_nuoi": "Nuôi con nuôi",
    "bao_tro_xa_hoi": "Bảo trợ xã hội",
    "nguoi_co_cong": "Người có công",
    "hoa_giai_co_so": "Hòa giải ở cơ sở",
    "moi_truong": "Môi trường",
    "thi_dua_khen_thuong": "Thi đua, khen thưởng",
    "khac": "Lĩnh vực khác",
}

#: Who does not pay, code -> Vietnamese description.
FEE_EXEMPTIONS: dict[str, str] = {
    "at_home_priority": "Trả kết quả tại nhà miễn phí cho đối tượng ưu tiên (người có công, "
    "người khuyết tật, người cao tuổi sống một mình)",
    "meritorious": "Người thuộc gia đình có công với cách mạng",
    "poor_household": "Người thuộc hộ nghèo",
    "disability": "Người khuyết tật",
    "ethnic_minority": "Người dân tộc thiểu số ở vùng có điều kiện kinh tế – xã hội đặc biệt khó khăn",
}

LIFE_EVENT_NAMES: dict[LifeEvent, str] = {
    LifeEvent.BIRTH: "khai sinh",
    LifeEvent.MARRIAGE: "kết hôn",
    LifeEvent.DEATH: "khai tử",
}

#: Procedure codes: upper-case ASCII letters, digits, '-', '.', '_' — short codes such as
#: HT-KHAISINH, or the national codes of the public service portal such as 1.001193.
CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9._-]{1,39}$")

#: Lists (documents, exemptions) share one CSV cell, separated by this character.
LIST_SEPARATOR = "|"

_MAX_TEXT = 500
_MAX_DOCUMENTS = 50
#: A fee above this (one billion đồng) is a typing error, not a commune's fee.
MAX_FEE_VND = 1_000_000_000


# --------------------------------------------------------------------------- the procedure


@dataclass(frozen=True)
class Procedure:
    """One administrative procedure (thủ tục hành chính) as the counter applies it.

    ``processing_days`` is the processing time in working days, the figure the due-date rule
    and the ``DossierReceived`` event use: derived from ``processing_unit`` and
    ``processing_amount`` (same day = 0, hours / 8). Older code builds a procedure from
    ``(code, name, field, processing_days, life_event)`` alone; the unit is then inferred.
    """

    code: str
    name: str
    field: str
    processing_days: float | None = None
    life_event: LifeEvent | None = None
    processing_unit: ProcessingUnit | None = None
    processing_amount: float | None = None
    fee_vnd: int = 0
    fee_note: str = ""
    fee_exemptions: tuple[str, ...] = ()
    required_documents: tuple[str, ...] = ()
    handling_body: str = COMMUNE
    active: bool = True

    def __post_init__(self) -> None:
        def set_(name: str, value: object) -> None:  # the dataclass is frozen
            object.__setattr__(self, name, value)

        unit, amount = self.processing_unit, self.processing_amount
        if unit is None:
            if self.processing_days is None:
                raise ValueError(f"procedure {self.code}: give processing_unit or processing_days")
            unit = ProcessingUnit.SAME_DAY if self.processing_days == 0 else ProcessingUnit.WORKING_DAYS
            amount = self.processing_days
        unit = ProcessingUnit(unit)
        if amount is None:
            if unit is not ProcessingUnit.SAME_DAY:
                raise ValueError(f"procedure {self.code}: {unit} needs processing_amount")
            amount = 0
        set_("processing_unit", unit)
        set_("processing_amount", _plain_number(amount))
        set_("processing_days", _working_days(unit, amount))
        if self.life_event is not None:
            set_("life_event", LifeEvent(self.life_event))
        set_("fee_exemptions", tuple(self.fee_exemptions))
        set_("required_documents", tuple(self.required_documents))

    @property
    def field_name(self) -> str:
        return FIELDS.get(self.field, self.field)

    @property
    def handled_by_commune(self) -> bool:
        return self.handling_body == COMMUNE

    @property
    def handling_body_name(self) -> str:
        return "UBND cấp xã" if self.handled_by_commune else self.handling_body

    @property
    def processing_time_text(self) -> str:
        """'Trong ngày', '3 ngày làm việc', '4 giờ làm việc'."""
        amount = _format_number(self.processing_amount)
        if self.processing_unit is ProcessingUnit.SAME_DAY:
            return "Trong ngày"
        if self.processing_unit is ProcessingUnit.WORKING_HOURS:
            return f"{amount} giờ làm việc"
        return f"{amount} ngày làm việc"


def _working_days(unit: ProcessingUnit, amount: float) -> float:
    if unit is ProcessingUnit.SAME_DAY:
        return 0
    if unit is ProcessingUnit.WORKING_HOURS:
        return _plain_number(amount / WORKING_HOURS_PER_DAY)
    return _plain_number(amount)


def _plain_number(value: float) -> float:
    """3.0 -> 3: whole numbers stay whole in exports and documents."""
    return int(value) if float(value).is_integer() else float(value)


def _format_number(value: float) -> str:
    return str(_plain_number(value))


@dataclass(frozen=True)
class ProcedureOverride:
    """What one commune changes in a deployment-wide procedure; None keeps the deployment's value."""

    code: str
    processing_unit: ProcessingUnit | None = None
    processing_amount: float | None = None
    fee_vnd: int | None = None
    fee_note: str | None = None
    fee_exemptions: tuple[str, ...] | None = None
    handling_body: str | None = None
    active: bool | None = None

    def __post_init__(self) -> None:
        if self.processing_unit is not None:
            object.__setattr__(self, "processing_unit", ProcessingUnit(self.processing_unit))
        if self.fee_exemptions is not None:
            object.__setattr__(self, "fee_exemptions", tuple(self.fee_exemptions))

    def changes(self) -> dict:
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name != "code" and getattr(self, f.name) is not None
        }


#: Columns a commune may override; everything else belongs to the deployment.
OVERRIDABLE = tuple(f.name for f in dataclasses.fields(ProcedureOverride) if f.name != "code")


def apply_override(procedure: Procedure, override: ProcedureOverride | None) -> Procedure:
    if override is None:
        return procedure
    changes = override.changes()
    if not changes:
        return procedure
    if "processing_unit" in changes:
        changes.setdefault("processing_amount", None)
    # processing_days is derived from the unit and amount in __post_init__.
    return dataclasses.replace(procedure, **changes)


class Origin(StrEnum):
    """Where a commune's procedure comes from."""

    DEPLOYMENT = "deployment"  # the district's catalogue, unchanged
    OVERRIDE = "override"  # the district's, with this commune's fee/time/body/active
    LOCAL = "local"  # this commune's own procedure


@dataclass(frozen=True)
class CatalogueEntry:
    procedure: Procedure
    origin: Origin = Origin.DEPLOYMENT


def commune_catalogue(
    deployment: Iterable[Procedure],
    overrides: Iterable[ProcedureOverride] = (),
    local: Iterable[Procedure] = (),
) -> list[CatalogueEntry]:
    """The catalogue one commune works with. A local procedure with a deployment code wins
    (the commune defined it whole); overrides of codes the deployment lacks are ignored."""
    by_code = {o.code: o for o in overrides}
    entries = {
        p.code: CatalogueEntry(apply_override(p, by_code[p.code]), Origin.OVERRIDE) if p.code in by_code
        else CatalogueEntry(p)
        for p in deployment
    }
    entries.update({p.code: CatalogueEntry(p, Origin.LOCAL) for p in local})
    return sorted(entries.values(), key=lambda e: _display_order(e.procedure))


def _display_order(procedure: Procedure) -> tuple:
    fields = list(FIELDS)
    return (fields.index(procedure.field) if procedure.field in fields else len(fields), procedure.code)


# --------------------------------------------------------------------------- search


def fold(text: str) -> str:
    """Lower case, no diacritics, words separated by one space: 'Chứng thực' -> 'chung thuc'.

    'đ' is a letter of its own in Unicode, not 'd' with a mark: it is mapped by hand.
    """
    text = text.replace("đ", "d").replace("Đ", "D")
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return " ".join(re.findall(r"[a-z0-9]+", bare.lower()))


def search_rank(procedure: Procedure, query: str) -> int | None:
    """How well a procedure matches what an officer typed (lower is better), None if not.

    Diacritics, case, and spaces do not matter: 'khai sinh', 'khaisinh', 'Khai Sinh' and
    'khai sinh' typed with its marks all find 'Đăng ký khai sinh'. Matches start at a word
    (a code segment), so 'ht' finds HT-… procedures, not every name with 'h' before 't'.
    """
    words = fold(query).split()
    if not words:
        return 0
    compact = "".join(words)
    segments = fold(procedure.code).split()
    name = fold(procedure.name).split()
    if compact == "".join(segments):
        return 0
    if "".join(segments).startswith(compact) or any(s.startswith(compact) for s in segments):
        return 1
    if "".join(name).startswith(compact):
        return 2
    if _at_word_start(compact, name):
        return 3
    if all(w in name for w in words[:-1]) and any(n.startswith(words[-1]) for n in name):
        return 4
    if _at_word_start(compact, fold(procedure.field_name).split()):
        return 5
    return None


def _at_word_start(compact: str, words: list[str]) -> bool:
    joined, offset, starts = "".join(words), 0, []
    for word in words:
        starts.append(offset)
        offset += len(word)
    return any(joined.startswith(compact, start) for start in starts)


def search(entries: Iterable[CatalogueEntry], query: str | None) -> list[CatalogueEntry]:
    """Entries matching the query, best first (catalogue order for an empty query)."""
    entries = list(entries)
    if not query or not fold(query):
        return entries
    ranked = [
        (rank, len(e.procedure.name), i, e)  # among equals, the shorter (more general) name first
        for i, e in enumerate(entries) if (rank := search_rank(e.procedure, query)) is not None
    ]
    return [e for *_, e in sorted(ranked, key=lambda item: item[:3])]


class InMemoryCatalogue:
    """The catalogue lookup without a database: for handler tests and fakes.

    Same methods as the MongoDB repository (``get``, ``list``).
    """

    def __init__(
        self,
        procedures: Iterable[Procedure],
        overrides: Mapping[str, Iterable[ProcedureOverride]] | None = None,
        local: Mapping[str, Iterable[Procedure]] | None = None,
    ) -> None:
        self._procedures = list(procedures)
        self._overrides = {c: list(o) for c, o in (overrides or {}).items()}
        self._local = {c: list(p) for c, p in (local or {}).items()}

    def entries(self, commune_code: str | None) -> list[CatalogueEntry]:
        if commune_code is None:
            return commune_catalogue(self._procedures)
        return commune_catalogue(
            self._procedures, self._overrides.get(commune_code, ()), self._local.get(commune_code, ())
        )

    async def get(self, commune_code: str | None, code: str) -> Procedure | None:
        return next((e.procedure for e in self.entries(commune_code) if e.procedure.code == code), None)

    async def list(self, commune_code: str | None, query: str | None = None) -> list[CatalogueEntry]:
        return search([e for e in self.entries(commune_code) if e.procedure.active], query)


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class Problem:
    """Why a value is refused, Vietnamese first."""

    column: str | None
    message_vi: str
    message_en: str


@dataclass(frozen=True)
class RowProblem:
    """A problem on one line of an imported file (line 1 is the CSV header)."""

    line: int
    column: str | None
    message_vi: str
    message_en: str

    def text_vi(self) -> str:
        where = f"Dòng {self.line}" + (f", cột {self.column}" if self.column else "")
        return f"{where}: {self.message_vi}"

    def text_en(self) -> str:
        where = f"Line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message_en}"


class InvalidCatalogue(Exception):
    """A catalogue file, row or request that cannot be taken: nothing of it is written."""

    code = "catalogue_invalid"

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(p.text_en() for p in self.problems[:5]))

    def summary_vi(self) -> str:
        lines = {p.line for p in self.problems}
        return (f"Tệp có {len(self.problems)} lỗi ở {len(lines)} dòng; chưa nhập thủ tục nào. "
                + "; ".join(p.text_vi() for p in self.problems[:20]))

    def summary_en(self) -> str:
        lines = {p.line for p in self.problems}
        return (f"The file has {len(self.problems)} problem(s) on {len(lines)} line(s); nothing was imported. "
                + "; ".join(p.text_en() for p in self.problems[:20]))


#: Columns of a catalogue file, in order (CSV header = JSON keys).
COLUMNS: tuple[str, ...] = (
    "code", "name", "field", "field_name", "processing_unit", "processing_amount", "fee_vnd", "fee_note",
    "fee_exemptions", "required_documents", "handling_body", "life_event", "active",
)
#: A commune's file has one more column first: 'override' or 'local'.
COMMUNE_COLUMNS: tuple[str, ...] = ("kind", *COLUMNS)
_REQUIRED_COLUMNS = {"code", "name", "field", "processing_unit"}


class Kind(StrEnum):
    """A row of a commune's file."""

    OVERRIDE = "override"  # ghi đè một thủ tục của danh mục chung
    LOCAL = "local"  # thủ tục riêng của xã


class Scope(StrEnum):
    DEPLOYMENT = "deployment"  # danh mục chung của đơn vị triển khai
    COMMUNE = "commune"  # điều chỉnh và thủ tục riêng của một xã


class FileFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


_UNIT_WORDS = {
    "working days": ProcessingUnit.WORKING_DAYS, "ngay lam viec": ProcessingUnit.WORKING_DAYS,
    "working hours": ProcessingUnit.WORKING_HOURS, "gio lam viec": ProcessingUnit.WORKING_HOURS,
    "same day": ProcessingUnit.SAME_DAY, "trong ngay": ProcessingUnit.SAME_DAY,
}
_LIFE_EVENT_WORDS = {
    "birth": LifeEvent.BIRTH, "khai sinh": LifeEvent.BIRTH,
    "marriage": LifeEvent.MARRIAGE, "ket hon": LifeEvent.MARRIAGE,
    "death": LifeEvent.DEATH, "khai tu": LifeEvent.DEATH,
}
_TRUE, _FALSE = {"true", "1", "yes", "co", "x"}, {"false", "0", "no", "khong"}
_COMMUNE_WORDS = {"commune", "xa", "ubnd xa", "ubnd cap xa", "cap xa"}
_KIND_WORDS = {"override": Kind.OVERRIDE, "ghi de": Kind.OVERRIDE, "local": Kind.LOCAL, "rieng": Kind.LOCAL,
               "thu tuc rieng": Kind.LOCAL}
_FIELD_WORDS = {fold(code): code for code in FIELDS} | {fold(name): code for code, name in FIELDS.items()}
_EXEMPTION_WORDS = {fold(code): code for code in FEE_EXEMPTIONS}


class _Row:
    """Reads one row (CSV strings or JSON values) and collects what is wrong with it."""

    def __init__(self, raw: Mapping[str, object]) -> None:
        self.raw = raw
        self.problems: list[Problem] = []

    def problem(self, column: str | None, vi: str, en: str) -> None:
        self.problems.append(Problem(column, vi, en))

    def has_problem(self, column: str) -> bool:
        return any(p.column == column for p in self.problems)

    def given(self, key: str) -> bool:
        value = self.raw.get(key)
        return value is not None and not (isinstance(value, str) and not value.strip())

    def text(self, key: str, *, max_length: int = _MAX_TEXT) -> str:
        value = self.raw.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.problem(key, "phải là chuỗi ký tự.", "must be a string.")
            return ""
        value = " ".join(value.split())
        if len(value) > max_length:
            self.problem(key, f"dài quá {max_length} ký tự.", f"is longer than {max_length} characters.")
        return value

    def code(self) -> str:
        code = self.text("code").upper()
        if self.has_problem("code"):
            pass
        elif not code:
            self.problem("code", "Mã thủ tục không được để trống.", "The procedure code is empty.")
        elif not CODE_PATTERN.match(code):
            self.problem(
                "code",
                f"Mã thủ tục '{code}' không hợp lệ: chỉ gồm chữ in hoa không dấu, chữ số và các dấu '-', '.', '_' "
                "(2–40 ký tự), ví dụ HT-KHAISINH.",
                f"The procedure code '{code}' is not valid: upper-case ASCII letters, digits, '-', '.', '_' "
                "(2–40 characters), e.g. HT-KHAISINH.",
            )
        return code

    def name(self) -> str:
        name = self.text("name")
        if not name and not self.has_problem("name"):
            self.problem("name", "Tên thủ tục không được để trống.", "The procedure name is empty.")
        return name

    def field(self) -> str:
        given = self.text("field")
        code = _FIELD_WORDS.get(fold(given))
        if code is None and self.has_problem("field"):
            return ""
        if code is None:
            known = ", ".join(f"{c} ({n})" for c, n in FIELDS.items())
            if given:
                self.problem("field", f"Lĩnh vực '{given}' không có trong danh sách: {known}.",
                             f"The field '{given}' is not known; known fields: {known}.")
            else:
                self.problem("field", f"Lĩnh vực không được để trống; chọn một trong: {known}.",
                             f"The field is empty; choose one of: {known}.")
            return ""
        stated_name = self.text("field_name")
        if stated_name and fold(stated_name) != fold(FIELDS[code]):
            self.problem("field_name",
                         f"Tên lĩnh vực '{stated_name}' không khớp mã lĩnh vực '{code}' ({FIELDS[code]}).",
                         f"The field name '{stated_name}' does not match the field code '{code}' ({FIELDS[code]}).")
        return code

    def processing_time(self) -> tuple[ProcessingUnit | None, float | None]:
        given = self.text("processing_unit")
        unit = _UNIT_WORDS.get(fold(given))
        if unit is None and self.has_problem("processing_unit"):
            return None, None
        if unit is None:
            self.problem(
                "processing_unit",
                f"Đơn vị thời hạn '{given}' không hợp lệ: dùng working_days (ngày làm việc), "
                "working_hours (giờ làm việc) hoặc same_day (trong ngày).",
                f"The time unit '{given}' is not valid: use working_days, working_hours or same_day.",
            )
            return None, None
        amount = self.number("processing_amount")
        if amount is None:
            if unit is not ProcessingUnit.SAME_DAY and not self.given("processing_amount"):
                self.problem("processing_amount", "Thiếu thời hạn giải quyết (số ngày hoặc số giờ làm việc).",
                             "The processing time (number of working days or hours) is missing.")
            return unit, (0 if unit is ProcessingUnit.SAME_DAY else None)
        if amount < 0:
            self.problem("processing_amount", "Thời hạn giải quyết không được âm.",
                         "The processing time cannot be negative.")
        elif unit is ProcessingUnit.SAME_DAY and amount != 0:
            self.problem("processing_amount",
                         "Thủ tục giải quyết trong ngày (same_day) không ghi số ngày/giờ: để trống hoặc ghi 0.",
                         "A same-day procedure takes no amount: leave it empty or write 0.")
        elif unit is not ProcessingUnit.SAME_DAY and amount == 0:
            self.problem("processing_amount",
                         "Thời hạn theo ngày/giờ làm việc phải lớn hơn 0; thủ tục giải quyết trong ngày thì "
                         "dùng same_day.",
                         "A time in working days or hours must be above 0; use same_day for same-day procedures.")
        elif amount > 365 * WORKING_HOURS_PER_DAY:
            self.problem("processing_amount", "Thời hạn giải quyết quá lớn.", "The processing time is too large.")
        return unit, amount

    def number(self, key: str) -> float | None:
        value = self.raw.get(key)
        if not self.given(key):
            return None
        if isinstance(value, bool):
            value = None
        elif isinstance(value, str):
            try:
                value = float(value.strip().replace(",", "."))
            except ValueError:
                value = None
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            self.problem(key, f"'{self.raw.get(key)}' không phải là số.", f"'{self.raw.get(key)}' is not a number.")
            return None
        return _plain_number(value)

    def fee(self) -> int | None:
        value = self.raw.get("fee_vnd")
        if not self.given("fee_vnd"):
            return None
        if isinstance(value, str):
            # Vietnamese writes 10.000 or 10 000 for ten thousand; a fee in đồng has no decimals.
            amount = re.sub(r"\s*(đồng|đ|vnd)$", "", value.strip().lower())
            grouped = re.fullmatch(r"\d{1,3}([.,\s])\d{3}(\1\d{3})*", amount)
            value = int(re.sub(r"\D", "", amount)) if grouped or amount.isdigit() else None
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > MAX_FEE_VND:
            self.problem("fee_vnd",
                         f"Lệ phí '{self.raw.get('fee_vnd')}' không hợp lệ: ghi số đồng nguyên, không âm, "
                         "không quá 1.000.000.000 (ví dụ 10000).",
                         f"The fee '{self.raw.get('fee_vnd')}' is not valid: a whole, non-negative number of đồng, "
                         "at most 1,000,000,000 (e.g. 10000).")
            return None
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.raw.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            items = value.split(LIST_SEPARATOR)
        elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            items = list(value)
            if any(LIST_SEPARATOR in v for v in items):
                self.problem(key, f"Không dùng ký tự '{LIST_SEPARATOR}' trong một mục.",
                             f"An item may not contain '{LIST_SEPARATOR}'.")
        else:
            self.problem(key, "phải là danh sách chuỗi ký tự.", "must be a list of strings.")
            return ()
        items = [" ".join(item.split()) for item in items]
        items = [item for item in items if item]
        if len(items) > _MAX_DOCUMENTS or any(len(item) > _MAX_TEXT for item in items):
            self.problem(key, "Danh sách quá dài.", "The list is too long.")
        return tuple(items)

    def exemptions(self) -> tuple[str, ...]:
        found = []
        for given in self.strings("fee_exemptions"):
            code = _EXEMPTION_WORDS.get(fold(given))
            if code is None:
                known = ", ".join(FEE_EXEMPTIONS)
                self.problem("fee_exemptions", f"Đối tượng miễn phí '{given}' không có trong danh sách: {known}.",
                             f"The fee exemption '{given}' is not known; known: {known}.")
            elif code not in found:
                found.append(code)
        return tuple(found)

    def handling_body(self) -> str:
        body = self.text("handling_body", max_length=200)
        return COMMUNE if fold(body) in _COMMUNE_WORDS or not body else body

    def life_event(self) -> LifeEvent | None:
        given = self.text("life_event")
        if not given:
            return None
        event = _LIFE_EVENT_WORDS.get(fold(given))
        if event is None:
            self.problem("life_event",
                         f"Sự kiện hộ tịch '{given}' không hợp lệ: dùng birth (khai sinh), marriage (kết hôn), "
                         "death (khai tử) hoặc để trống.",
                         f"The life event '{given}' is not valid: use birth, marriage, death, or leave it empty.")
        return event

    def active(self) -> bool | None:
        value = self.raw.get("active")
        if not self.given("active"):
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and fold(value) in _TRUE | _FALSE:
            return fold(value) in _TRUE
        self.problem("active", f"Giá trị '{value}' không hợp lệ: dùng true (đang áp dụng) hoặc false (ngừng áp dụng).",
                     f"'{value}' is not valid: use true (in use) or false (withdrawn).")
        return None


def parse_procedure(raw: Mapping[str, object]) -> tuple[Procedure | None, list[Problem]]:
    """A whole procedure from one row or request body; None and the reasons when it is not valid."""
    row = _Row(raw)
    code, name, field = row.code(), row.name(), row.field()
    unit, amount = row.processing_time()
    fee, fee_note = row.fee(), row.text("fee_note")
    exemptions, documents = row.exemptions(), row.strings("required_documents")
    handling_body, life_event, active = row.handling_body(), row.life_event(), row.active()
    if life_event is not None and field and field != "ho_tich":
        row.problem("life_event", "Chỉ thủ tục lĩnh vực hộ tịch mới ghi sự kiện hộ tịch (khai sinh, kết hôn, khai tử).",
                    "Only civil-status (ho_tich) procedures record a life event.")
    if row.problems:
        return None, row.problems
    return Procedure(
        code=code, name=name, field=field, life_event=life_event, processing_unit=unit, processing_amount=amount,
        fee_vnd=fee or 0, fee_note=fee_note, fee_exemptions=exemptions, required_documents=documents,
        handling_body=handling_body, active=True if active is None else active,
    ), []


def parse_override(raw: Mapping[str, object]) -> tuple[ProcedureOverride | None, list[Problem]]:
    """A commune's override from one row or request body: only fee, time, handling body and active."""
    row = _Row(raw)
    code = row.code()
    for column in ("name", "field", "field_name", "required_documents", "life_event"):
        if row.given(column) and row.raw.get(column) != []:
            row.problem(column,
                        "Dòng ghi đè (override) chỉ điều chỉnh lệ phí, thời hạn, cơ quan giải quyết và trạng thái "
                        "áp dụng; cột này phải để trống.",
                        "An override row changes only the fee, the time, the handling body and the active flag; "
                        "leave this column empty.")
    unit = amount = None
    if row.given("processing_unit"):
        unit, amount = row.processing_time()
    elif row.given("processing_amount"):
        row.problem("processing_unit", "Ghi đè thời hạn cần ghi cả đơn vị (working_days, working_hours, same_day).",
                    "Overriding the time needs the unit as well (working_days, working_hours, same_day).")
    override = ProcedureOverride(
        code=code,
        processing_unit=unit,
        processing_amount=amount,
        fee_vnd=row.fee(),
        fee_note=row.text("fee_note") if row.given("fee_note") else None,
        fee_exemptions=row.exemptions() if row.given("fee_exemptions") else None,
        handling_body=row.handling_body() if row.given("handling_body") else None,
        active=row.active(),
    )
    if not row.problems and not override.changes():
        row.problem(None, "Dòng ghi đè không điều chỉnh gì: ghi ít nhất lệ phí, thời hạn, cơ quan giải quyết "
                          "hoặc trạng thái áp dụng.",
                    "The override row changes nothing: give at least a fee, a time, a handling body or active.")
    if row.problems:
        return None, row.problems
    return override, []


def parse_kind(value: object) -> Kind | None:
    return _KIND_WORDS.get(fold(value)) if isinstance(value, str) else None


# --------------------------------------------------------------------------- files


@dataclass(frozen=True)
class CatalogueLine:
    """One valid row of an imported file and the line it started on."""

    line: int
    entry: Procedure | ProcedureOverride

    @property
    def kind(self) -> Kind:
        return Kind.OVERRIDE if isinstance(self.entry, ProcedureOverride) else Kind.LOCAL


def parse_catalogue(text: str, fmt: FileFormat | str, scope: Scope | str = Scope.DEPLOYMENT) -> list[CatalogueLine]:
    """Every row of a catalogue file, or :class:`InvalidCatalogue` listing every bad row.

    A deployment file holds whole procedures. A commune file holds, per row, ``kind``
    'override' (a deployment code and the columns it changes) or 'local' (a whole procedure).
    Codes are upper-cased; a code may appear once per file.
    """
    fmt, scope = FileFormat(fmt), Scope(scope)
    text = text.removeprefix("\ufeff")
    records, problems = _csv_records(text, scope) if fmt is FileFormat.CSV else _json_records(text, scope)
    lines: list[CatalogueLine] = []
    first_line_of: dict[str, int] = {}
    for line, raw in records:
        entry, row_problems = _parse_record(raw, scope)
        problems += [RowProblem(line, p.column, p.message_vi, p.message_en) for p in row_problems]
        code = entry.code if entry else (str(raw.get("code") or "").strip().upper() or None)
        if code and code in first_line_of:
            problems.append(RowProblem(line, "code", f"Mã thủ tục {code} trùng với dòng {first_line_of[code]}.",
                                       f"The code {code} is already on line {first_line_of[code]}."))
        elif code:
            first_line_of[code] = line
        if entry is not None:
            lines.append(CatalogueLine(line, entry))
    if problems:
        raise InvalidCatalogue(sorted(problems, key=lambda p: p.line))
    return lines


def _parse_record(
    raw: Mapping[str, object], scope: Scope
) -> tuple[Procedure | ProcedureOverride | None, list[Problem]]:
    if scope is Scope.DEPLOYMENT:
        return parse_procedure(raw)
    kind = parse_kind(raw.get("kind"))
    if kind is None:
        return None, [Problem("kind", f"Loại dòng '{raw.get('kind') or ''}' không hợp lệ: dùng override (ghi đè "
                                      "thủ tục của danh mục chung) hoặc local (thủ tục riêng của xã).",
                              f"The row kind '{raw.get('kind') or ''}' is not valid: use override or local.")]
    return parse_override(raw) if kind is Kind.OVERRIDE else parse_procedure(raw)


def _csv_records(text: str, scope: Scope) -> tuple[list[tuple[int, dict]], list[RowProblem]]:
    expected = COLUMNS if scope is Scope.DEPLOYMENT else COMMUNE_COLUMNS
    required = _REQUIRED_COLUMNS if scope is Scope.DEPLOYMENT else {"kind", "code"}
    header_line = text.split("\n", 1)[0]
    # Excel in a Vietnamese locale saves CSV with ';' (',' is the decimal mark there).
    delimiter = max((",", ";", "\t"), key=lambda d: sum(c.strip().lower() in expected for c in header_line.split(d)))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [cell.strip().lower() for cell in next(reader)]
    except StopIteration:
        return [], [RowProblem(1, None, "Tệp rỗng: không có dòng tiêu đề.", "The file is empty: no header line.")]
    except csv.Error as error:
        return [], [RowProblem(1, None, f"Không đọc được dòng tiêu đề: {error}.",
                               f"The header cannot be read: {error}.")]
    problems = [
        RowProblem(1, column, f"Cột '{column}' không có trong mẫu; các cột: {', '.join(expected)}.",
                   f"Unknown column '{column}'; the columns are: {', '.join(expected)}.")
        for column in header if column not in expected
    ]
    problems += [RowProblem(1, column, f"Cột '{column}' xuất hiện hai lần.", f"The column '{column}' appears twice.")
                 for column in sorted({c for c in header if header.count(c) > 1})]
    problems += [RowProblem(1, column, f"Thiếu cột bắt buộc '{column}'.", f"The required column '{column}' is missing.")
                 for column in expected if column in required and column not in header]
    if problems:
        return [], problems
    records = []
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(RowProblem(line, None, f"Dòng không đọc được: {error}.",
                                       f"The line cannot be read: {error}."))
            break
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header):]):
            problems.append(RowProblem(line, None, f"Dòng có {len(cells)} ô, nhiều hơn {len(header)} cột của tiêu đề.",
                                       f"The line has {len(cells)} cells, more than the {len(header)} columns."))
            continue
        records.append((line, dict(zip(header, cells))))
    return records, problems


def _json_records(text: str, scope: Scope) -> tuple[list[tuple[int, dict]], list[RowProblem]]:
    expected = COLUMNS if scope is Scope.DEPLOYMENT else COMMUNE_COLUMNS
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return [], [RowProblem(error.lineno, None, f"Tệp JSON sai cú pháp (cột {error.colno}): {error.msg}.",
                               f"The JSON is not valid (column {error.colno}): {error.msg}.")]
    if not isinstance(data, list):
        return [], [RowProblem(1, None, "Tệp JSON phải là một mảng các thủ tục: [ {...}, {...} ].",
                               "The JSON file must be an array of procedures: [ {...}, {...} ].")]
    records, problems = [], []
    for line, item in zip(_json_item_lines(text), data):
        if not isinstance(item, dict):
            problems.append(RowProblem(line, None, "Mỗi phần tử phải là một đối tượng { ... }.",
                                       "Every item must be an object { ... }."))
            continue
        unknown = [key for key in item if key not in expected]
        problems += [RowProblem(line, key, f"Trường '{key}' không có trong mẫu.", f"Unknown key '{key}'.")
                     for key in unknown]
        records.append((line, item))
    return records, problems


def _json_item_lines(text: str) -> list[int]:
    """The line each element of a top-level JSON array starts on (the text is known to parse)."""
    decoder, lines = json.JSONDecoder(), []
    position, line = text.index("[") + 1, text.count("\n", 0, text.index("[")) + 1
    while True:
        while text[position] in " \t\r\n,":
            line += text[position] == "\n"
            position += 1
        if text[position] == "]":
            return lines
        lines.append(line)
        _, end = decoder.raw_decode(text, position)
        line += text.count("\n", position, end)
        position = end


def procedure_record(procedure: Procedure) -> dict:
    """One procedure as a JSON object / CSV row: the columns, in order."""
    return {
        "code": procedure.code,
        "name": procedure.name,
        "field": procedure.field,
        "field_name": procedure.field_name,
        "processing_unit": procedure.processing_unit.value,
        "processing_amount": procedure.processing_amount,
        "fee_vnd": procedure.fee_vnd,
        "fee_note": procedure.fee_note,
        "fee_exemptions": list(procedure.fee_exemptions),
        "required_documents": list(procedure.required_documents),
        "handling_body": procedure.handling_body,
        "life_event": procedure.life_event.value if procedure.life_event else None,
        "active": procedure.active,
    }


def override_record(override: ProcedureOverride) -> dict:
    record = {column: None for column in COLUMNS} | {"code": override.code}
    for key, value in override.changes().items():
        if isinstance(value, tuple):
            value = list(value)
        record[key] = value.value if isinstance(value, StrEnum) else value
    return record


def export_catalogue(procedures: Iterable[Procedure], fmt: FileFormat | str) -> str:
    """A deployment's catalogue as a file that :func:`parse_catalogue` reads back unchanged."""
    records = [procedure_record(p) for p in sorted(procedures, key=lambda p: p.code)]
    return _render(records, COLUMNS, FileFormat(fmt))


def export_commune_entries(
    overrides: Iterable[ProcedureOverride], local: Iterable[Procedure], fmt: FileFormat | str
) -> str:
    """A commune's overrides and own procedures as a file (scope 'commune')."""
    records = [{"kind": Kind.OVERRIDE.value} | override_record(o) for o in overrides]
    records += [{"kind": Kind.LOCAL.value} | procedure_record(p) for p in local]
    records.sort(key=lambda r: r["code"])
    return _render(records, COMMUNE_COLUMNS, FileFormat(fmt))


def _render(records: list[dict], columns: Sequence[str], fmt: FileFormat) -> str:
    if fmt is FileFormat.JSON:
        return json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([_csv_cell(record.get(column)) for column in columns])
    return out.getvalue()


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return f" {LIST_SEPARATOR} ".join(value)
    return str(value)


# --------------------------------------------------------------------------- starter catalogue


def _p(code: str, name: str, field: str, unit: ProcessingUnit, amount: float, *, fee: int = 0, fee_note: str = "",
       exemptions: Sequence[str] = (), documents: Sequence[str] = (), body: str = COMMUNE,
       life_event: LifeEvent | None = None) -> Procedure:
    return Procedure(code=code, name=name, field=field, processing_unit=unit, processing_amount=amount,
                     fee_vnd=fee, fee_note=fee_note, fee_exemptions=tuple(exemptions),
                     required_documents=tuple(documents), handling_body=body, life_event=life_event)


_DAYS, _HOURS, _SAME_DAY = ProcessingUnit.WORKING_DAYS, ProcessingUnit.WORKING_HOURS, ProcessingUnit.SAME_DAY
_ID = "Giấy tờ tùy thân của người yêu cầu (xuất trình)"
_PROXY = "Văn bản ủy quyền (nếu người khác làm thay)"
_CIVIL_EXEMPT = ("meritorious", "poor_household", "disability")
_PER_PAGE = "2.000 đồng/trang; từ trang thứ ba trở lên 1.000 đồng/trang, tối đa 200.000 đồng/bản (verify)."

#: The catalogue a new deployment starts with: commune-level procedures.
#: (verify) Processing times and fees below follow the Law on Civil Status 2014, Decree
#: 123/2015, Decree 23/2015, Circular 226/2016/TT-BTC, the Law on Residence 2020 and the Land
#: Law 2024 as commonly applied; fees set by provincial People's Councils (HĐND) vary: check every
#: figure against the province's published list of procedures before going live, and correct it
#: by importing the province's list or per commune through an override.
STARTER_CATALOGUE: tuple[Procedure, ...] = (
    # Hộ tịch — Luật Hộ tịch 2014, Nghị định 123/2015/NĐ-CP.
    _p("HT-KHAISINH", "Đăng ký khai sinh", "ho_tich", _SAME_DAY, 0,
       fee_note="Miễn lệ phí khi đăng ký đúng hạn (Luật Hộ tịch, Điều 11); đăng ký quá hạn theo nghị quyết HĐND tỉnh.",
       exemptions=("at_home_priority",), life_event=LifeEvent.BIRTH,
       documents=("Tờ khai đăng ký khai sinh theo mẫu",
                  "Giấy chứng sinh; nếu không có thì văn bản của người làm chứng hoặc giấy cam đoan về việc sinh",
                  "Giấy chứng nhận kết hôn của cha, mẹ (xuất trình, nếu có)", _ID, _PROXY)),
    _p("HT-KETHON", "Đăng ký kết hôn", "ho_tich", _SAME_DAY, 0,
       fee_note="Miễn lệ phí cho công dân Việt Nam cư trú trong nước (Luật Hộ tịch, Điều 11). "
                "Cần xác minh thì không quá 05 ngày làm việc.",
       exemptions=("at_home_priority",), life_event=LifeEvent.MARRIAGE,
       documents=("Tờ khai đăng ký kết hôn theo mẫu (hai bên nam, nữ có mặt)",
                  "Giấy xác nhận tình trạng hôn nhân (nếu đăng ký ở nơi không phải nơi thường trú)",
                  "Giấy tờ tùy thân của hai bên (xuất trình)")),
    _p("HT-KHAITU", "Đăng ký khai tử", "ho_tich", _SAME_DAY, 0,
       fee_note="Miễn lệ phí khi đăng ký đúng hạn (Luật Hộ tịch, Điều 11).",
       exemptions=("at_home_priority",), life_event=LifeEvent.DEATH,
       documents=("Tờ khai đăng ký khai tử theo mẫu", "Giấy báo tử hoặc giấy tờ thay thế Giấy báo tử", _ID, _PROXY)),
    _p("HT-XNTTHN", "Cấp Giấy xác nhận tình trạng hôn nhân", "ho_tich", _DAYS, 3,
       fee=15_000, fee_note="Theo nghị quyết HĐND tỉnh (verify).", exemptions=_CIVIL_EXEMPT,
       documents=("Tờ khai cấp Giấy xác nhận tình trạng hôn nhân theo mẫu",
                  "Bản án, quyết định ly hôn đã có hiệu lực hoặc giấy chứng tử của vợ/chồng (nếu đã từng kết hôn)",
                  _ID)),
    _p("HT-TRICHLUC", "Cấp bản sao trích lục hộ tịch", "ho_tich", _SAME_DAY, 0,
       fee=8_000, fee_note="8.000 đồng/bản sao trích lục (verify).", exemptions=_CIVIL_EXEMPT,
       documents=("Tờ khai cấp bản sao trích lục hộ tịch theo mẫu", _ID, _PROXY)),
    _p("HT-NHANCMC", "Đăng ký nhận cha, mẹ, con", "ho_tich", _DAYS, 3,
       fee=15_000, fee_note="Theo nghị quyết HĐND tỉnh (verify).", exemptions=_CIVIL_EXEMPT,
       documents=("Tờ khai đăng ký nhận cha, mẹ, con theo mẫu",
                  "Chứng cứ chứng minh quan hệ cha, mẹ, con (văn bản giám định ADN hoặc giấy tờ có giá trị "
                  "tương đương)",
                  _ID)),
    _p("HT-KSNCMC", "Đăng ký khai sinh kết hợp đăng ký nhận cha, mẹ, con", "ho_tich", _DAYS, 3,
       fee=15_000,
       fee_note="Miễn lệ phí khai sinh đúng hạn; lệ phí nhận cha, mẹ, con theo nghị quyết HĐND tỉnh (verify).",
       exemptions=_CIVIL_EXEMPT, life_event=LifeEvent.BIRTH,
       documents=("Tờ khai đăng ký khai sinh và tờ khai đăng ký nhận cha, mẹ, con theo mẫu",
                  "Giấy chứng sinh hoặc giấy tờ thay thế",
                  "Chứng cứ chứng minh quan hệ cha, mẹ, con", _ID)),
    _p("HT-CAICHINH", "Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch", "ho_tich", _DAYS, 3,
       fee=15_000, fee_note="Theo nghị quyết HĐND tỉnh (verify). Cần xác minh thì thêm không quá 03 ngày làm việc.",
       exemptions=_CIVIL_EXEMPT,
       documents=("Tờ khai đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch theo mẫu",
                  "Giấy tờ làm căn cứ thay đổi, cải chính, bổ sung thông tin hộ tịch",
                  "Bản chính giấy tờ hộ tịch cần thay đổi, cải chính", _ID)),
    _p("HT-GIAMHO", "Đăng ký giám hộ", "ho_tich", _DAYS, 3,
       fee_note="Miễn lệ phí (Luật Hộ tịch, Điều 11).",
       documents=("Tờ khai đăng ký giám hộ theo mẫu",
                  "Văn bản cử người giám hộ (giám hộ cử) hoặc giấy tờ chứng minh điều kiện giám hộ đương nhiên", _ID)),
    _p("HT-CDGIAMHO", "Đăng ký chấm dứt giám hộ", "ho_tich", _DAYS, 2,
       fee_note="Miễn lệ phí (verify).",
       documents=("Tờ khai đăng ký chấm dứt giám hộ theo mẫu", "Giấy tờ làm căn cứ chấm dứt giám hộ", _ID)),
    _p("HT-DKLAIKS", "Đăng ký lại khai sinh", "ho_tich", _DAYS, 5,
       fee_note="Theo nghị quyết HĐND tỉnh (verify). Cần xác minh thì không quá 10 ngày làm việc.",
       exemptions=_CIVIL_EXEMPT,
       documents=("Tờ khai đăng ký lại khai sinh theo mẫu",
                  "Bản sao giấy tờ có thông tin khai sinh (nếu có)",
                  "Văn bản cam đoan đã đăng ký khai sinh nhưng không còn lưu giữ bản chính Giấy khai sinh", _ID)),
    _p("HT-DKLAIKH", "Đăng ký lại kết hôn", "ho_tich", _DAYS, 5,
       fee_note="Theo nghị quyết HĐND tỉnh (verify). Cần xác minh thì không quá 10 ngày làm việc.",
       exemptions=_CIVIL_EXEMPT,
       documents=("Tờ khai đăng ký lại kết hôn theo mẫu",
                  "Bản sao Giấy chứng nhận kết hôn được cấp trước đây (nếu có)",
                  "Giấy tờ tùy thân của hai bên (xuất trình)")),
    _p("HT-DKLAIKT", "Đăng ký lại khai tử", "ho_tich", _DAYS, 5,
       fee_note="Theo nghị quyết HĐND tỉnh (verify). Cần xác minh thì không quá 10 ngày làm việc.",
       exemptions=_CIVIL_EXEMPT,
       documents=("Tờ khai đăng ký lại khai tử theo mẫu", "Bản sao giấy tờ liên quan đến việc khai tử (nếu có)", _ID)),
    # Chứng thực — Nghị định 23/2015/NĐ-CP; phí theo Thông tư 226/2016/TT-BTC.
    _p("CT-BANSAO", "Chứng thực bản sao từ bản chính", "chung_thuc", _SAME_DAY, 0,
       fee=2_000, fee_note=_PER_PAGE,
       exemptions=("at_home_priority",),
       documents=("Bản chính giấy tờ, văn bản làm cơ sở chứng thực bản sao",
                  "Bản sao cần chứng thực (nếu người yêu cầu tự chuẩn bị)")),
    _p("CT-CHUKY", "Chứng thực chữ ký", "chung_thuc", _SAME_DAY, 0,
       fee=10_000, fee_note="10.000 đồng/trường hợp (verify).", exemptions=("at_home_priority",),
       documents=("Giấy tờ tùy thân còn giá trị sử dụng (xuất trình)", "Giấy tờ, văn bản cần chứng thực chữ ký")),
    _p("CT-HOPDONG", "Chứng thực hợp đồng, giao dịch", "chung_thuc", _DAYS, 2,
       fee=50_000, fee_note="50.000 đồng/hợp đồng, giao dịch (verify).", exemptions=("at_home_priority",),
       documents=("Dự thảo hợp đồng, giao dịch", "Bản sao giấy tờ tùy thân của người yêu cầu chứng thực",
                  "Bản sao giấy chứng nhận quyền sở hữu, quyền sử dụng tài sản "
                  "(nếu hợp đồng liên quan đến tài sản đó)")),
    _p("CT-DICHUC", "Chứng thực di chúc", "chung_thuc", _DAYS, 2,
       fee=50_000, fee_note="50.000 đồng/di chúc (verify).", exemptions=("at_home_priority",),
       documents=("Dự thảo di chúc", "Bản sao giấy tờ tùy thân của người lập di chúc",
                  "Bản sao giấy chứng nhận quyền sở hữu, quyền sử dụng tài sản "
                  "(nếu di chúc liên quan đến tài sản đó)")),
    _p("CT-TUCHOIDS", "Chứng thực văn bản từ chối nhận di sản", "chung_thuc", _DAYS, 2,
       fee=50_000, fee_note="50.000 đồng/văn bản (verify).",
       documents=("Dự thảo văn bản từ chối nhận di sản", "Bản sao giấy tờ tùy thân của người từ chối nhận di sản")),
    _p("CT-PHANCHIADS", "Chứng thực văn bản thỏa thuận phân chia di sản", "chung_thuc", _DAYS, 2,
       fee=50_000, fee_note="50.000 đồng/văn bản; không tính thời gian niêm yết 15 ngày (verify).",
       documents=("Dự thảo văn bản thỏa thuận phân chia di sản", "Bản sao giấy tờ tùy thân của những người thừa kế",
                  "Bản sao giấy chứng nhận quyền sở hữu, quyền sử dụng tài sản là di sản",
                  "Giấy tờ chứng minh quan hệ giữa người để lại di sản và người được hưởng di sản")),
    _p("CT-SUADOIHD", "Chứng thực việc sửa đổi, bổ sung, hủy bỏ hợp đồng, giao dịch", "chung_thuc", _DAYS, 2,
       fee=30_000, fee_note="30.000 đồng/hợp đồng, giao dịch (verify).",
       documents=("Dự thảo văn bản sửa đổi, bổ sung, hủy bỏ hợp đồng, giao dịch",
                  "Hợp đồng, giao dịch đã được chứng thực", _ID)),
    _p("CT-SUALOIHD", "Sửa lỗi sai sót trong hợp đồng, giao dịch đã được chứng thực", "chung_thuc", _SAME_DAY, 0,
       fee=25_000, fee_note="25.000 đồng/hợp đồng, giao dịch (verify).",
       documents=("Hợp đồng, giao dịch đã được chứng thực có lỗi sai sót", _ID)),
    _p("CT-BANSAOHD", "Cấp bản sao có chứng thực từ bản chính hợp đồng, giao dịch đã được chứng thực", "chung_thuc",
       _SAME_DAY, 0,
       fee=2_000, fee_note=_PER_PAGE,
       documents=("Yêu cầu cấp bản sao của người có quyền yêu cầu", _ID)),
    # Đất đai — Luật Đất đai 2024.
    _p("DD-HOGIAI", "Hòa giải tranh chấp đất đai", "dat_dai", _DAYS, 30,
       fee_note="Không thu phí. Luật Đất đai 2024: không quá 30 ngày (Luật 2013: 45 ngày) — "
                "(verify) luật tính theo ngày, ở đây tính theo ngày làm việc.",
       documents=("Đơn yêu cầu hòa giải tranh chấp đất đai",
                  "Giấy tờ, tài liệu liên quan đến thửa đất tranh chấp (nếu có)")),
    _p("DD-DANGKY", "Đăng ký đất đai, tài sản gắn liền với đất, cấp Giấy chứng nhận lần đầu", "dat_dai", _DAYS, 20,
       fee_note="Lệ phí cấp Giấy chứng nhận theo nghị quyết HĐND tỉnh (verify).",
       body="Văn phòng đăng ký đất đai",
       documents=("Đơn đăng ký đất đai, tài sản gắn liền với đất theo mẫu",
                  "Giấy tờ về quyền sử dụng đất (nếu có)", "Sơ đồ hoặc mảnh trích đo địa chính thửa đất (nếu có)",
                  "Chứng từ thực hiện nghĩa vụ tài chính (nếu có)")),
    # Xây dựng — Luật Xây dựng.
    _p("XD-GPXD", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "xay_dung", _DAYS, 15,
       fee=75_000, fee_note="Lệ phí theo nghị quyết HĐND tỉnh, thường 75.000 đồng/giấy phép (verify).",
       body="UBND cấp huyện",
       documents=("Đơn đề nghị cấp giấy phép xây dựng theo mẫu",
                  "Bản sao giấy tờ chứng minh quyền sử dụng đất",
                  "Hai bộ bản vẽ thiết kế xây dựng (mặt bằng, mặt cắt, mặt đứng, móng)")),
    # Cư trú — Luật Cư trú 2020; Công an cấp xã giải quyết.
    _p("CTR-XACNHAN", "Xác nhận thông tin về cư trú", "cu_tru", _HOURS, 4,
       fee_note="Không thu lệ phí (verify). Nửa ngày làm việc khi thông tin đã có trong Cơ sở dữ liệu về cư trú; "
                "cần xác minh thì không quá 03 ngày làm việc.",
       body="Công an cấp xã",
       documents=("Tờ khai thay đổi thông tin cư trú (CT01) hoặc yêu cầu xác nhận trên Cổng dịch vụ công", _ID)),
    _p("CTR-THUONGTRU", "Đăng ký thường trú", "cu_tru", _DAYS, 7,
       fee=20_000, fee_note="20.000 đồng; nộp trực tuyến 10.000 đồng (verify).", body="Công an cấp xã",
       documents=("Tờ khai thay đổi thông tin cư trú (CT01)",
                  "Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp", "Giấy tờ chứng minh quan hệ nhân thân (nếu có)")),
    _p("CTR-TAMTRU", "Đăng ký tạm trú", "cu_tru", _DAYS, 3,
       fee=15_000, fee_note="15.000 đồng; nộp trực tuyến 7.000 đồng (verify).", body="Công an cấp xã",
       documents=("Tờ khai thay đổi thông tin cư trú (CT01)", "Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp")),
    # Tín ngưỡng, tôn giáo — Luật Tín ngưỡng, tôn giáo 2016.
    _p("TG-TINNGUONG", "Đăng ký hoạt động tín ngưỡng", "ton_giao", _DAYS, 15,
       fee_note="Không thu phí. Luật quy định 15 ngày (verify).",
       documents=("Văn bản đăng ký hoạt động tín ngưỡng theo mẫu",
                  "Danh mục hoạt động tín ngưỡng (tên, quy mô, thời gian, địa điểm)")),
    _p("TG-SHTGTT", "Đăng ký sinh hoạt tôn giáo tập trung", "ton_giao", _DAYS, 20,
       fee_note="Không thu phí. Luật quy định 20 ngày (verify).",
       documents=("Văn bản đăng ký sinh hoạt tôn giáo tập trung theo mẫu",
                  "Giấy tờ chứng minh địa điểm hợp pháp để sinh hoạt tôn giáo tập trung",
                  "Sơ yếu lý lịch của người đại diện nhóm")),
    # Nuôi con nuôi — Luật Nuôi con nuôi 2010.
    _p("NCN-TRONGNUOC", "Đăng ký việc nuôi con nuôi trong nước", "nuoi_con_nuoi", _DAYS, 30,
       fee=400_000, fee_note="400.000 đồng/trường hợp; miễn cho cha dượng, mẹ kế, cô, cậu, dì, chú, bác ruột "
                             "nhận cháu làm con nuôi và nhận trẻ em khuyết tật (verify).",
       documents=("Đơn xin nhận con nuôi theo mẫu", "Bản sao giấy tờ tùy thân của người nhận con nuôi",
                  "Phiếu lý lịch tư pháp của người nhận con nuôi", "Giấy khai sinh của người được nhận làm con nuôi",
                  "Giấy khám sức khỏe của người được nhận làm con nuôi")),
    # Bảo trợ xã hội — Nghị định 20/2021/NĐ-CP.
    _p("BTXH-TROCAP", "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hằng tháng", "bao_tro_xa_hoi", _DAYS, 20,
       fee_note="Không thu phí. UBND cấp xã xét duyệt, niêm yết và chuyển hồ sơ (verify).", body="UBND cấp huyện",
       documents=("Tờ khai đề nghị trợ giúp xã hội theo mẫu",
                  "Giấy xác nhận khuyết tật hoặc giấy tờ chứng minh thuộc đối tượng (nếu có)")),
    _p("BTXH-MAITANG", "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội", "bao_tro_xa_hoi", _DAYS, 5,
       fee_note="Không thu phí (verify).", body="UBND cấp huyện",
       documents=("Tờ khai đề nghị hỗ trợ chi phí mai táng theo mẫu", "Bản sao giấy chứng tử",
                  "Bản sao quyết định hưởng trợ cấp xã hội của người đã chết (nếu có)")),
)


def find_procedure(code: str) -> Procedure | None:
    """A procedure of the starter catalogue (before per-commune lookups existed; prefer the
    catalogue store's ``get_procedure``, which sees imports and overrides)."""
    return next((p for p in STARTER_CATALOGUE if p.code == code), None)
