"""The committed JSON Schemas are what other systems code against: they must match the models."""

import json
from pathlib import Path

from motcua_contracts.export import render, schema_documents

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"


def test_every_event_has_a_committed_schema_identical_to_the_models():
    generated = schema_documents()
    committed = {p.name: p.read_text(encoding="utf-8") for p in SCHEMAS.glob("*.schema.json")}
    assert sorted(committed) == sorted(generated), "run `make schemas` and commit contracts/schemas"
    for name, document in generated.items():
        assert committed[name] == render(document), f"{name} drifted from the model: run `make schemas`"


def test_no_schema_has_a_field_for_full_personal_data():
    forbidden = {"id_number", "phone", "address", "cccd", "cmnd"}
    for name, document in schema_documents().items():
        text = json.dumps(document)
        properties = set()
        for definition in [document, *document.get("$defs", {}).values()]:
            properties |= set(definition.get("properties", {}))
        assert not (properties & forbidden), f"{name} exposes {properties & forbidden}"
        assert "full_name" not in text
