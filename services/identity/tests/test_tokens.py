"""Tokens issued by the identity service and checked by motcua_runtime.auth, over an in-memory user store."""

from datetime import UTC, datetime, timedelta

import jwt
from cryptography.hazmat.primitives import serialization
import pytest

from motcua_runtime.auth import AuthConfig, Role, TokenVerifier
from motcua_runtime.errors import UserFacingError

from motcua_identity.adapters.signing_key import SigningKey, load_signing_key
from motcua_identity.adapters.user_store import UserExists
from motcua_identity.domain.users import InvalidUser, User
from motcua_identity.service_layer import handlers

KEY = SigningKey.generate()
ISSUER = handlers.TokenIssuer(key=KEY, issuer="https://dang-nhap.example", audience="motcua", ttl=timedelta(hours=8))
CONFIG = AuthConfig(issuer="https://dang-nhap.example", audience="motcua")


class FakeUsers:
    def __init__(self) -> None:
        self.users: dict[str, User] = {}

    async def get(self, username: str) -> User | None:
        return self.users.get(username)

    async def add(self, user: User) -> None:
        if user.username in self.users:
            raise UserExists(user.username)
        self.users[user.username] = user

    async def save(self, user: User) -> None:
        self.users[user.username] = user

    async def list(self, limit: int = 500) -> list[User]:
        return list(self.users.values())[:limit]


@pytest.fixture
async def users() -> FakeUsers:
    store = FakeUsers()
    await handlers.create_user(store, username="CanBo.26041", display_name="Nguyễn Thị Lan", password="mat-khau-1",
                               roles=[Role.COUNTER_OFFICER], communes=["26041"])
    return store


async def test_a_token_issued_on_sign_in_verifies_to_the_principal(users):
    user = await handlers.authenticate(users, "canbo.26041", "mat-khau-1")
    token, ttl = handlers.issue_token(user, ISSUER, datetime.now(UTC))
    assert ttl == 8 * 3600
    principal = TokenVerifier(CONFIG, keys=KEY.key_for).verify(token)
    assert principal.subject == "canbo.26041" and principal.display_name == "Nguyễn Thị Lan"
    assert principal.roles == {"counter_officer"} and principal.communes == ("26041",)
    assert principal.works_for("26041") and not principal.works_for("26032")
    assert users.users["canbo.26041"].password_hash.startswith("$argon2id$")


@pytest.mark.parametrize("username, password", [("canbo.26041", "sai-mat-khau"), ("khong-co", "mat-khau-1"),
                                                ("canbo.26041", "")])
async def test_a_wrong_password_or_unknown_user_is_refused_alike(users, username, password):
    with pytest.raises(handlers.WrongCredentials):
        await handlers.authenticate(users, username, password)


async def test_a_disabled_account_cannot_sign_in(users):
    await handlers.update_user(users, "canbo.26041", active=False)
    with pytest.raises(handlers.WrongCredentials):
        await handlers.authenticate(users, "canbo.26041", "mat-khau-1")


async def test_an_expired_token_is_refused_with_401(users):
    user = await handlers.authenticate(users, "canbo.26041", "mat-khau-1")
    token, _ = handlers.issue_token(user, ISSUER, datetime.now(UTC) - timedelta(hours=9))
    with pytest.raises(UserFacingError) as refused:
        TokenVerifier(CONFIG, keys=KEY.key_for).verify(token)
    assert refused.value.status == 401 and "hết hạn" in refused.value.message_vi
    assert "expired" in refused.value.message_en


async def test_a_token_from_another_key_or_issuer_or_audience_is_refused(users):
    user = await handlers.authenticate(users, "canbo.26041", "mat-khau-1")
    now = datetime.now(UTC)
    forged_key = SigningKey.generate()
    forged, _ = handlers.issue_token(user, handlers.TokenIssuer(forged_key, ISSUER.issuer, "motcua", ISSUER.ttl), now)
    # The same kid as the real key, another private key: the signature does not hold.
    claims = jwt.decode(forged, options={"verify_signature": False})
    same_kid = jwt.encode(claims, forged_key.private_key, algorithm="RS256", headers={"kid": KEY.kid})
    other_issuer, _ = handlers.issue_token(user, handlers.TokenIssuer(KEY, "https://evil.example", "motcua",
                                                                      ISSUER.ttl), now)
    other_audience, _ = handlers.issue_token(user, handlers.TokenIssuer(KEY, ISSUER.issuer, "another-app",
                                                                        ISSUER.ttl), now)
    unsigned = jwt.encode(claims, None, algorithm="none")
    verifier = TokenVerifier(CONFIG, keys=KEY.key_for)
    for token in (forged, same_kid, other_issuer, other_audience, unsigned, "not-a-token"):
        with pytest.raises(UserFacingError) as refused:
            verifier.verify(token)
        assert refused.value.status == 401


