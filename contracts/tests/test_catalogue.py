"""The public event catalogue is generated from the contracts: it lists every public event and
no internal one, its examples are valid messages, and the committed docs/events/ match it."""

import json
import re
from pathlib import Path

import jsonschema
import pytest

from motcua_contracts import Envelope
from motcua_contracts.catalogue import (
    asyncapi_document,
    catalogue,
    catalogue_document,
    internal_event_classes,
    public_event_classes,
    public_subjects,
    rendered_documents,
)
from motcua_contracts.events import EVENT_TYPES
from motcua_contracts.examples import EXAMPLES

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "contracts" / "schemas"
DOCS = ROOT / "docs" / "events"


def test_the_catalogue_lists_every_public_event_and_no_internal_one():
    listed = {(e.event_type, e.schema_version) for e in catalogue()}
    public = {k for k, cls in EVENT_TYPES.items() if cls.public}
    assert listed == public
    internal = {cls.event_type for cls in internal_event_classes()}
    assert {"FollowUpRaised", "MessageSent", "MessageFailed"} <= internal
    assert not internal & {e.event_type for e in catalogue()}
    assert all(".FollowUpRaised." not in s and ".MessageSent." not in s for s in public_subjects())
    assert "motcua.events.26041.DossierReceived.*" in public_subjects("26041")


@pytest.mark.parametrize("entry", catalogue(), ids=lambda e: e.key)
def test_each_example_is_a_valid_message_of_its_model_and_of_the_committed_schema(entry):
    committed = json.loads((SCHEMAS / entry.schema_file).read_text(encoding="utf-8"))
    jsonschema.validate(entry.example, committed, cls=jsonschema.Draft202012Validator)
    parsed = Envelope[EVENT_TYPES[(entry.event_type, entry.schema_version)]].model_validate(entry.example)
    assert parsed.data.model_dump(mode="json", exclude_unset=True) == {
        k: v for k, v in entry.example["data"].items()}  # nothing dropped or renamed
    assert entry.history and entry.history[0].note.startswith("first published")
    assert entry.subject == f"motcua.events.<commune>.{entry.event_type}.v{entry.schema_version}"


def test_a_broken_example_is_refused_by_the_schema():
    entry = next(e for e in catalogue() if e.event_type == "DossierReceived")
    broken = json.loads(json.dumps(entry.example))
    del broken["data"]["dossier_code"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, entry.schema, cls=jsonschema.Draft202012Validator)


def test_examples_carry_no_personal_data():
    text = json.dumps(list(EXAMPLES.values()), ensure_ascii=False)
    assert not re.search(r"\b0\d{9}\b", text), "a full phone number"
    assert not re.search(r"\b\d{12}\b", text), "a full ID number"
    assert set(EXAMPLES) == set(EVENT_TYPES), "every event, public or internal, has an example"


def test_the_asyncapi_document_offers_public_events_only_and_every_reference_resolves():
    document = asyncapi_document()
    assert document["asyncapi"].startswith("3.")
    assert set(document["channels"]) == {f"{c.event_type}.v{c.schema_version}" for c in public_event_classes()}
    text = json.dumps(document)
    for ref in set(re.findall(r'"\$ref": "#/([^"]+)"', text)):
        node = document
        for part in ref.split("/"):
            node = node[part]  # KeyError: a dangling reference
    assert "FollowUpRaised" not in text and "MessageFailed" not in text
    assert catalogue_document()["internal_events"] == ["FollowUpRaised", "MessageFailed", "MessageSent"]


def test_the_committed_docs_events_match_the_contracts():
    generated = rendered_documents()
    committed = {p.name: p.read_text(encoding="utf-8") for p in DOCS.iterdir() if p.is_file()}
    assert sorted(committed) == sorted(generated), "run `python -m motcua_contracts.catalogue`"
    for name, text in generated.items():
        assert committed[name] == text, f"docs/events/{name} drifted: run `python -m motcua_contracts.catalogue`"
