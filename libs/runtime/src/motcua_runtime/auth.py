"""Who is calling, and may they touch this commune's data.

Tokens are standard JWTs (RS256), verified by each service on its own against the keys of a
JWKS URL (PyJWT's ``PyJWKClient``, keys cached), with issuer and audience checked. The claims
that carry roles, communes and district are named in configuration, so a district's own
identity provider (Keycloak: roles in ``realm_access.roles``, communes from a user-attribute
mapper) plugs in without code. The built-in ``identity`` service issues the same shape.

Roles (the values of the roles claim):

- ``counter_officer`` — reads and writes the dossiers of its communes;
- ``commune_leader`` — the same, plus the commune's own settings (profile, procedure overrides);
- ``district_overseer`` — reads every commune of the deployment, never writes;
- ``administrator`` — deployment-wide settings: catalogue, calendar, templates, users;
- ``survey_team_member`` — enters satisfaction ballots for its communes;
- ``service`` — another service of the deployment (client credentials), on internal endpoints only.

A citizen has no account: the citizen endpoints are public and prove ownership otherwise
(dossier code plus phone digits, the ballot's own token).

Every route of a service gets its rule from one :class:`AccessPolicy` (see ``build_service_app``);
a route without a rule is refused, so a new endpoint cannot slip through unchecked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import quote

import jwt
import structlog
from fastapi import Depends, Request
from fastapi.responses import RedirectResponse

from motcua_runtime.clock import utc_now
from motcua_runtime.errors import UserFacingError

log = structlog.get_logger("motcua.auth")

TOKEN_COOKIE = "motcua_token"
ALL_COMMUNES = "*"


class Role(StrEnum):
    COUNTER_OFFICER = "counter_officer"
    COMMUNE_LEADER = "commune_leader"
    DISTRICT_OVERSEER = "district_overseer"
    ADMINISTRATOR = "administrator"
    SURVEY_TEAM_MEMBER = "survey_team_member"
    #: A system account (client credentials at the identity service, e.g. ``svc:notify``): only
    #: the internal endpoints that name this role; never a person's role.
    SERVICE = "service"


#: Roles that work on a commune's dossiers (read and write, within their communes).
COMMUNE_STAFF: frozenset[str] = frozenset({Role.COUNTER_OFFICER, Role.COMMUNE_LEADER})


@dataclass(frozen=True)
class Principal:
    """A signed-in person (or system account), as the token describes them."""

    subject: str
    display_name: str
    roles: frozenset[str]
    #: Commune codes this principal works for; ``("*",)`` means every commune of the deployment.
    communes: tuple[str, ...] = ()
    district: str | None = None

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def all_communes(self) -> bool:
        return ALL_COMMUNES in self.communes

    def works_for(self, commune_code: str) -> bool:
        return self.all_communes or commune_code in self.communes


# --------------------------------------------------------------------------- errors


def not_signed_in(reason_en: str = "no token") -> UserFacingError:
    return UserFacingError(
        401, "not_signed_in",
        "Ông/bà cần đăng nhập để dùng chức năng này (phiên đăng nhập không có hoặc đã hết hạn).",
        f"Sign in to use this function ({reason_en}).",
    )


def forbidden(message_vi: str, message_en: str) -> UserFacingError:
    return UserFacingError(403, "forbidden", message_vi, message_en)


class SignInRequired(Exception):
    """A page was asked for without a valid sign-in: the browser goes to the sign-in page."""

    def __init__(self, sign_in_url: str) -> None:
        super().__init__(sign_in_url)
        self.sign_in_url = sign_in_url


# --------------------------------------------------------------------------- verification


@dataclass(frozen=True)
class AuthConfig:
    """How tokens are checked; built from :class:`ServiceSettings` (``MOTCUA_AUTH_*``)."""

    jwks_url: str = ""
    issuer: str = ""
    audience: str = "motcua"
    #: Dotted paths into the token's claims.
    roles_claim: str = "realm_access.roles"
    communes_claim: str = "communes"
    district_claim: str = "district"
    name_claim: str = "name"
    #: Where pages send a browser that is not signed in (``?next=`` is added).
    sign_in_url: str = ""
    leeway_seconds: int = 30
    algorithms: tuple[str, ...] = ("RS256",)

    @classmethod
    def of(cls, settings: Any) -> "AuthConfig":
        return cls(
            jwks_url=settings.auth_jwks_url, issuer=settings.auth_issuer, audience=settings.auth_audience,
            roles_claim=settings.auth_roles_claim, communes_claim=settings.auth_communes_claim,
            district_claim=settings.auth_district_claim, name_claim=settings.auth_name_claim,
            sign_in_url=settings.auth_sign_in_url, leeway_seconds=settings.auth_leeway_seconds,
        )


def _claim(claims: Mapping[str, Any], dotted: str) -> Any:
    value: Any = claims
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        # Keycloak's user-attribute mapper may give "26041 26032" or "26041,26032".
        return [v for v in value.replace(",", " ").split() if v]
    if isinstance(value, Iterable):
        return [str(v) for v in value]
    return [str(value)]


class TokenVerifier:
    """Checks a JWT's signature (a key of the JWKS, by ``kid``), expiry, issuer and audience,
    and reads the principal from the configured claims.

    ``keys`` (a callable giving the signing key for a token) replaces the JWKS URL where a
    service holds the key itself (the identity service verifies its own tokens)."""

    def __init__(self, config: AuthConfig, keys: Callable[[str], Any] | None = None) -> None:
        self.config = config
        self._keys = keys
        self._jwks: jwt.PyJWKClient | None = None
        if keys is None and config.jwks_url:
            # Keys are cached; an unknown kid refetches the set (a rotated key is picked up).
            self._jwks = jwt.PyJWKClient(config.jwks_url, cache_jwk_set=True, lifespan=300, timeout=5)

    @property
    def configured(self) -> bool:
        return self._keys is not None or self._jwks is not None

    def _signing_key(self, token: str) -> Any:
        if self._keys is not None:
            return self._keys(token)
        assert self._jwks is not None
        return self._jwks.get_signing_key_from_jwt(token).key

    def verify(self, token: str) -> Principal:
        """The principal of a valid token; :class:`UserFacingError` 401 otherwise. Blocking on a
        key-cache miss (an HTTP fetch): call through :meth:`verify_async` from a request."""
        if not self.configured:
            raise not_signed_in("token verification is not configured (MOTCUA_AUTH_JWKS_URL)")
        try:
            key = self._signing_key(token)
            claims = jwt.decode(
                token, key, algorithms=list(self.config.algorithms),
                audience=self.config.audience or None, issuer=self.config.issuer or None,
                leeway=self.config.leeway_seconds,
                options={"require": ["exp", "sub"] + (["iss"] if self.config.issuer else [])},
            )
        except jwt.ExpiredSignatureError:
            raise not_signed_in("the token has expired") from None
        except (jwt.PyJWTError, ValueError) as error:
            log.info("auth.token_refused", reason=type(error).__name__)
            raise not_signed_in(f"the token is not valid: {type(error).__name__}") from None
        return self.principal_of(claims)

    async def verify_async(self, token: str) -> Principal:
        return await asyncio.to_thread(self.verify, token)

    def principal_of(self, claims: Mapping[str, Any]) -> Principal:
        c = self.config
        name = _claim(claims, c.name_claim) or claims.get("preferred_username") or claims["sub"]
        district = _claim(claims, c.district_claim)
        return Principal(
            subject=str(claims["sub"]),
            display_name=str(name),
            roles=frozenset(_as_list(_claim(claims, c.roles_claim))),
            communes=tuple(_as_list(_claim(claims, c.communes_claim))),
            district=str(district) if district else None,
        )


def token_of(request: Request) -> str | None:
    """The bearer token of the request, else the sign-in cookie (set by the sign-in page)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(TOKEN_COOKIE) or None


