"""Settings every service shares; each service subclasses with its own env prefix.

``NATS_URL`` and ``MONGODB_URI`` (no prefix) point every service at the same
servers; a prefixed variable (``INTAKE_MONGODB_URI``) overrides it for one service.
"""

import os
from typing import Any

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_SHARED_FALLBACKS = {"mongodb_uri": "MONGODB_URI", "nats_url": "NATS_URL"}
#: Token verification and telemetry are the same for every service of a deployment: one set of shared names.
_SHARED_AUTH = {
    name: f"MOTCUA_{name.upper()}"
    for name in ("otlp_endpoint", "trace_file", "metrics_token", "auth_jwks_url", "auth_issuer", "auth_audience", "auth_roles_claim", "auth_communes_claim",
                 "auth_district_claim", "auth_name_claim", "auth_sign_in_url", "auth_leeway_seconds",
                 "access_denial_retention_days")
}


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
    #: Messages of one consumer handled at once in one process. 1: FastStream starts a whole
    #: fetched batch (``pull_batch_size``) at once, then fetches again; above 1: at most this many
    #: at once, fetching meanwhile (motcua_runtime.consumer.event_subscriber).
    consumer_concurrency: int = 1

    # Observability (motcua_runtime.observability). Shared names: MOTCUA_OTLP_ENDPOINT, ...
    #: OTLP/HTTP collector for traces (also read from OTEL_EXPORTER_OTLP_ENDPOINT). Empty: no export.
    otlp_endpoint: str = ""
    #: Append every finished span as a JSON line to this file (tests, debugging). Empty: off.
    trace_file: str = ""
    #: When set, ``GET /metrics`` requires ``Authorization: Bearer <token>``.
    metrics_token: str = ""
    #: How often consumer lag and outbox backlog are read for the metrics.
    metrics_poll_seconds: float = 5.0

    # Access control (motcua_runtime.auth). Shared names, no service prefix: MOTCUA_AUTH_JWKS_URL, ...
    #: JWKS of the identity provider (the built-in identity service, or e.g. Keycloak's
    #: ``<realm>/protocol/openid-connect/certs``). Empty: no token is accepted.
    auth_jwks_url: str = ""
    #: The ``iss`` every token must carry (Keycloak: ``https://host/realms/<realm>``).
    auth_issuer: str = ""
    #: The ``aud`` every token must carry.
    auth_audience: str = "motcua"
    #: Dotted claim paths: where the roles, the commune codes ("*" for all), the district and the name are.
    auth_roles_claim: str = "realm_access.roles"
    auth_communes_claim: str = "communes"
    auth_district_claim: str = "district"
    auth_name_claim: str = "name"
    #: The sign-in page pages redirect to (``?next=<page>`` is added).
    auth_sign_in_url: str = ""
    #: Clock skew tolerated on ``exp``/``iat`` between the identity provider and this service.
    auth_leeway_seconds: int = 30
    #: Refused attempts (``access_denials``) are kept this long, then removed by a TTL index.
    access_denial_retention_days: int = Field(default=365, ge=1, le=3650)

    @model_validator(mode="before")
    @classmethod
    def _shared_server_addresses(cls, values: Any) -> Any:
        if isinstance(values, dict):
            for field_name, env_name in {**_SHARED_FALLBACKS, **_SHARED_AUTH}.items():
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
