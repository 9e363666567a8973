"""MongoDB storage of the procedure catalogue.

- ``catalogue_procedures``: the deployment's procedures, ``_id`` = procedure code;
- ``catalogue_commune_entries``: per commune, an override of a deployment procedure
  (``kind`` 'override', only the changed values) or a procedure of the commune's own
  (``kind`` 'local', the whole procedure); ``_id`` = '<commune>:<code>'.

A commune's catalogue is merged in memory (a deployment holds hundreds of procedures, not
millions), so search can ignore diacritics the way :func:`catalogue.search` does.
Imports validate every row, then write every row in one transaction, or nothing.
"""

from dataclasses import dataclass

import structlog
from pymongo import ASCENDING, ReplaceOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from motcua_runtime.clock import utc_now

from motcua_intake.domain.catalogue import (
    STARTER_CATALOGUE,
    CatalogueEntry,
    CatalogueLine,
    FileFormat,
    InvalidCatalogue,
    Kind,
    Problem,
    Procedure,
    ProcedureOverride,
    RowProblem,
    Scope,
    commune_catalogue,
    export_catalogue,
    export_commune_entries,
    override_record,
    parse_catalogue,
    procedure_record,
    search,
)

log = structlog.get_logger("motcua.intake.catalogue")

PROCEDURES = "catalogue_procedures"
COMMUNE_ENTRIES = "catalogue_commune_entries"
_DUPLICATE_KEY = 11000


class CatalogueConflict(Exception):
    """A single write refused because of what is already stored (Vietnamese first)."""

    def __init__(self, code: str, problem: Problem) -> None:
        super().__init__(problem.message_en)
        self.code, self.problem = code, problem


async def ensure_catalogue_indexes(db: AsyncDatabase) -> None:
    await db[COMMUNE_ENTRIES].create_index([("commune_code", ASCENDING), ("code", ASCENDING)], unique=True)


async def seed_starter_catalogue(db: AsyncDatabase, procedures: tuple[Procedure, ...] = STARTER_CATALOGUE) -> int:
    """Load the starter catalogue into an empty deployment; returns how many were inserted.

    Replicas starting together may both see an empty collection: codes are ``_id``s, so the
    second insert of a code fails alone and is ignored.
    """
    if await db[PROCEDURES].find_one({}, projection={"_id": 1}) is not None:
        return 0
    documents = [procedure_document(p) for p in procedures]
    try:
        result = await db[PROCEDURES].insert_many(documents, ordered=False)
        inserted = len(result.inserted_ids)
    except BulkWriteError as error:
        if any(e.get("code") != _DUPLICATE_KEY for e in error.details.get("writeErrors", [])):
            raise
        inserted = error.details.get("nInserted", 0)
    log.info("catalogue.seeded", inserted=inserted)
    return inserted


# --------------------------------------------------------------------------- documents


def procedure_document(procedure: Procedure) -> dict:
    record = procedure_record(procedure)
    del record["field_name"]  # derived from the field code
    return {"_id": procedure.code, **record}


def procedure_from_document(doc: dict) -> Procedure:
    return Procedure(
        code=doc["code"],
        name=doc["name"],
        field=doc["field"],
        processing_unit=doc["processing_unit"],
        processing_amount=doc["processing_amount"],
        fee_vnd=doc.get("fee_vnd", 0),
        fee_note=doc.get("fee_note", ""),
        fee_exemptions=tuple(doc.get("fee_exemptions", ())),
        required_documents=tuple(doc.get("required_documents", ())),
        handling_body=doc.get("handling_body", "commune"),
        life_event=doc.get("life_event"),
        active=doc.get("active", True),
    )


def commune_entry_document(commune_code: str, entry: Procedure | ProcedureOverride) -> dict:
    if isinstance(entry, ProcedureOverride):
        values = {k: v for k, v in override_record(entry).items() if v is not None and k != "code"}
        kind = Kind.OVERRIDE
    else:
        values = procedure_document(entry)
        del values["_id"]
        kind = Kind.LOCAL
    return {"_id": f"{commune_code}:{entry.code}", "commune_code": commune_code, "code": entry.code,
            "kind": kind.value, "values": values}


def commune_entry_from_document(doc: dict) -> Procedure | ProcedureOverride:
    values = doc["values"]
    if doc["kind"] == Kind.LOCAL:
        return procedure_from_document({**values, "code": doc["code"]})
    if "fee_exemptions" in values:
        values = {**values, "fee_exemptions": tuple(values["fee_exemptions"])}
    return ProcedureOverride(code=doc["code"], **values)


# --------------------------------------------------------------------------- reads


