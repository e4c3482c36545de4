"""Abuse: fuzzed command text and Kalshi bodies, and requests that are not Slack's.

The command fuzz drives the real Bolt app through its WSGI entry point in-process (fast enough for
hypothesis) with requests signed as Slack signs them, the fake Kalshi and the fake Slack behind it.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import time
from collections.abc import Callable, Hashable, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.signature import SignatureVerifier

from bot.app import Runtime, build_runtime
from bot.config import load_settings
from bot.kalshi.errors import KalshiError
from bot.slack.answer_pool import AnswerPool, _rendered, _Waiter
from bot.slack.blocks import balance as blocks
from bot.slack.blocks.base import Message
from bot.slack.server import wsgi_app
from bot.slack.signatures import RequestVerifier
from tests.bot_process import SIGNING_SECRET, BotProcess, bot_env, command_body
from tests.fakes.kalshi import FakeKalshi, Reply
from tests.fakes.slack import FakeSlack
from tests.test_kalshi_client import make_client


class Inline(AnswerPool):
    """The answer pool, but running each answer at once, so a reply is sent before dispatch returns."""

    def answer(
        self,
        response_url: str | None,
        render: Callable[[], Message],
        *,
        replace: bool,
        key: Hashable | None = None,
    ) -> bool:
        self._deliver(_Waiter(response_url, replace), _rendered(render))
        return True

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> bool:
        fn(*args, **kwargs)
        return True


@pytest.fixture(scope="module")
def runtime(
    _kalshi_server: FakeKalshi, _slack_server: FakeSlack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Runtime]:
    env = bot_env(
        _kalshi_server.base_url,
        _slack_server.api_url,
        tmp_path_factory.mktemp("fuzz"),
        BALANCE_ALERT_CHANNEL="C0ALERTS1",
        BALANCE_ALERT_THRESHOLD="250",
        BALANCE_ADMIN_USERS="U0TRADER1",
        BALANCE_FRESHNESS_SECONDS="60",
    )
    rt = build_runtime(load_settings(env))  # the monitor is not started: only the listeners are under test
    yield rt
    rt.stop()


def dispatch(rt: Runtime, body: str) -> tuple[str, bytes]:
    ts = str(int(time.time()))
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body.encode())),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": ts,
        "HTTP_X_SLACK_SIGNATURE": SignatureVerifier(SIGNING_SECRET).generate_signature(
            timestamp=ts, body=body
        ),
        "wsgi.input": io.BytesIO(body.encode()),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
    }
    status: list[str] = []
    out = b"".join(wsgi_app(rt.app, RequestVerifier(SIGNING_SECRET))(environ, lambda s, h: status.append(s)))  # type: ignore[arg-type, return-value]
    return status[0], out


OUR_MARKUP = re.compile(r"<!date\^\d+\^[^|>]*\|[^>]*>|<#C0ALERTS1>")


def assert_safe(payload: str) -> None:
    assert "Traceback" not in payload
    visible = OUR_MARKUP.sub("", payload)
    assert "<" not in visible and ">" not in visible, visible[:300]


@pytest.mark.slow(5)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.text(max_size=4000),
        st.text(alphabet=st.characters(codec="utf-8"), min_size=3900, max_size=4000),
        st.sampled_from(
            [
                "<!channel>",
                "<!here|here>",
                "<@U123>",
                "*bold* _it_ `code`",
                "<https://x.y|z>",
                "&amp; &lt;",
                "\x00\x07\x1b[31m",
                "alert <!channel>",
                "alert 1e9",
                "alert -5",
            ]
        ),
        st.builds(
            lambda a, b: f"{a} {b}", st.sampled_from(["alert", "help", "ALERT"]), st.text(max_size=200)
        ),
    )
)
def test_command_text_fuzz(runtime: Runtime, _slack_server: FakeSlack, text: str) -> None:
    _slack_server.reset()
    url = _slack_server.response_url("fuzz")
    # answers that need Kalshi or the store are prepared inline, so they are in the fake Slack on return
    with background_inline(runtime):
        status, body = dispatch(runtime, command_body(text, url))
    assert status.startswith("200"), (status, body[:200])
    payloads = [body.decode()] + [json.dumps(c.body) for c in _slack_server.responses("fuzz")]
    assert any(p.strip() for p in payloads), "every command gets an answer"
    for p in payloads:
        assert_safe(p)


@contextlib.contextmanager
def background_inline(rt: Runtime) -> Iterator[None]:
    """Run the listeners' background work inline for the duration."""
    saved = rt.context.background
    rt.context.background = inline = Inline()
    try:
        yield
    finally:
        rt.context.background = saved
        inline.shutdown()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=10,
)
balance_like = st.fixed_dictionaries(
    {},
    optional={
        "balance": json_values,
        "portfolio_value": json_values,
        "updated_ts": json_values,
        "error": json_values,
        "code": json_values,
        "message": json_values,
    },
)


