"""ASGI factory: ``uvicorn --factory motcua_identity.entrypoints.app:create_app``."""

from datetime import timedelta

import structlog
from fastapi import FastAPI

from motcua_runtime.service import Infrastructure, build_service_app

from motcua_identity.adapters.sign_in_limits import SignInLimiter, ensure_sign_in_indexes
from motcua_identity.adapters.signing_key import load_signing_key, previous_keys
from motcua_identity.adapters.user_store import MongoUserStore
from motcua_identity.entrypoints import http, oidc, pages
from motcua_identity.entrypoints.access import ACCESS
from motcua_identity.service_layer import handlers
from motcua_identity.settings import IdentitySettings

log = structlog.get_logger("motcua.identity")


def create_app(settings: IdentitySettings | None = None) -> FastAPI:
    settings = settings or IdentitySettings()
    key = load_signing_key(settings.signing_key_pem, settings.signing_key_file, settings.data_dir) \
        .with_previous(previous_keys(settings.previous_signing_keys_pem))
    issuer = handlers.TokenIssuer(key=key, issuer=settings.auth_issuer, audience=settings.auth_audience,
                                  ttl=timedelta(seconds=settings.token_ttl_seconds))

    def wire(infra: Infrastructure, app: FastAPI) -> None:
        def users() -> MongoUserStore:
            return MongoUserStore(infra.db)

        def limiter() -> SignInLimiter:
            return SignInLimiter(infra.db, settings.sign_in_max_failures, settings.sign_in_window_seconds)

        if settings.oidc_issuer_url:
            # The district's provider signs people in: its sign-in comes first (same paths).
            app.include_router(oidc.router(settings, pages.safe_return))
        app.include_router(http.router(users, issuer, settings, limiter))
        app.include_router(pages.router(users, issuer, settings, limiter))

    async def on_startup(infra: Infrastructure) -> None:
        await ensure_sign_in_indexes(infra.db, settings.sign_in_window_seconds)
        if settings.seed_demo_users:
            created = await handlers.seed_demo_users(MongoUserStore(infra.db), settings.demo_communes,
                                                     settings.demo_password)
            if created:
                log.info("identity.demo_users_created", count=len(created))

    return build_service_app(
        settings,
        title="Một cửa — Đăng nhập (identity)",
        description="The built-in sign-in: accounts with roles and communes, signed tokens (JWT, RS256) and "
                    "the key set (JWKS) every service verifies them with. A district's own identity "
                    "provider (e.g. Keycloak) can replace it by configuration.",
        version="0.1.0",
        wire=wire,
        on_startup=on_startup,
        with_relay=False,
        access=ACCESS,
        # With a district provider, the cookie holds its tokens: checked against its JWKS.
        token_keys=None if settings.oidc_issuer_url else key.key_for,
    )
