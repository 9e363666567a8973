"""What other services may ask survey (role ``service``): a ballot's one-time link, for notify to
invite the citizen by SMS or e-mail. The link is a bearer secret, so it never travels on the bus
(``BallotOpened`` carries the ballot's id only)."""

from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from pymongo.asynchronous.database import AsyncDatabase

from motcua_runtime.errors import UserFacingError

from motcua_survey.adapters.repository import find_ballot
from motcua_survey.domain.model import BallotStatus


class BallotLinkOut(BaseModel):
    ballot_id: str
    commune_code: str
    dossier_id: str
    dossier_code: str
    url: str = Field(description="The citizen's one-time link, <SURVEY_PUBLIC_BASE_URL>/p/<token>")
    status: str = Field(description="open, submitted, expired: notify invites only to an open ballot")
    expires_at: datetime


def router(db: Callable[[], AsyncDatabase], public_base_url: str = "") -> APIRouter:
    api = APIRouter(prefix="/v1/internal", tags=["internal"])

    @api.get("/ballots/{ballot_id}/link", response_model=BallotLinkOut,
             summary="A ballot's one-time link, for the service that invites the citizen (role service)")
    async def ballot_link(request: Request, ballot_id: UUID) -> BallotLinkOut:
        ballot = await find_ballot(db(), ballot_id)
        if ballot is None:
            raise UserFacingError(404, "ballot_not_found", "Không tìm thấy phiếu đánh giá này.", "No such ballot.")
        base = public_base_url.rstrip("/") or str(request.base_url).rstrip("/")
        expired = ballot.status is BallotStatus.OPEN and ballot.expires_at <= datetime.now(UTC)
        status = BallotStatus.EXPIRED.value if expired else ballot.status.value
        return BallotLinkOut(ballot_id=str(ballot.id), commune_code=ballot.commune_code,
                             dossier_id=str(ballot.dossier_id), dossier_code=ballot.dossier_code,
                             url=f"{base}/p/{ballot.token}", status=status, expires_at=ballot.expires_at)

    return api
