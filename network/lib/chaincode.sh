# shellcheck shell=bash
# Chaincode lifecycle for the directory chaincode run as a service (ccaas):
# package (connection.json only) -> install on every peer -> approve per org -> commit.
# Each org runs its own chaincode server, so each org installs its own package
# (same definition, its own address) and no org depends on another's process.

# What the label hashes: the chaincode's source, every chaincode/**/*.py (NUL-separated, sorted,
# relative to REPO_DIR). The demo directory is data beside its seeder (network/demo/), not here:
# editing it changes no label and needs no upgrade.
chaincode_sources() {
  (cd "$REPO_DIR" && find chaincode -name '*.py' -print0 | sort -z)
}

# Label carries the sequence and a hash of the chaincode source, so a package says what it runs.
chaincode_label() {  # sequence
  local h
  h=$(cd "$REPO_DIR" && chaincode_sources | xargs -0 cat | sha256sum | cut -c1-12)
  echo "${CHAINCODE}_$1_$h"
}

package_chaincode() {  # org, sequence -> path of the package
  local o=$1 seq=$2 dir label
  label=$(chaincode_label "$seq")
  dir="$ARTIFACTS/cc/$(org_label "$o")-$label"
  mkdir -p "$dir/src"
  printf '{"address": "127.0.0.1:%s", "dial_timeout": "10s", "tls_required": false}\n' "$(ccaas_port "$o")" > "$dir/src/connection.json"
  printf '{"type": "ccaas", "label": "%s"}\n' "$label" > "$dir/metadata.json"
  tar -C "$dir/src" -czf "$dir/code.tar.gz" connection.json
  tar -C "$dir" -czf "$dir/package.tgz" metadata.json code.tar.gz
  echo "$dir/package.tgz"
}

committed_sequence() {  # -> committed sequence, or 0
  as_org_admin 0 0
  peer lifecycle chaincode querycommitted -C "$CHANNEL" -n "$CHAINCODE" -O json 2>/dev/null |
    sed -n 's/.*"sequence": *\([0-9]*\).*/\1/p' | head -1 | grep . || echo 0
}

# Install and approve at SEQUENCE on every org, then commit; start each org's server.
deploy_chaincode() {  # sequence
  local seq=$1 o
  for ((o = 0; o < ${#PEER_ORGS[@]}; o++)); do install_and_approve "$o" "$seq"; done
  commit_chaincode "$seq"
}

# One org's part: its own package (its server's address) on each of its peers, its chaincode
# server (re)started, and its approval of the definition at SEQUENCE. `add-org` runs just this
# for the new org, at the committed sequence.
install_and_approve() {  # org, sequence
  local o=$1 seq=$2 p pkg id
  pkg=$(package_chaincode "$o" "$seq")
  as_org_admin "$o" 0
  id=$(peer lifecycle chaincode calculatepackageid "$pkg")
  for ((p = 0; p < $(org_peers "$o"); p++)); do
    as_org_admin "$o" "$p"
    if ! peer lifecycle chaincode queryinstalled 2>/dev/null | grep -q "$id"; then
      log "installing $id on $(peer_name "$o" "$p")"
      peer lifecycle chaincode install "$pkg" >>"$LOGS/peer-cli.log" 2>&1 || die "install failed; see $LOGS/peer-cli.log"
    fi
  done
  echo "$id" > "$ARTIFACTS/cc/$(org_label "$o").package-id"
  stop_process "ccaas-$(org_label "$o")"
  start_ccaas "$o"
  as_org_admin "$o" 0
  if peer lifecycle chaincode queryapproved -C "$CHANNEL" -n "$CHAINCODE" --sequence "$seq" -O json 2>/dev/null |
     grep -q "\"$id\""; then
    return 0  # approved before (a resumed add-org)
  fi
  log "$(org_msp "$o") approves $CHAINCODE sequence $seq"
  # shellcheck disable=SC2046
  peer lifecycle chaincode approveformyorg $(orderer_args) -C "$CHANNEL" -n "$CHAINCODE" \
    --version "$seq" --sequence "$seq" --package-id "$id" >>"$LOGS/peer-cli.log" 2>&1 ||
    die "approve by $(org_msp "$o") failed; see $LOGS/peer-cli.log"
}

commit_chaincode() {  # sequence
  local seq=$1 o
  local targets=()
  for ((o = 0; o < ${#PEER_ORGS[@]}; o++)); do
    targets+=(--peerAddresses "$(org_host "$o"):$(peer_port "$o" 0)" --tlsRootCertFiles "$(peer_dir "$o" 0)/tls/ca.crt")
  done
  as_org_admin 0 0
  log "committing $CHAINCODE sequence $seq on '$CHANNEL'"
  # shellcheck disable=SC2046
  peer lifecycle chaincode commit $(orderer_args) -C "$CHANNEL" -n "$CHAINCODE" \
    --version "$seq" --sequence "$seq" "${targets[@]}" >>"$LOGS/peer-cli.log" 2>&1 ||
    die "commit failed; see $LOGS/peer-cli.log"
}

# After a restart of `up`, the servers need the package ids recorded at deploy time.
start_chaincode_servers() {
  local o
  for ((o = 0; o < ${#PEER_ORGS[@]}; o++)); do
    [[ -f "$ARTIFACTS/cc/$(org_label "$o").package-id" ]] || continue
    start_ccaas "$o"
  done
}

# Org O's chaincode server, on the loopback of the org's host (its network namespace with --hosts).
start_ccaas() {  # org
  local o=$1 name ns what; name="ccaas-$(org_label "$1")" ns=$(org_netns "$1") what="chaincode server of $(org_msp "$1")"
  if ! pid_alive "$name"; then
    if port_in_use "$(ccaas_port "$o")" 127.0.0.1 "$ns"; then
      die "port $(ccaas_port "$o") (needed for the $what) is already in use; stop what holds it, or choose another base with CITYDIR_BASE_PORT"
    fi
    NODE_NETNS=$ns start_process "$name" "$NETWORK_DIR/ccaas.sh" "$o"
  fi
  wait_for_port "$(ccaas_port "$o")" "$what" 30 127.0.0.1 "$ns"
}
