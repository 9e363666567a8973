"""The delivery worker: resolves intents into letters and messages, and sends messages.

Both queues live in MongoDB (``intents``, ``messages``), so work survives a crash and a
restart picks it up where it stopped:

1. **Resolve** a pending intent: ask intake for the contact (opt-out, consent, phone,
   e-mail), choose the channels, render the commune's wording; then, in one transaction,
   mark the intent resolved, write the letter (print queue) and the messages, and stage
   ``LetterIssued`` in the outbox. A crash before the commit leaves the intent pending (its
   lease runs out, another pass takes it); nothing is half-written.
2. **Send** a due message: claim it (``sending``, attempts + 1, a lease) *before* calling the
   channel, then record the outcome and, when final, stage ``MessageSent`` / ``MessageFailed``
   in the same transaction. At-least-once edge: if the process dies after the provider took
   the message and before the outcome is written, the lease runs out and the message is sent
   again. The provider gets our message id as its reference (SMS ``client_ref``, Zalo
   ``tracking_id``, e-mail ``Message-ID``) so one that deduplicates drops the repeat; the
   sink overwrites the same file. Otherwise the citizen may get that one message twice.

Quiet hours (SMS, commune local time) defer a message without counting an attempt; the
per-channel rate limit (per process) defers it by a second.
"""

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Callable

import structlog
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.asynchronous.mongo_client import AsyncMongoClient

from motcua_contracts import LetterIssued, MessageFailed, MessageSent, NotifyChannel, new_envelope
from motcua_runtime.outbox import OutboxRelay
from motcua_runtime.unit_of_work import MongoUnitOfWork, retry_transient

from motcua_notify.adapters.channels import (
    HttpSmsGateway,
    OutgoingMessage,
    SinkEmail,
    SinkSms,
    SmtpConfig,
    SmtpEmail,
    ZaloOa,
)
from motcua_notify.adapters.contacts import ContactDirectory, ContactUnavailable
from motcua_notify.adapters.rate_limit import SharedRateLimiter
from motcua_notify.adapters.pdf import render_letter_pdf
from motcua_notify.adapters.storage import DOSSIERS, INTENTS, LETTERS, MESSAGES, SETTINGS, TEMPLATES
from motcua_notify.domain import templates as wording_rules
from motcua_notify.domain.config import CommuneConfig
from motcua_notify.domain.delivery import (
    AttemptResult,
    Outcome,
    RetryPolicy,
    Status,
    after_attempt,
    mask_email,
    mask_phone,
    prepare_sms,
)
from motcua_notify.domain.rules import VIETNAM, Contact, Purpose, channels_for
from motcua_notify.domain.templates import LetterFacts, Wording
from motcua_notify.settings import NotifySettings

log = structlog.get_logger("motcua.notify.delivery")

#: Attempts at reaching intake for an intent's contact before it is given up (with backoff).
MAX_RESOLVE_ATTEMPTS = 30


class ContactCache:
    """A minute of memory between resolving an intent and sending its messages (never stored)."""

    def __init__(self, directory: ContactDirectory, ttl: float = 30.0) -> None:
        self.directory, self.ttl = directory, ttl
        self._cache: dict[tuple[str, str], tuple[float, Contact | None]] = {}

    async def get(self, dossier_id: str, purpose: str, fresh: bool = False) -> Contact | None:
        """``fresh``: ask intake now (resolving an intent: an opt-out must count from the moment it is made)."""
        return await self._cached(("dossier", dossier_id), lambda: self.directory.contact(dossier_id, purpose), fresh)

    async def of_booking(self, booking_id: str, purpose: str, fresh: bool = False) -> Contact | None:
        """A session booking's contact (a cancellation counts from the moment it is made, like an opt-out)."""
        return await self._cached(("booking", booking_id),
                                  lambda: self.directory.booking_contact(booking_id, purpose), fresh)

    async def of_record(self, record: dict, purpose: str, fresh: bool = False) -> Contact | None:
        """The contact an intent or a message is for: its booking's or its dossier's."""
        if record.get("booking_id"):
            return await self.of_booking(record["booking_id"], purpose, fresh)
        return await self.get(record["dossier_id"], purpose, fresh)

    async def _cached(self, key: tuple[str, str], ask, fresh: bool) -> Contact | None:
        hit = self._cache.get(key)
        if hit and not fresh and time.monotonic() - hit[0] < self.ttl:
            return hit[1]
        contact = await ask()
        self._cache[key] = (time.monotonic(), contact)
        if len(self._cache) > 5000:
            self._cache.clear()
        return contact


