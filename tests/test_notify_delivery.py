"""Notify's messages end to end, against the real intake, identity, NATS and MongoDB: a receipt
reaches the citizen as an SMS (the sink) and an e-mail through a real SMTP server (aiosmtpd on
loopback); an opt-out or a rule turned off stops what would follow; a failing SMS gateway is
retried with backoff until it takes the message; a refusal ends in MessageFailed; a provider's
signed delivery report moves a message to delivered."""

import asyncio
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from motcua_contracts.streams import EVENTS
from motcua_devstack.servers import free_port
from tests.helpers import as_json, eventually, stream_subject_counts

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
APPLICANT = {"full_name": "Đỗ Thị Lan", "id_number": "001190012345", "phone": "0987123456",
             "email": "do.thi.lan@example.vn"}


# --------------------------------------------------------------------------- test doubles of the outside world


class Mailbox:
    """aiosmtpd handler: every message the SMTP server accepted."""

    def __init__(self) -> None:
        self.messages: list[dict] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                              "data": envelope.content.decode("utf-8", "replace")})
        return "250 Message accepted for delivery"


@pytest.fixture(scope="module")
def smtp():
    mailbox = Mailbox()
    mailbox.port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    yield mailbox
    controller.stop()


class SmsProvider:
    """A brand-name SMS gateway on loopback: answers from a script ('503', '400', 'accepted',
    'delivered'), then 'delivered' for ever; records every request."""

    def __init__(self, script: list[str]) -> None:
        self.script, self.requests = list(script), []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                provider.requests.append(body)
                step = provider.script.pop(0) if provider.script else "delivered"
                code, answer = {"503": (503, {"error": "busy"}), "400": (400, {"error": "invalid number"}),
                                "accepted": (202, {"id": f"p-{len(provider.requests)}", "status": "queued"}),
                                "delivered": (200, {"id": f"p-{len(provider.requests)}", "status": "delivered"})}[step]
                data = json.dumps(answer).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider():
    made: list[SmsProvider] = []

    def make(*script: str) -> SmsProvider:
        made.append(SmsProvider(list(script)))
        return made[-1]

    yield make
    for p in made:
        p.close()


# --------------------------------------------------------------------------- helpers other notify tests use


def notify_env(stack, services) -> dict[str, str]:
    return {**services["notify"].environment(), **stack.service_env}


def sink_dir(stack, services, channel: str, commune: str) -> Path:
    base = Path(notify_env(stack, services)["NOTIFY_SINK_DIR"])  # the stack sets it
    return (base if base.is_absolute() else ROOT / base) / channel / commune


def sink_messages(stack, services, commune: str, channel: str = "sms") -> list[dict]:
    folder = sink_dir(stack, services, channel, commune)
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))] if folder.exists() else []


async def set_channels(admin, services, commune: str, **channels) -> dict:
    """The administrator points the commune's channels (e-mail relay, SMS provider, retry) somewhere."""
    channels.setdefault("quiet_hours", {"start": "00:00", "end": "00:00"})  # tests run at any hour
    return as_json(await admin.put(f"{services['notify'].base_url}/v1/communes/{commune}/notify-settings/channels",
                                   json=channels))


async def receive(http, services, commune: str, procedure: str = "HT-XNTTHN", applicant=None, **extra) -> dict:
    body = {"procedure_code": procedure, "applicant": applicant or APPLICANT, **extra}
    return as_json(await http.post(f"{services['intake'].base_url}/v1/communes/{commune}/dossiers", json=body))


async def act(http, services, commune: str, code: str, action: str, body=None) -> dict:
    return as_json(await http.post(f"{services['intake'].base_url}/v1/communes/{commune}/dossiers/{code}/{action}",
                                   json=body or {}))


async def messages(http, services, commune: str, **params) -> list[dict]:
    return as_json(await http.get(f"{services['notify'].base_url}/v1/communes/{commune}/messages",
                                  params=params))["items"]


async def notifications(http, services, commune: str, code: str) -> list[dict]:
    return as_json(await http.get(f"{services['notify'].base_url}/v1/communes/{commune}/notifications",
                                  params={"dossier_code": code}))["items"]


async def event_count(stack, commune: str, event_type: str) -> int:
    subject = f"motcua.events.{commune}.{event_type}.v1"
    return (await stream_subject_counts(stack.nats_url, EVENTS.name, subject)).get(subject, 0)


# --------------------------------------------------------------------------- tests


