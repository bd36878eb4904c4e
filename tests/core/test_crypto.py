"""Secrets at rest (MultiFernet with rotation) and bearer tokens (random, stored as SHA-256)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from cryptography.fernet import Fernet

from omslink.core.crypto import (
    API_KEY_PREFIX,
    PERSONAL_TOKEN_PREFIX,
    decrypt_secret,
    encrypt_secret,
    mask_tail,
    new_token,
    token_hash,
)

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_secrets_round_trip_and_never_appear_in_the_ciphertext() -> None:
    stored = encrypt_secret(SECRET)
    assert SECRET not in stored and "MfKQ9r8" not in stored
    assert decrypt_secret(stored) == SECRET
    assert encrypt_secret(SECRET) != stored, "a fresh IV every time"


def test_keys_rotate_by_prepending_a_new_one(settings: Any) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.OMSLINK_SECRET_KEYS = [old]
    stored_with_old = encrypt_secret(SECRET)
    settings.OMSLINK_SECRET_KEYS = [new, old]
    assert decrypt_secret(stored_with_old) == SECRET
    stored_with_new = encrypt_secret(SECRET)
    settings.OMSLINK_SECRET_KEYS = [new]
    assert decrypt_secret(stored_with_new) == SECRET
    with pytest.raises(RuntimeError, match="was a key removed"):
        decrypt_secret(stored_with_old)


def test_a_malformed_key_setting_says_what_is_wrong(settings: Any) -> None:
    settings.OMSLINK_SECRET_KEYS = ["not-a-fernet-key"]
    with pytest.raises(RuntimeError, match="OMSLINK_SECRET_KEYS"):
        encrypt_secret(SECRET)


@pytest.mark.parametrize("prefix", [PERSONAL_TOKEN_PREFIX, API_KEY_PREFIX])
def test_tokens_are_random_and_hashed_with_sha256(prefix: str) -> None:
    tokens = {new_token(prefix) for _ in range(100)}
    assert len(tokens) == 100
    for token in tokens:
        assert token.startswith(prefix) and len(token) == len(prefix) + 43
        assert token_hash(token) == hashlib.sha256(token.encode()).hexdigest()


def test_hashing_a_hostile_token_does_not_fail() -> None:
    assert len(token_hash("omsk_\ud800\x00")) == 64


@pytest.mark.parametrize(
    ("secret", "masked"),
    [
        (SECRET, "whsec_…aSw"),
        ("a-plain-secret-123", "…123"),
        ("k3Qk3Qk3Q", "…k3Q"),
    ],
)
def test_masks_show_the_last_three_characters_only(secret: str, masked: str) -> None:
    assert mask_tail(secret) == masked
