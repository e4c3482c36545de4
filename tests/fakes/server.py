"""The HTTP server under every fake: threaded, with a listen backlog that takes a burst."""

from http.server import ThreadingHTTPServer


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512  # the stdlib's 5 drops SYNs under a burst: 1 s retransmits, not the bot's doing