async def test_a_receipt_reaches_the_citizen_by_sms_and_by_email_over_smtp(stack, services, http, admin, commune, smtp):
    await set_channels(admin, services, commune, email={"smtp_host": "127.0.0.1", "smtp_port": smtp.port,
                                                        "from_address": "motcua@hoaphu.example.vn"})
    dossier = await receive(http, services, commune, consent_sms=True)
    code = dossier["dossier_code"]

    [sms] = await eventually(lambda: _async(sink_messages(stack, services, commune)), timeout=30)
    assert sms["to"] == APPLICANT["phone"]
    assert code in sms["text"] and "đã nhận hồ sơ" in sms["text"]

    async def mail():
        return [m for m in smtp.messages if APPLICANT["email"] in m["to"] and code in m["data"]]

    [email] = await eventually(mail, timeout=30)
    assert email["from"] == "motcua@hoaphu.example.vn"
    assert "Đỗ Thị Lan" in _decoded(email["data"])

    async def delivered():
        items = await messages(http, services, commune, dossier_code=code)
        return items if len(items) == 2 and all(m["status"] == "delivered" for m in items) else None

    items = await eventually(delivered, timeout=30)
    assert {m["channel"] for m in items} == {"sms", "email"}
    # Officers see masked addresses only.
    assert {m["to_masked"] for m in items} == {"*******456", "d***@example.vn"}
    assert await eventually(lambda: _at_least(event_count(stack, commune, "MessageSent"), 2), timeout=20)


async def test_no_sms_without_consent_and_nothing_after_an_opt_out(stack, services, http, anonymous, admin, commune):
    await set_channels(admin, services, commune)
    without_consent = await receive(http, services, commune, applicant={**APPLICANT, "email": None})
    with_consent = await receive(http, services, commune, procedure="HT-KHAITU", consent_sms=True, consent_letters=True,
                                 applicant={**APPLICANT, "email": None})
    [receipt] = await eventually(lambda: _async(sink_messages(stack, services, commune)), timeout=30)
    assert with_consent["dossier_code"] in receipt["text"]
    [skipped] = await eventually(lambda: _resolved(http, services, commune, without_consent["dossier_code"]), timeout=30)
    assert skipped["status"] == "skipped" and skipped["skip_reason"] == "no_channel"

    # The citizen opts out (code + last 4 phone digits) before the result is ready.
    code = with_consent["dossier_code"]
    opted = await anonymous.post(f"{services['intake'].base_url}/v1/public/dossiers/{code}/opt-out",
                                 json={"phone_last_digits": APPLICANT["phone"][-4:]})
    assert opted.status_code == 200, opted.text
    await act(http, services, commune, code, "result-ready")

    async def decided():
        items = [n for n in await notifications(http, services, commune, code) if n["kind"] != "receipt"]
        return items if len(items) == 2 and all(n["status"] != "pending" for n in items) else None

    items = await eventually(decided, timeout=30)
    assert {(n["kind"], n["status"], n["skip_reason"]) for n in items} == {
        ("result_ready", "skipped", "opted_out"), ("condolence", "skipped", "opted_out")}
    letters = as_json(await http.get(f"{services['notify'].base_url}/v1/communes/{commune}/letters"))["items"]
    assert letters == []
    assert len(sink_messages(stack, services, commune)) == 1  # the receipt before the opt-out, nothing since


async def test_a_rule_turned_off_sends_nothing(stack, services, http, leader, admin, commune):
    await set_channels(admin, services, commune)
    settings = as_json(await leader.put(f"{services['notify'].base_url}/v1/communes/{commune}/notify-settings/rules",
                                        json={"rules": {"receipt": False, "condolence": False}}))
    assert {r["rule"]: r["on"] for r in settings["rules"]}["condolence"] is False
    dossier = await receive(http, services, commune, procedure="HT-KHAITU", consent_sms=True, consent_letters=True)
    code = dossier["dossier_code"]
    await act(http, services, commune, code, "result-ready")

    async def decided():
        items = await notifications(http, services, commune, code)
        return items if len(items) == 3 and all(n["status"] != "pending" for n in items) else None

    items = await eventually(decided, timeout=30)
    assert {(n["kind"], n["status"], n["skip_reason"]) for n in items} == {
        ("receipt", "skipped", "rule_off"), ("condolence", "skipped", "rule_off"), ("result_ready", "resolved", None)}
    assert as_json(await http.get(f"{services['notify'].base_url}/v1/communes/{commune}/letters"))["items"] == []
    [only] = await eventually(lambda: _async(sink_messages(stack, services, commune)), timeout=30)
    assert "đã có kết quả" in only["text"]  # the result-ready SMS, still on


