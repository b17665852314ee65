"""A real partner webhook endpoint on 127.0.0.1 that verifies Standard Webhooks signatures.

It behaves like a careful partner: it verifies every request with the
``standardwebhooks`` library, processes each message at most once (by
``webhook-id``) and then answers what the test scripted (500, 429, 200...).
Processing before answering is the case de-duplication exists for: a partner
that stored the item but failed to say so gets it again and must not store
it twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass(frozen=True)
class Receipt:
    webhook_id: str
    timestamp: str
    body: bytes
    content_type: str
    verified: bool
    status: int
    host: str


@dataclass
class Answer:
    status: int = 200
    delay: float = 0.0  # seconds to wait before answering (time-out tests)
    process: bool = True  # False: a broken partner that stores nothing
    headers: dict[str, str] = field(default_factory=dict)
    during: Callable[[], None] | None = None  # runs while the request is in flight, before the answer


class PartnerEndpoint:
    """Scripted answers, then ``default``; every request is kept in ``receipts``."""

    def __init__(self, secret: str = "", default: Answer | None = None):
        self.secret = secret
        self.default = default or Answer()
        self.script: list[Answer] = []
        self.receipts: list[Receipt] = []
        self.processed: dict[str, bytes] = {}  # webhook-id -> body, in processing order
        self.arrived: dict[str, float] = {}  # webhook-id -> when it was processed (time.time())
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def answer(self, *answers: int | Answer) -> None:
        self.script.extend(a if isinstance(a, Answer) else Answer(a) for a in answers)

    def order(self) -> list[bytes]:
        with self.lock:
            return list(self.processed.values())

    def handle(self, body: bytes, headers: dict[str, str]) -> Answer:
        verified = False
        if self.secret:
            try:
                Webhook(self.secret).verify(body, headers, json_parse=False)
                verified = True
            except WebhookVerificationError:
                verified = False
        with self.lock:
            answer = self.script.pop(0) if self.script else self.default
            message_id = headers.get("webhook-id", "")
            if verified and answer.process and message_id not in self.processed:
                self.processed[message_id] = body
                self.arrived[message_id] = time.time()
            self.receipts.append(
                Receipt(
                    message_id,
                    headers.get("webhook-timestamp", ""),
                    body,
                    headers.get("content-type", ""),
                    verified,
                    answer.status,
                    headers.get("host", ""),
                )
            )
        return answer


def _handler(endpoint: PartnerEndpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            answer = endpoint.handle(body, headers)
            if answer.during is not None:
                answer.during()
            if answer.delay:
                time.sleep(answer.delay)
            try:
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (time-out test)

        def log_message(self, *args: Any) -> None:
            return None

    return Handler


@contextmanager
def running(endpoint: PartnerEndpoint) -> Iterator[PartnerEndpoint]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(endpoint))
    server.daemon_threads = True
    endpoint.server = server
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="partner-endpoint", daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
