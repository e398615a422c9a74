"""Write a peer core.yaml: Fabric's sampleconfig with citydir's external builder.

Usage: python -m network.lib.core_config SAMPLECONFIG_CORE_YAML BUILDER_DIR > core.yaml

The builder list cannot be set through environment variables, so it is the one thing
we change in the file; everything per-node stays in CORE_* variables.
"""

from __future__ import annotations

import sys
from typing import Any

import yaml


def render(sample: dict[str, Any], builder_dir: str) -> dict[str, Any]:
    chaincode = sample.setdefault("chaincode", {})
    chaincode["externalBuilders"] = [
        {"name": "citydir-ccaas", "path": builder_dir, "propagateEnvironment": []},
    ]
    return sample


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        sample = yaml.safe_load(f)
    yaml.safe_dump(render(sample, argv[2]), sys.stdout, sort_keys=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
