"""The verifier is its own package (``verify/``): make it importable even where it is not installed."""

from __future__ import annotations

import sys
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[3] / "verify"

try:
    import citydir_verify  # noqa: F401
except ImportError:  # not pip-installed: use the source tree
    sys.path.insert(0, str(PACKAGE_ROOT))
