"""The reference for the burst benchmark: a bare Bolt app on waitress that acknowledges ``/balance`` with a
static message, nothing else (Bolt's own signature check, the same server settings as the bot).

    PORT=3001 SLACK_SIGNING_SECRET=... SLACK_BOT_TOKEN=xoxb-... SLACK_API_URL=http://... \\
        python -m benchmarks.bare_bolt
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from waitress import serve

from bot.slack.server import HTTP_THREADS, MAX_BODY_BYTES


def main() -> None:
    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = App(
        client=client,
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        token_verification_enabled=False,
        process_before_response=True,
    )

    @app.command("/balance")
    def balance(ack: Ack) -> None:
        ack(text="Kalshi balance: available $1,234.56", response_type="ephemeral")

    bolt = SlackRequestHandler(app)

    def application(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]
        return bolt(environ, start_response)

    serve(
        application,
        host="127.0.0.1",
        port=int(os.environ["PORT"]),
        threads=HTTP_THREADS,
        max_request_body_size=MAX_BODY_BYTES,
        clear_untrusted_proxy_headers=True,
        _quiet=True,
    )


if __name__ == "__main__":
    main()
