"""CredentialsCipher: round trip, key rotation, and errors that never reveal secrets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.credentials_cipher import CredentialsCipher, CredentialsCipherError

OLD_KEY = CredentialsCipher.generate_key()
NEW_KEY = CredentialsCipher.generate_key()
SECRET = "APP_USR-6092-030514-0123456789abcdef-1108966308"


@settings(max_examples=50)
@given(plaintext=st.text())
def test_round_trip_any_text(plaintext: str) -> None:
    cipher = CredentialsCipher([NEW_KEY])
    assert cipher.decrypt(cipher.encrypt(plaintext)) == plaintext


def test_encryption_hides_the_secret_and_is_randomised() -> None:
    cipher = CredentialsCipher([NEW_KEY])
    token = cipher.encrypt(SECRET)
    assert SECRET not in token and "1108966308" not in token
    assert token != cipher.encrypt(SECRET)


def test_rotation_moves_values_to_the_newest_key() -> None:
    old_token = CredentialsCipher([OLD_KEY]).encrypt(SECRET)
    both = CredentialsCipher([NEW_KEY, OLD_KEY])
    assert both.decrypt(old_token) == SECRET  # old values stay readable during rotation

    rotated = both.rotate(old_token)
    assert CredentialsCipher([NEW_KEY]).decrypt(rotated) == SECRET
    with pytest.raises(CredentialsCipherError):
        CredentialsCipher([OLD_KEY]).decrypt(rotated)


def test_wrong_key_is_a_clear_error_without_secrets() -> None:
    token = CredentialsCipher([OLD_KEY]).encrypt(SECRET)
    with pytest.raises(CredentialsCipherError) as raised:
        CredentialsCipher([NEW_KEY]).decrypt(token)
    message = str(raised.value)
    assert "key" in message
    for secret in (SECRET, token, OLD_KEY, NEW_KEY):
        assert secret not in message
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    with pytest.raises(CredentialsCipherError):
        CredentialsCipher([NEW_KEY]).rotate(token)
    with pytest.raises(CredentialsCipherError):
        CredentialsCipher([NEW_KEY]).decrypt("not-a-token")


def test_malformed_keys_are_rejected_without_echoing_them() -> None:
    with pytest.raises(CredentialsCipherError) as raised:
        CredentialsCipher([NEW_KEY, "hunter2-not-a-key"])
    assert "#2" in str(raised.value) and "hunter2" not in str(raised.value)
    with pytest.raises(CredentialsCipherError):
        CredentialsCipher([])
    with pytest.raises(CredentialsCipherError):
        CredentialsCipher(NEW_KEY)  # one string, not a list


def test_repr_and_setting_parsing() -> None:
    cipher = CredentialsCipher.from_setting(f" {NEW_KEY} , {OLD_KEY},")
    assert repr(cipher) == "CredentialsCipher(keys=2)"
    assert NEW_KEY not in repr(cipher)
    assert cipher.decrypt(CredentialsCipher([OLD_KEY]).encrypt("x")) == "x"
