"""Use cases of the identity service: sign in, issue a token, manage accounts."""

import hmac
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from motcua_identity.adapters.passwords import hash_password, needs_rehash, verify_password
from motcua_identity.adapters.signing_key import SigningKey
from motcua_identity.adapters.user_store import UserExists
from motcua_identity.domain.users import (
    User,
    check_account,
    check_password,
    demo_accounts,
    normalise_username,
)

__all__ = ["UserStore", "TokenIssuer", "WrongCredentials", "UserExists", "UserNotFound", "authenticate",
           "issue_token", "authenticate_client", "issue_service_token", "create_user", "update_user", "seed_demo_users"]


class UserStore(Protocol):
    async def get(self, username: str) -> User | None: ...
    async def add(self, user: User) -> None: ...
    async def save(self, user: User) -> None: ...
    async def list(self, limit: int = 500) -> list[User]: ...


class WrongCredentials(Exception):
    code = "wrong_credentials"


class UserNotFound(Exception):
    code = "user_not_found"


@dataclass(frozen=True)
class TokenIssuer:
    key: SigningKey
    issuer: str
    audience: str
    ttl: timedelta


async def authenticate(users: UserStore, username: str, password: str) -> User:
    """The active user with this name and password; :class:`WrongCredentials` otherwise (the
    same for an unknown name, a wrong password and a disabled account)."""
    user = await users.get(normalise_username(username))
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        raise WrongCredentials()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        await users.save(user)
    return user


def issue_token(user: User, issuer: TokenIssuer, now: datetime) -> tuple[str, int]:
    """A signed JWT for ``user`` and its lifetime in seconds. Roles sit where Keycloak puts realm
    roles (``realm_access.roles``), so the services read both the same way."""
    expires = now + issuer.ttl
    claims = {
        "iss": issuer.issuer,
        "aud": issuer.audience,
        "sub": user.username,
        "preferred_username": user.username,
        "name": user.display_name,
        "realm_access": {"roles": list(user.roles)},
        "communes": list(user.communes),
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": uuid.uuid4().hex,
    }
    if user.district:
        claims["district"] = user.district
    return issuer.key.sign(claims), int(issuer.ttl.total_seconds())


SERVICE_SUBJECT_PREFIX = "svc:"


def authenticate_client(clients: Mapping[str, str], client_id: str, client_secret: str) -> str:
    """The client's name when ``client_secret`` is its configured secret (compared in constant
    time); :class:`WrongCredentials` otherwise."""
    expected = clients.get(client_id)
    # Compare against something even for an unknown client: the answer takes as long.
    ok = hmac.compare_digest((expected or "\0" * 32).encode(), client_secret.encode())
    if expected is None or not expected or not ok:
        raise WrongCredentials()
    return client_id


def issue_service_token(client_id: str, issuer: TokenIssuer, now: datetime, ttl: timedelta) -> tuple[str, int]:
    """A token for another service of the deployment: subject ``svc:<name>``, role ``service``,
    every commune (``*``). Internal endpoints accept it; no person's endpoint does."""
    expires = now + ttl
    claims = {
        "iss": issuer.issuer,
        "aud": issuer.audience,
        "sub": SERVICE_SUBJECT_PREFIX + client_id,
        "preferred_username": SERVICE_SUBJECT_PREFIX + client_id,
        "name": f"Dịch vụ {client_id}",
        "realm_access": {"roles": ["service"]},
        "communes": ["*"],
        "client_id": client_id,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return issuer.key.sign(claims), int(ttl.total_seconds())


async def create_user(users: UserStore, *, username: str, display_name: str, password: str, roles: list[str],
                      communes: list[str], district: str | None = None) -> User:
    username = normalise_username(username)
    check_account(username, roles, communes)
    check_password(password)
    user = User(username=username, display_name=display_name.strip() or username,
                password_hash=hash_password(password), roles=tuple(roles), communes=tuple(communes),
                district=district)
    await users.add(user)
    return user


async def update_user(users: UserStore, username: str, *, display_name: str | None = None,
                      password: str | None = None, roles: list[str] | None = None,
                      communes: list[str] | None = None, active: bool | None = None) -> User:
    user = await users.get(normalise_username(username))
    if user is None:
        raise UserNotFound(username)
    new_roles = tuple(roles) if roles is not None else user.roles
    new_communes = tuple(communes) if communes is not None else user.communes
    check_account(user.username, new_roles, new_communes)
    if password is not None:
        check_password(password)
        user.password_hash = hash_password(password)
    if display_name is not None:
        user.display_name = display_name.strip() or user.username
    user.roles, user.communes = new_roles, new_communes
    if active is not None:
        user.active = active
    await users.save(user)
    return user


async def seed_demo_users(users: UserStore, communes: list[str], password: str) -> list[str]:
    """Create the missing demo accounts (an existing one is left as it is). Returns those created."""
    created = []
    for account in demo_accounts(communes):
        if await users.get(account.username) is not None:
            continue
        try:
            await create_user(users, username=account.username, display_name=account.display_name,
                              password=password, roles=list(account.roles), communes=list(account.communes))
            created.append(account.username)
        except UserExists:
            pass  # another replica seeded it
    return created
