import base64

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from bot.kalshi.signer import KalshiAuth, KeyLoadError, key_type, load_private_key, sign, signed_path
from tests import keys
from tests.fakes.kalshi import FakeKalshi, subaccount_row


def test_signature_verifies_as_kalshi_checks_it(kalshi: FakeKalshi) -> None:
    auth = KalshiAuth(keys.KEY_ID, load_private_key(keys.pkcs1_pem()))
    response = httpx.get(f"{kalshi.base_url}/portfolio/balance", auth=auth)
    assert response.status_code == 200
    assert kalshi.requests[-1].verified
    ts = kalshi.requests[-1].headers["kalshi-access-timestamp"]
    assert ts.isdigit() and len(ts) == 13  # milliseconds


def test_query_string_is_not_signed(kalshi: FakeKalshi) -> None:
    kalshi.set_subaccounts(subaccount_row(3, "1.00"))
    auth = KalshiAuth(keys.KEY_ID, load_private_key(keys.pkcs8_pem()))
    response = httpx.get(f"{kalshi.base_url}/portfolio/balance", params={"subaccount": "3"}, auth=auth)
    assert response.status_code == 200
    seen = kalshi.requests[-1]
    assert seen.verified and seen.query == {"subaccount": ["3"]}


def test_signed_path_keeps_prefix_and_drops_query() -> None:
    url = httpx.URL("https://h/trade-api/v2/portfolio/balance?subaccount=1")
    assert signed_path(url) == "/trade-api/v2/portfolio/balance"


def test_tampered_or_wrong_signature_is_rejected(kalshi: FakeKalshi) -> None:
    key = load_private_key(keys.pkcs1_pem())
    auth = KalshiAuth(keys.KEY_ID, key)
    headers = auth.headers("GET", "/trade-api/v2/portfolio/orders")  # signed for another path
    response = httpx.get(f"{kalshi.base_url}/portfolio/balance", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "invalid signature"

    stale = KalshiAuth(keys.KEY_ID, key, clock_ms=lambda: 1_000)
    assert httpx.get(f"{kalshi.base_url}/portfolio/balance", auth=stale).status_code == 401


def test_signature_is_pss_and_randomised() -> None:
    key = load_private_key(keys.pkcs1_pem())
    assert sign(key, "1", "GET", "/p") != sign(key, "1", "GET", "/p")  # PSS salts each signature


def test_pem_with_literal_backslash_n_loads() -> None:
    one_line = keys.pkcs1_pem().replace("\n", "\\n")
    assert "\n" not in one_line
    assert load_private_key(one_line).key_size == 2048
    assert load_private_key(f'"{one_line}"').key_size == 2048


def test_pkcs1_and_pkcs8_load_to_the_same_key() -> None:
    a = load_private_key(keys.pkcs1_pem()).private_numbers()
    b = load_private_key(keys.pkcs8_pem()).private_numbers()
    assert a == b


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("not a key", "not PEM text"),
        ("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----", "could not be read"),
        ("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----", "encrypted"),
    ],
)
def test_unusable_keys_say_why(text: str, why: str) -> None:
    with pytest.raises(KeyLoadError, match=why):
        load_private_key(text)


def test_an_ec_key_is_refused_naming_both_key_types_without_key_material() -> None:
    with pytest.raises(KeyLoadError) as info:
        load_private_key(keys.ec_pem())
    message = str(info.value)
    assert "EC (elliptic curve)" in message and "RSA or Ed25519" in message
    body = [line for line in keys.ec_pem().splitlines() if not line.startswith("-----")]
    assert not any(line in message for line in body)


def test_ed25519_key_loads_and_signs_plain_ed25519(kalshi: FakeKalshi) -> None:
    key = load_private_key(keys.ed25519_pem().replace("\n", "\\n"))  # as a one-line config var
    assert isinstance(key, ed25519.Ed25519PrivateKey) and key_type(key) == "Ed25519"
    signature = base64.b64decode(sign(key, "1703123456789", "get", "/trade-api/v2/portfolio/balance"))
    keys.ed25519_key().public_key().verify(signature, b"1703123456789GET/trade-api/v2/portfolio/balance")
    assert sign(key, "1", "GET", "/p") == sign(key, "1", "GET", "/p")  # Ed25519 is deterministic
    kalshi.set_subaccounts(subaccount_row(3, "1.00"))
    auth = KalshiAuth(keys.ED25519_KEY_ID, key)
    response = httpx.get(f"{kalshi.base_url}/portfolio/balance", params={"subaccount": "3"}, auth=auth)
    assert response.status_code == 200 and kalshi.requests[-1].verified


def test_a_signature_by_the_wrong_key_type_is_rejected(kalshi: FakeKalshi) -> None:
    # the RSA key id with an Ed25519 signature: Kalshi checks against the key registered for the id
    auth = KalshiAuth(keys.KEY_ID, load_private_key(keys.ed25519_pem()))
    response = httpx.get(f"{kalshi.base_url}/portfolio/balance", auth=auth)
    assert response.status_code == 401 and response.json()["error"]["message"] == "invalid signature"


def test_repr_hides_key_material() -> None:
    auth = KalshiAuth(keys.KEY_ID, load_private_key(keys.pkcs1_pem()))
    assert keys.KEY_ID not in repr(auth)
