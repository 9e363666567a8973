"""Writes deploy/k8s/services.yaml: one Deployment, Service, HorizontalPodAutoscaler and
PodDisruptionBudget per service, from the table below (the only place sizes are set).

    .venv/bin/python deploy/k8s/generate.py      # then commit services.yaml

tests/test_deploy_files.py fails when services.yaml differs from what this writes.

Sizing (requests/limits), measured on the 2-core development machine (see
deploy/k8s/README.md): resident memory of each service after the fault-injection load was
90-155 MB (identity and intake the largest: argon2 hashing, field-level encryption), so
memory requests are 192-256 Mi with a 512 Mi limit. CPU: a receipt costs intake about 16 ms
of CPU (README performance section), a consumed event about 0.6 ms in the consumer path plus
its MongoDB transaction; requests give each pod a quarter core (intake: half), limits one
core, and the autoscalers add pods at 70 % of the request.
"""

from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
NAMESPACE = "motcua"
PORT = 8000

#: name: (replicas, max replicas, cpu request, memory request, what it does)
SERVICES = {
    "identity": (2, 4, "250m", "256Mi", "Sign-in, accounts, token signing and key set (JWKS)"),
    "intake": (2, 10, "500m", "256Mi", "The counter: receives dossiers; outbox relay (one active, by lease)"),
    "notify": (2, 6, "250m", "192Mi", "Letters and messages from events; delivery worker"),
    "survey": (2, 6, "250m", "192Mi", "Satisfaction ballots; outbox relay (one active, by lease)"),
    "reporting": (2, 6, "250m", "192Mi", "Figures projected from events; replicas share durable consumers"),
    "hooks": (2, 4, "250m", "192Mi", "Public event catalogue and webhook deliveries to other systems"),
}

#: Per-service environment beyond the shared ConfigMap: (name, secret key or None, value).
EXTRA_ENV = {
    "identity": [
        ("IDENTITY_SIGNING_KEY_PEM", "identity-signing-key-pem", None),
        # Optional: the key being retired, accepted until its tokens expire (docs/runbook.md).
        ("IDENTITY_PREVIOUS_SIGNING_KEYS_PEM", "identity-previous-signing-keys-pem?", None),
        ("IDENTITY_SERVICE_CLIENTS", "identity-service-clients", None),
        ("IDENTITY_COOKIE_SECURE", None, "true"),
    ],
    "intake": [("INTAKE_DATA_KEY_MASTER", "intake-data-key-master", None)],
    "notify": [
        ("NOTIFY_INTAKE_URL", None, f"http://motcua-intake.{NAMESPACE}.svc:{PORT}"),
        ("NOTIFY_SURVEY_URL", None, f"http://motcua-survey.{NAMESPACE}.svc:{PORT}"),
        ("NOTIFY_IDENTITY_URL", None, f"http://motcua-identity.{NAMESPACE}.svc:{PORT}"),
        ("NOTIFY_SERVICE_CLIENT_ID", None, "notify"),
        ("NOTIFY_SERVICE_CLIENT_SECRET", "notify-service-client-secret", None),
        ("NOTIFY_CALLBACK_SECRET", "notify-callback-secret", None),
    ],
    "hooks": [("HOOKS_ALERT_WEBHOOK_URL", None, ""), ("HOOKS_SECRETS_KEY", "hooks-secrets-key", None)],
}


def labels(name: str) -> dict:
    return {"app.kubernetes.io/name": f"motcua-{name}", "app.kubernetes.io/part-of": "motcua"}


def env_of(name: str) -> list[dict]:
    env = []
    for var, secret_key, value in EXTRA_ENV.get(name, []):
        if secret_key:
            ref = {"name": "motcua-secrets", "key": secret_key.rstrip("?")}
            if secret_key.endswith("?"):
                ref["optional"] = True
            env.append({"name": var, "valueFrom": {"secretKeyRef": ref}})
        else:
            env.append({"name": var, "value": value})
    return env


