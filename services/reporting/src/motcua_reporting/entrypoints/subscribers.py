"""Stream subscribers: translate a message into a handler call, nothing more."""

from faststream.nats import NatsBroker

from motcua_contracts import (
    DossierReceived,
    DossierRefused,
    DossierRescheduled,
    DossierSupplementRequested,
    DossierWithdrawn,
    Envelope,
    ResultReturned,
    SurveySubmitted,
)
from motcua_runtime.consumer import event_subscriber
from motcua_runtime.locks import KeyedTurns
from motcua_runtime.settings import ServiceSettings
from motcua_runtime.unit_of_work import retry_transient

from motcua_reporting.service_layer import handlers


def register(broker: NatsBroker, settings: ServiceSettings, uow_factory: handlers.UowFactory) -> None:
    options = dict(
        max_deliver=settings.max_deliver,
        ack_wait_seconds=settings.ack_wait_seconds,
        batch_size=settings.pull_batch_size,
    )
    # Every event of a commune increments the same counters documents, and a pull
    # subscriber runs a fetched batch concurrently: a commune's events take turns in this
    # process (replicas still meet in write conflicts, which retry_transient absorbs).
    # A turn not given within a third of the ack wait is a transient error: redelivered later.
    turns = KeyedTurns()
    wait = settings.ack_wait_seconds / 3

    async def count(envelope: Envelope, handler) -> None:
        async with turns.turn(envelope.commune_code, wait_seconds=wait):
            # A fresh unit of work per attempt.
            await retry_transient(lambda: handler(envelope, uow_factory()))

    @event_subscriber(broker, durable=handlers.CONSUMER_RECEIVED, event_type="DossierReceived", version=1,
                      description="Dossiers received, by channel; in out-of-hours sessions; assisted", **options)
    async def dossier_received(event: Envelope[DossierReceived]) -> None:
        await count(event, handlers.on_dossier_received)

    @event_subscriber(broker, durable=handlers.CONSUMER_RETURNED, event_type="ResultReturned", version=1,
                      description="Results returned: early, on time, late, at home, free of charge", **options)
    async def result_returned(event: Envelope[ResultReturned]) -> None:
        await count(event, handlers.on_result_returned)

    @event_subscriber(broker, durable=handlers.CONSUMER_SURVEY, event_type="SurveySubmitted", version=1,
                      description="Satisfaction ballots submitted, and how many satisfied", **options)
    async def survey_submitted(event: Envelope[SurveySubmitted]) -> None:
        await count(event, handlers.on_survey_submitted)

    @event_subscriber(broker, durable=handlers.CONSUMER_SUPPLEMENT_REQUESTED, event_type="DossierSupplementRequested",
                      version=1, description="Supplement requests", **options)
    async def supplement_requested(event: Envelope[DossierSupplementRequested]) -> None:
        await count(event, handlers.on_supplement_requested)

    @event_subscriber(broker, durable=handlers.CONSUMER_REFUSED, event_type="DossierRefused", version=1,
                      description="Dossiers refused", **options)
    async def dossier_refused(event: Envelope[DossierRefused]) -> None:
        await count(event, handlers.on_dossier_refused)

    @event_subscriber(broker, durable=handlers.CONSUMER_WITHDRAWN, event_type="DossierWithdrawn", version=1,
                      description="Dossiers withdrawn", **options)
    async def dossier_withdrawn(event: Envelope[DossierWithdrawn]) -> None:
        await count(event, handlers.on_dossier_withdrawn)

    @event_subscriber(broker, durable=handlers.CONSUMER_RESCHEDULED, event_type="DossierRescheduled", version=1,
                      description="Reschedules (new appointments with an apology)", **options)
    async def dossier_rescheduled(event: Envelope[DossierRescheduled]) -> None:
        await count(event, handlers.on_dossier_rescheduled)
