"""Generate each service's AsyncAPI document into docs/asyncapi/ (``make asyncapi``).

The documents come from the services' FastStream subscribers and their pydantic
signatures; a test fails when the committed copies drift from the code.
"""

import importlib
import json
import os
import sys
from pathlib import Path

from motcua_devstack.stack import SERVICES, find_project_root


#: Services that neither publish nor consume events: no AsyncAPI document.
NOT_ON_THE_BUS = frozenset({"identity"})


def documents() -> dict[str, dict]:
    from fastapi.testclient import TestClient

    result = {}
    # Building an app opens no connection; placeholders satisfy the settings, and the
    # caller's environment is left as it was.
    placeholders = {"NATS_URL": "nats://127.0.0.1:1", "MONGODB_URI": "mongodb://127.0.0.1:1"}
    saved = {name: os.environ.get(name) for name in placeholders}
    os.environ.update(placeholders)
    try:
        for spec in SERVICES:
            if spec.name in NOT_ON_THE_BUS:
                continue
            module_name, factory = spec.factory.split(":")
            app = getattr(importlib.import_module(module_name), factory)()
            # Without a `with` block the lifespan (and so any connection) never starts.
            result[spec.name] = TestClient(app).get("/asyncapi.json").json()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return result


def render(document: dict) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    target = Path(argv[0]) if argv else find_project_root() / "docs" / "asyncapi"
    target.mkdir(parents=True, exist_ok=True)
    for name, document in documents().items():
        (target / f"{name}.json").write_text(render(document), encoding="utf-8")
        print(f"wrote {target / f'{name}.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
