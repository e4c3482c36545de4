"""The account's rules, without I/O and without Slack: money, alert levels and the alert state machine,
the history's samples, trend and retention, the digest's schedule, and what moved the balance (activity)."""
