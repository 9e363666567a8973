"""Reporting benchmark: load N dossiers' events for C communes, rebuild the read models from the
stream (printing the rebuild rate), then time the dashboard's queries.

    .venv/bin/python services/reporting/bench/bench_reporting.py --dossiers 1000000 --communes 20

Starts its own nats-server and mongod (the devstack's embedded servers) in a temporary directory.
Each dossier: DossierReceived; ResultReturned for 9 in 10 (early/on time/late, with processing
working days); a SurveySubmitted for 1 in 3; an SMS MessageSent for 1 in 2; a LetterIssued for 1 in
20. Received days spread over 2026. Figures, not assertions.

Figures measured on the development machine: docs/reporting.md, "Benchmark".
"""

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import nats

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from motcua_contracts import (  # noqa: E402
    DossierReceived,
    LetterIssued,
    MessageSent,
    ResultReturned,
    SurveySubmitted,
    new_envelope,
)
from motcua_devstack.stack import Stack  # noqa: E402
from pymongo import AsyncMongoClient  # noqa: E402

from motcua_reporting.adapters.storage import MongoReportingReader  # noqa: E402
from motcua_reporting.domain.periods import Granularity, resolve  # noqa: E402
from motcua_reporting.domain.scorecard import DEFAULT_CRITERIA  # noqa: E402
from motcua_reporting.rebuild import rebuild  # noqa: E402
from motcua_reporting.service_layer import views  # noqa: E402

VN = timezone(timedelta(hours=7))
PROCEDURES = [("HT-KHAISINH", "ho_tich"), ("HT-KETHON", "ho_tich"), ("CT-CHUKY", "chung_thuc"),
              ("CT-BANSAO", "chung_thuc"), ("DD-XACNHAN", "dat_dai")]
CHANNELS = ["counter"] * 5 + ["online"] * 3 + ["assisted", "out_of_hours", "post", "at_home"]


def dossier_events(rng: random.Random, commune: str, n: int) -> list:
    procedure, field = rng.choice(PROCEDURES)
    channel = rng.choice(CHANNELS)
    officer = f"cb{rng.randint(1, 10)}"
    received = datetime(2026, 1, 1, 8, tzinfo=VN) + timedelta(days=rng.randint(0, 364), minutes=rng.randint(0, 540))
    due = received + timedelta(days=3)
    did, code = uuid.uuid4(), f"{commune}-{n:07d}"
    out = [new_envelope(DossierReceived(
        dossier_id=did, dossier_code=code, procedure_code=procedure, procedure_name=procedure, field=field,
        channel=channel, received_at=received, appointment_at=due, processing_days=3,
        applicant_name_masked="N** V** A", assisted=channel == "assisted", received_by=officer,
        session_id=uuid.UUID(int=n % 50) if channel == "out_of_hours" else None),
        source="intake", commune_code=commune, correlation_id="bench", occurred_at=received)]
    if rng.random() < 0.9:
        days = rng.choice([1, 2, 2, 3, 3, 3, 4])
        returned = received + timedelta(days=days)
        timeliness = "early" if days < 3 else ("on_time" if days == 3 else "late")
        out.append(new_envelope(ResultReturned(
            dossier_id=did, dossier_code=code, procedure_code=procedure, field=field, received_at=received,
            appointment_at=due, returned_at=returned, timeliness=timeliness,
            return_channel="at_home" if rng.random() < 0.05 else "counter", officer_id=officer, channel=channel,
            due_at=due, processing_working_days=float(days)),
            source="intake", commune_code=commune, correlation_id="bench", occurred_at=returned))
        if rng.random() < 1 / 3:
            overall = rng.choice([5, 5, 5, 4, 4, 3, 2])
            out.append(new_envelope(SurveySubmitted(
                ballot_id=uuid.uuid4(), dossier_id=did, dossier_code=code, procedure_code=procedure,
                officer_id=officer, overall=overall, satisfied=overall >= 4, factors={"officer": overall},
                submitted_at=returned + timedelta(hours=2), field=field),
                source="survey", commune_code=commune, correlation_id="bench",
                occurred_at=returned + timedelta(hours=2)))
    if rng.random() < 0.5:
        out.append(new_envelope(MessageSent(message_id=uuid.uuid4(), channel="sms", purpose="receipt",
                                            dossier_id=did, dossier_code=code, attempts=1, sent_at=received),
                                source="notify", commune_code=commune, correlation_id="bench", occurred_at=received))
    if rng.random() < 0.05:
        out.append(new_envelope(LetterIssued(letter_id=uuid.uuid4(), letter_type="congratulation", channel="print",
                                             dossier_id=did, dossier_code=code, life_event="birth",
                                             reason="life_event", issued_at=received),
                                source="notify", commune_code=commune, correlation_id="bench", occurred_at=received))
    return out


