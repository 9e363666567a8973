"""The whole system on one machine: NATS + MongoDB + stream provisioning + the four services."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from motcua_devstack.servers import (
    LOOPBACK,
    ManagedProcess,
    MongoHandle,
    NatsHandle,
    ServerStartError,
    _pick_port,
    _write_ports,
    free_port,
    log_tail,
)

__all__ = ["ServiceSpec", "SERVICES", "ServiceProcess", "Stack", "find_project_root"]


@dataclass(frozen=True)
class ServiceSpec:
    """A service: ``name`` gives the ASGI factory ``motcua_<name>.entrypoints.app:create_app``
    (run by ``uvicorn --factory``) and the settings prefix ``<NAME>_``; both can be overridden."""

    name: str
    factory: str = ""
    env_prefix: str = ""

    def __post_init__(self) -> None:
        if not self.factory:
            object.__setattr__(self, "factory", f"motcua_{self.name}.entrypoints.app:create_app")
        if not self.env_prefix:
            object.__setattr__(self, "env_prefix", f"{self.name.upper()}_")


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("identity"),
    ServiceSpec("intake"),
    ServiceSpec("notify"),
    ServiceSpec("survey"),
    ServiceSpec("reporting"),
    ServiceSpec("hooks"),
)


class ServiceProcess:
    """One service run by uvicorn in a child process, logging to ``<log_dir>/<name>.log``."""

    def __init__(
        self,
        spec: ServiceSpec,
        log_dir: Path,
        nats_url: str,
        mongodb_uri: str,
        port: int | None = None,
        database_prefix: str = "motcua_",
        cwd: Path | None = None,
        log_name: str | None = None,
        base_env: Mapping[str, str] | None = None,
    ) -> None:
        """``log_name`` (default ``<name>.log``): give a second process of a service its own log.
        ``base_env``: settings of the whole stack (where tokens are verified), under ``env`` of ``start``."""
        self.spec = spec
        self.log_name = log_name or f"{spec.name}.log"
        self.log_dir = Path(log_dir)
        self.nats_url = nats_url
        self.mongodb_uri = mongodb_uri
        self.port = port or 0
        self.database_prefix = database_prefix
        self.cwd = cwd
        self.process: ManagedProcess | None = None
        self._extra_env: dict[str, str] = {}
        self.base_env = dict(base_env or {})

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def database(self) -> str:
        return f"{self.database_prefix}{self.spec.name}"

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.log_dir / self.log_name

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.alive

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "uvicorn",
            "--factory", self.spec.factory,
            "--host", LOOPBACK,
            "--port", str(self.port),
            "--timeout-graceful-shutdown", "5",
        ]  # fmt: skip

    def environment(self, env: Mapping[str, str] | None = None) -> dict[str, str]:
        """The child's environment: ours, then the server addresses and the service's
        database, then ``env`` (which wins)."""
        prefix = self.spec.env_prefix
        out = dict(os.environ)
        out.update(
            {
                "NATS_URL": self.nats_url,
                "MONGODB_URI": self.mongodb_uri,
                f"{prefix}DATABASE": self.database,
                f"{prefix}LOG_JSON": "false",
                "PYTHONUNBUFFERED": "1",
            }
        )
        out.update(self.base_env)
        out.update(env or {})
        return out

    def start(self, env: Mapping[str, str] | None = None) -> "ServiceProcess":
        """Launch (does not wait: call ``wait_ready``). ``env`` is kept for ``restart``."""
        if self.alive:
            raise RuntimeError(f"{self.name} is already running (pid {self.process.pid})")
        if env is not None:
            self._extra_env = dict(env)
        if not self.port:
            self.port = free_port()
        self.process = ManagedProcess(
            self.command(), self.log_path, env=self.environment(self._extra_env), cwd=self.cwd
        )
        return self

    def stop(self, timeout: float = 10) -> None:
        if self.process is not None:
            self.process.stop(timeout)

    def kill9(self) -> None:
        if self.process is not None:
            self.process.kill9()

    def restart(self, wait: bool = True, timeout: float = 30) -> "ServiceProcess":
        """Stop if running, start again on the same port with the same environment."""
        self.stop()
        self.start()
        if wait:
            self.wait_ready(timeout)
        return self

    def log_tail(self, lines: int = 40) -> str:
        return log_tail(self.log_path, lines)

    def wait_ready(self, timeout: float = 30) -> None:
        """Poll ``GET /health/ready`` until it answers 200."""
        deadline = time.monotonic() + timeout
        url = f"{self.base_url}/health/ready"
        last = "no answer yet"
        with httpx.Client(timeout=2) as client:
            while True:
                if self.process is None or not self.process.alive:
                    code = None if self.process is None else self.process.returncode
                    raise ServerStartError(
                        f"service {self.name} exited with code {code} while starting "
                        f"(log {self.log_path}):\n{self.log_tail()}"
                    )
                try:
                    resp = client.get(url)
                    if resp.status_code == 200:
                        return
                    last = f"HTTP {resp.status_code}: {resp.text[:300]}"
                except httpx.HTTPError as exc:
                    last = f"{type(exc).__name__}: {exc}"
                if time.monotonic() > deadline:
                    raise ServerStartError(
                        f"service {self.name} not ready at {url} within {timeout:.0f} s "
                        f"(last: {last}; log {self.log_path}):\n{self.log_tail()}"
                    )
                time.sleep(0.2)

    def __repr__(self) -> str:
        return f"<ServiceProcess {self.name} {self.base_url} alive={self.alive}>"


def find_project_root(start: Path | None = None) -> Path:
    """The nearest directory (from ``start``, default the cwd, upwards) holding both
    ``services/`` and ``contracts/``."""
    here = Path(start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "services").is_dir() and (candidate / "contracts").is_dir():
            return candidate
    raise FileNotFoundError(
        f"no project root (a directory with services/ and contracts/) at or above {here}; "
        "give --root"
    )


class Stack:
    """Servers (started here unless ``NATS_URL`` / ``MONGODB_URI`` are set), streams, services.

    Data lives in ``<root>/.data/{nats,mongo}``, logs and service ports in ``<root>/.run``.
    """

    def __init__(
        self,
        root: Path,
        *,
        database_prefix: str = "motcua_",
        service_env: Mapping[str, str] | None = None,
        use_env_servers: bool = True,
        nats_sync_always: bool = False,
        data_dir: Path | None = None,
        run_dir: Path | None = None,
        services: tuple[ServiceSpec, ...] = SERVICES,
        log: Callable[[str], None] = print,
    ) -> None:
        self.root = Path(root).resolve()
        self.data_dir = Path(data_dir) if data_dir else self.root / ".data"
        self.run_dir = Path(run_dir) if run_dir else self.root / ".run"
        self.log_dir = self.run_dir / "logs"
        self.database_prefix = database_prefix
        self.service_env = dict(service_env or {})
        # Intake's master key for personal data (never a default in the service): a local run
        # uses one generated once under the data dir, so it opens the same data next time.
        self.local_master_key: Path | None = None
        if not any(k in os.environ or k in self.service_env for k in ("INTAKE_DATA_KEY_MASTER",
                                                                       "INTAKE_DATA_KEY_MASTER_FILE")):
            self.local_master_key = self.data_dir / "intake-master-key"
            self.service_env["INTAKE_DATA_KEY_MASTER_FILE"] = str(self.local_master_key)
        # Notify: where its sinks write on a local run, and the secret providers sign delivery reports with.
        self.service_env.setdefault("NOTIFY_SINK_DIR", str(self.run_dir / "notify-sink"))
        # Hooks seals subscribers' secrets with a key generated once under the data dir.
        if "HOOKS_SECRETS_KEY" not in os.environ:
            self.service_env.setdefault("HOOKS_SECRETS_KEY_FILE", str(self.data_dir / "hooks" / "secrets.key"))
        if "NOTIFY_CALLBACK_SECRET" not in os.environ:
            self.service_env.setdefault("NOTIFY_CALLBACK_SECRET", base64.b64encode(os.urandom(24)).decode("ascii"))
        self.use_env_servers = use_env_servers
        self.nats_sync_always = nats_sync_always
        self.specs = services
        self.log = log
        self.nats: NatsHandle | None = None  # set only if this stack started it
        self.mongo: MongoHandle | None = None  # set only if this stack started it
        self.nats_url: str = ""
        self.mongodb_uri: str = ""
        self.provisioned: list[str] = []
        self.services: dict[str, ServiceProcess] = {}
        #: Where every service verifies tokens and sends browsers to sign in (set with the ports).
        self.auth_env: dict[str, str] = {}

    # --------------------------------------------------------------------- start
    async def start(self, with_services: bool = True, ready_timeout: float = 30) -> "Stack":
        """Start what is missing and wait until everything is ready. On failure or
        cancellation whatever was started is stopped again before the error propagates."""
        try:
            await self._start_servers()
            self.provisioned = await _provision(self.nats_url, log=lambda line: self.log(f"  {line}"))
            if with_services:
                await self.start_services(ready_timeout=ready_timeout)
        except BaseException:
            self.stop()
            raise
        return self

    async def _start_servers(self) -> None:
        env_nats = os.environ.get("NATS_URL") if self.use_env_servers else None
        env_mongo = os.environ.get("MONGODB_URI") if self.use_env_servers else None
        waits = []
        if env_nats:
            self.nats_url = env_nats
            self.log(f"NATS: using $NATS_URL {env_nats}")
        else:
            # The handle is kept before it starts, so stop() can end a half-started server.
            self.nats = NatsHandle(self.data_dir / "nats", sync_always=self.nats_sync_always)
            waits.append(asyncio.to_thread(self.nats.start))
        if env_mongo:
            self.mongodb_uri = env_mongo
            self.log(f"MongoDB: using $MONGODB_URI {env_mongo}")
        else:
            self.mongo = MongoHandle(self.data_dir / "mongo")
            waits.append(asyncio.to_thread(self.mongo.start))
        started = time.monotonic()
        await asyncio.gather(*waits)
        if self.nats:
            self.nats_url = self.nats.url
            self.log(f"NATS: started {self.nats_url} (store {self.nats.store_dir})")
        if self.mongo:
            self.mongodb_uri = self.mongo.uri
            note = {"initiated": ", replica set initiated", "reconfigured": ", replica set moved to new port"}
            self.log(
                f"MongoDB: started {self.mongodb_uri} (data {self.mongo.db_path}"
                f"{note.get(self.mongo.rs_action or '', '')})"
            )
        if waits:
            self.log(f"servers ready in {time.monotonic() - started:.1f} s")

    async def start_services(self, ready_timeout: float = 30) -> None:
        if self.local_master_key is not None:
            _create_master_key_once(self.local_master_key)
        ports_dir = self.run_dir
        taken = {p for p in (self.nats and self.nats.port, self.nats and self.nats.http_port,
                             self.mongo and self.mongo.port) if p}  # fmt: skip
        ports: dict[str, int] = {}
        for spec in self.specs:
            ports[spec.name] = _pick_port(ports_dir, spec.name, avoid=sorted(taken))
            taken.add(ports[spec.name])
        self.auth_env = self._auth_env(ports.get("identity"))
        self.auth_env.update(self._service_clients_env(ports))
        for spec in self.specs:
            port = ports[spec.name]
            svc = ServiceProcess(
                spec,
                self.log_dir,
                self.nats_url,
                self.mongodb_uri,
                port=port,
                database_prefix=self.database_prefix,
                cwd=self.root,
                base_env=self.auth_env,
            )
            self.services[spec.name] = svc
            svc.start(self.service_env)
        await asyncio.gather(
            *(asyncio.to_thread(svc.wait_ready, ready_timeout) for svc in self.services.values())
        )
        _write_ports(ports_dir, {name: svc.port for name, svc in self.services.items()})
        self.log("services ready: " + ", ".join(self.services))

    def _auth_env(self, identity_port: int | None) -> dict[str, str]:
        """The built-in identity service signs the tokens; every service verifies them against its
        key set. The signing key is generated once and kept with the data; the demo accounts
        (password ``DEMO_PASSWORD``) are created at its start when missing."""
        if identity_port is None:
            return {}
        from motcua_devstack.demo import DEMO_COMMUNES, DEMO_PASSWORD

        identity = f"http://{LOOPBACK}:{identity_port}"
        return {
            "MOTCUA_AUTH_ISSUER": identity,
            "MOTCUA_AUTH_JWKS_URL": f"{identity}/.well-known/jwks.json",
            "MOTCUA_AUTH_SIGN_IN_URL": f"{identity}/dang-nhap",
            "IDENTITY_SIGNING_KEY_FILE": str(self.data_dir / "identity" / "signing-key.pem"),
            "IDENTITY_SEED_DEMO_USERS": "true",
            "IDENTITY_DEMO_PASSWORD": DEMO_PASSWORD,
            "IDENTITY_DEMO_COMMUNES": json.dumps([c.code for c in DEMO_COMMUNES]),
        }

    def _service_clients_env(self, ports: Mapping[str, int]) -> dict[str, str]:
        """Notify asks intake for a citizen's contact with a service account (client credentials
        at the identity service): its secret is generated once under the data dir."""
        if "identity" not in ports:
            return {}
        secret_file = self.data_dir / "identity" / "client-notify.secret"
        _create_master_key_once(secret_file)  # 96 random bytes, base64, owner-only: a fine secret too
        secret = secret_file.read_text().strip()
        env = {"IDENTITY_SERVICE_CLIENTS": json.dumps({"notify": secret}),
               "NOTIFY_SERVICE_CLIENT_ID": "notify", "NOTIFY_SERVICE_CLIENT_SECRET": secret,
               "NOTIFY_IDENTITY_URL": f"http://{LOOPBACK}:{ports['identity']}"}
        if "intake" in ports:
            env["NOTIFY_INTAKE_URL"] = f"http://{LOOPBACK}:{ports['intake']}"
        if "survey" in ports:
            env["NOTIFY_SURVEY_URL"] = f"http://{LOOPBACK}:{ports['survey']}"
        return env

    # ---------------------------------------------------------------------- stop
    def stop(self) -> None:
        """Services (in reverse order), then NATS, then MongoDB; only what this stack started."""
        for svc in reversed(list(self.services.values())):
            svc.stop()
        if self.nats is not None:
            self.nats.stop()
        if self.mongo is not None:
            self.mongo.stop()

    async def __aenter__(self) -> "Stack":
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await asyncio.to_thread(self.stop)

    # ------------------------------------------------------------------- details
    def urls(self) -> dict[str, str]:
        """Service name -> base URL."""
        return {name: svc.base_url for name, svc in self.services.items()}

    def describe(self) -> str:
        """A table of where everything listens."""
        rows: list[tuple[str, str]] = [
            ("NATS", self.nats_url + ("" if self.nats else "  (from $NATS_URL)")),
        ]
        if self.nats:
            rows.append(("  monitoring", self.nats.monitor_url))
        rows.append(("MongoDB", self.mongodb_uri + ("" if self.mongo else "  (from $MONGODB_URI)")))
        for name, svc in self.services.items():
            rows.append((name, svc.base_url))
            rows.append(("  OpenAPI", f"{svc.base_url}/docs"))
            rows.append(("  AsyncAPI", f"{svc.base_url}/asyncapi.json"))
            rows.append(("  ready", f"{svc.base_url}/health/ready"))
            rows.append(("  database", svc.database))
            rows.append(("  log", str(svc.log_path)))
        width = max(len(k) for k, _ in rows)
        rule = "-" * (width + 2 + max(len(v) for _, v in rows))
        return "\n".join([rule, *(f"{k.ljust(width)}  {v}" for k, v in rows), rule])

    def to_json(self) -> str:
        return json.dumps(
            {"nats_url": self.nats_url, "mongodb_uri": self.mongodb_uri, "services": self.urls()},
            indent=2,
        )


def _create_master_key_once(path: Path) -> None:
    """96 random bytes, base64, readable by the owner only; an existing key is kept."""
    from motcua_runtime.key_files import read_or_create

    read_or_create(path, lambda: base64.b64encode(os.urandom(96)) + b"\n")


async def _provision(nats_url: str, log: Callable[[str], None]) -> list[str]:
    from motcua_runtime.provision import provision_streams

    return await provision_streams(nats_url, replicas=1, log=log)
