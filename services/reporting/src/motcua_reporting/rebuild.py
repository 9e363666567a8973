"""Rebuild reporting's read models from the stream: ``python -m motcua_reporting.rebuild``.

1. A new generation is announced as ``building`` in the pointer document: from then on the live
   consumers apply each event to the active generation AND to the building one (each generation
   has its own processed marks, so an event counts once in each).
2. The stream's last sequence S is read, and an ephemeral ordered consumer replays MOTCUA_EVENTS
   from the first message up to S into the new generation, in batches (one transaction each, with
   the marks), printing a progress bar and the rate (events/s).
3. The pointer is swapped in one update (``active`` = the new generation): queries started before
   it finish on the old models, later ones read the new ones. The generation before the previous
   one is dropped; the previous one stays for a while (``--drop-previous`` drops it too).

The live service keeps answering from the active generation throughout. Settings come from the
service's environment (``MONGODB_URI``, ``NATS_URL``, ``REPORTING_DATABASE``...).
"""

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import nats
from nats.js.api import DeliverPolicy
from pydantic import ValidationError
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.asynchronous.mongo_client import AsyncMongoClient
from pymongo.errors import OperationFailure

from motcua_contracts import EVENTS_SUBJECT_PREFIX, Envelope, event_class
from motcua_contracts.streams import EVENTS
from motcua_runtime.mongo import create_mongo_client
from motcua_runtime.unit_of_work import retry_transient

from motcua_reporting.adapters.storage import (
    GENERATIONS,
    POINTER,
    apply_events,
    drop_generation,
    ensure_indexes,
    read_pointer,
)
from motcua_reporting.domain.projection import CONSUMED, effect_of


#: MongoDB's TransactionExceededLifetimeLimitSeconds.
TRANSACTION_TOO_LONG = 290


class RebuildRefused(RuntimeError):
    pass


@dataclass
class RebuildResult:
    generation: int
    previous: int
    events: int
    applied: int
    skipped: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


def progress_line(done: int, total: int, started: float, width: int = 30) -> str:
    share = 1.0 if total <= 0 else min(done / total, 1.0)
    filled = int(share * width)
    elapsed = max(time.perf_counter() - started, 1e-9)
    return (f"\r[{'#' * filled}{'.' * (width - filled)}] {share * 100:5.1f}% {done}/{total} events "
            f"{done / elapsed:,.0f} events/s")