@dataclass
class Channels:
    """Builds the adapter for a commune's channel from its settings and the deployment's."""

    settings: NotifySettings

    def sms(self, config: CommuneConfig):
        sms = config.channels.sms
        provider = sms.provider or self.settings.sms_provider
        url = sms.url or self.settings.sms_url
        if provider == "http" and url:
            return HttpSmsGateway(url, self.settings.sms_api_key)
        return SinkSms(Path(self.settings.sink_dir) / "sms")

    def email(self, config: CommuneConfig):
        email = config.channels.email
        host = email.smtp_host or self.settings.smtp_host
        if not host:
            return SinkEmail(Path(self.settings.sink_dir) / "email")
        own = bool(email.smtp_host)
        return SmtpEmail(SmtpConfig(host, email.smtp_port or self.settings.smtp_port,
                                    "" if own else self.settings.smtp_username,
                                    "" if own else self.settings.smtp_password,
                                    False if own else self.settings.smtp_starttls))

    def zalo(self, config: CommuneConfig):
        zalo = config.channels.zalo
        url = zalo.url or self.settings.zalo_url
        if not url:
            return SinkSms(Path(self.settings.sink_dir) / "zalo")
        return ZaloOa(url, self.settings.zalo_access_token, zalo.template_id or self.settings.zalo_template_id)

    def for_channel(self, channel: str, config: CommuneConfig):
        return {"sms": self.sms, "email": self.email, "zalo": self.zalo}[channel](config)


async def commune_config(db: AsyncDatabase, commune_code: str, settings: NotifySettings) -> CommuneConfig:
    document = await db[SETTINGS].find_one({"_id": commune_code}) or {}
    return CommuneConfig.of(commune_code, document, settings.lookup_url)


async def wording_for(db: AsyncDatabase, commune_code: str, purpose: Purpose, lang: str = "vi") -> Wording:
    stored = await db[TEMPLATES].find_one({"_id": f"{commune_code}:{purpose.value}"}) if lang == "vi" else None
    if stored:
        return Wording(stored["title"], stored["body"], stored["sms"])
    return wording_rules.DEFAULTS[lang][purpose]


def letter_pdf(letter: dict) -> bytes:
    head = wording_rules.Letterhead(**letter["letterhead"])
    issued = letter["issued_at"]
    if issued.tzinfo is None:
        issued = issued.replace(tzinfo=UTC)
    reference = f"Thư số {letter['_id'][:8]}" + (f" · Hồ sơ {letter['dossier_code']}" if letter.get("dossier_code") else "")
    return render_letter_pdf(letterhead=head, title=letter["title"], body=letter["body"],
                             issued_on=wordings_date(issued), reference=reference)


def wordings_date(value: datetime) -> str:
    return wording_rules.local_date(value)


