"""Format `network.sh status` rows as a table or as one JSON object.

Input rows (argv[2]): "kind name org up height" per line, from network.sh.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def parse(rows: str) -> dict[str, Any]:
    status: dict[str, Any] = {
        "channel": "citydir",
        "orderers": [],
        "peers": [],
        "chaincode": {},
        "gateway": {},
    }
    for line in rows.splitlines():
        kind, name, org, up, height = line.split()
        if kind == "orderer":
            status["orderers"].append({"name": name, "up": up == "true", "height": int(height)})
        elif kind == "peer":
            status["peers"].append({"name": name, "org": org, "up": up == "true", "height": int(height)})
        elif kind == "chaincode":
            seq = int(height)
            status["chaincode"] = {
                "name": name,
                "version": str(seq) if seq else None,
                "sequence": seq,
                "committed": up == "true",
            }
        elif kind == "gateway":
            status["gateway"] = {"url": name, "up": up == "true"}
    return status


def table(status: dict[str, Any]) -> str:
    lines = [f"channel {status['channel']}", f"{'NODE':<34} {'ORG':<16} {'UP':<5} HEIGHT"]
    for o in status["orderers"]:
        lines.append(f"{o['name']:<34} {'OrdererMSP':<16} {'yes' if o['up'] else 'no':<5} {o['height']}")
    for p in status["peers"]:
        lines.append(f"{p['name']:<34} {p['org']:<16} {'yes' if p['up'] else 'no':<5} {p['height']}")
    cc = status["chaincode"]
    state = f"committed, sequence {cc['sequence']}" if cc.get("committed") else "not committed"
    lines.append(f"chaincode {cc.get('name')}: {state}")
    gw = status["gateway"]
    lines.append(f"gateway {gw.get('url')}: {'up' if gw.get('up') else 'down'}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    status = parse(argv[2])
    print(json.dumps(status) if argv[1] == "1" else table(status))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
