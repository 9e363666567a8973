"""Survey's use cases: open one ballot per returned result, take one submission per ballot."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

import structlog

from motcua_contracts import BallotOpened, Envelope, ResultReturned, SurveySubmitted, new_envelope
from motcua_runtime.unit_of_work import UnitOfWork, apply_once

from motcua_survey.domain.model import AlreadySubmitted, Ballot, BallotError, Rating

SOURCE = "survey"
CONSUMER_RETURNED = "survey-result-returned"

log = structlog.get_logger("motcua.survey")


class BallotNotFound(BallotError):
    code = "ballot_not_found"


class BallotRepository(Protocol):
    async def add(self, ballot: Ballot) -> None: ...
    async def get(self, commune_code: str, ballot_id: UUID) -> Ballot | None: ...
    async def get_for_dossier(self, commune_code: str, dossier_id: UUID) -> Ballot | None: ...
    async def mark_submitted(self, ballot: Ballot) -> bool:
        """Store the submission only if the ballot is still open; False when another won."""
        ...


class SurveyUnitOfWork(UnitOfWork, Protocol):
    ballots: BallotRepository


@dataclass(frozen=True)
class SubmitBallot:
    commune_code: str
    ballot_id: UUID
    overall: int
    correlation_id: str
    factors: dict[str, int] = field(default_factory=dict)
    comment: str | None = None
    #: The citizen's proof that the ballot is theirs (the token of the link they were sent).
    #: ``None`` when the commune's staff enter a paper ballot: the entrypoint checked who they are.
    token: str | None = None


async def on_result_returned(
    envelope: Envelope[ResultReturned], uow: SurveyUnitOfWork, *, ttl: timedelta, now: datetime
) -> bool:
    """Open the dossier's ballot and announce it, once. Returns False for a duplicate event."""
    returned = envelope.data

    async def effect(u: SurveyUnitOfWork) -> None:
        # Second guard beside the processed mark: the same fact under another event id
        # (a re-publication by intake) must not open a second ballot either.
        if await u.ballots.get_for_dossier(envelope.commune_code, returned.dossier_id) is not None:
            log.info("survey.ballot_exists", dossier_code=returned.dossier_code)
            return
        ballot = Ballot.open(
            commune_code=envelope.commune_code,
            dossier_id=returned.dossier_id,
            dossier_code=returned.dossier_code,
            procedure_code=returned.procedure_code,
            officer_id=returned.officer_id,
            opened_at=now,
            ttl=ttl,
        )
        await u.ballots.add(ballot)
        u.emit(
            new_envelope(
                BallotOpened(
                    ballot_id=ballot.id,
                    dossier_id=ballot.dossier_id,
                    dossier_code=ballot.dossier_code,
                    procedure_code=ballot.procedure_code,
                    officer_id=ballot.officer_id,
                    expires_at=ballot.expires_at,
                ),
                source=SOURCE,
                commune_code=ballot.commune_code,
                correlation_id=envelope.correlation_id,
                causation_id=str(envelope.event_id),
                occurred_at=now,
            )
        )

    return await apply_once(uow, CONSUMER_RETURNED, str(envelope.event_id), effect)


async def submit_ballot(command: SubmitBallot, uow: SurveyUnitOfWork, now: datetime) -> Ballot:
    rating = Rating(overall=command.overall, factors=dict(command.factors), comment=command.comment)
    async with uow:
        ballot = await uow.ballots.get(command.commune_code, command.ballot_id)
        if ballot is None or (command.token is not None and not ballot.token_matches(command.token)):
            # A wrong token answers like an unknown ballot: nothing to learn by guessing.
            raise BallotNotFound(str(command.ballot_id))
        ballot.submit(rating, now)
        # Guarded by status "open": of two concurrent submissions only one commits.
        if not await uow.ballots.mark_submitted(ballot):
            raise AlreadySubmitted(str(ballot.id))
        uow.emit(
            new_envelope(
                SurveySubmitted(
                    ballot_id=ballot.id,
                    dossier_id=ballot.dossier_id,
                    dossier_code=ballot.dossier_code,
                    procedure_code=ballot.procedure_code,
                    officer_id=ballot.officer_id,
                    overall=rating.overall,
                    satisfied=rating.satisfied,
                    factors={str(factor): score for factor, score in rating.factors.items()},
                    submitted_at=now,
                ),
                source=SOURCE,
                commune_code=ballot.commune_code,
                correlation_id=command.correlation_id,
                occurred_at=now,
            )
        )
        await uow.commit()
    return ballot


UowFactory = Callable[[], SurveyUnitOfWork]
