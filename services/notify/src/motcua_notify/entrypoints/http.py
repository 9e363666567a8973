"""Notify's HTTP API: notifications, the print queue, messages and failures, templates with
preview, a commune's rules and channels, and the providers' delivery-status callback."""

import hashlib
import hmac
import json
import time
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from motcua_contracts import CommuneCode
from motcua_runtime.auth import forbidden, not_signed_in, optional_principal, record_denial, token_of
from motcua_runtime.errors import UserFacingError

from motcua_notify.adapters import storage
from motcua_notify.domain import templates as wording_rules
from motcua_notify.domain.config import ChannelSettings, LetterheadSettings
from motcua_notify.domain.delivery import AttemptResult, Outcome, Status, prepare_sms
from motcua_notify.domain.rules import RULE_EN, RULE_VI, VIETNAM, Purpose, RuleName
from motcua_notify.service_layer.delivery import DeliveryWorker, commune_config, letter_pdf, wording_for

CommunePath = Annotated[CommuneCode, Path()]


def _not_found(what_vi: str, what_en: str) -> UserFacingError:
    return UserFacingError(404, "not_found", f"Không tìm thấy {what_vi}.", f"No such {what_en}.")


class NotificationOut(BaseModel):
    id: str
    commune_code: str
    dossier_code: str | None = None
    kind: str = Field(description="The purpose: receipt, result_ready, session_reminder, apology, congratulation, "
                                  "condolence, thanks.")
    letter_type: str | None = None
    reason: str | None = None
    status: str = Field(description="pending, resolved, skipped, failed.")
    skip_reason: str | None = Field(default=None, description="rule_off, no_consent, opted_out, no_channel...")
    channels: list[str] = []
    event_id: str
    letter_id: str | None = None
    # An apology: why, and the appointment before and after.
    apology_reason: str | None = None
    previous_appointment_at: datetime | None = None
    appointment_at: datetime | None = None
    # A session reminder: the booking (if the citizen booked), the date, and when it goes out.
    booking_code: str | None = None
    session_date: str | None = None
    not_before: datetime | None = None
    created_at: datetime


class NotificationPage(BaseModel):
    items: list[NotificationOut]


class LetterOut(BaseModel):
    letter_id: str
    commune_code: str
    letter_type: str
    dossier_code: str | None = None
    recipient: str
    title: str
    body: str
    reason: str
    status: Literal["to_print", "printed", "handed_over", "posted"]
    issued_at: datetime
    issued_day: date


class LetterPage(BaseModel):
    items: list[LetterOut]


class MessageOut(BaseModel):
    message_id: str
    commune_code: str
    channel: str
    purpose: str
    dossier_code: str | None = None
    to_masked: str | None = None
    subject: str | None = None
    body: str
    segments: int | None = None
    status: str
    attempts: int
    last_detail: str | None = None
    next_attempt_at: datetime | None = None
    created_at: datetime
    history: list[dict[str, Any]] = []


class MessagePage(BaseModel):
    items: list[MessageOut]


class HandOver(BaseModel):
    how: Literal["handed_over", "posted"] = Field(description="Handed over at the counter, or posted.")


class WordingIn(BaseModel):
    title: str = Field(min_length=1, max_length=wording_rules.MAX_TEMPLATE_CHARS)
    body: str = Field(min_length=1, max_length=wording_rules.MAX_TEMPLATE_CHARS)
    sms: str = Field(min_length=1, max_length=wording_rules.MAX_TEMPLATE_CHARS)


class Placeholder(BaseModel):
    name: str
    meaning_vi: str
    meaning_en: str


class TemplateOut(BaseModel):
    purpose: Purpose
    name_vi: str
    name_en: str
    title: str
    body: str
    sms: str
    customised: bool
    placeholders: list[Placeholder]
    default_en: WordingIn


class TemplatePage(BaseModel):
    items: list[TemplateOut]


class PreviewOut(BaseModel):
    title: str
    body: str
    sms: str
    sms_segments: int
    sms_encoding: str


class RulesIn(BaseModel):
    rules: dict[RuleName, bool] = Field(description="Rule name → on/off; rules not named keep their setting.")


class RuleOut(BaseModel):
    rule: RuleName
    on: bool
    name_vi: str
    name_en: str


class SettingsOut(BaseModel):
    commune_code: str
    rules: list[RuleOut]
    letterhead: dict[str, str]
    channels: ChannelSettings


class CallbackIn(BaseModel):
    reference: str = Field(max_length=64, description="Our message id (sent as client_ref / tracking_id).")
    status: Literal["delivered", "failed", "temporary-failure"]
    provider_id: str | None = Field(default=None, max_length=200)
    detail: str | None = Field(default=None, max_length=500)


