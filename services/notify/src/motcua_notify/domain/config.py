"""A commune's notify settings: rules, letterhead, channels, quiet hours. Pure.

Stored as one document per commune; anything not set falls back to the deployment's defaults
(``NotifySettings``) or to the defaults here. Secrets (API keys, SMTP password, the callback
secret) are deployment settings only, never per commune and never returned by the API.
"""

from dataclasses import dataclass, field, fields
from datetime import time

from pydantic import BaseModel, ConfigDict, Field, field_validator

from motcua_notify.domain.delivery import QuietHours
from motcua_notify.domain.rules import CommuneRules
from motcua_notify.domain.templates import Letterhead


class SmsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider: str | None = Field(default=None, pattern="^(sink|http)$", description="'sink' or 'http'; none: the deployment's.")
    url: str | None = Field(default=None, max_length=500, description="HTTP provider's send URL.")
    sender: str | None = Field(default=None, max_length=11, description="Brand name (up to 11 characters).")
    ascii_only: bool | None = Field(default=None, description="Strip Vietnamese diacritics (provider takes GSM-7 only).")
    max_segments: int | None = Field(default=None, ge=1, le=6)


class EmailSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    from_address: str | None = Field(default=None, max_length=200)
    from_name: str | None = Field(default=None, max_length=200)
    smtp_host: str | None = Field(default=None, max_length=200, description="The commune's own SMTP relay, if any.")
    smtp_port: int | None = Field(default=None, ge=1, le=65535)


class ZaloSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    url: str | None = Field(default=None, max_length=500)
    template_id: str | None = Field(default=None, max_length=100)


class QuietHoursSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: str = Field(default="21:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field(default="07:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")


class RetrySettings(BaseModel):
    """A commune's own retry policy (a flaky local gateway); none: the deployment's."""

    model_config = ConfigDict(extra="forbid")

    max_attempts: int | None = Field(default=None, ge=1, le=20)
    base_seconds: float | None = Field(default=None, ge=0.5, le=3600)


class ChannelSettings(BaseModel):
    """What an administrator sets for a commune's channels."""

    model_config = ConfigDict(extra="forbid")

    sms: SmsSettings = Field(default_factory=SmsSettings)
    email: EmailSettings = Field(default_factory=EmailSettings)
    zalo: ZaloSettings = Field(default_factory=ZaloSettings)
    quiet_hours: QuietHoursSettings = Field(default_factory=QuietHoursSettings)
    retry: RetrySettings = Field(default_factory=RetrySettings)


class LetterheadSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agency: str = Field(min_length=1, max_length=150, description="e.g. 'ỦY BAN NHÂN DÂN XÃ HÒA PHÚ'")
    commune_name: str = Field(min_length=1, max_length=100, description="As in a sentence: 'xã Hòa Phú'")
    unit_name: str = Field(default="Bộ phận Tiếp nhận và Trả kết quả", min_length=1, max_length=150)
    place_name: str = Field(min_length=1, max_length=80, description="Place before the date: 'Hòa Phú'")
    signer_name: str = Field(default="", max_length=100)
    signer_title: str = Field(default="CHỦ TỊCH", max_length=150)
    lookup_url: str = Field(default="", max_length=300)

    @field_validator("*", mode="before")
    @classmethod
    def _strip(cls, value):
        return value.strip() if isinstance(value, str) else value


def _hm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


@dataclass(frozen=True)
class CommuneConfig:
    rules: CommuneRules
    letterhead: Letterhead
    channels: ChannelSettings
    quiet_hours: QuietHours = field(default_factory=QuietHours)

    @classmethod
    def of(cls, commune_code: str, document: dict, lookup_url: str = "") -> "CommuneConfig":
        channels = ChannelSettings.model_validate(document.get("channels") or {})
        head = document.get("letterhead")
        if head:
            allowed = {f.name for f in fields(Letterhead)}
            letterhead = Letterhead(**{k: v for k, v in head.items() if k in allowed})
        else:
            letterhead = Letterhead.default(commune_code)
        if not letterhead.lookup_url and lookup_url:
            letterhead = Letterhead(**{**letterhead.__dict__, "lookup_url": lookup_url})
        quiet = QuietHours(_hm(channels.quiet_hours.start), _hm(channels.quiet_hours.end))
        return cls(CommuneRules.from_switches(document.get("rules")), letterhead, channels, quiet)