async def rebuild(client: AsyncMongoClient, db: AsyncDatabase, nats_url: str, *, batch_size: int = 1000,
                  out=sys.stderr, force: bool = False, drop_previous: bool = False,
                  before_swap: Callable[[int], Awaitable[None]] | None = None) -> RebuildResult:
    pointer = await read_pointer(db)
    if pointer.building is not None and not force:
        raise RebuildRefused(f"generation {pointer.building} is already being built (use --force if that rebuild "
                             "died)")
    new = max(pointer.active, pointer.building or 0, pointer.previous or 0) + 1
    await drop_generation(db, new)
    await ensure_indexes(db, new)
    # From here on, live consumers write into the new generation too.
    await db[GENERATIONS].update_one(
        {"_id": POINTER},
        {"$set": {"active": pointer.active, "building": new, "building_since": datetime.now(UTC)}},
        upsert=True)

    nc = await nats.connect(nats_url)
    started = time.perf_counter()
    events = applied = skipped = 0
    try:
        js = nc.jetstream()
        info = await js.stream_info(EVENTS.name)
        last = info.state.last_seq
        total = info.state.messages
        if last > 0 and total > 0:
            sub = await js.subscribe(f"{EVENTS_SUBJECT_PREFIX}.>", stream=EVENTS.name, ordered_consumer=True,
                                     deliver_policy=DeliverPolicy.ALL, pending_msgs_limit=100_000)
            batch: list = []
            shown = 0.0
            writing: asyncio.Task | None = None

            async def write(items: list) -> int:
                try:
                    return await retry_transient(lambda: apply_events(client, db, items, generations=(new,)))
                except OperationFailure as error:
                    # A transaction that outlives MongoDB's limit (a slow or busy server) is aborted
                    # whole: the halves are tried again, down to single events.
                    if error.code != TRANSACTION_TOO_LONG or len(items) == 1:
                        raise
                    half = len(items) // 2
                    return await write(items[:half]) + await write(items[half:])

            async def flush() -> int:
                # The previous batch is written while the next one is read and parsed.
                nonlocal writing
                done = 0
                if writing is not None:
                    done = await writing
                    writing = None
                if batch:
                    writing = asyncio.create_task(write(list(batch)))
                    batch.clear()
                return done

            try:
                while True:
                    msg = await sub.next_msg(timeout=30)
                    seq = msg.metadata.sequence.stream
                    events += 1
                    item = _item(msg.subject, msg.data)
                    if item is None:
                        skipped += 1
                    else:
                        batch.append(item)
                    if len(batch) >= batch_size:
                        applied += await flush()
                    now = time.perf_counter()
                    if now - shown > 0.5:
                        shown = now
                        print(progress_line(events, total, started), end="", file=out, flush=True)
                    if seq >= last:
                        break
                applied += await flush()
                applied += await flush()
            finally:
                await sub.unsubscribe()
        print(progress_line(events, max(total, events), started), file=out, flush=True)
    except BaseException:
        # Leave the active generation as it was; the half-built one is dropped.
        await db[GENERATIONS].update_one({"_id": POINTER}, {"$set": {"building": None}})
        await drop_generation(db, new)
        raise
    finally:
        await nc.close()

    if before_swap is not None:
        await before_swap(new)
    old = pointer.active
    await db[GENERATIONS].update_one(
        {"_id": POINTER},
        {"$set": {"active": new, "building": None, "previous": old, "swapped_at": datetime.now(UTC)}})
    if pointer.previous is not None and pointer.previous not in (old, new):
        await drop_generation(db, pointer.previous)
    if drop_previous:
        await asyncio.sleep(2)  # queries that read the old pointer finish first
        await drop_generation(db, old)
    seconds = time.perf_counter() - started
    return RebuildResult(new, old, events, applied, skipped, seconds)


_ENVELOPES: dict[str, type] = {}


def _envelope_class(event_type: str) -> type:
    """Envelope[EventClass], made once per type (pydantic rebuilds a generic model otherwise)."""
    if event_type not in _ENVELOPES:
        _ENVELOPES[event_type] = Envelope[event_class(event_type, 1)]  # type: ignore[misc]
    return _ENVELOPES[event_type]


def _item(subject: str, body: bytes) -> tuple[str, object] | None:
    """(event id, effect) of a message, or None for an event reporting does not consume (or cannot
    read). The subject names the type: motcua.events.<commune>.<EventType>.v<major>."""
    *_, event_type, version = subject.split(".")
    if event_type not in CONSUMED or version != "v1":
        return None
    try:
        envelope = _envelope_class(event_type).model_validate_json(body)
    except (ValidationError, LookupError, ValueError):
        return None
    return str(envelope.event_id), effect_of(envelope)


async def _main(args: argparse.Namespace) -> int:
    from motcua_reporting.settings import ReportingSettings

    settings = ReportingSettings()
    client = create_mongo_client(settings.mongodb_uri, app_name="motcua-reporting-rebuild")
    try:
        result = await rebuild(client, client[settings.database], settings.nats_url, batch_size=args.batch_size,
                               force=args.force, drop_previous=args.drop_previous)
    except RebuildRefused as error:
        print(f"refused: {error}", file=sys.stderr)
        return 2
    finally:
        await client.close()
    print(f"rebuilt generation {result.generation} (was {result.previous}): {result.events} events read, "
          f"{result.applied} applied, {result.skipped} not for reporting, in {result.seconds:.1f} s "
          f"= {result.rate:,.0f} events/s; swapped in.")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-size", type=int, default=1000, help="events per transaction (default 1000)")
    parser.add_argument("--force", action="store_true", help="start even if a rebuild seems to be running")
    parser.add_argument("--drop-previous", action="store_true", help="drop the replaced generation right away")
    sys.exit(asyncio.run(_main(parser.parse_args())))


if __name__ == "__main__":
    main()
