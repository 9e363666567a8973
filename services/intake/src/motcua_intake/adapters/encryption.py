"""Encryption at rest of the applicant's ID number, phone and address.

MongoDB client-side field level encryption, explicit form (``AsyncClientEncryption``,
libmongocrypt through ``pymongocrypt``): it works with the community server and needs no
``mongocryptd``. A local master key from configuration (96 bytes) wraps one data key, kept
in a key vault collection and found again by its alternate name; the data key encrypts
each value with ``AEAD_AES_256_CBC_HMAC_SHA_512-Random``, stored as BSON Binary subtype 6.

Random, not deterministic: nothing queries these fields by value (except a session booking's
phone, which also gets a deterministic *lookup* ciphertext to find a double booking). The citizen lookup
finds a dossier by its code and then compares the phone's last digits after decrypting;
the applicant's name stays in clear because officers search by it. Rotation of the master
key: docs/personal-data.md.

The repository gets its encrypter passed in, or from :func:`encrypter_for` — the one
installed for the database at start-up (:func:`install_field_encryption`).
"""

import base64
import binascii
import os
import weakref
from pathlib import Path
from typing import Protocol

from bson.binary import Binary
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.asynchronous.encryption import AsyncClientEncryption
from pymongo.asynchronous.mongo_client import AsyncMongoClient
from pymongo.encryption import Algorithm
from pymongo.errors import DuplicateKeyError, EncryptionError

from motcua_intake.settings import IntakeSettings

ALGORITHM = Algorithm.AEAD_AES_256_CBC_HMAC_SHA_512_Random
#: For the one value that is looked up by equality: a booking's phone, to find a double booking
#: (the same phone always gives the same ciphertext; it is stored beside the random one).
LOOKUP_ALGORITHM = Algorithm.AEAD_AES_256_CBC_HMAC_SHA_512_Deterministic
#: BSON Binary subtype of a value encrypted by client-side field level encryption.
ENCRYPTED_SUBTYPE = 6
MASTER_KEY_BYTES = 96
KEY_VAULT_COLLECTION = "__keyVault"


class FieldEncrypter(Protocol):
    async def encrypt(self, value: str) -> Binary: ...
    async def decrypt(self, value: Binary) -> str: ...
    async def lookup_key(self, value: str) -> Binary: ...


class PersonalDataKeyError(RuntimeError):
    """The master key is missing, malformed, or does not open the stored data key."""


class EncryptionNotInstalled(RuntimeError):
    """A dossier was read or written before the service installed its encrypter."""


def is_encrypted(value: object) -> bool:
    return isinstance(value, Binary) and value.subtype == ENCRYPTED_SUBTYPE


def generate_master_key() -> str:
    """A new local master key, base64 (what ``INTAKE_DATA_KEY_MASTER`` holds)."""
    return base64.b64encode(os.urandom(MASTER_KEY_BYTES)).decode("ascii")


def load_master_key(settings: IntakeSettings) -> bytes:
    prefix = settings.model_config.get("env_prefix", "")
    inline = settings.data_key_master.get_secret_value().strip()
    path = settings.data_key_master_file.strip()
    if inline and path:
        raise PersonalDataKeyError(f"set {prefix}DATA_KEY_MASTER or {prefix}DATA_KEY_MASTER_FILE, not both")
    if not inline and not path:
        raise PersonalDataKeyError(
            f"{prefix}DATA_KEY_MASTER (base64 of {MASTER_KEY_BYTES} random bytes) or {prefix}DATA_KEY_MASTER_FILE "
            "is not set: intake stores citizens' ID numbers, phones and addresses encrypted and does not start "
            "without its master key. Generate one with: "
            "python -c 'import base64, os; print(base64.b64encode(os.urandom(96)).decode())'"
        )
    if path:
        try:
            raw = Path(path).read_bytes()
        except OSError as error:
            raise PersonalDataKeyError(f"{prefix}DATA_KEY_MASTER_FILE {path}: {error.strerror}") from error
        if len(raw) == MASTER_KEY_BYTES:
            return raw
        source, text = f"the file {path}", raw.decode("ascii", errors="replace").strip()
    else:
        source, text = f"{prefix}DATA_KEY_MASTER", inline
    try:
        key = base64.b64decode(text, validate=True)
    except binascii.Error as error:
        raise PersonalDataKeyError(f"{source} is not base64") from error
    if len(key) != MASTER_KEY_BYTES:
        raise PersonalDataKeyError(f"{source} decodes to {len(key)} bytes; a local master key is {MASTER_KEY_BYTES}")
    return key


def key_vault_namespace(settings: IntakeSettings) -> str:
    # In intake's own database by default: the data key lives and is backed up with the data
    # it opens, and two deployments (or test runs) on one server never share a key.
    return settings.key_vault_namespace or f"{settings.database}.{KEY_VAULT_COLLECTION}"


