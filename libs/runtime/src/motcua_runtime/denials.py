"""Reading the refused attempts every service keeps (``access_denials``, written by
``auth.record_denial``), and keeping them only so long.

Each service serves the same two read-only routes, installed by ``build_service_app``; their
rules are in every ``AccessPolicy`` from the start (``auth.AccessPolicy.__post_init__``):

- ``GET /v1/communes/{commune_code}/access-denials`` — the commune leader (and the district
  overseer): attempts on the commune's data by others, and refusals of the commune's own staff;
- ``GET /v1/access-denials`` — administrators and overseers: every commune's, filterable.

A TTL index removes entries after ``MOTCUA_ACCESS_DENIAL_RETENTION_DAYS`` (default 365), so a
flood of refused requests cannot fill the disk.
"""

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field
from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure

from motcua_runtime.auth import ACCESS_DENIALS
from motcua_runtime.clock import local_day_bounds

VIETNAM = timezone(timedelta(hours=7))
COMMUNE_ROUTE = "/v1/communes/{commune_code}/access-denials"
DISTRICT_ROUTE = "/v1/access-denials"


async def ensure_denial_indexes(db: AsyncDatabase, retention_days: int) -> None:
    seconds = int(retention_days * 24 * 3600)
    try:
        await db[ACCESS_DENIALS].create_index("at", expireAfterSeconds=seconds, name="denials_ttl")
    except OperationFailure:  # the retention changed: adjust the TTL in place
        await db.command({"collMod": ACCESS_DENIALS, "index": {"name": "denials_ttl", "expireAfterSeconds": seconds}})
    await db[ACCESS_DENIALS].create_index([("commune_code", DESCENDING), ("at", DESCENDING)])
    await db[ACCESS_DENIALS].create_index([("communes", DESCENDING), ("at", DESCENDING)])


class DenialOut(BaseModel):
    at: datetime
    service: str | None
    status: int = Field(description="401, 403, or 404 (a signed-in caller asking for what is not theirs)")
    code: str
    method: str
    route: str | None
    commune_code: str | None = Field(description="The commune the request named, if any")
    subject: str | None = Field(description="Who (the token's subject); null without a valid token")
    roles: list[str]
    communes: list[str] = Field(description="The caller's communes")
    token_presented: bool
    client_ip: str | None
    correlation_id: str | None


class DenialPage(BaseModel):
    items: list[DenialOut]
    total: int


def _bounds(start: date | None, end: date | None) -> dict:
    lower, upper = local_day_bounds(start, end, VIETNAM)
    at = {**({"$gte": lower} if lower else {}), **({"$lt": upper} if upper else {})}
    return {"at": at} if at else {}


def router(db: Callable[[], AsyncDatabase]) -> APIRouter:
    api = APIRouter(tags=["access denials"])

    async def page(query: dict, limit: int, offset: int) -> DenialPage:
        collection = db()[ACCESS_DENIALS]
        total = await collection.count_documents(query)
        cursor = collection.find(query).sort("at", DESCENDING).skip(offset).limit(limit)
        return DenialPage(items=[DenialOut(**{k: d.get(k) for k in DenialOut.model_fields if k != "communes"},
                                           communes=d.get("communes") or []) async for d in cursor], total=total)

    Limit = Annotated[int, Query(ge=1, le=500)]
    Offset = Annotated[int, Query(ge=0, le=1_000_000)]
    From = Annotated[date | None, Query(alias="from", description="First local day")]
    To = Annotated[date | None, Query(alias="to", description="Last local day")]

    @api.get(COMMUNE_ROUTE, response_model=DenialPage,
             summary="Refused attempts on this commune's data, and by its own staff (commune leader, overseer)")
    async def of_commune(commune_code: Annotated[str, Path(max_length=32)], start: From = None,
                         end: To = None, limit: Limit = 100, offset: Offset = 0) -> DenialPage:
        query = {"$or": [{"commune_code": commune_code}, {"communes": commune_code}], **_bounds(start, end)}
        return await page(query, limit, offset)

    @api.get(DISTRICT_ROUTE, response_model=DenialPage,
             summary="Every refused attempt this service kept (administrators, overseers)")
    async def everywhere(commune_code: Annotated[str | None, Query(max_length=32)] = None,
                         subject: Annotated[str | None, Query(max_length=200)] = None,
                         start: From = None, end: To = None,
                         limit: Limit = 100, offset: Offset = 0) -> DenialPage:
        query: dict = _bounds(start, end)
        if commune_code:
            query["commune_code"] = commune_code
        if subject:
            query["subject"] = subject
        return await page(query, limit, offset)

    return api
