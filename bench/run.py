"""End-to-end benchmark: `make bench` (or `.venv/bin/python bench/run.py --seconds 20`).

Runs, on this machine, side by side in one run, against real servers started here
(nats-server with `sync_interval: always`, mongod as a replica set):

1. raw:      nats-py publisher -> JetStream -> nats-py pull consumer that validates
             each envelope with pydantic and acks: the floor of what the bus does here;
2. consumer: the project's consumer path (FastStream broker, the reliable-consumer
             middleware, a durable pull subscriber, pydantic validation, explicit ack)
             on the same events, with a handler that only records the arrival;
   consumer+db: the same with the real effect of reporting (a MongoDB transaction
             with the processed mark), to show what the database adds;
3. flow:     HTTP intake -> MongoDB -> outbox -> JetStream -> notify and reporting,
             the services running as processes: as fast as the clients go, then paced
             at a fixed rate (``--rate``) for the latency at that load.

It prints events/s, p50/p99 latency from accepted to projection, CPU per event and
the ratio of (2) to (1). Figures, not assertions: it never fails on speed.
"""

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pymongo import AsyncMongoClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from motcua_contracts import DossierReceived, Envelope, event_subject_filter, new_envelope  # noqa: E402
from motcua_contracts.streams import EVENTS  # noqa: E402
from motcua_devstack.demo import sign_in  # noqa: E402
from motcua_devstack.stack import SERVICES, Stack  # noqa: E402
from motcua_runtime.logging import configure_logging  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of processes (from /proc), in seconds."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (FileNotFoundError, IndexError, ValueError):
            pass
    return total / CLOCK_TICKS


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def envelope(commune: str, n: int) -> Envelope:
    now = datetime.now(UTC)
    return new_envelope(
        DossierReceived(
            dossier_id=uuid.uuid4(), dossier_code=f"{commune}-261123-{n:05d}", procedure_code="CT-CHUKY",
            procedure_name="Chứng thực chữ ký", field="chung_thuc", channel="counter", received_at=now,
            appointment_at=now, processing_days=0, applicant_name_masked="T** T** B***",
        ),
        source="bench", commune_code=commune, correlation_id="bench",
    )


