"""Webhooks against a real receiver on loopback: it fails on purpose for a while, then recovers.

Events are published on the real JetStream the way the outbox relays publish them; the hooks
service (a real process) records, signs and delivers them. Proven here: nothing is lost,
nothing is reordered within a dossier, every request is signed; retries that run out park the
dossier's deliveries with one alert per subscriber per day; a time range is replayed on request.
"""

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import nats
import pytest

from motcua_contracts import (
    DossierAssigned,
    DossierReceived,
    FollowUpRaised,
    ResultReady,
    ResultReturned,
    new_envelope,
)
from motcua_hooks.domain.subscriptions import SIGNATURE_HEADER, verify
from motcua_hooks.service_layer.handlers import CONSUMER
from tests.helpers import as_json, eventually, publish_events
from tests.pages_support import chromium, vietnamese_page

pytestmark = pytest.mark.e2e


# A real HTTP receiver on loopback: a tiny asyncio server whose answer the test sets.
@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    status: int | None  # None: the connection was dropped or left without an answer

    @property
    def event(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    #: "ok", "503", "500", "drop", "hang" — or a list consumed one request at a time, then ``mode``.
    mode: str = "ok"
    script: list[str] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    port: int = 0
    _server: asyncio.base_events.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    @property
    def accepted(self) -> list[Received]:
        return [r for r in self.requests if r.status == 200]

    async def start(self) -> "Receiver":
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    return
                headers: dict[str, str] = {}
                while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = line.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", 0)))
                mode = self.script.pop(0) if self.script else self.mode
                if mode == "drop":
                    self.requests.append(Received(headers, body, None))
                    return
                if mode == "hang":
                    self.requests.append(Received(headers, body, None))
                    await asyncio.sleep(60)
                    return
                status = 200 if mode == "ok" else int(mode)
                self.requests.append(Received(headers, body, status))
                answer = b"ok" if status == 200 else b"down for maintenance"
                writer.write(f"HTTP/1.1 {status} X\r\nContent-Length: {len(answer)}\r\n"
                             f"Content-Type: text/plain\r\n\r\n".encode() + answer)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            return
        finally:
            writer.close()


LIFECYCLE = ("DossierReceived", "DossierAssigned", "ResultReady", "ResultReturned")


def dossier_life(commune: str, n: int) -> list:
    """The four public events of one dossier's life, in the order intake publishes them."""
    now = datetime.now(UTC)
    dossier_id, code = uuid.uuid4(), f"{commune}-261122-{n:04d}"
    common = dict(dossier_id=dossier_id, dossier_code=code, procedure_code="CT-CHUKY", field="chung_thuc",
                  received_at=now, appointment_at=now + timedelta(days=1))
    lifecycle = dict(common, channel="counter", due_at=now + timedelta(days=1))
    data = [
        DossierReceived(**common, procedure_name="Chứng thực chữ ký", channel="counter", processing_days=1,
                        applicant_name_masked="T** T** B***"),
        DossierAssigned(**lifecycle, handling_body="Tư pháp", assigned_at=now),
        ResultReady(**lifecycle, ready_at=now),
        ResultReturned(**common, returned_at=now, timeliness="early", return_channel="counter"),
    ]
    return [new_envelope(d, source="intake", commune_code=commune, correlation_id=f"hooks-{n}") for d in data]


def interleaved(lives: list[list]) -> list:
    """Dossier 1's first event, dossier 2's first event, ... then every dossier's second event ..."""
    return [life[i] for i in range(len(lives[0])) for life in lives]


@pytest.fixture
async def receiver():
    r = await Receiver().start()
    yield r
    await r.stop()


async def subscribe(admin, hooks: str, receiver: Receiver, **options) -> dict:
    body = {"subscriber": f"he-thong-{uuid.uuid4().hex[:6]}", "callback_url": receiver.url, **options}
    created = await admin.post(f"{hooks}/v1/subscriptions", json=body)
    assert created.status_code == 201, created.text
    return created.json()


def per_dossier(requests) -> dict[str, list[str]]:
    """Event types each dossier's accepted deliveries arrived in (first acceptance of each event)."""
    seen, order = set(), {}
    for r in requests:
        event = r.event
        if event["event_id"] in seen:
            continue
        seen.add(event["event_id"])
        order.setdefault(event["data"]["dossier_code"], []).append(event["event_type"])
    return order


async def test_a_subscriber_down_for_a_while_gets_every_event_afterwards_in_order_per_dossier_signed(
        services, stack, admin, commune, receiver):
    hooks = services["hooks"].base_url
    # Down: 503s, dropped connections and an answer that never comes (the sender times out).
    receiver.mode = "503"
    receiver.script = ["drop", "hang", "503", "drop"]
    subscription = await subscribe(admin, hooks, receiver, communes=[commune])
    secret = subscription["secret"]
    assert subscription["secret_hint"] == "…" + secret[-4:]

    lives = [dossier_life(commune, n) for n in range(1, 7)]
    other_commune = dossier_life("X" + commune[1:], 99)
    internal = new_envelope(FollowUpRaised(follow_up_id=uuid.uuid4(), ballot_id=uuid.uuid4(), reason="complaint",
                                           raised_at=datetime.now(UTC)),
                            source="survey", commune_code=commune, correlation_id="internal")
    await publish_events(stack.nats_url, [*interleaved(lives), *other_commune, internal])

    # Down long enough for several failed rounds of every dossier.
    await eventually(cond(lambda: len(receiver.requests) >= 12), timeout=60)
    assert not receiver.accepted
    receiver.mode = "ok"

    expected = {str(e.event_id) for life in lives for e in life}
    # Survey opens a ballot for each returned dossier: its BallotOpened (public) follows in the same order.
    with_ballots = cond(lambda: _accepted_ids(receiver) >= expected
                        and sum(r.event["event_type"] == "BallotOpened" for r in receiver.accepted) >= len(lives))
    await eventually(with_ballots, timeout=90)
    await asyncio.sleep(1.0)  # nothing else trickles in
    extra = [(r.event["commune_code"], r.event["event_type"])
             for r in receiver.accepted if r.event["event_id"] not in expected]
    assert extra == [(commune, "BallotOpened")] * len(lives), "only the subscribed commune's public events"
    assert per_dossier(receiver.accepted) == {life[0].data.dossier_code: [*LIFECYCLE, "BallotOpened"]
                                              for life in lives}
    # Strictly in order: no event of a dossier was even *attempted* before the previous one was accepted.
    for life in lives:
        code = life[0].data.dossier_code
        attempts = [r.event["event_type"] for r in receiver.requests if r.event["data"]["dossier_code"] == code]
        assert [t for i, t in enumerate(attempts) if i == 0 or t != attempts[i - 1]] == [*LIFECYCLE, "BallotOpened"]

    now = int(time.time())
    for request in receiver.requests:
        assert verify(secret, request.headers[SIGNATURE_HEADER.lower()], request.body, now, tolerance_seconds=600)
        assert request.headers["motcua-event-id"] == request.event["event_id"]
        assert request.headers["content-type"] == "application/json"
    forged = receiver.requests[0]
    assert not verify("another-secret-of-32-characters!", forged.headers[SIGNATURE_HEADER.lower()], forged.body, now)
    assert not verify(secret, forged.headers[SIGNATURE_HEADER.lower()], forged.body + b" ", now)

    # The delivery log: every delivery delivered, with the status codes of its attempts.
    log = as_json(await admin.get(f"{hooks}/v1/subscriptions/{subscription['subscription_id']}/deliveries",
                                  params={"limit": 1000}))
    assert {d["event_id"] for d in log} == _accepted_ids(receiver) and {d["status"] for d in log} == {"delivered"}
    codes = [a["status_code"] for d in log for a in d["attempt_log"]]
    assert 503 in codes and 200 in codes and None in codes  # dropped / timed out: no status code
    assert any(a["error"] == "timeout" for d in log for a in d["attempt_log"])
    figures = as_json(await admin.get(f"{hooks}/v1/subscriptions/{subscription['subscription_id']}"))["deliveries"]
    assert figures["delivered"] == len(expected) + len(lives) and figures["pending"] == figures["parked"] == 0


async def test_retries_that_run_out_park_the_dossiers_with_one_alert_then_resume_delivers_in_order(
        services, stack, admin, overseer, commune, receiver):
    hooks = services["hooks"].base_url
    receiver.mode = "500"
    subscription = await subscribe(admin, hooks, receiver, communes=[commune], retry_for_seconds=3,
                                   event_types=list(LIFECYCLE))
    sid = subscription["subscription_id"]
    lives = [dossier_life(commune, n) for n in range(1, 4)]
    await publish_events(stack.nats_url, interleaved(lives))

    async def parked():
        figures = as_json(await admin.get(f"{hooks}/v1/subscriptions/{sid}"))["deliveries"]
        return figures["parked_dossiers"] == 3 and figures

    figures = await eventually(parked, timeout=60)
    assert figures["parked"] == 3 and figures["delivered"] == 0  # each dossier's head; the rest wait behind it
    attempts_when_parked = len(receiver.requests)
    await asyncio.sleep(3)
    assert len(receiver.requests) == attempts_when_parked, "a parked dossier is not retried"

    alerts = [a for a in as_json(await overseer.get(f"{hooks}/v1/alerts"))
              if a["subscriber"] == subscription["subscriber"]]
    assert len(alerts) == 1, "one alert per subscriber per day, however many dossiers were parked"
    assert alerts[0]["suppressed"] == 2 and alerts[0]["last_status_code"] == 500
    assert alerts[0]["message_vi"].startswith("Không gửi được sự kiện")
    assert (await overseer.post(f"{hooks}/v1/subscriptions/{sid}/resume")).status_code == 403

    receiver.mode = "ok"
    resumed = as_json(await admin.post(f"{hooks}/v1/subscriptions/{sid}/resume"))
    assert resumed["resumed_dossiers"] == 3
    expected = {str(e.event_id) for life in lives for e in life}
    await eventually(cond(lambda: _accepted_ids(receiver) >= expected), timeout=60)
    assert per_dossier(receiver.accepted) == {life[0].data.dossier_code: list(LIFECYCLE) for life in lives}


async def test_a_time_range_is_replayed_on_request_in_order_per_dossier(services, stack, admin, commune, receiver):
    hooks = services["hooks"].base_url
    start = datetime.now(UTC) - timedelta(seconds=1)
    lives = [dossier_life(commune, n) for n in range(1, 4)]
    await publish_events(stack.nats_url, interleaved(lives))
    await asyncio.sleep(1.5)
    end = datetime.now(UTC)
    await asyncio.sleep(1.5)
    later = dossier_life(commune, 50)
    await publish_events(stack.nats_url, later)
    # Made after hooks has taken every one of these events: live delivery brings none of them.
    await eventually(lambda: hooks_caught_up(stack.nats_url), timeout=60, interval=0.3)
    subscription = await subscribe(admin, hooks, receiver, communes=[commune], event_types=list(LIFECYCLE))
    sid = subscription["subscription_id"]
    await asyncio.sleep(1.0)
    assert receiver.requests == []

    replay = await admin.post(f"{hooks}/v1/subscriptions/{sid}/replays",
                              json={"from": start.isoformat(), "to": end.isoformat()})
    assert replay.status_code == 202, replay.text
    replay_id = replay.json()["replay_id"]

    async def done():
        state = as_json(await admin.get(f"{hooks}/v1/subscriptions/{sid}/replays/{replay_id}"))
        return state["status"] == "done" and state

    state = await eventually(done, timeout=60)
    assert state["enqueued"] == 12 and state["scanned"] >= 12
    expected = {str(e.event_id) for life in lives for e in life}
    await eventually(cond(lambda: _accepted_ids(receiver) >= expected), timeout=60)
    await asyncio.sleep(1.0)
    assert _accepted_ids(receiver) == expected, "the range only: not the events published after it"
    assert per_dossier(receiver.accepted) == {life[0].data.dossier_code: list(LIFECYCLE) for life in lives}
    assert {r.headers["motcua-replay-id"] for r in receiver.requests} == {replay_id}


async def test_subscriptions_take_public_events_only_and_valid_callbacks(services, admin):
    hooks = services["hooks"].base_url
    internal = await admin.post(f"{hooks}/v1/subscriptions", json={
        "subscriber": "kho-du-lieu", "callback_url": "http://127.0.0.1:9/x", "event_types": ["FollowUpRaised"]})
    assert internal.status_code == 422 and "FollowUpRaised" in internal.text
    bad_url = await admin.post(f"{hooks}/v1/subscriptions", json={"subscriber": "x", "callback_url": "ftp://x"})
    assert bad_url.status_code == 422 and bad_url.json()["error"]["message"].startswith("Dữ liệu gửi lên không hợp lệ")
    too_long = await admin.post(f"{hooks}/v1/subscriptions", json={
        "subscriber": "x", "callback_url": "http://127.0.0.1:9/x", "retry_for_seconds": 10 ** 9})
    assert too_long.status_code == 422 and too_long.json()["error"]["code"] == "retry_too_long"
    listed = as_json(await admin.get(f"{hooks}/v1/subscriptions"))
    assert all("secret" not in s for s in listed)


async def test_a_signing_secret_is_sealed_in_the_database(stack, services, admin):
    from pymongo import AsyncMongoClient

    created = as_json(await admin.post(f"{services['hooks'].base_url}/v1/subscriptions", json={
        "subscriber": "cong-dich-vu-cong", "callback_url": "http://127.0.0.1:9/x",
        "secret": "bi-mat-rieng-cua-cong-dich-vu-cong-tinh"}))
    client = AsyncMongoClient(stack.mongodb_uri, uuidRepresentation="standard")
    try:
        stored = await client[services["hooks"].database]["subscriptions"].find_one(
            {"_id": created["subscription_id"]})
    finally:
        await client.close()
    assert "secret" not in stored and stored["secret_sealed"].startswith("v1.")
    assert "bi-mat-rieng" not in str(stored) and stored["secret_hint"] == "…tinh"
    assert created["secret"] == "bi-mat-rieng-cua-cong-dich-vu-cong-tinh"  # shown once, at creation


async def test_the_catalogue_page_lists_every_public_event_with_schema_example_and_history(services, anonymous):
    from motcua_contracts.catalogue import catalogue

    hooks = services["hooks"].base_url
    entries = catalogue()
    async with chromium() as browser, vietnamese_page(browser, hooks) as page:
        await page.goto("/su-kien")
        assert await page.locator("h1").inner_text() == "Danh mục sự kiện công khai"
        assert await page.locator("#events tbody tr").count() == len(entries)
        assert await page.locator("section.event[data-event=FollowUpRaised]").count() == 0
        received = page.locator("section.event[data-event=DossierReceived]")
        assert await received.locator("code.subject").inner_text() == "motcua.events.<commune>.DossierReceived.v1"
        await received.locator("details.example summary").click()
        assert '"event_type": "DossierReceived"' in await received.locator("details.example pre").inner_text()
        assert "session_id" in await received.locator("table.history").inner_text()
        async with page.expect_download() as download:
            await page.click("#asyncapi")
        assert (await download.value).suggested_filename == "motcua-public-events.asyncapi.json"
        href = await received.locator("a.schema").get_attribute("href")
    schema = as_json(await anonymous.get(hooks + href))
    assert schema["$id"] == "urn:motcua:event:DossierReceived:v1"
    assert (await anonymous.get(f"{hooks}/v1/catalogue/schemas/FollowUpRaised.v1.schema.json")).status_code == 404
    english = await anonymous.get(f"{hooks}/su-kien", headers={"Accept-Language": "en"})
    assert "Public event catalogue" in english.text


async def hooks_caught_up(nats_url: str) -> bool:
    nc = await nats.connect(nats_url)
    try:
        info = await nc.jetstream().consumer_info("MOTCUA_EVENTS", CONSUMER)
        return info.num_pending == 0 and info.num_ack_pending == 0
    finally:
        await nc.close()


def cond(predicate):
    async def check():
        return predicate()
    return check


def _accepted_ids(receiver: Receiver) -> set[str]:
    return {r.event["event_id"] for r in receiver.accepted}
