"""HTTP API of the identity service: tokens for API clients, the key set, accounts (administrators)."""

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Literal
from urllib.parse import parse_qs

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field, ValidationError

from motcua_runtime.auth import Principal, current_principal
from motcua_runtime.clock import utc_now
from motcua_runtime.errors import UserFacingError
from fastapi import Depends

from motcua_identity.adapters.sign_in_limits import SignInLimiter, limit_key, too_many_attempts_message
from motcua_identity.domain.users import InvalidUser, User
from motcua_identity.service_layer import handlers

Username = Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,64}$")]


class TokenIn(BaseModel):
    """A person's password (``grant_type`` ``password``, the default), or another service's
    client credentials (``client_credentials``). JSON or an HTML form body (OAuth 2 style)."""

    grant_type: Literal["password", "client_credentials"] = "password"
    username: str | None = Field(default=None, min_length=1, max_length=64)
    password: str | None = Field(default=None, min_length=1, max_length=200)
    client_id: str | None = Field(default=None, min_length=1, max_length=64)
    client_secret: str | None = Field(default=None, min_length=1, max_length=500)


_TOKEN_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": TokenIn.model_json_schema()},
    "application/x-www-form-urlencoded": {"schema": TokenIn.model_json_schema()},
}}}


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int


class PrincipalOut(BaseModel):
    subject: str
    display_name: str
    roles: list[str]
    communes: list[str]
    district: str | None


class UserIn(BaseModel):
    username: str = Field(min_length=2, max_length=64)
    display_name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=200)
    roles: list[str] = Field(min_length=1, max_length=10)
    communes: list[str] = Field(default=[], max_length=1000, description='Commune codes, or ["*"] for every commune')
    district: str | None = Field(default=None, max_length=64)


class UserPatch(BaseModel):
    display_name: str | None = Field(default=None, max_length=200)
    password: str | None = Field(default=None, max_length=200)
    roles: list[str] | None = Field(default=None, max_length=10)
    communes: list[str] | None = Field(default=None, max_length=1000)
    active: bool | None = None


class UserOut(BaseModel):
    username: str
    display_name: str
    roles: list[str]
    communes: list[str]
    district: str | None
    active: bool

    @classmethod
    def of(cls, user: User) -> "UserOut":
        return cls(username=user.username, display_name=user.display_name, roles=list(user.roles),
                   communes=list(user.communes), district=user.district, active=user.active)


class UserPage(BaseModel):
    items: list[UserOut]


def wrong_credentials() -> UserFacingError:
    return UserFacingError(401, "wrong_credentials", "Tên đăng nhập hoặc mật khẩu không đúng.",
                           "Wrong username or password.")


def _invalid(error: InvalidUser) -> UserFacingError:
    return UserFacingError(422, error.code, error.message_vi, error.message_en)


def too_many_attempts(window_seconds: int) -> UserFacingError:
    vi, en = too_many_attempts_message(window_seconds)
    return UserFacingError(429, "too_many_attempts", vi, en)


def _bad_token_request(detail_vi: str, detail_en: str) -> UserFacingError:
    return UserFacingError(422, "invalid_token_request", f"Yêu cầu cấp token không hợp lệ: {detail_vi}.",
                           f"Invalid token request: {detail_en}.")


async def _token_request(request: Request) -> TokenIn:
    raw = await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if content_type == "application/x-www-form-urlencoded":
            data: object = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
        else:
            data = json.loads(raw or b"null")
        return TokenIn.model_validate(data)
    except (ValueError, ValidationError):
        raise _bad_token_request("cần grant_type=password với username, password hoặc "
                                 "grant_type=client_credentials với client_id, client_secret",
                                 "give grant_type=password with username and password, or "
                                 "grant_type=client_credentials with client_id and client_secret") from None