class MongoCatalogueRepository:
    """The catalogue as one commune sees it; bind ``session`` to read inside a unit of work."""

    def __init__(self, db: AsyncDatabase, session: AsyncClientSession | None = None) -> None:
        self._db = db
        self._session = session

    async def get(self, commune_code: str | None, code: str) -> Procedure | None:
        """The procedure with the commune's override applied (inactive ones too: callers check
        ``active``); None when neither the deployment nor the commune has the code."""
        entry = await self.get_entry(commune_code, code)
        return entry.procedure if entry else None

    async def get_entry(self, commune_code: str | None, code: str) -> CatalogueEntry | None:
        code = code.strip().upper()
        base = await self._db[PROCEDURES].find_one({"_id": code}, session=self._session)
        entry = None
        if commune_code:
            doc = await self._db[COMMUNE_ENTRIES].find_one({"_id": f"{commune_code}:{code}"}, session=self._session)
            entry = commune_entry_from_document(doc) if doc else None
        merged = commune_catalogue(
            [procedure_from_document(base)] if base else [],
            [entry] if isinstance(entry, ProcedureOverride) else [],
            [entry] if isinstance(entry, Procedure) else [],
        )
        return merged[0] if merged else None

    async def entries(self, commune_code: str | None) -> list[CatalogueEntry]:
        cursor = self._db[PROCEDURES].find({}, session=self._session)
        deployment = [procedure_from_document(doc) async for doc in cursor]
        overrides, local = await self.commune_entries(commune_code) if commune_code else ([], [])
        return commune_catalogue(deployment, overrides, local)

    async def commune_entries(self, commune_code: str) -> tuple[list[ProcedureOverride], list[Procedure]]:
        cursor = self._db[COMMUNE_ENTRIES].find({"commune_code": commune_code}, session=self._session).sort("code")
        entries = [commune_entry_from_document(doc) async for doc in cursor]
        return ([e for e in entries if isinstance(e, ProcedureOverride)],
                [e for e in entries if isinstance(e, Procedure)])

    async def list(
        self, commune_code: str | None, query: str | None = None, *, field: str | None = None,
        include_inactive: bool = False,
    ) -> list[CatalogueEntry]:
        entries = [
            e for e in await self.entries(commune_code)
            if (include_inactive or e.procedure.active) and (field is None or e.procedure.field == field)
        ]
        return search(entries, query)


async def get_procedure(db: AsyncDatabase, commune_code: str | None, code: str) -> Procedure | None:
    return await MongoCatalogueRepository(db).get(commune_code, code)


async def list_procedures(
    db: AsyncDatabase, commune_code: str | None, query: str | None = None, *, field: str | None = None,
    include_inactive: bool = False,
) -> list[CatalogueEntry]:
    """Active procedures of a commune (the deployment's when ``commune_code`` is None) matching
    ``query`` by name or code, diacritics ignored, best match first."""
    return await MongoCatalogueRepository(db).list(commune_code, query, field=field, include_inactive=include_inactive)


# --------------------------------------------------------------------------- writes


def not_in_deployment(code: str) -> Problem:
    return Problem(
        "code",
        f"Mã thủ tục {code} không có trong danh mục chung nên không ghi đè được; thủ tục riêng của xã thì ghi "
        "kind là local.",
        f"The code {code} is not in the deployment's catalogue, so it cannot be overridden; use kind 'local' "
        "for a commune's own procedure.",
    )


def taken_by_deployment(code: str) -> Problem:
    return Problem(
        "code",
        f"Mã thủ tục {code} đã có trong danh mục chung: dùng kind override để điều chỉnh lệ phí, thời hạn, "
        "cơ quan giải quyết hoặc trạng thái.",
        f"The code {code} is in the deployment's catalogue: use kind 'override' to change its fee, time, "
        "handling body or active flag.",
    )


@dataclass(frozen=True)
class ImportReport:
    scope: Scope
    commune_code: str | None
    format: FileFormat
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    dry_run: bool

    @property
    def total(self) -> int:
        return len(self.created) + len(self.updated) + len(self.unchanged)


async def import_catalogue_file(
    db: AsyncDatabase, text: str, fmt: FileFormat | str, *, commune_code: str | None = None, dry_run: bool = False
) -> ImportReport:
    """Import a catalogue file: the deployment's, or a commune's overrides and own procedures.

    Every row is checked before anything is written; any bad row raises
    :class:`InvalidCatalogue` with every problem by line, and nothing is written. Rows are
    upserted by code in one transaction, so importing the same file again changes nothing;
    procedures missing from the file are kept (withdraw one with ``active`` false).
    """
    fmt = FileFormat(fmt)
    scope = Scope.COMMUNE if commune_code else Scope.DEPLOYMENT
    lines = parse_catalogue(text, fmt, scope)

    async def write(session: AsyncClientSession) -> ImportReport:
        if scope is Scope.DEPLOYMENT:
            created, updated, unchanged = await _write_deployment(db, session, lines, dry_run)
        else:
            created, updated, unchanged = await _write_commune(db, session, commune_code, lines, dry_run)
        return ImportReport(scope, commune_code, fmt, created, updated, unchanged, dry_run)

    async with db.client.start_session() as session:
        report = await session.with_transaction(write)
    log.info("catalogue.imported", scope=scope.value, commune=commune_code, format=fmt.value, dry_run=dry_run,
             created=len(report.created), updated=len(report.updated), unchanged=len(report.unchanged))
    return report


