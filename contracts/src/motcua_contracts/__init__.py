"""Shared contracts of the Một cửa thân thiện services.

Everything another system may rely on lives here: the event envelope, the events,
the subject naming and the JetStream stream definitions. Services import this
package; they never import each other.
"""

from motcua_contracts.envelope import Envelope, new_envelope
from motcua_contracts.events import (
    EVENT_TYPES,
    BallotOpened,
    DossierAssigned,
    DossierDueSoon,
    DossierEvent,
    DossierHandedOver,
    DossierOverdue,
    DossierReceived,
    DossierRefused,
    DossierRescheduled,
    DossierSupplemented,
    DossierSupplementRequested,
    DossierTransferred,
    DossierWithdrawn,
    EventData,
    ResultReady,
    ResultReturned,
    SurveySubmitted,
    event_class,
)
from motcua_contracts.subjects import (
    DLQ_SUBJECT_PREFIX,
    EVENTS_SUBJECT_PREFIX,
    dead_letter_subject,
    event_subject,
    event_subject_filter,
)
from motcua_contracts.types import Channel, CommuneCode, LifeEvent, ReturnChannel, Timeliness

__all__ = [
    "EVENT_TYPES",
    "DLQ_SUBJECT_PREFIX",
    "EVENTS_SUBJECT_PREFIX",
    "BallotOpened",
    "DossierAssigned",
    "DossierDueSoon",
    "DossierEvent",
    "DossierHandedOver",
    "DossierOverdue",
    "DossierRefused",
    "DossierRescheduled",
    "DossierSupplemented",
    "DossierSupplementRequested",
    "DossierTransferred",
    "DossierWithdrawn",
    "ResultReady",
    "Channel",
    "CommuneCode",
    "DossierReceived",
    "Envelope",
    "EventData",
    "LifeEvent",
    "ResultReturned",
    "ReturnChannel",
    "SurveySubmitted",
    "Timeliness",
    "dead_letter_subject",
    "event_class",
    "event_subject",
    "event_subject_filter",
    "new_envelope",
]
