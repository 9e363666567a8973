"""Survive faults, lose nothing (issue 8): a steady load of dossiers goes through the whole
flow (receive → return → letters, ballots, figures) while, in turn, nats-server, mongod and
every service are killed with SIGKILL and started again — with two replicas of reporting
running at once. Afterwards every dossier exists once, every event was consumed once per
consumer, letters, ballots and counts match the dossiers exactly, and no outbox holds
anything back.

Bounded: one pass over the faults (one each), a few concurrent clients, loopback only, its
own servers and services (a dedicated stack, so the kills do not disturb the session's), a
hard deadline for every wait. It prints its figures; it never asserts on speed.
"""

import asyncio
import time
import uuid
from dataclasses import dataclass, field

import httpx
import nats
import pytest
from pymongo import AsyncMongoClient

from motcua_contracts.streams import DEAD_LETTERS, EVENTS
from motcua_devstack.demo import sign_in
from motcua_devstack.stack import SERVICES, ServiceProcess, Stack
from tests.conftest import ROOT

pytestmark = pytest.mark.e2e

WORKERS = 3
COMMUNES = tuple(f"F{n}{uuid.uuid4().int % 10_000:04d}" for n in range(3))
BODY = {"procedure_code": "CT-CHUKY", "applicant": {"full_name": "Trần Thị Bình", "phone": "0912345678"}}
#: How long a request may keep failing (a server is down) before the load gives up.
REQUEST_DEADLINE = 90.0
#: How long the system may take to catch up after a fault, and to drain at the end (generous:
#: the machine may be shared; on an idle 2-core machine each fault takes 5-30 s).
CATCH_UP_DEADLINE = 180.0


@dataclass
class Load:
    """Clients receiving and returning dossiers, each retrying through outages with the same
    ``Idempotency-Key`` (a receipt answered by a dying process is not received twice)."""

    intake: str
    headers: dict[str, str]
    accepted: dict[str, str] = field(default_factory=dict)  # idempotency key -> dossier code
    returned: set[str] = field(default_factory=set)
    failed_attempts: int = 0
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def _until_done(self, client: httpx.AsyncClient, method: str, url: str, ok: tuple[int, ...],
                          **kwargs) -> httpx.Response:
        deadline = time.monotonic() + REQUEST_DEADLINE
        headers = self.headers | kwargs.pop("extra", {})  # the same Idempotency-Key on every attempt
        while True:
            try:
                response = await client.request(method, url, headers=headers, **kwargs)
                if response.status_code in ok:
                    return response
                if response.status_code < 500 and response.status_code not in (401, 409):
                    raise AssertionError(f"{method} {url}: {response.status_code} {response.text[:300]}")
            except httpx.HTTPError:
                pass
            self.failed_attempts += 1
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} {url} kept failing for {REQUEST_DEADLINE:.0f} s")
            await asyncio.sleep(0.2)

    async def worker(self, client: httpx.AsyncClient, index: int) -> None:
        n = index
        while not self.stop.is_set():
            commune = COMMUNES[n % len(COMMUNES)]
            n += WORKERS
            key = str(uuid.uuid4())
            response = await self._until_done(client, "POST", f"{self.intake}/v1/communes/{commune}/dossiers",
                                              (200, 201), json=BODY, extra={"Idempotency-Key": key})
            code = response.json()["dossier_code"]
            self.accepted[key] = code
            # A return retried after its first attempt did commit answers 409: checked at the end.
            await self._until_done(client, "POST", f"{self.intake}/v1/communes/{commune}/dossiers/{code}/return",
                                   (200, 201, 409), json={"return_channel": "counter", "officer_id": "cb-faults"})
            self.returned.add(code)
            await asyncio.sleep(0.05)


