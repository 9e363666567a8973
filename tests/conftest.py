"""Real servers for the cross-service tests, started once per test session.

- default: the embedded servers of the local run command (nats-server and mongod
  from PyPI wheels) on free loopback ports, in a temporary directory;
- NATS_URL / MONGODB_URI set: those external servers;
- MOTCUA_TESTCONTAINERS=1 where a Docker engine exists: official images via testcontainers.
"""

import asyncio
import os
import random
import uuid
from pathlib import Path

import httpx
import pytest

from motcua_devstack.stack import SERVICES, ServiceProcess, Stack

ROOT = Path(__file__).resolve().parents[1]


def _testcontainers_env(stack_exit: list) -> None:
    from testcontainers.mongodb import MongoDbContainer
    from testcontainers.nats import NatsContainer

    nats = NatsContainer("nats:2.10").with_command("-js")
    mongo = MongoDbContainer("mongo:7").with_command("--replSet rs0 --bind_ip_all --setParameter transactionLifetimeLimitSeconds=10")
    nats.start()
    mongo.start()
    stack_exit += [nats.stop, mongo.stop]
    mongo.exec('mongosh --quiet --eval "rs.initiate()"')
    os.environ["NATS_URL"] = nats.nats_uri()
    os.environ["MONGODB_URI"] = mongo.get_connection_url() + "/?directConnection=true"


@pytest.fixture(scope="session")
async def stack(tmp_path_factory):
    cleanups: list = []
    if os.environ.get("MOTCUA_TESTCONTAINERS") == "1":
        _testcontainers_env(cleanups)
    base = tmp_path_factory.mktemp("stack")
    stack = Stack(
        ROOT,
        data_dir=base / "data",
        run_dir=base / "run",
        database_prefix=f"test_{uuid.uuid4().hex[:6]}_",
        service_env={"INTAKE_RELAY_POLL_SECONDS": "0.2", "SURVEY_RELAY_POLL_SECONDS": "0.2"},
        log=lambda line: None,
    )
    await stack.start(with_services=False)
    yield stack
    await asyncio.to_thread(stack.stop)
    for cleanup in cleanups:
        cleanup()


@pytest.fixture(scope="session")
async def services(stack) -> dict[str, ServiceProcess]:
    await stack.start_services(ready_timeout=60)
    return stack.services


@pytest.fixture(scope="session")
async def http():
    async with httpx.AsyncClient(timeout=15) as client:
        yield client


@pytest.fixture
def commune() -> str:
    """A fresh commune code per test: tests share servers and services, never data."""
    return f"T{random.randint(10_000_000, 99_999_999)}"


def extra_service(stack: Stack, name: str) -> ServiceProcess:
    """Another process of a service, on the same servers and database (a replica)."""
    spec = next(s for s in SERVICES if s.name == name)
    return ServiceProcess(spec, stack.log_dir, stack.nats_url, stack.mongodb_uri,
                          database_prefix=stack.database_prefix, cwd=stack.root,
                          log_name=f"{name}-replica")