def router(users: Callable[[], handlers.UserStore], issuer: handlers.TokenIssuer, settings=None,
           limiter: Callable[[], SignInLimiter] | None = None) -> APIRouter:
    api = APIRouter()
    clients = {name: secret.get_secret_value() for name, secret in (settings.service_clients if settings else {}).items()}
    service_ttl = timedelta(seconds=settings.service_token_ttl_seconds if settings else 3600)
    window = settings.sign_in_window_seconds if settings else 900

    @api.get("/.well-known/openid-configuration", tags=["discovery"], summary="OpenID Provider metadata")
    async def discovery(request: Request) -> dict:
        base = str(request.base_url).rstrip("/")
        return {
            "issuer": issuer.issuer,
            "jwks_uri": f"{base}/.well-known/jwks.json",
            "token_endpoint": f"{base}/v1/token",
            "userinfo_endpoint": f"{base}/v1/me",
            "response_types_supported": ["token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["sub", "name", "preferred_username", "realm_access", "communes", "district"],
        }

    @api.get("/.well-known/jwks.json", tags=["discovery"], summary="The public keys tokens are signed with")
    async def jwks() -> dict:
        return issuer.key.jwks()

    @api.post("/v1/token", response_model=TokenOut, tags=["tokens"], openapi_extra=_TOKEN_BODY,
              summary="A signed token: a person's username and password, or a service's client credentials",
              responses={401: {"description": "Wrong credentials"}, 429: {"description": "Too many failures"}})
    async def token(request: Request) -> TokenOut:
        body = await _token_request(request)
        now = utc_now()
        if body.grant_type == "client_credentials":
            if not body.client_id or not body.client_secret:
                raise _bad_token_request("thiếu client_id hoặc client_secret", "client_id and client_secret are required")
            key = limit_key("client:" + body.client_id, request.client.host if request.client else None)
            if limiter is not None and await limiter().blocked(key, now):
                raise too_many_attempts(window)
            try:
                client = handlers.authenticate_client(clients, body.client_id, body.client_secret)
            except handlers.WrongCredentials:
                if limiter is not None:
                    await limiter().failed(key, now)
                raise wrong_credentials() from None
            access_token, expires_in = handlers.issue_service_token(client, issuer, now, service_ttl)
            return TokenOut(access_token=access_token, expires_in=expires_in)
        if not body.username or not body.password:
            raise _bad_token_request("thiếu username hoặc password", "username and password are required")
        key = limit_key(body.username, request.client.host if request.client else None)
        if limiter is not None and await limiter().blocked(key, now):
            raise too_many_attempts(window)
        try:
            user = await handlers.authenticate(users(), body.username, body.password)
        except handlers.WrongCredentials:
            if limiter is not None:
                await limiter().failed(key, now)
            raise wrong_credentials() from None
        access_token, expires_in = handlers.issue_token(user, issuer, now)
        return TokenOut(access_token=access_token, expires_in=expires_in)

    @api.get("/v1/me", response_model=PrincipalOut, tags=["tokens"], summary="Who the token says the caller is")
    async def me(principal: Principal = Depends(current_principal)) -> PrincipalOut:
        return PrincipalOut(subject=principal.subject, display_name=principal.display_name,
                            roles=sorted(principal.roles), communes=list(principal.communes),
                            district=principal.district)

    @api.get("/v1/users", response_model=UserPage, tags=["users"], summary="Accounts (administrators)")
    async def list_users() -> UserPage:
        return UserPage(items=[UserOut.of(u) for u in await users().list()])

    @api.post("/v1/users", response_model=UserOut, status_code=201, tags=["users"],
              summary="Create an account (administrators)")
    async def create(body: UserIn) -> UserOut:
        try:
            user = await handlers.create_user(users(), username=body.username, display_name=body.display_name,
                                              password=body.password, roles=body.roles, communes=body.communes,
                                              district=body.district)
        except InvalidUser as error:
            raise _invalid(error) from None
        except handlers.UserExists:
            raise UserFacingError(409, "user_exists", f"Tên đăng nhập {body.username} đã có.",
                                  f"The username {body.username} is taken.") from None
        return UserOut.of(user)

    @api.get("/v1/users/{username}", response_model=UserOut, tags=["users"], summary="One account")
    async def get(username: Username) -> UserOut:
        user = await users().get(username.lower())
        if user is None:
            raise _no_user(username)
        return UserOut.of(user)

    @api.patch("/v1/users/{username}", response_model=UserOut, tags=["users"],
               summary="Change an account: name, password, roles, communes, active (administrators)")
    async def patch(username: Username, body: UserPatch) -> UserOut:
        try:
            user = await handlers.update_user(users(), username, **body.model_dump(exclude_unset=True))
        except InvalidUser as error:
            raise _invalid(error) from None
        except handlers.UserNotFound:
            raise _no_user(username) from None
        return UserOut.of(user)

    return api


def _no_user(username: str) -> UserFacingError:
    return UserFacingError(404, "user_not_found", f"Không có tài khoản {username}.", f"No account {username}.")
