"""The consumer's per-message shortcuts change nothing a user or an operator sees: the body is
still checked against its contract (bad ones are poison, with the reason), the trace continues
exactly as the SDK would continue it, FastStream's log context is the same. Tracing cases run
in a fresh interpreter: the tracer provider is process-wide and set once."""

import json
import subprocess
import sys
import textwrap
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from faststream.nats import NatsBroker
from pydantic import ValidationError

from motcua_contracts import DossierReceived, Envelope, new_envelope
from motcua_runtime.consumer import _poison_reason, envelope_decoder, event_subscriber


def _received_body() -> bytes:
    now = datetime.now(UTC)
    return new_envelope(
        DossierReceived(dossier_id=uuid.uuid4(), dossier_code="X01-261123-00001", procedure_code="CT-CHUKY",
                        procedure_name="Chứng thực chữ ký", field="chung_thuc", channel="counter", received_at=now,
                        appointment_at=now, processing_days=0, applicant_name_masked="T** T** B***"),
        source="test", commune_code="X01", correlation_id="c-1",
    ).model_dump_json().encode()


async def test_the_body_is_validated_once_into_the_contract_envelope():
    decode = envelope_decoder("DossierReceived", 1)
    body = _received_body()
    event = await decode(SimpleNamespace(body=body))
    assert type(event) is Envelope[DossierReceived]
    assert event == Envelope[DossierReceived].model_validate_json(body)
    # What FastStream's handler call then does with it: nothing (no second validation, same object).
    assert Envelope[DossierReceived].model_validate(event) is event


async def test_a_body_that_is_not_json_or_not_the_contract_is_poison_with_its_reason():
    decode = envelope_decoder("DossierReceived", 1)
    with pytest.raises(ValidationError) as not_json:
        await decode(SimpleNamespace(body=b"this is not json"))
    assert _poison_reason(not_json.value).startswith("body is not JSON")

    wrong = json.loads(_received_body())
    del wrong["data"]["dossier_code"]
    with pytest.raises(ValidationError) as wrong_schema:
        await decode(SimpleNamespace(body=json.dumps(wrong).encode()))
    reason = _poison_reason(wrong_schema.value)
    assert reason.startswith("schema validation failed") and "dossier_code" in reason

    with pytest.raises(ValidationError) as not_an_object:
        await decode(SimpleNamespace(body=b"[1, 2]"))
    assert _poison_reason(not_an_object.value).startswith("schema validation failed")


def test_an_event_type_the_contracts_do_not_know_keeps_faststreams_decoding():
    assert envelope_decoder("NoSuchEvent", 1) is None


def test_faststreams_log_context_is_the_same_computed_once():
    broker = NatsBroker("nats://127.0.0.1:1")
    subscriber = event_subscriber(broker, durable="d", event_type="DossierReceived", version=1, max_deliver=3,
                                  ack_wait_seconds=30, batch_size=8)
    compute = type(subscriber).get_log_context
    message = SimpleNamespace(message_id="m-1")
    assert subscriber.get_log_context(message) == compute(subscriber, message)
    assert subscriber.get_log_context(message)["subject"] == "motcua.events.*.DossierReceived.v1"
    assert subscriber.get_log_context(None) == compute(subscriber, None)


SCRIPT = textwrap.dedent('''
    import io, json, sys
    import structlog
    from opentelemetry import trace
    from motcua_runtime.logging import configure_logging
    from motcua_runtime.observability import (
        configure_tracing, consumer_span, inject_trace_context, extract_trace_context, tracer)

    configure_tracing("test", trace_file=sys.argv[1])
    configure_logging(json=True)
    buffer = io.StringIO()
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(buffer))
    attributes = lambda: {"messaging.system": "nats", "motcua.delivery": 2}
    out = {}
    cases = {
        "parent": {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
        "state": {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "tracestate": "k=v"},
        "none": {},
        "malformed": {"traceparent": "00-zz-b7ad6b7169203331-01"},
    }
    for case, headers in cases.items():
        with consumer_span("consume X", headers, attributes) as span:
            structlog.get_logger().info("event.handled", case=case)
            mine = trace.get_current_span().get_span_context()
            out[case] = {"outgoing": inject_trace_context({}), "span_id": format(mine.span_id, "016x"),
                         "recording": span.is_recording(), "remote": mine.is_remote,
                         "state": mine.trace_state.to_header() if mine.trace_state else ""}
        # What the SDK makes of the same message (the path taken when spans are recorded).
        with tracer().start_as_current_span("sdk", context=extract_trace_context(headers)):
            sdk = trace.get_current_span().get_span_context()
            out[case]["sdk"] = {"outgoing": inject_trace_context({}), "remote": sdk.is_remote,
                                "state": sdk.trace_state.to_header() if sdk.trace_state else ""}
        out[case]["after"] = trace.get_current_span().get_span_context().is_valid
    out["log"] = [json.loads(line) for line in buffer.getvalue().splitlines()]
    print(json.dumps(out))
''')


