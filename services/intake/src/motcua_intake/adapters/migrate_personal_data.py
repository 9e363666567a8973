"""One-off: encrypt the personal fields of dossiers written before encryption at rest.

    python -m motcua_intake.adapters.migrate_personal_data

Reads the service's configuration (``MONGODB_URI``, ``INTAKE_DATABASE``, the master key) from
the environment, like the service. Safe to run while the service runs, and again: what is
already encrypted is left alone.
"""

import asyncio
import sys

from motcua_runtime.mongo import create_mongo_client

from motcua_intake.adapters.encryption import key_vault_namespace, load_master_key, open_field_encrypter
from motcua_intake.adapters.repository import encrypt_plaintext_personal_data
from motcua_intake.settings import IntakeSettings


async def migrate(settings: IntakeSettings) -> int:
    client = create_mongo_client(settings.mongodb_uri, app_name="motcua-intake-migrate-personal-data")
    try:
        encrypter = await open_field_encrypter(
            client, load_master_key(settings), key_vault_namespace(settings), settings.data_key_alt_name
        )
        try:
            return await encrypt_plaintext_personal_data(client[settings.database], encrypter)
        finally:
            await encrypter.close()
    finally:
        await client.close()


def main() -> int:
    changed = asyncio.run(migrate(IntakeSettings()))
    print(f"encrypted the personal data of {changed} dossier(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
