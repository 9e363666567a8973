"""HTTP API of the figures. Translates requests into queries; nothing more."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from motcua_contracts import CommuneCode

from motcua_reporting.domain.figures import Figures
from motcua_reporting.service_layer import views

CommunePath = Annotated[CommuneCode, Path(description="Commune (tenant) code")]

#: Rates are fractions between 0 and 1, rounded for display (the counts are exact).
RATE_DIGITS = 4


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, RATE_DIGITS)


class FiguresOut(BaseModel):
    received: int = Field(description="Dossiers received")
    received_by_channel: dict[str, int] = Field(description="Dossiers received, by submission channel")
    returned: int = Field(description="Results returned")
    early: int = Field(description="Results returned before the appointment date (trước hạn)")
    on_time: int = Field(description="Results returned on the appointment date (đúng hạn)")
    late: int = Field(description="Results returned after the appointment date (quá hạn)")
    returned_at_home: int = Field(description="Results handed back at the citizen's home")
    ballots: int = Field(description="Satisfaction ballots submitted")
    satisfied: int = Field(description="Ballots rated satisfied or very satisfied")
    received_in_sessions: int = Field(description="Dossiers received in an out-of-hours session")
    assisted: int = Field(description="Dossiers whose submission a volunteer assisted")
    returned_free_of_charge: int = Field(description="Results handed back free of charge (priority groups)")
    supplements_requested: int = Field(description="Supplement requests (at most one per dossier)")
    refused: int = Field(description="Dossiers refused")
    withdrawn: int = Field(description="Dossiers withdrawn by the citizen")
    rescheduled: int = Field(
        description="Reschedules (new appointments with an apology); a dossier moved twice counts 2")
    on_time_rate: float | None = Field(
        description="(early + on_time) / returned, 0..1 (Decision 766 on-time rate); null when nothing returned")
    ballot_satisfaction_rate: float | None = Field(
        description="satisfied / ballots, 0..1. The ballot rate, NOT the Decision 766 satisfaction index; "
                    "null when no ballot")
    online_share: float | None = Field(
        description="Dossiers received online (channels online and assisted) / received, 0..1; "
                    "null when nothing received")
    updated_at: datetime | None = Field(description="When these counters last changed; null before any event")

    @classmethod
    def of(cls, figures: Figures, **extra) -> "FiguresOut":
        return cls(
            received=figures.received,
            received_by_channel=dict(figures.received_by_channel),
            returned=figures.returned,
            early=figures.early,
            on_time=figures.on_time,
            late=figures.late,
            returned_at_home=figures.returned_at_home,
            ballots=figures.ballots,
            satisfied=figures.satisfied,
            received_in_sessions=figures.received_in_sessions,
            assisted=figures.assisted,
            returned_free_of_charge=figures.returned_free_of_charge,
            supplements_requested=figures.supplements_requested,
            refused=figures.refused,
            withdrawn=figures.withdrawn,
            rescheduled=figures.rescheduled,
            on_time_rate=_rate(figures.on_time_rate),
            ballot_satisfaction_rate=_rate(figures.ballot_satisfaction_rate),
            online_share=_rate(figures.online_share),
            updated_at=figures.updated_at,
            **extra,
        )


class _CommuneCode(BaseModel):
    commune_code: str


class CommuneFiguresOut(FiguresOut, _CommuneCode):
    """A commune's figures (``commune_code`` first, then the same fields as the total)."""


class DistrictFiguresOut(BaseModel):
    communes: list[CommuneFiguresOut]
    total: FiguresOut = Field(description="Sums over the communes; rates computed from the sums")


def router(reader: views.ReaderFactory) -> APIRouter:
    api = APIRouter(prefix="/v1", tags=["figures"])

    @api.get("/communes/{commune_code}/figures", response_model=CommuneFiguresOut,
             summary="Figures of one commune (zeros before its first event)")
    async def commune_figures(commune_code: CommunePath) -> CommuneFiguresOut:
        figures = await views.commune_figures(reader(), commune_code)
        return CommuneFiguresOut.of(figures, commune_code=commune_code)

    @api.get("/figures", response_model=DistrictFiguresOut,
             summary="Figures of every commune of the district, and the district total")
    async def district_figures() -> DistrictFiguresOut:
        district = await views.district_figures(reader())
        return DistrictFiguresOut(
            communes=[CommuneFiguresOut.of(f, commune_code=code) for code, f in district.communes],
            total=FiguresOut.of(district.total),
        )

    return api