async def test_accounts_are_checked(users):
    with pytest.raises(InvalidUser):
        await handlers.create_user(users, username="a b", display_name="x", password="12345678",
                                   roles=[Role.ADMINISTRATOR], communes=[])
    with pytest.raises(InvalidUser):
        await handlers.create_user(users, username="lanhdao", display_name="x", password="12345678",
                                   roles=["mayor"], communes=["26041"])
    with pytest.raises(InvalidUser):  # an officer belongs to a commune
        await handlers.create_user(users, username="canbo", display_name="x", password="12345678",
                                   roles=[Role.COUNTER_OFFICER], communes=[])
    with pytest.raises(InvalidUser):
        await handlers.create_user(users, username="ngan", display_name="x", password="ngan",
                                   roles=[Role.ADMINISTRATOR], communes=["*"])
    with pytest.raises(UserExists):
        await handlers.create_user(users, username="canbo.26041", display_name="x", password="12345678",
                                   roles=[Role.COUNTER_OFFICER], communes=["26041"])


async def test_demo_accounts_cover_every_role_and_are_seeded_once():
    store = FakeUsers()
    created = await handlers.seed_demo_users(store, ["26041", "15667"], "motcua-demo")
    assert {"quantri", "giamsat", "canbo.26041", "lanhdao.15667", "khaosat.26041"} <= set(created)
    assert {r for u in store.users.values() for r in u.roles} == set(Role) - {Role.SERVICE}  # people only
    assert await handlers.seed_demo_users(store, ["26041", "15667"], "motcua-demo") == []


def test_the_signing_key_is_generated_once_and_kept(tmp_path):
    first = load_signing_key("", "", str(tmp_path))
    again = load_signing_key("", "", str(tmp_path))
    assert first.kid == again.kid and (tmp_path / "signing-key.pem").stat().st_mode & 0o077 == 0
    configured = load_signing_key(KEY.pem().decode(), "", str(tmp_path))
    assert configured.kid == KEY.kid and configured.jwks()["keys"][0]["alg"] == "RS256"


def test_a_service_client_gets_a_service_token_only_with_its_secret():
    clients = {"notify": "s3cret-of-notify"}
    assert handlers.authenticate_client(clients, "notify", "s3cret-of-notify") == "notify"
    for client_id, secret in (("notify", "wrong"), ("reporting", "s3cret-of-notify"), ("notify", "")):
        with pytest.raises(handlers.WrongCredentials):
            handlers.authenticate_client(clients, client_id, secret)


async def test_people_cannot_hold_the_service_role():
    with pytest.raises(InvalidUser):
        await handlers.create_user(FakeUsers(), username="mao.danh", display_name="x", password="mat-khau-dai",
                                   roles=["service"], communes=["*"])


def test_after_a_rotation_tokens_of_the_previous_key_stay_valid_until_they_expire():
    from motcua_identity.adapters.signing_key import previous_keys

    old, new = SigningKey.generate(), SigningKey.generate()
    old_token = old.sign({"sub": "canbo.26041"})
    # The retired key given as its private PEM and as its public PEM: both work.
    public_pem = old.public_key.public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    for retired in (old.pem().decode(), public_pem):
        ring = new.with_previous(previous_keys(retired))
        assert [k["kid"] for k in ring.jwks()["keys"]] == [new.kid, old.kid]  # current first
        assert ring.key_for(old_token) == old.public_key
        assert ring.key_for(new.sign({"sub": "x"})) == new.public_key
        assert jwt.get_unverified_header(ring.sign({"sub": "y"}))["kid"] == new.kid  # signs with the new key only
    # Once the previous key is removed, its tokens are refused.
    with pytest.raises(jwt.InvalidKeyError):
        new.key_for(old_token)
    with pytest.raises(jwt.InvalidKeyError):
        new.with_previous(previous_keys(old.pem().decode())).key_for(SigningKey.generate().sign({"sub": "z"}))
