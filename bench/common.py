"""What the benchmarks share: a fresh migrated database, a real server process, latency figures."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from alembic import command
from sqlalchemy import make_url, text

from digieduhack.db import alembic_config, create_engine
from digieduhack.settings import ROOT, Settings

POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench"


def sqlite_url() -> str:
    """A new SQLite file under /tmp."""
    return f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"


def backend_name(url: str) -> str:
    return "postgresql" if "postgres" in url else "sqlite"


def delete_sqlite_files(url: str) -> None:
    path = make_url(url).database or ""
    for suffix in ("", "-wal", "-shm"):
        Path(path + suffix).unlink(missing_ok=True)


async def fresh_database(url: str) -> None:
    """Empty the database (SQLite: delete its file; PostgreSQL: drop its public schema) and migrate it to
    the head revision."""
    settings = Settings(database_url=url)
    if settings.is_sqlite:
        delete_sqlite_files(url)
    else:
        engine = create_engine(settings)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    cfg = alembic_config()
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logging"] = False
    await asyncio.to_thread(command.upgrade, cfg, "head")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Server:
    client: httpx.AsyncClient
    pid: int

    def cpu_seconds(self) -> float:
        """CPU time of the server: its process and, with --workers, the worker processes."""
        return cpu_seconds(self.pid) + sum(cpu_seconds(child) for child in children(self.pid))


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def cpu_seconds(pid: int) -> float:
    """CPU time a process of this machine used so far (user and system; Linux); 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.asynccontextmanager
async def running_server(url: str, concurrency: int, workers: int = 1) -> AsyncIterator[Server]:
    """A uvicorn server (`workers` processes) serving the app on `url`'s database, and a client with
    `concurrency` connections, once the server answers."""
    port = free_port()
    env = {
        **os.environ,
        "DIGIEDUHACK_ENV": "test",
        "DIGIEDUHACK_SECRET_KEY": "bench-" + "k" * 40,
        "DIGIEDUHACK_DATABASE_URL": url,
    }
    server = subprocess.Popen(  # noqa: ASYNC220
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "digieduhack.app:create_app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--timeout-keep-alive",  # the client pool reuses connections; no close-while-reused race
            "60",
            "--workers",
            str(workers),
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            limits=httpx.Limits(max_connections=concurrency),
            timeout=60,
        ) as client:
            for _ in range(100):
                try:
                    await client.get("/api/v1/auth/csrf")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            yield Server(client, server.pid)
    finally:
        server.terminate()
        server.wait(10)


@dataclass(frozen=True)
class Latencies:
    """Seconds each request took."""

    values: list[float]

    def _sorted(self) -> list[float]:
        return sorted(self.values)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.values) * 1000

    @property
    def p99_ms(self) -> float:
        ordered = self._sorted()
        return ordered[max(int(len(ordered) * 0.99) - 1, 0)] * 1000

    @property
    def max_ms(self) -> float:
        return max(self.values) * 1000
