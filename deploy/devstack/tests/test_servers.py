"""Real-server tests: nats-server and mongod from the PyPI wheels, on free loopback ports."""

import asyncio
import json
import socket

import nats
import pytest
from pymongo import AsyncMongoClient, MongoClient

from motcua_devstack.servers import (
    ManagedProcess,
    free_port,
    port_is_free,
    start_mongod,
    start_nats,
)


def test_free_port_is_bindable_on_loopback():
    port = free_port()
    assert port not in (4222, 27017)
    assert port_is_free(port)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()
        assert not port_is_free(port)


def test_managed_process_stop_and_kill9(tmp_path):
    proc = ManagedProcess(["sleep", "30"], tmp_path / "sleep.log")
    assert proc.alive and proc.pid > 0
    assert proc.stop(timeout=5) == -15
    assert not proc.alive
    proc = ManagedProcess(["sleep", "30"], tmp_path / "sleep.log")
    assert proc.kill9() == -9
    assert "starting: sleep 30" in (tmp_path / "sleep.log").read_text()


@pytest.mark.asyncio
async def test_nats_jetstream_message_survives_kill9_and_restart(tmp_path):
    server = start_nats(tmp_path / "nats", sync_always=True)
    try:
        assert server.url == f"nats://127.0.0.1:{server.port}"
        assert "sync_interval: always" in server.config_path.read_text()
        nc = await nats.connect(server.url)
        js = nc.jetstream()
        await js.add_stream(name="DEVSTACK_TEST", subjects=["devstack.test.>"])
        ack = await js.publish("devstack.test.a", b"xin chao", headers={"Nats-Msg-Id": "m-1"})
        assert ack.seq == 1
        await nc.close()

        port, pid = server.port, server.process.pid
        server.kill9()
        assert not server.alive
        server.restart()
        assert server.port == port and server.process.pid != pid

        nc = await nats.connect(server.url)
        js = nc.jetstream()
        info = await js.stream_info("DEVSTACK_TEST")
        assert info.state.messages == 1
        msg = await js.get_msg("DEVSTACK_TEST", 1)
        assert msg.data == b"xin chao"
        await nc.close()
    finally:
        server.stop()
    assert not server.alive
    assert json.loads((tmp_path / "nats" / "ports.json").read_text())["port"] == server.port


@pytest.mark.asyncio
async def test_provision_streams_against_real_nats(tmp_path):
    from motcua_contracts.streams import ALL_STREAMS
    from motcua_runtime.provision import provision_streams

    server = start_nats(tmp_path / "nats")
    try:
        lines = await provision_streams(server.url, replicas=1, log=lambda _: None)
        assert [line.split()[0] for line in lines] == ["created"] * len(ALL_STREAMS)
        again = await provision_streams(server.url, replicas=1, log=lambda _: None)
        assert all(line.endswith("up to date") for line in again)
    finally:
        server.stop()


def test_nats_reuses_its_previous_port(tmp_path):
    first = start_nats(tmp_path / "nats")
    port = first.port
    first.stop()
    second = start_nats(tmp_path / "nats")
    try:
        assert second.port == port
    finally:
        second.stop()


def test_mongod_replica_set_transaction_and_data_survive_a_new_port(tmp_path):
    server = start_mongod(tmp_path / "mongo")
    try:
        assert server.rs_action == "initiated"
        assert server.uri == f"mongodb://127.0.0.1:{server.port}/?replicaSet=rs0"
        with MongoClient(server.uri, serverSelectionTimeoutMS=5000) as client:
            db = client["devstack_test"]
            with client.start_session() as session:
                with session.start_transaction():
                    db.dossiers.insert_one({"_id": "26041-0001", "status": "received"}, session=session)
                    db.outbox.insert_one({"_id": "evt-1", "type": "dossier.received"}, session=session)
            # an aborted transaction leaves nothing behind
            with client.start_session() as session:
                session.start_transaction()
                db.dossiers.insert_one({"_id": "26041-0002"}, session=session)
                session.abort_transaction()
            assert db.dossiers.count_documents({}) == 1 and db.outbox.count_documents({}) == 1
        old_port = server.port
    finally:
        server.stop()

    new_port = free_port()
    assert new_port != old_port
    server = start_mongod(tmp_path / "mongo", port=new_port)
    try:
        assert server.rs_action == "reconfigured"

        async def read_back():
            client = AsyncMongoClient(server.uri, serverSelectionTimeoutMS=5000)
            try:
                hello = await client.admin.command("hello")
                docs = await client["devstack_test"].dossiers.find().to_list()
                return hello, docs
            finally:
                await client.close()

        hello, docs = asyncio.run(read_back())
        assert hello["setName"] == "rs0" and hello["isWritablePrimary"]
        assert hello["hosts"] == [f"127.0.0.1:{new_port}"]
        assert docs == [{"_id": "26041-0001", "status": "received"}]
    finally:
        server.stop()


def test_mongod_kill9_and_restart_keeps_data(tmp_path):
    server = start_mongod(tmp_path / "mongo")
    try:
        with MongoClient(server.uri, serverSelectionTimeoutMS=5000) as client:
            # w=majority on a one-node set is journaled before the ack
            client.t.c.insert_one({"_id": 1})
        server.kill9()
        server.restart()
        assert server.rs_action == "existing"
        with MongoClient(server.uri, serverSelectionTimeoutMS=5000) as client:
            assert client.t.c.find_one({"_id": 1}) == {"_id": 1}
    finally:
        server.stop()
