"""The account over time: balance samples and the digest log kept in the store beside the alert state
(store, retention, sqlite, postgres), the job that records them (recorder), and what is drawn from them
(trend: the 24 h change and the sparkline)."""
