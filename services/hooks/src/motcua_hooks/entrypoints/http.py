"""HTTP API: the public catalogue (open), webhook subscriptions (administrators)."""

import secrets
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import AnyHttpUrl, BaseModel, Field, field_validator, model_validator

from motcua_contracts import CommuneCode
from motcua_contracts.catalogue import asyncapi_document, catalogue_document, public_event_classes
from motcua_contracts.export import schema_documents
from motcua_runtime.clock import utc_now
from motcua_runtime.errors import UserFacingError

from motcua_hooks.domain.subscriptions import ACTIVE, DELETED, PAUSED
from motcua_hooks.service_layer.handlers import new_id
from motcua_hooks.settings import HooksSettings

SubscriptionPath = Annotated[str, Path(description="Id of the subscription", max_length=64)]


class SubscriptionIn(BaseModel):
    subscriber: str = Field(min_length=1, max_length=100, description="The other system, e.g. 'cong-dvc-tinh'")
    callback_url: AnyHttpUrl = Field(description="Where events are POSTed (http or https)")
    secret: str | None = Field(default=None, min_length=16, max_length=200,
                               description="Key of the HMAC-SHA256 signature; generated when not given")
    event_types: list[Annotated[str, Field(max_length=100)]] = Field(
        default_factory=list, max_length=100, description="Public event types; empty: all of them")
    communes: list[CommuneCode] = Field(default_factory=list, max_length=1000,
                                        description="Commune codes; empty: every commune")
    fields: list[Annotated[str, Field(max_length=64)]] = Field(
        default_factory=list, max_length=50, description="Fields (lĩnh vực), e.g. 'ho_tich'; empty: all")
    retry_for_seconds: float | None = Field(default=None, gt=0,
                                            description="How long a failing delivery is retried before it is parked")
    description: str = Field(default="", max_length=500)

    @field_validator("event_types")
    @classmethod
    def _public_only(cls, value: list[str]) -> list[str]:
        public = {c.event_type for c in public_event_classes()}
        unknown = sorted(set(value) - public)
        if unknown:
            raise ValueError(f"not public events: {', '.join(unknown)}")
        return sorted(set(value))


class SubscriptionOut(BaseModel):
    subscription_id: str
    subscriber: str
    callback_url: str
    secret_hint: str = Field(description="Last 4 characters of the secret (the secret is shown once, at creation)")
    event_types: list[str]
    communes: list[str]
    fields: list[str]
    retry_for_seconds: float
    status: str
    description: str
    created_at: datetime
    created_by: str | None = None
    deliveries: dict[str, int] | None = Field(default=None, description="pending, delivered, parked, parked_dossiers")

    @classmethod
    def of(cls, doc: dict[str, Any], figures: dict[str, int] | None = None) -> "SubscriptionOut":
        return cls(subscription_id=doc["_id"], subscriber=doc["subscriber"], callback_url=doc["callback_url"],
                   secret_hint=doc.get("secret_hint") or "…" + doc["secret"][-4:], event_types=doc["event_types"], communes=doc["communes"],
                   fields=doc["fields"], retry_for_seconds=doc["retry_for_seconds"], status=doc["status"],
                   description=doc.get("description", ""), created_at=doc["created_at"],
                   created_by=doc.get("created_by"), deliveries=figures)


class CreatedSubscription(SubscriptionOut):
    secret: str = Field(description="The signing secret: shown this once")


class StatusIn(BaseModel):
    status: Literal["active", "paused"]


class AttemptOut(BaseModel):
    at: datetime
    attempt: int
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryOut(BaseModel):
    delivery_id: str
    event_id: str
    event_type: str
    commune_code: str
    order_key: str
    seq: int = Field(description="Position in its dossier's queue")
    status: str = Field(description="pending, delivered or parked")
    attempts: int
    last_status_code: int | None
    created_at: datetime
    delivered_at: datetime | None
    replay_id: str | None
    attempt_log: list[AttemptOut]


class ReplayIn(BaseModel):
    from_: datetime = Field(alias="from", description="Start of the range (stored on the stream at or after)")
    to: datetime = Field(description="End of the range")

    @model_validator(mode="after")
    def _ordered(self) -> "ReplayIn":
        if self.from_.tzinfo is None or self.to.tzinfo is None:
            raise ValueError("times need a timezone (e.g. 2026-11-22T08:00:00+07:00)")
        if self.to < self.from_:
            raise ValueError("'to' is before 'from'")
        return self


