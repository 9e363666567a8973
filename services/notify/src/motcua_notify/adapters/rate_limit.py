"""Per-channel send limits shared by every notify replica (MongoDB).

A provider's limit (e.g. 120 SMS a minute on the commune's account) holds for the deployment,
not per process: ops may run several notify replicas. Each channel has one counter document
per calendar minute; taking a slot is one conditional upsert — it increments the counter while
it is below the limit, and when the counter is full the upsert collides with the existing
document (duplicate key) and the slot is refused. Counters expire by a TTL index.

A fixed window: at most ``limit`` sends start in any calendar minute (so up to twice the limit
can straddle a minute's boundary); a refused send is deferred to the next minute's start.
"""

from datetime import datetime, timedelta

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

RATE_WINDOWS = "rate_windows"


async def ensure_rate_indexes(db: AsyncDatabase) -> None:
    await db[RATE_WINDOWS].create_index([("expires_at", ASCENDING)], expireAfterSeconds=0)


def window_start(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


class SharedRateLimiter:
    def __init__(self, db: AsyncDatabase, per_minute: dict[str, int]) -> None:
        self._db, self._limits = db, per_minute

    async def take(self, channel: str, now: datetime) -> bool:
        """A slot for one send on ``channel`` in ``now``'s minute, if one is left."""
        limit = self._limits.get(channel)
        if not limit:
            return True
        start = window_start(now)
        key = f"{channel}:{start:%Y%m%dT%H%M}"
        try:
            await self._db[RATE_WINDOWS].update_one(
                {"_id": key, "n": {"$lt": limit}},
                {"$inc": {"n": 1}, "$setOnInsert": {"channel": channel, "expires_at": start + timedelta(minutes=5)}},
                upsert=True)
        except DuplicateKeyError:
            return False  # the minute's counter exists and is full
        return True

    @staticmethod
    def next_window(now: datetime) -> datetime:
        return window_start(now) + timedelta(minutes=1)
