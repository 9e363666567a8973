"""The personal-data access log: who read which citizen's personal data, when, and why.

Append-only by construction: this module is the only code that touches the collection and it
only inserts and reads (``tests/test_audit_log.py`` scans intake's code for any update, delete,
replace or drop of it). Every read of an applicant's ID number, phone, address, email or
full name by a person or another service (the applicant API, printed forms, the ledger, the
contact endpoint notify calls) appends one entry per dossier.

An entry holds references only (dossier id and code, who, why): no personal data itself.
"""

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from motcua_runtime.auth import Principal
from motcua_runtime.clock import utc_now

PERSONAL_DATA_ACCESS = "personal_data_access_log"

#: Why the data is read, when the caller does not say (``?purpose=`` or ``X-Purpose``).
DEFAULT_PURPOSES = {
    "view_applicant": "Xem thông tin người nộp hồ sơ để giải quyết hồ sơ",
    "print_form": "In biểu mẫu của hồ sơ",
    "ledger": "Lập sổ theo dõi hồ sơ (mẫu 06)",
    "contact": "Gửi thông báo cho công dân",
    "contact_booking": "Nhắc lịch phiên làm việc ngoài giờ đã đăng ký",
}

ACTION_VI = {
    "view_applicant": "Xem thông tin người nộp",
    "print_form": "In biểu mẫu",
    "ledger": "Sổ theo dõi",
    "contact": "Lấy thông tin liên lạc",
    "contact_booking": "Lấy liên lạc người đăng ký phiên ngoài giờ",
}


@dataclass(frozen=True)
class AccessEntry:
    commune_code: str
    dossier_id: UUID
    dossier_code: str
    actor: str
    actor_name: str
    roles: tuple[str, ...]
    action: str
    purpose: str
    fields: tuple[str, ...]
    at: datetime = field(default_factory=utc_now)
    id: UUID = field(default_factory=uuid4)
    route: str | None = None
    correlation_id: str | None = None
    client_ip: str | None = None

    def document(self) -> dict:
        return {"_id": self.id, "at": self.at, "commune_code": self.commune_code, "dossier_id": self.dossier_id,
                "dossier_code": self.dossier_code, "actor": self.actor, "actor_name": self.actor_name,
                "roles": list(self.roles), "action": self.action, "purpose": self.purpose,
                "fields": list(self.fields), "route": self.route, "correlation_id": self.correlation_id,
                "client_ip": self.client_ip}


async def ensure_audit_indexes(db: AsyncDatabase) -> None:
    await db[PERSONAL_DATA_ACCESS].create_index([("commune_code", ASCENDING), ("at", DESCENDING)])
    await db[PERSONAL_DATA_ACCESS].create_index([("dossier_id", ASCENDING), ("at", DESCENDING)])


def clean_purpose(purpose: str | None, action: str) -> str:
    text = " ".join((purpose or "").split())[:300]
    return text or DEFAULT_PURPOSES.get(action, action)


async def record_reads(db: AsyncDatabase, entries: list[AccessEntry]) -> None:
    """Append the entries (one per dossier read). Called before the data is answered: a read
    that cannot be logged is not answered."""
    if entries:
        await db[PERSONAL_DATA_ACCESS].insert_many([e.document() for e in entries], ordered=False)


def entries_for(principal: Principal | None, dossiers, *, action: str, purpose: str | None,
                fields: tuple[str, ...], route: str | None = None, correlation_id: str | None = None,
                client_ip: str | None = None) -> list[AccessEntry]:
    who = principal.subject if principal else "anonymous"
    name = principal.display_name if principal else "anonymous"
    roles = tuple(sorted(principal.roles)) if principal else ()
    why = clean_purpose(purpose, action)
    at = utc_now()
    return [AccessEntry(commune_code=d.commune_code, dossier_id=d.id, dossier_code=d.code, actor=who,
                        actor_name=name, roles=roles, action=action, purpose=why, fields=fields, at=at,
                        route=route, correlation_id=correlation_id, client_ip=client_ip) for d in dossiers]


async def list_reads(db: AsyncDatabase, *, communes: list[str] | None, dossier_code: str | None = None,
                     actor: str | None = None, start: datetime | None = None, end: datetime | None = None,
                     limit: int = 100, offset: int = 0) -> tuple[list[dict], int]:
    """Entries, newest first. ``communes`` None: every commune (district overseer)."""
    query: dict = {}
    if communes is not None:
        query["commune_code"] = {"$in": communes}
    if dossier_code:
        query["dossier_code"] = dossier_code
    if actor:
        query["actor"] = actor
    if start or end:
        query["at"] = {**({"$gte": start} if start else {}), **({"$lt": end} if end else {})}
    total = await db[PERSONAL_DATA_ACCESS].count_documents(query)
    cursor = db[PERSONAL_DATA_ACCESS].find(query).sort([("at", DESCENDING), ("_id", ASCENDING)]).skip(offset).limit(limit)
    return [doc async for doc in cursor], total
