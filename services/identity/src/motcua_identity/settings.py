from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from motcua_runtime.settings import ServiceSettings


class IdentitySettings(ServiceSettings):
    """The token's issuer and audience are the shared ``MOTCUA_AUTH_ISSUER`` /
    ``MOTCUA_AUTH_AUDIENCE``: what this service signs is what the others check."""

    model_config = SettingsConfigDict(env_prefix="IDENTITY_", extra="ignore")

    service_name: str = "identity"
    #: The RS256 private key (PEM). Empty: the key in ``signing_key_file``, generated there on first start.
    signing_key_pem: str = ""
    #: Keys being retired (one or more PEM blocks, private or public): still published in the JWKS
    #: and accepted, never used to sign. Keep one here for a token's lifetime after a rotation.
    previous_signing_keys_pem: str = ""
    #: Where the generated key is kept (default ``<data_dir>/signing-key.pem``).
    signing_key_file: str = ""
    data_dir: str = ".data/identity"
    #: A token lasts a working day; signing out removes the cookie, the token expires by itself.
    token_ttl_seconds: int = Field(default=8 * 3600, ge=60)
    #: Send the sign-in cookie over HTTPS only (turn on behind TLS).
    cookie_secure: bool = False
    #: Hosts (besides this one, on any port) a sign-in may return to.
    allowed_return_hosts: list[str] = []
    #: Create the demo users (one per role and demo commune) at start-up, if missing.
    seed_demo_users: bool = False
    demo_password: str = "motcua-demo"
    demo_communes: list[str] = ["26041", "15667", "26032", "29884"]
    #: System accounts for other services (OAuth 2 client credentials): ``{"notify": "<secret>"}``
    #: as JSON in ``IDENTITY_SERVICE_CLIENTS``. Their tokens carry the role ``service`` and
    #: every commune, and open only the internal endpoints that name that role.
    service_clients: dict[str, SecretStr] = {}
    #: Service tokens are short: a client asks again shortly before expiry.
    service_token_ttl_seconds: int = Field(default=3600, ge=60)
    #: Failed sign-ins per username and address allowed in ``sign_in_window_seconds`` before 429.
    sign_in_max_failures: int = Field(default=5, ge=1)
    sign_in_window_seconds: int = Field(default=15 * 60, ge=10)
    #: Pages sign in at the district's own OpenID Connect provider (e.g. a Keycloak realm,
    #: ``https://sso.example.gov.vn/realms/huyen``) instead of the built-in accounts.
    oidc_issuer_url: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: SecretStr = SecretStr("")
    oidc_scopes: str = "openid"
    #: Where the provider sends the browser back (default: this service's /dang-nhap/oidc/callback).
    oidc_redirect_url: str = ""

    @model_validator(mode="after")
    def _issuer(self) -> "IdentitySettings":
        # The issuer every service checks; a name is enough when none is configured.
        if not self.auth_issuer:
            self.auth_issuer = "motcua-identity"
        return self
