"""Access control over every HTTP endpoint of every service, read from the services' own
OpenAPI documents: an endpoint added tomorrow is swept by these tests too.

- no token → 401 everywhere but the few public routes (health, AsyncAPI, the citizen's own
  lookup and ballot, the identity service's sign-in and key set);
- an officer of commune A → 403/404 on every route of commune B, and on deployment settings;
- a district overseer reads every commune and writes nothing;
- the counter pages send a browser that is not signed in to the sign-in page, and come back.
"""

import importlib
import os
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.async_api import expect

from pymongo import AsyncMongoClient

from motcua_runtime.auth import ACCESS_DENIALS, Role
from tests.helpers import as_json
from tests.pages_support import chromium, vietnamese_page

pytestmark = pytest.mark.e2e

#: Services whose routes are all under access control.
ENFORCED = ("identity", "intake", "notify", "survey", "reporting", "hooks")

#: Routes open without a token, by design (not read from the access tables: this is the check of them).
PUBLIC = {
    ("GET", "/health/live"), ("GET", "/health/ready"), ("GET", "/asyncapi.json"),
    ("GET", "/v1/public/dossiers/{dossier_code}/status"),  # the citizen: code + phone digits
    ("POST", "/v1/public/dossiers/{dossier_code}/opt-out"),  # the citizen: code + phone digits
    ("GET", "/.well-known/openid-configuration"), ("GET", "/.well-known/jwks.json"), ("POST", "/v1/token"),
    # hooks: the public event catalogue other systems build on
    ("GET", "/su-kien"), ("GET", "/v1/catalogue"), ("GET", "/v1/catalogue/asyncapi.json"),
    ("GET", "/v1/catalogue/schemas/{name}"),
    # survey: anyone sends feedback and follows it by its code
    ("POST", "/v1/public/feedback"), ("GET", "/v1/public/feedback/{code}"),
}
#: Open to a citizen who proves it is theirs in the request (the ballot's token); refused without the proof.
CITIZEN = {("POST", "/v1/communes/{commune_code}/ballots/{ballot_id}/submission"),
           ("GET", "/v1/public/ballots/{token}"), ("POST", "/v1/public/ballots/{token}/submission")}
#: Reads that are not reference data: accounts (administrators), figures of every commune (district).
RESTRICTED_READS = {"/v1/users", "/v1/users/{username}", "/v1/figures",
                    # webhook subscriptions and their logs: administrators and the district
                    "/v1/subscriptions", "/v1/subscriptions/{subscription_id}",
                    "/v1/subscriptions/{subscription_id}/deliveries",
                    "/v1/subscriptions/{subscription_id}/replays/{replay_id}", "/v1/alerts",
                    # the personal-data access log of every commune (district), retention runs
                    "/v1/personal-data-access", "/v1/retention/runs",
                    # every commune's refused attempts, in every service (administrators, overseers)
                    "/v1/access-denials"}
#: Internal endpoints for other services' accounts (role ``service``): no person gets through.
SERVICE_ONLY = {("GET", "/v1/internal/dossiers/{dossier_id}/contact"),
                ("GET", "/v1/internal/bookings/{booking_id}/contact"),
                ("GET", "/v1/internal/ballots/{ballot_id}/link")}
#: Commune reads for the commune leader only (and the overseer), not the counter officer.
LEADER_READS = {("GET", "/v1/communes/{commune_code}/personal-data-access"),
                ("GET", "/v1/communes/{commune_code}/access-denials")}

APPLICANT = {"full_name": "Lê Văn Tám", "id_number": "001190012345", "phone": "0912345678"}


async def operations(http: httpx.AsyncClient, base_url: str) -> list[tuple[str, str]]:
    document = as_json(await http.get(f"{base_url}/openapi.json"))
    return [(method.upper(), path) for path, item in document["paths"].items() for method in item
            if method in ("get", "post", "put", "patch", "delete")]


def enforced(services) -> tuple[str, ...]:
    """Every service; MOTCUA_TEST_SERVICES (a subset started, others being rewritten) narrows it."""
    if os.environ.get("MOTCUA_TEST_SERVICES"):
        return tuple(name for name in ENFORCED if name in services)
    return ENFORCED


