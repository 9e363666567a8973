"""MongoDB client factory (pymongo's async API; motor is deprecated by its vendor)."""

from pymongo import AsyncMongoClient


def create_mongo_client(uri: str, *, app_name: str) -> AsyncMongoClient:
    return AsyncMongoClient(
        uri,
        appname=app_name,
        tz_aware=True,
        uuidRepresentation="standard",
        serverSelectionTimeoutMS=5000,
        # Acknowledged writes survive a primary failover only with majority.
        w="majority",
    )
