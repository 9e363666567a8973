"""How a message travels: its statuses, retries with backoff, quiet hours, SMS length. Pure.

Statuses (GOV.UK Notify's, in our words): ``created`` → ``sending`` → ``delivered``; a
temporary failure (gateway down, timeout, 5xx, 429) is ``temporary-failure`` and is retried
with exponential backoff until ``max_attempts``, then ``permanent-failure``; a refusal by the
provider (bad number, 4xx) is ``permanent-failure`` at once.
"""

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum

from motcua_notify.domain.rules import VIETNAM


class Status(StrEnum):
    CREATED = "created"
    SENDING = "sending"
    DELIVERED = "delivered"
    TEMPORARY_FAILURE = "temporary-failure"
    PERMANENT_FAILURE = "permanent-failure"


FINAL = frozenset({Status.DELIVERED, Status.PERMANENT_FAILURE})
STATUS_VI = {
    Status.CREATED: "Mới tạo", Status.SENDING: "Đang gửi", Status.DELIVERED: "Đã gửi tới người nhận",
    Status.TEMPORARY_FAILURE: "Lỗi tạm thời, sẽ gửi lại", Status.PERMANENT_FAILURE: "Gửi không được",
}


class Outcome(StrEnum):
    """What a channel adapter says about one attempt."""

    DELIVERED = "delivered"  # the receiving end took it (SMTP accepted, sink recorded, provider says delivered)
    ACCEPTED = "accepted"  # the provider queued it; its callback will tell the end
    TEMPORARY = "temporary"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class AttemptResult:
    outcome: Outcome
    detail: str = ""
    provider_id: str | None = None


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base_seconds: float = 30.0
    max_seconds: float = 3600.0

    def delay(self, attempts: int) -> timedelta:
        """Wait after the ``attempts``-th failed attempt: base, 2×base, 4×base… capped."""
        return timedelta(seconds=min(self.base_seconds * 2 ** max(attempts - 1, 0), self.max_seconds))


@dataclass(frozen=True)
class Transition:
    status: Status
    next_attempt_at: datetime | None = None
    final: bool = False


def after_attempt(result: AttemptResult, attempts: int, now: datetime, policy: RetryPolicy) -> Transition:
    if result.outcome is Outcome.DELIVERED:
        return Transition(Status.DELIVERED, final=True)
    if result.outcome is Outcome.ACCEPTED:
        return Transition(Status.SENDING)
    if result.outcome is Outcome.TEMPORARY and attempts < policy.max_attempts:
        return Transition(Status.TEMPORARY_FAILURE, now + policy.delay(attempts))
    return Transition(Status.PERMANENT_FAILURE, final=True)


# --------------------------------------------------------------------------- quiet hours


@dataclass(frozen=True)
class QuietHours:
    """No SMS between ``start`` and ``end``, commune local time (may span midnight)."""

    start: time = time(21, 0)
    end: time = time(7, 0)

    def next_allowed(self, now: datetime) -> datetime | None:
        """``None`` if ``now`` is outside quiet hours, else when they end (UTC)."""
        if self.start == self.end:
            return None
        local = now.astimezone(VIETNAM)
        t = local.time()
        inside = (self.start <= t < self.end) if self.start < self.end else (t >= self.start or t < self.end)
        if not inside:
            return None
        end = datetime.combine(local.date(), self.end, tzinfo=VIETNAM)
        if end <= local:
            end += timedelta(days=1)
        return end.astimezone(UTC)


# --------------------------------------------------------------------------- SMS length

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67
_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXT = set("^{}\\[~]|€")  # two septets each


def strip_diacritics(text: str) -> str:
    """Vietnamese without diacritics ("Hòa Phú" → "Hoa Phu"), for gateways that take GSM-7 only."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


@dataclass(frozen=True)
class SmsText:
    text: str
    encoding: str  # 'gsm7' or 'ucs2'
    segments: int
    truncated: bool = False


def sms_length(text: str) -> tuple[str, int]:
    """(encoding, units): GSM-7 counts septets (extension characters count two), UCS-2 counts
    UTF-16 code units."""
    if all(c in _GSM7 or c in _GSM7_EXT for c in text):
        return "gsm7", sum(2 if c in _GSM7_EXT else 1 for c in text)
    return "ucs2", len(text.encode("utf-16-le")) // 2


def segments_of(encoding: str, units: int) -> int:
    single, part = (GSM7_SINGLE, GSM7_PART) if encoding == "gsm7" else (UCS2_SINGLE, UCS2_PART)
    if units <= single:
        return 1
    return -(-units // part)


def prepare_sms(text: str, *, ascii_only: bool, max_segments: int) -> SmsText:
    """The text a gateway gets: without diacritics if the provider needs it, and at most
    ``max_segments`` long (cut at a word with "…"/"..." rather than refused: a receipt
    notice should still go)."""
    text = " ".join(text.split())
    if ascii_only:
        text = strip_diacritics(text)
    encoding, units = sms_length(text)
    truncated = False
    limit = (GSM7_SINGLE if max_segments == 1 else GSM7_PART * max_segments) if encoding == "gsm7" else (
        UCS2_SINGLE if max_segments == 1 else UCS2_PART * max_segments)
    if units > limit:
        ellipsis = "..." if encoding == "gsm7" else "…"
        while text and sms_length(text + ellipsis)[1] > limit:
            cut = text.rfind(" ", 0, len(text) - 1)
            text = text[:cut] if cut > 0 else text[:-1]
        text += ellipsis
        truncated = True
        encoding, units = sms_length(text)
    return SmsText(text, encoding, segments_of(encoding, units), truncated)


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return None
    digits = "".join(c for c in phone if c.isdigit())
    return "*" * max(len(digits) - 3, 0) + digits[-3:]


def mask_email(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}"