def url_of(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "x"), path)


async def call(client: httpx.AsyncClient, base_url: str, method: str, path: str, values: dict[str, str]):
    kwargs = {} if method in ("GET", "DELETE") else {"json": {}}
    return await client.request(method, base_url + url_of(path, values), **kwargs)


@pytest.fixture(scope="module")
async def commune_b(services, accounts):
    """Commune B with a dossier and an out-of-hours session, made by B's own officer: the routes
    would answer 200 if the checks were missing."""
    commune = "B" + uuid_digits()
    async with await accounts.client(Role.COUNTER_OFFICER, commune) as officer_b:
        intake = services["intake"].base_url
        dossier = as_json(await officer_b.post(f"{intake}/v1/communes/{commune}/dossiers",
                                               json={"procedure_code": "CT-BANSAO", "applicant": APPLICANT}))
        session = as_json(await officer_b.post(f"{intake}/v1/communes/{commune}/sessions", json={
            "title": "Sáng chủ nhật", "rules": [{"kind": "weekly", "weekday": 6}], "start_time": "07:30",
            "end_time": "11:00"}))
    return {"commune_code": commune, "dossier_code": dossier["dossier_code"], "session_id": session["session_id"],
            "form": "01", "year": "2026", "day": "2026-02-12", "code": "CT-BANSAO", "username": "quantri",
            "ballot_id": "00000000-0000-4000-8000-000000000000"}


def uuid_digits() -> str:
    import uuid

    return str(uuid.uuid4().int)[:8]


async def test_every_route_of_every_service_has_an_access_rule(services, anonymous):
    for name in enforced(services):
        access = importlib.import_module(f"motcua_{name}.entrypoints.access").ACCESS
        missing = [(m, p) for m, p in await operations(anonymous, services[name].base_url)
                   if access.rule_for(m, p) is None]
        assert not missing, f"{name}: routes without an access rule {missing}"


async def test_without_a_token_every_endpoint_but_the_public_ones_answers_401(services, anonymous, commune_b):
    checked = 0
    for name in enforced(services):
        base = services[name].base_url
        for method, path in await operations(anonymous, base):
            response = await call(anonymous, base, method, path, commune_b)
            if (method, path) in PUBLIC:
                assert response.status_code not in (401, 403), (name, method, path, response.text)
            elif (method, path) in CITIZEN:
                assert response.status_code in (401, 404, 422), (name, method, path, response.text)
            else:
                assert response.status_code == 401, (name, method, path, response.status_code, response.text)
                error = response.json()["error"]
                assert error["code"] == "not_signed_in" and error["message"].startswith("Ông/bà cần đăng nhập")
                checked += 1
    assert checked > 30
    english = await anonymous.get(f"{services['intake'].base_url}/v1/communes/X1/dossiers",
                                  headers={"Accept-Language": "en"})
    assert english.json()["error"]["message"].startswith("Sign in")


async def test_an_invalid_token_is_401_not_a_crash(services, anonymous):
    response = await anonymous.get(f"{services['intake'].base_url}/v1/communes/X1/dossiers",
                                   headers={"Authorization": "Bearer not.a.token"})
    assert response.status_code == 401


async def test_an_officer_of_commune_a_gets_nothing_of_commune_b_on_any_endpoint(services, accounts, commune_b):
    async with await accounts.client(Role.COUNTER_OFFICER, "A" + uuid_digits()) as officer_a:
        checked = 0
        for name in enforced(services):
            base = services[name].base_url
            for method, path in await operations(officer_a, base):
                if (method, path) in PUBLIC | CITIZEN:
                    continue
                response = await call(officer_a, base, method, path, commune_b)
                if "{commune_code}" in path or method != "GET" or path in RESTRICTED_READS \
                        or (method, path) in SERVICE_ONLY:
                    # B's data, deployment settings, district-wide figures, accounts: refused.
                    assert response.status_code in (403, 404), (name, method, path, response.status_code)
                    checked += 1
                else:
                    assert response.status_code not in (401, 403), (name, method, path)  # reference data
        assert checked > 30
        # Not even to guess what exists: the same answer for B's real dossier and a made-up one.
        intake = services["intake"].base_url
        real = await officer_a.get(f"{intake}{url_of('/v1/communes/{commune_code}/dossiers/{dossier_code}', commune_b)}")
        assert real.status_code == 403 and "không có quyền" in real.json()["error"]["message"]
        page = await officer_a.get(f"{intake}/quay/{commune_b['commune_code']}/", follow_redirects=False)
        assert page.status_code == 403


