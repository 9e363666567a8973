"""The public event catalogue, generated from the contracts so it cannot drift.

For every public event: its subject pattern, its JSON Schema, an example message, its version
history, and one AsyncAPI document of all public events. Rendered into ``docs/events/``
(``python -m motcua_contracts.catalogue``; a test fails when the committed copy drifts) and
served as a page by the hooks service (``/su-kien``).

Which events are public is declared on the event classes (``public = False`` marks an
internal one); internal events are listed by name only, never offered.
"""

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from motcua_contracts.events import EVENT_TYPES, EventData
from motcua_contracts.examples import EXAMPLE_COMMUNE, example_envelope
from motcua_contracts.export import render as render_json
from motcua_contracts.export import schema_documents
from motcua_contracts.history import Change, history_of
from motcua_contracts.streams import EVENTS
from motcua_contracts.subjects import EVENTS_SUBJECT_PREFIX, event_subject, event_subject_filter

CATALOGUE_VERSION = "1"


@dataclass(frozen=True)
class FieldDoc:
    name: str
    type: str
    required: bool
    description: str


@dataclass(frozen=True)
class Entry:
    """One public event (one major version) as other systems see it."""

    event_type: str
    schema_version: int
    owner: str
    summary: str
    description: str
    #: ``motcua.events.<commune>.<EventType>.v<N>``: the subject with the commune left as a placeholder.
    subject: str
    #: The subject filter for this event of every commune.
    subject_all_communes: str
    schema_file: str
    schema: dict[str, Any]
    example: dict[str, Any]
    history: tuple[Change, ...]
    fields: tuple[FieldDoc, ...] = field(default=())

    @property
    def key(self) -> str:
        return f"{self.event_type}.v{self.schema_version}"


def public_event_classes() -> list[type[EventData]]:
    return [cls for _, cls in sorted(EVENT_TYPES.items()) if cls.public]


def internal_event_classes() -> list[type[EventData]]:
    return [cls for _, cls in sorted(EVENT_TYPES.items()) if not cls.public]


def is_public(event_type: str, schema_version: int) -> bool:
    cls = EVENT_TYPES.get((event_type, schema_version))
    return cls is not None and cls.public


def public_subjects(commune_code: str = "*") -> list[str]:
    """One subject filter per public event (every major version), for one commune or all."""
    names = dict.fromkeys(cls.event_type for cls in public_event_classes())  # every major version: ``.*``
    return [event_subject_filter(name, None, commune_code) for name in names]