class MongoFieldEncrypter:
    """Encrypts and decrypts single values with the data key found at start-up."""

    def __init__(self, client_encryption: AsyncClientEncryption, key_id: Binary) -> None:
        self._client_encryption = client_encryption
        self.key_id = key_id

    async def encrypt(self, value: str) -> Binary:
        return await self._client_encryption.encrypt(value, ALGORITHM, key_id=self.key_id)

    async def decrypt(self, value: Binary) -> str:
        return await self._client_encryption.decrypt(value)

    async def lookup_key(self, value: str) -> Binary:
        """Deterministic ciphertext of ``value``: equal values give equal keys (equality lookups)."""
        return await self._client_encryption.encrypt(value, LOOKUP_ALGORITHM, key_id=self.key_id)

    async def close(self) -> None:
        await self._client_encryption.close()


async def open_field_encrypter(
    client: AsyncMongoClient, master_key: bytes, namespace: str, alt_name: str
) -> MongoFieldEncrypter:
    """The encrypter of ``alt_name``'s data key, created on first use; checked to open with
    ``master_key`` now rather than at the first citizen's dossier."""
    db_name, collection = namespace.split(".", 1)
    await client[db_name][collection].create_index(
        "keyAltNames", unique=True, partialFilterExpression={"keyAltNames": {"$exists": True}}
    )
    client_encryption = AsyncClientEncryption(
        {"local": {"key": master_key}}, namespace, client, client.codec_options
    )
    try:
        key = await client_encryption.get_key_by_alt_name(alt_name)
        if key is not None:
            key_id = key["_id"]
        else:
            try:
                key_id = await client_encryption.create_data_key("local", key_alt_names=[alt_name])
            except EncryptionError as error:
                if not isinstance(error.cause, DuplicateKeyError):
                    raise
                # Another replica created it at the same moment: use theirs.
                key_id = (await client_encryption.get_key_by_alt_name(alt_name))["_id"]
        encrypter = MongoFieldEncrypter(client_encryption, key_id)
        try:
            probe = await encrypter.encrypt("probe")
            await encrypter.decrypt(probe)
        except EncryptionError as error:
            raise PersonalDataKeyError(
                f"the data key {alt_name!r} in {namespace} cannot be opened with the configured master key "
                f"({error}); personal data written with it stays unreadable until the right key is given"
            ) from error
        return encrypter
    except BaseException:
        await client_encryption.close()
        raise


async def rotate_master_key(client: AsyncMongoClient, namespace: str, alt_name: str, old_key: bytes,
                            new_key: bytes) -> int:
    """Rewrap the data key under a new master key (the data itself is not touched); returns how
    many data keys were rewrapped. Two passes through a named provider, so that the key
    afterwards names the plain ``local`` provider the service is configured with; after a failure
    between the two passes, run it again with the same keys."""
    rewrapped = 0
    for providers, target in (({"local": {"key": old_key}, "local:new": {"key": new_key}}, "local:new"),
                              ({"local": {"key": new_key}, "local:new": {"key": new_key}}, "local")):
        client_encryption = AsyncClientEncryption(providers, namespace, client, client.codec_options)
        try:
            result = await client_encryption.rewrap_many_data_key({"keyAltNames": alt_name}, provider=target)
            rewrapped = result.bulk_write_result.modified_count if result.bulk_write_result else 0
        finally:
            await client_encryption.close()
    return rewrapped


# The encrypter of each open database, installed at start-up, so that code handed only a
# database (the queries of pages and forms) reads and writes like the unit of work does.
_installed: dict[tuple[int, str], tuple[weakref.ref, FieldEncrypter]] = {}


def _registry_key(db: AsyncDatabase) -> tuple[int, str]:
    return id(db.client), db.name


def install(db: AsyncDatabase, encrypter: FieldEncrypter) -> None:
    _installed[_registry_key(db)] = (weakref.ref(db.client), encrypter)


def installed(db: AsyncDatabase) -> FieldEncrypter | None:
    found = _installed.get(_registry_key(db))
    if found is None or found[0]() is not db.client:  # an id reused by a later client
        return None
    return found[1]


def encrypter_for(db: AsyncDatabase) -> FieldEncrypter:
    encrypter = installed(db)
    if encrypter is None:
        raise EncryptionNotInstalled(
            f"no field encrypter for database {db.name}: call install_field_encryption at start-up"
        )
    return encrypter


async def install_field_encryption(db: AsyncDatabase, settings: IntakeSettings) -> FieldEncrypter:
    """Start-up: open the encrypter the configuration describes and install it for ``db``."""
    if (encrypter := installed(db)) is not None:
        return encrypter
    encrypter = await open_field_encrypter(
        db.client, load_master_key(settings), key_vault_namespace(settings), settings.data_key_alt_name
    )
    install(db, encrypter)
    return encrypter
