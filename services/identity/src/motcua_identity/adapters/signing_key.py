"""The RS256 key tokens are signed with, and the key set (JWKS) other services verify with.

From configuration (``IDENTITY_SIGNING_KEY_PEM``) in a real deployment; for a local run,
generated once and kept in a file under the data directory (readable by its owner only).

Rotation with overlap: the key being retired goes to ``IDENTITY_PREVIOUS_SIGNING_KEYS_PEM``
(one or more PEM blocks, private or public). Tokens are signed with the current key only, but
the JWKS publishes the previous ones too, so tokens signed before the rotation stay valid until
they expire (a working day); then the previous key is removed (docs/runbook.md).
"""

import base64
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from motcua_runtime.key_files import read_or_create


_PEM_BLOCK = re.compile(r"-----BEGIN [A-Z ]+-----.+?-----END [A-Z ]+-----", re.S)


def _public_jwk(public_key: rsa.RSAPublicKey) -> tuple[str, dict]:
    public_jwk = json.loads(RSAAlgorithm.to_jwk(public_key))
    # RFC 7638 thumbprint: the same key always has the same kid.
    canonical = json.dumps({k: public_jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
    return kid, {**public_jwk, "kid": kid, "use": "sig", "alg": "RS256"}


class VerificationKey:
    """A retired signing key: it verifies the tokens it signed until they expire, signs nothing."""

    def __init__(self, public_key: rsa.RSAPublicKey) -> None:
        self.public_key = public_key
        self.kid, self.public_jwk = _public_jwk(public_key)

    @classmethod
    def from_pem(cls, pem: str) -> "VerificationKey":
        data = pem.encode()
        key = serialization.load_pem_public_key(data) if b"PUBLIC KEY" in data else \
            serialization.load_pem_private_key(data, password=None).public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise ValueError("a previous signing key must be an RSA key (RS256)")
        return cls(key)


def previous_keys(pems: str) -> list[VerificationKey]:
    """Every PEM block of ``pems`` (private or public keys), in order."""
    return [VerificationKey.from_pem(block) for block in _PEM_BLOCK.findall(pems or "")]


class SigningKey:
    def __init__(self, private_key: rsa.RSAPrivateKey, previous: list[VerificationKey] | None = None) -> None:
        self.private_key = private_key
        self.public_key = private_key.public_key()
        self.kid, self.public_jwk = _public_jwk(self.public_key)
        #: Retired keys still published and accepted (never the current one twice).
        self.previous = [k for k in previous or [] if k.kid != self.kid]

    @classmethod
    def from_pem(cls, pem: str | bytes) -> "SigningKey":
        key = serialization.load_pem_private_key(pem.encode() if isinstance(pem, str) else pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the signing key must be an RSA private key (RS256)")
        return cls(key)

    @classmethod
    def generate(cls) -> "SigningKey":
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    def pem(self) -> bytes:
        return self.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption())

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": self.kid})

    def jwks(self) -> dict:
        """The current key first, then the retired ones still accepted."""
        return {"keys": [self.public_jwk] + [k.public_jwk for k in self.previous]}

    def key_for(self, token: str) -> Any:
        """The verification key of ``token`` (for motcua_runtime.auth.TokenVerifier): ours or a
        retired one still accepted, by the token's kid."""
        kid = jwt.get_unverified_header(token).get("kid")
        if kid == self.kid:
            return self.public_key
        for key in self.previous:
            if key.kid == kid:
                return key.public_key
        raise jwt.InvalidKeyError("token signed with another key")

    def with_previous(self, previous: list[VerificationKey]) -> "SigningKey":
        return SigningKey(self.private_key, previous)


def load_signing_key(pem: str, key_file: str, data_dir: str) -> SigningKey:
    if pem.strip():
        return SigningKey.from_pem(pem)
    path = Path(key_file) if key_file else Path(data_dir) / "signing-key.pem"
    return SigningKey.from_pem(read_or_create(path, lambda: SigningKey.generate().pem()))