def _type_of(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in prop:
        target = defs[prop["$ref"].rsplit("/", 1)[-1]]
        if "enum" in target:
            return "one of " + ", ".join(f"`{v}`" for v in target["enum"])
        return target.get("title", "object")
    if "anyOf" in prop:
        options = [o for o in prop["anyOf"] if o.get("type") != "null"]
        nullable = len(options) < len(prop["anyOf"])
        text = " or ".join(_type_of(o, defs) for o in options)
        return f"{text} or null" if nullable else text
    kind = prop.get("type", "any")
    if kind == "array":
        return f"list of {_type_of(prop.get('items', {}), defs)}"
    if kind == "object" and isinstance(prop.get("additionalProperties"), dict):
        return f"map of {_type_of(prop['additionalProperties'], defs)}"
    if "format" in prop:
        return f"{kind} ({prop['format']})"
    bounds = [f"{k} {prop[k]}" for k in ("minimum", "maximum", "exclusiveMinimum") if k in prop]
    return kind + (f" ({', '.join(bounds)})" if bounds else "")


def _fields(cls: type[EventData]) -> tuple[FieldDoc, ...]:
    schema = cls.model_json_schema(mode="serialization")
    defs = schema.get("$defs", {})
    required = set(schema.get("required", []))
    return tuple(
        FieldDoc(name, _type_of(prop, defs), name in required, prop.get("description", ""))
        for name, prop in schema.get("properties", {}).items()
    )


def catalogue() -> list[Entry]:
    schemas = schema_documents()
    entries = []
    for cls in public_event_classes():
        doc = " ".join((cls.__doc__ or "").split())
        schema_file = f"{cls.event_type}.v{cls.schema_version}.schema.json"
        entries.append(Entry(
            event_type=cls.event_type,
            schema_version=cls.schema_version,
            owner=cls.owner,
            summary=doc.split(". ")[0].rstrip("."),
            description=doc,
            subject=event_subject("<commune>", cls.event_type, cls.schema_version),
            subject_all_communes=event_subject("*", cls.event_type, cls.schema_version),
            schema_file=schema_file,
            schema=schemas[schema_file],
            example=example_envelope(cls.event_type, cls.schema_version, cls.owner),
            history=history_of(cls.event_type, cls.schema_version),
            fields=_fields(cls),
        ))
    return entries


def catalogue_document() -> dict[str, Any]:
    """The catalogue as JSON (what ``GET /v1/catalogue`` of the hooks service answers)."""
    return {
        "catalogue_version": CATALOGUE_VERSION,
        "stream": EVENTS.name,
        "subject_pattern": f"{EVENTS_SUBJECT_PREFIX}.<commune>.<EventType>.v<major>",
        "events": [
            {
                "event_type": e.event_type,
                "schema_version": e.schema_version,
                "owner": e.owner,
                "summary": e.summary,
                "description": e.description,
                "subject": e.subject,
                "subject_all_communes": e.subject_all_communes,
                "schema_file": e.schema_file,
                "fields": [f.__dict__ for f in e.fields],
                "history": [c.__dict__ | {"fields_added": list(c.fields_added)} for c in e.history],
            }
            for e in catalogue()
        ],
        "internal_events": sorted({cls.event_type for cls in internal_event_classes()}),
    }


# ------------------------------------------------------------------------------ AsyncAPI
def asyncapi_document() -> dict[str, Any]:
    """AsyncAPI 3.0 of the public events: one channel per event, the commune as a parameter.

    Each event's JSON Schema definitions are hoisted into ``components.schemas`` under
    ``<Event>.v<N>.<Definition>`` so every ``$ref`` resolves inside this one document.
    """
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for entry in catalogue():
        key = entry.key
        document = json.loads(json.dumps(entry.schema))
        defs = document.pop("$defs", {})
        document.pop("$id", None)

        def rewrite(node: Any, key: str = key) -> Any:
            if isinstance(node, dict):
                return {k: (f"#/components/schemas/{key}.{v.rsplit('/', 1)[-1]}"
                            if k == "$ref" and isinstance(v, str) and v.startswith("#/$defs/") else rewrite(v))
                        for k, v in node.items()}
            if isinstance(node, list):
                return [rewrite(v) for v in node]
            return node

        for name, definition in defs.items():
            schemas[f"{key}.{name}"] = rewrite(definition)
        schemas[key] = rewrite(document)
        messages[key] = {
            "name": entry.event_type,
            "title": f"{entry.event_type} v{entry.schema_version}",
            "summary": entry.summary,
            "description": entry.description,
            "contentType": "application/json",
            "payload": {"$ref": f"#/components/schemas/{key}"},
            "examples": [{"name": "example", "payload": entry.example}],
        }
        channels[key] = {
            "address": event_subject("{commune}", entry.event_type, entry.schema_version),
            "description": f"{entry.event_type} v{entry.schema_version} of one commune (published by {entry.owner}).",
            "parameters": {"commune": {"description": "Commune (tenant) code, e.g. 26041; '*' in a "
                                                      "subscription takes every commune."}},
            "messages": {key: {"$ref": f"#/components/messages/{key}"}},
        }
        operations[f"receive{entry.event_type}V{entry.schema_version}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{key}"},
            "messages": [{"$ref": f"#/channels/{key}/messages/{key}"}],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Một cửa thân thiện — public events",
            "version": CATALOGUE_VERSION,
            "description": "Every public event of the commune one-stop shops, on the JetStream stream "
                           f"{EVENTS.name}. Generated from motcua_contracts; internal events are not listed.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


# ------------------------------------------------------------------------------ Markdown
def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _event_markdown(entry: Entry) -> str:
    lines = [
        f"# {entry.event_type} v{entry.schema_version}",
        "",
        "<!-- generated by `python -m motcua_contracts.catalogue`; do not edit -->",
        "",
        entry.description,
        "",
        f"- published by: **{entry.owner}**",
        f"- subject: `{entry.subject}` (every commune: `{entry.subject_all_communes}`)",
        f"- stream: `{EVENTS.name}`",
        f"- JSON Schema: [`contracts/schemas/{entry.schema_file}`](../../contracts/schemas/{entry.schema_file})",
        "",
        "## Fields of `data`",
        "",
        "| field | type | required | meaning |",
        "|---|---|---|---|",
        *(f"| `{f.name}` | {_md_escape(f.type)} | {'yes' if f.required else 'no'} | {_md_escape(f.description)} |"
          for f in entry.fields),
        "",
        "The envelope around `data` (event id, type, version, time, source, commune, correlation) is",
        "described in [docs/contracts.md](../contracts.md#the-envelope).",
        "",
        "## Example",
        "",
        "```json",
        json.dumps(entry.example, indent=2, ensure_ascii=False),
        "```",
        "",
        "## Version history",
        "",
        "| version | date | change | fields added |",
        "|---|---|---|---|",
        *(f"| v{c.schema_version} | {c.date} | {_md_escape(c.note)} | "
          f"{', '.join(f'`{n}`' for n in c.fields_added) or '—'} |" for c in entry.history),
        "",
    ]
    return "\n".join(lines)


def _index_markdown(entries: list[Entry]) -> str:
    lines = [
        "# Public event catalogue",
        "",
        "<!-- generated by `python -m motcua_contracts.catalogue`; do not edit -->",
        "",
        f"Events other systems may receive, on the JetStream stream `{EVENTS.name}`. Subjects are",
        f"`{EVENTS_SUBJECT_PREFIX}.<commune>.<EventType>.v<major>`: one commune with `{EVENTS_SUBJECT_PREFIX}.{EXAMPLE_COMMUNE}.>`",
        "is *not* public-only (internal events share it) — subscribe per public event, or use the",
        "permissions of [deploy/nats](../../deploy/nats/README.md). How to subscribe over NATS or",
        "webhooks: [docs/subscribing.md](../subscribing.md). Versioning rule: [docs/contracts.md](../contracts.md).",
        "",
        "AsyncAPI 3.0 of all public events: [asyncapi.json](asyncapi.json) (also served by the hooks",
        "service at `/v1/catalogue/asyncapi.json`, with this catalogue as a page at `/su-kien`).",
        "",
        "| event | version | published by | subject (every commune) | what happened |",
        "|---|---|---|---|---|",
        *(f"| [{e.event_type}]({e.key}.md) | v{e.schema_version} | {e.owner} | `{e.subject_all_communes}` | "
          f"{_md_escape(e.summary)} |" for e in entries),
        "",
        "Internal events (not offered to other systems): "
        + ", ".join(f"`{c.event_type}`" for c in internal_event_classes()) + ".",
        "",
    ]
    return "\n".join(lines)


def rendered_documents() -> dict[str, str]:
    """File name (in docs/events/) -> content."""
    entries = catalogue()
    documents = {"README.md": _index_markdown(entries), "asyncapi.json": render_json(asyncapi_document())}
    for entry in entries:
        documents[f"{entry.key}.md"] = _event_markdown(entry)
    return documents


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    target = Path(argv[0]) if argv else Path(__file__).resolve().parents[3] / "docs" / "events"
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob("*.md"):
        old.unlink()
    for name, text in rendered_documents().items():
        (target / name).write_text(text, encoding="utf-8")
        print(f"wrote {target / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
