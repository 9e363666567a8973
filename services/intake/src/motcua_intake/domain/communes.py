"""The commune profile: what the letterhead and the signature block of every printed form
say. Pure: no I/O, no clock.

A printed form must never fail for want of a profile: a commune that has not filled its
profile in yet prints with a default built from its code, with dotted blanks where a
name belongs — as a blank paper form would have them.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

#: The one-stop unit's name on the letterhead (Nghị định 61/2018; many communes now say
#: "Bộ phận Một cửa" — the profile decides).
DEFAULT_ONE_STOP_UNIT = "Bộ phận Tiếp nhận và Trả kết quả"
DEFAULT_SIGNER_TITLE = "Chủ tịch"
#: What a blank form shows where a place name belongs.
BLANK = "……………"

_HOTLINE = re.compile(r"^\+?[0-9][0-9 .\-]{2,19}$")
_LIMITS = {
    "official_name": 150,
    "district_province": 200,
    "one_stop_unit": 150,
    "place_name": 80,
    "signer_name": 100,
    "signer_title": 150,
    "hotline": 20,
    "address": 300,
}
#: Vietnamese names of the fields, for error messages.
FIELD_VI = {
    "official_name": "tên cơ quan (official_name)",
    "district_province": "huyện/tỉnh (district_province)",
    "one_stop_unit": "tên bộ phận một cửa (one_stop_unit)",
    "place_name": "địa danh ghi ngày tháng (place_name)",
    "signer_name": "họ tên người ký (signer_name)",
    "signer_title": "chức vụ người ký (signer_title)",
    "hotline": "đường dây nóng (hotline)",
    "address": "địa chỉ (address)",
}
_REQUIRED = ("official_name", "one_stop_unit", "place_name")
#: Only the signer's title may run over two or three lines ("KT. CHỦ TỊCH / PHÓ CHỦ TỊCH").
_MULTILINE = ("signer_title",)


@dataclass(frozen=True)
class ProfileProblem:
    field: str
    message_vi: str
    message_en: str


class InvalidProfile(ValueError):
    code = "invalid_commune_profile"

    def __init__(self, problems: list[ProfileProblem]) -> None:
        super().__init__("; ".join(p.message_en for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class CommuneProfile:
    commune_code: str
    #: "UBND phường Tân Phong" — the People's Committee the one-stop unit belongs to.
    official_name: str
    #: "thành phố Biên Hòa, tỉnh Đồng Nai" — the line placing the commune (may be empty
    #: where districts were abolished: then just the province).
    district_province: str = ""
    one_stop_unit: str = DEFAULT_ONE_STOP_UNIT
    #: "Tân Phong" — the place name of the date line "Tân Phong, ngày 22 tháng 11 năm 2026".
    place_name: str = ""
    signer_name: str = ""
    signer_title: str = DEFAULT_SIGNER_TITLE
    hotline: str = ""
    #: Where results are collected, e.g. "Số 1 đường Nguyễn Ái Quốc, phường Tân Phong".
    address: str = ""
    #: True for the fallback built from the code (nothing stored yet).
    is_default: bool = False

    # -- what the forms print -------------------------------------------------------------

    @property
    def letterhead_left(self) -> tuple[str, str]:
        """The body block on the left: 'UBND PHƯỜNG TÂN PHONG' / 'BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ'."""
        return upper_vi(self.official_name), upper_vi(self.one_stop_unit)

    @property
    def full_name(self) -> str:
        """'UBND phường Tân Phong, thành phố Biên Hòa, tỉnh Đồng Nai'."""
        return ", ".join(part for part in (self.official_name, self.district_province) if part)

    @property
    def signer_title_lines(self) -> tuple[str, ...]:
        return tuple(upper_vi(line) for line in self.signer_title.splitlines() if line.strip())

    def date_line(self, day: date) -> str:
        """'Tân Phong, ngày 22 tháng 11 năm 2026'."""
        return f"{self.place_name or BLANK}, {vietnamese_date(day)}"


def upper_vi(text: str) -> str:
    """Upper case that keeps 'UBND' and works for every Vietnamese letter (ư → Ư, đ → Đ)."""
    return unicodedata.normalize("NFC", text).upper()


def vietnamese_date(day: date) -> str:
    """'ngày 05 tháng 01 năm 2026', 'ngày 22 tháng 11 năm 2026': days below 10 and the months
    January and February take a leading zero (Nghị định 30/2020/NĐ-CP on administrative
    documents), so a date cannot be altered by adding a digit."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def default_profile(commune_code: str) -> CommuneProfile:
    """What prints before a commune has filled its profile in: correct in form, obviously generic."""
    return CommuneProfile(
        commune_code=commune_code,
        official_name=f"UBND xã/phường (mã {commune_code})",
        is_default=True,
    )


def _clean(value: str | None, *, multiline: bool) -> str:
    text = unicodedata.normalize("NFC", value or "")
    if multiline:
        return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())
    return " ".join(text.split())


def make_profile(commune_code: str, **fields: str | None) -> CommuneProfile:
    """A profile from what an administrator typed: spaces tidied, text in NFC (a Mac keyboard
    sends 'ế' as two code points; a PDF font draws one), every problem reported at once."""
    unknown = set(fields) - set(_LIMITS)
    if unknown:
        raise TypeError(f"unknown profile fields: {sorted(unknown)}")
    cleaned = {name: _clean(fields.get(name), multiline=name in _MULTILINE) for name in _LIMITS}
    if not cleaned["one_stop_unit"]:
        cleaned["one_stop_unit"] = DEFAULT_ONE_STOP_UNIT
    if not cleaned["signer_title"]:
        cleaned["signer_title"] = DEFAULT_SIGNER_TITLE
    problems: list[ProfileProblem] = []
    for name in _REQUIRED:
        if not cleaned[name]:
            problems.append(ProfileProblem(name, f"Cần nhập {FIELD_VI[name]}.", f"{name} is required."))
    for name, limit in _LIMITS.items():
        if len(cleaned[name]) > limit:
            problems.append(ProfileProblem(
                name, f"{FIELD_VI[name].capitalize()} dài quá {limit} ký tự.",
                f"{name} is longer than {limit} characters."))
    if len(cleaned["signer_title"].splitlines()) > 3:
        problems.append(ProfileProblem(
            "signer_title", "Chức vụ người ký tối đa 3 dòng.", "signer_title has at most 3 lines."))
    if cleaned["hotline"] and not _HOTLINE.match(cleaned["hotline"]):
        problems.append(ProfileProblem(
            "hotline", "Đường dây nóng chỉ gồm chữ số (có thể có dấu cách, dấu chấm, gạch nối, dấu + ở đầu).",
            "hotline may hold only digits, spaces, dots, hyphens and a leading +."))
    if cleaned["place_name"] and "," in cleaned["place_name"]:
        problems.append(ProfileProblem(
            "place_name", "Địa danh ghi ngày tháng chỉ là tên địa phương, ví dụ “Tân Phong” (không có dấu phẩy).",
            "place_name is a bare place name such as 'Tân Phong' (no comma)."))
    if problems:
        raise InvalidProfile(problems)
    return CommuneProfile(commune_code=commune_code, **cleaned)


def profile_fields(profile: CommuneProfile) -> dict[str, str]:
    """The editable fields, as stored and as the API shows them."""
    return {name: getattr(profile, name) for name in _LIMITS}
