"""Stream subscribers: one durable consumer per consumed event type; each translates a message
into one application of its effect to the read models, nothing more."""

from faststream.nats import NatsBroker
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.asynchronous.mongo_client import AsyncMongoClient

from motcua_contracts import Envelope, event_class
from motcua_runtime.consumer import event_subscriber
from motcua_runtime.locks import KeyedTurns
from motcua_runtime.settings import ServiceSettings
from motcua_runtime.unit_of_work import retry_transient

from motcua_reporting.adapters.storage import apply_events
from motcua_reporting.service_layer import handlers

DESCRIPTIONS = {
    "DossierReceived": "Dossiers received: by channel, field, procedure, officer; in out-of-hours sessions; assisted",
    "ResultReturned": "Results returned: early, on time, late; at home; free of charge; processing working days",
    "DossierSupplementRequested": "Supplement requests",
    "DossierRefused": "Dossiers refused (they end)",
    "DossierWithdrawn": "Dossiers withdrawn (they end)",
    "DossierTransferred": "Dossiers transferred to another commune (they end here)",
    "DossierRescheduled": "Reschedules: new appointments that call for an apology",
    "SurveySubmitted": "Satisfaction answers: ballot rate by officer, campaign, factor; unsatisfied and complaints",
    "FeedbackReceived": "Feedback and petitions received (a dossier's complaint for the Decision 766 index)",
    "FeedbackAnswered": "Feedback answered, on time or not",
    "LetterIssued": "Letters: apologies, congratulations by life event, condolences, thanks",
    "MessageSent": "Messages delivered (SMS counted apart)",
    "MessageFailed": "Messages that finally failed (SMS counted apart)",
    "SessionBooked": "Slots booked in out-of-hours sessions (by session), on the day of the booking",
    "SessionBookingCancelled": "Bookings of out-of-hours sessions cancelled (by session), on the day of the cancellation",
}


def register(broker: NatsBroker, settings: ServiceSettings, mongo: callable, db: callable) -> None:
    """``mongo``/``db``: callables giving the clients once the app has started."""
    options = dict(
        max_deliver=settings.max_deliver,
        ack_wait_seconds=settings.ack_wait_seconds,
        batch_size=settings.pull_batch_size,
    )
    # A commune's events increment the same counters documents, and a pull subscriber runs a
    # fetched batch concurrently: a commune's events take turns in this process (replicas still
    # meet in write conflicts, which retry_transient absorbs). A turn not given within a third of
    # the ack wait is a transient error: redelivered later.
    turns = KeyedTurns()
    wait = settings.ack_wait_seconds / 3

    async def apply(items: list) -> int:
        client: AsyncMongoClient = mongo()
        database: AsyncDatabase = db()
        # A fresh transaction per attempt.
        return await retry_transient(lambda: apply_events(client, database, items))

    async def project(envelope: Envelope) -> None:
        async with turns.turn(envelope.commune_code, wait_seconds=wait):
            await handlers.project(envelope, apply)

    for event_type in handlers.CONSUMED:
        _subscribe(broker, event_type, project, options)


def _subscribe(broker: NatsBroker, event_type: str, project, options: dict) -> None:
    data_class = event_class(event_type, 1)

    async def handle(event: Envelope[data_class]) -> None:  # type: ignore[valid-type]
        await project(event)

    handle.__name__ = handle.__qualname__ = f"on_{handlers.CONSUMERS[event_type].removeprefix('reporting-').replace('-', '_')}"
    event_subscriber(broker, durable=handlers.CONSUMERS[event_type], event_type=event_type, version=1,
                     description=DESCRIPTIONS[event_type], **options)(handle)
