"""Stream subscribers: translate a message into a handler call, nothing more."""

from faststream.nats import NatsBroker

from motcua_contracts import DossierReceived, DossierRescheduled, Envelope, ResultReturned
from motcua_runtime.consumer import event_subscriber
from motcua_runtime.settings import ServiceSettings

from motcua_notify.service_layer import handlers


def register(broker: NatsBroker, settings: ServiceSettings, uow_factory: handlers.UowFactory) -> None:
    options = dict(
        max_deliver=settings.max_deliver,
        ack_wait_seconds=settings.ack_wait_seconds,
        batch_size=settings.pull_batch_size,
    )

    @event_subscriber(broker, durable=handlers.CONSUMER_RECEIVED, event_type="DossierReceived", version=1,
                      description="Receipt notices and life-event letters", **options)
    async def dossier_received(event: Envelope[DossierReceived]) -> None:
        await handlers.on_dossier_received(event, uow_factory())

    @event_subscriber(broker, durable=handlers.CONSUMER_RETURNED, event_type="ResultReturned", version=1,
                      description="Apology letters for late results that were not rescheduled", **options)
    async def result_returned(event: Envelope[ResultReturned]) -> None:
        await handlers.on_result_returned(event, uow_factory())

    @event_subscriber(broker, durable=handlers.CONSUMER_RESCHEDULED, event_type="DossierRescheduled", version=1,
                      description="Apology letters with the new appointment, one per reschedule", **options)
    async def dossier_rescheduled(event: Envelope[DossierRescheduled]) -> None:
        await handlers.on_dossier_rescheduled(event, uow_factory())
