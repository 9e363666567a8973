"""NATS users for other systems (deploy/nats): a real nats-server with the generated users.

A commune's user receives that commune's public events and nothing else: not another commune's,
not internal events, not the services' consumers. A public reader takes one public event of
every commune. The committed deploy/nats/auth.conf matches the contracts.
"""

import asyncio
import importlib.util
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import APIError

from motcua_contracts import FollowUpRaised, new_envelope
from motcua_devstack.servers import LOOPBACK, ManagedProcess, free_port, nats_server_bin
from motcua_runtime.provision import provision_streams
from tests.helpers import dossier_received, publish_events

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("nats_permissions", ROOT / "deploy" / "nats" / "nats_permissions.py")
nats_permissions = importlib.util.module_from_spec(spec)
spec.loader.exec_module(nats_permissions)

SERVICES = ("motcua_services", "mat-khau-dich-vu")
COMMUNE_USER = nats_permissions.OutsideUser("xa_26041", "mat-khau-xa", commune="26041")
PORTAL = nats_permissions.OutsideUser("portal", "mat-khau-cong")
#: Runs the example subscriber (examples/nats_subscriber.py) under its restricted user.
OTHER_COMMUNE = nats_permissions.OutsideUser("xa_15667", "mat-khau-xa-khac", commune="15667")


def test_the_committed_auth_conf_is_generated_from_the_public_events():
    committed = (ROOT / "deploy" / "nats" / "auth.conf").read_text(encoding="utf-8")
    assert committed == nats_permissions.default_config(), "run `python deploy/nats/nats_permissions.py`"
    assert "FollowUpRaised" not in committed and "MessageSent" not in committed
    assert "motcua.events.26041.DossierReceived.*" in committed
    assert "include auth.conf" in (ROOT / "deploy" / "nats" / "nats-server.secured.conf").read_text()


@pytest.fixture(scope="module")
async def secured_nats(tmp_path_factory):
    base = tmp_path_factory.mktemp("nats-secured")
    port, http_port = free_port(), free_port()
    (base / "auth.conf").write_text(nats_permissions.render(*SERVICES, [COMMUNE_USER, PORTAL, OTHER_COMMUNE]))
    (base / "nats.conf").write_text("\n".join([
        f"listen: {LOOPBACK}:{port}", f"http: {LOOPBACK}:{http_port}",
        f'jetstream {{ store_dir: "{base / "js"}" }}', "include auth.conf", ""]))
    server = ManagedProcess([nats_server_bin(), "-c", str(base / "nats.conf")], base / "nats.log")
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"http://{LOOPBACK}:{http_port}/healthz?js-enabled-only=true", timeout=1):
                break
        except OSError:
            assert server.alive, server.log_tail()
            assert time.monotonic() < deadline, server.log_tail()
            await asyncio.sleep(0.1)
    services_url = f"nats://{SERVICES[0]}:{SERVICES[1]}@{LOOPBACK}:{port}"
    await provision_streams(services_url, log=lambda line: None)
    yield {"port": port, "services_url": services_url}
    server.stop()


async def connect(server, user: nats_permissions.OutsideUser):
    errors: list[str] = []

    async def on_error(error):
        errors.append(str(error))

    nc = await nats.connect(f"nats://{user.name}:{user.password}@{LOOPBACK}:{server['port']}",
                            inbox_prefix=user.inbox_prefix, error_cb=on_error, max_reconnect_attempts=0)
    return nc, errors


async def take(js, user, event_type: str, filter_subject: str, expect: int) -> list[dict]:
    """Create the user's durable consumer for one event (as the example subscriber does) and read it."""
    import json

    name = user.consumer_name(event_type)
    await js.add_consumer("MOTCUA_EVENTS", ConsumerConfig(
        name=name, durable_name=name, filter_subject=filter_subject, ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL), timeout=3)
    sub = await js.pull_subscribe_bind(name, stream="MOTCUA_EVENTS")
    bodies = []
    while len(bodies) < expect:
        for msg in await sub.fetch(expect - len(bodies), timeout=5):
            bodies.append(json.loads(msg.data))
            await msg.ack()
    with pytest.raises(NatsTimeout):
        await sub.fetch(1, timeout=1)  # nothing more
    return bodies


async def refused(coroutine) -> bool:
    try:
        await coroutine
    except (NatsTimeout, APIError, nats.errors.Error, asyncio.TimeoutError):
        return True
    return False


