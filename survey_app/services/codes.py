"""Invitation access codes and link tokens.

A typed code is 12 symbols from a 31-symbol alphabet with no 0/O/1/I/L
(≈ 59 bits; NIST SP 800-63B wants rate limiting below 64 bits, and we have it).
A link/QR token is 22 URL-safe characters (128 bits). Both are derived from the
invitation's random nonce with HMAC-SHA256 under the app's secret, and only
their HMACs are stored: the database alone never yields a usable code, while
the server can print a family's letter again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # 31 symbols: no 0 O 1 I L
CODE_LENGTH = 12
GROUP = 4


def new_nonce() -> str:
    return secrets.token_hex(16)


def _digest(secret: str, purpose: str, value: str) -> bytes:
    # hmac.digest is the one-shot C path: the same bytes, several times faster in bulk.
    return hmac.digest(secret.encode(), f"{purpose}:{value}".encode(), hashlib.sha256)


def derive_code(secret: str, nonce: str) -> str:
    """The typed code for ``nonce``: 12 symbols, uniformly drawn from the alphabet."""
    number = int.from_bytes(_digest(secret, "code", nonce), "big")
    symbols = []
    for _i in range(CODE_LENGTH):
        number, index = divmod(number, len(ALPHABET))
        symbols.append(ALPHABET[index])
    return "".join(symbols)


def derive_token(secret: str, nonce: str) -> str:
    """The link/QR token for ``nonce``: 128 bits, URL-safe."""
    raw = _digest(secret, "token", nonce)[:16]
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def hash_secret(secret: str, value: str) -> str:
    """The stored form of a code or token (hex HMAC, looked up by equality)."""
    return hmac.digest(secret.encode(), f"lookup:{value}".encode(), hashlib.sha256).hex()


def normalize_code(typed: str) -> str:
    """Upper-case and drop spaces, dashes and anything else that is not a letter or digit."""
    return "".join(ch for ch in typed.upper() if ch.isascii() and ch.isalnum())


def format_code(code: str) -> str:
    """``ABCD-EFGH-JKMN`` for letters and screens."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def looks_like_code(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(ch in ALPHABET for ch in code)
