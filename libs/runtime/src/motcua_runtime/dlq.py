"""Inspect and replay the dead-letter stream (``MOTCUA_DLQ``): ``motcua-dlq``.

    motcua-dlq list   [--service notify] [--consumer notify-dossier-received] [--limit 50]
    motcua-dlq show   <sequence>
    motcua-dlq replay <sequence>... | --all [--service S] [--consumer C]   [--keep]

Every dead letter carries the original message (body, headers) and why it was given up
(``Motcua-Dlq-Reason``), which service and durable consumer gave up, the original subject,
stream sequence and number of deliveries (see motcua_runtime.consumer).

``replay`` publishes the original body again to its original subject in ``MOTCUA_EVENTS``,
with a new ``Nats-Msg-Id`` (``replay:<dlq sequence>:<event id>``) so JetStream's duplicate
window does not drop it. Every consumer of that subject receives it again; the ones that had
already processed the event find their processed mark (keyed by the envelope's event id) and
do nothing, so only the consumer that gave up applies it — once, however often it is replayed.
Fix the cause first (deploy the fix, restore the dependency), then replay. The dead letter is
deleted from ``MOTCUA_DLQ`` after its replay was stored, unless ``--keep``.

The server is ``--nats-url`` or ``$NATS_URL``. Bodies hold masked values and references only
(no ID numbers, phones or addresses: the contracts forbid them).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from dataclasses import dataclass
from datetime import datetime

import nats
from nats.js.errors import NotFoundError

from motcua_contracts.streams import DEAD_LETTERS, EVENTS

#: Headers of the original message that travel back with a replay.
_KEPT = ("Motcua-Event-Type", "Motcua-Schema-Version", "Motcua-Commune", "Motcua-Correlation-Id",
         "Motcua-Causation-Id", "Motcua-Dossier-Code", "traceparent", "tracestate")


@dataclass
class DeadLetter:
    sequence: int
    subject: str
    time: datetime | None
    headers: dict[str, str]
    body: bytes

    @property
    def service(self) -> str:
        return self.headers.get("Motcua-Dlq-Service", "")

    @property
    def consumer(self) -> str:
        return self.headers.get("Motcua-Dlq-Consumer", "")

    @property
    def reason(self) -> str:
        return self.headers.get("Motcua-Dlq-Reason", "")

    @property
    def original_subject(self) -> str:
        return self.headers.get("Motcua-Dlq-Original-Subject", "")

    @property
    def event_id(self) -> str:
        try:
            return str(json.loads(self.body).get("event_id") or "")
        except (ValueError, AttributeError):
            return ""

    def summary(self) -> dict:
        return {"sequence": self.sequence, "time": self.time.isoformat() if self.time else None,
                "service": self.service, "consumer": self.consumer, "event_type": self.headers.get("Motcua-Event-Type"),
                "commune": self.headers.get("Motcua-Commune"), "dossier_code": self.headers.get("Motcua-Dossier-Code"),
                "event_id": self.event_id, "original_subject": self.original_subject,
                "deliveries": self.headers.get("Motcua-Dlq-Deliveries"), "reason": self.reason}


async def _get(js, sequence: int) -> DeadLetter | None:
    try:
        raw = await js.get_msg(DEAD_LETTERS.name, seq=sequence)
    except NotFoundError:
        return None
    return DeadLetter(raw.seq, raw.subject, getattr(raw, "time", None), dict(raw.headers or {}), raw.data or b"")


async def dead_letters(js, *, service: str | None = None, consumer: str | None = None,
                       limit: int | None = None) -> list[DeadLetter]:
    """Dead letters in stream order, optionally of one service / durable consumer."""
    state = (await js.stream_info(DEAD_LETTERS.name)).state
    found: list[DeadLetter] = []
    if not state.messages:
        return found
    for sequence in range(state.first_seq, state.last_seq + 1):
        letter = await _get(js, sequence)
        if letter is None:  # deleted (replayed)
            continue
        if service and letter.service != service:
            continue
        if consumer and letter.consumer != consumer:
            continue
        found.append(letter)
        if limit and len(found) >= limit:
            break
    return found


async def replay(js, letter: DeadLetter, *, keep: bool = False) -> str:
    """Publish the dead letter's original message again; returns the new Nats-Msg-Id."""
    if not letter.original_subject:
        raise ValueError(f"dead letter {letter.sequence} has no original subject")
    message_id = f"replay:{letter.sequence}:{letter.event_id or 'unknown'}"
    headers = {k: v for k, v in letter.headers.items() if k in _KEPT}
    headers["Nats-Msg-Id"] = message_id
    headers["Motcua-Replayed-From"] = f"{DEAD_LETTERS.name}:{letter.sequence}"
    await js.publish(letter.original_subject, letter.body, headers=headers, stream=EVENTS.name, timeout=10)
    if not keep:
        await js.delete_msg(DEAD_LETTERS.name, letter.sequence)
    return message_id


async def _run(args: argparse.Namespace) -> int:
    nc = await nats.connect(args.nats_url, connect_timeout=5, max_reconnect_attempts=2)
    try:
        js = nc.jetstream()
        if args.command == "list":
            letters = await dead_letters(js, service=args.service, consumer=args.consumer, limit=args.limit)
            for letter in letters:
                print(json.dumps(letter.summary(), ensure_ascii=False))
            print(f"{len(letters)} dead letter(s)", file=sys.stderr)
        elif args.command == "show":
            letter = await _get(js, args.sequence)
            if letter is None:
                print(f"no dead letter {args.sequence}", file=sys.stderr)
                return 1
            try:
                body = json.loads(letter.body)
            except ValueError:
                body = letter.body.decode("utf-8", errors="replace")
            print(json.dumps({**letter.summary(), "headers": letter.headers, "body": body}, ensure_ascii=False,
                             indent=2))
        else:
            if args.all:
                letters = await dead_letters(js, service=args.service, consumer=args.consumer)
            else:
                letters = [letter for s in args.sequences if (letter := await _get(js, s)) is not None]
                if len(letters) != len(args.sequences):
                    print("some sequences are not in the dead-letter stream", file=sys.stderr)
                    return 1
            for letter in letters:
                print(f"{letter.sequence} -> {letter.original_subject} as {await replay(js, letter, keep=args.keep)}")
            print(f"{len(letters)} replayed", file=sys.stderr)
    finally:
        await nc.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="motcua-dlq", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nats-url", default=os.environ.get("NATS_URL"), help="default: $NATS_URL")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="one JSON line per dead letter")
    show = commands.add_parser("show", help="one dead letter with its headers and body")
    show.add_argument("sequence", type=int)
    again = commands.add_parser("replay", help="publish dead letters again to their original subject")
    again.add_argument("sequences", type=int, nargs="*")
    again.add_argument("--all", action="store_true", help="every dead letter (of --service / --consumer)")
    again.add_argument("--keep", action="store_true", help="keep the dead letter after its replay")
    for command in (listing, again):
        command.add_argument("--service")
        command.add_argument("--consumer")
    listing.add_argument("--limit", type=int, default=100)
    args = parser.parse_args(argv)
    if not args.nats_url:
        parser.error("give --nats-url or set NATS_URL")
    if args.command == "replay" and not (args.all or args.sequences):
        parser.error("replay: give sequences or --all")
    return asyncio.run(_run(args))


if __name__ == "__main__":
    sys.exit(main())
