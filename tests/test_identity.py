"""The identity service as the other services see it: tokens checked against its published
key set (PyJWKClient, as every service does), the sign-in page and its cookie."""

from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from motcua_runtime.auth import TOKEN_COOKIE, AuthConfig, Role, TokenVerifier
from motcua_runtime.errors import UserFacingError

from motcua_identity.adapters.signing_key import SigningKey
from tests.conftest import sign_in

pytestmark = pytest.mark.e2e


def verifier(stack) -> TokenVerifier:
    env = stack.auth_env
    return TokenVerifier(AuthConfig(jwks_url=env["MOTCUA_AUTH_JWKS_URL"], issuer=env["MOTCUA_AUTH_ISSUER"]))


async def test_discovery_and_key_set_are_published(identity, http):
    discovery = (await http.get(f"{identity}/.well-known/openid-configuration")).json()
    assert discovery["jwks_uri"] == f"{identity}/.well-known/jwks.json"
    keys = (await http.get(discovery["jwks_uri"])).json()["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256" and "d" not in keys[0]


async def test_a_demo_officer_gets_a_token_the_services_accept(stack, identity, http):
    token = await sign_in(http, identity, "canbo.26041")
    principal = await verifier(stack).verify_async(token)
    assert principal.roles == {Role.COUNTER_OFFICER} and principal.communes == ("26041",)
    me = await http.get(f"{identity}/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["subject"] == "canbo.26041"


async def test_a_wrong_password_gets_401_in_vietnamese_first(identity, http):
    wrong = await http.post(f"{identity}/v1/token", json={"username": "canbo.26041", "password": "doan-bua"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["message"] == "Tên đăng nhập hoặc mật khẩu không đúng."
    english = await http.post(f"{identity}/v1/token", json={"username": "nobody", "password": "x"},
                              headers={"Accept-Language": "en"})
    assert english.json()["error"]["message"] == "Wrong username or password."


async def test_expired_and_foreign_tokens_are_refused(stack, identity, http):
    real = jwt.decode(await sign_in(http, identity, "canbo.26041"), options={"verify_signature": False})
    kid = (await http.get(f"{identity}/.well-known/jwks.json")).json()["keys"][0]["kid"]
    forged = SigningKey.generate()
    now = datetime.now(UTC)
    expired_claims = {**real, "iat": int((now - timedelta(hours=9)).timestamp()),
                      "exp": int((now - timedelta(hours=1)).timestamp())}
    tokens = {
        "another key, its own kid": forged.sign(real),
        "another key, the real kid": jwt.encode(real, forged.private_key, algorithm="RS256", headers={"kid": kid}),
        "expired (signed by another key too)": forged.sign(expired_claims),
    }
    check = verifier(stack)
    for name, token in tokens.items():
        with pytest.raises(UserFacingError) as refused:
            await check.verify_async(token)
        assert refused.value.status == 401, name
    me = await http.get(f"{identity}/v1/me", headers={"Authorization": f"Bearer {tokens['another key, the real kid']}"})
    assert me.status_code == 401 and me.json()["error"]["code"] == "not_signed_in"


async def test_only_an_administrator_manages_accounts(identity, anonymous, accounts):
    http = anonymous
    officer = await sign_in(http, identity, "canbo.26041")
    refused = await http.get(f"{identity}/v1/users", headers={"Authorization": f"Bearer {officer}"})
    assert refused.status_code == 403
    assert (await http.get(f"{identity}/v1/users")).status_code == 401
    listed = await http.get(f"{identity}/v1/users", headers=await accounts.admin_headers())
    names = {u["username"] for u in listed.json()["items"]}
    assert {"quantri", "giamsat", "canbo.26041", "lanhdao.26041", "khaosat.26041"} <= names
    assert all("password" not in key for u in listed.json()["items"] for key in u)


async def test_the_sign_in_page_sets_an_httponly_cookie_and_returns_to_the_page(services, identity):
    intake_page = f"{services['intake'].base_url}/quay/26041/"
    async with httpx.AsyncClient(base_url=identity) as browser:
        page = await browser.get("/dang-nhap", params={"next": intake_page})
        assert page.status_code == 200 and "Tên đăng nhập" in page.text and "Mật khẩu" in page.text
        wrong = await browser.post("/dang-nhap", data={"username": "canbo.26041", "password": "x", "next": intake_page})
        assert wrong.status_code == 401 and "không đúng" in wrong.text and TOKEN_COOKIE not in browser.cookies
        signed = await browser.post("/dang-nhap", data={"username": "canbo.26041", "password": "motcua-demo",
                                                        "next": intake_page})
        assert signed.status_code == 303 and signed.headers["location"] == intake_page
        cookie = signed.headers["set-cookie"]
        assert cookie.startswith(f"{TOKEN_COOKIE}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
        account = await browser.get("/tai-khoan")
        assert "Công chức Bộ phận Một cửa" in account.text and "26041" in account.text
        out = await browser.post("/dang-xuat")
        assert out.status_code == 303 and TOKEN_COOKIE not in browser.cookies
        assert (await browser.get("/tai-khoan")).status_code == 303


@pytest.mark.parametrize("target", ["https://evil.example/quay/", "//evil.example/", "javascript:alert(1)"])
async def test_a_sign_in_never_returns_to_another_site(identity, target):
    async with httpx.AsyncClient(base_url=identity) as browser:
        signed = await browser.post("/dang-nhap", data={"username": "canbo.26041", "password": "motcua-demo",
                                                        "next": target})
        assert signed.status_code == 303 and signed.headers["location"] == "/tai-khoan"
