"""Retention of citizens' personal data: after ``INTAKE_PERSONAL_DATA_RETENTION_DAYS`` from
the day a dossier ended (returned, refused, withdrawn, transferred), its applicant's ID
number, phone, address, e-mail, priority group and the volunteer's name are erased and the
name is reduced to its initials. The dossier's other facts (commune, procedure, channel,
dates, timeliness) stay for statistics. A session booking's name, phone and note serve only
that session: they are erased ``INTAKE_BOOKING_RETENTION_DAYS`` after its date (the booking
itself stays, counted).

Every run is recorded in ``retention_runs`` (started, finished, retention, cut-off, how many
dossiers were anonymised per commune, or the error). Runs: the service's background task
(every ``INTAKE_RETENTION_SCAN_SECONDS``), ``POST /v1/retention/runs`` (administrators), or

    python -m motcua_intake.adapters.retention

with the service's configuration in the environment. Safe to run from several places at
once: a dossier is anonymised by one conditional update, once.
"""

import asyncio
import sys
from datetime import datetime, timedelta
from uuid import uuid4

import structlog
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from motcua_runtime.clock import utc_now
from motcua_runtime.mongo import create_mongo_client

from motcua_intake.adapters.repository import DOSSIERS, PERSONAL_FIELDS
from motcua_intake.adapters.session_store import BOOKINGS
from motcua_intake.domain.model import ACTIVE, Applicant
from motcua_intake.settings import IntakeSettings

log = structlog.get_logger("motcua.intake.retention")

RETENTION_RUNS = "retention_runs"
BATCH = 500


async def ensure_retention_indexes(db: AsyncDatabase) -> None:
    await db[RETENTION_RUNS].create_index([("started_at", DESCENDING)])
    await db[DOSSIERS].create_index([("anonymised_at", ASCENDING), ("status", ASCENDING)])
    await db[BOOKINGS].create_index([("anonymised_at", ASCENDING), ("day", ASCENDING)])


def _erased_applicant(applicant: dict) -> dict:
    name = Applicant(full_name=str(applicant.get("full_name") or "")).masked_name() or "—"
    return {"full_name": name, **{f: None for f in PERSONAL_FIELDS}, "priority_group": None}


async def anonymise_bookings(db: AsyncDatabase, before_day: str) -> int:
    """Erase the name, phone and note of bookings of sessions before ``before_day`` (ISO date)."""
    erased = 0
    query = {"day": {"$lt": before_day}, "anonymised_at": None}
    async for doc in db[BOOKINGS].find(query, {"full_name": 1}).batch_size(BATCH):
        result = await db[BOOKINGS].update_one({"_id": doc["_id"], "anonymised_at": None}, {
            "$set": {"full_name": Applicant(full_name=str(doc.get("full_name") or "")).masked_name() or "—",
                     "phone": None, "note": "", "anonymised_at": utc_now()},
            "$unset": {"phone_lookup": ""}})
        erased += result.modified_count
    return erased


async def run_retention(db: AsyncDatabase, retention_days: int, *, trigger: str, now: datetime | None = None,
                        started_by: str | None = None, booking_retention_days: int = 30) -> dict:
    """Anonymise every dossier that ended more than ``retention_days`` ago, and the bookings of
    sessions more than ``booking_retention_days`` ago; returns the run's record."""
    now = now or utc_now()
    cutoff = now - timedelta(days=retention_days)
    booking_cutoff = (now + timedelta(hours=7) - timedelta(days=booking_retention_days)).date().isoformat()
    run = {"_id": uuid4(), "started_at": now, "finished_at": None, "status": "running", "trigger": trigger,
           "started_by": started_by, "retention_days": retention_days, "cutoff": cutoff,
           "booking_retention_days": booking_retention_days, "bookings_anonymised": 0,
           "examined": 0, "anonymised": 0, "by_commune": {}}
    await db[RETENTION_RUNS].insert_one(run)
    query = {"status": {"$nin": [s.value for s in ACTIVE]}, "anonymised_at": None,
             "$or": [{"returned_at": {"$lt": cutoff}}, {"closed_at": {"$lt": cutoff}}]}
    examined = anonymised = 0
    by_commune: dict[str, int] = {}
    try:
        async for doc in db[DOSSIERS].find(query, {"applicant.full_name": 1, "commune_code": 1}).batch_size(BATCH):
            examined += 1
            result = await db[DOSSIERS].update_one(
                {"_id": doc["_id"], "anonymised_at": None},
                {"$set": {"applicant": _erased_applicant(doc.get("applicant") or {}), "assisted_by": None,
                          "anonymised_at": utc_now()}})
            if result.modified_count:
                anonymised += 1
                by_commune[doc["commune_code"]] = by_commune.get(doc["commune_code"], 0) + 1
        bookings_anonymised = await anonymise_bookings(db, booking_cutoff)
        outcome = {"status": "finished", "bookings_anonymised": bookings_anonymised}
    except Exception as error:
        outcome = {"status": "failed", "error": repr(error)[:500]}
        log.error("retention.failed", error=repr(error))
    finished = {**outcome, "finished_at": utc_now(), "examined": examined, "anonymised": anonymised,
                "by_commune": by_commune}
    await db[RETENTION_RUNS].update_one({"_id": run["_id"]}, {"$set": finished})
    log.info("retention.run", trigger=trigger, retention_days=retention_days, anonymised=anonymised,
             status=finished["status"])
    return {**run, **finished}


async def list_runs(db: AsyncDatabase, limit: int = 50, offset: int = 0) -> tuple[list[dict], int]:
    total = await db[RETENTION_RUNS].count_documents({})
    cursor = db[RETENTION_RUNS].find({}).sort("started_at", DESCENDING).skip(offset).limit(limit)
    return [doc async for doc in cursor], total


async def retention_once(settings: IntakeSettings) -> dict:
    client = create_mongo_client(settings.mongodb_uri, app_name="motcua-intake-retention")
    try:
        return await run_retention(client[settings.database], settings.personal_data_retention_days,
                                   trigger="command", booking_retention_days=settings.booking_retention_days)
    finally:
        await client.close()


def main() -> int:
    run = asyncio.run(retention_once(IntakeSettings()))
    print(f"retention run {run['_id']}: {run['status']}, anonymised {run['anonymised']} dossier(s) "
          f"ended before {run['cutoff']:%Y-%m-%d}")
    return 0 if run["status"] == "finished" else 1


if __name__ == "__main__":
    sys.exit(main())
