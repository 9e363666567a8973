"""What operations see of one dossier (issue 8, "Observe"): one trace id from the counter's HTTP
request through the outbox and the bus to notify's and reporting's handlers (read from the
services' own logs, which carry the trace id), spans exported when configured, and the
Prometheus metrics of every service moving with the traffic."""

import json
import re
import secrets

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import extra_service
from tests.helpers import as_json, eventually

pytestmark = pytest.mark.e2e

APPLICANT = {"full_name": "Lê Thị Hoa", "phone": "0912345678"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def traceparent() -> tuple[str, str]:
    trace_id = secrets.token_hex(16)
    return trace_id, f"00-{trace_id}-{secrets.token_hex(8)}-01"


def log_lines_with(service, *needles: str) -> list[str]:
    text = ANSI.sub("", service.log_path.read_text(encoding="utf-8", errors="replace"))
    return [line for line in text.splitlines() if all(needle in line for needle in needles)]


async def metric_samples(client: httpx.AsyncClient, base_url: str) -> dict[tuple[str, frozenset], float]:
    response = await client.get(f"{base_url}/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def total(samples: dict, name: str, **labels: str) -> float:
    wanted = set(labels.items())
    return sum(value for (sample, sample_labels), value in samples.items()
               if sample == name and wanted <= sample_labels)


async def test_one_trace_id_follows_a_dossier_from_the_counter_to_notify_and_reporting(services, http, commune):
    trace_id, parent = traceparent()
    intake = services["intake"].base_url
    dossier = as_json(await http.post(f"{intake}/v1/communes/{commune}/dossiers",
                                      json={"procedure_code": "CT-CHUKY", "applicant": APPLICANT},
                                      headers={"traceparent": parent}))
    code = dossier["dossier_code"]

    # The handlers of both consumers log under the trace the counter's request started.
    for name in ("notify", "reporting"):
        lines = await eventually(lambda name=name: _async(log_lines_with(
            services[name], "event.handled", f"dossier_code={code}")), timeout=30)
        assert all(f"trace_id={trace_id}" in line for line in lines), (name, lines)
    # ... and so does intake's own line for the request.
    assert any(f"trace_id={trace_id}" in line for line in log_lines_with(services["intake"], commune))

    # A request without a caller's trace gets a fresh trace id, not the previous one.
    other = as_json(await http.post(f"{intake}/v1/communes/{commune}/dossiers",
                                    json={"procedure_code": "CT-CHUKY", "applicant": APPLICANT}))
    lines = await eventually(lambda: _async(log_lines_with(
        services["notify"], "event.handled", f"dossier_code={other['dossier_code']}")), timeout=30)
    ids = {m.group(1) for line in lines for m in [re.search(r"trace_id=([0-9a-f]{32})", line)] if m}
    assert ids and trace_id not in ids


async def _async(value):
    return value


async def test_spans_are_exported_when_a_trace_file_is_configured(stack, services, http, commune, tmp_path):
    """Exporters are off by default; ``MOTCUA_TRACE_FILE`` (like ``OTEL_EXPORTER_OTLP_ENDPOINT``)
    turns one on. A second intake process (its relay waits for the first one's lease) records
    the request's server span under the caller's trace id, named by the route template."""
    trace_file = tmp_path / "spans.jsonl"
    replica = extra_service(stack, "intake")
    replica.start({**stack.service_env, "MOTCUA_TRACE_FILE": str(trace_file), "INTAKE_LOG_JSON": "true"})
    try:
        await _wait_ready(replica)
        trace_id, parent = traceparent()
        as_json(await http.post(f"{replica.base_url}/v1/communes/{commune}/dossiers",
                                json={"procedure_code": "CT-CHUKY", "applicant": APPLICANT},
                                headers={"traceparent": parent}))

        async def server_span():
            if not trace_file.exists():
                return None
            spans = [json.loads(line) for line in trace_file.read_text().splitlines() if line.strip()]
            return [s for s in spans if s["trace_id"] == trace_id and s["kind"] == "SERVER"]

        spans = await eventually(server_span, timeout=20)
        assert spans[0]["name"] == "POST /v1/communes/{commune_code}/dossiers"
        assert spans[0]["service"] == "motcua-intake"
        assert spans[0]["attributes"]["http.response.status_code"] == 201
        # The JSON log lines of that request carry the same trace id.
        logged = [json.loads(line) for line in replica.log_path.read_text().splitlines()
                  if line.startswith("{") and trace_id in line]
        assert logged and all(entry["trace_id"] == trace_id for entry in logged)
    finally:
        replica.stop()


async def _wait_ready(process, timeout: float = 60) -> None:
    import asyncio

    await asyncio.to_thread(process.wait_ready, timeout)


async def test_metrics_of_every_service_move_with_a_dossier(services, http, anonymous, commune):
    intake, notify = services["intake"].base_url, services["notify"].base_url
    before = {name: await metric_samples(anonymous, services[name].base_url)
              for name in ("intake", "notify", "reporting")}
    route = "/v1/communes/{commune_code}/dossiers"
    as_json(await http.post(f"{intake}/v1/communes/{commune}/dossiers",
                            json={"procedure_code": "CT-CHUKY", "applicant": APPLICANT}))

    async def moved():
        now = {name: await metric_samples(anonymous, services[name].base_url)
               for name in ("intake", "notify", "reporting")}
        handled = {name: total(now[name], "motcua_events_consumed_total", event_type="DossierReceived",
                               outcome="handled")
                   - total(before[name], "motcua_events_consumed_total", event_type="DossierReceived",
                           outcome="handled") for name in ("notify", "reporting")}
        published = (total(now["intake"], "motcua_events_published_total", event_type="DossierReceived")
                     - total(before["intake"], "motcua_events_published_total", event_type="DossierReceived"))
        return now if min(handled.values()) >= 1 and published >= 1 else None

    now = await eventually(moved, timeout=30)
    # HTTP latency by route template (never the raw path with the commune's code in it).
    requests = (total(now["intake"], "motcua_http_request_seconds_count", method="POST", route=route, status="201")
                - total(before["intake"], "motcua_http_request_seconds_count", method="POST", route=route,
                        status="201"))
    assert requests >= 1
    assert not any(commune in dict(labels).get("route", "") for _, labels in now["intake"])
    assert total(now["notify"], "motcua_handler_seconds_count", event_type="DossierReceived") >= 1

    async def lag_reported():
        samples = await metric_samples(anonymous, notify)
        return [dict(labels) for sample, labels in samples if sample == "motcua_consumer_pending"]

    lag = await eventually(lag_reported, timeout=30, interval=0.5)
    assert all(entry["service"] == "notify" for entry in lag)
    assert any(entry["consumer"].startswith("notify") for entry in lag)

    async def backlog_reported():
        samples = await metric_samples(anonymous, intake)
        return [v for (sample, _), v in samples.items() if sample == "motcua_outbox_backlog"]

    assert (await eventually(backlog_reported, timeout=30, interval=0.5))[0] >= 0


async def test_metrics_need_no_user_token_and_hold_no_personal_data(services, http, anonymous, commune):
    intake = services["intake"].base_url
    as_json(await http.post(f"{intake}/v1/communes/{commune}/dossiers",
                            json={"procedure_code": "CT-CHUKY", "applicant": APPLICANT}))
    text = (await anonymous.get(f"{intake}/metrics")).text
    assert "motcua_http_request_seconds" in text
    assert APPLICANT["phone"] not in text and commune not in text
