from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from motcua_runtime.settings import ServiceSettings


class HooksSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HOOKS_", extra="ignore")

    service_name: str = "hooks"
    #: Seals subscribers' signing secrets at rest: base64 of 32 random bytes (docs/subscribing.md).
    #: Empty: the key in ``secrets_key_file``, generated there on first start (local runs).
    secrets_key: SecretStr = SecretStr("")
    secrets_key_file: str = ""
    data_dir: str = ".data/hooks"
    #: How long a failing delivery is retried before its dossier's deliveries are parked
    #: (a subscription may ask for less, never for more than ``max_retry_for_seconds``).
    retry_for_seconds: float = 3 * 24 * 3600
    max_retry_for_seconds: float = 7 * 24 * 3600
    #: Exponential backoff between attempts: initial delay, doubled each time, capped.
    retry_initial_delay_seconds: float = 1.0
    retry_max_delay_seconds: float = 600.0
    #: One HTTP attempt may take this long (connect + answer).
    delivery_timeout_seconds: float = 10.0
    #: Deliveries under way at once (one per dossier lane at most).
    dispatch_concurrency: int = 16
    dispatch_poll_seconds: float = 0.3
    #: Delivered deliveries and the attempts log are kept this long (then removed by a TTL index).
    log_retention_days: float = 90
    #: An alert (subscriber parked) is also POSTed here as JSON, e.g. to a mail or chat gateway.
    alert_webhook_url: str = ""
    #: Deployment administrators named in the alert (e-mail addresses for the gateway).
    alert_recipients: list[str] = []
