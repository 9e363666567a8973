"""Rebuilding reporting's read models from the stream gives the live figures exactly; the service
keeps answering from the old models while the rebuild runs, and an event that arrives during the
rebuild is in the new models too (the live consumers write into the generation being built)."""

import asyncio
import io
import os
import sys

import pytest
from pymongo import AsyncMongoClient

from motcua_reporting.adapters.storage import read_pointer
from motcua_reporting.rebuild import rebuild
from services.reporting.tests.events import Dossier
from tests.helpers import as_json, eventually, publish_events
from tests.test_reporting_scenario import march, notify_stays_quiet

pytestmark = pytest.mark.e2e


def without_stamps(value):
    """The figures without ``updated_at`` (when the counters were written differs by design)."""
    if isinstance(value, dict):
        return {k: without_stamps(v) for k, v in value.items() if k != "updated_at"}
    if isinstance(value, list):
        return [without_stamps(v) for v in value]
    return value


async def snapshot(client, reporting: str, commune: str) -> dict:
    base = f"{reporting}/v1/communes/{commune}"
    paths = ["report?period=month&at=2026-03-01", "report?period=month&at=2026-04-01", "report?period=year&at=2026-01-01",
             "breakdown/procedure?at=2026-03-01", "breakdown/officer?at=2026-03-01", "breakdown/field?at=2026-03-01",
             "breakdown/channel?at=2026-03-01", "trend?granularity=week&at=2026-03-01", "figures"]
    return {p: without_stamps(as_json(await client.get(f"{base}/{p}"))) for p in paths}


async def test_rebuild_gives_the_live_figures_and_queries_answer_meanwhile(services, stack, http, admin, commune):
    reporting = services["reporting"].base_url
    await notify_stays_quiet(services, admin, commune)
    await publish_events(stack.nats_url, march(commune))
    url = f"{reporting}/v1/communes/{commune}/report?period=month&at=2026-03-01"

    async def settled():
        f = as_json(await http.get(url))["figures"]
        return f if (f["returned"], f["feedback_answered"], f["sms_failed"], f["ballots"], f["session_bookings"],
                     f["session_bookings_cancelled"]) == (6, 2, 1, 4, 3, 1) else None

    await eventually(settled, timeout=180, interval=0.3)
    live = await snapshot(http, reporting, commune)
    assert live["report?period=month&at=2026-03-01"]["figures"]["received"] == 9

    mongo = AsyncMongoClient(stack.mongodb_uri)
    db = mongo[f"{stack.database_prefix}reporting"]
    late_comer = Dossier(commune, 11, received="2026-03-31 15:00", due="2026-04-03 17:00")
    during: dict = {}

    async def before_swap(generation: int) -> None:
        pointer = await read_pointer(db)
        assert pointer.building == generation and pointer.active != generation
        # Still answering, from the old models.
        during["answer"] = await snapshot(http, reporting, commune)
        # An event arriving now goes to both generations.
        await publish_events(stack.nats_url, [late_comer.received()])

        async def seen():
            f = as_json(await http.get(url))["figures"]
            return f["received"] == 10

        await eventually(seen, timeout=120, interval=0.2)
        during["with_late_comer"] = await snapshot(http, reporting, commune)

    progress = io.StringIO()
    try:
        before = await read_pointer(db)
        result = await rebuild(mongo, db, stack.nats_url, out=progress, batch_size=200, before_swap=before_swap)
        after = await read_pointer(db)
    finally:
        await mongo.close()

    assert during["answer"] == live
    assert (after.active, after.previous, after.building) == (result.generation, before.active, None)
    assert result.events > 0 and "events/s" in progress.getvalue() and "100.0%" in progress.getvalue()
    rebuilt = await snapshot(http, reporting, commune)
    assert rebuilt == during["with_late_comer"]
    assert rebuilt["report?period=month&at=2026-03-01"]["figures"]["received"] == 10
    # Session bookings are replayed too: booked 3, cancelled 1 in March, one more in April.
    march_figures = rebuilt["report?period=month&at=2026-03-01"]["figures"]
    assert (march_figures["session_bookings"], march_figures["session_bookings_cancelled"]) == (3, 1)
    assert rebuilt["figures"]["session_bookings"] == 4 and rebuilt["figures"]["sessions_held"] == 2

    # The command line does the same, prints its rate, and the figures stay identical.
    env = {**os.environ, "MONGODB_URI": stack.mongodb_uri, "NATS_URL": stack.nats_url,
           "REPORTING_DATABASE": f"{stack.database_prefix}reporting", "MOTCUA_LOG_JSON": "false"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "motcua_reporting.rebuild", "--batch-size", "300", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), timeout=300)
    assert process.returncode == 0, err.decode()
    assert "events/s" in out.decode() and "swapped in" in out.decode()
    assert await snapshot(http, reporting, commune) == rebuilt
