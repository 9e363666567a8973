"""JetStream stream definitions: the one place they are declared.

Services never create streams. ``motcua-provision`` (motcua_runtime.provision) creates
or updates them once per deployment, with the replica count of that deployment.
"""

from dataclasses import dataclass, field

from motcua_contracts.subjects import DLQ_SUBJECT_PREFIX, EVENTS_SUBJECT_PREFIX

DAY = 24 * 3600


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: list[str]
    description: str
    max_age_seconds: float
    #: Window in which a re-published Nats-Msg-Id is dropped by the server.
    duplicate_window_seconds: float
    max_bytes: int = -1
    storage: str = "file"
    extra: dict = field(default_factory=dict)


EVENTS = StreamSpec(
    name="MOTCUA_EVENTS",
    subjects=[f"{EVENTS_SUBJECT_PREFIX}.>"],
    description="Domain events of every commune. Kept long enough to rebuild read models.",
    # Reporting rebuilds its read models from this stream: keep several years.
    max_age_seconds=5 * 365 * DAY,
    # An outbox relay that crashed after publishing but before marking re-publishes
    # on restart; one hour covers a restart with room to spare.
    duplicate_window_seconds=3600,
)

DEAD_LETTERS = StreamSpec(
    name="MOTCUA_DLQ",
    subjects=[f"{DLQ_SUBJECT_PREFIX}.>"],
    description="Messages a consumer could not process, with the reason in headers.",
    max_age_seconds=90 * DAY,
    duplicate_window_seconds=3600,
)

ALL_STREAMS = (EVENTS, DEAD_LETTERS)
