"""The example subscriber (examples/nats_subscriber.py) against the real stack, as another system
runs it: a separate process with nats-py, jsonschema and the published catalogue only."""

import ast
import asyncio
import json
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from motcua_contracts import FollowUpRaised, ResultReturned, new_envelope
from tests.helpers import dossier_received, publish_events

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "nats_subscriber.py"


def test_the_example_uses_nothing_of_the_project():
    tree = ast.parse(SCRIPT.read_text(encoding="utf-8"))
    modules = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
               for alias in node.names}
    modules |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert modules - set(sys.stdlib_module_names) == {"nats", "jsonschema"}


async def run_subscriber(nats_url: str, *args: str, timeout: float = 120) -> list[dict]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(SCRIPT), "--server", nats_url, *args, "--idle-exit", "4",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd="/")
    out, err = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode == 0, err.decode()
    return [json.loads(line) for line in out.decode().splitlines() if line.strip()]


def result_returned(commune: str, dossier_code: str):
    now = datetime.now(UTC)
    return new_envelope(ResultReturned(
        dossier_id=uuid.uuid4(), dossier_code=dossier_code, procedure_code="CT-CHUKY", field="chung_thuc",
        received_at=now, appointment_at=now + timedelta(days=1), returned_at=now, timeliness="early",
        return_channel="counter"), source="intake", commune_code=commune, correlation_id="example")


async def test_it_takes_one_communes_public_events_and_resumes_where_it_stopped(stack, commune):
    first = [dossier_received(commune, 1), dossier_received(commune, 2)]
    returned = result_returned(commune, first[0].data.dossier_code)
    internal = new_envelope(FollowUpRaised(follow_up_id=uuid.uuid4(), ballot_id=uuid.uuid4(), reason="low_score",
                                           raised_at=datetime.now(UTC)),
                            source="survey", commune_code=commune, correlation_id="example")
    elsewhere = dossier_received("Y" + commune[1:], 9)
    await publish_events(stack.nats_url, [first[0], first[1], internal, returned, elsewhere])
    name = f"ex{uuid.uuid4().hex[:8]}"

    got = await run_subscriber(stack.nats_url, "--name", name, "--commune", commune)
    # When survey runs it opens a ballot for the returned dossier: a public event of the commune too.
    assert [(e["event_id"], e["event_type"]) for e in got if e["event_type"] != "BallotOpened"] == [
        (str(first[0].event_id), "DossierReceived"), (str(first[1].event_id), "DossierReceived"),
        (str(returned.event_id), "ResultReturned")], "its commune's public events, in the order published"
    assert {e["commune_code"] for e in got} == {commune}

    later = [dossier_received(commune, 3), result_returned(commune, first[1].data.dossier_code)]
    await publish_events(stack.nats_url, later)
    again = await run_subscriber(stack.nats_url, "--name", name, "--commune", commune)
    assert [e["event_id"] for e in again if e["event_type"] != "BallotOpened"] == [str(e.event_id) for e in later]
    assert not {e["event_id"] for e in again} & {e["event_id"] for e in got}, "resumed: only what came since"


async def test_it_takes_dossier_received_of_every_commune(stack, commune):
    start = (datetime.now(UTC) - timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    other = "Z" + commune[1:]
    events = [dossier_received(commune, 1), dossier_received(other, 2)]
    await publish_events(stack.nats_url, [*events, result_returned(commune, events[0].data.dossier_code)])
    got = await run_subscriber(stack.nats_url, "--name", f"ex{uuid.uuid4().hex[:8]}", "--event", "DossierReceived",
                               "--start-time", start)
    ours = [e for e in got if e["commune_code"] in (commune, other)]
    assert [(e["commune_code"], e["event_type"]) for e in ours] == [(commune, "DossierReceived"),
                                                                  (other, "DossierReceived")]
    assert {e["event_type"] for e in got} == {"DossierReceived"}
