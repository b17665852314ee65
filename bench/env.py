"""Real processes for benchmarks and chaos tests: Redis, Celery workers, uvicorn, nginx.

Each helper starts a real server on a free 127.0.0.1 port, waits until it
answers, and stops it (or kills it hard, for crash tests).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 20.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


def peak_rss_mib(pid: int) -> float:
    """Peak resident set size (VmHWM) of a live process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def tree_peak_rss_mib(pid: int) -> float:
    """Peak RSS of a process plus its direct children (prefork pools, uvicorn workers)."""
    total = peak_rss_mib(pid)
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        for child in children.read_text().split():
            with contextlib.suppress(OSError, ValueError):
                total += peak_rss_mib(int(child))
    return total


@dataclass
class RedisServer:
    """A redis-server of our own, so a test may kill, flush or restart it."""

    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        exe = shutil.which("redis-server")
        if exe is None:
            raise RuntimeError("redis-server is not installed")
        self.proc = subprocess.Popen(
            [
                exe,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--maxmemory-policy",
                "noeviction",
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, proc=self.proc)
        return self

    def stop(self, hard: bool = False) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL if hard else signal.SIGTERM)
            self.proc.wait(10)

    def restart(self) -> None:
        self.stop(hard=True)
        self.start()


def app_env(database_url: str, broker_url: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNDICATE_") or k.startswith("SYNDICATE_TEST")}
    env["SYNDICATE_DATABASE_URL"] = database_url
    if broker_url:
        env["SYNDICATE_BROKER_URL"] = broker_url
    env["SYNDICATE_LOG_LEVEL"] = "WARNING"
    env.update(extra)
    return env


@dataclass
class CeleryWorker:
    """``celery worker`` as a real subprocess (solo pool by default)."""

    env: dict[str, str]
    queues: str = "ingest,translate,render,deliver,maintenance"
    app: str = "workers.app:app"
    pool: str = "solo"
    concurrency: int = 1
    beat: bool = False
    name: str = field(default_factory=lambda: f"w{free_port()}")
    proc: subprocess.Popen | None = None
    log: Path | None = None

    def start(self) -> CeleryWorker:
        self.log = Path(tempfile.mkstemp(prefix=f"celery-{self.name}-", suffix=".log")[1])
        cmd = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            self.app,
            "worker",
            "-Q",
            self.queues,
            "-P",
            self.pool,
            "-c",
            str(self.concurrency),
            "-n",
            f"{self.name}@%h",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        if self.beat:
            cmd.append("-B")
        self.proc = subprocess.Popen(cmd, env=self.env, cwd=ROOT, stdout=self.log.open("wb"), stderr=subprocess.STDOUT)
        return self

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no chance to requeue what it holds."""
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log else ""


@dataclass
class ApiServer:
    """``syndicate serve`` (uvicorn) as a subprocess."""

    env: dict[str, str]
    workers: int = 1
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ApiServer:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "syndicate.cli.main",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
            ],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, timeout=30, proc=self.proc)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@dataclass
class Nginx:
    """nginx serving a folder of exported feeds, with a config of our own."""

    root: Path
    workers: int = 1
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    prefix: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Nginx:
        exe = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(exe).exists():
            raise RuntimeError("nginx is not installed (apt-get install nginx-light)")
        self.prefix = Path(tempfile.mkdtemp(prefix="nginx-"))
        (self.prefix / "logs").mkdir()
        conf = self.prefix / "nginx.conf"
        conf.write_text(f"""
worker_processes {self.workers};
daemon off;
pid {self.prefix}/nginx.pid;
error_log {self.prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  types {{ application/rss+xml xml; application/feed+json json; }}
  default_type application/octet-stream;
  charset utf-8;
  charset_types application/rss+xml application/atom+xml application/feed+json;
  etag on;
  sendfile on;
  client_body_temp_path {self.prefix}/tmp;
  proxy_temp_path {self.prefix}/tmp;
  fastcgi_temp_path {self.prefix}/tmp;
  uwsgi_temp_path {self.prefix}/tmp;
  scgi_temp_path {self.prefix}/tmp;
  server {{
    listen 127.0.0.1:{self.port};
    root {self.root};
  }}
}}
""")
        (self.prefix / "tmp").mkdir()
        self.proc = subprocess.Popen(
            [exe, "-c", str(conf), "-p", str(self.prefix)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for_port(self.port, proc=self.proc)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@dataclass
class CeleryBeat:
    """``celery beat`` as a subprocess: drives the sweeper on its schedule."""

    env: dict[str, str]
    proc: subprocess.Popen | None = None
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="beat-")))

    def start(self) -> CeleryBeat:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "workers.app:app",
                "beat",
                "--loglevel",
                "WARNING",
                "-s",
                str(self.workdir / "schedule"),
                "--pidfile",
                str(self.workdir / "beat.pid"),
            ],
            env=self.env,
            cwd=self.workdir,
            stdout=(self.workdir / "beat.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class TcpProxy:
    """A TCP proxy to a real server that a test can cut: the server looks down to clients."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        import threading

        self.target = (target_host, target_port)
        self.port = free_port()
        self._open = threading.Event()
        self._open.set()
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        self._server.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        import threading

        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self._open.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.close()

    def cut(self) -> None:
        """Refuse new connections and drop the open ones."""
        self._open.clear()
        with self._lock:
            conns, self._conns = self._conns, []
        for s in conns:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
                s.close()

    def restore(self) -> None:
        self._open.set()

    def close(self) -> None:
        self._stop.set()
        self.cut()
        self._server.close()