def verifier_of(request: Request) -> TokenVerifier:
    verifier = getattr(request.app.state, "token_verifier", None)
    if verifier is None:
        raise not_signed_in("token verification is not configured")
    return verifier


async def optional_principal(request: Request) -> Principal | None:
    """The caller, or ``None`` without a token. A token that is present must be valid."""
    if hasattr(request.state, "principal"):
        return request.state.principal
    token = token_of(request)
    principal = None if token is None else await verifier_of(request).verify_async(token)
    request.state.principal = principal
    return principal


async def current_principal(request: Request) -> Principal:
    """FastAPI dependency: the signed-in caller (Bearer header or the ``motcua_token`` cookie); 401 otherwise."""
    principal = await optional_principal(request)
    if principal is None:
        raise not_signed_in()
    return principal


def require_roles(*roles: str):
    """FastAPI dependency: the caller holds at least one of ``roles``; 403 otherwise."""

    async def dependency(principal: Principal = Depends(current_principal)) -> Principal:
        if not principal.has_role(*roles):
            raise _missing_role(roles)
        return principal

    return dependency


def _missing_role(roles: Iterable[str]) -> UserFacingError:
    names = ", ".join(sorted(roles))
    return forbidden(f"Tài khoản của ông/bà không có vai trò được dùng chức năng này (cần: {names}).",
                     f"Your account lacks the role this function needs (one of: {names}).")


