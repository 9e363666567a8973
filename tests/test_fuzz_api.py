"""Every HTTP API fuzzed from its own OpenAPI document (schemathesis + Hypothesis): whatever
the input — valid by the schema, or deliberately not — the answer is never a 5xx and the
service never drops the connection.

One test per service (``-k intake``), run against the real services of the test stack with a
token whose roles and commune let the requests reach the handlers (an officer, leader, survey
member, overseer and administrator of one fuzz commune; the ``service`` account for internal
routes). Path parameters that name deployment-wide state are pinned so fuzzing cannot disturb
other tests: the calendar of year 2091 only, the fuzz commune, the fuzz account; survey's
citizen routes get a real ballot token and feedback code of the fuzz commune. Requests come from
an address of their own (X-Forwarded-For), so public throttles (feedback per address and hour)
count the fuzzer apart from the other tests. Bounded:
``MOTCUA_FUZZ_EXAMPLES`` (default 6) positive and half as many negative cases per operation,
no deadline, no example database.

Reproducible by default: the cases come from a fixed seed (``MOTCUA_FUZZ_SEED``, default below),
so CI runs the same cases every time and a red run is a regression, not a lucky draw. Exploring
for new failures is a separate act: ``MOTCUA_FUZZ_SEED=random MOTCUA_FUZZ_EXAMPLES=40 pytest
tests/test_fuzz_api.py`` — every failure it finds becomes a fix and a named test.
"""

import asyncio
import os
import random
import re

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from motcua_runtime.auth import Role
from tests.helpers import as_json
from tests.test_survey_ballots import open_ballot

pytestmark = pytest.mark.e2e

SERVICES = ("identity", "intake", "notify", "survey", "reporting", "hooks")
EXAMPLES = int(os.environ.get("MOTCUA_FUZZ_EXAMPLES", "6"))
#: Operations that are not an API (documents about the API).
SKIP = {("GET", "/openapi.json")}
FUZZ_YEAR = "2091"
SEED = os.environ.get("MOTCUA_FUZZ_SEED", "20261122")


@pytest.fixture(scope="module")
async def fuzz_world(stack, services, accounts):
    """The fuzz commune with a real dossier, ballot and feedback item, one account holding every
    person's role there, and the service account's token."""
    commune = f"F{random.randint(10_000_000, 99_999_999)}"
    roles = (Role.COUNTER_OFFICER, Role.COMMUNE_LEADER, Role.SURVEY_TEAM_MEMBER, Role.DISTRICT_OVERSEER,
             Role.ADMINISTRATOR)
    token = await accounts.token(roles, commune)
    values = {"commune_code": commune, "year": FUZZ_YEAR, "day": f"{FUZZ_YEAR}-03-14", "code": "FUZZ-TTHC"}
    #: Path values that mean something else in one service ({code}: a feedback code in survey).
    by_service: dict[str, dict[str, str]] = {}
    address = f"10.250.{random.randint(0, 255)}.{random.randint(1, 254)}"
    async with httpx.AsyncClient(timeout=15, headers={"Authorization": f"Bearer {token}"}) as http:
        if "intake" in services:
            intake = services["intake"].base_url
            dossier = as_json(await http.post(f"{intake}/v1/communes/{commune}/dossiers", json={
                "procedure_code": "CT-BANSAO", "applicant": {"full_name": "Đỗ Thị Fuzz", "phone": "0912000111"}}))
            values.update(dossier_code=dossier["dossier_code"], dossier_id=dossier["dossier_id"])
            session = as_json(await http.post(f"{intake}/v1/communes/{commune}/sessions", json={
                "title": "Phiên fuzz", "rules": [{"kind": "weekly", "weekday": 6}], "start_time": "07:30",
                "end_time": "11:00", "capacity": 50}))
            values["session_id"] = session["session_id"]
        if "identity" in services:
            me = as_json(await http.get(f"{services['identity'].base_url}/v1/me"))
            values["username"] = me["subject"]
        if "survey" in services:
            survey = services["survey"].base_url
            ballot = await open_ballot(stack, http, survey, commune)
            values.update(token=ballot["token"], ballot_id=ballot["ballot_id"])
            feedback = as_json(await http.post(f"{survey}/v1/public/feedback", headers={"X-Forwarded-For": address},
                                               json={"commune_code": commune, "content": "Phản ánh thử của fuzz."}))
            by_service["survey"] = {"code": feedback["code"]}
    service_token = None
    if "NOTIFY_SERVICE_CLIENT_SECRET" in stack.auth_env:
        async with httpx.AsyncClient(timeout=15) as client:
            service_token = as_json(await client.post(f"{services['identity'].base_url}/v1/token", data={
                "grant_type": "client_credentials", "client_id": "notify",
                "client_secret": stack.auth_env["NOTIFY_SERVICE_CLIENT_SECRET"]}))["access_token"]
    return {"token": token, "service_token": service_token, "values": values, "by_service": by_service,
            "address": address}


