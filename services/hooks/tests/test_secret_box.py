"""Subscribers' signing secrets are sealed at rest and open only with the right key."""

import base64
import stat

import pytest

from motcua_hooks.adapters.secret_box import SecretBox, SecretsKeyError, generate_key, load_secret_box


def test_a_sealed_secret_reveals_nothing_and_opens_with_its_key_only():
    box = SecretBox(base64.b64decode(generate_key()))
    sealed, again = box.seal("bi-mat-cua-kho-du-lieu-32-ky-tu"), box.seal("bi-mat-cua-kho-du-lieu-32-ky-tu")
    assert "bi-mat" not in sealed and sealed != again  # a fresh nonce each time
    assert box.unseal(sealed) == "bi-mat-cua-kho-du-lieu-32-ky-tu"
    with pytest.raises(SecretsKeyError):
        SecretBox(base64.b64decode(generate_key())).unseal(sealed)
    with pytest.raises(SecretsKeyError):
        box.unseal(sealed[:-4] + "AAAA")  # tampered


def test_the_key_comes_from_configuration_or_is_generated_once_owner_only(tmp_path):
    configured = generate_key()
    sealed = load_secret_box(configured, "", str(tmp_path)).seal("x" * 20)
    assert load_secret_box(configured, "", str(tmp_path)).unseal(sealed) == "x" * 20
    first = load_secret_box("", "", str(tmp_path))
    second = load_secret_box("", "", str(tmp_path))
    assert second.unseal(first.seal("y" * 20)) == "y" * 20
    assert stat.S_IMODE((tmp_path / "secrets.key").stat().st_mode) == 0o600
    with pytest.raises(SecretsKeyError):
        load_secret_box("không-phải-base64", "", str(tmp_path))
    with pytest.raises(SecretsKeyError):
        load_secret_box(base64.b64encode(b"short").decode(), "", str(tmp_path))