def run(trace_file: str) -> dict:
    done = subprocess.run([sys.executable, "-c", SCRIPT, trace_file], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _parts(headers: dict) -> list[str]:
    return headers["traceparent"].split("-")


def test_without_an_exporter_the_consumer_continues_the_trace_as_the_sdk_would(tmp_path):
    out = run("")
    trace_id, parent_span = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
    for case in ("parent", "state"):
        mine, sdk = out[case], out[case]["sdk"]
        version, tid, sid, flags = _parts(mine["outgoing"])
        assert (version, tid, flags) == tuple(_parts(sdk["outgoing"])[i] for i in (0, 1, 3))
        assert tid == trace_id and sid == mine["span_id"] and sid not in (parent_span, "0" * 16)
        assert sid != _parts(sdk["outgoing"])[2]  # a span id of its own for each
        assert (mine["recording"], mine["remote"], mine["state"]) == (False, sdk["remote"], sdk["state"])
        assert mine["after"] is False  # the span is no longer current once the message is handled
    assert out["state"]["state"] == "k=v" and out["state"]["outgoing"].get("tracestate") == "k=v"
    # No (usable) traceparent: a fresh trace, as the SDK starts one.
    for case in ("none", "malformed"):
        tid = _parts(out[case]["outgoing"])[1]
        assert tid not in (trace_id, "0" * 32) and tid != _parts(out[case]["sdk"]["outgoing"])[1]
    # The handler's log lines carry the trace and its own span.
    lines = {line["case"]: line for line in out["log"]}
    assert lines["parent"]["trace_id"] == trace_id and lines["parent"]["span_id"] == out["parent"]["span_id"]
    assert lines["none"]["trace_id"] == _parts(out["none"]["outgoing"])[1]
    assert not list(tmp_path.iterdir())


def test_with_an_exporter_the_consumer_span_is_recorded_with_its_attributes(tmp_path):
    spans_file = tmp_path / "spans.jsonl"
    out = run(str(spans_file))
    spans = [json.loads(line) for line in spans_file.read_text().splitlines()]
    consume = [s for s in spans if s["name"] == "consume X"]
    assert len(consume) == 4 and all(s["kind"] == "CONSUMER" for s in consume)
    first = consume[0]
    assert first["trace_id"] == "0af7651916cd43dd8448eb211c80319c"
    assert first["parent_span_id"] == "b7ad6b7169203331"
    assert first["span_id"] == out["parent"]["span_id"] and out["parent"]["recording"] is True
    assert first["attributes"] == {"messaging.system": "nats", "motcua.delivery": 2}


def test_the_consumer_and_delivery_number_are_those_nats_reads_from_the_reply_subject():
    from nats.aio.msg import Msg

    from motcua_runtime.consumer import _delivery

    for reply in ("$JS.ACK.MOTCUA_EVENTS.notify-dossier-received.3.1207.98.1763800000000000000.12",
                  "$JS.ACK._.ACCHASH.MOTCUA_EVENTS.notify-dossier-received.3.1207.98.1763800000000000000.12.rnd",
                  "$JS.ACK.hub.ACCHASH.MOTCUA_EVENTS.reporting-x.1.5.5.1763800000000000000.0"):
        raw = Msg(None, subject="s", reply=reply)
        assert _delivery(raw) == (raw.metadata.consumer, raw.metadata.num_delivered)


def test_the_handled_line_follows_a_new_logging_configuration():
    import io

    import structlog

    from motcua_runtime.consumer import _log

    first, second = io.StringIO(), io.StringIO()
    structlog.configure(processors=[structlog.processors.JSONRenderer()],
                        logger_factory=structlog.PrintLoggerFactory(first))
    _log().info("event.handled", n=1)
    _log().info("event.handled", n=2)
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(second))
    _log().info("event.handled", n=3)
    assert [json.loads(line)["n"] for line in first.getvalue().splitlines()] == [1, 2]
    assert [json.loads(line)["n"] for line in second.getvalue().splitlines()] == [3]


async def test_faststreams_message_is_named_by_the_event_not_by_a_random_uuid():
    from faststream.nats.parser import JsParser
    from nats.aio.msg import Msg

    from motcua_runtime.consumer import _parse_event_message

    headers = {"Nats-Msg-Id": "e-1", "Motcua-Correlation-Id": "c-1", "Motcua-Event-Type": "DossierReceived"}
    raw = Msg(None, subject="motcua.events.X01.DossierReceived.v1", reply="r", data=b"{}", headers=headers)
    ours = await _parse_event_message(raw)
    theirs = await JsParser(pattern="motcua.events.*.DossierReceived.v1").parse_message(raw)
    assert (ours.message_id, ours.correlation_id) == ("e-1", "c-1")
    for field in ("raw_message", "body", "headers", "reply_to", "content_type", "path"):
        assert getattr(ours, field) == getattr(theirs, field), field
    bare = await _parse_event_message(Msg(None, subject="s", reply="r", data=b"{}", headers=None))
    assert bare.message_id and bare.message_id == bare.correlation_id  # FastStream's own fallback
