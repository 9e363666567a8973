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


# ---------------------------------------------------------------------------- Kubernetes (deploy/k8s)
# Validated offline against the Kubernetes OpenAPI schemas bundled in the kubernetes-validate package
# (strict: an unknown field is an error), plus what the operations issue asks of the deployment.

K8S = ROOT / "deploy/k8s"
K8S_VERSION = "1.30.0"


def _k8s_documents(*names: str) -> list[dict]:
    files = [K8S / n for n in names] if names else sorted(K8S.glob("*.yaml"))
    return [doc for path in files if path.name != "kustomization.yaml"
            for doc in yaml.safe_load_all(path.read_text()) if doc]


def _by_kind(kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in _k8s_documents() if d["kind"] == kind}


def test_every_kubernetes_manifest_is_valid_against_the_kubernetes_schemas():
    import kubernetes_validate

    documents = _k8s_documents()
    assert len(documents) >= 30
    for document in documents:
        try:
            kubernetes_validate.validate(document, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            raise AssertionError(f"{document['kind']}/{document['metadata']['name']}: {error.message} "
                                 f"at {list(error.path)}") from None
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert all((K8S / resource).is_file() for resource in kustomization["resources"])
    assert "secrets.example.yaml" not in kustomization["resources"]


def test_generated_service_manifests_are_up_to_date():
    import importlib.util

    spec = importlib.util.spec_from_file_location("k8s_generate", K8S / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    assert (K8S / "services.yaml").read_text() == generate.render(), "run deploy/k8s/generate.py"


def test_every_service_scales_on_its_own_with_probes_on_its_health_endpoints():
    from motcua_devstack.stack import SERVICES as SPECS

    deployments, autoscalers = _by_kind("Deployment"), _by_kind("HorizontalPodAutoscaler")
    for name in (spec.name for spec in SPECS):
        deployment = deployments[f"motcua-{name}"]
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
        assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
        assert {"cpu", "memory"} <= container["resources"]["requests"].keys()
        assert deployment["spec"]["template"]["metadata"]["annotations"]["prometheus.io/path"] == "/metrics"
        hpa = autoscalers[f"motcua-{name}"]
        assert hpa["spec"]["scaleTargetRef"]["name"] == f"motcua-{name}"
        assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"] >= 2
        env = {e["name"]: e for e in container["env"]}
        assert "secretKeyRef" in env["MONGODB_URI"]["valueFrom"]  # credentials never in a ConfigMap


def test_jetstream_is_a_3_node_cluster_fsyncing_every_write_with_r3_streams_and_mongodb_a_3_member_replica_set():
    nats = _by_kind("StatefulSet")["motcua-nats"]
    assert nats["spec"]["replicas"] == 3
    conf = _by_kind("ConfigMap")["motcua-nats-config"]["data"]["nats-server.conf"]
    assert re.search(r"sync_interval:\s*always", conf)
    assert len(re.findall(r"nats://motcua-nats-\d\.motcua-nats\.motcua\.svc:6222", conf)) == 3
    assert _by_kind("ConfigMap")["motcua-config"]["data"]["MOTCUA_STREAM_REPLICAS"] == "3"
    assert _by_kind("Job")["motcua-provision"]["spec"]["template"]["spec"]["containers"][0]["command"] == [
        "motcua-provision"]
    mongo = _by_kind("StatefulSet")["motcua-mongo"]
    assert mongo["spec"]["replicas"] == 3
    assert "--replSet=rs0" in mongo["spec"]["template"]["spec"]["containers"][0]["args"]
    init = " ".join(_by_kind("Job")["motcua-mongo-init"]["spec"]["template"]["spec"]["containers"][0]["command"])
    assert all(f"motcua-mongo-{n}.motcua-mongo" in init for n in range(3))
    secret = next(yaml.safe_load_all((K8S / "secrets.example.yaml").read_text()))
    assert "w=majority" in secret["stringData"]["mongodb-uri"] and "replicaSet=rs0" in secret["stringData"]["mongodb-uri"]
