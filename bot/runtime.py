"""Builds the long-lived objects from settings, once per process: the composition root."""

from __future__ import annotations

from bot.balance import BalanceReader
from bot.config import KalshiSettings, Settings
from bot.kalshi import KalshiClient
from bot.kalshi.signer import KalshiAuth


def make_kalshi_client(kalshi: KalshiSettings) -> KalshiClient:
    return KalshiClient(kalshi.base_url, KalshiAuth(kalshi.api_key_id.reveal(), kalshi.private_key))


def make_balance_reader(settings: Settings) -> BalanceReader:
    return BalanceReader(make_kalshi_client(settings.kalshi), settings.freshness_seconds)
