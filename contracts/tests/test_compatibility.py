"""Compatibility rule (docs/contracts.md): within a major version, changes are additive.

A consumer built on the previous schema must still read a new event: it ignores
fields it does not know, and every field it requires is still there.
"""

import json
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from pydantic import BaseModel, ConfigDict

from motcua_contracts import DossierReceived, Envelope, ResultReturned, event_subject, new_envelope


def _received(**extra) -> DossierReceived:
    now = datetime.now(UTC)
    return DossierReceived(
        dossier_id=uuid4(), dossier_code="26041-261122-0001", procedure_code="HT-KHAISINH",
        procedure_name="Đăng ký khai sinh", field="ho_tich", life_event="birth", channel="counter",
        received_at=now, appointment_at=now, processing_days=0, applicant_name_masked="N***** V** A*", **extra,
    )


class DossierReceivedAsAnOldConsumerKnewIt(BaseModel):
    """What a consumer written against an earlier v1 reads (a subset, as it was)."""

    model_config = ConfigDict(extra="ignore")
    dossier_code: str
    procedure_code: str
    received_at: datetime


def test_a_consumer_on_the_previous_schema_reads_an_event_with_new_fields():
    body = json.loads(new_envelope(_received(), source="intake", commune_code="26041", correlation_id="c").model_dump_json())
    body["data"]["a_field_added_later"] = {"nested": True}
    body["an_envelope_field_added_later"] = 1
    old = Envelope[DossierReceivedAsAnOldConsumerKnewIt].model_validate(body)
    assert old.data.dossier_code == "26041-261122-0001"
    current = Envelope[DossierReceived].model_validate(body)
    assert current.data.procedure_name == "Đăng ký khai sinh"


def test_the_current_model_reads_every_committed_example_of_its_version():
    # A minimal v1 ResultReturned as first published must keep validating.
    first_published = {
        "event_id": str(uuid4()), "event_type": "ResultReturned", "schema_version": 1,
        "occurred_at": "2026-11-22T02:00:00Z", "source": "intake", "commune_code": "26041",
        "correlation_id": "c", "data": {
            "dossier_id": str(uuid4()), "dossier_code": "26041-261122-0001", "procedure_code": "CT-CHUKY",
            "field": "chung_thuc", "received_at": "2026-11-22T01:00:00Z", "appointment_at": "2026-11-23T10:00:00Z",
            "returned_at": "2026-11-23T03:00:00Z", "timeliness": "early", "return_channel": "counter",
        },
    }
    event = Envelope[ResultReturned].model_validate(first_published)
    assert event.data.officer_id is None


def test_events_are_frozen_and_subject_carries_commune_and_major_version():
    envelope = new_envelope(_received(), source="intake", commune_code="26041", correlation_id="c")
    with pytest.raises(Exception):
        envelope.data.dossier_code = "x"  # type: ignore[misc]
    assert envelope.subject() == event_subject("26041", "DossierReceived", 1) == "motcua.events.26041.DossierReceived.v1"


def test_a_commune_code_cannot_break_out_of_its_subject_token():
    for bad in ("260.41", "*", ">", "26 041", ""):
        with pytest.raises(Exception):
            new_envelope(_received(), source="intake", commune_code=bad, correlation_id="c")
