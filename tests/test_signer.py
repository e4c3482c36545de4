import httpx
import pytest

from bot.kalshi.signer import KalshiAuth, KeyLoadError, load_private_key, sign, signed_path
from tests import keys
from tests.fakes.kalshi import FakeKalshi


def test_signature_verifies_as_kalshi_checks_it(kalshi: FakeKalshi) -> None:
    auth = KalshiAuth(keys.KEY_ID, load_private_key(keys.pkcs1_pem()))
    response = httpx.get(f"{kalshi.base_url}/portfolio/balance", auth=auth)
    assert response.status_code == 200
    assert kalshi.requests[-1].verified
    ts = kalshi.requests[-1].headers["kalshi-access-timestamp"]
    assert ts.isdigit() and len(ts) == 13  # milliseconds


def test_query_string_is_not_signed(kalshi: FakeKalshi) -> None:
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


def test_non_rsa_key_is_refused_clearly() -> None:
    with pytest.raises(KeyLoadError, match="not an RSA key"):
        load_private_key(keys.ec_pem())


def test_repr_hides_key_material() -> None:
    auth = KalshiAuth(keys.KEY_ID, load_private_key(keys.pkcs1_pem()))
    assert keys.KEY_ID not in repr(auth)
