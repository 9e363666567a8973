"""Wording of letters and messages: per commune and purpose, Jinja placeholders checked when
saved, default Vietnamese wording (English available). Pure: no I/O, no clock.

A template has a ``title`` (letter title, e-mail subject), a ``body`` (the letter, the
e-mail) and an ``sms`` text (SMS and Zalo). They are rendered in Jinja's sandbox with
``StrictUndefined``: only the placeholders of the purpose exist, a template naming any other is
refused when it is saved (an unknown placeholder is an error, not a blank in a printed letter).
The letterhead and the signer belong to the commune (:class:`Letterhead`), not to a template.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from motcua_notify.domain.rules import VIETNAM, Purpose

_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
MAX_TEMPLATE_CHARS = 8000
LANGUAGES = ("vi", "en")

#: Placeholders every purpose has, with their meaning (shown in the editor).
COMMON = {
    "applicant_name": ("Họ tên người nộp hồ sơ", "Applicant's name"),
    "dossier_code": ("Mã hồ sơ", "Dossier code"),
    "procedure_name": ("Tên thủ tục", "Procedure"),
    "commune_name": ("Tên xã/phường (ví dụ: xã Hòa Phú)", "Commune name"),
    "unit_name": ("Tên bộ phận một cửa", "One-stop unit"),
    "lookup_url": ("Địa chỉ tra cứu hồ sơ", "Lookup link"),
    "received_date": ("Ngày tiếp nhận (dd/mm/yyyy)", "Receipt date"),
    "appointment_date": ("Ngày hẹn trả kết quả", "Appointment date"),
    "today": ("Ngày lập thư", "Date of the letter"),
    "signer_name": ("Họ tên người ký", "Signer's name"),
    "signer_title": ("Chức vụ người ký", "Signer's title"),
}
EXTRA = {
    Purpose.APOLOGY: {
        "reason": ("Lý do chậm trả kết quả", "Why the result is late"),
        "previous_appointment_date": ("Ngày hẹn cũ", "Previous appointment"),
        "new_appointment_date": ("Ngày hẹn mới", "New appointment"),
    },
    Purpose.CONGRATULATION: {
        "life_event": ("Sự kiện: marriage hoặc birth", "Life event: marriage or birth"),
        "life_event_vi": ("Tên thủ tục của sự kiện (đăng ký kết hôn...)", "The life event's procedure, in words"),
    },
    Purpose.CONDOLENCE: {},
    Purpose.THANKS: {"feedback_code": ("Mã phản ánh, kiến nghị (nếu có)", "Feedback code, if any")},
    Purpose.SESSION_REMINDER: {
        "session_date": ("Ngày phiên ngoài giờ", "Date of the session"),
        "session_title": ("Tên phiên (ví dụ: Chủ nhật thân thiện)", "The session's name"),
        "session_time": ("Giờ làm việc của phiên (07:30–11:00)", "The session's hours"),
        "booking_code": ("Mã đăng ký (khi công dân đã đăng ký trước)", "Booking code, when the citizen booked"),
    },
    Purpose.RECEIPT: {},
    Purpose.RESULT_READY: {},
    Purpose.BALLOT: {
        "ballot_url": ("Đường dẫn phiếu đánh giá (dùng một lần)", "The ballot's one-time link"),
        "ballot_expiry_date": ("Hạn gửi phiếu (dd/mm/yyyy)", "Last day to answer"),
    },
}


def placeholders(purpose: Purpose) -> dict[str, tuple[str, str]]:
    return {**COMMON, **EXTRA[purpose]}


@dataclass(frozen=True)
class Wording:
    title: str
    body: str
    sms: str


@dataclass(frozen=True)
class Letterhead:
    """The commune's letterhead and signature block (what every letter of the commune shows)."""

    agency: str = "ỦY BAN NHÂN DÂN"
    commune_name: str = ""
    unit_name: str = "Bộ phận Tiếp nhận và Trả kết quả"
    place_name: str = ""
    signer_name: str = ""
    signer_title: str = "CHỦ TỊCH"
    lookup_url: str = ""

    @classmethod
    def default(cls, commune_code: str) -> "Letterhead":
        return cls(commune_name=f"xã/phường {commune_code}", agency=f"ỦY BAN NHÂN DÂN XÃ/PHƯỜNG {commune_code}",
                   place_name="……………")


