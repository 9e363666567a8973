"""The RS256 key tokens are signed with, and the key set (JWKS) other services verify with.

From configuration (``IDENTITY_SIGNING_KEY_PEM``) in a real deployment; for a local run,
generated once and kept in a file under the data directory (readable by its owner only).
"""

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


class SigningKey:
    def __init__(self, private_key: rsa.RSAPrivateKey) -> None:
        self.private_key = private_key
        self.public_key = private_key.public_key()
        public_jwk = json.loads(RSAAlgorithm.to_jwk(self.public_key))
        # RFC 7638 thumbprint: the same key always has the same kid.
        canonical = json.dumps({k: public_jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
        self.kid = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
        self.public_jwk = {**public_jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}

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
        return {"keys": [self.public_jwk]}

    def key_for(self, token: str) -> Any:
        """The verification key of ``token`` (for motcua_runtime.auth.TokenVerifier): ours, if the kid is ours."""
        if jwt.get_unverified_header(token).get("kid") != self.kid:
            raise jwt.InvalidKeyError("token signed with another key")
        return self.public_key


def load_signing_key(pem: str, key_file: str, data_dir: str) -> SigningKey:
    if pem.strip():
        return SigningKey.from_pem(pem)
    path = Path(key_file) if key_file else Path(data_dir) / "signing-key.pem"
    if path.is_file():
        return SigningKey.from_pem(path.read_bytes())
    key = SigningKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside then renamed: replicas starting together end with one key (the last rename
    # wins and a loser re-reads it below).
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_bytes(key.pem())
    os.chmod(temporary, 0o600)
    try:
        os.link(temporary, path)  # fails if another process got there first
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)
    return SigningKey.from_pem(path.read_bytes())
