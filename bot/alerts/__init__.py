"""Low-balance alerts: the state machine and its loop (monitor), their durable state (store), and the
``/balance alert`` commands (control)."""