@dataclass(frozen=True)
class TemplateProblem:
    part: str  # title, body, sms
    code: str  # unknown_placeholder, syntax, too_long, unsafe
    message_vi: str
    message_en: str
    placeholder: str | None = None


class InvalidTemplate(ValueError):
    def __init__(self, problems: list[TemplateProblem]) -> None:
        super().__init__("; ".join(p.message_en for p in problems))
        self.problems = problems

    @property
    def message_vi(self) -> str:
        return "Mẫu chưa lưu được: " + "; ".join(p.message_vi for p in self.problems)

    @property
    def message_en(self) -> str:
        return "The template was not saved: " + "; ".join(p.message_en for p in self.problems)


PART_VI = {"title": "tiêu đề", "body": "nội dung thư", "sms": "nội dung tin nhắn"}


def check(purpose: Purpose, wording: Wording) -> None:
    """Raise :class:`InvalidTemplate` naming every problem: syntax, unknown placeholders, and a
    trial rendering with sample values (a sandbox refusal, a filter that does not exist)."""
    allowed = placeholders(purpose)
    problems: list[TemplateProblem] = []
    for part in ("title", "body", "sms"):
        text = getattr(wording, part)
        where = PART_VI[part]
        if len(text) > MAX_TEMPLATE_CHARS:
            problems.append(TemplateProblem(part, "too_long", f"{where} dài quá {MAX_TEMPLATE_CHARS} ký tự",
                                            f"{part} is longer than {MAX_TEMPLATE_CHARS} characters"))
            continue
        try:
            parsed = _ENV.parse(text)
        except TemplateSyntaxError as error:
            problems.append(TemplateProblem(part, "syntax", f"{where} sai cú pháp ở dòng {error.lineno}: {error.message}",
                                            f"{part}: syntax error on line {error.lineno}: {error.message}"))
            continue
        unknown = sorted(meta.find_undeclared_variables(parsed) - set(allowed))
        for name in unknown:
            problems.append(TemplateProblem(
                part, "unknown_placeholder",
                f"{where} dùng biến không có: {{{{ {name} }}}} (các biến được dùng: {', '.join(sorted(allowed))})",
                f"{part} uses an unknown placeholder: {{{{ {name} }}}}", placeholder=name))
        if unknown:
            continue
        try:
            _ENV.from_string(text).render(sample_values(purpose))
        except (SecurityError, UndefinedError, TypeError, ValueError) as error:
            problems.append(TemplateProblem(part, "unsafe", f"{where} không hiển thị được: {error}",
                                            f"{part} cannot be rendered: {error}"))
        except TemplateSyntaxError as error:  # an unknown filter is found only when compiled
            problems.append(TemplateProblem(part, "syntax", f"{where} sai cú pháp: {error.message}",
                                            f"{part}: syntax error: {error.message}"))
    if problems:
        raise InvalidTemplate(problems)


def render(wording: Wording, values: dict[str, str]) -> Wording:
    return Wording(*(_ENV.from_string(getattr(wording, part)).render(values).strip()
                     for part in ("title", "body", "sms")))


