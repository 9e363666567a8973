"""Failed sign-ins, counted per username and client address for a short window (MongoDB, so
every replica counts the same): a password cannot be guessed by brute force.

A failure is one document, removed by a TTL index when the window has passed. A successful
sign-in does not clear the count: a guesser who knows one password learns nothing by mixing.
"""

from datetime import datetime, timedelta

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

SIGN_IN_FAILURES = "sign_in_failures"


async def ensure_sign_in_indexes(db: AsyncDatabase, window_seconds: int) -> None:
    await db[SIGN_IN_FAILURES].create_index([("key", ASCENDING), ("at", ASCENDING)])
    try:
        await db[SIGN_IN_FAILURES].create_index("at", expireAfterSeconds=window_seconds, name="at_ttl")
    except Exception:  # the window changed: the old TTL index stays until dropped; counting still uses the window
        pass


def limit_key(username: str, client_ip: str | None) -> str:
    return f"{username.strip().lower()[:64]}|{client_ip or '-'}"


class SignInLimiter:
    def __init__(self, db: AsyncDatabase, max_failures: int, window_seconds: int) -> None:
        self.collection = db[SIGN_IN_FAILURES]
        self.max_failures, self.window = max_failures, timedelta(seconds=window_seconds)

    async def blocked(self, key: str, now: datetime) -> bool:
        recent = await self.collection.count_documents({"key": key, "at": {"$gt": now - self.window}},
                                                       limit=self.max_failures)
        return recent >= self.max_failures

    async def failed(self, key: str, now: datetime) -> None:
        await self.collection.insert_one({"key": key, "at": now})


def too_many_attempts_message(window_seconds: int) -> tuple[str, str]:
    minutes = max(1, round(window_seconds / 60))
    return (f"Ông/bà đã nhập sai tên đăng nhập hoặc mật khẩu quá nhiều lần. Vui lòng thử lại sau {minutes} phút "
            "hoặc liên hệ quản trị hệ thống.",
            f"Too many failed sign-ins. Please try again in {minutes} minutes or contact the administrator.")
