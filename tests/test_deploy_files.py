"""docker compose cannot run on this machine (no engine): the files are checked statically."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_docker_compose_file_follows_the_compose_specification() -> None:
    exe = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(exe), "--builtin-schema", "vendor.compose-spec", str(ROOT / "docker-compose.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_copies_everything_the_app_reads_at_run_time() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for needed in ("src", "alembic.ini", "alembic", "templates", "static", "seeds", "locales"):
        assert (
            f"COPY {needed} " in dockerfile
            or f"COPY {needed}\n" in dockerfile
            or f"COPY {needed} ./" in dockerfile
        )
