"""Stream subscribers: translate a message into a handler call, nothing more."""

from faststream.nats import NatsBroker

from motcua_contracts import (
    BallotOpened,
    DossierReceived,
    DossierRescheduled,
    Envelope,
    FeedbackAnswered,
    ResultReady,
    ResultReturned,
    SessionBooked,
    SessionBookingCancelled,
    SurveySubmitted,
)
from motcua_runtime.consumer import event_subscriber
from motcua_runtime.settings import ServiceSettings

from motcua_notify.service_layer import handlers


def register(broker: NatsBroker, settings: ServiceSettings, uow_factory: handlers.UowFactory, wake=lambda: None) -> None:
    options = dict(
        max_deliver=settings.max_deliver,
        ack_wait_seconds=settings.ack_wait_seconds,
        batch_size=settings.pull_batch_size,
    )

    @event_subscriber(broker, durable=handlers.CONSUMER_RECEIVED, event_type="DossierReceived", version=1,
                      description="Receipt messages (and reminders of a session date the receipt names)", **options)
    async def dossier_received(event: Envelope[DossierReceived]) -> None:
        if await handlers.on_dossier_received(event, uow_factory()):
            wake()

    @event_subscriber(broker, durable=handlers.CONSUMER_READY, event_type="ResultReady", version=1,
                      description="Result-ready messages; the life event's letter, ready to hand over", **options)
    async def result_ready(event: Envelope[ResultReady]) -> None:
        if await handlers.on_result_ready(event, uow_factory()):
            wake()

    @event_subscriber(broker, durable=handlers.CONSUMER_RETURNED, event_type="ResultReturned", version=1,
                      description="Apologies for late results that were not rescheduled; life-event letters",
                      **options)
    async def result_returned(event: Envelope[ResultReturned]) -> None:
        if await handlers.on_result_returned(event, uow_factory()):
            wake()

    @event_subscriber(broker, durable=handlers.CONSUMER_RESCHEDULED, event_type="DossierRescheduled", version=1,
                      description="Apology letters with the new appointment, one per reschedule", **options)
    async def dossier_rescheduled(event: Envelope[DossierRescheduled]) -> None:
        if await handlers.on_dossier_rescheduled(event, uow_factory()):
            wake()

    @event_subscriber(broker, durable=handlers.CONSUMER_SURVEY, event_type="SurveySubmitted", version=1,
                      description="Thanks letters after a dossier's satisfaction ballot", **options)
    async def survey_submitted(event: Envelope[SurveySubmitted]) -> None:
        if await handlers.on_survey_submitted(event, uow_factory()):
            wake()

    @event_subscriber(broker, durable=handlers.CONSUMER_FEEDBACK, event_type="FeedbackAnswered", version=1,
                      description="Thanks letters after a feedback item was answered", **options)
    async def feedback_answered(event: Envelope[FeedbackAnswered]) -> None:
        if await handlers.on_feedback_answered(event, uow_factory()):
            wake()

    @event_subscriber(broker, durable=handlers.CONSUMER_BOOKED, event_type="SessionBooked", version=1,
                      description="Reminders the day before an out-of-hours session the citizen booked", **options)
    async def session_booked(event: Envelope[SessionBooked]) -> None:
        if await handlers.on_session_booked(event, uow_factory()):
            wake()

    @event_subscriber(broker, durable=handlers.CONSUMER_BOOKING_CANCELLED, event_type="SessionBookingCancelled",
                      version=1, description="A cancelled booking's reminder is not sent", **options)
    async def session_booking_cancelled(event: Envelope[SessionBookingCancelled]) -> None:
        await handlers.on_session_booking_cancelled(event, uow_factory())

    @event_subscriber(broker, durable=handlers.CONSUMER_BALLOT, event_type="BallotOpened", version=1,
                      description="Invitations to rate the service, with the ballot's one-time link", **options)
    async def ballot_opened(event: Envelope[BallotOpened]) -> None:
        if await handlers.on_ballot_opened(event, uow_factory()):
            wake()
