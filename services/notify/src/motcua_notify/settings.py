import tempfile
from pathlib import Path

from pydantic_settings import SettingsConfigDict

from motcua_runtime.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    """Deployment-wide settings (``NOTIFY_*``). What differs per commune (rules, letterhead,
    SMS provider address, sender, quiet hours) is kept in the database and set through the API."""

    model_config = SettingsConfigDict(env_prefix="NOTIFY_", extra="ignore")

    service_name: str = "notify"

    # The citizen's contact comes from intake (service account at the identity service).
    intake_url: str = ""
    #: Survey, for a ballot's one-time link (the invitation to rate the service).
    survey_url: str = ""
    identity_url: str = ""
    service_client_id: str = ""
    service_client_secret: str = ""

    #: Where the sinks write (SMS as JSON, e-mail as .eml when no SMTP server is configured);
    #: ``make up`` sets ``.run/notify-sink``. The default is writable by the image's unprivileged user.
    sink_dir: str = str(Path(tempfile.gettempdir()) / "motcua-notify-sink")
    #: Default SMS provider of the deployment: 'sink' or 'http' (a commune may name its own).
    sms_provider: str = "sink"
    sms_url: str = ""
    sms_api_key: str = ""
    sms_sender: str = "MOTCUA"
    #: Strip Vietnamese diacritics (GSM-7) when the provider needs it; a commune may override.
    sms_ascii_only: bool = False
    sms_max_segments: int = 3

    #: SMTP server for e-mail; empty: e-mail goes to the sink directory.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    email_from: str = "motcua@localhost"

    zalo_url: str = ""
    zalo_access_token: str = ""
    zalo_template_id: str = ""

    #: Shared secret of the delivery-status callbacks (HMAC-SHA256, see docs/notify.md).
    callback_secret: str = ""
    callback_max_age_seconds: int = 300

    #: Messages per minute and channel, per notify process.
    rate_sms_per_minute: int = 120
    rate_email_per_minute: int = 120
    rate_zalo_per_minute: int = 60
    #: Retries of a temporary failure: base delay doubled each time, capped, at most this many attempts.
    retry_max_attempts: int = 6
    retry_base_seconds: float = 30.0
    retry_max_seconds: float = 3600.0
    #: How long a worker owns a claimed message or intent before another may take it over.
    lease_seconds: float = 60.0
    worker_poll_seconds: float = 1.0
    #: A provider that accepted a message but never reported on it: failed after this long.
    delivery_report_timeout_hours: float = 72.0
    worker_enabled: bool = True
    #: Citizen lookup page named in messages.
    lookup_url: str = ""