def local_date(value: datetime | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(VIETNAM).date()
    return value.strftime("%d/%m/%Y")


LIFE_EVENT_VI = {"marriage": "đăng ký kết hôn", "birth": "đăng ký khai sinh", "death": "đăng ký khai tử"}
LIFE_EVENT_EN = {"marriage": "marriage registration", "birth": "birth registration", "death": "death registration"}


@dataclass(frozen=True)
class LetterFacts:
    """Everything a template may say, before formatting."""

    applicant_name: str = ""
    dossier_code: str = ""
    procedure_name: str = ""
    received_at: datetime | None = None
    appointment_at: datetime | None = None
    today: date | None = None
    details: dict = field(default_factory=dict)


def values_for(purpose: Purpose, letterhead: Letterhead, facts: LetterFacts) -> dict[str, str]:
    """Every placeholder of the purpose, always present (blank where the facts have nothing)."""
    d = facts.details
    values = {
        "applicant_name": facts.applicant_name, "dossier_code": facts.dossier_code,
        "procedure_name": facts.procedure_name, "commune_name": letterhead.commune_name,
        "unit_name": letterhead.unit_name, "lookup_url": letterhead.lookup_url,
        "received_date": local_date(facts.received_at), "appointment_date": local_date(facts.appointment_at),
        "today": local_date(facts.today), "signer_name": letterhead.signer_name,
        "signer_title": letterhead.signer_title,
    }
    extra = {
        "reason": str(d.get("reason") or ""),
        "previous_appointment_date": local_date(_as_datetime(d.get("previous_appointment_at"))),
        "new_appointment_date": local_date(_as_datetime(d.get("appointment_at"))),
        "life_event": str(d.get("life_event") or ""),
        "life_event_vi": LIFE_EVENT_VI.get(str(d.get("life_event") or ""), ""),
        "feedback_code": str(d.get("feedback_code") or ""),
        "session_date": local_date(date.fromisoformat(d["session_date"])) if d.get("session_date") else "",
        "session_title": str(d.get("session_title") or ""),
        "session_time": str(d.get("session_time") or ""),
        "booking_code": str(d.get("booking_code") or ""),
        "ballot_url": str(d.get("ballot_url") or ""),
        "ballot_expiry_date": local_date(_as_datetime(d.get("ballot_expires_at"))),
    }
    values.update({k: extra[k] for k in EXTRA[purpose]})
    return values


def _as_datetime(value) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    # MongoDB gives naive UTC datetimes back.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def sample_values(purpose: Purpose) -> dict[str, str]:
    """What the editor's preview and the check on save render with."""
    facts = LetterFacts(
        applicant_name="Nguyễn Thị Hoa", dossier_code="26041-261123-0007", procedure_name="Đăng ký kết hôn",
        received_at=datetime(2026, 11, 23, 2, tzinfo=VIETNAM), appointment_at=datetime(2026, 11, 26, 9, tzinfo=VIETNAM),
        today=date(2026, 11, 26),
        details={"reason": "Cần xác minh thêm thông tin cư trú tại nơi khác",
                 "previous_appointment_at": datetime(2026, 11, 26, 9, tzinfo=VIETNAM),
                 "appointment_at": datetime(2026, 12, 2, 9, tzinfo=VIETNAM),
                 "life_event": "marriage", "feedback_code": "PA-2611-0003", "session_date": "2026-11-29",
                 "session_title": "Chủ nhật thân thiện", "session_time": "07:30–11:00",
                 "booking_code": "DK-261129-4B5C6D", "ballot_url": "https://motcua.example/p/k7m2q9x4tw",
                 "ballot_expires_at": datetime(2026, 12, 26, 10, tzinfo=VIETNAM)},
    )
    head = Letterhead(agency="ỦY BAN NHÂN DÂN XÃ HÒA PHÚ", commune_name="xã Hòa Phú", place_name="Hòa Phú",
                      signer_name="Trần Văn Bình", signer_title="CHỦ TỊCH", lookup_url="https://motcua.example/tra-cuu")
    return values_for(purpose, head, facts)


# --------------------------------------------------------------------------- default wording
# Formal, respectful administrative Vietnamese: "Ông/Bà", "trân trọng", the commune speaks as
# its People's Committee; condolences sober, congratulations warm without familiarity.

_DEFAULTS_VI: dict[Purpose, Wording] = {
    Purpose.APOLOGY: Wording(
        title="THƯ XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        body=(
            "Kính gửi: Ông/Bà {{ applicant_name }}\n\n"
            "Ngày {{ received_date }}, {{ unit_name }} {{ commune_name }} đã tiếp nhận hồ sơ "
            "{{ procedure_name }} của Ông/Bà, mã hồ sơ {{ dossier_code }}, hẹn trả kết quả vào ngày "
            "{{ previous_appointment_date }}.\n\n"
            "Tuy nhiên, đến nay hồ sơ của Ông/Bà chưa được giải quyết xong"
            "{% if reason %}. Lý do: {{ reason }}{% endif %}.\n\n"
            "Sự chậm trễ này đã làm mất thời gian và công sức của Ông/Bà. Ủy ban nhân dân {{ commune_name }} "
            "thành thật xin lỗi Ông/Bà và xin hẹn lại ngày trả kết quả là ngày {{ new_appointment_date }}.\n\n"
            "Rất mong Ông/Bà thông cảm. Mọi thắc mắc, Ông/Bà vui lòng liên hệ {{ unit_name }} để được giải đáp.\n\n"
            "Trân trọng."
        ),
        sms=("{{ commune_name }} xin lỗi Ông/Bà: hồ sơ {{ dossier_code }} chưa có kết quả đúng hẹn. "
             "Ngày hẹn mới: {{ new_appointment_date }}.{% if lookup_url %} Tra cứu: {{ lookup_url }}{% endif %}"),
    ),
    Purpose.CONGRATULATION: Wording(
        title="THƯ CHÚC MỪNG",
        body=(
            "Kính gửi: Ông/Bà {{ applicant_name }}\n\n"
            "Nhân dịp Ông/Bà hoàn thành thủ tục {{ life_event_vi }}, Ủy ban nhân dân {{ commune_name }} "
            "xin gửi tới Ông/Bà và gia đình lời chúc mừng tốt đẹp nhất.\n\n"
            "{% if life_event == 'marriage' %}Chúc hai bạn trăm năm hạnh phúc, luôn yêu thương, thấu hiểu, "
            "cùng nhau xây dựng gia đình no ấm, bình đẳng, tiến bộ và hạnh phúc."
            "{% else %}Chúc cháu bé luôn mạnh khỏe, bình an, lớn lên trong vòng tay yêu thương của gia đình; "
            "chúc gia đình Ông/Bà luôn mạnh khỏe, hạnh phúc.{% endif %}\n\n"
            "Trân trọng."
        ),
        sms="{{ commune_name }} trân trọng chúc mừng gia đình Ông/Bà nhân dịp {{ life_event_vi }}.",
    ),
    Purpose.CONDOLENCE: Wording(
        title="THƯ CHIA BUỒN",
        body=(
            "Kính gửi: Ông/Bà {{ applicant_name }} và gia quyến\n\n"
            "Được tin gia đình Ông/Bà có người thân qua đời, Ủy ban nhân dân {{ commune_name }} xin gửi tới "
            "Ông/Bà và toàn thể gia quyến lời chia buồn sâu sắc nhất.\n\n"
            "Mong gia đình sớm vượt qua nỗi mất mát lớn lao này. Khi gia đình cần làm các thủ tục liên quan, "
            "{{ unit_name }} luôn sẵn sàng hướng dẫn, hỗ trợ.\n\n"
            "Thành kính chia buồn cùng gia đình."
        ),
        sms="{{ commune_name }} xin thành kính chia buồn cùng Ông/Bà và gia quyến.",
    ),
    Purpose.THANKS: Wording(
        title="THƯ CẢM ƠN",
        body=(
            "Kính gửi: Ông/Bà {{ applicant_name }}\n\n"
            "Ủy ban nhân dân {{ commune_name }} trân trọng cảm ơn Ông/Bà đã "
            "{% if feedback_code %}gửi phản ánh, kiến nghị (mã {{ feedback_code }}), giúp chính quyền địa phương "
            "thấy rõ những việc cần làm tốt hơn"
            "{% else %}dành thời gian đánh giá mức độ hài lòng về việc giải quyết hồ sơ {{ dossier_code }}{% endif %}.\n\n"
            "Ý kiến của Ông/Bà là cơ sở quý báu để chúng tôi không ngừng cải tiến, phục vụ Nhân dân ngày càng tốt hơn.\n\n"
            "Kính chúc Ông/Bà và gia đình mạnh khỏe, hạnh phúc."
        ),
        sms="{{ commune_name }} trân trọng cảm ơn Ông/Bà đã góp ý, đánh giá.",
    ),
    Purpose.RECEIPT: Wording(
        title="{{ commune_name }}: đã tiếp nhận hồ sơ {{ dossier_code }}",
        body=(
            "Kính gửi Ông/Bà {{ applicant_name }},\n\n"
            "{{ unit_name }} {{ commune_name }} đã tiếp nhận hồ sơ {{ procedure_name }} của Ông/Bà "
            "ngày {{ received_date }}, mã hồ sơ {{ dossier_code }}. Ngày hẹn trả kết quả: {{ appointment_date }}.\n\n"
            "{% if lookup_url %}Ông/Bà có thể tra cứu tình trạng hồ sơ tại {{ lookup_url }}.\n\n{% endif %}Trân trọng."
        ),
        sms=("{{ commune_name }} đã nhận hồ sơ {{ dossier_code }}, hẹn trả {{ appointment_date }}. "
             "{% if lookup_url %}Tra cứu: {{ lookup_url }}{% endif %}"),
    ),
    Purpose.RESULT_READY: Wording(
        title="{{ commune_name }}: hồ sơ {{ dossier_code }} đã có kết quả",
        body=(
            "Kính gửi Ông/Bà {{ applicant_name }},\n\n"
            "Hồ sơ {{ procedure_name }} của Ông/Bà, mã {{ dossier_code }}, đã có kết quả. "
            "Mời Ông/Bà đến {{ unit_name }} {{ commune_name }} để nhận kết quả.\n\nTrân trọng."
        ),
        sms="Hồ sơ {{ dossier_code }} đã có kết quả. Mời Ông/Bà đến {{ unit_name }} {{ commune_name }} nhận.",
    ),
    Purpose.SESSION_REMINDER: Wording(
        title="{{ commune_name }}: nhắc lịch phiên tiếp nhận ngoài giờ ngày {{ session_date }}",
        body=(
            "Kính gửi Ông/Bà {{ applicant_name }},\n\n"
            "{{ unit_name }} {{ commune_name }} xin nhắc Ông/Bà lịch phiên tiếp nhận ngoài giờ hành chính"
            "{% if session_title %} \u201c{{ session_title }}\u201d{% endif %} ngày {{ session_date }}"
            "{% if session_time %}, khung giờ {{ session_time }}{% endif %}"
            "{% if booking_code %} (mã đăng ký {{ booking_code }}){% endif %}"
            "{% if dossier_code %} (hồ sơ {{ dossier_code }}){% endif %}.\n\n"
            "Nếu không thể đến, xin Ông/Bà báo lại để nhường lượt cho người khác.\n\nTrân trọng."
        ),
        sms=("{{ commune_name }} nhắc Ông/Bà: phiên tiếp nhận ngoài giờ ngày {{ session_date }}"
             "{% if session_time %}, {{ session_time }}{% endif %}"
             "{% if booking_code %} (mã {{ booking_code }}){% endif %}"
             "{% if dossier_code %} (hồ sơ {{ dossier_code }}){% endif %}."),
    ),
    Purpose.BALLOT: Wording(
        title="{{ commune_name }} mời Ông/Bà đánh giá mức độ hài lòng",
        body=(
            "Kính gửi Ông/Bà {{ applicant_name }},\n\n"
            "Cảm ơn Ông/Bà đã sử dụng dịch vụ của {{ unit_name }} {{ commune_name }}"
            "{% if dossier_code %} (hồ sơ {{ dossier_code }}){% endif %}. "
            "Để chúng tôi phục vụ ngày càng tốt hơn, kính mời Ông/Bà dành một phút đánh giá mức độ hài lòng "
            "tại {{ ballot_url }}{% if ballot_expiry_date %} (trước ngày {{ ballot_expiry_date }}){% endif %}. "
            "Phiếu đánh giá chỉ dùng một lần.\n\nTrân trọng."
        ),
        sms=("{{ commune_name }} kính mời Ông/Bà đánh giá mức độ hài lòng về hồ sơ {{ dossier_code }}: "
             "{{ ballot_url }}"),
    ),
}

