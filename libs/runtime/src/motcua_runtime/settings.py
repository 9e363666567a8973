"""Settings every service shares; each service subclasses with its own env prefix.

``NATS_URL`` and ``MONGODB_URI`` (no prefix) point every service at the same
servers; a prefixed variable (``INTAKE_MONGODB_URI``) overrides it for one service.
"""

import os
from typing import Any

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_SHARED_FALLBACKS = {"mongodb_uri": "MONGODB_URI", "nats_url": "NATS_URL"}


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MOTCUA_", extra="ignore")

    service_name: str = "service"
    mongodb_uri: str = ""
    nats_url: str = ""
    database: str = ""
    log_json: bool = True
    log_level: str = "INFO"
    #: Run the outbox relay inside this process. Turn off to run it as its own deployment.
    relay_enabled: bool = True
    relay_poll_seconds: float = 0.5
    #: JetStream redeliveries before a message is moved to the dead-letter stream.
    max_deliver: int = 12
    #: Upper bound of the delay between redeliveries after a transient error.
    max_retry_delay_seconds: float = 30.0
    #: How long a consumer may hold a message before JetStream redelivers it.
    ack_wait_seconds: float = 30.0
    pull_batch_size: int = 32

    @model_validator(mode="before")
    @classmethod
    def _shared_server_addresses(cls, values: Any) -> Any:
        if isinstance(values, dict):
            for field_name, env_name in _SHARED_FALLBACKS.items():
                if not values.get(field_name) and os.environ.get(env_name):
                    values[field_name] = os.environ[env_name]
        return values

    @model_validator(mode="after")
    def _servers_given(self) -> "ServiceSettings":
        missing = [name for name in ("mongodb_uri", "nats_url") if not getattr(self, name)]
        if missing:
            prefix = self.model_config.get("env_prefix", "")
            hints = ", ".join(f"{_SHARED_FALLBACKS[m]} (or {prefix}{m.upper()})" for m in missing)
            raise ValueError(f"set {hints}: no server address is assumed")
        if not self.database:
            self.database = f"motcua_{self.service_name}"
        return self