async def test_the_officer_of_commune_b_gets_through_on_every_read(services, accounts, commune_b):
    async with await accounts.client(Role.COUNTER_OFFICER, commune_b["commune_code"]) as officer_b:
        for name in enforced(services):
            base = services[name].base_url
            for method, path in await operations(officer_b, base):
                if method == "GET" and "{commune_code}" in path and (method, path) not in LEADER_READS:
                    response = await call(officer_b, base, method, path, commune_b)
                    assert response.status_code not in (401, 403), (name, path, response.text)


async def test_a_district_overseer_reads_every_commune_and_writes_nothing(services, overseer, commune_b):
    for name in enforced(services):
        base = services[name].base_url
        for method, path in await operations(overseer, base):
            if (method, path) in PUBLIC | CITIZEN:
                continue
            response = await call(overseer, base, method, path, commune_b)
            if method == "GET" and not path.startswith("/v1/users") and (method, path) not in SERVICE_ONLY:
                assert response.status_code not in (401, 403), (name, method, path, response.text)
            else:
                assert response.status_code == 403, (name, method, path, response.status_code)
    dossier = as_json(await overseer.get(
        services["intake"].base_url + url_of("/v1/communes/{commune_code}/dossiers/{dossier_code}", commune_b)))
    assert dossier["dossier_code"] == commune_b["dossier_code"]
    refused = await overseer.post(
        services["intake"].base_url + url_of("/v1/communes/{commune_code}/dossiers/{dossier_code}/refusal",
                                             commune_b), json={"reason": "thử"})
    assert refused.status_code == 403 and "chỉ được xem" in refused.json()["error"]["message"]


async def test_an_administrator_keeps_the_catalogue_but_reads_no_dossier(services, admin, commune_b):
    intake = services["intake"].base_url
    assert (await admin.get(f"{intake}/v1/catalogue/procedures")).status_code == 200
    scan = await admin.post(f"{intake}/v1/deadline-scan")
    assert scan.status_code == 200, scan.text
    assert (await admin.get(intake + url_of("/v1/communes/{commune_code}/dossiers", commune_b))).status_code == 403


