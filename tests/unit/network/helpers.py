"""Running network/lib's bash from tests: source common.sh (and more), call its functions."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
NETWORK = REPO / "network"


def bash(
    script: str,
    *,
    home: Path,
    repo: Path = REPO,
    sources: tuple[str, ...] = ("common.sh",),
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> str:
    """Run SCRIPT after sourcing network/lib/SOURCES of REPO (a checkout, or a copy of one);
    return its stdout, or fail with its stderr."""
    prelude = "".join(f'source "{repo}/network/lib/{name}"; ' for name in sources)
    full_env = {
        **os.environ,
        "CITYDIR_HOME": str(home),
        "CITYDIR_PYTHON": sys.executable,
        **(env or {}),
    }
    proc = subprocess.run(
        ["bash", "-c", f"set -euo pipefail; {prelude}{script}"],
        env=full_env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout
