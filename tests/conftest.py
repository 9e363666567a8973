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

from motcua_devstack.demo import DEMO_PASSWORD
from motcua_runtime.auth import Role
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
        # MOTCUA_TEST_SERVICES=identity,intake runs only those (a service being rewritten stays out).
        services=tuple(s for s in SERVICES if s.name in os.environ["MOTCUA_TEST_SERVICES"].split(","))
        if os.environ.get("MOTCUA_TEST_SERVICES") else SERVICES,
    )
    await stack.start(with_services=False)
    yield stack
    await asyncio.to_thread(stack.stop)
    for cleanup in cleanups:
        cleanup()


@pytest.fixture(scope="session")
async def services(stack) -> dict[str, ServiceProcess]:
    # Generous: identity hashes its demo users with argon2 at start-up, slow on a busy machine.
    await stack.start_services(ready_timeout=180)
    return stack.services


@pytest.fixture(scope="session")
async def anonymous():
    """A client without any token: a citizen, or an attacker."""
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
                          log_name=f"{name}-replica", base_env=stack.auth_env)


# --------------------------------------------------------------------------- who calls
# Tokens come from the real identity service: the demo administrator creates the accounts a
# test needs (once per role and commune), and each signs in with POST /v1/token.


async def sign_in(http: httpx.AsyncClient, identity: str, username: str, password: str = DEMO_PASSWORD) -> str:
    response = await http.post(f"{identity}/v1/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


class Accounts:
    """Accounts made on demand in the identity service: ``await accounts.token(roles, communes)``."""

    PASSWORD = "mat-khau-kiem-thu"

    def __init__(self, http: httpx.AsyncClient, identity: str) -> None:
        self.http, self.identity = http, identity
        self._tokens: dict[tuple, str] = {}
        self._admin: str | None = None

    async def admin_headers(self) -> dict[str, str]:
        if self._admin is None:
            self._admin = await sign_in(self.http, self.identity, "quantri")
        return {"Authorization": f"Bearer {self._admin}"}

    async def token(self, roles: tuple[str, ...] | str, communes: tuple[str, ...] | str = ()) -> str:
        roles = (roles,) if isinstance(roles, str) else tuple(roles)
        communes = (communes,) if isinstance(communes, str) else tuple(communes)
        key = (roles, communes)
        if key not in self._tokens:
            username = f"t{uuid.uuid4().hex[:12]}"
            created = await self.http.post(f"{self.identity}/v1/users", headers=await self.admin_headers(), json={
                "username": username, "display_name": f"Kiểm thử {'+'.join(roles)}", "password": self.PASSWORD,
                "roles": list(roles), "communes": list(communes)})
            assert created.status_code == 201, created.text
            self._tokens[key] = await sign_in(self.http, self.identity, username, self.PASSWORD)
        return self._tokens[key]

    async def headers(self, roles, communes=()) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.token(roles, communes)}"}

    async def client(self, roles, communes=()) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=15, headers=await self.headers(roles, communes))


@pytest.fixture(scope="session")
async def identity(services) -> str:
    return services["identity"].base_url


@pytest.fixture(scope="session")
async def accounts(services, anonymous) -> Accounts:
    return Accounts(anonymous, services["identity"].base_url)


@pytest.fixture
async def officer_token(accounts, commune) -> str:
    """A counter officer of the test's commune (signed in through the identity service)."""
    return await accounts.token(Role.COUNTER_OFFICER, commune)


@pytest.fixture
async def http(officer_token):
    """The counter officer of the test's commune: what most tests do, they do as that officer."""
    async with httpx.AsyncClient(timeout=15, headers={"Authorization": f"Bearer {officer_token}"}) as client:
        yield client


@pytest.fixture
async def leader(accounts, commune):
    """The commune leader of the test's commune."""
    async with await accounts.client(Role.COMMUNE_LEADER, commune) as client:
        yield client


@pytest.fixture
async def overseer(accounts):
    """A district overseer: reads every commune, writes none."""
    async with await accounts.client(Role.DISTRICT_OVERSEER, "*") as client:
        yield client


@pytest.fixture
async def admin(accounts):
    """An administrator (catalogue, calendar, accounts)."""
    async with await accounts.client(Role.ADMINISTRATOR, "*") as client:
        yield client