async def test_a_failing_gateway_is_retried_with_backoff_until_it_takes_the_message(stack, services, http, admin,
                                                                                 commune, provider):
    gateway = provider("503", "503")
    await set_channels(admin, services, commune, sms={"provider": "http", "url": gateway.url, "sender": "UBNDXA"},
                       retry={"base_seconds": 1, "max_attempts": 5})
    dossier = await receive(http, services, commune, applicant={**APPLICANT, "email": None}, consent_sms=True)

    async def delivered():
        [message] = await messages(http, services, commune, dossier_code=dossier["dossier_code"]) or [None]
        return message if message and message["status"] == "delivered" else None

    message = await eventually(delivered, timeout=60)
    assert message["attempts"] == 3
    assert [h["status"] for h in message["history"]] == [
        "created", "temporary-failure", "temporary-failure", "delivered"]
    assert len(gateway.requests) == 3
    assert {r["client_ref"] for r in gateway.requests} == {message["message_id"]}  # one reference: providers dedupe
    assert gateway.requests[0]["sender"] == "UBNDXA" and gateway.requests[0]["to"] == APPLICANT["phone"]
    assert await eventually(lambda: _at_least(event_count(stack, commune, "MessageSent"), 1), timeout=20)


async def test_a_refused_message_fails_for_good_and_is_announced(stack, services, http, admin, commune, provider):
    gateway = provider("400")
    await set_channels(admin, services, commune, sms={"provider": "http", "url": gateway.url})
    dossier = await receive(http, services, commune, applicant={**APPLICANT, "email": None}, consent_sms=True)

    async def failed():
        return await messages(http, services, commune, status="permanent-failure")

    [message] = await eventually(failed, timeout=30)
    assert message["dossier_code"] == dossier["dossier_code"] and message["attempts"] == 1
    assert "400" in message["last_detail"]
    assert await eventually(lambda: _at_least(event_count(stack, commune, "MessageFailed"), 1), timeout=20)
    assert await event_count(stack, commune, "MessageSent") == 0


async def test_a_signed_delivery_report_moves_a_message_to_delivered(stack, services, http, anonymous, admin, commune,
                                                                    provider):
    gateway = provider("accepted")
    await set_channels(admin, services, commune, sms={"provider": "http", "url": gateway.url})
    await receive(http, services, commune, applicant={**APPLICANT, "email": None}, consent_sms=True)

    async def waiting():
        items = await messages(http, services, commune)
        return items[0] if items and items[0]["status"] == "sending" else None

    message = await eventually(waiting, timeout=30)
    url = f"{services['notify'].base_url}/v1/delivery-status/sms"
    body = json.dumps({"reference": message["message_id"], "status": "delivered", "provider_id": "p-1"}).encode()
    secret = notify_env(stack, services)["NOTIFY_CALLBACK_SECRET"]

    unsigned = await anonymous.post(url, content=body, headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 401
    forged = await http.post(url, content=body, headers={"X-Motcua-Timestamp": str(int(time.time())),
                                                         "X-Motcua-Signature": "0" * 64})
    assert forged.status_code == 403  # an officer's token is no provider signature
    timestamp = str(int(time.time()))
    signature = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    signed = {"X-Motcua-Timestamp": timestamp, "X-Motcua-Signature": signature, "Content-Type": "application/json"}
    answer = as_json(await anonymous.post(url, content=body, headers=signed))
    assert answer == {"message_id": message["message_id"], "status": "delivered"}
    again = as_json(await anonymous.post(url, content=body, headers=signed))  # a provider retrying its report
    assert again["status"] == "delivered"

    [after] = await messages(http, services, commune)
    assert after["status"] == "delivered"
    assert [h["status"] for h in after["history"]] == ["created", "sending", "delivered"]
    assert await eventually(lambda: _at_least(event_count(stack, commune, "MessageSent"), 1), timeout=20)
    await asyncio.sleep(1)
    assert await event_count(stack, commune, "MessageSent") == 1


# --------------------------------------------------------------------------- small helpers


async def _async(value):
    return value


async def _at_least(count_coroutine, n: int) -> bool:
    return (await count_coroutine) >= n


async def _resolved(http, services, commune, code):
    items = await notifications(http, services, commune, code)
    return [n for n in items if n["status"] != "pending"]


def _decoded(raw: str) -> str:
    from email import message_from_string, policy

    mail = message_from_string(raw, policy=policy.default)
    part = mail.get_body(("plain",)) if mail.is_multipart() else mail
    return part.get_content()