async def test_a_counter_page_without_sign_in_goes_to_the_sign_in_page_and_back(services, anonymous, identity):
    page = f"{services['intake'].base_url}/quay/26041/"
    response = await anonymous.get(page, follow_redirects=False)
    assert response.status_code == 303
    target = urlsplit(response.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{identity}/dang-nhap"
    assert parse_qs(target.query)["next"] == [page]
    assert (await anonymous.get(f"{services['intake'].base_url}/tra-cuu")).status_code == 200  # citizens: open


async def test_an_officer_signs_in_on_the_page_and_opens_the_counter(services, identity):
    intake = services["intake"].base_url
    async with chromium() as browser, vietnamese_page(browser, intake) as page:
        await page.goto("/quay/26041/")
        await expect(page).to_have_url(re.compile(re.escape(f"{identity}/dang-nhap")))
        await expect(page.locator("h1")).to_have_text("Đăng nhập")
        await page.fill("#username", "canbo.26041")
        await page.fill("#password", "sai-mat-khau")
        await page.click("button[type=submit]")
        await expect(page.locator(".error")).to_have_text("Tên đăng nhập hoặc mật khẩu không đúng.")
        await page.fill("#password", "motcua-demo")
        await page.click("button[type=submit]")
        await expect(page).to_have_url(f"{intake}/quay/26041/")
        await expect(page.locator("h1")).to_contain_text("Hồ sơ")
        # The same sign-in holds on another page of the service (the cookie is the host's).
        await page.goto("/quay/26041/tiep-nhan")
        await expect(page.locator("h1")).to_have_text("Tiếp nhận hồ sơ")
        # Another commune's counter stays closed to this officer.
        other = await page.goto("/quay/15667/")
        assert other.status == 403


async def test_every_refused_attempt_leaves_a_trace_in_the_service(stack, services, accounts, admin, commune_b):
    """Guessing across communes is not silent: every service keeps a trace of each refusal (and of
    a signed-in caller's 404 on another commune's ids) in its own ``access_denials``, with who,
    what and which commune."""
    mongo = AsyncMongoClient(stack.mongodb_uri, tz_aware=True, uuidRepresentation="standard")
    intruder = "A" + uuid_digits()
    try:
        async with await accounts.client(Role.COUNTER_OFFICER, intruder) as officer_a:
            subject = as_json(await officer_a.get(f"{services['identity'].base_url}/v1/me"))["subject"]
            for name in enforced(services):
                base = services[name].base_url
                refused = []
                for method, path in await operations(officer_a, base):
                    if (method, path) in PUBLIC | CITIZEN:
                        continue
                    response = await call(officer_a, base, method, path, commune_b)
                    if response.status_code in (403, 404):
                        refused.append((method, url_of(path, commune_b), response.status_code))
                assert refused, name
                denials = mongo[services[name].database][ACCESS_DENIALS]
                traced = {(d["method"], d["path"], d["status"]) async for d in denials.find({"subject": subject})}
                assert set(refused) <= traced, (name, set(refused) - traced)
                across = [d async for d in denials.find({"subject": subject, "commune_code": commune_b["commune_code"]})]
                if any("{commune_code}" in p for _, p in await operations(officer_a, base)):
                    assert across and all(d["communes"] == [intruder] for d in across), name
        # A forged token is traced too (a token was presented), an absent one is not.
        intake = services["intake"]
        url = f"{intake.base_url}/v1/communes/{commune_b['commune_code']}/dossiers"
        async with httpx.AsyncClient(timeout=15) as client:
            marker = "forged-" + uuid_digits()
            assert (await client.get(url, headers={"Authorization": "Bearer forged.token.x",
                                                   "X-Correlation-ID": marker})).status_code == 401
            assert (await client.get(url, headers={"X-Correlation-ID": marker + "-none"})).status_code == 401
        denials = mongo[intake.database][ACCESS_DENIALS]
        assert await denials.count_documents({"correlation_id": marker, "status": 401}) == 1
        assert await denials.count_documents({"correlation_id": marker + "-none"}) == 0
        assert "denials_ttl" in await denials.index_information()  # kept a year, then removed

        # B's leader reads, in each service, the attempts on B's data; not another commune's.
        b = commune_b["commune_code"]
        async with await accounts.client(Role.COMMUNE_LEADER, b) as leader_b:
            for name in enforced(services):
                base = services[name].base_url
                if not any("{commune_code}" in p for _, p in await operations(leader_b, base)):
                    continue
                seen = as_json(await leader_b.get(f"{base}/v1/communes/{b}/access-denials", params={"limit": 500}))
                mine = [d for d in seen["items"] if d["subject"] == subject]
                assert mine and all(d["commune_code"] == b and d["communes"] == [intruder] for d in mine), name
                assert (await leader_b.get(f"{base}/v1/communes/{intruder}/access-denials")).status_code == 403
                assert (await leader_b.get(f"{base}/v1/access-denials")).status_code == 403
        # Administrators read every commune's, by who tried.
        everything = as_json(await admin.get(f"{intake.base_url}/v1/access-denials", params={"subject": subject}))
        assert everything["total"] >= 1 and {d["subject"] for d in everything["items"]} == {subject}
    finally:
        await mongo.close()


async def test_a_survey_team_member_works_on_the_ballots_of_their_commune_only(services, accounts, commune_b):
    survey, intake = services["survey"].base_url, services["intake"].base_url
    async with await accounts.client(Role.SURVEY_TEAM_MEMBER, commune_b["commune_code"]) as member:
        own = await member.get(survey + url_of("/v1/communes/{commune_code}/ballots", commune_b))
        assert own.status_code == 200, own.text
        assert (await member.get(f"{survey}/v1/communes/A1/ballots")).status_code == 403
        # Ballots, not dossiers.
        dossiers = await member.get(intake + url_of("/v1/communes/{commune_code}/dossiers", commune_b))
        assert dossiers.status_code == 403