def ensure_commune_access(principal: Principal, commune_code: str, *, write: bool,
                          roles: Iterable[str] = COMMUNE_STAFF) -> None:
    """The one decision on commune scope.

    ``roles`` are the roles that work on this kind of data in a commune (counter officers and
    commune leaders by default; survey team members for ballots): they read and write it for
    their own communes only. A district overseer reads every commune of the deployment and
    never writes. Anyone else — an administrator included — is refused: deployment settings
    are not commune data.
    """
    roles = frozenset(roles)
    if principal.has_role(*roles) and principal.works_for(commune_code):
        return
    if not write and principal.has_role(Role.DISTRICT_OVERSEER):
        return
    log.warning("access.denied", subject=principal.subject, commune=commune_code, write=write,
                roles=sorted(principal.roles))
    if write and principal.has_role(Role.DISTRICT_OVERSEER) and not principal.has_role(*roles):
        raise forbidden("Cán bộ giám sát của huyện chỉ được xem số liệu, không được thay đổi dữ liệu của xã/phường.",
                        "A district overseer reads commune data but does not change it.")
    raise forbidden(f"Ông/bà không có quyền với dữ liệu của xã/phường {commune_code}.",
                    f"You have no access to the data of commune {commune_code}.")


# --------------------------------------------------------------------------- per-route rules


@dataclass(frozen=True)
class Rule:
    """What a route asks of its caller. Build them with the functions below."""

    kind: str
    write: bool = False
    roles: frozenset[str] = frozenset()
    #: A page: a caller who is not signed in is sent to the sign-in page instead of a 401.
    page: bool = False

    def as_page(self) -> "Rule":
        return Rule(self.kind, self.write, self.roles, page=True)


PUBLIC = Rule("public")
"""Open to anyone (health, AsyncAPI, citizens' endpoints that prove ownership themselves)."""

SIGNED_IN = Rule("signed_in")
"""Any signed-in principal (reference data every role reads: catalogue, calendar)."""


def commune(*, write: bool, roles: Iterable[str] = COMMUNE_STAFF) -> Rule:
    """Data of the commune in the path (``{commune_code}``): :func:`ensure_commune_access`."""
    return Rule("commune", write, frozenset(roles))


def district(*, roles: Iterable[str] = (Role.DISTRICT_OVERSEER,)) -> Rule:
    """Reads spanning every commune: an overseer, or staff whose communes are ``*``."""
    return Rule("district", False, frozenset(roles))


def admin() -> Rule:
    """Deployment-wide settings (catalogue, calendar, templates, users, operations)."""
    return Rule("admin", True, frozenset({Role.ADMINISTRATOR}))


def roles(*names: str) -> Rule:
    """Any caller holding one of ``names``, whatever its communes (e.g. ``roles(Role.SERVICE)``
    for the internal endpoints other services call). The endpoint narrows further if needed."""
    return Rule("roles", False, frozenset(names))


def admin_or_commune(*, roles: Iterable[str] = (Role.COMMUNE_LEADER,)) -> Rule:
    """A commune's own settings: an administrator, or ``roles`` of that commune."""
    return Rule("admin_or_commune", True, frozenset(roles))


def citizen_or_commune(*, write: bool, roles: Iterable[str] = COMMUNE_STAFF) -> Rule:
    """Open to a citizen, who proves ownership in the endpoint (a ballot's token); a signed-in
    caller in scope acts as staff. ``request.state.principal`` is that staff member, or
    ``None`` (anonymous, or signed in without scope): the endpoint then asks for the proof."""
    return Rule("citizen_or_commune", write, frozenset(roles))