class ReplayOut(BaseModel):
    replay_id: str
    subscription_id: str
    from_: datetime = Field(serialization_alias="from")
    to: datetime
    status: str = Field(description="requested, running, done or failed")
    requested_at: datetime
    scanned: int | None = None
    enqueued: int | None = None
    error: str | None = None

    @classmethod
    def of(cls, doc: dict[str, Any]) -> "ReplayOut":
        return cls(replay_id=doc["_id"], subscription_id=doc["subscription_id"], from_=doc["from"], to=doc["to"],
                   status=doc["status"], requested_at=doc["requested_at"], scanned=doc.get("scanned"),
                   enqueued=doc.get("enqueued"), error=doc.get("error"))


def _not_found() -> UserFacingError:
    return UserFacingError(404, "subscription_not_found", "Không tìm thấy đăng ký nhận sự kiện.",
                           "No such subscription.")


def _principal_name(request: Request) -> str | None:
    principal = getattr(request.state, "principal", None)
    return getattr(principal, "subject", None)


def catalogue_router() -> APIRouter:
    api = APIRouter(prefix="/v1/catalogue", tags=["catalogue"])
    schemas = schema_documents()
    public_files = {f"{c.event_type}.v{c.schema_version}.schema.json" for c in public_event_classes()}

    @api.get("", summary="The public event catalogue: events, subjects, fields, version history")
    async def catalogue() -> dict:
        return catalogue_document()

    @api.get("/asyncapi.json", summary="AsyncAPI 3.0 of every public event (download)")
    async def asyncapi() -> JSONResponse:
        return JSONResponse(asyncapi_document(),
                            headers={"Content-Disposition": 'attachment; filename="motcua-public-events.asyncapi.json"'})

    @api.get("/schemas/{name}", summary="JSON Schema of one public event, e.g. DossierReceived.v1.schema.json")
    async def schema(name: Annotated[str, Path(max_length=100)]) -> JSONResponse:
        if name not in public_files:
            raise UserFacingError(404, "schema_not_found", "Không có sự kiện công khai này.", "No such public event.")
        return JSONResponse(schemas[name], media_type="application/schema+json")

    return api


