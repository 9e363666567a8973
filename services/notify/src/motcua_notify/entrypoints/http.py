from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from motcua_contracts import CommuneCode

from motcua_notify.adapters.storage import list_notifications


class NotificationOut(BaseModel):
    id: str
    commune_code: str
    dossier_code: str
    kind: str
    channel: str
    status: str
    event_id: str
    # An apology for a reschedule: why, and the appointment before and after.
    reason: str | None = None
    previous_appointment_at: datetime | None = None
    appointment_at: datetime | None = None


class NotificationPage(BaseModel):
    items: list[NotificationOut]


def router(db) -> APIRouter:
    api = APIRouter(prefix="/v1", tags=["notifications"])

    @api.get("/communes/{commune_code}/notifications", response_model=NotificationPage,
             summary="Notifications of a commune, optionally of one dossier")
    async def notifications(
        commune_code: Annotated[CommuneCode, Path()],
        dossier_code: str | None = None,
        limit: int = Query(200, ge=1, le=1000),
    ) -> NotificationPage:
        docs = await list_notifications(db(), commune_code, dossier_code, limit)
        return NotificationPage(items=[NotificationOut(id=d["_id"], **d) for d in docs])

    return api
