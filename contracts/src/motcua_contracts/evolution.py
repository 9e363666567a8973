"""Schema evolution check: the current JSON Schemas against the committed baseline.

``contracts/schemas/baseline/`` holds the schemas as last published to other systems. Within
a major version only additive changes are allowed (docs/contracts.md): a new *optional* field.
Everything else breaks someone:

- a field removed, or a required field added: readers of old or new messages fail;
- optional -> required: old messages in the stream (kept 5 years, replayed) lack it;
- required -> optional: consumers written against the old schema rely on it;
- any change of a field's type — narrowed (new readers reject old messages), widened or an enum
  value added (old readers reject new messages), an enum value removed, a tighter bound;
- an event (file) of the baseline missing: retired without the transition period.

A breaking change is a new major version: a new ``<Event>.v<N+1>.schema.json`` beside the old
one (a new file is additive). ``python -m motcua_contracts.evolution`` prints the report;
``--update-baseline`` records the current schemas as published (a reviewed commit).
"""

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
BASELINE = SCHEMAS / "baseline"

#: Keywords that only annotate; changing them changes no message's validity.
_ANNOTATIONS = {"title", "description", "default", "examples", "$comment", "deprecated"}


@dataclass(frozen=True)
class Finding:
    schema: str
    location: str
    change: str
    breaking: bool

    def __str__(self) -> str:
        return f"{'BREAKING' if self.breaking else 'additive'}: {self.schema} {self.location}: {self.change}"


def _resolve(node: Any, root: dict[str, Any]) -> Any:
    """Inline local ``$ref`` s and drop annotations, so two schemas compare by meaning."""
    if isinstance(node, dict):
        if "$ref" in node and node["$ref"].startswith("#/$defs/"):
            target = root["$defs"][node["$ref"].rsplit("/", 1)[-1]]
            merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            return _resolve(merged, root)
        return {k: _resolve(v, root) for k, v in node.items() if k not in _ANNOTATIONS}
    if isinstance(node, list):
        return [_resolve(v, root) for v in node]
    return node


def _enum_of(node: dict[str, Any]) -> set | None:
    if "enum" in node:
        return set(node["enum"])
    if "anyOf" in node:
        values = [_enum_of(o) for o in node["anyOf"] if o.get("type") != "null"]
        if values and all(v is not None for v in values):
            return set().union(*values)
    return None


def _nullable(node: dict[str, Any]) -> bool:
    return node.get("type") == "null" or any(o.get("type") == "null" for o in node.get("anyOf", []))


def _describe_type_change(old: dict[str, Any], new: dict[str, Any]) -> str:
    old_enum, new_enum = _enum_of(old), _enum_of(new)
    if old_enum is not None and new_enum is not None:
        parts = []
        if old_enum - new_enum:
            parts.append(f"enum value(s) removed {sorted(old_enum - new_enum)}")
        if new_enum - old_enum:
            parts.append(f"enum value(s) added {sorted(new_enum - old_enum)} (old readers reject them)")
        if parts:
            return "; ".join(parts)
    if _nullable(old) and not _nullable(new):
        return "no longer nullable (type narrowed)"
    if _nullable(new) and not _nullable(old):
        return "now nullable (type widened: old readers reject null)"
    return f"type changed from {json.dumps(old, sort_keys=True)} to {json.dumps(new, sort_keys=True)}"


def _compare_object(name: str, where: str, old: dict[str, Any], new: dict[str, Any]) -> list[Finding]:
    findings = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    old_req, new_req = set(old.get("required", [])), set(new.get("required", []))
    for field in sorted(old_props.keys() - new_props.keys()):
        findings.append(Finding(name, f"{where}.{field}", "field removed", True))
    for field in sorted(new_props.keys() - old_props.keys()):
        if field in new_req:
            findings.append(Finding(name, f"{where}.{field}", "required field added", True))
        else:
            findings.append(Finding(name, f"{where}.{field}", "optional field added", False))
    for field in sorted(old_props.keys() & new_props.keys()):
        location = f"{where}.{field}"
        if field not in old_req and field in new_req:
            findings.append(Finding(name, location, "optional -> required", True))
        elif field in old_req and field not in new_req:
            findings.append(Finding(name, location, "required -> optional (old readers rely on it)", True))
        before, after = old_props[field], new_props[field]
        if before == after:
            continue
        if field == "data" or (before.get("type") == "object" and after.get("type") == "object"
                               and "properties" in before and "properties" in after):
            findings += _compare_object(name, location, before, after)
        else:
            findings.append(Finding(name, location, _describe_type_change(before, after), True))
    return findings


def compare(name: str, old_schema: dict[str, Any], new_schema: dict[str, Any]) -> list[Finding]:
    """Findings between two versions of one event's JSON Schema document (its envelope and data)."""
    return _compare_object(name, "$", _resolve(old_schema, old_schema), _resolve(new_schema, new_schema))


def compare_directories(baseline: Path = BASELINE, current: Path = SCHEMAS) -> list[Finding]:
    findings = []
    old_files = {p.name: p for p in baseline.glob("*.schema.json")}
    new_files = {p.name: p for p in current.glob("*.schema.json")}
    for name in sorted(old_files.keys() - new_files.keys()):
        findings.append(Finding(name, "$", "event removed (publish the next major version beside it first)", True))
    for name in sorted(new_files.keys() - old_files.keys()):
        findings.append(Finding(name, "$", "new event or major version", False))
    for name in sorted(old_files.keys() & new_files.keys()):
        findings += compare(name, json.loads(old_files[name].read_text(encoding="utf-8")),
                            json.loads(new_files[name].read_text(encoding="utf-8")))
    return findings


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--update-baseline" in argv:
        BASELINE.mkdir(exist_ok=True)
        for path in SCHEMAS.glob("*.schema.json"):
            shutil.copyfile(path, BASELINE / path.name)
        print(f"baseline updated in {BASELINE}")
        return 0
    findings = compare_directories()
    for finding in findings:
        print(finding)
    breaking = [f for f in findings if f.breaking]
    print(f"{len(breaking)} breaking change(s), {len(findings) - len(breaking)} additive")
    return 1 if breaking else 0


if __name__ == "__main__":
    raise SystemExit(main())
