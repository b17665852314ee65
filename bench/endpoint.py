"""A partner webhook endpoint for benchmarks, in a process of its own.

It does what a careful partner does with each push: verifies the Standard
Webhooks signature and keeps one copy per ``webhook-id``. ``GET /stats``
answers how many pushes arrived, how many distinct ids were accepted and how
many failed verification, so a benchmark knows when every delivery is in.

    python -m bench.endpoint PORT SECRET
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench.env import ROOT, free_port, wait_for_port


def serve(port: int, secret: str) -> None:
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    verifier = Webhook(secret)
    lock = threading.Lock()
    ids: set[str] = set()
    counts = {"received": 0, "rejected": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: the pushing worker reuses its connection

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                verifier.verify(body, headers, json_parse=False)
                ok = True
            except WebhookVerificationError:
                ok = False
            with lock:
                counts["received"] += 1
                if ok:
                    ids.add(headers.get("webhook-id", ""))
                else:
                    counts["rejected"] += 1
            self._answer(204 if ok else 401, b"")

        def do_GET(self) -> None:
            with lock:
                stats = {**counts, "unique": len(ids)}
            self._answer(200, json.dumps(stats).encode())

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever(0.2)


@dataclass
class PartnerEndpoint:
    """The endpoint as a subprocess, started on a free port."""

    secret: str
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> PartnerEndpoint:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.endpoint", str(self.port), self.secret],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, proc=self.proc)
        return self

    def stats(self) -> dict[str, int]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/stats", timeout=5) as answer:
            return dict(json.loads(answer.read()))

    def wait_for(self, unique: int, timeout: float) -> dict[str, int]:
        deadline = time.monotonic() + timeout
        while True:
            stats = self.stats()
            if stats["unique"] >= unique or time.monotonic() > deadline:
                return stats
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(5)


if __name__ == "__main__":
    serve(int(sys.argv[1]), sys.argv[2])