class DeliveryWorker:
    def __init__(self, *, client: AsyncMongoClient, db: AsyncDatabase, settings: NotifySettings,
                 directory: ContactDirectory, relay: OutboxRelay | None = None, channels: Channels | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.client, self.db, self.settings = client, db, settings
        self.contacts = ContactCache(directory)
        self.relay = relay
        self.channels = channels or Channels(settings)
        self.now = now
        self.policy = RetryPolicy(settings.retry_max_attempts, settings.retry_base_seconds, settings.retry_max_seconds)
        self.limiter = SharedRateLimiter(db, {"sms": settings.rate_sms_per_minute,
                                              "email": settings.rate_email_per_minute,
                                              "zalo": settings.rate_zalo_per_minute})
        self.owner = uuid.uuid4().hex
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    # ------------------------------------------------------------------ loop
    async def run_forever(self) -> None:
        log.info("delivery.worker_started", owner=self.owner)
        while True:
            try:
                busy = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # Mongo down, a bug in one record: log, wait, go on
                log.warning("delivery.pass_failed", error=repr(error))
                busy = 0
            if not busy:
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self.settings.worker_poll_seconds)
                except TimeoutError:
                    pass
                self._wake.clear()

    async def run_once(self, limit: int = 50) -> int:
        done = 0
        for _ in range(limit):
            if not await self.resolve_next():
                break
            done += 1
        for _ in range(limit):
            if not await self.send_next():
                break
            done += 1
        return done + await self.give_up_on_silent_providers()

    async def give_up_on_silent_providers(self) -> int:
        """A message a provider accepted but never reported on ends as a permanent failure."""
        cutoff = self.now() - timedelta(hours=self.settings.delivery_report_timeout_hours)
        silent = self.db[MESSAGES].find({"status": Status.SENDING.value, "awaiting_callback": True,
                                         "last_attempt_at": {"$lt": cutoff}}, {"_id": 1}).limit(50)
        ended = 0
        async for message in silent:
            hours = self.settings.delivery_report_timeout_hours
            ended += await self.record(message["_id"], AttemptResult(
                Outcome.PERMANENT, f"no delivery report within {hours:g} h")) is not None
        return ended

    # --------------------------------------------------------------- resolve
    async def _claim(self, collection: str, query: dict, extra_set: dict | None = None,
                     inc: dict | None = None) -> dict | None:
        now = self.now()
        lease_query = {"$or": [{"lease_until": None}, {"lease_until": {"$lt": now}}, {"lease_until": {"$exists": False}}]}
        update: dict[str, Any] = {"$set": {"lease_until": now + timedelta(seconds=self.settings.lease_seconds),
                                           "lease_owner": self.owner, **(extra_set or {})}}
        if inc:
            update["$inc"] = inc
        return await self.db[collection].find_one_and_update(
            {"$and": [query, lease_query]}, update, sort=[("next_attempt_at", 1)],
            return_document=ReturnDocument.AFTER)

    async def resolve_next(self) -> bool:
        now = self.now()
        intent = await self._claim(INTENTS, {"status": "pending", "next_attempt_at": {"$lte": now}},
                                   inc={"attempts": 1})
        if intent is None:
            return False
        try:
            await self._resolve(intent)
        except ContactUnavailable as error:
            await self._resolve_later(intent, str(error))
        return True

    async def _resolve_later(self, intent: dict, reason: str) -> None:
        attempts = intent.get("attempts", 1)
        if attempts >= MAX_RESOLVE_ATTEMPTS:
            await self.db[INTENTS].update_one({"_id": intent["_id"], "lease_owner": self.owner}, {"$set": {
                "status": "failed", "skip_reason": "contact_unavailable", "last_error": reason, "lease_until": None}})
            return
        delay = min(5 * 2 ** (attempts - 1), 600)
        await self.db[INTENTS].update_one({"_id": intent["_id"], "lease_owner": self.owner}, {"$set": {
            "next_attempt_at": self.now() + timedelta(seconds=delay), "last_error": reason, "lease_until": None}})
        log.info("delivery.contact_unavailable", intent=intent["_id"], error=reason, retry_in=delay)

    async def _resolve(self, intent: dict) -> None:
        purpose = Purpose(intent["purpose"])
        commune = intent["commune_code"]
        config = await commune_config(self.db, commune, self.settings)
        contact = None
        if intent.get("dossier_id") or intent.get("booking_id"):
            contact = await self.contacts.of_record(intent, purpose.value, fresh=True)
            if contact is None:
                unknown = "unknown_booking" if intent.get("booking_id") else "unknown_dossier"
                await self._finish_intent(intent, "skipped", unknown, [], None)
                return
        plan = channels_for(purpose, contact, zalo_enabled=config.channels.zalo.enabled)
        if plan.skipped:
            await self._finish_intent(intent, "skipped", plan.skipped, [], None)
            return
        details = dict(intent.get("details") or {})
        if purpose is Purpose.BALLOT:
            # The one-time link is a secret: asked of survey now, never carried by an event.
            link = await self.contacts.directory.ballot_link(details["ballot_id"])
            if link is None or link.status != "open":
                await self._finish_intent(intent, "skipped", "ballot_closed" if link else "unknown_ballot", [], None)
                return
            details.update(ballot_url=link.url, ballot_expires_at=link.expires_at)
        dossier = await self.db[DOSSIERS].find_one({"_id": intent.get("dossier_id")}) if intent.get("dossier_id") else None
        dossier = dossier or {}
        now = self.now()
        facts = LetterFacts(
            applicant_name=contact.applicant_name if contact else "",
            dossier_code=intent.get("dossier_code") or "", procedure_name=dossier.get("procedure_name") or
            intent.get("procedure_code") or "", received_at=_aware(dossier.get("received_at")),
            appointment_at=_aware((intent.get("details") or {}).get("appointment_at") or dossier.get("appointment_at")),
            today=now.astimezone(VIETNAM).date(), details=details)
        text = wording_rules.render(await wording_for(self.db, commune, purpose),
                                    wording_rules.values_for(purpose, config.letterhead, facts))
        letter = None
        if plan.letter:
            letter = {
                "_id": str(uuid.uuid4()), "commune_code": commune, "intent_id": intent["_id"],
                "letter_type": intent["letter_type"], "dossier_id": intent.get("dossier_id"),
                "dossier_code": intent.get("dossier_code"), "procedure_code": intent.get("procedure_code"),
                "life_event": (intent.get("details") or {}).get("life_event"), "reason": intent["reason"],
                "title": text.title, "body": text.body, "letterhead": config.letterhead.__dict__,
                "recipient": facts.applicant_name, "channel": NotifyChannel.PRINT.value,
                "issued_at": now, "issued_day": now.astimezone(VIETNAM).date().isoformat(),
                "status": "to_print", "history": [{"at": now, "status": "to_print"}],
            }
        messages = []
        for channel in plan.messages:
            messages.append(self._message(intent, channel, text, config, contact, letter, now))
        await self._finish_intent(intent, "resolved", None, messages, letter)

    def _message(self, intent: dict, channel: str, text: Wording, config: CommuneConfig, contact: Contact,
                 letter: dict | None, now: datetime) -> dict:
        doc = {
            "_id": str(uuid.uuid4()), "commune_code": intent["commune_code"], "intent_id": intent["_id"],
            "purpose": "letter" if letter is not None and channel == "email" else intent["purpose"],
            "letter_purpose": intent["purpose"], "channel": channel, "dossier_id": intent.get("dossier_id"),
            "booking_id": intent.get("booking_id"),
            "dossier_code": intent.get("dossier_code"), "letter_id": letter["_id"] if letter and channel == "email" else None,
            "status": Status.CREATED.value, "attempts": 0, "next_attempt_at": now, "created_at": now,
            "history": [{"at": now, "status": Status.CREATED.value}], "correlation_id": intent.get("correlation_id"),
            "caused_by_event_id": intent.get("caused_by_event_id"),
        }
        if channel in ("sms", "zalo"):
            sms = config.channels.sms
            prepared = prepare_sms(text.sms, ascii_only=sms.ascii_only if sms.ascii_only is not None else
                                   self.settings.sms_ascii_only,
                                   max_segments=sms.max_segments or self.settings.sms_max_segments)
            doc.update(to_masked=mask_phone(contact.phone), body=prepared.text, encoding=prepared.encoding,
                       segments=prepared.segments, truncated=prepared.truncated)
        else:
            doc.update(to_masked=mask_email(contact.email), subject=text.title, body=text.body)
        return doc

    async def _finish_intent(self, intent: dict, status: str, skip_reason: str | None, messages: list[dict],
                             letter: dict | None) -> None:
        async def transaction() -> None:
            uow = MongoUnitOfWork(self.client, self.db, self.relay)
            async with uow:
                updated = await self.db[INTENTS].update_one(
                    {"_id": intent["_id"], "status": "pending", "lease_owner": self.owner},
                    {"$set": {"status": status, "skip_reason": skip_reason, "resolved_at": self.now(),
                              "lease_until": None, "letter_id": letter["_id"] if letter else None,
                              "message_ids": [m["_id"] for m in messages],
                              "channels": (["print"] if letter else []) + [m["channel"] for m in messages]}},
                    session=uow.session)
                if updated.modified_count != 1:
                    return  # another worker took it over after our lease ran out
                if letter is not None:
                    await self.db[LETTERS].insert_one(letter, session=uow.session)
                    uow.emit(new_envelope(LetterIssued(
                        letter_id=uuid.UUID(letter["_id"]), letter_type=letter["letter_type"],
                        channel=NotifyChannel.PRINT, dossier_id=_uuid(intent.get("dossier_id")),
                        dossier_code=intent.get("dossier_code"), procedure_code=intent.get("procedure_code"),
                        life_event=letter.get("life_event"), reason=intent["reason"],
                        caused_by_event_id=_uuid(intent.get("caused_by_event_id")), issued_at=letter["issued_at"]),
                        source="notify", commune_code=intent["commune_code"],
                        correlation_id=intent.get("correlation_id") or intent["_id"],
                        causation_id=intent.get("caused_by_event_id")))
                if messages:
                    await self.db[MESSAGES].insert_many(messages, session=uow.session)
                await uow.commit()

        await retry_transient(transaction)
        log.info("delivery.intent_resolved", intent=intent["_id"], status=status, skip=skip_reason,
                 letter=bool(letter), messages=[m["channel"] for m in messages])

    # ------------------------------------------------------------------ send
    async def send_next(self) -> bool:
        now = self.now()
        due = {"$or": [
            {"status": {"$in": [Status.CREATED.value, Status.TEMPORARY_FAILURE.value]}, "next_attempt_at": {"$lte": now}},
            # Interrupted mid-attempt (the process died): at-least-once, see the module docstring.
            {"status": Status.SENDING.value, "awaiting_callback": {"$ne": True}},
        ]}
        candidates = self.db[MESSAGES].find({"$and": [due, {"$or": [
            {"lease_until": None}, {"lease_until": {"$lt": now}}]}]}).sort("next_attempt_at", 1).limit(20)
        async for message in candidates:
            config = await commune_config(self.db, message["commune_code"], self.settings)
            if message["channel"] == "sms":
                quiet_until = config.quiet_hours.next_allowed(now)
                if quiet_until is not None:
                    await self.db[MESSAGES].update_one({"_id": message["_id"], "status": message["status"]},
                                                       {"$set": {"next_attempt_at": quiet_until, "deferred": "quiet_hours"}})
                    continue
            claimed = await self._claim(MESSAGES, {"_id": message["_id"], "status": message["status"]},
                                        extra_set={"status": Status.SENDING.value, "awaiting_callback": False,
                                                   "last_attempt_at": now}, inc={"attempts": 1})
            if claimed is None:
                continue
            # The slot is taken only by the replica that holds the message (no slot spent on a race).
            if not await self.limiter.take(message["channel"], now):
                await self.db[MESSAGES].update_one({"_id": message["_id"], "lease_owner": self.owner}, {
                    "$set": {"status": message["status"], "lease_until": None, "deferred": "rate_limit",
                             "next_attempt_at": self.limiter.next_window(now),
                             "last_attempt_at": message.get("last_attempt_at")},
                    "$inc": {"attempts": -1}})
                continue
            await self._send(claimed, config)
            return True
        return False

    async def _send(self, message: dict, config: CommuneConfig) -> None:
        try:
            contact = await self.contacts.of_record(message, message["purpose"]) \
                if message.get("dossier_id") or message.get("booking_id") else None
        except ContactUnavailable as error:
            await self.record(message["_id"], AttemptResult(Outcome.TEMPORARY, f"contact: {error}"), lease=True)
            return
        if contact is None or contact.opted_out or contact.cancelled:
            why = "unknown dossier" if contact is None else "booking cancelled" if contact.cancelled else "opted_out"
            await self.record(message["_id"], AttemptResult(Outcome.PERMANENT, why), lease=True)
            return
        to = contact.email if message["channel"] == "email" else contact.phone
        if not to:
            await self.record(message["_id"], AttemptResult(Outcome.PERMANENT, "no address"), lease=True)
            return
        attachment = None
        if message.get("letter_id"):
            letter = await self.db[LETTERS].find_one({"_id": message["letter_id"]})
            if letter:
                attachment = (f"thu-{letter['letter_type']}-{letter.get('dossier_code') or letter['_id'][:8]}.pdf",
                              await asyncio.to_thread(letter_pdf, letter))
        email = config.channels.email
        outgoing = OutgoingMessage(
            message_id=message["_id"], commune_code=message["commune_code"], channel=message["channel"], to=to,
            body=message["body"], subject=message.get("subject") or "", attachment=attachment,
            from_address=email.from_address or self.settings.email_from,
            from_name=email.from_name or config.letterhead.agency.title(),
            sender=config.channels.sms.sender or self.settings.sms_sender)
        adapter = self.channels.for_channel(message["channel"], config)
        try:
            result = await adapter.send(outgoing)
        except Exception as error:  # an adapter bug must not leave the message claimed forever
            result = AttemptResult(Outcome.TEMPORARY, f"{type(error).__name__}: {error}")
        await self.record(message["_id"], result, lease=True)

    async def _policy(self, commune_code: str) -> RetryPolicy:
        retry = (await commune_config(self.db, commune_code, self.settings)).channels.retry
        return RetryPolicy(retry.max_attempts or self.policy.max_attempts, retry.base_seconds or self.policy.base_seconds,
                           self.policy.max_seconds)

    async def record(self, message_id: str, result: AttemptResult, *, lease: bool = False,
                     via_callback: bool = False) -> dict | None:
        """Write an attempt's (or a callback's) outcome; when final, stage MessageSent/Failed in
        the same transaction. Returns the message after the change, or None if nothing changed."""
        outcome: dict = {}

        async def transaction() -> None:
            uow = MongoUnitOfWork(self.client, self.db, self.relay)
            async with uow:
                query: dict = {"_id": message_id}
                if lease:
                    query["lease_owner"] = self.owner
                message = await self.db[MESSAGES].find_one(query, session=uow.session)
                if message is None or message["status"] in (Status.DELIVERED, Status.PERMANENT_FAILURE):
                    return
                now = self.now()
                attempts = max(message.get("attempts", 0), 1)
                transition = after_attempt(result, attempts, now, await self._policy(message["commune_code"]))
                changes: dict[str, Any] = {"status": transition.status.value, "lease_until": None,
                                           "awaiting_callback": transition.status is Status.SENDING,
                                           "last_detail": result.detail}
                if result.provider_id:
                    changes["provider_id"] = result.provider_id
                if transition.next_attempt_at:
                    changes["next_attempt_at"] = transition.next_attempt_at
                if transition.final:
                    changes["finished_at"] = now
                await self.db[MESSAGES].update_one({"_id": message_id}, {"$set": changes, "$push": {"history": {
                    "at": now, "status": transition.status.value, "detail": result.detail,
                    "callback": via_callback}}}, session=uow.session)
                common = dict(message_id=uuid.UUID(message_id), channel=NotifyChannel(message["channel"]),
                              purpose=message["purpose"], dossier_id=_uuid(message.get("dossier_id")),
                              dossier_code=message.get("dossier_code"), attempts=attempts)
                meta = dict(source="notify", commune_code=message["commune_code"],
                            correlation_id=message.get("correlation_id") or message_id,
                            causation_id=message.get("caused_by_event_id"))
                if transition.status is Status.DELIVERED:
                    uow.emit(new_envelope(MessageSent(**common, sent_at=now), **meta))
                elif transition.status is Status.PERMANENT_FAILURE:
                    uow.emit(new_envelope(MessageFailed(**common, reason=result.detail or "failed", failed_at=now),
                                          **meta))
                await uow.commit()
                outcome.update(message, **changes)

        await retry_transient(transaction)
        if outcome:
            log.info("delivery.attempt", message=message_id, channel=outcome.get("channel"),
                     status=outcome.get("status"), detail=result.detail)
        return outcome or None


def _uuid(value) -> uuid.UUID | None:
    return uuid.UUID(str(value)) if value else None


def _aware(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