def deployment(name: str, replicas: int, cpu: str, memory: str, description: str) -> dict:
    probe = {"httpGet": {"path": "/health/live", "port": "http"}, "periodSeconds": 10, "timeoutSeconds": 3,
             "failureThreshold": 3}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"motcua-{name}", "namespace": NAMESPACE, "labels": labels(name),
                     "annotations": {"motcua/description": description}},
        "spec": {
            "replicas": replicas,
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": labels(name)},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {
                "metadata": {"labels": labels(name), "annotations": {
                    "prometheus.io/scrape": "true", "prometheus.io/port": str(PORT), "prometheus.io/path": "/metrics"}},
                "spec": {
                    # Long enough for FastStream's graceful stop (15 s) to finish in-flight messages.
                    "terminationGracePeriodSeconds": 30,
                    "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                    "topologySpreadConstraints": [{
                        "maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway",
                        "labelSelector": {"matchLabels": labels(name)}}],
                    "containers": [{
                        "name": name,
                        "image": f"registry.example.org/motcua/{name}:1.0.0",
                        "ports": [{"name": "http", "containerPort": PORT}],
                        "envFrom": [{"configMapRef": {"name": "motcua-config"}}],
                        "env": [
                            {"name": "MONGODB_URI",
                             "valueFrom": {"secretKeyRef": {"name": "motcua-secrets", "key": "mongodb-uri"}}},
                            *env_of(name),
                        ],
                        "resources": {"requests": {"cpu": cpu, "memory": memory},
                                      "limits": {"cpu": "1", "memory": "512Mi"}},
                        "startupProbe": {**probe, "periodSeconds": 2, "failureThreshold": 30},
                        "livenessProbe": probe,
                        # Ready = MongoDB and NATS answer: a pod cut off from them gets no traffic.
                        "readinessProbe": {"httpGet": {"path": "/health/ready", "port": "http"}, "periodSeconds": 5,
                                           "timeoutSeconds": 3, "failureThreshold": 2},
                        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": False,
                                            "capabilities": {"drop": ["ALL"]}},
                    }],
                },
            },
        },
    }


def service(name: str) -> dict:
    return {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": f"motcua-{name}", "namespace": NAMESPACE, "labels": labels(name)},
        "spec": {"selector": labels(name), "ports": [{"name": "http", "port": PORT, "targetPort": "http"}]},
    }


def autoscaler(name: str, replicas: int, max_replicas: int) -> dict:
    return {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": f"motcua-{name}", "namespace": NAMESPACE, "labels": labels(name)},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": f"motcua-{name}"},
            "minReplicas": replicas, "maxReplicas": max_replicas,
            "metrics": [{"type": "Resource", "resource": {
                "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}],
            # Scale in slowly: a consumer pod leaving hands its unacknowledged messages back
            # to JetStream only after ack_wait.
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300,
                                       "policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]}},
        },
    }


def disruption_budget(name: str) -> dict:
    return {
        "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"name": f"motcua-{name}", "namespace": NAMESPACE, "labels": labels(name)},
        "spec": {"minAvailable": 1, "selector": {"matchLabels": labels(name)}},
    }


def documents() -> list[dict]:
    out = []
    for name, (replicas, max_replicas, cpu, memory, description) in SERVICES.items():
        out += [deployment(name, replicas, cpu, memory, description), service(name),
                autoscaler(name, replicas, max_replicas), disruption_budget(name)]
    return out


def render() -> str:
    header = "# Generated by deploy/k8s/generate.py from its table of services and sizes: edit there.\n"
    return header + yaml.safe_dump_all(documents(), sort_keys=False, explicit_start=True, width=120)


if __name__ == "__main__":
    (HERE / "services.yaml").write_text(render(), encoding="utf-8")
    print(f"wrote {HERE / 'services.yaml'}")
