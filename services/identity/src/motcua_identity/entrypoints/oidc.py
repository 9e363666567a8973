"""Sign-in for the pages through a district's own identity provider (Keycloak, or any OpenID
Connect provider): the authorization-code flow with PKCE, by configuration only.

With ``IDENTITY_OIDC_ISSUER_URL`` set, the identity service holds no accounts of its own: its
``/dang-nhap`` sends the browser to the provider's authorization endpoint, and
``/dang-nhap/oidc/callback`` exchanges the code for the provider's access token, checks it as
every service does (``MOTCUA_AUTH_JWKS_URL`` of the provider, issuer, audience, the configured
claims) and keeps it in the same ``motcua_token`` cookie the built-in sign-in sets. Every
service's pages then work unchanged.

The round trip keeps its ``state``, PKCE verifier and return address in a short-lived HttpOnly
cookie (SameSite=Lax: the provider's redirect is a top-level navigation, which carries it); a
callback whose ``state`` does not match the cookie's is refused, and the code is useless
without the PKCE verifier.
"""

import base64
import hashlib
import json
import secrets
import time
from urllib.parse import urlencode

import httpx
import structlog
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from motcua_runtime.auth import TOKEN_COOKIE, AuthConfig, TokenVerifier
from motcua_runtime.errors import UserFacingError

log = structlog.get_logger("motcua.identity.oidc")

FLOW_COOKIE = "motcua_oidc_flow"
FLOW_SECONDS = 600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Provider:
    """The provider's endpoints, read once from its discovery document."""

    def __init__(self, issuer_url: str) -> None:
        self.issuer_url = issuer_url.rstrip("/")
        self._metadata: dict | None = None
        self._fetched = 0.0

    async def metadata(self) -> dict:
        if self._metadata is None or time.monotonic() - self._fetched > 3600:
            async with httpx.AsyncClient(timeout=10) as client:
                response = await client.get(f"{self.issuer_url}/.well-known/openid-configuration")
                response.raise_for_status()
                self._metadata, self._fetched = response.json(), time.monotonic()
        return self._metadata


def _unavailable() -> UserFacingError:
    return UserFacingError(502, "identity_provider_unavailable",
                           "Không kết nối được với hệ thống đăng nhập của huyện. Vui lòng thử lại sau.",
                           "The district's sign-in service cannot be reached. Please try again later.")


def _refused() -> UserFacingError:
    return UserFacingError(400, "sign_in_refused",
                           "Phiên đăng nhập không hợp lệ hoặc đã hết hạn. Vui lòng đăng nhập lại.",
                           "The sign-in is not valid or has expired. Please sign in again.")


def router(settings, safe_return) -> APIRouter:
    pages = APIRouter(include_in_schema=False)
    provider = Provider(settings.oidc_issuer_url)
    verifier = TokenVerifier(AuthConfig.of(settings))

    def redirect_uri(request: Request) -> str:
        return settings.oidc_redirect_url or str(request.url_for("oidc_callback"))

    @pages.get("/dang-nhap")
    async def sign_in(request: Request, next: str = "") -> RedirectResponse:
        try:
            endpoint = (await provider.metadata())["authorization_endpoint"]
        except (httpx.HTTPError, KeyError, ValueError):
            raise _unavailable() from None
        state, verifier_text = secrets.token_urlsafe(24), secrets.token_urlsafe(48)
        challenge = _b64(hashlib.sha256(verifier_text.encode()).digest())
        query = urlencode({"response_type": "code", "client_id": settings.oidc_client_id,
                           "redirect_uri": redirect_uri(request), "scope": settings.oidc_scopes, "state": state,
                           "code_challenge": challenge, "code_challenge_method": "S256"})
        response = RedirectResponse(f"{endpoint}?{query}", status_code=303, headers={"Cache-Control": "no-store"})
        flow = _b64(json.dumps({"state": state, "verifier": verifier_text, "next": next[:2000]}).encode())
        response.set_cookie(FLOW_COOKIE, flow, max_age=FLOW_SECONDS, httponly=True, samesite="lax",
                            secure=settings.cookie_secure, path="/dang-nhap")
        return response

    @pages.get("/dang-nhap/oidc/callback", name="oidc_callback")
    async def callback(request: Request, code: str = "", state: str = "", error: str = "") -> RedirectResponse:
        try:
            raw = request.cookies.get(FLOW_COOKIE, "")
            flow = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        except (ValueError, TypeError):
            flow = {}
        if error or not code or not state or not secrets.compare_digest(str(flow.get("state", "")), state):
            log.warning("oidc.callback_refused", error=error or None, state_matches=False)
            raise _refused()
        try:
            endpoint = (await provider.metadata())["token_endpoint"]
            async with httpx.AsyncClient(timeout=10) as client:
                answer = await client.post(endpoint, data={
                    "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri(request),
                    "client_id": settings.oidc_client_id, "client_secret": settings.oidc_client_secret.get_secret_value(),
                    "code_verifier": flow.get("verifier", "")})
        except (httpx.HTTPError, KeyError, ValueError):
            raise _unavailable() from None
        if answer.status_code != 200 or "access_token" not in answer.json():
            log.warning("oidc.code_refused", status=answer.status_code)
            raise _refused()
        tokens = answer.json()
        # The same checks every service makes: a token they would refuse is not kept.
        principal = await verifier.verify_async(tokens["access_token"])
        log.info("oidc.signed_in", subject=principal.subject)
        target = safe_return(str(flow.get("next", "")), request, settings.allowed_return_hosts)
        response = RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})
        response.set_cookie(TOKEN_COOKIE, tokens["access_token"], max_age=int(tokens.get("expires_in", 300)),
                            httponly=True, samesite="lax", secure=settings.cookie_secure, path="/")
        response.delete_cookie(FLOW_COOKIE, path="/dang-nhap")
        return response

    return pages
