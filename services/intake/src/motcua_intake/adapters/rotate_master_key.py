"""Rotate the master key of the personal data: rewrap the data key, re-encrypt nothing.

    python -m motcua_intake.adapters.rotate_master_key NEW_KEY_FILE

The current key comes from the service's configuration (``INTAKE_DATA_KEY_MASTER`` or
``INTAKE_DATA_KEY_MASTER_FILE``), the new one from NEW_KEY_FILE (base64, or 96 raw bytes).
Then configure intake with the new key and restart it: docs/personal-data.md.
"""

import asyncio
import sys

from pydantic import SecretStr

from motcua_runtime.mongo import create_mongo_client

from motcua_intake.adapters.encryption import key_vault_namespace, load_master_key, rotate_master_key
from motcua_intake.settings import IntakeSettings


async def rotate(settings: IntakeSettings, new_key_file: str) -> int:
    old_key = load_master_key(settings)
    new_key = load_master_key(settings.model_copy(update={"data_key_master_file": new_key_file,
                                                           "data_key_master": SecretStr("")}))
    client = create_mongo_client(settings.mongodb_uri, app_name="motcua-intake-rotate-master-key")
    try:
        return await rotate_master_key(client, key_vault_namespace(settings), settings.data_key_alt_name,
                                       old_key, new_key)
    finally:
        await client.close()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    rewrapped = asyncio.run(rotate(IntakeSettings(), args[0]))
    print(f"rewrapped {rewrapped} data key(s): now configure intake with {args[0]} and restart it")
    return 0 if rewrapped else 1


if __name__ == "__main__":
    sys.exit(main())
