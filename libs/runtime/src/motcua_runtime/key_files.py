"""A secret kept in a file for local runs, generated on first start.

Written aside, made owner-only, then hard-linked into place: replicas starting together end
with one secret (the link of all but the first fails and they read the winner's).
Deployments give the secret through configuration instead.
"""

import os
from collections.abc import Callable
from pathlib import Path


def read_or_create(path: Path, make: Callable[[], bytes]) -> bytes:
    """The bytes in ``path``; if there is no such file, ``make()`` written there first."""
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(make())
        os.chmod(temporary, 0o600)
        try:
            os.link(temporary, path)  # fails if another process got there first
        except FileExistsError:
            pass
        finally:
            temporary.unlink(missing_ok=True)
    return path.read_bytes()