_DEFAULTS_EN: dict[Purpose, Wording] = {
    Purpose.APOLOGY: Wording(
        title="LETTER OF APOLOGY AND NEW APPOINTMENT",
        body=("Dear {{ applicant_name }},\n\nOn {{ received_date }} the {{ unit_name }} of {{ commune_name }} received "
              "your application for {{ procedure_name }} (dossier {{ dossier_code }}), with the result promised for "
              "{{ previous_appointment_date }}.\n\nWe have not been able to complete it in time"
              "{% if reason %}: {{ reason }}{% endif %}.\n\nThe People's Committee of {{ commune_name }} sincerely "
              "apologises for the delay and the trouble it causes you. Your new appointment is "
              "{{ new_appointment_date }}.\n\nYours faithfully."),
        sms=("{{ commune_name }} apologises: dossier {{ dossier_code }} is late. New date: {{ new_appointment_date }}. "
             "{{ lookup_url }}"),
    ),
    Purpose.CONGRATULATION: Wording(
        title="LETTER OF CONGRATULATIONS",
        body=("Dear {{ applicant_name }},\n\nOn the occasion of your {{ life_event_vi }}, the People's Committee of "
              "{{ commune_name }} sends you and your family its warmest congratulations.\n\n"
              "{% if life_event == 'marriage' %}We wish you a long and happy life together."
              "{% else %}We wish your child good health and a happy life in a loving family.{% endif %}\n\n"
              "With our best wishes."),
        sms="{{ commune_name }} congratulates your family.",
    ),
    Purpose.CONDOLENCE: Wording(
        title="LETTER OF CONDOLENCE",
        body=("Dear {{ applicant_name }} and family,\n\nThe People's Committee of {{ commune_name }} offers you and "
              "your family its deepest condolences on your loss.\n\nThe {{ unit_name }} stands ready to help with the "
              "formalities that follow.\n\nWith deepest sympathy."),
        sms="{{ commune_name }} offers its deepest condolences to you and your family.",
    ),
    Purpose.THANKS: Wording(
        title="LETTER OF THANKS",
        body=("Dear {{ applicant_name }},\n\nThe People's Committee of {{ commune_name }} thanks you for "
              "{% if feedback_code %}your feedback ({{ feedback_code }}){% else %}rating our service on dossier "
              "{{ dossier_code }}{% endif %}. Your opinion helps us serve the people better.\n\nWith our best wishes."),
        sms="{{ commune_name }} thanks you for your opinion.",
    ),
    Purpose.RECEIPT: Wording(
        title="{{ commune_name }}: dossier {{ dossier_code }} received",
        body=("Dear {{ applicant_name }},\n\nThe {{ unit_name }} of {{ commune_name }} received your application for "
              "{{ procedure_name }} on {{ received_date }} (dossier {{ dossier_code }}). Result promised for "
              "{{ appointment_date }}. Follow it at {{ lookup_url }}."),
        sms="{{ commune_name }} received dossier {{ dossier_code }}, result by {{ appointment_date }}. {{ lookup_url }}",
    ),
    Purpose.RESULT_READY: Wording(
        title="{{ commune_name }}: the result of dossier {{ dossier_code }} is ready",
        body="Dear {{ applicant_name }},\n\nThe result of your dossier {{ dossier_code }} is ready at the {{ unit_name }}.",
        sms="The result of dossier {{ dossier_code }} is ready at {{ commune_name }}.",
    ),
    Purpose.SESSION_REMINDER: Wording(
        title="{{ commune_name }}: out-of-hours session on {{ session_date }}",
        body=("Dear {{ applicant_name }},\n\nA reminder of the out-of-hours session"
              "{% if session_title %} \u201c{{ session_title }}\u201d{% endif %} on {{ session_date }}"
              "{% if session_time %}, {{ session_time }}{% endif %}"
              "{% if booking_code %} (booking {{ booking_code }}){% endif %}"
              "{% if dossier_code %} (dossier {{ dossier_code }}){% endif %}.\n\n"
              "If you cannot come, please let us know so that someone else may have your place."),
        sms=("Reminder: out-of-hours session on {{ session_date }}{% if session_time %}, {{ session_time }}{% endif %}"
             "{% if booking_code %} (booking {{ booking_code }}){% endif %}"
             "{% if dossier_code %} (dossier {{ dossier_code }}){% endif %}."),
    ),
    Purpose.BALLOT: Wording(
        title="{{ commune_name }} invites you to rate our service",
        body=("Dear {{ applicant_name }},\n\nThank you for using the {{ unit_name }} of {{ commune_name }}"
              "{% if dossier_code %} (dossier {{ dossier_code }}){% endif %}. Please take a minute to tell us how "
              "satisfied you are at {{ ballot_url }}{% if ballot_expiry_date %} (by {{ ballot_expiry_date }}){% endif %}. "
              "The link works once."),
        sms="{{ commune_name }}: please rate our service for dossier {{ dossier_code }}: {{ ballot_url }}",
    ),
}

DEFAULTS: dict[str, dict[Purpose, Wording]] = {"vi": _DEFAULTS_VI, "en": _DEFAULTS_EN}

PURPOSE_VI = {
    Purpose.APOLOGY: "Thư xin lỗi và hẹn lại ngày trả kết quả", Purpose.CONGRATULATION: "Thư chúc mừng",
    Purpose.CONDOLENCE: "Thư chia buồn", Purpose.THANKS: "Thư cảm ơn", Purpose.RECEIPT: "Tin nhắn tiếp nhận hồ sơ",
    Purpose.RESULT_READY: "Tin nhắn báo có kết quả", Purpose.SESSION_REMINDER: "Nhắc lịch phiên ngoài giờ",
    Purpose.BALLOT: "Tin nhắn mời đánh giá sự hài lòng",
}
PURPOSE_EN = {
    Purpose.APOLOGY: "Apology with a new date", Purpose.CONGRATULATION: "Congratulations",
    Purpose.CONDOLENCE: "Condolences", Purpose.THANKS: "Thanks", Purpose.RECEIPT: "Receipt message",
    Purpose.RESULT_READY: "Result-ready message", Purpose.SESSION_REMINDER: "Session reminder",
    Purpose.BALLOT: "Invitation to rate the service",
}
