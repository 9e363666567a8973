"""``python -m motcua_devstack up`` / ``motcua-up``: run the whole system locally.

Starts NATS (JetStream) and MongoDB (replica set) from PyPI wheels unless ``NATS_URL`` /
``MONGODB_URI`` point elsewhere, provisions the streams, runs the services (identity, the four of the one-stop shop, hooks), loads the
demo district and waits. Ctrl-C or SIGTERM stops the services, then NATS, then MongoDB.
Data stays in ``<root>/.data`` for the next run; logs are in ``<root>/.run/logs``.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

from motcua_devstack.servers import ServerStartError
from motcua_devstack.stack import Stack, find_project_root


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m motcua_devstack", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start everything and wait for Ctrl-C")
    _add_up_options(up)
    return parser


def _add_up_options(up: argparse.ArgumentParser) -> None:
    up.add_argument("--root", type=Path, help="project root (default: found upwards from the cwd)")
    up.add_argument("--no-demo", action="store_true", help="do not load the demo district")
    up.add_argument("--servers-only", action="store_true",
                    help="start NATS and MongoDB and provision streams, but no services")  # fmt: skip
    up.add_argument("--database-prefix", default="motcua_",
                    help="service databases are <prefix><service> (default motcua_)")  # fmt: skip
    up.add_argument("--ready-timeout", type=float, default=60.0,
                    help="seconds to wait for each service's /health/ready")  # fmt: skip


async def _up(args: argparse.Namespace) -> int:
    root = args.root.resolve() if args.root else find_project_root()
    stack = Stack(root, database_prefix=args.database_prefix)

    # Ctrl-C / SIGTERM cancel whatever we are doing (starting, loading, waiting); the
    # finally clause then stops everything in order. The servers run in their own
    # sessions, so the terminal's SIGINT reaches only us.
    loop = asyncio.get_running_loop()
    main_task = asyncio.current_task()
    assert main_task is not None
    stopping = []

    def on_signal(signame: str) -> None:
        if not stopping:
            print(f"\n{signame}: stopping ...", flush=True)
            stopping.append(signame)
            main_task.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal, sig.name)

    try:
        print(f"project root {root}")
        await stack.start(with_services=not args.servers_only, ready_timeout=args.ready_timeout)
        if stack.services and not args.no_demo:
            await _load_demo(stack)
        print()
        print(stack.describe())
        if "identity" in stack.services:
            from motcua_devstack.demo import demo_accounts_text

            print(demo_accounts_text(stack.services["identity"].base_url))
        if not stack.services:
            print(f"export NATS_URL={stack.nats_url} MONGODB_URI='{stack.mongodb_uri}'")
        print(f"data in {stack.data_dir}, logs in {stack.log_dir}")
        print("Ctrl-C stops everything.", flush=True)
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        if not stopping:
            raise
    except ServerStartError as exc:
        print(f"\nstart failed: {exc}", file=sys.stderr)
        return 1
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        # Shield the ordered shutdown from a second Ctrl-C: it takes a few seconds at most.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        await asyncio.to_thread(stack.stop)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        print("stopped.", flush=True)
    return 0


async def _load_demo(stack: Stack) -> None:
    """A demo that does not fit the APIs is reported, but the stack keeps running."""
    import httpx

    from motcua_devstack.demo import DemoError, load_demo

    try:
        await load_demo(stack.urls())
    except (DemoError, httpx.HTTPError, KeyError, TypeError, ValueError) as exc:
        print(f"demo data not loaded: {type(exc).__name__}: {exc}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "up":
        try:
            return asyncio.run(_up(args))
        except FileNotFoundError as exc:
            print(exc, file=sys.stderr)
            return 2
    return 2


def up_main() -> int:
    """Console script ``motcua-up`` (same as ``python -m motcua_devstack up``)."""
    return main(["up", *sys.argv[1:]])


if __name__ == "__main__":
    raise SystemExit(main())
