"""Reporting's read models in MongoDB, in generations.

A generation ``n`` is a set of collections: ``g<n>_counters`` (commune × day × dimension × key
counters), ``g<n>_dossiers`` (one document per dossier), ``g<n>_communes`` (communes seen) and
``g<n>_processed`` (the events already applied to that generation: a redelivered or duplicated
event finds its mark and changes nothing). The pointer document ``generations/pointer`` names the
``active`` generation (queries read it) and, while a rebuild runs, the ``building`` one.

Live consumers apply each event, in one transaction with its processed mark, to the active
generation and to the building one; the rebuild replays the stream into the building generation
with the same marks, so an event both replayed and consumed live counts once. The swap is one
update of the pointer: queries started before it finish on the old generation, later ones read the
new one. The generation before the previous one is dropped after a swap.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from pymongo import ASCENDING, InsertOne, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.asynchronous.mongo_client import AsyncMongoClient
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from motcua_reporting.domain.figures import DOSSIER_COUNTS
from motcua_reporting.domain.projection import COUNTERS, Effect
from motcua_reporting.domain.scorecard import DEFAULT_CRITERIA, Criteria

GENERATIONS = "generations"
#: Suffix of the monthly roll-up dimensions.
MONTHLY = "@m"
POINTER = "pointer"
SCORECARD = "scorecard_criteria"


@dataclass(frozen=True)
class Pointer:
    active: int = 1
    building: int | None = None
    previous: int | None = None

    @property
    def targets(self) -> tuple[int, ...]:
        return (self.active,) if self.building in (None, self.active) else (self.active, self.building)


def coll(generation: int, name: str) -> str:
    return f"g{generation}_{name}"


async def read_pointer(db: AsyncDatabase, session: AsyncClientSession | None = None) -> Pointer:
    doc = await db[GENERATIONS].find_one({"_id": POINTER}, session=session)
    if not doc:
        return Pointer()
    return Pointer(int(doc.get("active", 1)), doc.get("building"), doc.get("previous"))


async def ensure_indexes(db: AsyncDatabase, generation: int | None = None) -> None:
    if generation is None:
        pointer = await read_pointer(db)
        for g in pointer.targets:
            await ensure_indexes(db, g)
        return
    counters, dossiers = db[coll(generation, "counters")], db[coll(generation, "dossiers")]
    await counters.create_index([("dim", ASCENDING), ("commune_code", ASCENDING), ("day", ASCENDING)])
    await counters.create_index([("dim", ASCENDING), ("day", ASCENDING)])
    await dossiers.create_index([("commune_code", ASCENDING), ("received_at", ASCENDING)])
    await dossiers.create_index([("commune_code", ASCENDING), ("returned_at", ASCENDING)])


async def needs_rebuild(db: AsyncDatabase) -> bool:
    """The read models of an earlier version exist (``commune_figures``) but no generation was
    ever built: this version's figures start empty until a rebuild replays the history."""
    names = await db.list_collection_names()
    return "commune_figures" in names and GENERATIONS not in names


# --------------------------------------------------------------------------- writing


def counter_id(commune: str, day: str, dim: str, key: str) -> str:
    return f"{commune}|{day}|{dim}|{key}"


