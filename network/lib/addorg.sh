# shellcheck shell=bash
# `network.sh add-org NAME [--peers N]`: a new department org joins the running channel.
#   1. its crypto (cryptogen extend: only what is missing; no existing key changes);
#   2. the channel config fetched and decoded, the org's MSP and anchor peer added, the update
#      computed (configtxlator);
#   3. signed by a MAJORITY of the existing orgs' admins (the Application group's Admins policy:
#      2 of 3 for the fourth org, 3 of 4 for the fifth) and submitted;
#   4. its peers started and joined; 5. the chaincode installed, approved for the org at the
#      committed definition, its chaincode server started; 6. the gateway config(s) and tokens.
# Until the update is submitted nothing on the channel has changed, and a failure before then
# removes what this command made; the orderers apply a config update whole or not at all.
# After that the org is a member: re-running add-org NAME resumes the remaining steps.
# Sourced by network.sh after the other libraries.

ADD_ORG_JOINED_DIR=""  # set by add_org_paths

add_org_paths() {  # label
  ADD_ORG_WORK="$ARTIFACTS/add-org/$1"
  ADD_ORG_JOINED_DIR="$ARTIFACTS/add-org"
}

org_index_of() {  # MSP id or label -> index, or nothing
  local o
  for ((o = 0; o < ${#PEER_ORGS[@]}; o++)); do
    if [[ "$(org_msp "$o")" == "$1" || "$(org_label "$o")" == "$1" ]]; then echo "$o"; return 0; fi
  done
  return 1
}

# The signatures the Application group's Admins policy (MAJORITY Admins) needs: more than half
# of the orgs in the channel before the new one. CITYDIR_ADD_ORG_SIGNATURES asks for a different
# number: the tests use fewer, to see the orderers refuse the update and nothing change.
add_org_signatures_needed() {  # orgs in the channel
  echo "${CITYDIR_ADD_ORG_SIGNATURES:-$(($1 / 2 + 1))}"
}

cmd_add_org() {
  local name="" peers=0
  while (($#)); do
    case $1 in
      --peers) [[ "${2:-}" =~ ^[1-9]$ && "${2:-}" -le "$MAX_PEERS_PER_ORG" ]] ||
                 usage_error "--peers takes 1 to $MAX_PEERS_PER_ORG"; peers=$2; shift ;;
      -*) usage_error "unknown flag for add-org: $1" ;;
      *) [[ -z "$name" ]] || usage_error "add-org takes one NAME"; name=$1 ;;
    esac
    shift
  done
  [[ -n "$name" ]] || usage_error "add-org needs a NAME (e.g. Transport: TransportMSP, transport.$DOMAIN)"
  local msp label named
  named=$(python_for_layout -m network.lib.layout org "$name" 2>&1) || usage_error "$named"
  read -r msp label <<<"$named"
  [[ -f "$CITYDIR_HOME/topology.env" ]] || die "no network in $CITYDIR_HOME; run 'network.sh up' first"
  load_topology "" ""
  [[ "$LEDGER_KIND" == fabric ]] || die "add-org needs Fabric: the embedded ledger has no channel to join"
  add_org_paths "$label"
  local o started=$SECONDS
  if o=$(org_index_of "$msp") || o=$(org_index_of "$label"); then
    [[ -f "$ADD_ORG_JOINED_DIR/$label.joined" || $o -lt $BUILTIN_ORGS ]] &&
      die "an org named $name ($(org_msp "$o"), $(org_label "$o").$DOMAIN) is already in this network; choose another name"
    [[ "$(org_msp "$o")" == "$msp" && "$(org_label "$o")" == "$label" ]] ||
      die "$name clashes with $(org_msp "$o") ($(org_label "$o").$DOMAIN), which is already in this network"
    log "resuming add-org $name: $msp is in the channel, its remaining steps follow"
  else
    ((${#PEER_ORGS[@]} < MAX_ORGS)) || die "this network's port layout has room for $MAX_ORGS peer orgs; it has ${#PEER_ORGS[@]}"
    fabric_env
    pid_alive "$(peer_process 0 0)" || die "the network is not running; run 'network.sh up' first"
    add_org_to_channel "$msp" "$label" "$peers"
    o=$(org_index_of "$msp")
  fi
  fabric_env
  add_org_start "$o"
  mkdir -p "$ADD_ORG_JOINED_DIR"
  date -u +%FT%TZ > "$ADD_ORG_JOINED_DIR/$label.joined"
  log "$msp joined channel '$CHANNEL' in $((SECONDS - started))s; the channel now has ${#PEER_ORGS[@]} orgs, so MAJORITY means $((${#PEER_ORGS[@]} / 2 + 1)) of ${#PEER_ORGS[@]}"
  print_summary 1
}

# Steps 1-3. On any failure before the update is accepted: remove the org again (its line in
# the orgs file, its crypto, the work files), so the network is as it was.
add_org_to_channel() {  # msp, label, peers
  local msp=$1 label=$2 peers=$3
  mkdir -p "$ADD_ORG_WORK"
  ADD_ORG_ROLLBACK="$msp:$label"
  trap add_org_rollback EXIT
  printf '%s:%s:%s\n' "$msp" "$label" "$peers" >> "$ADDED_ORGS_FILE"
  load_layout  # the new org is org ${#PEER_ORGS[@]}-1 from here on
  local o=$((${#PEER_ORGS[@]} - 1))
  log "generating crypto material for $msp (cryptogen extend: existing orgs keep theirs)"
  render_config crypto-config "$CONFIG/crypto-config.yaml"
  cryptogen extend --input="$CRYPTO" --config="$CONFIG/crypto-config.yaml" >>"$LOGS/cryptogen.log" 2>&1 ||
    die "cryptogen extend failed; see $LOGS/cryptogen.log"
  [[ -f "$(admin_msp "$o")/keystore/priv_sk" ]] || die "cryptogen made no admin for $msp"
  add_org_compute_update "$o"
  add_org_submit_update "$o"
  # The channel's own description: configtx.yaml as the network now is (the genesis block stays).
  render_config configtx "$CONFIG/configtx.yaml"
}

add_org_rollback() {
  local code=$? label=${ADD_ORG_ROLLBACK#*:}
  [[ -n "$ADD_ORG_ROLLBACK" ]] || return 0
  warn "add-org failed before the channel changed; removing what it made for ${ADD_ORG_ROLLBACK%%:*}"
  if [[ -f "$ADDED_ORGS_FILE" ]]; then
    grep -v "^$ADD_ORG_ROLLBACK:" "$ADDED_ORGS_FILE" > "$ADDED_ORGS_FILE.tmp" || true
    mv "$ADDED_ORGS_FILE.tmp" "$ADDED_ORGS_FILE"
    [[ -s "$ADDED_ORGS_FILE" ]] || rm -f "$ADDED_ORGS_FILE"
  fi
  rm -rf "${CRYPTO:?}/peerOrganizations/$label.$DOMAIN" "$ADD_ORG_WORK"
  load_layout
  render_config crypto-config "$CONFIG/crypto-config.yaml"
  exit "$code"
}

# Step 2: the channel config now, the same with the org, and the difference as a signed-to-be
# envelope ($ADD_ORG_WORK/update.pb).
add_org_compute_update() {  # new org index
  local o=$1 w=$ADD_ORG_WORK msp; msp=$(org_msp "$1")
  log "fetching the config of channel '$CHANNEL' and computing the update that adds $msp"
  as_org_admin 0 0
  # shellcheck disable=SC2046
  peer channel fetch config "$w/config_block.pb" $(orderer_args) -c "$CHANNEL" >>"$LOGS/peer-cli.log" 2>&1 ||
    die "could not fetch the config of '$CHANNEL'; see $LOGS/peer-cli.log"
  configtxlator proto_decode --input "$w/config_block.pb" --type common.Block --output "$w/config_block.json"
  py_module network.lib.channel_update config "$w/config_block.json" "$w/config.json"
  if py_module network.lib.channel_update has-org "$w/config.json" "$msp"; then
    die "the channel already has $msp"
  fi
  # The org's MSP and policies as configtx.yaml defines every org (network/config/configtx.yaml.j2).
  mkdir -p "$w/configtx"
  render_config configtx "$w/configtx/configtx.yaml"
  configtxgen -configPath "$w/configtx" -printOrg "$msp" > "$w/org.json" 2>>"$LOGS/configtxgen.log" ||
    die "configtxgen -printOrg $msp failed; see $LOGS/configtxgen.log"
  py_module network.lib.channel_update add-org "$w/config.json" "$w/org.json" "$msp" "$(org_host "$o")" "$(peer_port "$o" 0)" "$w/modified.json"
  configtxlator proto_encode --input "$w/config.json" --type common.Config --output "$w/config.pb"
  configtxlator proto_encode --input "$w/modified.json" --type common.Config --output "$w/modified.pb"
  configtxlator compute_update --channel_id "$CHANNEL" --original "$w/config.pb" --updated "$w/modified.pb" \
    --output "$w/update_only.pb"
  configtxlator proto_decode --input "$w/update_only.pb" --type common.ConfigUpdate --output "$w/update_only.json"
  py_module network.lib.channel_update envelope "$CHANNEL" "$w/update_only.json" "$w/update.json"
  configtxlator proto_encode --input "$w/update.json" --type common.Envelope --output "$w/update.pb"
}

# Step 3: the existing orgs' admins sign in turn (each, in a real deployment, on its own host
# with its own key: the envelope travels, the keys do not); the last signer submits.
add_org_submit_update() {  # new org index
  local existing=$1 need i w=$ADD_ORG_WORK
  need=$(add_org_signatures_needed "$existing")
  ((need >= 1 && need <= existing)) || die "cannot collect $need admin signatures from $existing orgs"
  log "collecting $need of $existing existing orgs' admin signatures (MAJORITY Admins)"
  for ((i = 0; i < need - 1; i++)); do
    as_org_admin "$i" 0
    peer channel signconfigtx -f "$w/update.pb" >>"$LOGS/peer-cli.log" 2>&1 ||
      die "$(org_msp "$i")'s admin could not sign the update; see $LOGS/peer-cli.log"
  done
  as_org_admin $((need - 1)) 0
  log "$(org_msp $((need - 1))) signs and submits the update"
  # shellcheck disable=SC2046
  if ! peer channel update -f "$w/update.pb" -c "$CHANNEL" $(orderer_args) >>"$LOGS/peer-cli.log" 2>&1; then
    die "the orderers refused the channel update (signatures: $need of $existing; see $LOGS/peer-cli.log); the channel is unchanged"
  fi
  # Accepted: the org is a member now, and nothing made for it may be removed any more.
  ADD_ORG_ROLLBACK=""
  trap - EXIT
  add_org_wait_in_channel "$(org_msp "$existing")"
}

add_org_wait_in_channel() {  # msp: until the committed config has it
  local i w=$ADD_ORG_WORK
  as_org_admin 0 0
  for ((i = 0; i < 30; i++)); do
    # shellcheck disable=SC2046
    if peer channel fetch config "$w/after.pb" $(orderer_args) -c "$CHANNEL" >>"$LOGS/peer-cli.log" 2>&1 &&
       configtxlator proto_decode --input "$w/after.pb" --type common.Block --output "$w/after.json" &&
       py_module network.lib.channel_update config "$w/after.json" "$w/after_config.json" &&
       py_module network.lib.channel_update has-org "$w/after_config.json" "$1"; then
      return 0
    fi
    sleep 1
  done
  die "the update was accepted but $1 is not in the channel config after 30s; see $LOGS/orderer*.log"
}

# Steps 4-6 (idempotent: a resumed add-org runs them again).
add_org_start() {  # org index
  local o=$1 p seq
  hosts_up  # --hosts: the new org's host
  for ((p = 0; p < $(org_peers "$o"); p++)); do start_peer "$o" "$p"; done
  for ((p = 0; p < $(org_peers "$o"); p++)); do wait_peer "$o" "$p"; done
  join_peers
  seq=$(committed_sequence)
  ((seq > 0)) || die "no chaincode definition is committed on '$CHANNEL'; run 'network.sh up' first"
  install_and_approve "$o" "$seq"
  wait_chaincode_ready "$o"
  wait_endorsement_ready
  add_org_gateway "$o"
}

add_org_gateway() {  # org index
  local o=$1 label; label=$(org_label "$1")
  if [[ "$CITYDIR_GATEWAYS" == per-org ]]; then
    [[ -f "$(gateway_config "$o")" ]] || py_module network.lib.gateway_config add "$label" >/dev/null ||
      die "could not write $(org_msp "$o")'s gateway config"
    pid_alive "$(gateway_process 0)" || return 0  # the gateways are not running (up --no-gateway)
    start_one_gateway "$o"
    wait_for_port "$(gateway_port "$o")" "$(gateway_what "$o")" 60
    return 0
  fi
  [[ -f "$GATEWAY_CONFIG" ]] || return 0  # no gateway was ever configured (up --no-gateway)
  if ! grep -q "\"msp_id\": \"$(org_msp "$o")\"" "$GATEWAY_CONFIG"; then
    log "adding $(org_msp "$o") to the gateway config, with its tokens (existing tokens are kept)"
    py_module network.lib.gateway_config add "$label" >/dev/null || die "could not add $(org_msp "$o") to the gateway config"
  fi
  if pid_alive gateway; then
    log "restarting the REST gateway with $(org_msp "$o")'s identities"
    stop_process gateway
    start_one_gateway ""
    wait_for_port "$(gateway_port)" "the REST gateway" 60
  fi
}
