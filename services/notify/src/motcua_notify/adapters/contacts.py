"""The citizen's contact, asked of intake when a letter or message must go out.

Personal data stays in intake: notify keeps no phone, e-mail or address. It signs in as the
service account ``notify`` (client credentials at the identity service), keeps the token until
shortly before it expires, and calls ``GET /v1/internal/dossiers/{id}/contact?purpose=…`` (or,
for a session booking's reminder, ``/v1/internal/bookings/{id}/contact``), which intake writes
to its personal-data audit log. Unit tests pass a fake with the same shape.
"""

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import httpx
import structlog

from motcua_notify.domain.rules import Contact

log = structlog.get_logger("motcua.notify.contacts")


@dataclass(frozen=True)
class BallotLink:
    url: str
    status: str  # open, submitted, expired
    expires_at: datetime


class ContactUnavailable(Exception):
    """Intake or the identity service did not answer (try again later)."""


class ContactDirectory(Protocol):
    async def contact(self, dossier_id: str, purpose: str) -> Contact | None:
        """The contact, ``None`` for a dossier intake does not know; raises ContactUnavailable."""

    async def booking_contact(self, booking_id: str, purpose: str) -> Contact | None:
        """The contact of a session booking (``cancelled`` set when it was), ``None`` if unknown."""

    async def ballot_link(self, ballot_id: str) -> BallotLink | None:
        """A ballot's one-time link and status, asked of survey; ``None`` if unknown."""


class HttpContactDirectory:
    #: Renew the token this long before it expires.
    RENEW_BEFORE_SECONDS = 60

    def __init__(self, *, identity_url: str, intake_url: str, client_id: str, client_secret: str,
                 client: httpx.AsyncClient | None = None, survey_url: str = "") -> None:
        self._identity = identity_url.rstrip("/")
        self._intake = intake_url.rstrip("/")
        self._survey = survey_url.rstrip("/")
        self._client_id, self._secret = client_id, client_secret
        self._http = client or httpx.AsyncClient(timeout=10)
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    @property
    def configured(self) -> bool:
        return bool(self._identity and self._intake and self._client_id and self._secret)

    async def _bearer(self, renew: bool = False) -> str:
        async with self._lock:
            if renew or self._token is None or time.monotonic() > self._expires - self.RENEW_BEFORE_SECONDS:
                try:
                    response = await self._http.post(f"{self._identity}/v1/token", data={
                        "grant_type": "client_credentials", "client_id": self._client_id,
                        "client_secret": self._secret})
                except httpx.HTTPError as error:
                    raise ContactUnavailable(f"identity: {type(error).__name__}") from error
                if response.status_code != 200:
                    raise ContactUnavailable(f"identity answered {response.status_code}")
                body = response.json()
                self._token = body["access_token"]
                self._expires = time.monotonic() + float(body.get("expires_in", 300))
            return self._token

    async def _get(self, path: str, purpose: str | None, base: str | None = None, name: str = "intake") -> dict | None:
        if not self.configured:
            raise ContactUnavailable("NOTIFY_INTAKE_URL / NOTIFY_IDENTITY_URL / service client not configured")
        url = f"{base or self._intake}{path}"
        for renew in (False, True):
            token = await self._bearer(renew)
            try:
                response = await self._http.get(url, params={"purpose": purpose} if purpose else None,
                                                headers={"Authorization": f"Bearer {token}"})
            except httpx.HTTPError as error:
                raise ContactUnavailable(f"{name}: {type(error).__name__}") from error
            if response.status_code == 401 and not renew:
                continue  # token revoked or keys rotated: sign in again once
            if response.status_code == 404:
                return None
            if response.status_code != 200:
                raise ContactUnavailable(f"{name} answered {response.status_code}")
            return response.json()
        raise ContactUnavailable(f"{name} refused the service token")

    async def contact(self, dossier_id: str, purpose: str) -> Contact | None:
        body = await self._get(f"/v1/internal/dossiers/{dossier_id}/contact", purpose)
        if body is None:
            return None
        return Contact(
            applicant_name=body.get("applicant_name") or "", phone=body.get("phone"), email=body.get("email"),
            address=body.get("address"), consent_letters=bool(body.get("consent_letters")),
            consent_sms=bool(body.get("consent_sms")), opted_out=bool(body.get("opted_out")))

    async def booking_contact(self, booking_id: str, purpose: str) -> Contact | None:
        body = await self._get(f"/v1/internal/bookings/{booking_id}/contact", purpose)
        if body is None:
            return None
        return Contact(applicant_name=body.get("applicant_name") or "", phone=body.get("phone"),
                       consent_sms=bool(body.get("consent_sms")), cancelled=bool(body.get("cancelled")))

    async def ballot_link(self, ballot_id: str) -> BallotLink | None:
        if not self._survey:
            raise ContactUnavailable("NOTIFY_SURVEY_URL not configured")
        body = await self._get(f"/v1/internal/ballots/{ballot_id}/link", None, self._survey, "survey")
        if body is None:
            return None
        return BallotLink(url=body["url"], status=body["status"],
                          expires_at=datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00")))

    async def close(self) -> None:
        await self._http.aclose()
