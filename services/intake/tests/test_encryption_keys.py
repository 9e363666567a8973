"""The master key of the personal data comes from configuration, and its absence or a bad
value stops the service with a message that says what to set. No server."""

import base64
import os

import pytest

from motcua_intake.adapters.encryption import (
    PersonalDataKeyError,
    generate_master_key,
    key_vault_namespace,
    load_master_key,
)
from motcua_intake.settings import IntakeSettings

KEY = os.urandom(96)


def settings(**values) -> IntakeSettings:
    values = {"data_key_master": "", "data_key_master_file": "", **values}
    return IntakeSettings(mongodb_uri="mongodb://127.0.0.1:1", nats_url="nats://127.0.0.1:1", **values)


def test_a_missing_master_key_is_refused_with_what_to_set():
    with pytest.raises(PersonalDataKeyError) as refused:
        load_master_key(settings())
    assert "INTAKE_DATA_KEY_MASTER" in str(refused.value) and "INTAKE_DATA_KEY_MASTER_FILE" in str(refused.value)


def test_the_key_in_base64_from_the_environment():
    assert load_master_key(settings(data_key_master=base64.b64encode(KEY).decode())) == KEY


def test_the_key_from_a_file_in_base64_or_raw(tmp_path):
    text, raw = tmp_path / "key.b64", tmp_path / "key.bin"
    text.write_text(base64.b64encode(KEY).decode() + "\n")
    raw.write_bytes(KEY)
    assert load_master_key(settings(data_key_master_file=str(text))) == KEY
    assert load_master_key(settings(data_key_master_file=str(raw))) == KEY


@pytest.mark.parametrize("value, words", [
    (base64.b64encode(os.urandom(32)).decode(), "32 bytes"),
    ("not base64 at all!", "not base64"),
])
def test_a_malformed_key_is_refused(value, words):
    with pytest.raises(PersonalDataKeyError, match=words):
        load_master_key(settings(data_key_master=value))


def test_a_missing_file_and_two_sources_are_refused(tmp_path):
    with pytest.raises(PersonalDataKeyError, match="key.b64"):
        load_master_key(settings(data_key_master_file=str(tmp_path / "key.b64")))
    with pytest.raises(PersonalDataKeyError, match="not both"):
        load_master_key(settings(data_key_master=generate_master_key(), data_key_master_file=str(tmp_path / "k")))


def test_the_key_is_never_shown_in_the_settings():
    secret = generate_master_key()
    assert secret not in repr(settings(data_key_master=secret))


def test_the_key_vault_is_in_intakes_database_unless_configured():
    assert key_vault_namespace(settings(database="motcua_intake")) == "motcua_intake.__keyVault"
    assert key_vault_namespace(settings(key_vault_namespace="encryption.__keyVault")) == "encryption.__keyVault"