def operations(effects: Sequence[Effect], at: datetime) -> tuple[list, list, list]:
    """Bulk operations for ``effects``: counters merged per document (one ``$inc`` each), one
    update per dossier (later ``$set`` values win, ``$max``/``$min`` merged), and the communes seen."""
    merged: dict[str, dict] = {}
    dossiers: dict[str, dict] = {}
    communes: set[str] = set()
    for effect in effects:
        communes.add(effect.commune_code)
        for change in effect.counters:
            # The day's document, and the month's roll-up (dimension "<dim>@m", day "YYYY-MM") that
            # long periods read instead of thirty daily documents.
            for day, dim in ((effect.day, change.dim), (effect.day[:7], change.dim + MONTHLY)):
                _id = counter_id(effect.commune_code, day, dim, change.key)
                doc = merged.setdefault(_id, {"inc": {}, "attrs": {}, "head": {
                    "commune_code": effect.commune_code, "day": day, "dim": dim, "key": change.key}})
                for name, amount in change.inc.items():
                    doc["inc"][f"c.{name}"] = doc["inc"].get(f"c.{name}", 0) + amount
                for bucket, count in change.hist.items():
                    doc["inc"][f"h.{bucket}"] = doc["inc"].get(f"h.{bucket}", 0) + count
                doc["attrs"].update({f"a.{k}": v for k, v in change.attrs.items()})
        if effect.dossier is not None:
            change = dossiers.setdefault(effect.dossier.key, {"$set": {}, "$max": {}, "$min": {}})
            change["$set"].update(effect.dossier.set)
            for name, value in effect.dossier.max.items():
                if value is not None and (name not in change["$max"] or value > change["$max"][name]):
                    change["$max"][name] = value
            for name, value in effect.dossier.min.items():
                if value is not None and (name not in change["$min"] or value < change["$min"][name]):
                    change["$min"][name] = value
    dossier_ops = [UpdateOne({"_id": key}, {k: v for k, v in update.items() if v}, upsert=True)
                   for key, update in dossiers.items() if any(update.values())]
    counter_ops = []
    for _id, doc in merged.items():
        update = {"$inc": doc["inc"], "$setOnInsert": doc["head"], "$max": {"updated_at": at}}
        if doc["attrs"]:
            update["$set"] = doc["attrs"]
        counter_ops.append(UpdateOne({"_id": _id}, update, upsert=True))
    commune_ops = [UpdateOne({"_id": c}, {"$max": {"updated_at": at}}, upsert=True) for c in sorted(communes)]
    return counter_ops, dossier_ops, commune_ops


async def apply_in_session(db: AsyncDatabase, session: AsyncClientSession, generation: int,
                           items: Sequence[tuple[str, Effect | None]], at: datetime) -> int:
    """Apply the effects of events not yet applied to ``generation``, with their processed marks,
    in the caller's transaction. ``items``: (event id, effect). Returns how many were new."""
    ids = [event_id for event_id, _ in items]
    processed = db[coll(generation, "processed")]
    seen = {doc["_id"] async for doc in processed.find({"_id": {"$in": ids}}, {"_id": 1}, session=session)}
    fresh = []
    for event_id, effect in items:
        # The stream may hold one event twice (re-published outside the duplicate window):
        # a batch applies it once, like the live consumer does.
        if event_id not in seen:
            seen.add(event_id)
            fresh.append((event_id, effect))
    if not fresh:
        return 0
    effects = [effect for _, effect in fresh if effect is not None]
    counter_ops, dossier_ops, commune_ops = operations(effects, at)
    if counter_ops:
        await db[coll(generation, "counters")].bulk_write(counter_ops, ordered=False, session=session)
    if dossier_ops:
        await db[coll(generation, "dossiers")].bulk_write(dossier_ops, ordered=False, session=session)
    if commune_ops:
        await db[coll(generation, "communes")].bulk_write(commune_ops, ordered=False, session=session)
    # A concurrent duplicate inserting the same mark makes this transaction fail (and retry).
    await processed.bulk_write([InsertOne({"_id": event_id, "at": at}) for event_id, _ in fresh],
                               ordered=False, session=session)
    return len(fresh)


async def apply_events(client: AsyncMongoClient, db: AsyncDatabase, items: Sequence[tuple[str, Effect | None]],
                       generations: Iterable[int] | None = None, at: datetime | None = None) -> int:
    """One transaction: the events' effects and marks in every target generation (the active one
    and a building one, or ``generations``). Returns how many (event, generation) pairs were new."""
    at = at or datetime.now(UTC)
    async with client.start_session() as session:
        await session.start_transaction(read_concern=ReadConcern("snapshot"), write_concern=WriteConcern("majority"))
        try:
            targets = tuple(generations) if generations is not None else (await read_pointer(db, session)).targets
            applied = 0
            for generation in targets:
                applied += await apply_in_session(db, session, generation, items, at)
            await session.commit_transaction()
            return applied
        except BaseException:
            if session.in_transaction:
                await session.abort_transaction()
            raise


# --------------------------------------------------------------------------- reading