def router(store_of, settings: HooksSettings) -> APIRouter:
    api = APIRouter(prefix="/v1", tags=["webhooks"])

    async def existing(subscription_id: str) -> dict[str, Any]:
        doc = await store_of().subscription(subscription_id)
        if doc is None:
            raise _not_found()
        return doc

    @api.post("/subscriptions", status_code=201, response_model=CreatedSubscription,
              summary="Subscribe a callback URL to public events (administrators)")
    async def create(body: SubscriptionIn, request: Request) -> CreatedSubscription:
        retry_for = body.retry_for_seconds or settings.retry_for_seconds
        if retry_for > settings.max_retry_for_seconds:
            raise UserFacingError(422, "retry_too_long",
                                  f"Thời gian thử lại tối đa là {int(settings.max_retry_for_seconds)} giây.",
                                  f"Retries may last at most {int(settings.max_retry_for_seconds)} seconds.")
        now = utc_now()
        doc = {
            "_id": new_id(), "subscriber": body.subscriber, "callback_url": str(body.callback_url),
            "secret": body.secret or secrets.token_urlsafe(32), "event_types": body.event_types,
            "communes": sorted(set(body.communes)), "fields": sorted(set(body.fields)),
            "retry_for_seconds": retry_for, "status": ACTIVE, "description": body.description,
            "created_at": now, "updated_at": now, "created_by": _principal_name(request),
        }
        await store_of().add_subscription(doc)
        return CreatedSubscription(**SubscriptionOut.of(doc).model_dump(), secret=doc["secret"])

    @api.get("/subscriptions", response_model=list[SubscriptionOut], summary="Every subscription")
    async def list_subscriptions() -> list[SubscriptionOut]:
        return [SubscriptionOut.of(d) for d in await store_of().subscriptions()]

    @api.get("/subscriptions/{subscription_id}", response_model=SubscriptionOut,
             summary="A subscription with its delivery counts")
    async def get_subscription(subscription_id: SubscriptionPath) -> SubscriptionOut:
        doc = await existing(subscription_id)
        return SubscriptionOut.of(doc, await store_of().subscription_figures(subscription_id))

    @api.put("/subscriptions/{subscription_id}/status", response_model=SubscriptionOut,
             summary="Pause or activate a subscription (a paused one keeps queueing nothing new)")
    async def set_status(subscription_id: SubscriptionPath, body: StatusIn) -> SubscriptionOut:
        await existing(subscription_id)
        now = utc_now()
        await store_of().set_status(subscription_id, body.status, now)
        if body.status == ACTIVE:
            await store_of().resume(subscription_id, now)
        return SubscriptionOut.of(await existing(subscription_id))

    @api.delete("/subscriptions/{subscription_id}", status_code=204, summary="End a subscription")
    async def delete(subscription_id: SubscriptionPath) -> None:
        await existing(subscription_id)
        await store_of().set_status(subscription_id, DELETED, utc_now())

    @api.post("/subscriptions/{subscription_id}/resume", summary="Retry the parked deliveries (a new retry window)")
    async def resume(subscription_id: SubscriptionPath) -> dict:
        doc = await existing(subscription_id)
        now = utc_now()
        if doc["status"] == PAUSED:
            await store_of().set_status(subscription_id, ACTIVE, now)
        return {"subscription_id": subscription_id, "resumed_dossiers": await store_of().resume(subscription_id, now)}

    @api.get("/subscriptions/{subscription_id}/deliveries", response_model=list[DeliveryOut],
             summary="The delivery log: each delivery with its attempts and status codes, newest first")
    async def deliveries(subscription_id: SubscriptionPath,
                         status: Annotated[Literal["pending", "delivered", "parked"] | None, Query()] = None,
                         since: Annotated[datetime | None, Query()] = None,
                         limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[DeliveryOut]:
        await existing(subscription_id)
        rows = await store_of().deliveries(subscription_id, status=status, since=since, limit=limit)
        return [DeliveryOut(delivery_id=r["_id"], event_id=r["event_id"], event_type=r["event_type"],
                            commune_code=r["commune_code"], order_key=r["order_key"], seq=r["seq"],
                            status=r["status"], attempts=r["attempts"], last_status_code=r.get("last_status_code"),
                            created_at=r["created_at"], delivered_at=r.get("delivered_at"),
                            replay_id=r.get("replay_id"),
                            attempt_log=[AttemptOut(**{k: a[k] for k in AttemptOut.model_fields})
                                         for a in r["attempt_log"]]) for r in rows]

    @api.post("/subscriptions/{subscription_id}/replays", status_code=202, response_model=ReplayOut,
              summary="Deliver again every matching event stored on the stream in a time range")
    async def replay(subscription_id: SubscriptionPath, body: ReplayIn) -> ReplayOut:
        await existing(subscription_id)
        if body.to - body.from_ > timedelta(days=366):
            raise UserFacingError(422, "replay_too_long", "Chỉ phát lại tối đa một năm mỗi lần.",
                                  "Replay at most one year at a time.")
        now = utc_now()
        doc = {"_id": new_id(), "subscription_id": subscription_id, "from": body.from_, "to": body.to,
               "status": "requested", "requested_at": now, "lease_until": now}
        await store_of().add_replay(doc)
        return ReplayOut.of(doc)

    @api.get("/subscriptions/{subscription_id}/replays/{replay_id}", response_model=ReplayOut,
             summary="Where a replay stands")
    async def replay_status(subscription_id: SubscriptionPath,
                            replay_id: Annotated[str, Path(max_length=64)]) -> ReplayOut:
        doc = await store_of().replay(replay_id)
        if doc is None or doc["subscription_id"] != subscription_id:
            raise UserFacingError(404, "replay_not_found", "Không tìm thấy yêu cầu phát lại.", "No such replay.")
        return ReplayOut.of(doc)

    @api.get("/alerts", summary="Alerts to the administrators: subscribers whose deliveries were parked")
    async def alerts() -> list[dict]:
        return [{**{k: v for k, v in a.items() if k != "_id"}, "alert_id": a["_id"]} for a in await store_of().alerts()]

    return api
