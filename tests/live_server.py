"""A real server process: uvicorn serving `create_app` from DIGIEDUHACK_* variables on the test session's
database, exactly as deployed. Used by the concurrency and browser tests."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from digieduhack.settings import ROOT, Settings

STARTUP_TIMEOUT = 30.0


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    csrf: str = ""

    def log(self, since: int = 0) -> str:
        return self.log_path.read_bytes()[since:].decode(errors="replace")

    def log_size(self) -> int:
        return self.log_path.stat().st_size


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(settings: Settings, log_path: Path, **extra_env: str) -> Server:
    """Start uvicorn on a free port and wait until it answers; the caller must call stop_server."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGIEDUHACK_")}
    env.update(
        DIGIEDUHACK_ENV="test",
        DIGIEDUHACK_SECRET_KEY="live-server-" + secrets.token_urlsafe(24),
        DIGIEDUHACK_DATABASE_URL=settings.database_url,
        # a burst of 200 requests queues for 10-20 pooled connections; on a busy 2-core machine the last
        # one can wait longer than the default 10 s, and that wall-clock limit is not what the tests are
        # about (the SQLite busy timeout, which is, stays at its default)
        DIGIEDUHACK_DB_POOL_TIMEOUT="60",
        PYTHONUNBUFFERED="1",
        **extra_env,
    )
    cmd = [
        sys.executable, "-m", "uvicorn", "--factory", "digieduhack.app:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--timeout-graceful-shutdown", "5",
    ]  # fmt: skip
    log = log_path.open("wb")
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    server = Server(f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    with httpx.Client(base_url=server.base_url, timeout=2) as client:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}:\n{server.log()}")
            try:
                response = client.get("/api/v1/auth/csrf")
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    stop_server(server)
                    raise RuntimeError(
                        f"the server did not answer within {STARTUP_TIMEOUT} s:\n{server.log()}"
                    )
                time.sleep(0.1)
                continue
            assert response.status_code == 200, response.text
            server.csrf = response.cookies["csrftoken"]
            return server


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=10)