class Observer:
    """Reads the services' databases directly where their records are plain (dossiers, letters,
    ballots), and reporting's figures through its API (from whichever replica answers)."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.mongo = AsyncMongoClient(stack.mongodb_uri, tz_aware=True, uuidRepresentation="standard",
                                      serverSelectionTimeoutMS=3000)
        self.http = httpx.AsyncClient(timeout=5)
        self.reporting_urls: list[str] = []
        self.headers: dict[str, str] = {}

    async def counted(self) -> tuple[int, int]:
        """(received, returned) summed over the test's communes, as reporting shows them."""
        received = returned = 0
        for commune in COMMUNES:
            figures = await _figures(self.http, self.reporting_urls, self.headers, commune)
            received += figures["received"]
            returned += figures["returned"]
        return received, returned

    def db(self, service: str):
        return self.mongo[f"{self.stack.database_prefix}{service}"]

    async def letters(self) -> list[tuple[str, str]]:
        """(dossier code, purpose) of every letter or message notify decided on for the test's
        communes (its ``intents``; ``notifications`` in its first version)."""
        db = self.db("notify")
        collection, kind = ("intents", "purpose") if "intents" in await db.list_collection_names() else (
            "notifications", "kind")
        return [(doc["dossier_code"], doc[kind]) async for doc in db[collection].find(
            {"commune_code": {"$in": list(COMMUNES)}}, {"dossier_code": 1, kind: 1})]

    async def caught_up_with(self, codes: set[str], returned: set[str]) -> str | None:
        """What is still missing for everything accepted so far (its letters, its ballot and
        its counts); None once nothing is."""
        try:
            notified = {code for code, _ in await self.letters()}
            balloted = set(await self.db("survey").ballots.distinct(
                "dossier_code", {"commune_code": {"$in": list(COMMUNES)}}))
            counted_received, counted_returned = await self.counted()
        except Exception as error:  # a server or the replica asked is down: not yet
            return f"cannot read: {error!r}"
        missing = {"letters": len(codes - notified), "ballots": len(returned - balloted),
                   "counted received": len(codes) - counted_received,
                   "counted returned": len(returned) - counted_returned}
        missing = {what: n for what, n in missing.items() if n > 0}
        return str(missing) if missing else None

    async def close(self) -> None:
        await self.http.aclose()
        await self.mongo.close()


@dataclass
class Fault:
    name: str
    kill: object
    restart: object
    recovered_after: float = 0.0


async def _figures(client: httpx.AsyncClient, urls: list[str], headers: dict, commune: str) -> dict:
    for url in urls:
        try:
            response = await client.get(f"{url}/v1/communes/{commune}/figures", headers=headers)
            if response.status_code == 200:
                return response.json()
        except httpx.HTTPError:
            continue
    raise AssertionError(f"no reporting replica answered for {commune}")


