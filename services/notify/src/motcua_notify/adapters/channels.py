"""Channel adapters: one attempt to hand a message over, and what came of it.

- SMS: ``HttpSmsGateway`` (a brand-name SMS provider's HTTP API: JSON POST, API key header,
  our message id as the client reference so a provider that deduplicates drops a repeat) and
  ``SinkSms`` (records each message as a JSON file in a directory: local runs and tests);
- e-mail: ``SmtpEmail`` through a real SMTP server (stdlib smtplib in a thread, STARTTLS and
  login when configured; the Message-ID is our message id);
- Zalo Official Account: ``ZaloOa`` (ZNS-style HTTP API: phone in 84… form, template data,
  ``tracking_id`` = our message id, ``error`` 0 means accepted).

Classification: connection errors, timeouts, 429 and 5xx are temporary; other 4xx and an
SMTP 5xx reply are permanent; SMTP 4xx replies are temporary.
"""

import asyncio
import json
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path

import httpx

from motcua_notify.domain.delivery import AttemptResult, Outcome


@dataclass(frozen=True)
class OutgoingMessage:
    message_id: str
    commune_code: str
    channel: str
    to: str
    body: str
    subject: str = ""
    attachment: tuple[str, bytes] | None = None  # (file name, PDF)
    from_address: str = ""
    from_name: str = ""
    sender: str = ""  # SMS brand name


def _http_outcome(response: httpx.Response) -> Outcome:
    if response.status_code == 429 or response.status_code >= 500:
        return Outcome.TEMPORARY
    if response.status_code >= 400:
        return Outcome.PERMANENT
    return Outcome.ACCEPTED


class SinkSms:
    """Writes ``<dir>/<commune>/<message id>.json``; the file's existence is the delivery."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    async def send(self, message: OutgoingMessage) -> AttemptResult:
        folder = self.directory / message.commune_code
        record = {"message_id": message.message_id, "to": message.to, "text": message.body,
                  "sender": message.sender, "channel": message.channel}

        def write() -> None:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".{message.message_id}.tmp"
            tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
            tmp.replace(folder / f"{message.message_id}.json")

        await asyncio.to_thread(write)
        return AttemptResult(Outcome.DELIVERED, "recorded by the sink", provider_id=message.message_id)


class HttpSmsGateway:
    def __init__(self, url: str, api_key: str = "", client: httpx.AsyncClient | None = None) -> None:
        self.url, self.api_key = url, api_key
        self._http = client or httpx.AsyncClient(timeout=10)

    async def send(self, message: OutgoingMessage) -> AttemptResult:
        try:
            response = await self._http.post(self.url, json={
                "to": message.to, "text": message.body, "sender": message.sender,
                "client_ref": message.message_id}, headers={"Authorization": f"Bearer {self.api_key}"} if self.api_key else {})
        except httpx.HTTPError as error:
            return AttemptResult(Outcome.TEMPORARY, f"{type(error).__name__}")
        outcome = _http_outcome(response)
        detail = f"HTTP {response.status_code}"
        provider_id = None
        if outcome is Outcome.ACCEPTED:
            try:
                body = response.json()
            except ValueError:
                body = {}
            provider_id = str(body.get("id") or body.get("message_id") or "") or None
            if str(body.get("status", "")).lower() == "delivered":
                outcome = Outcome.DELIVERED
        else:
            detail += f": {response.text[:200]}"
        return AttemptResult(outcome, detail, provider_id)


class ZaloOa:
    def __init__(self, url: str, access_token: str = "", template_id: str = "",
                 client: httpx.AsyncClient | None = None) -> None:
        self.url, self.access_token, self.template_id = url, access_token, template_id
        self._http = client or httpx.AsyncClient(timeout=10)

    @staticmethod
    def international(phone: str) -> str:
        digits = "".join(c for c in phone if c.isdigit())
        return "84" + digits[1:] if digits.startswith("0") else digits

    async def send(self, message: OutgoingMessage) -> AttemptResult:
        try:
            response = await self._http.post(self.url, json={
                "phone": self.international(message.to), "template_id": self.template_id,
                "template_data": {"content": message.body}, "tracking_id": message.message_id},
                headers={"access_token": self.access_token})
        except httpx.HTTPError as error:
            return AttemptResult(Outcome.TEMPORARY, type(error).__name__)
        outcome = _http_outcome(response)
        if outcome is not Outcome.ACCEPTED:
            return AttemptResult(outcome, f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            return AttemptResult(Outcome.TEMPORARY, "not JSON")
        error = int(body.get("error", 0) or 0)
        if error == 0:
            return AttemptResult(Outcome.ACCEPTED, "accepted", str((body.get("data") or {}).get("msg_id") or "") or None)
        # Zalo's negative codes: -1xx are the caller's faults (bad phone, template, quota per user).
        return AttemptResult(Outcome.PERMANENT if error <= -100 else Outcome.TEMPORARY,
                             f"Zalo error {error}: {body.get('message', '')}")


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 25
    username: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 15.0


class SmtpEmail:
    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def _build(self, message: OutgoingMessage) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = formataddr((message.from_name, message.from_address))
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Message-ID"] = make_msgid(idstring=message.message_id.replace("-", ""), domain="motcua.local")
        mail["X-Motcua-Message-Id"] = message.message_id
        mail.set_content(message.body, charset="utf-8")
        if message.attachment:
            name, data = message.attachment
            mail.add_attachment(data, maintype="application", subtype="pdf", filename=name)
        return mail

    def _send_blocking(self, message: OutgoingMessage) -> AttemptResult:
        c = self.config
        try:
            with smtplib.SMTP(c.host, c.port, timeout=c.timeout) as smtp:
                if c.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if c.username:
                    smtp.login(c.username, c.password)
                smtp.send_message(self._build(message))
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            return AttemptResult(Outcome.TEMPORARY if all(400 <= c < 500 for c in codes) else Outcome.PERMANENT,
                                 f"recipient refused {codes}")
        except smtplib.SMTPResponseException as error:
            return AttemptResult(Outcome.TEMPORARY if 400 <= error.smtp_code < 500 else Outcome.PERMANENT,
                                 f"SMTP {error.smtp_code}")
        except (OSError, smtplib.SMTPException) as error:
            return AttemptResult(Outcome.TEMPORARY, type(error).__name__)
        return AttemptResult(Outcome.DELIVERED, "accepted by the SMTP server")

    async def send(self, message: OutgoingMessage) -> AttemptResult:
        return await asyncio.to_thread(self._send_blocking, message)


class SinkEmail:
    """E-mail for local runs without an SMTP server: ``<dir>/<commune>/<message id>.eml``."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    async def send(self, message: OutgoingMessage) -> AttemptResult:
        folder = self.directory / message.commune_code
        data = SmtpEmail(SmtpConfig(""))._build(message).as_bytes()

        def write() -> None:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{message.message_id}.eml").write_bytes(data)

        await asyncio.to_thread(write)
        return AttemptResult(Outcome.DELIVERED, "recorded by the sink")
