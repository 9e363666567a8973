"""Export JSON Schema of every event envelope into contracts/schemas/."""

import json
import sys
from pathlib import Path

from motcua_contracts.envelope import Envelope
from motcua_contracts.events import EVENT_TYPES


def schema_documents() -> dict[str, dict]:
    """File name -> JSON Schema document, for every event type and version."""
    documents = {}
    for (event_type, version), data_cls in sorted(EVENT_TYPES.items()):
        schema = Envelope[data_cls].model_json_schema(mode="serialization")  # type: ignore[valid-type]
        schema["title"] = f"{event_type} v{version}"
        schema["$id"] = f"urn:motcua:event:{event_type}:v{version}"
        documents[f"{event_type}.v{version}.schema.json"] = schema
    return documents


def render(document: dict) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    target = Path(argv[0]) if argv else Path(__file__).resolve().parents[2] / "schemas"
    target.mkdir(parents=True, exist_ok=True)
    for name, document in schema_documents().items():
        (target / name).write_text(render(document), encoding="utf-8")
        print(f"wrote {target / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
