"""Kalshi request signing: RSA-PSS over ``timestamp + METHOD + path``.

:class:`KalshiAuth` is an ``httpx.Auth``: every request the client sends through it is signed, so any
future endpoint gets signing for free.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Generator

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

PSS_PADDING = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)


class KeyLoadError(ValueError):
    """The private key could not be used; the message says why without showing the key."""


def normalize_pem(text: str) -> str:
    """Accept PEM text as PaaS config vars hold it: on one line with literal ``\\n``, maybe quoted."""
    pem = text.strip().strip('"').strip("'")
    pem = pem.replace("\\r\\n", "\n").replace("\\n", "\n").replace("\r\n", "\n")
    return pem.strip() + "\n"


def load_private_key(pem_text: str) -> rsa.RSAPrivateKey:
    """Load an RSA private key from PKCS#1 (``BEGIN RSA PRIVATE KEY``) or PKCS#8 PEM text."""
    pem = normalize_pem(pem_text)
    if "-----BEGIN" not in pem:
        raise KeyLoadError("it is not PEM text (no '-----BEGIN' line)")
    if "ENCRYPTED" in pem:
        raise KeyLoadError("it is encrypted with a passphrase; export it without one")
    try:
        key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise KeyLoadError("it could not be read as a PEM private key (is it complete?)") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyLoadError(f"it is not an RSA key ({type(key).__name__.lstrip('_')}); Kalshi keys are RSA")
    return key


def sign(private_key: rsa.RSAPrivateKey, timestamp_ms: str, method: str, path: str) -> str:
    message = f"{timestamp_ms}{method.upper()}{path}".encode()
    return base64.b64encode(private_key.sign(message, PSS_PADDING, hashes.SHA256())).decode("ascii")


def signed_path(url: httpx.URL) -> str:
    """The path Kalshi signs: the URL path as sent (``/trade-api/v2/...``), never the query string."""
    return url.raw_path.decode("ascii").split("?", 1)[0]


class KalshiAuth(httpx.Auth):
    """Adds KALSHI-ACCESS-KEY, -TIMESTAMP (ms) and -SIGNATURE to each request."""

    def __init__(
        self,
        key_id: str,
        private_key: rsa.RSAPrivateKey,
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
