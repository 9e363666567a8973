"""HTTP API of the ballots. Translates requests into commands; nothing more."""

from datetime import datetime
from typing import Annotated, Callable
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from motcua_contracts import CommuneCode
from motcua_runtime.errors import UserFacingError
from motcua_runtime.unit_of_work import retry_transient
from motcua_runtime.clock import utc_now

from motcua_survey.adapters.repository import list_ballots
from motcua_survey.domain.model import (
    AlreadySubmitted,
    Ballot,
    BallotExpired,
    BallotStatus,
    InvalidRating,
    SipasFactor,
)
from motcua_survey.service_layer import handlers

CommunePath = Annotated[CommuneCode, Path(description="Commune (tenant) code")]
Score = Annotated[int, Field(ge=1, le=5, strict=True)]


class SubmissionIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    overall: Score = Field(description="Overall rating, 1 (very unsatisfied) to 5 (very satisfied).")
    factors: dict[SipasFactor, Score] | None = Field(
        default=None, description="SIPAS factors rated 1..5: access, procedure, officer, result, feedback."
    )
    comment: str | None = Field(default=None, max_length=2000)
    token: str | None = Field(
        default=None, max_length=64,
        description="The ballot's token from the citizen's link: required without a sign-in of the commune's "
                    "staff or survey team (who enter paper ballots).")


class BallotOut(BaseModel):
    ballot_id: str
    dossier_code: str
    procedure_code: str
    officer_id: str | None
    status: BallotStatus
    token: str
    opened_at: datetime
    expires_at: datetime
    submitted_at: datetime | None

    @classmethod
    def of(cls, ballot: Ballot, now: datetime) -> "BallotOut":
        return cls(
            ballot_id=str(ballot.id),
            dossier_code=ballot.dossier_code,
            procedure_code=ballot.procedure_code,
            officer_id=ballot.officer_id,
            status=ballot.status_at(now),
            token=ballot.token,
            opened_at=ballot.opened_at,
            expires_at=ballot.expires_at,
            submitted_at=ballot.submitted_at,
        )


class BallotPage(BaseModel):
    items: list[BallotOut]


class SubmissionOut(BaseModel):
    ballot_id: str
    dossier_code: str
    procedure_code: str
    officer_id: str | None
    overall: int
    satisfied: bool
    factors: dict[SipasFactor, int]
    comment: str | None
    submitted_at: datetime

    @classmethod
    def of(cls, ballot: Ballot) -> "SubmissionOut":
        assert ballot.rating is not None and ballot.submitted_at is not None
        return cls(
            ballot_id=str(ballot.id),
            dossier_code=ballot.dossier_code,
            procedure_code=ballot.procedure_code,
            officer_id=ballot.officer_id,
            overall=ballot.rating.overall,
            satisfied=ballot.rating.satisfied,
            factors=ballot.rating.factors,
            comment=ballot.rating.comment,
            submitted_at=ballot.submitted_at,
        )


def router(uow_factory: Callable[[], handlers.SurveyUnitOfWork], db) -> APIRouter:
    api = APIRouter(prefix="/v1", tags=["ballots"])

    @api.get("/communes/{commune_code}/ballots", response_model=BallotPage,
             summary="Ballots of a commune, optionally of one dossier or one status")
    async def list_(
        commune_code: CommunePath,
        dossier_code: str | None = None,
        status: BallotStatus | None = None,
        limit: int = Query(50, ge=1, le=500),
    ) -> BallotPage:
        now = utc_now()
        items = await list_ballots(db(), commune_code, now=now, dossier_code=dossier_code, status=status, limit=limit)
        return BallotPage(items=[BallotOut.of(b, now) for b in items])

    @api.post("/communes/{commune_code}/ballots/{ballot_id}/submission", status_code=201,
              response_model=SubmissionOut, summary="Submit the citizen's rating (once per ballot)")
    async def submit(commune_code: CommunePath, ballot_id: str, body: SubmissionIn, request: Request) -> SubmissionOut:
        try:
            parsed_id = UUID(ballot_id)
        except ValueError:
            raise _not_found() from None
        # Set by the access rule (entrypoints/access.py): staff of this commune, or None for a
        # citizen, who then proves the ballot is theirs with its token.
        staff = getattr(request.state, "principal", None)
        if staff is None and not body.token:
            raise _not_found()
        command = handlers.SubmitBallot(
            commune_code=commune_code,
            ballot_id=parsed_id,
            overall=body.overall,
            factors={str(k): v for k, v in (body.factors or {}).items()},
            comment=body.comment or None,
            correlation_id=request.state.correlation_id,
            token=None if staff is not None else body.token,
        )
        try:
            ballot = await retry_transient(lambda: handlers.submit_ballot(command, uow_factory(), utc_now()))
        except handlers.BallotNotFound as error:
            raise _not_found() from error
        except AlreadySubmitted as error:
            raise UserFacingError(
                409, error.code,
                "Phiếu đánh giá này đã được gửi trước đó. Cảm ơn ông/bà đã đánh giá.",
                "This ballot has already been submitted. Thank you for your feedback.",
            ) from error
        except BallotExpired as error:
            raise UserFacingError(
                410, error.code,
                "Phiếu đánh giá này đã hết hạn nên không thể gửi được nữa. Cảm ơn ông/bà đã quan tâm.",
                "This ballot has expired and can no longer be submitted. Thank you for your interest.",
            ) from error
        except InvalidRating as error:
            raise UserFacingError(
                422, error.code,
                "Điểm đánh giá không hợp lệ: mỗi tiêu chí được chấm từ 1 đến 5.",
                "The rating is not valid: each criterion is scored from 1 to 5.",
            ) from error
        return SubmissionOut.of(ballot)

    return api


def _not_found() -> UserFacingError:
    return UserFacingError(
        404, "ballot_not_found",
        "Không tìm thấy phiếu đánh giá này của xã/phường.",
        "No such ballot in this commune.",
    )
