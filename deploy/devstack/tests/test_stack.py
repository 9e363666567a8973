"""Stack + ServiceProcess + demo loader end to end, with stand-in services (fake_service.py)
run by uvicorn against real NATS and MongoDB."""

import random
import re
from pathlib import Path

import pytest
from pymongo import MongoClient

from motcua_devstack.demo import DEMO_COMMUNES, load_demo, make_applicant
from motcua_devstack.stack import SERVICES, ServiceSpec, Stack, find_project_root

TESTS_DIR = Path(__file__).parent
FAKE_SPECS = tuple(ServiceSpec(s.name, factory=f"fake_service:create_{s.name}") for s in SERVICES)


def test_real_service_specs():
    assert [(s.name, s.factory, s.env_prefix) for s in SERVICES] == [
        ("identity", "motcua_identity.entrypoints.app:create_app", "IDENTITY_"),
        ("intake", "motcua_intake.entrypoints.app:create_app", "INTAKE_"),
        ("notify", "motcua_notify.entrypoints.app:create_app", "NOTIFY_"),
        ("survey", "motcua_survey.entrypoints.app:create_app", "SURVEY_"),
        ("reporting", "motcua_reporting.entrypoints.app:create_app", "REPORTING_"),
        ("hooks", "motcua_hooks.entrypoints.app:create_app", "HOOKS_"),
    ]


def test_find_project_root(tmp_path):
    (tmp_path / "services").mkdir()
    (tmp_path / "contracts").mkdir()
    deep = tmp_path / "deploy" / "devstack"
    deep.mkdir(parents=True)
    assert find_project_root(deep) == tmp_path.resolve()


def test_demo_applicants_are_well_formed():
    rng = random.Random(1)
    for commune in DEMO_COMMUNES:
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,32}", commune.code)
        for _ in range(50):
            a = make_applicant(rng, commune)
            assert re.fullmatch(r"\d{12}", a["id_number"]) and a["id_number"].startswith(commune.id_province)
            assert re.fullmatch(r"0[39]\d{8}", a["phone"])
            assert len(a["full_name"].split()) == 3 and commune.address_tail in a["address"]


def _stack(root: Path) -> Stack:
    return Stack(
        root,
        services=FAKE_SPECS,
        use_env_servers=False,
        database_prefix="devstack_test_",
        service_env={"FAKE_SHARED_DB": "devstack_fake", "PYTHONPATH": str(TESTS_DIR)},
        log=lambda _: None,
    )


@pytest.mark.asyncio
async def test_stack_runs_services_loads_demo_once_and_keeps_data(tmp_path):
    stack = _stack(tmp_path)
    await stack.start()
    try:
        assert set(stack.urls()) == {"identity", "intake", "notify", "survey", "reporting", "hooks"}
        identity = stack.services["identity"].base_url
        assert stack.services["survey"].environment()["MOTCUA_AUTH_JWKS_URL"] == f"{identity}/.well-known/jwks.json"
        assert [line.split()[0] for line in stack.provisioned] == ["created", "created"]
        table = stack.describe()
        for svc in stack.services.values():
            assert f"{svc.base_url}/docs" in table and f"{svc.base_url}/health/ready" in table
        assert stack.services["survey"].environment()["SURVEY_DATABASE"] == "devstack_test_survey"

        lines = []
        results = await load_demo(stack.urls(), ballot_wait=8, log=lines.append)
        for r in results:
            assert not r.skipped and 15 <= r.dossiers <= 25
            assert r.returned == round(r.dossiers * 2 / 3)
            assert r.ballots >= 1 and r.ballots_not_open == 0
        assert any("district figures" in line for line in lines)

        # a crashed service comes back on the same port
        intake = stack.services["intake"]
        url = intake.base_url
        intake.kill9()
        intake.restart()
        assert intake.base_url == url

        again = await load_demo(stack.urls(), log=lambda _: None)
        assert all(r.skipped for r in again)
    finally:
        stack.stop()
    assert not any(svc.alive for svc in stack.services.values())
    assert not stack.nats.alive and not stack.mongo.alive

    # a second "up" on the same root keeps the data and does not add to it
    stack = _stack(tmp_path)
    await stack.start()
    try:
        assert all(line.endswith("up to date") for line in stack.provisioned)
        again = await load_demo(stack.urls(), log=lambda _: None)
        assert [r.existing for r in again] == [r.dossiers for r in results]
        with MongoClient(stack.mongodb_uri) as client:
            total = client.devstack_fake.dossiers.count_documents({})
        assert total == sum(r.dossiers for r in results)
    finally:
        stack.stop()