async def enforce(rule: Rule, request: Request) -> Principal | None:
    """Apply ``rule`` to ``request``; the principal (``None`` for public routes) is kept in
    ``request.state.principal``."""
    if rule.kind == "public":
        return None
    commune_code = request.path_params.get("commune_code")
    if rule.kind == "citizen_or_commune":
        try:
            principal = await optional_principal(request)
        except UserFacingError:
            principal = None  # a stale cookie does not stop a citizen
        if principal is not None and commune_code is not None:
            try:
                ensure_commune_access(principal, commune_code, write=rule.write, roles=rule.roles)
            except UserFacingError:
                principal = None
        request.state.principal = principal
        return principal
    try:
        principal = await current_principal(request)
    except UserFacingError:
        if rule.page:
            raise SignInRequired(sign_in_redirect(request)) from None
        raise
    refuse_cross_site(request)
    if rule.kind == "signed_in":
        return principal
    if rule.kind == "commune":
        if commune_code is None:
            raise RuntimeError(f"rule 'commune' on a route without {{commune_code}}: {request.url.path}")
        ensure_commune_access(principal, commune_code, write=rule.write, roles=rule.roles)
    elif rule.kind == "district":
        if not (principal.has_role(*rule.roles)
                or (principal.all_communes and principal.has_role(*COMMUNE_STAFF))):
            log.warning("access.denied", subject=principal.subject, scope="district")
            raise forbidden("Chỉ cán bộ của huyện được xem số liệu của mọi xã/phường.",
                            "Only district staff may read the figures of every commune.")
    elif rule.kind == "roles":
        if not principal.has_role(*rule.roles):
            log.warning("access.denied", subject=principal.subject, scope="roles", needs=sorted(rule.roles))
            raise _missing_role(rule.roles)
    elif rule.kind == "admin":
        if not principal.has_role(Role.ADMINISTRATOR):
            log.warning("access.denied", subject=principal.subject, scope="admin")
            raise _missing_role({Role.ADMINISTRATOR})
    elif rule.kind == "admin_or_commune":
        if not principal.has_role(Role.ADMINISTRATOR):
            if commune_code is None:
                raise _missing_role({Role.ADMINISTRATOR})
            ensure_commune_access(principal, commune_code, write=True, roles=rule.roles)
    else:
        raise RuntimeError(f"unknown access rule {rule.kind!r}")
    return principal


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def refuse_cross_site(request: Request) -> None:
    """CSRF: a change made with the sign-in cookie must come from a page of this very origin.

    The cookie is SameSite=Lax, so another site's form never carries it; but the services of a
    deployment share a host on different ports (one "site"), so a page of one could post to
    another. A browser says where a request comes from (``Origin``, ``Sec-Fetch-Site``): a
    cookie-authenticated POST/PUT/PATCH/DELETE from another origin is refused. Bearer tokens are
    not sent by browsers on their own and are not concerned; neither is a client that sends
    neither header (not a browser)."""
    if request.method not in UNSAFE_METHODS or request.headers.get("authorization"):
        return
    if request.cookies.get(TOKEN_COOKIE) is None:
        return
    origin = request.headers.get("origin")
    fetch_site = request.headers.get("sec-fetch-site")
    own = request.headers.get("host", "")
    from_elsewhere = fetch_site in ("cross-site", "same-site") or (
        origin is not None and (origin == "null" or origin.partition("://")[2].rstrip("/") != own))
    if from_elsewhere and not (origin and origin.partition("://")[2].rstrip("/") == own and fetch_site != "cross-site"):
        log.warning("access.cross_site_refused", origin=origin, fetch_site=fetch_site, path=request.url.path)
        raise forbidden("Yêu cầu thay đổi dữ liệu phải được gửi từ chính trang của hệ thống (yêu cầu từ trang "
                        "khác bị từ chối).",
                        "A change must be sent from this service's own pages (a request from another page "
                        "is refused).")


def sign_in_redirect(request: Request) -> str:
    config: AuthConfig | None = getattr(request.app.state, "auth_config", None)
    base = config.sign_in_url if config and config.sign_in_url else "/dang-nhap"
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}next={quote(str(request.url), safe='')}"


@dataclass
class AccessPolicy:
    """Every route's rule, in one table per service: ``{("GET", "/v1/communes/{commune_code}/x"): rule}``.

    Keys are the route's method and path template as FastAPI declares it (the OpenAPI path).
    A template ending in ``/*`` covers every route under it (the pages of a prefix). A route
    with no rule is refused with 403 and logged: adding an endpoint means adding its rule.
    """

    rules: dict[tuple[str, str], Rule] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # What every service serves through build_service_app.
        for path in ("/health/live", "/health/ready", "/asyncapi.json"):
            self.rules.setdefault(("GET", path), PUBLIC)
        # The refused attempts every service keeps (motcua_runtime.denials): the commune's leader
        # (and the overseer) read the commune's; administrators and overseers read them all.
        self.rules.setdefault(("GET", "/v1/communes/{commune_code}/access-denials"),
                              commune(write=False, roles={Role.COMMUNE_LEADER}))
        self.rules.setdefault(("GET", "/v1/access-denials"), roles(Role.ADMINISTRATOR, Role.DISTRICT_OVERSEER))

    def rule_for(self, method: str, path: str) -> Rule | None:
        method = "GET" if method == "HEAD" else method
        found = self.rules.get((method, path))
        if found is not None:
            return found
        best: tuple[int, Rule] | None = None
        for (rule_method, template), rule in self.rules.items():
            if rule_method in (method, "*") and template.endswith("/*"):
                prefix = template[:-1]
                if path.startswith(prefix) or path == prefix[:-1]:
                    if best is None or len(prefix) > best[0]:
                        best = (len(prefix), rule)
        return best[1] if best else None

    def dependency(self):
        """The FastAPI dependency that enforces this table (added to every route of the app)."""

        async def access_guard(request: Request) -> None:
            route = request.scope.get("route")
            path = getattr(route, "path_format", None) or request.url.path
            rule = self.rule_for(request.method, path)
            if rule is None:
                log.error("access.no_rule", method=request.method, path=path)
                raise forbidden("Chức năng này chưa được cấu hình quyền truy cập.",
                                "This function has no access rule configured.")
            try:
                await enforce(rule, request)
            except UserFacingError as error:
                # A refusal (403), or a token that is present but not valid (forged, of another
                # deployment, expired): an attempt worth a trace. No token at all is not.
                if error.status == 403 or (error.status == 401 and token_of(request) is not None):
                    await record_denial(request, error.status, error.code)
                raise
            except SignInRequired:
                if token_of(request) is not None:
                    await record_denial(request, 401, "not_signed_in")
                raise

        return access_guard


