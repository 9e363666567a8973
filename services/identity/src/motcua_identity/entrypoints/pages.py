"""The sign-in page (``/dang-nhap``), the account page and sign-out. Small, server-rendered,
Vietnamese first (``?lang=en`` or ``Accept-Language: en`` for English).

The token is kept in an HttpOnly, SameSite=Lax cookie for the whole host: cookies do not
depend on the port, so an officer signed in here opens the pages of every service of the
deployment without signing in again.
"""

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, select_autoescape

from motcua_runtime.auth import TOKEN_COOKIE, current_principal
from motcua_runtime.clock import utc_now

from motcua_identity.adapters.sign_in_limits import SignInLimiter, limit_key, too_many_attempts_message
from motcua_identity.domain.users import ROLE_VI
from motcua_identity.service_layer import handlers

TEXTS = {
    "vi": {
        "lang": "vi", "title": "Đăng nhập", "app": "Bộ phận Tiếp nhận và Trả kết quả",
        "username": "Tên đăng nhập", "password": "Mật khẩu", "submit": "Đăng nhập",
        "wrong": "Tên đăng nhập hoặc mật khẩu không đúng.", "hint": "Dành cho cán bộ, công chức. "
        "Công dân tra cứu hồ sơ không cần đăng nhập.", "account": "Tài khoản", "roles": "Vai trò",
        "communes": "Xã/phường", "all": "Tất cả xã/phường của huyện", "sign_out": "Đăng xuất",
        "signed_in_as": "Đang đăng nhập", "other": "English", "other_code": "en",
    },
    "en": {
        "lang": "en", "title": "Sign in", "app": "One-stop shop",
        "username": "Username", "password": "Password", "submit": "Sign in",
        "wrong": "Wrong username or password.", "hint": "For officers. Citizens look up their dossier "
        "without signing in.", "account": "Account", "roles": "Roles", "communes": "Communes",
        "all": "Every commune of the district", "sign_out": "Sign out", "signed_in_as": "Signed in as",
        "other": "Tiếng Việt", "other_code": "vi",
    },
}
ROLE_EN = {"counter_officer": "Counter officer", "commune_leader": "Commune leader",
           "district_overseer": "District overseer", "administrator": "Administrator",
           "survey_team_member": "Survey team member"}

_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_LAYOUT = """<!doctype html>
<html lang="{{ t.lang }}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{ t.title }} — {{ t.app }}</title>
<style>
body{font-family:system-ui,sans-serif;background:#f3f5f8;margin:0;color:#1d2733}
main{max-width:24rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:.5rem;box-shadow:0 1px 4px #0002}
label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}
button{margin-top:1.2rem;padding:.6rem 1.2rem;font-size:1rem;background:#a31d1d;color:#fff;border:0;border-radius:.3rem}
.error{background:#fde8e8;color:#8a1111;padding:.6rem;border-radius:.3rem}.hint{color:#555;font-size:.9rem}
.lang{float:right;font-size:.9rem}
</style></head><body><main>
<a class="lang" href="?lang={{ t.other_code }}{% if next %}&next={{ next|urlencode }}{% endif %}">{{ t.other }}</a>
{% block body %}{% endblock %}
</main></body></html>"""
_SIGN_IN = _env.from_string(_LAYOUT.replace("{% block body %}{% endblock %}", """
<h1>{{ t.title }}</h1><p>{{ t.app }}</p>
{% if wrong %}<p class="error" role="alert">{{ t.wrong }}</p>{% endif %}
{% if blocked %}<p class="error" role="alert">{{ blocked }}</p>{% endif %}
<form method="post" action="/dang-nhap">
<input type="hidden" name="next" value="{{ next }}">
<label for="username">{{ t.username }}</label>
<input id="username" name="username" autocomplete="username" required autofocus value="{{ username }}">
<label for="password">{{ t.password }}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">{{ t.submit }}</button>
</form><p class="hint">{{ t.hint }}</p>"""))
_ACCOUNT = _env.from_string(_LAYOUT.replace("{% block body %}{% endblock %}", """
<h1>{{ t.account }}</h1><p>{{ t.signed_in_as }}: <strong>{{ principal.display_name }}</strong>
({{ principal.subject }})</p>
<p>{{ t.roles }}: {{ roles|join(", ") }}</p>
<p>{{ t.communes }}: {% if principal.all_communes %}{{ t.all }}{% else %}{{ principal.communes|join(", ") }}{% endif %}</p>
<form method="post" action="/dang-xuat"><button type="submit">{{ t.sign_out }}</button></form>"""))


