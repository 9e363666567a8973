"""Subject naming on the bus.

Events:       motcua.events.<commune_code>.<EventType>.v<major>
Dead letters: motcua.dlq.<service>.<consumer>

The commune (tenant) is its own token so a subscriber takes one commune
(``motcua.events.26068.>``) or all of them (``motcua.events.*.DossierReceived.v1``).
The major version is the last token: a breaking change is published beside the old
subject for a transition period (see docs/contracts.md).
"""

EVENTS_SUBJECT_PREFIX = "motcua.events"
DLQ_SUBJECT_PREFIX = "motcua.dlq"


def event_subject(commune_code: str, event_type: str, version: int) -> str:
    return f"{EVENTS_SUBJECT_PREFIX}.{commune_code}.{event_type}.v{version}"


def event_subject_filter(event_type: str = "*", version: int | None = None, commune_code: str = "*") -> str:
    """A subject filter for one or all communes and one or all event types."""
    return f"{EVENTS_SUBJECT_PREFIX}.{commune_code}.{event_type}.{'*' if version is None else f'v{version}'}"


def dead_letter_subject(service: str, consumer: str) -> str:
    return f"{DLQ_SUBJECT_PREFIX}.{service}.{consumer}"
