"""The event envelope: what every event on the bus carries around its data."""

from datetime import UTC, datetime
from typing import Generic, TypeVar
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, field_validator

from motcua_contracts.events import EventData
from motcua_contracts.types import CommuneCode

D = TypeVar("D", bound=EventData)


class Envelope(BaseModel, Generic[D]):
    """One event on the bus.

    Serialised as the message body (JSON). ``event_id`` is also the ``Nats-Msg-Id``
    header, so JetStream drops a re-publication of the same event, and consumers
    use it to apply an event's effect once.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: UUID = Field(description="Unique id of this event; the Nats-Msg-Id of its message.")
    event_type: str = Field(description="Name of the event, e.g. 'DossierReceived'.")
    schema_version: int = Field(ge=1, description="Major version of the event's schema.")
    occurred_at: datetime = Field(description="When the fact happened (UTC, ISO 8601).")
    source: str = Field(description="The service that published the event, e.g. 'intake'.")
    commune_code: CommuneCode = Field(description="The commune (tenant) the event belongs to.")
    correlation_id: str = Field(description="Id shared by everything one user request caused.")
    causation_id: str | None = Field(
        default=None, description="event_id (or request id) of what directly caused this event."
    )
    data: D = Field(description="The event's own fields.")

    @field_validator("occurred_at")
    @classmethod
    def _must_be_aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("occurred_at must carry a timezone")
        return value.astimezone(UTC)

    def subject(self) -> str:
        from motcua_contracts.subjects import event_subject

        return event_subject(self.commune_code, self.event_type, self.schema_version)


def new_envelope(
    data: EventData,
    *,
    source: str,
    commune_code: str,
    correlation_id: str,
    causation_id: str | None = None,
    occurred_at: datetime | None = None,
) -> Envelope:
    """Wrap event data in a fresh envelope (new event id)."""
    return Envelope[type(data)](  # type: ignore[misc]
        event_id=uuid4(),
        event_type=data.event_type,
        schema_version=data.schema_version,
        occurred_at=occurred_at or datetime.now(UTC),
        source=source,
        commune_code=commune_code,
        correlation_id=correlation_id,
        causation_id=causation_id,
        data=data,
    )