async def publish(nats_url: str, commune: str, count: int) -> float:
    """Publish `count` events as fast as JetStream acknowledges them (async, windowed)."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream(publish_async_max_pending=2000)
    started = time.perf_counter()
    for n in range(count):
        e = envelope(commune, n)
        await js.publish_async(e.subject(), e.model_dump_json().encode(), headers={"Nats-Msg-Id": str(e.event_id)})
    await js.publish_async_completed()
    elapsed = time.perf_counter() - started
    await nc.close()
    return elapsed


class Row:
    def __init__(self, name: str, events: int, seconds: float, latencies: list[float], cpu: float) -> None:
        self.name, self.events, self.seconds, self.latencies, self.cpu = name, events, seconds, latencies, cpu

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        return (f"{self.name:<17} {self.events:>8} {self.rate:>10.0f} {percentile(self.latencies, 50) * 1000:>9.1f} "
                f"{percentile(self.latencies, 99) * 1000:>9.1f} {self.cpu / max(self.events, 1) * 1e6:>12.0f}")


async def bench_raw(nats_url: str, count: int, backlog: bool = False) -> Row:
    commune = f"BR{uuid.uuid4().hex[:6]}"
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    durable = f"bench-raw-{commune}"
    await js.add_consumer(EVENTS.name, ConsumerConfig(
        durable_name=durable, ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.NEW,
        filter_subject=event_subject_filter("DossierReceived", 1, commune)))
    sub = await js.pull_subscribe_bind(durable, stream=EVENTS.name)
    latencies: list[float] = []
    if backlog:  # the consumer alone, draining what was published before it started
        await publish(nats_url, commune, count)
    cpu_before = time.process_time()
    publisher = asyncio.create_task(asyncio.sleep(0) if backlog else publish(nats_url, commune, count))
    started = time.perf_counter()
    while len(latencies) < count:
        try:
            batch = await sub.fetch(256, timeout=1)
        except nats.errors.TimeoutError:
            continue
        for msg in batch:
            event = Envelope[DossierReceived].model_validate_json(msg.data)
            await msg.ack()
            latencies.append((datetime.now(UTC) - event.occurred_at).total_seconds())
    elapsed = time.perf_counter() - started
    await publisher
    cpu = time.process_time() - cpu_before
    await js.delete_consumer(EVENTS.name, durable)
    await nc.close()
    return Row("1 raw" + (" backlog" if backlog else ""), count, elapsed, latencies, cpu)


async def bench_consumer(nats_url: str, mongodb_uri: str, count: int, with_db: bool, workers: int = 1,
                         profile: str | None = None, backlog: bool = False) -> Row:
    """The project's consumer path, in this process (``workers`` handlers at once), with the
    tracer provider a service installs (no exporter: spans are not recorded)."""
    from motcua_runtime.consumer import event_subscriber
    from motcua_runtime.observability import configure_tracing
    from motcua_runtime.service import create_broker
    from motcua_runtime.settings import ServiceSettings
    from motcua_runtime.unit_of_work import MongoUnitOfWork, apply_once

    commune = f"BC{uuid.uuid4().hex[:6]}"
    settings = ServiceSettings(service_name="bench", nats_url=nats_url, mongodb_uri=mongodb_uri,
                               database=f"bench_{commune}", log_json=True, log_level="WARNING")
    configure_tracing(settings.service_name)  # as build_service_app does; no exporter configured
    broker = create_broker(settings)
    latencies: list[float] = []
    done = asyncio.Event()
    mongo = AsyncMongoClient(mongodb_uri, tz_aware=True, uuidRepresentation="standard") if with_db else None
    db = mongo[settings.database] if mongo is not None else None

    subscriber = event_subscriber(broker, durable=f"bench-{commune}", event_type="DossierReceived", version=1,
                                  max_deliver=12, ack_wait_seconds=30, batch_size=settings.pull_batch_size,
                                  commune_code=commune, max_workers=workers)

    @subscriber
    async def on_event(event: Envelope[DossierReceived]) -> None:
        if db is not None:
            async def effect(uow) -> None:  # like notify's: one record per event, in the transaction
                await db["records"].insert_one({"_id": str(event.event_id), "commune_code": commune},
                                               session=uow.session)
            await apply_once(MongoUnitOfWork(mongo, db), "bench", str(event.event_id), effect)
        latencies.append((datetime.now(UTC) - event.occurred_at).total_seconds())
        if len(latencies) >= count:
            done.set()

    if backlog:  # the consumer alone, draining what was published before it started
        await publish(nats_url, commune, count)
    await broker.start()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    cpu_before = time.process_time()
    started = time.perf_counter()
    publisher = asyncio.create_task(asyncio.sleep(0) if backlog else publish(nats_url, commune, count))
    await asyncio.wait_for(done.wait(), timeout=600)
    elapsed = time.perf_counter() - started
    await publisher
    cpu = time.process_time() - cpu_before
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    await broker.stop()
    nc = await nats.connect(nats_url)
    await nc.jetstream().delete_consumer(EVENTS.name, f"bench-{commune}")
    await nc.close()
    if mongo is not None:
        await mongo.drop_database(settings.database)
        await mongo.close()
    name = ("2 consumer+db" if with_db else "2 consumer") + (" backlog" if backlog else "")
    return Row(name + (f" x{workers}" if workers > 1 else ""), count, elapsed, latencies, cpu)


async def bench_relay(nats_url: str, mongodb_uri: str, count: int, batch: int) -> Row:
    """The outbox relay alone: `count` committed entries published to JetStream and marked sent,
    `batch` at a time concurrently; batch=1 runs the former relay (one publication awaited, then
    one mark, entry after entry)."""
    from motcua_runtime.outbox import OutboxRelay, ensure_outbox_indexes, stage_events

    commune = f"BO{uuid.uuid4().hex[:6]}"
    mongo = AsyncMongoClient(mongodb_uri, tz_aware=True, uuidRepresentation="standard")
    db = mongo[f"bench_relay_{commune}"]
    await ensure_outbox_indexes(db)
    envelopes = [envelope(commune, n) for n in range(count)]
    for start in range(0, count, 500):
        async with mongo.start_session() as session:
            await session.start_transaction()
            await stage_events(db, session, envelopes[start:start + 500])
            await session.commit_transaction()
    nc = await nats.connect(nats_url)
    js = nc.jetstream()

    async def publish(subject: str, body: bytes, headers: dict[str, str]) -> None:
        await js.publish(subject, body, timeout=5, stream=EVENTS.name, headers=headers)

    relay = OutboxRelay(db, publish, name="bench", batch_size=batch)
    cpu_before = time.process_time()
    started = time.perf_counter()
    if batch == 1:
        # The relay before issue 8: one publication awaited, then one mark, entry after entry.
        async for entry in db.outbox.find({"status": "pending"}).sort([("created_at", 1), ("position", 1)]):
            await publish(entry["subject"], entry["body"], entry["headers"])
            await db.outbox.update_one({"_id": entry["_id"]}, {"$set": {"status": "sent", "sent_at": datetime.now(UTC)}})
            relay.published += 1
    else:
        while await relay.publish_pending():
            pass
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    sent = await db.outbox.find({}, {"created_at": 1, "sent_at": 1}).to_list()
    await nc.close()
    await mongo.drop_database(db.name)
    await mongo.close()
    return Row(f"relay batch {batch}", relay.published, elapsed,
               [(d["sent_at"] - d["created_at"]).total_seconds() for d in sent if d.get("sent_at")], cpu)


async def bench_flow(stack: Stack, seconds: float, concurrency: int, communes: int,
                     headers: dict[str, str], rate: float | None = None) -> tuple[Row, int]:
    """POST dossiers to intake for `seconds`, spread over `communes` communes (a district's load):
    as fast as `concurrency` clients go, or paced at `rate` dossiers/s (open loop).
    Latency per dossier = notify's processed mark of its DossierReceived event - intake's
    commit of it (the outbox entry's creation); the load counts as done when reporting's
    consumers have nothing pending either (CPU is measured until then)."""
    run = uuid.uuid4().hex[:5]
    codes = [f"BF{run}{n:03d}" for n in range(communes)]
    intake = stack.services["intake"].base_url
    body = {"procedure_code": "CT-CHUKY", "applicant": {"full_name": "Trần Thị Bình", "phone": "0912345678"}}
    accepted = failed = 0
    pids = [svc.process.pid for name, svc in stack.services.items() if name != "identity"]
    cpu_before = cpu_seconds(pids)
    started = time.perf_counter()
    deadline = started + seconds

    async def post(client: httpx.AsyncClient, commune: str) -> None:
        nonlocal accepted, failed
        try:
            response = await client.post(f"{intake}/v1/communes/{commune}/dossiers", json=body, headers=headers)
        except httpx.HTTPError:
            failed += 1
            return
        if response.status_code == 201:
            accepted += 1
        else:
            failed += 1

    async def worker(client: httpx.AsyncClient, index: int) -> None:
        n = index
        while time.perf_counter() < deadline:
            await post(client, codes[n % len(codes)])
            n += concurrency

    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=concurrency)) as client:
        if rate:
            pending: set[asyncio.Task] = set()
            n = 0
            while time.perf_counter() < deadline:
                task = asyncio.create_task(post(client, codes[n % len(codes)]))
                pending.add(task)
                task.add_done_callback(pending.discard)
                n += 1
                await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
            await asyncio.gather(*pending)
        else:
            await asyncio.gather(*(worker(client, i) for i in range(concurrency)))
    accept_seconds = time.perf_counter() - started

    mongo = AsyncMongoClient(stack.mongodb_uri, tz_aware=True, uuidRepresentation="standard")
    prefix = stack.database_prefix
    outbox = mongo[f"{prefix}intake"].outbox
    mine = {"commune_code": {"$in": codes}, "event_type": "DossierReceived"}
    committed = {e["_id"]: e["created_at"] async for e in outbox.find(mine, {"created_at": 1})}
    marks = mongo[f"{prefix}notify"].processed_events
    of_mine = {"consumer": "notify-dossier-received", "event_id": {"$in": list(committed)}}
    nc = await nats.connect(stack.nats_url)
    js = nc.jetstream()
    drain_deadline = time.perf_counter() + 300
    while time.perf_counter() < drain_deadline:
        if await marks.count_documents(of_mine) >= len(committed) and await reporting_drained(js):
            break
        await asyncio.sleep(0.2)
    await nc.close()
    cpu = cpu_seconds(pids) - cpu_before
    latencies = [(mark["processed_at"] - committed[mark["event_id"]]).total_seconds()
                 async for mark in marks.find(of_mine, {"event_id": 1, "processed_at": 1})]
    await mongo.close()
    name = f"3 flow @{rate:.0f}/s" if rate else "3 flow"
    return Row(name, accepted, accept_seconds, latencies, cpu), failed


async def reporting_drained(js) -> bool:
    """Every reporting consumer has nothing pending and nothing unacknowledged."""
    for info in await js.consumers_info(EVENTS.name):
        if info.name.startswith("reporting-") and (info.num_pending or info.num_ack_pending):
            return False
    return True


async def officer_headers(stack: Stack) -> dict[str, str]:
    """A bench officer allowed in every commune, created through the identity service's admin API."""
    urls = {name: svc.base_url for name, svc in stack.services.items()}
    async with httpx.AsyncClient(timeout=15) as client:
        admin = await sign_in(client, urls, "quantri")
        created = await client.post(f"{urls['identity']}/v1/users", headers=admin, json={
            "username": "bench", "display_name": "Benchmark", "password": "bench-password",
            "roles": ["counter_officer"], "communes": ["*"]})
        if created.status_code not in (201, 409):
            raise RuntimeError(f"cannot create the bench officer: {created.status_code} {created.text}")
        return await sign_in(client, urls, "bench", "bench-password")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000, help="events for rows 1 and 2")
    parser.add_argument("--db-events", type=int, default=5_000, help="events for the consumer+db row")
    parser.add_argument("--seconds", type=float, default=20.0, help="duration of the full-flow load (60 for targets)")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent HTTP clients in the flow")
    parser.add_argument("--communes", type=int, default=20, help="communes the flow's dossiers are spread over")
    parser.add_argument("--workers", type=int, default=8,
                        help="handlers at once per consumer: the consumer+db row's second run, and the services' "
                             "CONSUMER_CONCURRENCY in the flow")
    parser.add_argument("--rate", type=float, default=20.0,
                        help="dossiers/s of the paced flow row (latency at a fixed load; 0 skips it)")
    parser.add_argument("--relay-events", type=int, default=2_000, help="outbox entries for the relay rows")
    parser.add_argument("--only", choices=("relay", "flow", "consumer"),
                        help="run only these rows (consumer: rows 1 and 2 without the database)")
    parser.add_argument("--repeat", type=int, default=1, help="with --only consumer: rows 1 and 2 this many times")
    parser.add_argument("--backlog", action="store_true",
                        help="with --only consumer: publish first, then time the consumers alone draining it "
                             "(CPU and events/s of the consumer side only; latency then includes the wait)")
    parser.add_argument("--keep-data", action="store_true", help="keep the servers' data directory afterwards")
    parser.add_argument("--profile", metavar="FILE",
                        help="with --only consumer: cProfile the consumer row(s) into FILE (pstats)")
    parser.add_argument("--paced-seconds", type=float, default=15.0, help="duration of the paced flow row")
    args = parser.parse_args()

    base = Path(tempfile.mkdtemp(prefix="motcua-bench-"))
    stack = Stack(ROOT, data_dir=base / "data", run_dir=base / "run", database_prefix="bench_",
                  nats_sync_always=True, use_env_servers=False, log=lambda line: None,
                  services=tuple(s for s in SERVICES if s.name in ("identity", "intake", "notify", "reporting")),
                  service_env={"INTAKE_LOG_LEVEL": "WARNING", "NOTIFY_LOG_LEVEL": "WARNING",
                               "REPORTING_LOG_LEVEL": "WARNING",
                               "NOTIFY_CONSUMER_CONCURRENCY": str(args.workers),
                               "REPORTING_CONSUMER_CONCURRENCY": str(args.workers)})
    print(f"machine: {os.cpu_count()} cores, {os.uname().sysname} {os.uname().machine}; "
          f"nats sync_interval=always; mongod replica set; data in {base}")
    configure_logging(json=True, level="WARNING")
    await stack.start(with_services=False)
    try:
        rows = []
        if args.only == "relay":
            for batch in (1, 200):
                rows.append(await bench_relay(stack.nats_url, stack.mongodb_uri, args.relay_events, batch))
                print(rows[-1].line(), flush=True)
            return 0
        if args.only == "consumer":
            for _ in range(args.repeat):
                raw = await bench_raw(stack.nats_url, args.events, backlog=args.backlog)
                print(raw.line(), flush=True)
                consumer = await bench_consumer(stack.nats_url, stack.mongodb_uri, args.events, with_db=False,
                                                profile=args.profile, backlog=args.backlog)
                print(consumer.line(), flush=True)
                print(f"ratio (2)/(1): {consumer.rate / raw.rate:.2f}; load average {os.getloadavg()[0]:.1f}",
                      flush=True)
            return 0
        for name, run in () if args.only == "flow" else (
            ("raw", lambda: bench_raw(stack.nats_url, args.events)),
            ("consumer", lambda: bench_consumer(stack.nats_url, stack.mongodb_uri, args.events, with_db=False)),
            ("consumer+db", lambda: bench_consumer(stack.nats_url, stack.mongodb_uri, args.db_events, with_db=True)),
            (f"consumer+db x{args.workers}", lambda: bench_consumer(stack.nats_url, stack.mongodb_uri, args.db_events,
                                                                    with_db=True, workers=args.workers)),
            ("relay one at a time", lambda: bench_relay(stack.nats_url, stack.mongodb_uri, args.relay_events, 1)),
            ("relay pipelined", lambda: bench_relay(stack.nats_url, stack.mongodb_uri, args.relay_events, 200)),
        ):
            print(f"running {name} ...", flush=True)
            rows.append(await run())
            print(rows[-1].line(), flush=True)
        # The events of rows 1-2 must not become a backlog for the services' consumers (their
        # durable consumers start from the stream's first message).
        nc = await nats.connect(stack.nats_url)
        await nc.jetstream().purge_stream(EVENTS.name)
        await nc.close()
        print("running flow ...", flush=True)
        await stack.start_services(ready_timeout=120)
        headers = await officer_headers(stack)
        flow, failed = await bench_flow(stack, args.seconds, args.concurrency, args.communes, headers)
        rows.append(flow)
        print(flow.line(), flush=True)
        if args.rate:
            print(f"running flow paced at {args.rate:.0f}/s ...", flush=True)
            paced, paced_failed = await bench_flow(stack, args.paced_seconds, args.concurrency, args.communes,
                                                   headers, rate=args.rate)
            rows.append(paced)
            failed += paced_failed
            print(paced.line(), flush=True)
    finally:
        await asyncio.to_thread(stack.stop)
        if not args.keep_data:  # the servers' data of one run is a few hundred MB
            shutil.rmtree(base, ignore_errors=True)
    print(f"\n{'row':<17} {'events':>8} {'events/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'CPU µs/event':>12}")
    for row in rows:
        print(row.line())
    if args.only != "flow":
        print(f"\nratio consumer/raw (2)/(1): {rows[1].rate / rows[0].rate:.2f}")
    relay_rows = [row for row in rows if row.name.startswith("relay")]
    if len(relay_rows) == 2:
        print(f"relay pipelined / one at a time: {relay_rows[1].rate / max(relay_rows[0].rate, 1e-9):.1f}x "
              "(relay rows' latency: commit to marked sent, including the backlog)")
    print(f"flow: {args.concurrency} HTTP clients over {args.communes} communes for {args.seconds:.0f} s; "
          f"requests not accepted: {failed}")
    print(f"flow consumers: CONSUMER_CONCURRENCY={args.workers} in notify and reporting")
    print("latency: rows 1-2 from publication to handled; row 3 from intake's commit of the receipt to notify's "
          "processed mark (reporting drained before CPU is read)")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
