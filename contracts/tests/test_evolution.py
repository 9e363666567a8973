"""Schema evolution: the committed schemas against the published baseline (contracts/schemas/baseline).

Additive changes pass; a breaking change fails here, before it can merge (docs/contracts.md)."""

import copy
import json
from datetime import datetime
from pathlib import Path

import jsonschema
import pytest
from pydantic import Field

from motcua_contracts import DossierReceived, Envelope
from motcua_contracts.catalogue import catalogue
from motcua_contracts.events import EVENT_TYPES
from motcua_contracts.evolution import BASELINE, SCHEMAS, compare, compare_directories
from motcua_contracts.history import HISTORY

NAME = "DossierReceived.v1.schema.json"


def _baseline(name: str = NAME) -> dict:
    return json.loads((BASELINE / name).read_text(encoding="utf-8"))


def _breaking(old: dict, new: dict) -> list[str]:
    return [f"{f.location}: {f.change}" for f in compare(NAME, old, new) if f.breaking]


def test_the_current_schemas_break_nothing_published():
    breaking = [str(f) for f in compare_directories() if f.breaking]
    assert not breaking, "breaking change(s) within a major version:\n" + "\n".join(breaking)
    assert {p.name for p in BASELINE.glob("*.schema.json")} <= {p.name for p in SCHEMAS.glob("*.schema.json")}


def test_an_optional_field_added_passes_and_old_subscribers_still_read_the_new_message():
    old = _baseline()
    new = copy.deepcopy(old)
    new["$defs"]["DossierReceived"]["properties"]["queue_number"] = {"anyOf": [{"type": "integer"}, {"type": "null"}],
                                                                   "default": None}
    findings = compare(NAME, old, new)
    assert [f.change for f in findings] == ["optional field added"] and not findings[0].breaking
    # An old subscriber validates with the baseline schema: the new field does not disturb it.
    message = next(e for e in catalogue() if e.event_type == "DossierReceived").example
    message = {**message, "data": {**message["data"], "queue_number": 17}}
    jsonschema.validate(message, old, cls=jsonschema.Draft202012Validator)


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d["properties"].pop("procedure_name"), "data.procedure_name: field removed"),
    (lambda d: d["required"].append("received_by"), "data.received_by: optional -> required"),
    (lambda d: d["required"].remove("procedure_name"), "data.procedure_name: required -> optional"),
    (lambda d: d["properties"].__setitem__("applicant_phone_masked", {"type": "string"}),
     "data.applicant_phone_masked: no longer nullable (type narrowed)"),
    (lambda d: d["properties"].__setitem__("processing_days", {"type": "integer", "minimum": 0}),
     "data.processing_days: type changed"),
    (lambda d: (d["properties"].__setitem__("priority", {"type": "boolean"}), d["required"].append("priority")),
     "data.priority: required field added"),
], ids=["field removed", "optional->required", "required->optional", "narrowed", "retyped", "required added"])
def test_each_kind_of_breaking_change_in_data_is_caught(mutate, expected):
    old = _baseline()
    new = copy.deepcopy(old)
    mutate(new["$defs"]["DossierReceived"])
    breaking = _breaking(old, new)
    assert any(b.startswith("$." + expected) for b in breaking), breaking


def test_an_enum_value_removed_or_added_is_caught():
    old = _baseline()
    removed = copy.deepcopy(old)
    removed["$defs"]["Channel"]["enum"].remove("post")
    assert _breaking(old, removed) == ["$.data.channel: enum value(s) removed ['post']"]
    added = copy.deepcopy(old)
    added["$defs"]["Channel"]["enum"].append("kiosk")
    assert "enum value(s) added ['kiosk']" in _breaking(old, added)[0]


def test_a_breaking_change_made_in_a_model_fails_the_check(tmp_path: Path):
    """The whole path: a model edited in place (a field dropped and one retyped), exported like
    `make schemas` does, compared with the baseline directory."""

    class DossierReceivedEdited(DossierReceived):
        processing_days: int = Field(ge=0)  # was float
        received_at: datetime | None = None  # was required

    schema = Envelope[DossierReceivedEdited].model_json_schema(mode="serialization")
    schema["$defs"]["DossierReceived"] = schema["$defs"].pop("DossierReceivedEdited")
    schema["properties"]["data"]["$ref"] = "#/$defs/DossierReceived"
    schema["$defs"]["DossierReceived"]["properties"].pop("procedure_name")
    for path in SCHEMAS.glob("*.schema.json"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / NAME).write_text(json.dumps(schema), encoding="utf-8")
    (tmp_path / "ResultReturned.v1.schema.json").unlink()
    breaking = {(f.schema, f.location, f.change.split(" from ")[0]) for f in compare_directories(BASELINE, tmp_path)
                if f.breaking}
    assert (NAME, "$.data.processing_days", "type changed") in breaking
    assert (NAME, "$.data.received_at", "required -> optional (old readers rely on it)") in breaking
    assert (NAME, "$.data.procedure_name", "field removed") in breaking
    assert ("ResultReturned.v1.schema.json", "$",
            "event removed (publish the next major version beside it first)") in breaking


def test_a_new_major_version_beside_the_old_one_is_additive(tmp_path: Path):
    for path in SCHEMAS.glob("*.schema.json"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    v2 = _baseline()
    v2["$defs"]["DossierReceived"]["properties"].pop("procedure_name")
    (tmp_path / "DossierReceived.v2.schema.json").write_text(json.dumps(v2), encoding="utf-8")
    findings = compare_directories(BASELINE, tmp_path)
    assert [(f.schema, f.breaking) for f in findings] == [("DossierReceived.v2.schema.json", False)]


def test_every_field_added_since_the_baseline_is_in_the_declared_history():
    missing = []
    for finding in compare_directories():
        if finding.change == "optional field added" and finding.location.startswith("$.data."):
            event_type = finding.schema.split(".")[0]
            added = {f for c in HISTORY.get(event_type, ()) for f in c.fields_added}
            if finding.location.removeprefix("$.data.") not in added:
                missing.append(f"{finding.schema} {finding.location}")
    assert not missing, "declare these in motcua_contracts.history: " + ", ".join(missing)


def test_the_history_names_only_fields_the_models_have_and_covers_every_event():
    for (event_type, version), cls in EVENT_TYPES.items():
        changes = [c for c in HISTORY[event_type] if c.schema_version == version]
        assert changes, f"{event_type} v{version} has no history"
        for change in changes:
            assert set(change.fields_added) <= set(cls.model_fields), (event_type, change)