@pytest.mark.slow(6)
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    status=st.sampled_from([200, 200, 200, 400, 401, 404, 429, 500, 503]),
    body=st.one_of(balance_like.map(lambda d: json.dumps(d).encode()), st.binary(max_size=300)),
)
def test_kalshi_body_fuzz(kalshi: FakeKalshi, status: int, body: bytes) -> None:
    kalshi.queue(Reply(status, body))
    with make_client(kalshi.base_url) as client:
        try:
            client.get_balance()
        except KalshiError as exc:  # the only way a read may fail
            message = blocks.error_message(exc)
            assert message.text.startswith("Couldn't read your Kalshi balance")
            assert_safe(message.text + json.dumps(message.blocks))
    kalshi.reset()


# -- requests that are not Slack's, through the real endpoint ----------------------------------------


@pytest.fixture
def bot(start_bot: Callable[..., BotProcess]) -> BotProcess:
    return start_bot()


def test_replayed_request_verbatim_is_rejected(bot: BotProcess, kalshi: FakeKalshi, slack: FakeSlack) -> None:
    body = command_body("", slack.response_url("verbatim"))
    ts = int(time.time()) - 60
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=str(ts), body=body)
    assert bot.post_signed(body, timestamp=ts, signature=signature).status_code == 200  # the original
    slack.wait_response("verbatim")
    before = kalshi.count
    replay = bot.post_signed(body, timestamp=ts, signature=signature)  # the same bytes and headers
    assert replay.status_code == 401
    time.sleep(0.2)
    assert kalshi.count == before and len(slack.responses("verbatim")) == 1


def test_signature_moved_to_another_timestamp_is_rejected(
    bot: BotProcess, kalshi: FakeKalshi, slack: FakeSlack
) -> None:
    body = command_body("", slack.response_url("replay"))
    old = int(time.time()) - 60
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=str(old), body=body)
    assert bot.post_signed(body, timestamp=old, signature=signature).status_code == 200  # the original
    slack.wait_response("replay")
    before = kalshi.count
    replay = bot.post_signed(body, timestamp=int(time.time()), signature=signature)
    assert replay.status_code == 401
    time.sleep(0.2)
    assert kalshi.count == before and len(slack.responses("replay")) == 1


def test_oversized_body_is_refused_before_kalshi(bot: BotProcess, kalshi: FakeKalshi) -> None:
    body = command_body("x" * 300_000, "http://127.0.0.1:9/r")
    response = bot.post_signed(body)
    assert response.status_code == 413
    assert kalshi.count == 0
    assert httpx.get(f"{bot.url}/healthz").status_code == 200


def test_get_and_garbage_on_the_events_path(bot: BotProcess, kalshi: FakeKalshi) -> None:
    assert httpx.get(f"{bot.url}/slack/events").status_code == 404
    assert bot.post_signed("not=a&slack=payload").status_code == 404  # signed, but no listener for it
    assert bot.post_signed("payload=%7Bnot%20json").status_code == 400
    assert "refused a malformed request" in bot.logs()
    assert kalshi.count == 0
    assert httpx.get(f"{bot.url}/healthz").status_code == 200
