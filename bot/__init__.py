"""Kalshi balance bot for Slack."""

__version__ = "0.1.0"