def month_split(first_day: str | None, last_day: str | None) -> list[tuple[str, str | None, str | None]]:
    """[first_day, last_day] as ("day", from, to) ragged ends and one ("month", "YYYY-MM", "YYYY-MM")
    run of whole months; no bounds at all is every month."""
    if not first_day and not last_day:
        return [("month", None, None)]
    first = date.fromisoformat(first_day) if first_day else date(1970, 1, 1)
    last = date.fromisoformat(last_day) if last_day else date(2999, 12, 31)
    start = first if first.day == 1 else _next_month(first)
    after = last + timedelta(days=1)
    end = after if after.day == 1 else after.replace(day=1)  # first day after the last whole month
    if start >= end:
        return [("day", first.isoformat(), last.isoformat())]
    parts = [("month", start.isoformat()[:7], (end - timedelta(days=1)).isoformat()[:7])]
    if first < start:
        parts.append(("day", first.isoformat(), (start - timedelta(days=1)).isoformat()))
    if end <= last:
        parts.append(("day", end.isoformat(), last.isoformat()))
    return parts


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _sums() -> dict:
    return {name: {"$sum": f"$c.{name}"} for name in COUNTERS}


def _strip(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k in COUNTERS}


class MongoReportingReader:
    """Queries over the active generation (read once per reader: one request, one generation)."""

    def __init__(self, db: AsyncDatabase, generation: int | None = None) -> None:
        self.db = db
        self._generation = generation

    async def generation(self) -> int:
        if self._generation is None:
            self._generation = (await read_pointer(self.db)).active
        return self._generation

    async def _coll(self, name: str):
        return self.db[coll(await self.generation(), name)]

    async def communes(self) -> list[str]:
        return [doc["_id"] async for doc in (await self._coll("communes")).find({}, {"_id": 1}).sort("_id", 1)]

    @staticmethod
    def _match(dim: str, communes: Sequence[str] | None, first_day: str | None, last_day: str | None,
               extra: dict | None = None, daily: bool = False) -> dict:
        """Documents of ``dim`` covering [first_day, last_day]: the monthly roll-ups of the whole
        months inside the range and the daily documents of its ragged ends (``daily``: days only)."""
        base: dict = {}
        if communes is not None:
            base["commune_code"] = {"$in": list(communes)}
        base.update(extra or {})
        if daily:
            days = {**({"$gte": first_day} if first_day else {}), **({"$lte": last_day} if last_day else {})}
            return {"dim": dim, **base, **({"day": days} if days else {})}
        parts = []
        for unit, low, high in month_split(first_day, last_day):
            match: dict = {"dim": dim + MONTHLY if unit == "month" else dim}
            bounds = {**({"$gte": low} if low else {}), **({"$lte": high} if high else {})}
            if bounds:
                match["day"] = bounds
            parts.append(match)
        return {**base, "$or": parts} if len(parts) > 1 else {**base, **parts[0]}

    async def counters(self, dim: str, group: str, communes: Sequence[str] | None, first_day: str | None,
                       last_day: str | None, extra: dict | None = None) -> dict[str, tuple[dict, datetime | None]]:
        """Counters summed per ``group`` ("commune", "key", "day" or "all"): {group: (counters, updated_at)}."""
        by = {"commune": "$commune_code", "key": "$key", "day": "$day", "month": "$day", "all": None}[group]
        if group == "month":
            match = self._match(dim + MONTHLY, communes, (first_day or "")[:7] or None,
                                (last_day or "")[:7] or None, extra, daily=True)
        else:
            match = self._match(dim, communes, first_day, last_day, extra, daily=group == "day")
        pipeline = [{"$match": match},
                    {"$group": {"_id": by, **_sums(), "updated_at": {"$max": "$updated_at"}}}]
        out = {}
        async for doc in await (await self._coll("counters")).aggregate(pipeline):
            out["" if doc["_id"] is None else str(doc["_id"])] = (_strip(doc), doc.get("updated_at"))
        return out

    async def attrs(self, dim: str, communes: Sequence[str] | None, extra: dict | None = None) -> dict[str, dict]:
        pipeline = [{"$match": self._match(dim + MONTHLY, communes, None, None, extra, daily=True)},
                    {"$group": {"_id": "$key", "a": {"$last": "$a"}}}]
        return {str(d["_id"]): d.get("a") or {} async for d in await (await self._coll("counters")).aggregate(pipeline)}

    async def histograms(self, dim: str, group: str, communes: Sequence[str] | None, first_day: str | None,
                         last_day: str | None, extra: dict | None = None) -> dict[str, dict[str, int]]:
        match = self._match(dim, communes, first_day, last_day, extra)
        match["h"] = {"$exists": True}
        out: dict[str, dict[str, int]] = {}
        field = {"commune": "commune_code", "key": "key", "all": None}[group]
        async for doc in (await self._coll("counters")).find(match, {"h": 1, "commune_code": 1, "key": 1}):
            target = out.setdefault("" if field is None else str(doc[field]), {})
            for bucket, count in (doc.get("h") or {}).items():
                target[bucket] = target.get(bucket, 0) + int(count)
        return out

    async def sessions_held(self, communes: Sequence[str] | None, first_day: str | None,
                            last_day: str | None) -> dict[str, int]:
        # A session is held when a dossier was received in it; a session with bookings only
        # (its documents hold no ``c.received``) is not counted as held.
        match = {**self._match("session", communes, first_day, last_day), "c.received": {"$gt": 0}}
        pipeline = [{"$match": match},
                    {"$group": {"_id": {"c": "$commune_code", "k": "$key"}}},
                    {"$group": {"_id": "$_id.c", "n": {"$sum": 1}}}]
        return {d["_id"]: d["n"] async for d in await (await self._coll("counters")).aggregate(pipeline)}

    async def dossier_counts(self, communes: Sequence[str] | None, start: datetime | None, end: datetime,
                             as_of: datetime) -> dict[str, dict[str, int]]:
        """Per commune: carried over into [start, end), pending not yet due / overdue as of
        ``as_of``, and the Decision 766 counts of dossiers returned in [start, end)."""
        dossiers = await self._coll("dossiers")
        base: dict = {} if communes is None else {"commune_code": {"$in": list(communes)}}
        out: dict[str, dict[str, int]] = {}
        start = start or datetime(1970, 1, 1, tzinfo=UTC)
        never = datetime(9999, 1, 1, tzinfo=UTC)
        ended = {"$ifNull": ["$ended_at", never]}
        open_at_end = {"$and": [{"$lt": ["$received_at", as_of]}, {"$gte": [ended, as_of]}]}
        life = [
            {"$match": {**base, "received_at": {"$lt": max(end, as_of)}, "ended_at": {"$not": {"$lt": start}}}},
            {"$group": {
                "_id": "$commune_code",
                "carried_over": {"$sum": {"$cond": [{"$lt": ["$received_at", start]}, 1, 0]}},
                "pending_overdue": {"$sum": {"$cond": [{"$and": [open_at_end, {"$lt": ["$due_at", as_of]}]}, 1, 0]}},
                "pending_not_due": {"$sum": {"$cond": [{"$and": [open_at_end, {"$not": [{"$lt": ["$due_at", as_of]}]}]},
                                                       1, 0]}},
            }},
        ]
        async for doc in await dossiers.aggregate(life):
            out.setdefault(doc["_id"], {}).update({k: doc[k] for k in ("carried_over", "pending_overdue",
                                                                        "pending_not_due")})
        flag = lambda name: {"$cond": [{"$eq": [f"${name}", True]}, 1, 0]}  # noqa: E731
        scope = [
            {"$match": {**base, "outcome": "returned", "returned_at": {"$gte": start, "$lt": end}}},
            {"$group": {
                "_id": "$commune_code", "in_scope_766": {"$sum": 1}, "unsatisfied_766": {"$sum": flag("unsatisfied")},
                "complained_766": {"$sum": flag("complained")}, "late_766": {"$sum": flag("late")},
                "penalised_766": {"$sum": {"$cond": [{"$or": [{"$eq": ["$unsatisfied", True]},
                                                              {"$eq": ["$complained", True]},
                                                              {"$eq": ["$late", True]}]}, 1, 0]}},
            }},
        ]
        async for doc in await dossiers.aggregate(scope):
            out.setdefault(doc["_id"], {}).update({k: doc[k] for k in DOSSIER_COUNTS if k in doc})
        return out


# --------------------------------------------------------------------------- scorecard criteria


async def load_criteria(db: AsyncDatabase) -> Criteria:
    doc = await db[SCORECARD].find_one({"_id": "district"})
    if not doc:
        return DEFAULT_CRITERIA
    return Criteria.model_validate({"criteria": doc["criteria"]})


async def save_criteria(db: AsyncDatabase, criteria: Criteria, by: str) -> None:
    await db[SCORECARD].replace_one(
        {"_id": "district"},
        {"criteria": [c.model_dump() for c in criteria.criteria], "updated_by": by,
         "updated_at": datetime.now(UTC)},
        upsert=True,
    )


async def drop_generation(db: AsyncDatabase, generation: int) -> None:
    for name in ("counters", "dossiers", "communes", "processed"):
        await db[coll(generation, name)].drop()

