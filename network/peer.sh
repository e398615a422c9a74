#!/usr/bin/env bash
# Run peer P of org O (both 0-based; orgs: 0 DataBureau, 1 CivilAffairs, 2 Health) in the foreground.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/fabric-bin.sh"
o=${1:?usage: peer.sh ORG PEER}; p=${2:?usage: peer.sh ORG PEER}
fabric_env
dir=$(peer_dir "$o" "$p")
port=$(peer_port "$o" "$p")
host=$(org_host "$o")  # 127.0.0.1, or the org's test address (up --hosts)

export FABRIC_CFG_PATH="$CONFIG/peer"
export FABRIC_LOGGING_SPEC="${CITYDIR_NODE_LOG_SPEC:-INFO}"
export CORE_PEER_ID; CORE_PEER_ID=$(peer_name "$o" "$p")
export CORE_PEER_LOCALMSPID; CORE_PEER_LOCALMSPID=$(org_msp "$o")
export CORE_PEER_MSPCONFIGPATH="$dir/msp"
export CORE_PEER_LISTENADDRESS="$host:$port"
export CORE_PEER_ADDRESS="$host:$port"
export CORE_PEER_CHAINCODELISTENADDRESS; CORE_PEER_CHAINCODELISTENADDRESS="127.0.0.1:$(peer_cc_port "$o" "$p")"
export CORE_PEER_CHAINCODEADDRESS="$CORE_PEER_CHAINCODELISTENADDRESS"
# Gossip: every org's first peer is its anchor; a second peer bootstraps from the first.
export CORE_PEER_GOSSIP_EXTERNALENDPOINT="$host:$port"
export CORE_PEER_GOSSIP_BOOTSTRAP; CORE_PEER_GOSSIP_BOOTSTRAP="$host:$(peer_port "$o" 0)"
# A test network's peers start together; the first probes fail before they join the
# channel, and Fabric's 25s default reconnect would keep discovery empty that long.
export CORE_PEER_GOSSIP_RECONNECTINTERVAL=5s
export CORE_PEER_TLS_ENABLED=true
export CORE_PEER_TLS_CERT_FILE="$dir/tls/server.crt"
export CORE_PEER_TLS_KEY_FILE="$dir/tls/server.key"
export CORE_PEER_TLS_ROOTCERT_FILE="$dir/tls/ca.crt"
export CORE_PEER_FILESYSTEMPATH="$DATA/$CORE_PEER_ID"
export CORE_LEDGER_STATE_STATEDATABASE=goleveldb
export CORE_LEDGER_SNAPSHOTS_ROOTDIR="$DATA/$CORE_PEER_ID/snapshots"
export CORE_OPERATIONS_LISTENADDRESS; CORE_OPERATIONS_LISTENADDRESS="$host:$(peer_ops_port "$o" "$p")"
export CORE_METRICS_PROVIDER=prometheus
export CORE_PEER_GATEWAY_ENABLED=true
export CORE_PEER_AUTHENTICATION_TIMEWINDOW="$CITYDIR_AUTH_TIMEWINDOW"  # see common.sh

mkdir -p "$CORE_PEER_FILESYSTEMPATH"
exec peer node start