class CallbackOut(BaseModel):
    message_id: str
    status: str


def _letter_out(doc: dict) -> LetterOut:
    return LetterOut(letter_id=doc["_id"], **{k: doc.get(k) for k in LetterOut.model_fields if k != "letter_id"})


def _message_out(doc: dict) -> MessageOut:
    return MessageOut(message_id=doc["_id"], **{k: doc.get(k) for k in MessageOut.model_fields
                                                 if k != "message_id" and doc.get(k) is not None})


def verify_signature(secret: str, timestamp: str, body: bytes, signature: str, max_age: int,
                     now: float | None = None) -> bool:
    """``X-Motcua-Signature`` = hex HMAC-SHA256(secret, "<X-Motcua-Timestamp>." + raw body)."""
    if not secret or not timestamp or not signature:
        return False
    try:
        age = abs((now or time.time()) - int(timestamp))
    except ValueError:
        return False
    if age > max_age:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.strip().lower())


def router(infra, settings, worker: callable) -> APIRouter:
    api = APIRouter(prefix="/v1", tags=["notify"])

    def db():
        return infra.db

    @api.get("/communes/{commune_code}/notifications", response_model=NotificationPage,
             summary="What events called for (letters and messages), optionally of one dossier or booking")
    async def notifications(commune_code: CommunePath, dossier_code: str | None = Query(None, max_length=64),
                            booking_code: str | None = Query(None, max_length=64),
                            limit: int = Query(200, ge=1, le=1000)) -> NotificationPage:
        items = []
        for d in await storage.list_intents(db(), commune_code, dossier_code, limit, booking_code=booking_code):
            details = d.get("details") or {}
            items.append(NotificationOut(
                id=d["_id"], commune_code=d["commune_code"], dossier_code=d.get("dossier_code"), kind=d["purpose"],
                letter_type=d.get("letter_type"), reason=d.get("reason"), status=d["status"],
                skip_reason=d.get("skip_reason"), channels=d.get("channels") or [],
                event_id=d["caused_by_event_id"], letter_id=d.get("letter_id"),
                apology_reason=details.get("reason") if d["purpose"] == "apology" else None,
                previous_appointment_at=details.get("previous_appointment_at"),
                appointment_at=details.get("appointment_at"), booking_code=details.get("booking_code"),
                session_date=details.get("session_date"), not_before=d.get("not_before"),
                created_at=d["created_at"]))
        return NotificationPage(items=items)

    # ------------------------------------------------------------------ letters
    @api.get("/communes/{commune_code}/letters", response_model=LetterPage,
             summary="Letters of a commune: the print queue of a day (local date), by status, dossier or type")
    async def letters(commune_code: CommunePath, day: date | None = None, status: str | None = None,
                      dossier_code: str | None = None, letter_type: str | None = None,
                      limit: int = Query(200, ge=1, le=1000)) -> LetterPage:
        docs = await storage.list_letters(db(), commune_code, day=day.isoformat() if day else None, status=status,
                                          dossier_code=dossier_code, letter_type=letter_type, limit=limit)
        return LetterPage(items=[_letter_out(d) for d in docs])

    async def _letter(commune_code: str, letter_id: str) -> dict:
        doc = await db()[storage.LETTERS].find_one({"_id": letter_id, "commune_code": commune_code})
        if doc is None:
            raise _not_found("thư này", "letter")
        return doc

    @api.get("/communes/{commune_code}/letters/{letter_id}/pdf", response_class=Response,
             summary="The letter as PDF (print, or reprint: the same letter every time)",
             responses={200: {"content": {"application/pdf": {}}}})
    async def letter_as_pdf(commune_code: CommunePath, letter_id: str) -> Response:
        doc = await _letter(commune_code, letter_id)
        import asyncio

        pdf = await asyncio.to_thread(letter_pdf, doc)
        name = f"thu-{doc['letter_type']}-{doc.get('dossier_code') or letter_id[:8]}.pdf"
        return Response(pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{name}"'})

    async def _move(commune_code: str, letter_id: str, allowed_from: tuple[str, ...], to: str, request: Request) -> dict:
        now = datetime.now(UTC)
        principal = getattr(request.state, "principal", None)
        who = principal.subject if principal else None
        doc = await _letter(commune_code, letter_id)
        if doc["status"] == to:
            return doc  # a double click
        if doc["status"] not in allowed_from:
            raise UserFacingError(409, "letter_state",
                                  f"Thư đang ở trạng thái '{doc['status']}', không chuyển sang '{to}' được.",
                                  f"The letter is '{doc['status']}' and cannot become '{to}'.")
        await db()[storage.LETTERS].update_one({"_id": letter_id, "status": doc["status"]}, {
            "$set": {"status": to, f"{to}_at": now, f"{to}_by": who},
            "$push": {"history": {"at": now, "status": to, "by": who}}})
        return await _letter(commune_code, letter_id)

    @api.post("/communes/{commune_code}/letters/{letter_id}/printed", response_model=LetterOut,
              summary="Mark a letter printed")
    async def mark_printed(commune_code: CommunePath, letter_id: str, request: Request) -> LetterOut:
        return _letter_out(await _move(commune_code, letter_id, ("to_print",), "printed", request))

    @api.post("/communes/{commune_code}/letters/{letter_id}/delivery", response_model=LetterOut,
              summary="Mark a letter handed over at the counter or posted")
    async def mark_delivered(commune_code: CommunePath, letter_id: str, body: HandOver, request: Request) -> LetterOut:
        return _letter_out(await _move(commune_code, letter_id, ("to_print", "printed"), body.how, request))

    # ----------------------------------------------------------------- messages
    @api.get("/communes/{commune_code}/messages", response_model=MessagePage,
             summary="Messages (SMS, e-mail, Zalo) of a commune; status=permanent-failure lists the failures")
    async def messages(commune_code: CommunePath, status: Status | None = None, dossier_code: str | None = None,
                       channel: str | None = None, limit: int = Query(200, ge=1, le=1000)) -> MessagePage:
        docs = await storage.list_messages(db(), commune_code, status=status.value if status else None,
                                           dossier_code=dossier_code, channel=channel, limit=limit)
        return MessagePage(items=[_message_out(d) for d in docs])

    # ---------------------------------------------------------------- templates
    async def _template_out(commune_code: str, purpose: Purpose) -> TemplateOut:
        stored = await storage.get_template(db(), commune_code, purpose.value)
        current = await wording_for(db(), commune_code, purpose)
        english = wording_rules.DEFAULTS["en"][purpose]
        return TemplateOut(
            purpose=purpose, name_vi=wording_rules.PURPOSE_VI[purpose], name_en=wording_rules.PURPOSE_EN[purpose],
            title=current.title, body=current.body, sms=current.sms, customised=stored is not None,
            placeholders=[Placeholder(name=n, meaning_vi=vi, meaning_en=en)
                          for n, (vi, en) in wording_rules.placeholders(purpose).items()],
            default_en=WordingIn(title=english.title, body=english.body, sms=english.sms))

    @api.get("/communes/{commune_code}/templates", response_model=TemplatePage,
             summary="The commune's wording of every letter and message, with the placeholders each may use")
    async def templates(commune_code: CommunePath) -> TemplatePage:
        return TemplatePage(items=[await _template_out(commune_code, p) for p in Purpose])

    def _checked(purpose: Purpose, body: WordingIn) -> wording_rules.Wording:
        wording = wording_rules.Wording(body.title, body.body, body.sms)
        try:
            wording_rules.check(purpose, wording)
        except wording_rules.InvalidTemplate as error:
            problem = UserFacingError(422, "invalid_template", error.message_vi, error.message_en)
            raise problem from None
        return wording

    @api.put("/communes/{commune_code}/templates/{purpose}", response_model=TemplateOut,
             summary="Save the commune's wording (placeholders checked: an unknown one is refused with 422)")
    async def save_template(commune_code: CommunePath, purpose: Purpose, body: WordingIn, request: Request) -> TemplateOut:
        wording = _checked(purpose, body)
        principal = getattr(request.state, "principal", None)
        await storage.save_template(db(), commune_code, purpose.value, wording.__dict__,
                                    principal.subject if principal else "", datetime.now(UTC))
        return await _template_out(commune_code, purpose)

    @api.post("/communes/{commune_code}/templates/{purpose}/preview", response_model=PreviewOut,
              summary="Render a wording with sample values and the commune's letterhead (nothing saved)")
    async def preview(commune_code: CommunePath, purpose: Purpose, body: WordingIn) -> PreviewOut:
        wording = _checked(purpose, body)
        config = await commune_config(db(), commune_code, settings)
        sample = wording_rules.sample_values(purpose)
        head = config.letterhead
        sample.update(commune_name=head.commune_name, unit_name=head.unit_name, signer_name=head.signer_name,
                      signer_title=head.signer_title, lookup_url=head.lookup_url or sample["lookup_url"])
        text = wording_rules.render(wording, sample)
        sms = config.channels.sms
        prepared = prepare_sms(text.sms, ascii_only=bool(sms.ascii_only if sms.ascii_only is not None
                                                         else settings.sms_ascii_only),
                               max_segments=sms.max_segments or settings.sms_max_segments)
        return PreviewOut(title=text.title, body=text.body, sms=prepared.text, sms_segments=prepared.segments,
                          sms_encoding=prepared.encoding)

    # ----------------------------------------------------------------- settings
    async def _settings_out(commune_code: str) -> SettingsOut:
        config = await commune_config(db(), commune_code, settings)
        return SettingsOut(
            commune_code=commune_code,
            rules=[RuleOut(rule=r, on=config.rules.allows(r), name_vi=RULE_VI[r], name_en=RULE_EN[r]) for r in RuleName],
            letterhead={k: v for k, v in config.letterhead.__dict__.items()}, channels=config.channels)

    @api.get("/communes/{commune_code}/notify-settings", response_model=SettingsOut,
             summary="The commune's rules (on/off), letterhead and channel settings (no secrets)")
    async def get_settings(commune_code: CommunePath) -> SettingsOut:
        return await _settings_out(commune_code)

    @api.put("/communes/{commune_code}/notify-settings/rules", response_model=SettingsOut,
             summary="Turn rules on or off for the commune")
    async def put_rules(commune_code: CommunePath, body: RulesIn) -> SettingsOut:
        current = (await storage.get_settings(db(), commune_code)).get("rules") or {}
        current.update({k.value: v for k, v in body.rules.items()})
        await storage.set_settings_part(db(), commune_code, "rules", current, datetime.now(UTC))
        return await _settings_out(commune_code)

    @api.put("/communes/{commune_code}/notify-settings/letterhead", response_model=SettingsOut,
             summary="The commune's letterhead and signer")
    async def put_letterhead(commune_code: CommunePath, body: LetterheadSettings) -> SettingsOut:
        await storage.set_settings_part(db(), commune_code, "letterhead", body.model_dump(), datetime.now(UTC))
        return await _settings_out(commune_code)

    @api.put("/communes/{commune_code}/notify-settings/channels", response_model=SettingsOut,
             summary="The commune's SMS provider, sender, e-mail sender and relay, Zalo, quiet hours (administrators)")
    async def put_channels(commune_code: CommunePath, body: ChannelSettings) -> SettingsOut:
        await storage.set_settings_part(db(), commune_code, "channels", body.model_dump(), datetime.now(UTC))
        return await _settings_out(commune_code)

    # ----------------------------------------------------------------- callback
    @api.post("/delivery-status/{channel}", response_model=CallbackOut,
              summary="Delivery status from a provider (HMAC-SHA256 signed, see docs/notify.md)")
    async def delivery_status(channel: str, request: Request) -> CallbackOut:
        """``channel``: sms, zalo or email (checked after the signature: nothing is told to the unsigned)."""
        raw = await request.body()
        if not verify_signature(settings.callback_secret, request.headers.get("x-motcua-timestamp", ""), raw,
                                request.headers.get("x-motcua-signature", ""), settings.callback_max_age_seconds):
            # Providers sign; a person's token is no substitute (so: 403 with one, 401 with neither).
            if token_of(request):
                await optional_principal(request)  # who it was (an invalid token is a 401 here)
                await record_denial(request, 403, "forbidden")
                raise forbidden("Chỉ nhà cung cấp dịch vụ gửi tin (có chữ ký hợp lệ) được báo trạng thái.",
                                "Only a provider with a valid signature may report delivery status.")
            raise not_signed_in("no valid provider signature (X-Motcua-Timestamp, X-Motcua-Signature)")
        if channel not in ("sms", "zalo", "email"):
            raise _not_found(f"kênh {channel}", f"channel {channel}")
        try:
            body = CallbackIn.model_validate(json.loads(raw))
        except ValueError as error:
            raise UserFacingError(422, "invalid_request", "Nội dung báo trạng thái không hợp lệ.",
                                  f"The status report is not valid: {error}") from None
        message = await db()[storage.MESSAGES].find_one({"_id": body.reference, "channel": channel})
        if message is None:
            raise _not_found("tin nhắn này", "message")
        outcome = {"delivered": Outcome.DELIVERED, "failed": Outcome.PERMANENT,
                   "temporary-failure": Outcome.TEMPORARY}[body.status]
        changed = await worker().record(body.reference, AttemptResult(outcome, body.detail or f"provider: {body.status}",
                                                                      body.provider_id), via_callback=True)
        status = changed["status"] if changed else message["status"]
        return CallbackOut(message_id=body.reference, status=status)

    return api


def local_today() -> date:
    return datetime.now(VIETNAM).date()
