"""A TCP proxy on 127.0.0.1 in front of a real server (the tests' PostgreSQL) that can stop answering:
``freeze()`` stops forwarding, in both directions, on the connections it holds and on new ones, while
every socket stays open (a server that hangs mid-query, not one that is down). ``spare`` connections,
counted from the first, keep flowing: the bot opens its sender lock's connection first, so a test can
hang the store's connections and leave the lock's healthy, as a backend stuck on one session does."""

from __future__ import annotations

import contextlib
import socket
import threading


class FreezingProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.sock = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.frozen = threading.Event()
        self.spare = 0  # the first ``spare`` connections keep flowing while frozen
        self.accepted = 0
        self._stop = threading.Event()
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True, name="freezing-proxy")

    def url(self, database_url: str) -> str:
        host, _, rest = database_url.rpartition(":")
        return f"{host}:{self.port}/{rest.split('/', 1)[1]}"

    def freeze(self, spare: int = 0) -> None:
        self.spare = spare
        self.frozen.set()

    def thaw(self) -> None:
        self.frozen.clear()

    def __enter__(self) -> FreezingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        for conn in self._held:
            conn.close()
        self.sock.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            number = self.accepted
            server = socket.create_connection(("127.0.0.1", self.target_port))
            self._held += [client, server]
            for src, dst in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(src, dst, number), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, number: int) -> None:
        src.settimeout(0.1)
        while not self._stop.is_set():
            if self.frozen.is_set() and number > self.spare:
                self._stop.wait(0.05)
                continue
            try:
                data = src.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if not data:
                break
            try:
                dst.sendall(data)
            except OSError:
                break
        for end in (src, dst):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