async def test_a_steady_load_survives_kill_9_of_every_server_and_service(tmp_path):
    stack = Stack(ROOT, data_dir=tmp_path / "data", run_dir=tmp_path / "run", database_prefix="faults_",
                  use_env_servers=False, log=lambda line: None,
                  service_env={"INTAKE_RELAY_POLL_SECONDS": "0.2", "SURVEY_RELAY_POLL_SECONDS": "0.2"})
    await stack.start(with_services=False)
    replica: ServiceProcess | None = None
    observer = Observer(stack)
    try:
        await stack.start_services(ready_timeout=90)
        # A second reporting process on the same durable consumers: the two share the work.
        spec = next(s for s in SERVICES if s.name == "reporting")
        replica = ServiceProcess(spec, stack.log_dir, stack.nats_url, stack.mongodb_uri,
                                 database_prefix=stack.database_prefix, cwd=stack.root,
                                 log_name="reporting-replica.log", base_env=stack.auth_env)
        replica.start(stack.service_env)
        await asyncio.to_thread(replica.wait_ready, 90)

        urls = stack.urls()
        async with httpx.AsyncClient(timeout=10) as client:
            admin = await sign_in(client, urls, "quantri")
            created = await client.post(f"{urls['identity']}/v1/users", headers=admin, json={
                "username": "faults", "display_name": "Kiểm thử sự cố", "password": "faults-password",
                "roles": ["counter_officer"], "communes": ["*"]})
            assert created.status_code in (201, 409), created.text
            headers = await sign_in(client, urls, "faults", "faults-password")

        observer.reporting_urls = [stack.services["reporting"].base_url, replica.base_url]
        observer.headers = headers
        services = dict(stack.services)
        faults = [
            Fault("nats-server", stack.nats.kill9, stack.nats.restart),
            Fault("mongod", stack.mongo.kill9, stack.mongo.restart),
            *(Fault(name, svc.kill9, lambda svc=svc: svc.restart(timeout=90)) for name, svc in services.items()),
            Fault("reporting (replica)", replica.kill9, lambda: replica.restart(timeout=90)),
        ]

        load = Load(urls["intake"], headers)
        started = time.monotonic()
        async with httpx.AsyncClient(timeout=10) as client:
            workers = [asyncio.create_task(load.worker(client, i)) for i in range(WORKERS)]
            try:
                await asyncio.sleep(3)  # steady load before the first fault
                for fault in faults:
                    assert not any(w.done() for w in workers), [w.exception() for w in workers if w.done()]
                    killed_at = time.monotonic()
                    fault.kill()
                    await asyncio.sleep(1.0)  # the load meets the outage
                    await asyncio.to_thread(fault.restart)
                    # Recovered: the system has caught up with everything accepted up to the restart.
                    codes, returned = set(load.accepted.values()), set(load.returned)
                    deadline = time.monotonic() + CATCH_UP_DEADLINE
                    while missing := await observer.caught_up_with(codes, returned):
                        assert time.monotonic() < deadline, (
                            f"no recovery within {CATCH_UP_DEADLINE:.0f} s of {fault.name}; missing: {missing}")
                        await asyncio.sleep(0.2)
                    fault.recovered_after = time.monotonic() - killed_at
                    await asyncio.sleep(1.0)
            finally:
                load.stop.set()
                results = await asyncio.gather(*workers, return_exceptions=True)
            for result in results:
                if isinstance(result, BaseException):
                    raise result
        load_seconds = time.monotonic() - started

        codes, returned = set(load.accepted.values()), set(load.returned)
        deadline = time.monotonic() + CATCH_UP_DEADLINE
        while missing := await observer.caught_up_with(codes, returned):
            if time.monotonic() > deadline:
                nc = await nats.connect(stack.nats_url)
                lag = [(c.name, c.num_pending, c.num_ack_pending, c.num_redelivered)
                       for c in await nc.jetstream().consumers_info(EVENTS.name)]
                await nc.close()
                raise AssertionError(f"the system did not drain after the faults; missing: {missing}; "
                                     f"consumers (pending, ack pending, redelivered): {lag}")
            await asyncio.sleep(0.3)

        # ---- every dossier once
        in_communes = {"commune_code": {"$in": list(COMMUNES)}}
        dossiers = await observer.db("intake").dossiers.find(in_communes, {"code": 1, "status": 1}).to_list()
        stored = [d["code"] for d in dossiers]
        assert len(codes) == len(load.accepted), "one idempotency key gave two dossier codes"
        assert sorted(stored) == sorted(codes), "dossiers lost or duplicated"
        assert {d["status"] for d in dossiers} == {"returned"}

        # ---- every event consumed once per consumer: its effects, and its processed marks
        letter_keys = await observer.letters()
        assert len(letter_keys) == len(set(letter_keys)), "a letter was written twice"
        assert {code for code, _ in letter_keys} == codes
        ballots = await observer.db("survey").ballots.find(in_communes, {"dossier_code": 1}).to_list()
        assert sorted(b["dossier_code"] for b in ballots) == sorted(codes), "ballots lost or duplicated"
        # Reporting's counts: exact (a double consumption would count twice, a loss once less).
        for commune in COMMUNES:
            figures = await _figures(observer.http, observer.reporting_urls, headers, commune)
            expected = sum(1 for code in codes if code.startswith(f"{commune}-"))
            assert (figures["received"], figures["returned"]) == (expected, expected), (commune, figures)

        nc = await nats.connect(stack.nats_url)
        try:
            js = nc.jetstream()
            # Every durable consumer has acknowledged everything; where a service keeps the
            # runtime's processed marks, there is exactly one per event of its subject.
            deadline = time.monotonic() + CATCH_UP_DEADLINE
            while True:
                consumers = await js.consumers_info(EVENTS.name)
                behind = [(c.name, c.num_pending, c.num_ack_pending) for c in consumers
                          if c.num_pending or c.num_ack_pending]
                if not behind:
                    break
                assert time.monotonic() < deadline, f"consumers still behind: {behind}"
                await asyncio.sleep(0.5)
            checked = 0
            for service in ("notify", "survey"):
                marks = observer.db(service).processed_events
                for consumer in await marks.distinct("consumer"):
                    info = await js.consumer_info(EVENTS.name, consumer)
                    stream = await js.stream_info(EVENTS.name, subjects_filter=info.config.filter_subject)
                    published = sum((stream.state.subjects or {}).values())
                    assert await marks.count_documents({"consumer": consumer}) == published, consumer
                    checked += 1
            assert checked >= 2
            dead = (await js.stream_info(DEAD_LETTERS.name)).state.messages
            assert dead == 0, "messages went to the dead-letter stream"
        finally:
            await nc.close()

        # ---- nothing stuck in an outbox
        for service in ("intake", "survey"):
            assert await observer.db(service).outbox.count_documents({"status": "pending"}) == 0, service

        print(f"\nfault injection: {len(codes)} dossiers received and returned in {load_seconds:.0f} s "
              f"by {WORKERS} clients; faults injected: {len(faults)}; lost 0, duplicated 0; "
              f"failed attempts retried by the clients: {load.failed_attempts}; "
              f"durable consumers drained: {len(consumers)}, processed marks checked: {checked}")
        for fault in faults:
            print(f"  kill -9 {fault.name:<22} recovered (caught up) after {fault.recovered_after:5.1f} s")
    finally:
        await observer.close()
        if replica is not None:
            replica.stop()
        await asyncio.to_thread(stack.stop)
