"""Format `network.sh status` rows as a table or as one JSON object.

Usage: python -m network.lib.status JSON(0|1) ROWS LEDGER [EMBEDDED_FILE]
ROWS: "kind name org up height" per line, from network.sh. LEDGER: fabric or embedded; for the
embedded ledger its file is read here (height), as nothing else serves it.

``gateways`` lists every gateway (one, with ``"org": null``, or one per org with its MSP id);
``gateway`` is the first of them, as before per-org gateways existed. ``orgs`` lists the peer
orgs of the layout, those `network.sh add-org` added with ``"added": true``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

from network.lib.layout import CHANNEL, ORDERER_MSP, ORGS, Layout


def embedded_height(path: str) -> int | None:
    if not Path(path).is_file():
        return None
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            return int(db.execute("SELECT COALESCE(MAX(number), -1) + 1 FROM blocks").fetchone()[0])
    except sqlite3.Error:
        return None


def parse(rows: str, ledger: str = "fabric") -> dict[str, Any]:
    status: dict[str, Any] = {
        "ledger": ledger,
        "channel": CHANNEL,
        "orderers": [],
        "peers": [],
        "chaincode": {},
        "gateway": {},
        "gateways": [],
    }
    for line in rows.splitlines():
        kind, name, org, up, height = line.split()
        # "-": not asked (down, or no Fabric CLI to ask with)
        known = int(height) if height != "-" else (None if up == "true" else 0)
        if kind == "orderer":
            status["orderers"].append({"name": name, "up": up == "true", "height": known})
        elif kind == "peer":
            status["peers"].append({"name": name, "org": org, "up": up == "true", "height": known})
        elif kind == "chaincode":
            seq = int(height)
            status["chaincode"] = {
                "name": name,
                "version": str(seq) if seq else None,
                "sequence": seq,
                "committed": up == "true",
            }
        elif kind == "gateway":
            status["gateways"].append({"url": name, "org": None if org == "-" else org, "up": up == "true"})
    if status["gateways"]:
        first = status["gateways"][0]
        status["gateway"] = {"url": first["url"], "up": first["up"]}
    return status


def orgs(layout: Layout) -> list[dict[str, Any]]:
    return [
        {"msp_id": org.msp_id, "label": org.label, "peers": layout.org_peers(o), "added": org not in ORGS}
        for o, org in enumerate(layout.orgs)
    ]


def table(status: dict[str, Any]) -> str:
    if status["ledger"] == "embedded":
        emb, gw = status["embedded"], status["gateway"]
        return "\n".join(
            [
                f"ledger embedded (no Fabric: one process, one file), channel {status['channel']}",
                f"file {emb['path']}: height {emb['height'] if emb['height'] is not None else 'none yet'}",
                f"gateway {gw.get('url')}: {'up' if gw.get('up') else 'down'}",
            ]
        )
    lines = [f"ledger fabric, channel {status['channel']}", f"{'NODE':<34} {'ORG':<16} {'UP':<5} HEIGHT"]
    for o in status["orderers"]:
        lines.append(f"{o['name']:<34} {ORDERER_MSP:<16} {'yes' if o['up'] else 'no':<5} {_height(o)}")
    for p in status["peers"]:
        lines.append(f"{p['name']:<34} {p['org']:<16} {'yes' if p['up'] else 'no':<5} {_height(p)}")
    cc = status["chaincode"]
    state = f"committed, sequence {cc['sequence']}" if cc.get("committed") else "not committed"
    if status.get("unqueried"):
        state = "not queried"
    lines.append(f"chaincode {cc.get('name')}: {state}")
    for gw in status["gateways"]:
        whose = f" ({gw['org']}'s own)" if gw.get("org") else ""
        lines.append(f"gateway {gw.get('url')}{whose}: {'up' if gw.get('up') else 'down'}")
    if status.get("unqueried"):
        lines.append(f"note: {status['unqueried']}")
    return "\n".join(lines)


def _height(node: dict[str, Any]) -> str:
    return "?" if node["height"] is None else str(node["height"])


def main(argv: list[str]) -> int:
    ledger = argv[3] if len(argv) > 3 else "fabric"
    status = parse(argv[2], ledger)
    status["orgs"] = orgs(Layout.from_env())
    if ledger == "embedded":
        status["embedded"] = {"path": argv[4], "height": embedded_height(argv[4])}
    unqueried = os.environ.get("STATUS_UNQUERIED")
    if unqueried:
        status["unqueried"] = f"heights and the chaincode were not queried: {unqueried}"
    print(json.dumps(status) if argv[1] == "1" else table(status))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