async def load(nats_url: str, dossiers: int, communes: list[str]) -> int:
    rng = random.Random(7)
    nc = await nats.connect(nats_url)
    js = nc.jetstream(publish_async_max_pending=4000)
    sent, started, shown = 0, time.perf_counter(), 0.0
    for n in range(dossiers):
        for e in dossier_events(rng, communes[n % len(communes)], n):
            await js.publish_async(e.subject(), e.model_dump_json().encode(), headers={"Nats-Msg-Id": str(e.event_id)})
            sent += 1
        if time.perf_counter() - shown > 1:
            shown = time.perf_counter()
            print(f"\rpublished {n + 1}/{dossiers} dossiers, {sent} events, "
                  f"{sent / (shown - started):,.0f} events/s", end="", flush=True)
    await js.publish_async_completed()
    await nc.close()
    print(f"\rpublished {dossiers} dossiers, {sent} events in {time.perf_counter() - started:.1f} s" + " " * 20)
    return sent


async def timed(name: str, query, runs: int = 5) -> None:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await query()
        times.append((time.perf_counter() - started) * 1000)
    print(f"  {name:<52} median {statistics.median(times):8.1f} ms   max {max(times):8.1f} ms")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--communes", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=1000)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="motcua-bench-reporting-"))
    stack = Stack(ROOT, data_dir=base / "data", run_dir=base / "run", database_prefix="bench_",
                  use_env_servers=False, log=lambda line: None)
    await stack.start(with_services=False)
    communes = [f"X{26000 + i}" for i in range(args.communes)]
    try:
        events = await load(stack.nats_url, args.dossiers, communes)
        client = AsyncMongoClient(stack.mongodb_uri)
        db = client["bench_reporting"]
        print("rebuilding the read models from the stream:")
        result = await rebuild(client, db, stack.nats_url, batch_size=args.batch_size)
        print(f"rebuild: {result.events} events in {result.seconds:.1f} s = {result.rate:,.0f} events/s")
        reader = lambda: MongoReportingReader(db)  # noqa: E731
        month = resolve(Granularity.MONTH, date(2026, 6, 1), None, None)
        year = resolve(Granularity.YEAR, date(2026, 6, 1), None, None)
        print(f"dashboard queries ({args.dossiers} dossiers, {events} events, {args.communes} communes):")
        await timed("district: communes side by side, one month", lambda: views.communes_figures(reader(), communes, month))
        await timed("district: communes side by side, the year", lambda: views.communes_figures(reader(), communes, year))
        await timed("district: scorecard, one month",
                    lambda: views.scorecard(reader(), communes, month, DEFAULT_CRITERIA))
        await timed("district: trend by month over the year", lambda: views.trend(reader(), communes, year,
                                                                                  Granularity.MONTH))
        await timed("commune: figures, one month", lambda: views.communes_figures(reader(), communes[:1], month))
        await timed("commune: by procedure (with medians), the year",
                    lambda: views.breakdown(reader(), communes[:1], year, "procedure"))
        await timed("commune: by officer, one month", lambda: views.breakdown(reader(), communes[:1], month, "officer"))
        await client.close()
    finally:
        await asyncio.to_thread(stack.stop)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
