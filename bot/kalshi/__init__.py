"""Kalshi trade API v2: request signing, the HTTP client, its errors and models."""

from bot.kalshi.client import KalshiClient
from bot.kalshi.errors import KalshiError
from bot.kalshi.models import AccountLimits, Balance, ExchangeStatus, SubaccountBalance, SubaccountBalances
from bot.kalshi.signer import KalshiAuth, load_private_key

__all__ = [
    "AccountLimits",
    "Balance",
    "ExchangeStatus",
    "KalshiAuth",
    "KalshiClient",
    "KalshiError",
    "SubaccountBalance",
    "SubaccountBalances",
    "load_private_key",
]
