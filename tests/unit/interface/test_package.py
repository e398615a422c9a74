"""The interface package stands alone: the gateway loads it without the contract."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from tests.unit.api.conftest import ADMIN_TOKEN, gateway_config

REPO = Path(__file__).resolve().parents[3]
PACKAGE = REPO / "chaincode" / "interface"
ALLOWED = set(sys.stdlib_module_names) | {"jsonschema"}


def _imports(path: Path) -> list[tuple[str, int]]:
    """(module, level) of every import in a file; level > 0 for a relative one."""
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.module or "", node.level))
    return found


def test_the_interface_imports_only_the_stdlib_jsonschema_and_itself() -> None:
    files = sorted(PACKAGE.glob("*.py"))
    assert {f.name for f in files} >= {"__init__.py", "errors.py", "schemas.py", "functions.py"}
    for path in files:
        for module, level in _imports(path):
            if level:  # relative: within chaincode.interface, never above it
                assert level == 1, (path.name, module)
                continue
            assert not module.startswith(("chaincode.directory", "chaincode.shim")), (path.name, module)
            assert module.split(".")[0] in ALLOWED, (path.name, module)


_APP = """
import json, sys
from gateway.app import create_app

config = json.loads(sys.argv[1])
app = create_app(config)  # the real connector the configuration names: Fabric
doc = app.test_client().get("/api/v1/openapi.json").get_json()
assert "CreateCatalog" in doc["components"]["schemas"], sorted(doc["components"]["schemas"])
# The edge validates with the interface before any ledger call (the fake ledger is never used).
checked = create_app(config, ledger_factory=lambda identity: object()).test_client()
bad = checked.post("/api/v1/catalogs", json={"id": "x"}, headers={"Authorization": "Bearer " + sys.argv[2]})
assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "INVALID_ARGUMENT", bad.get_json()
print(json.dumps(sorted(m for m in sys.modules if m.startswith("chaincode"))))
"""


def test_the_gateway_on_fabric_loads_no_contract_module() -> None:
    """In a fresh process, so that what other tests imported does not count."""
    config = gateway_config()
    assert config.get("ledger", {}).get("kind", "fabric") == "fabric"
    done = subprocess.run(
        [sys.executable, "-c", _APP, json.dumps(config), ADMIN_TOKEN],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert "chaincode.interface" in loaded
    assert [m for m in loaded if m == "chaincode.directory" or m.startswith("chaincode.directory.")] == []
