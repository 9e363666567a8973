"""The identity service as the other services see it: tokens checked against its published
key set (PyJWKClient, as every service does), the sign-in page and its cookie."""

import json
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


async def test_failed_sign_ins_are_rate_limited_per_username_and_address(identity, anonymous, accounts):
    """Guessing a password: after 5 failures the name is blocked for a while (429, Vietnamese
    first), even with the right password; the page says so too. Another name is not affected."""
    http = anonymous
    await accounts.token(Role.COUNTER_OFFICER, "T10000001")  # makes sure the admin exists
    victim = f"nan.nhan{datetime.now(UTC):%H%M%S%f}"
    created = await http.post(f"{identity}/v1/users", headers=await accounts.admin_headers(), json={
        "username": victim, "display_name": "Nạn nhân", "password": "mat-khau-dung-1",
        "roles": ["counter_officer"], "communes": ["T10000001"]})
    assert created.status_code == 201, created.text
    for attempt in range(5):
        wrong = await http.post(f"{identity}/v1/token", json={"username": victim, "password": f"doan-{attempt}"})
        assert wrong.status_code == 401
    blocked = await http.post(f"{identity}/v1/token", json={"username": victim, "password": "mat-khau-dung-1"})
    assert blocked.status_code == 429
    assert blocked.json()["error"]["message"].startswith("Ông/bà đã nhập sai tên đăng nhập hoặc mật khẩu quá nhiều lần")
    page = await http.post(f"{identity}/dang-nhap", data={"username": victim, "password": "mat-khau-dung-1"})
    assert page.status_code == 429 and "quá nhiều lần" in page.text
    # Someone else signs in as usual.
    assert (await http.post(f"{identity}/v1/token", json={"username": "canbo.26041", "password": "motcua-demo"})
            ).status_code == 200


async def test_a_cross_site_form_cannot_use_the_sign_in_cookie(services, identity, accounts, anonymous):
    """CSRF: an administrator signed in (cookie) opens another site's page on the same host (another
    port: the same "site", so the SameSite=Lax cookie travels) whose form posts to intake's
    retention job. The request is refused (403) and nothing runs; the same cookie works from
    intake's own origin."""
    import asyncio
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from tests.pages_support import chromium

    intake = services["intake"].base_url
    admin_token = await accounts.token(Role.ADMINISTRATOR, "*")
    bearer = {"Authorization": f"Bearer {admin_token}"}
    before = (await anonymous.get(f"{intake}/v1/retention/runs", headers=bearer)).json()["total"]
    evil = (f'<!doctype html><form id="f" method="post" action="{intake}/v1/retention/runs">'
            '<input name="x" value="1"></form><script>document.getElementById("f").submit()</script>').encode()

    class Evil(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(evil)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Evil)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        async with chromium() as browser:
            context = await browser.new_context()
            await context.add_cookies([{"name": TOKEN_COOKIE, "value": admin_token, "url": intake,
                                        "httpOnly": True, "sameSite": "Lax"}])
            page = await context.new_page()
            async with page.expect_response(lambda r: "/v1/retention/runs" in r.url) as answer:
                await page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
            response = await answer.value
            assert response.status == 403
            assert "trang khác bị từ chối" in await response.text()
            # From intake's own origin, the same cookie is accepted (a page's fetch).
            await page.goto(f"{intake}/health/live")
            status = await page.evaluate("fetch('/v1/retention/runs', {method: 'POST'}).then(r => r.status)")
            assert status == 201
            await context.close()
    finally:
        server.shutdown()
    await asyncio.sleep(0.2)
    after = (await anonymous.get(f"{intake}/v1/retention/runs", headers=bearer)).json()["total"]
    assert after == before + 1  # only the same-origin request ran the job


