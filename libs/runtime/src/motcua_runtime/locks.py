"""Per-key turns inside one process.

Writers of one hot document (a commune's daily dossier counter) that run
concurrently in one process would meet in MongoDB write conflicts and retry each
other into the ground; taking turns per key in the process leaves conflicts only
between replicas, which the transaction retry absorbs.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class KeyedTurns:
    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    @asynccontextmanager
    async def turn(self, key: str, wait_seconds: float | None = None) -> AsyncIterator[None]:
        """Wait for the key's turn (at most ``wait_seconds``: then TimeoutError, which a
        consumer treats as transient and retries later)."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with asyncio.timeout(wait_seconds):
                await lock.acquire()
            try:
                yield
            finally:
                lock.release()
        finally:
            self._users[key] -= 1
            if not self._users[key]:  # nobody waiting: forget the key (keys are per day)
                del self._users[key], self._locks[key]
