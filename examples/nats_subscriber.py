#!/usr/bin/env python3
"""Receive the public events of the commune one-stop shops over NATS JetStream.

A standalone example for another system, written only from the published catalogue
(docs/events/, or the hooks service's /su-kien): it needs nats-py and jsonschema, the
catalogue's AsyncAPI document and the events' JSON Schemas — none of the project's code.

    pip install nats-py jsonschema
    # one commune's public events
    python nats_subscriber.py --server nats://xa_26041:<password>@nats.example:4222 --name xa_26041 --commune 26041
    # DossierReceived of every commune
    python nats_subscriber.py --server nats://portal:<password>@nats.example:4222 --name portal --event DossierReceived

Each public event type gets a durable pull consumer named ``<name>_<EventType>`` on the stream
MOTCUA_EVENTS (the names the deployment's NATS users allow). Messages are acknowledged after
they were handled, so a stopped subscriber resumes where it stopped. One line of JSON is printed
per event; replace ``handle`` with what your system does. Within one round the messages of all
consumers are handled in stream order, so a dossier's events arrive in the order they happened.
"""

import argparse
import asyncio
import json
import os
import signal
import sys
import urllib.request
from pathlib import Path

import jsonschema
import nats
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

STREAM = "MOTCUA_EVENTS"
HERE = Path(__file__).resolve().parent


def load_json(location: str) -> dict:
    if location.startswith(("http://", "https://")):
        with urllib.request.urlopen(location, timeout=10) as response:
            return json.load(response)
    return json.loads(Path(location).read_text(encoding="utf-8"))


def public_events(asyncapi: dict) -> list[tuple[str, int]]:
    """(event type, major version) of every channel of the catalogue's AsyncAPI document."""
    events = []
    for key in asyncapi["channels"]:
        name, _, version = key.rpartition(".v")
        events.append((name, int(version)))
    return sorted(events)


def handle(event: dict) -> None:
    """What your system does with an event. Here: one line on stdout."""
    data = event["data"]
    print(json.dumps({"event_id": event["event_id"], "event_type": event["event_type"],
                      "commune_code": event["commune_code"], "occurred_at": event["occurred_at"],
                      "dossier_code": data.get("dossier_code")}, ensure_ascii=False), flush=True)


async def run(args: argparse.Namespace) -> int:
    asyncapi = load_json(args.asyncapi)
    offered = public_events(asyncapi)
    if args.event:
        wanted = [(name, version) for name, version in offered if name == args.event]
        if not wanted:
            print(f"{args.event} is not a public event of the catalogue", file=sys.stderr)
            return 2
    else:
        wanted = offered
    validators = {}
    for name, version in wanted:
        schema_file = f"{name}.v{version}.schema.json"
        location = f"{args.schemas.rstrip('/')}/{schema_file}"
        validators[(name, version)] = jsonschema.Draft202012Validator(load_json(location))

    nc = await nats.connect(args.server, name=f"subscriber-{args.name}", inbox_prefix=f"_INBOX_{args.name}",
                            max_reconnect_attempts=-1)
    js = nc.jetstream(timeout=5)
    if args.start_time:
        start = dict(deliver_policy=DeliverPolicy.BY_START_TIME, opt_start_time=args.start_time)
    else:
        start = dict(deliver_policy=DeliverPolicy.ALL)
    subscriptions = []
    for name, version in wanted:
        consumer = f"{args.name}_{name}"
        commune = args.commune or "*"
        await js.add_consumer(STREAM, ConsumerConfig(
            name=consumer, durable_name=consumer, filter_subject=f"motcua.events.{commune}.{name}.v{version}",
            ack_policy=AckPolicy.EXPLICIT, ack_wait=60, max_ack_pending=1000, **start))
        subscriptions.append(await js.pull_subscribe_bind(consumer, stream=STREAM))

    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    handled = 0
    idle = 0.0
    try:
        while not stop.is_set():
            rounds = await asyncio.gather(*(fetch(sub, args.batch) for sub in subscriptions))
            messages = sorted((m for batch in rounds for m in batch), key=lambda m: m.metadata.sequence.stream)
            if not messages:
                idle += 1.0
                if args.idle_exit and idle >= args.idle_exit:
                    break
                continue
            idle = 0.0
            for msg in messages:
                event = json.loads(msg.data)
                key = (event.get("event_type"), event.get("schema_version"))
                errors = sorted(validators[key].iter_errors(event), key=str) if key in validators else ["unknown"]
                if errors:
                    print(f"skipped {msg.subject}: does not match its schema: {errors[0]}", file=sys.stderr)
                    await msg.term()
                    continue
                handle(event)
                await msg.ack_sync()
                handled += 1
                if args.max and handled >= args.max:
                    return 0
    finally:
        await nc.drain()
    return 0


async def fetch(subscription, batch: int) -> list:
    try:
        return await subscription.fetch(batch, timeout=1.0)
    except (NatsTimeout, asyncio.TimeoutError):
        return []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default=os.environ.get("NATS_URL"), required="NATS_URL" not in os.environ,
                        help="NATS URL, with the user and password (default: $NATS_URL)")
    parser.add_argument("--name", required=True, help="your NATS user: consumers are <name>_<EventType>")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--commune", help="every public event of this commune")
    which.add_argument("--event", help="this public event of every commune, e.g. DossierReceived")
    parser.add_argument("--asyncapi", default=str(HERE.parent / "docs" / "events" / "asyncapi.json"),
                        help="the catalogue's AsyncAPI document (file or URL, e.g. "
                             "http://hooks.example/v1/catalogue/asyncapi.json)")
    parser.add_argument("--schemas", default=str(HERE.parent / "contracts" / "schemas"),
                        help="directory or URL prefix of the JSON Schemas (e.g. http://hooks.example/v1/catalogue/schemas)")
    parser.add_argument("--start-time", help="first run only: start at this time (RFC 3339) instead of the beginning")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--max", type=int, default=0, help="stop after this many events (0: run until stopped)")
    parser.add_argument("--idle-exit", type=float, default=0, help="stop after this many idle seconds (0: never)")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