def language(request: Request) -> str:
    chosen = request.query_params.get("lang")
    if chosen in TEXTS:
        return chosen
    return "en" if request.headers.get("accept-language", "").lower().startswith("en") else "vi"


def safe_return(target: str, request: Request, allowed_hosts: list[str]) -> str:
    """Where the browser may go back to after signing in: a path of this host, or a page of a
    service on the same host (any port) or an allowed host; never somewhere else."""
    default = "/tai-khoan"
    if not target or "\\" in target:
        return default
    parts = urlsplit(target)
    if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
        return target
    if parts.scheme in ("http", "https") and parts.hostname and (
            parts.hostname == request.url.hostname or parts.hostname in allowed_hosts):
        return target
    return default


def _html(body: str, lang: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store", "Content-Language": lang})


def router(users: Callable[[], handlers.UserStore], issuer: handlers.TokenIssuer, settings,
           limiter: Callable[[], SignInLimiter] | None = None) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get("/")
    async def home() -> RedirectResponse:
        return RedirectResponse("/dang-nhap", status_code=303)

    @pages.get("/dang-nhap", response_class=HTMLResponse)
    async def sign_in_form(request: Request, next: str = "") -> HTMLResponse:
        lang = language(request)
        return _html(_SIGN_IN.render(t=TEXTS[lang], next=next, username="", wrong=False), lang)

    @pages.post("/dang-nhap")
    async def sign_in(request: Request):
        lang = language(request)
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        username, password, target = form.get("username", ""), form.get("password", ""), form.get("next", "")
        now = utc_now()
        key = limit_key(username, request.client.host if request.client else None)
        if limiter is not None and await limiter().blocked(key, now):
            vi, en = too_many_attempts_message(settings.sign_in_window_seconds)
            return _html(_SIGN_IN.render(t=TEXTS[lang], next=target, username=username[:64], wrong=False,
                                         blocked=vi if lang == "vi" else en), lang, 429)
        try:
            user = await handlers.authenticate(users(), username[:64], password[:200])
        except handlers.WrongCredentials:
            if limiter is not None:
                await limiter().failed(key, now)
            return _html(_SIGN_IN.render(t=TEXTS[lang], next=target, username=username[:64], wrong=True), lang, 401)
        token, ttl = handlers.issue_token(user, issuer, utc_now())
        response = RedirectResponse(safe_return(target, request, settings.allowed_return_hosts), status_code=303)
        response.set_cookie(TOKEN_COOKIE, token, max_age=ttl, httponly=True, samesite="lax",
                            secure=settings.cookie_secure, path="/")
        return response

    async def sign_out(request: Request) -> RedirectResponse:
        response = RedirectResponse("/dang-nhap", status_code=303)
        response.delete_cookie(TOKEN_COOKIE, path="/", httponly=True, samesite="lax", secure=settings.cookie_secure)
        return response

    pages.post("/dang-xuat")(sign_out)
    pages.get("/dang-xuat")(sign_out)

    @pages.get("/tai-khoan", response_class=HTMLResponse)
    async def account(request: Request) -> HTMLResponse:
        principal = await current_principal(request)
        lang = language(request)
        names = ROLE_VI if lang == "vi" else ROLE_EN
        roles = [names.get(r, r) for r in sorted(principal.roles)]
        return _html(_ACCOUNT.render(t=TEXTS[lang], principal=principal, roles=roles, next=""), lang)

    return pages
