"""Secrets at rest and bearer tokens.

Webhook secrets and encryption keys are stored encrypted with MultiFernet (the first key of
OMSLINK_SECRET_KEYS encrypts, every key decrypts, so keys rotate by prepending a new one).
Tokens and API keys are 256-bit random strings, so a plain SHA-256 is a sufficient one-way
hash: there is nothing to brute-force that a slow hash would protect.
"""

from __future__ import annotations

import hashlib
import secrets
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

PERSONAL_TOKEN_PREFIX = "omsu_"  # noqa: S105 - a prefix, not a secret
API_KEY_PREFIX = "omsk_"


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise RuntimeError(
            "OMSLINK_SECRET_KEYS must hold url-safe base64 Fernet keys of 32 bytes"
        ) from exc


def _current_fernet() -> MultiFernet:
    return _fernet(tuple(settings.OMSLINK_SECRET_KEYS))


def encrypt_secret(plaintext: str) -> str:
    return _current_fernet().encrypt(plaintext.encode()).decode()


def decrypt_secret(ciphertext: str) -> str:
    try:
        return _current_fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise RuntimeError(
            "A stored secret cannot be decrypted with OMSLINK_SECRET_KEYS; was a key removed?"
        ) from exc


def reencrypt_secret(ciphertext: str) -> str:
    """The same secret encrypted with the first key, so older keys can leave the list."""
    try:
        return _current_fernet().rotate(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise RuntimeError(
            "A stored secret cannot be decrypted with OMSLINK_SECRET_KEYS; was a key removed?"
        ) from exc


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def mask_tail(secret: str, *, keep: int = 3) -> str:
    """Show a secret's last characters only, keeping a `whsec_` prefix readable."""
    prefix = "whsec_" if secret.startswith("whsec_") else ""
    return f"{prefix}…{secret[-keep:]}"
