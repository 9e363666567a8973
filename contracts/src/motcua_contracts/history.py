"""The declared version history of every event: what changed, when, within which major version.

This is the changelog other systems read in the catalogue (docs/events/, the hooks service's
page). It cannot drift silently: contracts/tests/test_evolution.py fails when a field appears
in an event's schema (against the committed baseline in contracts/schemas/baseline/) without
a change here naming it, and when a change names a field the model does not have.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Change:
    """One published change of an event."""

    schema_version: int
    #: Day the change was published (ISO date).
    date: str
    note: str
    #: Fields added by this change (optional ones: within a major version only optional fields are added).
    fields_added: tuple[str, ...] = ()


FIRST = "first published"

_DOSSIER_EVENTS = (
    "DossierSupplementRequested", "DossierSupplemented", "DossierRefused", "DossierAssigned",
    "DossierHandedOver", "ResultReady", "DossierRescheduled", "DossierWithdrawn", "DossierTransferred",
    "DossierDueSoon", "DossierOverdue",
)

HISTORY: dict[str, tuple[Change, ...]] = {
    "DossierReceived": (
        Change(1, "2026-11-22", FIRST),
        Change(1, "2026-11-22", "out-of-hours sessions and assisted submissions",
               ("session_id", "session_date", "assisted")),
        Change(1, "2026-11-22", "the officer who received the dossier", ("received_by",)),
    ),
    "ResultReturned": (
        Change(1, "2026-11-22", FIRST),
        Change(1, "2026-11-22", "the dossier's channel, life event, legal due time, reschedule and free return",
               ("channel", "life_event", "due_at", "rescheduled", "free_of_charge")),
        Change(1, "2026-11-22", "processing time in working days on the commune's calendar",
               ("processing_working_days",)),
    ),
    **{name: (Change(1, "2026-11-22", FIRST + " (dossier lifecycle)"),) for name in _DOSSIER_EVENTS},
    "BallotOpened": (Change(1, "2026-11-22", FIRST),),
    "SurveySubmitted": (
        Change(1, "2026-11-22", FIRST + " (SIPAS factor scores included)"),
        Change(1, "2026-11-22", "kiosk, paper and phone answers; campaigns, teams, question sets, "
                                "commitments, visits, complaints, anonymous answers",
               ("channel", "field", "campaign_id", "team_id", "question_set", "commitments", "visits",
                "complaint", "anonymous")),
    ),
    "FollowUpRaised": (Change(1, "2026-11-22", FIRST + " (internal)"),),
    "FeedbackReceived": (Change(1, "2026-11-22", FIRST),),
    "FeedbackAnswered": (Change(1, "2026-11-22", FIRST),),
    "LetterIssued": (Change(1, "2026-11-22", FIRST),),
    "MessageSent": (Change(1, "2026-11-22", FIRST + " (internal)"),),
    "MessageFailed": (Change(1, "2026-11-22", FIRST + " (internal)"),),
    "SessionBooked": (Change(1, "2026-11-22", FIRST),),
    "SessionBookingCancelled": (Change(1, "2026-11-22", FIRST),),
}


def history_of(event_type: str, schema_version: int | None = None) -> tuple[Change, ...]:
    changes = HISTORY.get(event_type, ())
    if schema_version is None:
        return changes
    return tuple(c for c in changes if c.schema_version == schema_version)