def fuzz(base_url: str, document: dict, world: dict) -> tuple[int, list[str]]:
    """Run every operation; returns (cases sent, failures)."""
    schema = schemathesis.openapi.from_dict(document)
    session = requests.Session()
    failures: list[str] = []
    sent = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIP:
            continue
        names = re.findall(r"\{(\w+)\}", operation.path)
        pinned = {n: world["values"][n] for n in names if n in world["values"]}
        token = world["service_token"] if operation.path.startswith("/v1/internal/") else world["token"]
        headers = {"X-Forwarded-For": world["address"]} | ({"Authorization": f"Bearer {token}"} if token else {})

        for mode, examples in ((GenerationMode.POSITIVE, EXAMPLES), (GenerationMode.NEGATIVE, max(1, EXAMPLES // 2))):
            try:
                strategy = operation.as_strategy(generation_mode=mode, path_parameters=pinned or None)
            except Exception as error:  # nothing to generate in this mode (no parameters to break)
                if mode is GenerationMode.NEGATIVE:
                    continue
                raise AssertionError(f"{operation.label}: cannot build cases: {error!r}") from error

            @settings(max_examples=examples, deadline=None, database=None, derandomize=False,
                      phases=[Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=strategy)
            def run(case):
                nonlocal sent
                sent += 1
                try:
                    response = case.call(base_url=base_url, session=session, headers=headers, timeout=20)
                except requests.RequestException as error:
                    failures.append(f"{operation.label}: no answer ({type(error).__name__}) "
                                    f"{case.as_curl_command()[:400]}")
                    return
                if response.status_code >= 500:
                    failures.append(f"{operation.label}: {response.status_code} {response.text[:300]} "
                                    f"<- {case.as_curl_command()[:400]}")

            if SEED != "random":
                run = seed(int(SEED))(run)
            try:
                run()
            except Unsatisfiable:
                if mode is not GenerationMode.NEGATIVE:
                    failures.append(f"{operation.label}: no valid case can be generated")
                # negative: nothing in this operation can be made invalid (no parameters)
            except Exception as error:  # generation itself failed (an unsupported schema)
                failures.append(f"{operation.label} ({mode.value}): generation failed {error!r}"[:500])
    session.close()
    return sent, failures


@pytest.mark.parametrize("service", SERVICES)
async def test_fuzzing_the_api_never_gets_a_5xx(service, services, fuzz_world):
    if service not in services:
        pytest.skip(f"{service} not started (MOTCUA_TEST_SERVICES)")
    base = services[service].base_url
    async with httpx.AsyncClient(timeout=15) as http:
        document = as_json(await http.get(f"{base}/openapi.json"))
    world = fuzz_world | {"values": fuzz_world["values"] | fuzz_world["by_service"].get(service, {})}
    sent, failures = await asyncio.to_thread(fuzz, base, document, world)
    assert sent > 0
    assert not failures, f"{len(failures)} failure(s) of {sent} cases:\n" + "\n".join(failures[:40])
    # Still alive after all of it.
    async with httpx.AsyncClient(timeout=15) as http:
        assert (await http.get(f"{base}/health/ready")).status_code == 200
