"""Stream subscribers: translate a message into a handler call, nothing more."""

from datetime import timedelta

from faststream.nats import NatsBroker

from motcua_contracts import Envelope, ResultReturned
from motcua_runtime.clock import utc_now
from motcua_runtime.consumer import event_subscriber

from motcua_survey.service_layer import handlers
from motcua_survey.settings import SurveySettings


def register(broker: NatsBroker, settings: SurveySettings, uow_factory: handlers.UowFactory) -> None:
    options = dict(
        max_deliver=settings.max_deliver,
        ack_wait_seconds=settings.ack_wait_seconds,
        batch_size=settings.pull_batch_size,
    )
    ttl = timedelta(days=settings.ballot_ttl_days)

    @event_subscriber(broker, durable=handlers.CONSUMER_RETURNED, event_type="ResultReturned", version=1,
                      description="Open one satisfaction ballot per returned result", **options)
    async def result_returned(event: Envelope[ResultReturned]) -> None:
        await handlers.on_result_returned(event, uow_factory(), ttl=ttl, now=utc_now(), anonymous=settings.anonymous)