# --------------------------------------------------------------------------- denials: an audit trace

#: The collection, in every service's own database, that keeps refused attempts (append-only).
ACCESS_DENIALS = "access_denials"


async def record_denial(request: Request, status: int, code: str) -> None:
    """Keep a trace of a refused attempt: a structured log line ``access.denial`` and a document
    in the service's ``access_denials`` collection (who, what, which commune, when). Never fails
    the request: a trace that cannot be written is logged instead."""
    state = request.state
    if getattr(state, "denial_recorded", False):
        return
    state.denial_recorded = True
    principal: Principal | None = getattr(state, "principal", None)
    route = request.scope.get("route")
    entry = {
        "at": utc_now(),
        "service": getattr(request.app.state, "service_name", None),
        "status": status,
        "code": code,
        "method": request.method,
        "route": getattr(route, "path_format", None),
        "path": request.url.path,
        "path_params": {k: str(v)[:200] for k, v in request.path_params.items()},
        "commune_code": request.path_params.get("commune_code"),
        "subject": principal.subject if principal else None,
        "roles": sorted(principal.roles) if principal else [],
        "communes": list(principal.communes) if principal else [],
        "token_presented": token_of(request) is not None,
        "client_ip": request.client.host if request.client else None,
        "correlation_id": getattr(state, "correlation_id", None),
    }
    log.warning("access.denial", **{k: v for k, v in entry.items() if k not in ("at", "path_params")})
    database = getattr(request.app.state, "denials_db", None)
    db = database() if callable(database) else None
    if db is None:
        return
    try:
        await db[ACCESS_DENIALS].insert_one(entry)
    except Exception as error:  # the refusal stands; only its stored trace is missing
        log.error("access.denial_not_recorded", error=repr(error))


def install_auth(app, settings: Any, keys: Callable[[str], Any] | None = None,
                 denials: Callable[[], Any] | None = None) -> None:
    """Keep the verifier and its configuration on ``app.state`` for the dependencies above.

    ``denials`` gives the service's database, where refused attempts are kept (``access_denials``):
    403s and invalid tokens from the access table, and 404s of a signed-in caller on a route
    with parameters (guessing another commune's dossier codes or ids)."""
    config = AuthConfig.of(settings)
    app.state.auth_config = config
    app.state.token_verifier = TokenVerifier(config, keys=keys)
    app.state.denials_db = denials
    app.state.service_name = getattr(settings, "service_name", None)

    @app.middleware("http")
    async def trace_guesses(request: Request, call_next):
        response = await call_next(request)
        if response.status_code in (403, 404):
            route = request.scope.get("route")
            template = getattr(route, "path_format", None) or ""
            principal = getattr(request.state, "principal", None)
            # A signed-in caller asking for something of a commune (or by id) that is not there
            # or not theirs: one of the "guesses" the issue wants traced. Refusals by the access
            # table are recorded already (once per request).
            if principal is not None and "{" in template:
                await record_denial(request, response.status_code,
                                    "not_found" if response.status_code == 404 else "forbidden")
        return response

    @app.exception_handler(SignInRequired)
    async def to_sign_in(request: Request, error: SignInRequired) -> RedirectResponse:
        return RedirectResponse(error.sign_in_url, status_code=303, headers={"Cache-Control": "no-store"})

    if not app.state.token_verifier.configured:
        log.warning("auth.not_configured", hint="set MOTCUA_AUTH_JWKS_URL and MOTCUA_AUTH_ISSUER")
