"""One example per event, as other systems receive it (the catalogue shows them).

Hand-written so they read like a real commune's day; contracts/tests/test_catalogue.py
validates every one against its model and its committed JSON Schema, so they cannot drift.
No example carries personal data: names and phones appear masked, as on the bus.
"""

from typing import Any

EXAMPLE_COMMUNE = "26041"
_DOSSIER_ID = "6f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e"
_CODE = "26041-261120-0007"

#: The facts every dossier lifecycle event carries (DossierEvent).
_DOSSIER = {
    "dossier_id": _DOSSIER_ID,
    "dossier_code": _CODE,
    "procedure_code": "HT-KHAISINH",
    "field": "ho_tich",
    "channel": "counter",
    "life_event": "birth",
    "officer_id": "canbo.26041",
    "received_at": "2026-11-20T01:30:00Z",
    "appointment_at": "2026-11-23T09:00:00Z",
    "due_at": "2026-11-23T09:00:00Z",
}

EXAMPLES: dict[tuple[str, int], dict[str, Any]] = {
    ("DossierReceived", 1): {
        "dossier_id": _DOSSIER_ID, "dossier_code": _CODE, "procedure_code": "HT-KHAISINH",
        "procedure_name": "Đăng ký khai sinh", "field": "ho_tich", "life_event": "birth", "channel": "counter",
        "received_at": "2026-11-20T01:30:00Z", "appointment_at": "2026-11-23T09:00:00Z", "processing_days": 3,
        "applicant_name_masked": "N***** V** A*", "applicant_phone_masked": "*******678",
        "consent_letters": True, "consent_sms": True, "session_id": None, "session_date": None,
        "assisted": False, "received_by": "canbo.26041",
    },
    ("DossierSupplementRequested", 1): {
        **_DOSSIER, "missing_items": ["Giấy chứng sinh (bản chính)", "Chữ ký của người đi khai trên tờ khai"],
        "requested_at": "2026-11-20T02:00:00Z",
    },
    ("DossierSupplemented", 1): {**_DOSSIER, "supplemented_at": "2026-11-21T01:00:00Z"},
    ("DossierRefused", 1): {
        **_DOSSIER, "reason": "Thủ tục không thuộc thẩm quyền giải quyết của UBND xã.",
        "refused_at": "2026-11-20T02:10:00Z",
    },
    ("DossierAssigned", 1): {**_DOSSIER, "handling_body": "Công chức Tư pháp - Hộ tịch",
                             "assigned_at": "2026-11-20T01:35:00Z"},
    ("DossierHandedOver", 1): {
        **_DOSSIER, "from_body": "Bộ phận Một cửa", "to_body": "Công chức Tư pháp - Hộ tịch",
        "handed_at": "2026-11-20T03:00:00Z", "step_due_at": "2026-11-21T10:00:00Z",
        "previous_step_timeliness": "on_time",
    },
    ("ResultReady", 1): {**_DOSSIER, "ready_at": "2026-11-22T08:00:00Z"},
    ("DossierRescheduled", 1): {
        **_DOSSIER, "appointment_at": "2026-11-25T09:00:00Z",
        "previous_appointment_at": "2026-11-23T09:00:00Z",
        "reason": "Cần xác minh thêm thông tin với UBND xã nơi cư trú trước đây.",
        "rescheduled_at": "2026-11-22T07:00:00Z",
    },
    ("DossierWithdrawn", 1): {**_DOSSIER, "reason": "Công dân xin rút hồ sơ để bổ sung giấy tờ.",
                              "withdrawn_at": "2026-11-21T02:00:00Z"},
    ("DossierTransferred", 1): {**_DOSSIER, "to_commune_code": "26032",
                                "reason": "Nơi đăng ký thường trú của người yêu cầu thuộc xã khác.",
                                "transferred_at": "2026-11-20T04:00:00Z"},
    ("DossierDueSoon", 1): {**_DOSSIER, "detected_at": "2026-11-22T01:00:00Z"},
    ("DossierOverdue", 1): {**_DOSSIER, "detected_at": "2026-11-23T09:05:00Z"},
    ("ResultReturned", 1): {
        "dossier_id": _DOSSIER_ID, "dossier_code": _CODE, "procedure_code": "HT-KHAISINH", "field": "ho_tich",
        "received_at": "2026-11-20T01:30:00Z", "appointment_at": "2026-11-23T09:00:00Z",
        "returned_at": "2026-11-22T08:30:00Z", "timeliness": "early", "return_channel": "counter",
        "officer_id": "canbo.26041", "channel": "counter", "life_event": "birth",
        "due_at": "2026-11-23T09:00:00Z", "rescheduled": False, "free_of_charge": False,
        "processing_working_days": 2.5,
    },
    ("BallotOpened", 1): {
        "ballot_id": "0b7e1f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b", "dossier_id": _DOSSIER_ID, "dossier_code": _CODE,
        "procedure_code": "HT-KHAISINH", "officer_id": "canbo.26041", "expires_at": "2026-12-22T08:30:00Z",
    },
    ("SurveySubmitted", 1): {
        "ballot_id": "0b7e1f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b", "dossier_id": _DOSSIER_ID, "dossier_code": _CODE,
        "procedure_code": "HT-KHAISINH", "officer_id": "canbo.26041", "overall": 5, "satisfied": True,
        "factors": {"access": 5, "procedure": 4, "officer": 5, "result": 5, "feedback": 4},
        "submitted_at": "2026-11-22T12:00:00Z", "channel": "online", "field": "ho_tich",
        "campaign_id": None, "team_id": None, "question_set": "sipas-2025.1",
        "commitments": {"5_biet": 5}, "visits": 1, "complaint": False, "anonymous": False,
    },
    ("FollowUpRaised", 1): {
        "follow_up_id": "5d6e7f80-1a2b-4c3d-9e4f-a0b1c2d3e4f5", "ballot_id": "0b7e1f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
        "reason": "low_score", "dossier_code": _CODE, "procedure_code": "HT-KHAISINH",
        "officer_id": "canbo.26041", "raised_at": "2026-11-22T12:00:01Z",
    },
    ("FeedbackReceived", 1): {
        "feedback_id": "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d", "feedback_code": "PA-26041-0003",
        "kind": "feedback", "procedure_code": "HT-KHAISINH", "officer_id": None, "dossier_code": _CODE,
        "received_at": "2026-11-22T03:00:00Z", "due_at": "2026-12-06T10:00:00Z",
    },
    ("FeedbackAnswered", 1): {
        "feedback_id": "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d", "feedback_code": "PA-26041-0003",
        "kind": "feedback", "procedure_code": "HT-KHAISINH", "officer_id": "lanhdao.26041",
        "received_at": "2026-11-22T03:00:00Z", "due_at": "2026-12-06T10:00:00Z",
        "answered_at": "2026-11-25T03:00:00Z", "on_time": True,
    },
    ("LetterIssued", 1): {
        "letter_id": "9c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f", "letter_type": "congratulation", "channel": "print",
        "dossier_id": _DOSSIER_ID, "dossier_code": _CODE, "procedure_code": "HT-KHAISINH", "life_event": "birth",
        "reason": "life_event", "caused_by_event_id": "3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7",
        "issued_at": "2026-11-20T01:31:00Z",
    },
    ("MessageSent", 1): {
        "message_id": "1f2a3b4c-5d6e-4f7a-8b9c-0d1e2f3a4b5c", "channel": "sms", "purpose": "receipt",
        "dossier_id": _DOSSIER_ID, "dossier_code": _CODE, "attempts": 1, "sent_at": "2026-11-20T01:31:10Z",
    },
    ("MessageFailed", 1): {
        "message_id": "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d", "channel": "sms", "purpose": "result_ready",
        "dossier_id": _DOSSIER_ID, "dossier_code": _CODE, "attempts": 5,
        "reason": "provider refused: subscriber unreachable", "failed_at": "2026-11-22T08:10:00Z",
    },
    ("SessionBooked", 1): {
        "booking_id": "4b5c6d7e-8f90-4a1b-9c2d-3e4f5a6b7c8d", "booking_code": "DK-261129-4B5C6D",
        "session_id": "6c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f", "session_title": "Chủ nhật thân thiện", "day": "2026-11-29", "starts_at": "2026-11-29T00:30:00Z",
        "ends_at": "2026-11-29T04:00:00Z", "procedure_code": "HT-KHAISINH", "applicant_name_masked": "N*** T** L**",
        "applicant_phone_masked": "*******456", "consent_sms": True, "booked_at": "2026-11-22T09:15:00Z",
    },
    ("SessionBookingCancelled", 1): {
        "booking_id": "4b5c6d7e-8f90-4a1b-9c2d-3e4f5a6b7c8d", "session_id": "6c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f",
        "day": "2026-11-29", "cancelled_by": "citizen", "cancelled_at": "2026-11-26T02:00:00Z",
    },
}

def example_envelope(event_type: str, schema_version: int, owner: str) -> dict[str, Any]:
    """The full message body of the example of ``event_type`` v``schema_version`` (fixed event
    ids, so the rendered catalogue is stable)."""
    data = EXAMPLES[(event_type, schema_version)]
    number = sorted(EXAMPLES).index((event_type, schema_version)) + 1
    occurred = next((v for k, v in data.items() if k.endswith("_at") and k not in
                     ("received_at", "appointment_at", "due_at", "expires_at", "step_due_at",
                      "previous_appointment_at")), "2026-11-22T08:30:01Z")
    return {
        "event_id": f"00000000-0000-4000-8000-{number:012d}",
        "event_type": event_type,
        "schema_version": schema_version,
        "occurred_at": occurred,
        "source": owner,
        "commune_code": EXAMPLE_COMMUNE,
        "correlation_id": "c0ffee00-1111-4222-8333-444455556666",
        "causation_id": None,
        "data": data,
    }
