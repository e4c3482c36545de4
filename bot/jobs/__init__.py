"""The background loop and its jobs (alerts, history, digest). Jobs read through the one read path, keep
their state in the store and hand what is to be said to a notifier; none of them knows Slack."""
