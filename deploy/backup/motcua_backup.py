"""Back up and restore a service's MongoDB database, without mongodump (pure pymongo + BSON).

    .venv/bin/python deploy/backup/motcua_backup.py backup  --uri "$MONGODB_URI" --database motcua_intake --out /backups
    .venv/bin/python deploy/backup/motcua_backup.py restore --uri "$MONGODB_URI" --from /backups/motcua_intake-20261122T050000Z \
        [--database motcua_intake] [--drop]
    .venv/bin/python deploy/backup/motcua_backup.py verify  --uri "$MONGODB_URI" --from /backups/motcua_intake-...

A backup is a directory: ``manifest.json`` (database, time, cluster time of the snapshot,
collections with their options, indexes, document counts and SHA-256 of their files) and one
``<collection>.bson.gz`` per collection (concatenated BSON documents, like mongodump's format,
gzipped). Every collection is read in ONE snapshot session (``snapshot=True``): the backup is a
single point in time across the database's collections (an outbox entry and the change it
announces are both in it, or neither). MongoDB keeps snapshot history for
``minSnapshotHistoryWindowInSeconds`` (300 s by default): a database whose dump takes longer
needs that raised (or mongodump with --oplog from MongoDB's database tools).

Intake's encrypted fields stay encrypted in the backup; its data key vault is a collection of
the same database (``__keyVault``) and is backed up with it. The master key that opens the data
key is NOT in the backup (it is configuration): keep it, with its rotation history, separately.

Restore refuses a database that has data unless ``--drop`` is given; it recreates collections
and indexes, then inserts the documents byte for byte (``RawBSONDocument``), and checks counts.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from bson import decode_file_iter
from bson.codec_options import CodecOptions
from bson.json_util import dumps as bson_dumps
from bson.json_util import loads as bson_loads
from bson.raw_bson import RawBSONDocument
from pymongo import MongoClient

RAW = CodecOptions(document_class=RawBSONDocument)
BATCH = 1000


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup(client: MongoClient, database: str, out_dir: Path) -> Path:
    """Dump ``database`` into a new directory under ``out_dir``; returns it."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = Path(out_dir) / f"{database}-{stamp}"
    target.mkdir(parents=True, exist_ok=False)
    db = client[database]
    manifest: dict = {"format": "motcua-backup/1", "database": database, "started_at": datetime.now(UTC).isoformat(),
                      "collections": []}
    # Collections and indexes are listed before the snapshot (those commands take no snapshot
    # read concern); the services create them at start-up, never while running.
    infos = list(db.list_collections(filter={"type": "collection"}))
    with client.start_session(snapshot=True) as session:
        for info in sorted(infos, key=lambda i: i["name"]):
            name = info["name"]
            if name.startswith("system."):
                continue
            path = target / f"{name}.bson.gz"
            count = 0
            with gzip.open(path, "wb", compresslevel=6) as file:
                collection = db.get_collection(name, codec_options=RAW)
                for document in collection.find({}, session=session, batch_size=BATCH).sort("_id", 1):
                    file.write(document.raw)
                    count += 1
            indexes = [index for index in db[name].list_indexes() if index["name"] != "_id_"]
            manifest["collections"].append({
                "name": name,
                "options": info.get("options", {}),
                "indexes": json.loads(bson_dumps(indexes)),
                "count": count,
                "file": path.name,
                "sha256": _sha256(path),
            })
        cluster_time = session.cluster_time
    manifest["snapshot_cluster_time"] = json.loads(bson_dumps(cluster_time)) if cluster_time else None
    manifest["finished_at"] = datetime.now(UTC).isoformat()
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    return target


def read_manifest(source: Path) -> dict:
    manifest = json.loads((Path(source) / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("format") != "motcua-backup/1":
        raise SystemExit(f"{source}: not a motcua backup (format {manifest.get('format')!r})")
    return manifest


def restore(client: MongoClient, source: Path, database: str | None = None, drop: bool = False) -> dict[str, int]:
    """Restore a backup directory into ``database`` (default: the one it was taken from)."""
    source = Path(source)
    manifest = read_manifest(source)
    database = database or manifest["database"]
    db = client[database]
    for entry in manifest["collections"]:
        if _sha256(source / entry["file"]) != entry["sha256"]:
            raise SystemExit(f"{entry['file']}: checksum differs from the manifest; the backup is damaged")
    existing = [n for n in db.list_collection_names() if not n.startswith("system.")]
    if existing and not drop:
        raise SystemExit(f"database {database} holds {len(existing)} collection(s); give --drop to replace them")
    if existing:
        client.drop_database(database)
    restored: dict[str, int] = {}
    for entry in manifest["collections"]:
        options = {k: v for k, v in entry["options"].items() if k not in ("uuid",)}
        db.create_collection(entry["name"], **bson_loads(json.dumps(options)))
        collection = db.get_collection(entry["name"], codec_options=RAW)
        batch: list[RawBSONDocument] = []
        count = 0
        with gzip.open(source / entry["file"], "rb") as file:
            for document in decode_file_iter(file, RAW):
                batch.append(document)
                if len(batch) >= BATCH:
                    collection.insert_many(batch, ordered=False)
                    count += len(batch)
                    batch = []
        if batch:
            collection.insert_many(batch, ordered=False)
            count += len(batch)
        for index in bson_loads(json.dumps(entry["indexes"])):
            keys = list(index.pop("key").items())
            index.pop("v", None)
            index.pop("ns", None)
            db[entry["name"]].create_index(keys, **index)
        if count != entry["count"]:
            raise SystemExit(f"{entry['name']}: restored {count} documents, the backup has {entry['count']}")
        restored[entry["name"]] = count
    return restored


def verify(client: MongoClient, source: Path, database: str | None = None) -> list[str]:
    """Differences between a backup and a live database (empty: identical documents)."""
    manifest = read_manifest(source)
    db = client[database or manifest["database"]]
    problems = []
    for entry in manifest["collections"]:
        with gzip.open(Path(source) / entry["file"], "rb") as file:
            saved = [d.raw for d in decode_file_iter(file, RAW)]
        live = [d.raw for d in db.get_collection(entry["name"], codec_options=RAW).find({}).sort("_id", 1)]
        if saved != live:
            problems.append(f"{entry['name']}: {len(saved)} documents in the backup, {len(live)} live, contents differ")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("backup", "restore", "verify"):
        command = commands.add_parser(name)
        command.add_argument("--uri", required=True, help="MongoDB connection string (a replica set member)")
        if name == "backup":
            command.add_argument("--database", required=True, help="e.g. motcua_intake")
            command.add_argument("--out", required=True, type=Path, help="directory that receives the backup")
        else:
            command.add_argument("--from", dest="source", required=True, type=Path, help="a backup directory")
            command.add_argument("--database", help="target database (default: the backed-up one)")
        if name == "restore":
            command.add_argument("--drop", action="store_true", help="replace a database that holds data")
    args = parser.parse_args(argv)
    client = MongoClient(args.uri, tz_aware=True, uuidRepresentation="standard")
    try:
        if args.command == "backup":
            print(backup(client, args.database, args.out))
        elif args.command == "restore":
            for name, count in restore(client, args.source, args.database, args.drop).items():
                print(f"{name}: {count}")
        else:
            problems = verify(client, args.source, args.database)
            print("\n".join(problems) or "identical")
            return 1 if problems else 0
    finally:
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
