"""JSON steps of a channel config update (add an org), between network/lib/addorg.sh's
``configtxlator`` calls: the tool turns protobuf into JSON and back and computes the update;
this module edits the JSON.

Usage::

    python -m network.lib.channel_update config BLOCK_JSON OUT_JSON
        the channel config out of a decoded config block
    python -m network.lib.channel_update add-org CONFIG_JSON ORG_JSON MSP_ID HOST PORT OUT_JSON
        CONFIG_JSON with the org (configtxgen -printOrg's output) in the Application group,
        its anchor peer HOST:PORT set
    python -m network.lib.channel_update has-org CONFIG_JSON MSP_ID
        exit 0 if the channel config has the org in its Application group, else 1
    python -m network.lib.channel_update orgs CONFIG_JSON
        the Application group's orgs, one MSP id a line
    python -m network.lib.channel_update envelope CHANNEL UPDATE_JSON OUT_JSON
        a decoded ConfigUpdate wrapped in the envelope `peer channel update` submits
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

# common.HeaderType CONFIG_UPDATE
CONFIG_UPDATE = 2


def config_of_block(block: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = block["data"]["data"][0]["payload"]["data"]["config"]
    return config


def application_orgs(config: dict[str, Any]) -> list[str]:
    return sorted(config["channel_group"]["groups"]["Application"]["groups"])


def with_org(
    config: dict[str, Any], org: dict[str, Any], msp_id: str, host: str, port: int
) -> dict[str, Any]:
    """CONFIG with ORG added to the Application group and its anchor peer set."""
    if msp_id in application_orgs(config):
        raise ValueError(f"the channel already has {msp_id}")
    group = copy.deepcopy(org)
    group.setdefault("values", {})["AnchorPeers"] = {
        "mod_policy": "Admins",
        "value": {"anchor_peers": [{"host": host, "port": port}]},
        "version": "0",
    }
    updated = copy.deepcopy(config)
    updated["channel_group"]["groups"]["Application"]["groups"][msp_id] = group
    return updated


def envelope(channel: str, update: dict[str, Any]) -> dict[str, Any]:
    return {
        "payload": {
            "header": {"channel_header": {"channel_id": channel, "type": CONFIG_UPDATE}},
            "data": {"config_update": update},
        }
    }


def _load(path: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return loaded


def _dump(path: str, document: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(document, indent=1), encoding="utf-8")


def main(argv: list[str]) -> int:
    command, args = (argv[1], argv[2:]) if len(argv) > 1 else ("", [])
    if command == "config" and len(args) == 2:
        _dump(args[1], config_of_block(_load(args[0])))
    elif command == "add-org" and len(args) == 6:
        config_json, org_json, msp_id, host, port, out = args
        _dump(out, with_org(_load(config_json), _load(org_json), msp_id, host, int(port)))
    elif command == "has-org" and len(args) == 2:
        return 0 if args[1] in application_orgs(_load(args[0])) else 1
    elif command == "orgs" and len(args) == 1:
        print("\n".join(application_orgs(_load(args[0]))))
    elif command == "envelope" and len(args) == 3:
        _dump(args[2], envelope(args[0], _load(args[1])))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
