"""Create or update the JetStream streams declared in motcua_contracts.streams.

Run once per deployment (the local run command, a Kubernetes Job, CI), never by a
service at start-up: auto-declaration by whichever service starts last would
silently rewrite a stream's configuration.
"""

import argparse
import asyncio
import os
import sys

import nats
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from motcua_contracts.streams import ALL_STREAMS, StreamSpec


def stream_config(spec: StreamSpec, replicas: int) -> StreamConfig:
    return StreamConfig(
        name=spec.name,
        description=spec.description,
        subjects=list(spec.subjects),
        retention=RetentionPolicy.LIMITS,
        max_age=spec.max_age_seconds,
        max_bytes=spec.max_bytes,
        storage=StorageType.FILE if spec.storage == "file" else StorageType.MEMORY,
        num_replicas=replicas,
        duplicate_window=spec.duplicate_window_seconds,
        discard=DiscardPolicy.OLD,
        allow_direct=True,
    )


async def provision_streams(nats_url: str, replicas: int = 1, log=print) -> list[str]:
    """Create missing streams, update changed ones. Returns what was done, one line each."""
    nc = await nats.connect(nats_url, connect_timeout=5, max_reconnect_attempts=3)
    done = []
    try:
        js = nc.jetstream()
        for spec in ALL_STREAMS:
            wanted = stream_config(spec, replicas)
            try:
                info = await js.stream_info(spec.name)
            except NotFoundError:
                await js.add_stream(wanted)
                done.append(f"created stream {spec.name} {spec.subjects}")
            else:
                current = info.config
                if (
                    sorted(current.subjects or []) != sorted(wanted.subjects)
                    or current.max_age != wanted.max_age
                    or current.duplicate_window != wanted.duplicate_window
                    or current.num_replicas != wanted.num_replicas
                    or current.max_bytes != wanted.max_bytes
                ):
                    await js.update_stream(wanted)
                    done.append(f"updated stream {spec.name}")
                else:
                    done.append(f"stream {spec.name} up to date")
            log(done[-1])
    finally:
        await nc.close()
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nats-url", default=os.environ.get("NATS_URL"), help="defaults to $NATS_URL")
    parser.add_argument("--replicas", type=int, default=int(os.environ.get("MOTCUA_STREAM_REPLICAS", "1")))
    args = parser.parse_args(argv)
    if not args.nats_url:
        print("motcua-provision: give --nats-url or set NATS_URL", file=sys.stderr)
        return 2
    asyncio.run(provision_streams(args.nats_url, args.replicas))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
