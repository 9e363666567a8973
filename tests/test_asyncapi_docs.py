"""The AsyncAPI documents in docs/asyncapi are generated from the subscribers: keep them in step."""

from pathlib import Path

from motcua_devstack.asyncapi import documents, render

DOCS = Path(__file__).resolve().parents[1] / "docs" / "asyncapi"


def test_committed_asyncapi_documents_match_the_services():
    for name, document in documents().items():
        committed = (DOCS / f"{name}.json").read_text(encoding="utf-8")
        assert committed == render(document), f"docs/asyncapi/{name}.json drifted: run `make asyncapi`"
        assert document["channels"], f"{name} documents no channel"
