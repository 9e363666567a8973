"""Users in MongoDB (collection ``users``, ``_id`` = username)."""

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from motcua_identity.domain.users import User

USERS = "users"


class UserExists(Exception):
    code = "user_exists"


def _document(user: User) -> dict:
    return {"_id": user.username, "display_name": user.display_name, "password_hash": user.password_hash,
            "roles": list(user.roles), "communes": list(user.communes), "district": user.district,
            "active": user.active}


def _user(doc: dict) -> User:
    return User(username=doc["_id"], display_name=doc["display_name"], password_hash=doc["password_hash"],
                roles=tuple(doc.get("roles") or ()), communes=tuple(doc.get("communes") or ()),
                district=doc.get("district"), active=doc.get("active", True))


class MongoUserStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db[USERS]

    async def get(self, username: str) -> User | None:
        doc = await self.collection.find_one({"_id": username})
        return _user(doc) if doc else None

    async def add(self, user: User) -> None:
        try:
            await self.collection.insert_one(_document(user))
        except DuplicateKeyError:
            raise UserExists(user.username) from None

    async def save(self, user: User) -> None:
        await self.collection.replace_one({"_id": user.username}, _document(user), upsert=True)

    async def list(self, limit: int = 500) -> list[User]:
        return [_user(d) async for d in self.collection.find({}).sort("_id", 1).limit(limit)]