async def test_a_commune_user_gets_its_communes_public_events_and_nothing_else(secured_nats):
    url = secured_nats["services_url"]
    ours, theirs = dossier_received("26041", 1), dossier_received("15667", 2)
    internal = new_envelope(FollowUpRaised(follow_up_id=uuid.uuid4(), ballot_id=uuid.uuid4(), reason="complaint",
                                           raised_at=datetime.now(UTC)),
                            source="survey", commune_code="26041", correlation_id="c")
    await publish_events(url, [ours, theirs, internal])
    # A services' consumer, which no outside user may drain.
    services = await nats.connect(url)
    await services.jetstream().add_consumer("MOTCUA_EVENTS", ConsumerConfig(
        durable_name="notify-dossier-received", filter_subject="motcua.events.*.DossierReceived.*",
        ack_policy=AckPolicy.EXPLICIT))

    nc, errors = await connect(secured_nats, COMMUNE_USER)
    try:
        js = nc.jetstream(timeout=2)
        got = await take(js, COMMUNE_USER, "DossierReceived", "motcua.events.26041.DossierReceived.v1", expect=1)
        assert [e["event_id"] for e in got] == [str(ours.event_id)]

        # Another commune's events, internal events, a catch-all filter: refused by the server.
        assert await refused(js.add_consumer("MOTCUA_EVENTS", ConsumerConfig(
            name="xa_26041_DossierReceived2", filter_subject="motcua.events.15667.DossierReceived.v1")))
        assert await refused(js.add_consumer("MOTCUA_EVENTS", ConsumerConfig(
            name="xa_26041_FollowUpRaised", durable_name="xa_26041_FollowUpRaised",
            filter_subject="motcua.events.26041.FollowUpRaised.v1")))
        assert await refused(js.add_consumer("MOTCUA_EVENTS", ConsumerConfig(
            name="xa_26041_DossierReceived", durable_name="xa_26041_DossierReceived",
            filter_subject="motcua.events.26041.>")))
        assert await refused(js.add_consumer("MOTCUA_EVENTS", ConsumerConfig(
            durable_name="xa_26041_all", filter_subjects=["motcua.events.26041.DossierReceived.v1",
                                                          "motcua.events.26041.FollowUpRaised.v1"])))
        # The services' own consumer: not even one message.
        stolen = await js.pull_subscribe_bind("notify-dossier-received", stream="MOTCUA_EVENTS")
        assert await refused(stolen.fetch(1, timeout=2))
        denied = " ".join(errors).lower()
        assert "violation for publish to \"$js.api.consumer.msg.next.motcua_events.notify-dossier-received" in denied
        assert denied.count("violation for publish to \"$js.api.consumer.create") >= 3, errors

        # Live (core NATS): its commune's public subject only.
        live = await nc.subscribe("motcua.events.26041.DossierReceived.v1")
        await nc.flush()
        errors.clear()
        await nc.subscribe("motcua.events.15667.DossierReceived.v1")
        await nc.subscribe("motcua.events.26041.FollowUpRaised.v1")
        await nc.flush()
        await asyncio.sleep(0.5)
        assert sum("violation for subscription" in e.lower() for e in errors) == 2, errors
        fresh = dossier_received("26041", 3)
        await publish_events(url, [fresh])
        message = await live.next_msg(timeout=5)
        assert str(fresh.event_id).encode() in message.data
    finally:
        await nc.close()
        await services.close()


async def test_a_public_reader_takes_one_public_event_of_every_commune(secured_nats):
    url = secured_nats["services_url"]
    await publish_events(url, [dossier_received("29884", 7)])
    nc, errors = await connect(secured_nats, PORTAL)
    try:
        js = nc.jetstream(timeout=2)
        got = await take(js, PORTAL, "DossierReceived", "motcua.events.*.DossierReceived.v1", expect=4)
        assert {e["commune_code"] for e in got} >= {"26041", "15667", "29884"}
        assert {e["event_type"] for e in got} == {"DossierReceived"}
        assert await refused(js.add_consumer("MOTCUA_EVENTS", ConsumerConfig(
            name="portal_FollowUpRaised", durable_name="portal_FollowUpRaised",
            filter_subject="motcua.events.*.FollowUpRaised.v1")))
        assert await refused(js.add_consumer("MOTCUA_EVENTS", ConsumerConfig(
            name="portal_DossierReceived", durable_name="portal_DossierReceived", filter_subject="motcua.events.>")))
        # Publishing onto the bus: refused.
        errors.clear()
        await nc.publish("motcua.events.26041.DossierReceived.v1", b"{}")
        await nc.flush()
        await asyncio.sleep(0.5)
        assert any("violation for publish to \"motcua.events" in e.lower() for e in errors), errors
    finally:
        await nc.close()


async def test_the_example_subscriber_runs_under_a_communes_restricted_user(secured_nats):
    import json
    import sys

    url = secured_nats["services_url"]
    internal = new_envelope(FollowUpRaised(follow_up_id=uuid.uuid4(), ballot_id=uuid.uuid4(), reason="complaint",
                                           raised_at=datetime.now(UTC)),
                            source="survey", commune_code="15667", correlation_id="c")
    mine = [dossier_received("15667", 21), dossier_received("15667", 22)]
    await publish_events(url, [mine[0], internal, dossier_received("26041", 23), mine[1]])
    user = OTHER_COMMUNE
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "examples" / "nats_subscriber.py"), "--name", user.name, "--commune", "15667",
        "--server", f"nats://{user.name}:{user.password}@{LOOPBACK}:{secured_nats['port']}", "--idle-exit", "4",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd="/")
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    got = [json.loads(line) for line in out.decode().splitlines()]
    assert {e["commune_code"] for e in got} == {"15667"} and {e["event_type"] for e in got} == {"DossierReceived"}
    assert [e["event_id"] for e in got][-2:] == [str(m.event_id) for m in mine]
