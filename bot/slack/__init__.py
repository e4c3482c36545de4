"""The Slack side: the Bolt app, its listeners, all message rendering, and the HTTP / Socket Mode servers."""
