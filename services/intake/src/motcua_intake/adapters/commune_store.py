"""MongoDB storage of commune profiles (the letterhead of the printed forms), and the read
the tracking ledger needs.

``commune_profiles``: one document per commune, ``_id`` = commune code. A profile is
replaced whole by an administrator (a letterhead is edited rarely, by one person); a
missing one reads as the default built from the code, so printing never fails.
"""

from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase

from motcua_intake.adapters.encryption import FieldEncrypter
from motcua_intake.adapters.repository import received_between
from motcua_intake.domain.communes import CommuneProfile, default_profile, make_profile, profile_fields
from motcua_intake.domain.model import Dossier

PROFILES = "commune_profiles"
#: A ledger of more dossiers than this is refused (asked for a shorter period), not truncated.
MAX_LEDGER_DOSSIERS = 5000


class LedgerTooLarge(Exception):
    code = "ledger_too_large"


class MongoCommuneProfileStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self._db = db

    async def get(self, commune_code: str) -> CommuneProfile:
        """The stored profile, or the default built from the code."""
        doc = await self._db[PROFILES].find_one({"_id": commune_code})
        if doc is None:
            return default_profile(commune_code)
        fields = {name: doc.get(name) for name in profile_fields(default_profile(commune_code))}
        try:
            return make_profile(commune_code, **fields)
        except ValueError:
            # Stored under older rules that no longer hold: print with the default rather
            # than not at all; the next edit must satisfy the rules.
            return default_profile(commune_code)

    async def put(self, profile: CommuneProfile, *, updated_at: datetime, updated_by: str | None) -> None:
        await self._db[PROFILES].replace_one(
            {"_id": profile.commune_code},
            {"_id": profile.commune_code, **profile_fields(profile), "updated_at": updated_at,
             "updated_by": updated_by},
            upsert=True,
        )

    async def updated(self, commune_code: str) -> tuple[datetime | None, str | None]:
        doc = await self._db[PROFILES].find_one({"_id": commune_code}, {"updated_at": 1, "updated_by": 1})
        return (doc.get("updated_at"), doc.get("updated_by")) if doc else (None, None)


async def dossiers_received_between(
    db: AsyncDatabase, commune_code: str, start: datetime, end: datetime, *, limit: int = MAX_LEDGER_DOSSIERS,
    encrypter: FieldEncrypter | None = None,
) -> list[Dossier]:
    """The ledger's dossiers (received in [start, end), oldest first); too many is an error."""
    found, total = await received_between(db, commune_code, start, end, limit, encrypter=encrypter)
    if total > limit:
        raise LedgerTooLarge(limit)
    return found
