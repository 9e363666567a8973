"""Webhook signing secrets, sealed at rest (AES-256-GCM).

A subscription's secret signs every delivery; whoever reads it can forge deliveries to that
subscriber. So hooks stores it sealed (``secret_sealed``: ``v1.`` + base64 of nonce and
ciphertext) with its last four characters as a hint; it is unsealed only to sign. The key is
``HOOKS_SECRETS_KEY`` (base64 of 32 random bytes) in a real deployment; a local run generates
one once in ``HOOKS_SECRETS_KEY_FILE`` (default ``<HOOKS_DATA_DIR>/secrets.key``, owner-only).
Subscriptions written before sealing are sealed at start-up (``seal_plaintext_secrets``).
"""

import base64
import binascii
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from motcua_runtime.key_files import read_or_create

KEY_BYTES = 32
PREFIX = "v1."


class SecretsKeyError(RuntimeError):
    """The key is malformed, or does not open the stored secrets."""


class SecretBox:
    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise SecretsKeyError(f"the secrets key decodes to {len(key)} bytes; it must be {KEY_BYTES}")
        self._aead = AESGCM(key)

    def seal(self, secret: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, secret.encode("utf-8"), b"motcua-hooks-secret")
        return PREFIX + base64.b64encode(nonce + sealed).decode("ascii")

    def unseal(self, sealed: str) -> str:
        if not sealed.startswith(PREFIX):
            raise SecretsKeyError("not a sealed secret")
        raw = base64.b64decode(sealed[len(PREFIX):])
        try:
            return self._aead.decrypt(raw[:12], raw[12:], b"motcua-hooks-secret").decode("utf-8")
        except InvalidTag as error:
            raise SecretsKeyError("the configured secrets key does not open this secret") from error


def generate_key() -> str:
    return base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def load_secret_box(key_b64: str, key_file: str, data_dir: str) -> SecretBox:
    """From ``HOOKS_SECRETS_KEY``; else the key file, generated once (``motcua_runtime.key_files``)."""
    if key_b64.strip():
        try:
            return SecretBox(base64.b64decode(key_b64.strip(), validate=True))
        except (binascii.Error, ValueError) as error:
            raise SecretsKeyError(f"HOOKS_SECRETS_KEY is not base64: {error}") from error
    path = Path(key_file) if key_file else Path(data_dir) / "secrets.key"
    return SecretBox(base64.b64decode(read_or_create(path, lambda: generate_key().encode()).strip()))
