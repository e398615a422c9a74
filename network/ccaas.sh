#!/usr/bin/env bash
# Run org O's directory chaincode server (chaincode-as-a-service) in the foreground.
# Its peers dial it at the address in the package's connection.json. Plaintext on loopback
# only: the peer<->chaincode link never leaves this machine.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
o=${1:?usage: ccaas.sh ORG}
id_file="$ARTIFACTS/cc/$(org_label "$o").package-id"
[[ -f "$id_file" ]] || die "no package id for $(org_msp "$o"); run network.sh deploy"
export CHAINCODE_ID; CHAINCODE_ID=$(cat "$id_file")
export CHAINCODE_SERVER_ADDRESS; CHAINCODE_SERVER_ADDRESS="127.0.0.1:$(ccaas_port "$o")"
export CHAINCODE_CONTRACT="${CITYDIR_CONTRACT:-directory}"
cd "$REPO_DIR"
exec "$PYTHON" -m chaincode
