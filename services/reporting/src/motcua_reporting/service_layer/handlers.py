"""Reporting's use cases: count an incoming event into the figures, once."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

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
from motcua_runtime.unit_of_work import UnitOfWork, apply_once

from motcua_reporting.domain import figures

CONSUMER_RECEIVED = "reporting-dossier-received"
CONSUMER_RETURNED = "reporting-result-returned"
CONSUMER_SURVEY = "reporting-survey-submitted"
CONSUMER_SUPPLEMENT_REQUESTED = "reporting-dossier-supplement-requested"
CONSUMER_REFUSED = "reporting-dossier-refused"
CONSUMER_WITHDRAWN = "reporting-dossier-withdrawn"
CONSUMER_RESCHEDULED = "reporting-dossier-rescheduled"


class FiguresRepository(Protocol):
    async def increment(self, commune_code: str, day: str, increments: figures.Increments, at: datetime) -> None:
        """Add ``increments`` to the commune's counters and to its counters of ``day``
        (YYYY-MM-DD, Vietnam local time); ``updated_at`` becomes at least ``at``."""
        ...


class ReportingUnitOfWork(UnitOfWork, Protocol):
    figures: FiguresRepository


async def _count(uow: ReportingUnitOfWork, consumer: str, envelope: Envelope,
                 increments: figures.Increments, now: datetime | None) -> bool:
    day = figures.local_day(envelope.occurred_at)
    at = now or datetime.now(UTC)

    async def effect(u: ReportingUnitOfWork) -> None:
        await u.figures.increment(envelope.commune_code, day, increments, at)

    # The counters and the processed mark commit together: a redelivered or
    # duplicated event finds the mark and counts nothing.
    return await apply_once(uow, consumer, str(envelope.event_id), effect)


async def on_dossier_received(envelope: Envelope[DossierReceived], uow: ReportingUnitOfWork,
                              now: datetime | None = None) -> bool:
    return await _count(uow, CONSUMER_RECEIVED, envelope,
                        figures.increments_for_dossier_received(envelope.data), now)


async def on_result_returned(envelope: Envelope[ResultReturned], uow: ReportingUnitOfWork,
                             now: datetime | None = None) -> bool:
    return await _count(uow, CONSUMER_RETURNED, envelope,
                        figures.increments_for_result_returned(envelope.data), now)


async def on_survey_submitted(envelope: Envelope[SurveySubmitted], uow: ReportingUnitOfWork,
                              now: datetime | None = None) -> bool:
    return await _count(uow, CONSUMER_SURVEY, envelope,
                        figures.increments_for_survey_submitted(envelope.data), now)


async def on_supplement_requested(envelope: Envelope[DossierSupplementRequested], uow: ReportingUnitOfWork,
                                  now: datetime | None = None) -> bool:
    return await _count(uow, CONSUMER_SUPPLEMENT_REQUESTED, envelope,
                        figures.increments_for_supplement_requested(envelope.data), now)


async def on_dossier_refused(envelope: Envelope[DossierRefused], uow: ReportingUnitOfWork,
                             now: datetime | None = None) -> bool:
    return await _count(uow, CONSUMER_REFUSED, envelope,
                        figures.increments_for_dossier_refused(envelope.data), now)


async def on_dossier_withdrawn(envelope: Envelope[DossierWithdrawn], uow: ReportingUnitOfWork,
                               now: datetime | None = None) -> bool:
    return await _count(uow, CONSUMER_WITHDRAWN, envelope,
                        figures.increments_for_dossier_withdrawn(envelope.data), now)


async def on_dossier_rescheduled(envelope: Envelope[DossierRescheduled], uow: ReportingUnitOfWork,
                                 now: datetime | None = None) -> bool:
    return await _count(uow, CONSUMER_RESCHEDULED, envelope,
                        figures.increments_for_dossier_rescheduled(envelope.data), now)


UowFactory = Callable[[], ReportingUnitOfWork]
