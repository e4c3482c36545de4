"""Kalshi request signing over ``timestamp + METHOD + path``, with either key type Kalshi issues.

- RSA (PKCS#1 or PKCS#8 PEM): RSA-PSS, SHA-256, MGF1-SHA-256, salt length = digest length.
- Ed25519 (PKCS#8 PEM, ``-----BEGIN PRIVATE KEY-----``): plain Ed25519 over the same text.

The key type is detected from the loaded key. :class:`KalshiAuth` is an ``httpx.Auth``: every request the
client sends through it is signed, so any future endpoint gets signing for free.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Generator

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa, x448, x25519

PSS_PADDING = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)

PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
"""The private keys Kalshi API keys can have."""


class KeyLoadError(ValueError):
    """The private key could not be used; the message says why without showing the key."""


def normalize_pem(text: str) -> str:
    """Accept PEM text as PaaS config vars hold it: on one line with literal ``\\n``, maybe quoted."""
    pem = text.strip().strip('"').strip("'")
    pem = pem.replace("\\r\\n", "\n").replace("\\n", "\n").replace("\r\n", "\n")
    return pem.strip() + "\n"


def load_private_key(pem_text: str) -> PrivateKey:
    """Load an RSA (PKCS#1 or PKCS#8) or Ed25519 (PKCS#8) private key from PEM text."""
    pem = normalize_pem(pem_text)
    if "-----BEGIN" not in pem:
        raise KeyLoadError("it is not PEM text (no '-----BEGIN' line)")
    if "ENCRYPTED" in pem:
        raise KeyLoadError("it is encrypted with a passphrase; export it without one")
    try:
        key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise KeyLoadError("it could not be read as a PEM private key (is it complete?)") from exc
    if not isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise KeyLoadError(
            f"it is {_kind(key)} key; Kalshi API keys are RSA or Ed25519 (create one of those on Kalshi)"
        )
    return key


def key_type(key: PrivateKey) -> str:
    """``"RSA"`` or ``"Ed25519"``, for messages."""
    return "Ed25519" if isinstance(key, ed25519.Ed25519PrivateKey) else "RSA"


def _kind(key: object) -> str:
    kinds: list[tuple[type, str]] = [
        (ec.EllipticCurvePrivateKey, "an EC (elliptic curve)"),
        (dsa.DSAPrivateKey, "a DSA"),
        (ed448.Ed448PrivateKey, "an Ed448"),
        (x25519.X25519PrivateKey, "an X25519"),
        (x448.X448PrivateKey, "an X448"),
    ]
    for cls, name in kinds:
        if isinstance(key, cls):
            return name
    return "another type of"


def sign(private_key: PrivateKey, timestamp_ms: str, method: str, path: str) -> str:
    message = f"{timestamp_ms}{method.upper()}{path}".encode()
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        signature = private_key.sign(message)
    else:
        signature = private_key.sign(message, PSS_PADDING, hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def signed_path(url: httpx.URL) -> str:
    """The path Kalshi signs: the URL path as sent (``/trade-api/v2/...``), never the query string."""
    return url.raw_path.decode("ascii").split("?", 1)[0]


class KalshiAuth(httpx.Auth):
    """Adds KALSHI-ACCESS-KEY, -TIMESTAMP (ms) and -SIGNATURE to each request."""

    def __init__(
        self,
        key_id: str,
        private_key: PrivateKey,
        clock_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
    ) -> None:
        self._key_id = key_id
        self._private_key = private_key
        self._clock_ms = clock_ms

    def headers(self, method: str, path: str) -> dict[str, str]:
        timestamp = str(self._clock_ms())
        return {
            "KALSHI-ACCESS-KEY": self._key_id,
            "KALSHI-ACCESS-TIMESTAMP": timestamp,
            "KALSHI-ACCESS-SIGNATURE": sign(self._private_key, timestamp, method, path),
        }

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(self.headers(request.method, signed_path(request.url)))
        yield request

    def __repr__(self) -> str:
        return "KalshiAuth(key_id=***, private_key=***)"
