"""Running the reference platform: in a thread (the kiosk's embedded default, tests) or in
the foreground (``kiosk platform serve``)."""

from __future__ import annotations

import logging
import socket
import threading
from pathlib import Path

import uvicorn

from central.app import create_app
from central.store import PlatformStore

log = logging.getLogger(__name__)


class PlatformServer:
    """The platform on a real socket. ``port=0`` takes a free port (see ``url``)."""

    def __init__(self, db_path: Path, host: str = "127.0.0.1", port: int = 0,
                 ssl_certfile: str | None = None, ssl_keyfile: str | None = None) -> None:
        self.store = PlatformStore(db_path)
        # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets that say so,
        # and without it every answer sent in two writes waits ~40 ms for a delayed ACK.
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self._sock.listen(128)  # connections wait in the backlog until the server runs
        self.host, self.port = self._sock.getsockname()[:2]
        self.scheme = "https" if ssl_certfile else "http"
        config = uvicorn.Config(create_app(self.store), log_level="warning", access_log=False,
                                timeout_graceful_shutdown=2, ssl_certfile=ssl_certfile,
                                ssl_keyfile=ssl_keyfile, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> PlatformServer:
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]},
                                        name="platform-server", daemon=True)
        self._thread.start()
        started = threading.Event()
        while not self._server.started and self._thread.is_alive():
            started.wait(0.01)
        if not self._server.started:
            raise RuntimeError("the reference platform did not start")
        log.info("reference platform at %s", self.url)
        return self

    def serve_forever(self) -> None:
        """Run in the calling thread until interrupted (Ctrl+C / SIGTERM)."""
        self._server.run(sockets=[self._sock])

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        self._sock.close()
        self.store.close()