async def test_pages_sign_in_at_a_district_provider_with_the_authorization_code_flow(stack, services):
    """With IDENTITY_OIDC_* set, /dang-nhap goes to the district's provider (here a small stand-in
    for Keycloak: discovery, authorize, token with PKCE, JWKS) and the callback keeps the
    provider's token in the usual cookie; a callback with another state is refused."""
    import asyncio
    import base64
    import hashlib
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs as qs, urlencode, urlsplit as split

    from tests.conftest import extra_service

    key = SigningKey.generate()
    codes: dict[str, dict] = {}

    class Provider(BaseHTTPRequestHandler):
        def _json(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = split(self.path)
            if url.path == "/.well-known/openid-configuration":
                return self._json(200, {"issuer": base, "authorization_endpoint": f"{base}/auth",
                                        "token_endpoint": f"{base}/token", "jwks_uri": f"{base}/jwks"})
            if url.path == "/jwks":
                return self._json(200, key.jwks())
            if url.path == "/auth":  # the user signs in at the provider; it sends the browser back
                q = {k: v[0] for k, v in qs(url.query).items()}
                code = f"code-{len(codes)}"
                codes[code] = q
                self.send_response(302)
                self.send_header("Location", f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}")
                self.end_headers()
                return None
            return self._json(404, {})

        def do_POST(self):
            form = {k: v[0] for k, v in qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
            asked = codes.pop(form.get("code", ""), None)
            challenge = base64.urlsafe_b64encode(hashlib.sha256(form.get("code_verifier", "").encode()).digest())
            if asked is None or form.get("client_secret") != "bi-mat-client" or \
                    challenge.rstrip(b"=").decode() != asked["code_challenge"]:
                return self._json(400, {"error": "invalid_grant"})
            now = int(datetime.now(UTC).timestamp())
            token = key.sign({"iss": base, "aud": "motcua", "sub": "kc-7f3a", "name": "Lãnh đạo Keycloak",
                              "realm_access": {"roles": ["commune_leader"]}, "communes": "26041 26032",
                              "iat": now, "exp": now + 600})
            return self._json(200, {"access_token": token, "token_type": "Bearer", "expires_in": 600})

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    replica = extra_service(stack, "identity")
    try:
        replica.start({"IDENTITY_OIDC_ISSUER_URL": base, "IDENTITY_OIDC_CLIENT_ID": "motcua-pages",
                       "IDENTITY_OIDC_CLIENT_SECRET": "bi-mat-client", "IDENTITY_SEED_DEMO_USERS": "false",
                       "MOTCUA_AUTH_JWKS_URL": f"{base}/jwks", "MOTCUA_AUTH_ISSUER": base})
        await asyncio.to_thread(replica.wait_ready, 60)
        async with httpx.AsyncClient(timeout=15, follow_redirects=True) as browser:
            page = await browser.get(f"{replica.base_url}/dang-nhap", params={"next": "/tai-khoan"})
            assert page.status_code == 200 and str(page.url) == f"{replica.base_url}/tai-khoan"
            assert "Lãnh đạo Keycloak" in page.text and "26041, 26032" in page.text
            assert browser.cookies.get(TOKEN_COOKIE)
        async with httpx.AsyncClient(timeout=15, follow_redirects=False) as browser:
            start = await browser.get(f"{replica.base_url}/dang-nhap")
            assert start.status_code == 303 and start.headers["location"].startswith(f"{base}/auth?")
            forged = await browser.get(f"{replica.base_url}/dang-nhap/oidc/callback",
                                       params={"code": "code-x", "state": "khong-phai"})
            assert forged.status_code == 400 and TOKEN_COOKIE not in forged.cookies
    finally:
        replica.stop()
        server.shutdown()


async def test_a_rotated_signing_key_keeps_tokens_of_the_previous_one_until_they_expire(stack, http):
    """An identity replica rotated to a new key, with the old key as previous: its key set lists
    both, tokens it signed before still open the API, new tokens carry the new key's kid."""
    import asyncio

    from tests.conftest import extra_service

    old, new = SigningKey.generate(), SigningKey.generate()
    replica = extra_service(stack, "identity")
    try:
        replica.start({"IDENTITY_SIGNING_KEY_PEM": old.pem().decode(), "IDENTITY_SEED_DEMO_USERS": "true"})
        await asyncio.to_thread(replica.wait_ready, 60)
        before = await sign_in(http, replica.base_url, "canbo.26041")
        replica.stop()
        replica.start({"IDENTITY_SIGNING_KEY_PEM": new.pem().decode(), "IDENTITY_SEED_DEMO_USERS": "true",
                       "IDENTITY_PREVIOUS_SIGNING_KEYS_PEM": old.pem().decode()})
        await asyncio.to_thread(replica.wait_ready, 60)
        keys = (await http.get(f"{replica.base_url}/.well-known/jwks.json")).json()["keys"]
        assert [k["kid"] for k in keys] == [new.kid, old.kid] and all("d" not in k for k in keys)
        me = await http.get(f"{replica.base_url}/v1/me", headers={"Authorization": f"Bearer {before}"})
        assert me.status_code == 200 and me.json()["subject"] == "canbo.26041"
        after = await sign_in(http, replica.base_url, "canbo.26041")
        assert jwt.get_unverified_header(after)["kid"] == new.kid
        # The previous key removed (a working day later): its tokens are refused.
        replica.stop()
        replica.start({"IDENTITY_SIGNING_KEY_PEM": new.pem().decode(), "IDENTITY_SEED_DEMO_USERS": "true"})
        await asyncio.to_thread(replica.wait_ready, 60)
        refused = await http.get(f"{replica.base_url}/v1/me", headers={"Authorization": f"Bearer {before}"})
        assert refused.status_code == 401
    finally:
        replica.stop()
