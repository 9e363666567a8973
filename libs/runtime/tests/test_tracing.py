"""Trace context without servers: a caller's trace id survives extract → span → inject (what the
HTTP middleware, the outbox and the consumer do), log lines carry it, and spans are written only
when an exporter is configured. Each case runs in a fresh interpreter: the tracer provider is
process-wide and set once."""

import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent('''
    import io, json, sys
    import structlog
    from motcua_runtime.logging import configure_logging
    from motcua_runtime.observability import (
        configure_tracing, extract_trace_context, inject_trace_context, tracer)

    configure_tracing("test", trace_file=sys.argv[1])
    configure_logging(json=True)
    buffer = io.StringIO()
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(buffer))
    incoming = {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
    with tracer().start_as_current_span("consume", context=extract_trace_context(incoming)):
        structlog.get_logger().info("event.handled")
        outgoing = inject_trace_context({})
    with tracer().start_as_current_span("fresh request"):
        fresh = inject_trace_context({})
    print(json.dumps({"outgoing": outgoing, "fresh": fresh, "log": json.loads(buffer.getvalue())}))
''')


def run(trace_file: str) -> dict:
    done = subprocess.run([sys.executable, "-c", SCRIPT, trace_file], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_trace_id_travels_and_reaches_the_logs_without_an_exporter(tmp_path):
    out = run("")
    trace_id = "0af7651916cd43dd8448eb211c80319c"
    assert out["outgoing"]["traceparent"].split("-")[1] == trace_id
    assert out["outgoing"]["traceparent"].split("-")[2] != "b7ad6b7169203331"  # a span of its own
    assert out["log"]["trace_id"] == trace_id
    assert out["fresh"]["traceparent"].split("-")[1] not in (trace_id, "0" * 32)
    assert not list(tmp_path.iterdir())


def test_spans_are_written_when_a_trace_file_is_configured(tmp_path):
    spans_file = tmp_path / "spans.jsonl"
    run(str(spans_file))
    spans = [json.loads(line) for line in spans_file.read_text().splitlines()]
    consume = next(s for s in spans if s["name"] == "consume")
    assert consume["trace_id"] == "0af7651916cd43dd8448eb211c80319c"
    assert consume["parent_span_id"] == "b7ad6b7169203331"
    assert consume["service"] == "motcua-test"
