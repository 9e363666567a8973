"""docker-compose cannot run here (no Docker engine), so its consistency is checked offline."""

import importlib
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("identity", "intake", "notify", "survey", "reporting", "hooks")


def test_compose_runs_every_service_from_its_own_dockerfile_against_jetstream_and_a_replica_set():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    for name in SERVICES:
        build = services[name]["build"]
        assert (ROOT / build["context"] / build["dockerfile"]).is_file()
        assert build["dockerfile"] == f"services/{name}/Dockerfile"
        assert services[name]["depends_on"]["provision"]["condition"] == "service_completed_successfully"
    assert "--replSet" in services["mongo"]["command"]
    nats_conf = (ROOT / "deploy/nats/nats-server.conf").read_text()
    assert re.search(r"sync_interval:\s*always", nats_conf)


def test_each_dockerfile_starts_an_app_factory_that_exists():
    for name in SERVICES:
        dockerfile = (ROOT / f"services/{name}/Dockerfile").read_text()
        factory = re.search(r'"(motcua_\w+\.entrypoints\.app):create_app"', dockerfile).group(1)
        assert factory == f"motcua_{name}.entrypoints.app"
        assert callable(importlib.import_module(factory).create_app)
        assert "USER " in dockerfile and "/health/ready" in dockerfile