async def _write_deployment(
    db: AsyncDatabase, session: AsyncClientSession, lines: list[CatalogueLine], dry_run: bool
) -> tuple[list[str], list[str], list[str]]:
    codes = [line.entry.code for line in lines]
    existing = {
        doc["_id"]: procedure_from_document(doc)
        async for doc in db[PROCEDURES].find({"_id": {"$in": codes}}, session=session)
    }
    created, updated, unchanged, writes = [], [], [], []
    now = utc_now()
    for line in lines:
        procedure = line.entry
        if existing.get(procedure.code) == procedure:
            unchanged.append(procedure.code)
            continue
        (updated if procedure.code in existing else created).append(procedure.code)
        writes.append(ReplaceOne({"_id": procedure.code}, {**procedure_document(procedure), "updated_at": now},
                                 upsert=True))
    if writes and not dry_run:
        await db[PROCEDURES].bulk_write(writes, ordered=True, session=session)
    return created, updated, unchanged


async def _write_commune(
    db: AsyncDatabase, session: AsyncClientSession, commune_code: str, lines: list[CatalogueLine], dry_run: bool
) -> tuple[list[str], list[str], list[str]]:
    codes = [line.entry.code for line in lines]
    in_deployment = {doc["_id"] async for doc in db[PROCEDURES].find({"_id": {"$in": codes}}, {"_id": 1},
                                                                     session=session)}
    problems = []
    for line in lines:
        code = line.entry.code
        problem = (not_in_deployment(code) if line.kind is Kind.OVERRIDE and code not in in_deployment
                   else taken_by_deployment(code) if line.kind is Kind.LOCAL and code in in_deployment else None)
        if problem:
            problems.append(RowProblem(line.line, problem.column, problem.message_vi, problem.message_en))
    if problems:
        raise InvalidCatalogue(problems)  # aborts the transaction: nothing written
    existing = {
        doc["code"]: commune_entry_from_document(doc)
        async for doc in db[COMMUNE_ENTRIES].find({"commune_code": commune_code, "code": {"$in": codes}},
                                                  session=session)
    }
    created, updated, unchanged, writes = [], [], [], []
    now = utc_now()
    for line in lines:
        code = line.entry.code
        if existing.get(code) == line.entry:
            unchanged.append(code)
            continue
        (updated if code in existing else created).append(code)
        document = commune_entry_document(commune_code, line.entry)
        writes.append(ReplaceOne({"_id": document["_id"]}, {**document, "updated_at": now}, upsert=True))
    if writes and not dry_run:
        await db[COMMUNE_ENTRIES].bulk_write(writes, ordered=True, session=session)
    return created, updated, unchanged


async def export_catalogue_file(db: AsyncDatabase, fmt: FileFormat | str, *, commune_code: str | None = None) -> str:
    """The deployment's procedures (inactive ones too), or one commune's overrides and own
    procedures, as a file that :func:`import_catalogue_file` takes back unchanged."""
    repository = MongoCatalogueRepository(db)
    if commune_code:
        overrides, local = await repository.commune_entries(commune_code)
        return export_commune_entries(overrides, local, fmt)
    return export_catalogue([procedure_from_document(doc) async for doc in db[PROCEDURES].find({})], fmt)


async def save_procedure(db: AsyncDatabase, procedure: Procedure, *, create: bool = False) -> bool:
    """Create or replace one deployment procedure; True when it was created.
    ``create`` refuses a code that exists (:class:`CatalogueConflict`)."""
    document = {**procedure_document(procedure), "updated_at": utc_now()}
    if create:
        try:
            await db[PROCEDURES].insert_one(document)
        except DuplicateKeyError as error:
            raise CatalogueConflict("procedure_exists", Problem(
                "code", f"Mã thủ tục {procedure.code} đã có trong danh mục.",
                f"The code {procedure.code} is already in the catalogue.")) from error
        return True
    result = await db[PROCEDURES].replace_one({"_id": procedure.code}, document, upsert=True)
    return result.upserted_id is not None


async def save_commune_entry(db: AsyncDatabase, commune_code: str, entry: Procedure | ProcedureOverride) -> bool:
    """Set one commune's override or own procedure; True when it was created."""
    in_deployment = await db[PROCEDURES].find_one({"_id": entry.code}, {"_id": 1}) is not None
    if isinstance(entry, ProcedureOverride) and not in_deployment:
        raise CatalogueConflict("procedure_not_in_catalogue", not_in_deployment(entry.code))
    if isinstance(entry, Procedure) and in_deployment:
        raise CatalogueConflict("procedure_in_catalogue", taken_by_deployment(entry.code))
    document = {**commune_entry_document(commune_code, entry), "updated_at": utc_now()}
    result = await db[COMMUNE_ENTRIES].replace_one({"_id": document["_id"]}, document, upsert=True)
    return result.upserted_id is not None


async def delete_commune_entry(db: AsyncDatabase, commune_code: str, code: str) -> bool:
    """Remove a commune's override (back to the deployment's values) or own procedure."""
    result = await db[COMMUNE_ENTRIES].delete_one({"_id": f"{commune_code}:{code.strip().upper()}"})
    return result.deleted_count == 1
