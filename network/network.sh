#!/usr/bin/env bash
# citydir test network: a real Fabric 3.1 network as native processes on 127.0.0.1, or, where
# Fabric is absent, the embedded ledger (the gateway keeps the directory in one SQLite file).
# See `network.sh help`. State lives in $CITYDIR_HOME, ports start at $CITYDIR_BASE_PORT.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$NETWORK_DIR/lib/fabric-bin.sh"
source "$NETWORK_DIR/lib/generate.sh"
source "$NETWORK_DIR/lib/channel.sh"
source "$NETWORK_DIR/lib/chaincode.sh"
source "$NETWORK_DIR/lib/addorg.sh"
source "$NETWORK_DIR/lib/hosts.sh"

usage() {
  cat <<EOF
Usage: network.sh COMMAND [FLAGS]

Commands:
  up [--bft] [--peers 1|2] [--no-seed] [--no-gateway] [--gateway-per-org] [--hosts]
                 find (or build) Fabric, generate crypto and the channel, start orderers and
                 peers, deploy the chaincode, start the gateway, load the demo directory.
                 Without Fabric: the gateway on the embedded ledger, with the demo directory.
                 --gateway-per-org: one gateway per org (port base+300+org), each holding only
                 its own org's keys and tokens (gateway/<org>/); default: one gateway that
                 holds every org's keys. --hosts: each orderer and each org on a host of its own
                 (a network namespace on a bridge, private test addresses; implies
                 --gateway-per-org, each gateway forwarded to 127.0.0.1; needs root).
                 Safe to re-run: what is running is left as it is.
  add-org NAME [--peers N]
                 a new department org joins the running channel: NAME (e.g. Transport) makes
                 TransportMSP, transport.$DOMAIN; a majority of the existing orgs' admins
                 sign the config update; its peers join, it approves the chaincode, its server
                 and gateway identities start. Remembered across down/up.
  link NODE down|up
                 (--hosts) cut a host (orderer0.., or an org: health, ...) off, or bring it back
  down           stop every process this network started (state is kept)
  clean          down, then delete the network's state directory
  status [--json] orgs, orderers, peers (height), chaincode and each gateway
  fabric [--check]
                 find Fabric's binaries, else build them from the Go module
                 (--check: only say where they are, or why not and exit 1)
  deploy         upgrade the chaincode to the next sequence (after a code change);
                 on the embedded ledger: restart the gateway, which runs the contract
  logs NODE      follow a node's log (e.g. orderer0, peer0.health, ccaas-health, gateway,
                 gateway-health with --gateway-per-org)
  help           this text

Environment:
  CITYDIR_HOME       state directory (now: $CITYDIR_HOME)
  CITYDIR_BASE_PORT  first port; all ports derive from it (now: $CITYDIR_BASE_PORT)
  CITYDIR_LEDGER     fabric (a missing Fabric is an error) or embedded (skip Fabric);
                     unset: Fabric when it is found, else the embedded ledger
  CITYDIR_FABRIC_BIN, CITYDIR_FABRIC_CFG
                     Fabric v3.1.x binaries and their config (core.yaml, orderer.yaml) to use
                     first; then PATH (config: \$FABRIC_CFG_PATH, ../config, /etc/hyperledger/fabric),
                     then network/bin, then a build from the Go module
EOF
}

usage_error() { echo "network.sh: $*" >&2; usage >&2; exit 2; }

# Topology, ledger and gateway mode chosen at first `up` are remembered with the state: crypto
# and tokens are made for them. (Orgs added later are in $ADDED_ORGS_FILE; see add-org.)
load_topology() {  # consensus, peers, ledger, gateways, hosts (each "" = as remembered)
  local want_consensus=$1 want_peers=$2 want_ledger=${3:-} want_gateways=${4:-} want_hosts=${5:-} f="$CITYDIR_HOME/topology.env"
  LEDGER_KIND=fabric
  CITYDIR_GATEWAYS=single  # a state made before per-org gateways existed
  CITYDIR_HOSTS=0
  if [[ -f "$f" ]]; then
    # shellcheck disable=SC1090
    source "$f"
    if [[ -n "$want_consensus" && "$want_consensus" != "$CITYDIR_CONSENSUS" ]] ||
       [[ -n "$want_peers" && "$want_peers" != "$CITYDIR_PEERS_PER_ORG" ]] ||
       [[ -n "$want_ledger" && "$want_ledger" != "$LEDGER_KIND" ]] ||
       [[ -n "$want_gateways" && "$want_gateways" != "$CITYDIR_GATEWAYS" ]] ||
       [[ -n "$want_hosts" && "$want_hosts" != "$CITYDIR_HOSTS" ]]; then
      die "this network was created with ledger=$LEDGER_KIND, consensus=$CITYDIR_CONSENSUS, peers per org=$CITYDIR_PEERS_PER_ORG, gateways=$CITYDIR_GATEWAYS, hosts=$CITYDIR_HOSTS; run 'network.sh clean' to change it"
    fi
  elif [[ -n "$want_ledger" ]]; then
    CITYDIR_CONSENSUS=${want_consensus:-$CITYDIR_CONSENSUS}
    CITYDIR_PEERS_PER_ORG=${want_peers:-$CITYDIR_PEERS_PER_ORG}
    CITYDIR_GATEWAYS=${want_gateways:-single}
    CITYDIR_HOSTS=${want_hosts:-0}
    LEDGER_KIND=$want_ledger
    mkdir -p "$CITYDIR_HOME"
    printf 'LEDGER_KIND=%s\nCITYDIR_CONSENSUS=%s\nCITYDIR_PEERS_PER_ORG=%s\nCITYDIR_GATEWAYS=%s\nCITYDIR_HOSTS=%s\n' \
      "$LEDGER_KIND" "$CITYDIR_CONSENSUS" "$CITYDIR_PEERS_PER_ORG" "$CITYDIR_GATEWAYS" "$CITYDIR_HOSTS" > "$f"
    load_layout  # the hosts' addresses come with the topology
  fi
  export CITYDIR_CONSENSUS CITYDIR_PEERS_PER_ORG LEDGER_KIND CITYDIR_GATEWAYS CITYDIR_HOSTS
}

# Which ledger `up` runs: what the state was made with, else CITYDIR_LEDGER, else Fabric if found.
choose_ledger() {  # wants Fabric-only flags (0/1)
  local remembered=""
  [[ -f "$CITYDIR_HOME/topology.env" ]] && remembered=$(sed -n 's/^LEDGER_KIND=//p' "$CITYDIR_HOME/topology.env")
  [[ -f "$CITYDIR_HOME/topology.env" && -z "$remembered" ]] && remembered=fabric  # made before the choice existed
  case "$CITYDIR_LEDGER" in
    ""|fabric|embedded) ;;
    *) usage_error "CITYDIR_LEDGER must be fabric or embedded, not '$CITYDIR_LEDGER'" ;;
  esac
  if [[ -n "$remembered" ]]; then
    [[ -n "$CITYDIR_LEDGER" && "$CITYDIR_LEDGER" != "$remembered" ]] &&
      die "the state in $CITYDIR_HOME is on the $remembered ledger, but CITYDIR_LEDGER=$CITYDIR_LEDGER; run 'network.sh clean' to change it"
    echo "$remembered"; return 0
  fi
  if [[ "$CITYDIR_LEDGER" == embedded ]]; then
    (($1)) && die "--bft, --peers and --gateway-per-org need Fabric; the embedded ledger has no orderers or peers, and one file that one gateway keeps"
    echo embedded; return 0
  fi
  if find_fabric; then echo fabric; return 0; fi
  local found=$FABRIC_MISSING_REASON
  if build_fabric; then echo fabric; return 0; fi
  FABRIC_MISSING_REASON="$found; $FABRIC_MISSING_REASON"
  fabric_missing_paragraph
  if [[ "$CITYDIR_LEDGER" == fabric ]] || (($1)); then
    echo "CITYDIR_LEDGER=fabric (or --bft/--peers/--gateway-per-org) asks for Fabric, so nothing was started." >&2
    exit 1
  fi
  echo "citydir now starts on the embedded ledger (one process, one SQLite file: no multi-organisation guarantees; see README)." >&2
  echo embedded
}

for_each_peer() {  # callback org peer
  local o p
  for ((o = 0; o < ${#PEER_ORGS[@]}; o++)); do
    for ((p = 0; p < $(org_peers "$o"); p++)); do "$1" "$o" "$p"; done
  done
}

peer_process() { echo "peer$2.$(org_label "$1")"; }

start_peer() {
  local name; name=$(peer_process "$1" "$2")
  if ! pid_alive "$name"; then
    local host; host=$(org_host "$1")
    require_free_port "$(peer_port "$1" "$2")" "$name" "$host"
    [[ "$CITYDIR_HOSTS" == 1 ]] || require_free_port "$(peer_cc_port "$1" "$2")" "$name (chaincode listener)"
    require_free_port "$(peer_ops_port "$1" "$2")" "$name (operations)" "$host"
    log "starting $name on $host:$(peer_port "$1" "$2")"
    NODE_NETNS=$(org_netns "$1") start_process "$name" "$NETWORK_DIR/peer.sh" "$1" "$2"
  fi
}

wait_peer() { wait_for_port "$(peer_port "$1" "$2")" "$(peer_process "$1" "$2")" 60 "$(org_host "$1")"; }

start_orderers() {
  local i name
  for ((i = 0; i < $(orderer_count); i++)); do
    name="orderer$i"
    pid_alive "$name" && continue
    local host; host=$(orderer_host "$i")
    require_free_port "$(orderer_port "$i")" "$name" "$host"
    require_free_port "$(orderer_admin_port "$i")" "$name (admin)" "$host"
    require_free_port "$(orderer_ops_port "$i")" "$name (operations)" "$host"
    log "starting $name on $host:$(orderer_port "$i")"
    NODE_NETNS=$(orderer_netns "$i") start_process "$name" "$NETWORK_DIR/orderer.sh" "$i"
  done
  for ((i = 0; i < $(orderer_count); i++)); do
    wait_for_port "$(orderer_admin_port "$i")" "orderer$i" 60 "$(orderer_host "$i")"
  done
}

cmd_up() {
  local consensus="" peers="" seed=1 gateway=1 gateways="" hosts=""
  while (($#)); do
    case $1 in
      --bft) consensus=bft ;;
      --peers) [[ "${2:-}" =~ ^[12]$ ]] || usage_error "--peers takes 1 or 2"; peers=$2; shift ;;
      --no-seed) seed=0 ;;
      --no-gateway) gateway=0 ;;
      --gateway-per-org) gateways=per-org ;;
      --hosts) hosts=1 gateways=per-org ;;
      *) usage_error "unknown flag for up: $1" ;;
    esac
    shift
  done
  [[ -x "$PYTHON" ]] || die "no Python environment at $PYTHON; run 'make venv' (or 'make up') first"
  local started=$SECONDS ledger fabric_flags=0
  [[ -n "$consensus$peers$gateways$hosts" ]] && fabric_flags=1
  ledger=$(choose_ledger "$fabric_flags")
  load_topology "$consensus" "$peers" "$ledger" "$gateways" "$hosts"
  if [[ "$LEDGER_KIND" == embedded ]]; then
    up_embedded "$gateway" "$seed" "$started"
    return 0
  fi
  fabric_env
  generate_all
  hosts_up
  start_orderers
  join_orderers
  wait_ordering_ready
  for_each_peer start_peer
  for_each_peer wait_peer
  join_peers
  if [[ "$(committed_sequence)" == 0 ]]; then
    deploy_chaincode 1
  else
    start_chaincode_servers
  fi
  wait_chaincode_ready
  wait_endorsement_ready
  if ((gateway)); then start_gateway; fi
  if ((seed)); then seed_directory; fi
  log "network up in $((SECONDS - started))s"
  print_summary "$gateway"
}

# The embedded ledger: the gateway runs the contract on one SQLite file; no Fabric process.
up_embedded() {  # gateway, seed, started
  log "starting on the embedded ledger (state in $(dirname "$EMBEDDED_LEDGER"))"
  mkdir -p "$LOGS" "$PIDS"
  py_module network.lib.embedded_crypto || die "could not create the embedded ledger's identities"
  if (($2)); then seed_directory; fi
  if (($1)); then start_gateway embedded; fi
  log "embedded ledger up in $((SECONDS - $3))s"
  print_summary "$1"
}

# The chaincode answers once the peers have dialled the chaincode servers.
wait_chaincode_ready() {  # org whose peer is asked (default: the data bureau's)
  local i
  as_org_admin "${1:-0}" 0
  for ((i = 0; i < 60; i++)); do
    if peer chaincode query -C "$CHANNEL" -n "$CHAINCODE" -c '{"Args":["Ping","{}"]}' >/dev/null 2>>"$LOGS/peer-cli.log"; then
      return 0
    fi
    sleep 1
  done
  die "the chaincode did not answer Ping within 60s; see $LOGS/ccaas-*.log and $LOGS/$(peer_process "${1:-0}" 0).log"
}

# Gossip must have spread membership before the peers' Gateways can plan endorsements.
wait_endorsement_ready() {
  log "waiting for the peers to discover each other (gossip)"
  py_module network.lib.wait_ready 120 2>>"$LOGS/wait-ready.log" ||
    die "the peers could not plan an endorsement within 120s; see $LOGS/wait-ready.log and the peer logs"
}

# The gateways this network runs: "" (the one gateway, every org's identities), or each org's
# index (up --gateway-per-org: each holds only its own org's identities).
gateway_orgs() {
  if [[ "$CITYDIR_GATEWAYS" == per-org ]]; then seq 0 $((${#PEER_ORGS[@]} - 1)); else echo ""; fi
}

gateway_process() { if [[ -n "${1:-}" ]]; then echo "gateway-$(org_label "$1")"; else echo gateway; fi; }

gateway_what() { if [[ -n "${1:-}" ]]; then echo "$(org_msp "$1")'s REST gateway"; else echo "the REST gateway"; fi; }

write_gateway_config() {
  local o missing=0
  for o in $(gateway_orgs); do [[ -f "$(gateway_config "$o")" ]] || missing=1; done
  [[ "$CITYDIR_GATEWAYS" == per-org || -f "$GATEWAY_CONFIG" ]] || missing=1
  ((missing)) || return 0
  if [[ "$CITYDIR_GATEWAYS" == per-org ]]; then
    log "writing each org's gateway config and dev API tokens (each only its own org's identities)"
    py_module network.lib.gateway_config per-org >/dev/null || die "could not write the gateway configs"
  else
    log "writing the gateway config and dev API tokens"
    py_module network.lib.gateway_config "$LEDGER_KIND" >/dev/null || die "could not write the gateway config"
  fi
}

start_gateway() {
  local o
  write_gateway_config
  for o in $(gateway_orgs); do start_one_gateway "$o"; done
  [[ "$CITYDIR_GATEWAYS" == per-org ]] || start_one_gateway ""
  for o in $(gateway_orgs); do wait_for_port "$(gateway_port "$o")" "$(gateway_what "$o")" 60; done
  [[ "$CITYDIR_GATEWAYS" == per-org ]] || wait_for_port "$(gateway_port)" "the REST gateway" 60
}

start_one_gateway() {  # org index, or "" for the one gateway
  local name host=127.0.0.1 ns=""; name=$(gateway_process "$1")
  [[ -n "$1" ]] && host=$(org_host "$1") ns=$(org_netns "$1")
  if ! pid_alive "$name"; then
    require_free_port "$(gateway_port "$1")" "$(gateway_what "$1")" "$host"
    log "starting $(gateway_what "$1") on http://$host:$(gateway_port "$1")"
    # shellcheck disable=SC2086  # "" (the one gateway) passes no argument
    NODE_NETNS=$ns start_process "$name" "$NETWORK_DIR/gateway.sh" $1
  fi
  [[ -n "$ns" ]] || return 0
  # --hosts: the developer reaches it on 127.0.0.1 through a forward.
  wait_for_port "$(gateway_port "$1")" "$(gateway_what "$1")" 60 "$host"
  if ! pid_alive "forward-$(org_label "$1")"; then
    require_free_port "$(gateway_port "$1")" "the forward to $(gateway_what "$1")"
    start_process "forward-$(org_label "$1")" env PYTHONPATH="$REPO_DIR" PYTHONSAFEPATH=1 \
      "$PYTHON" -m network.lib.forward "$(gateway_port "$1")" "$host" "$(gateway_port "$1")" "$ns"
  fi
}

stop_gateways() {
  local o names=(gateway)
  for ((o = 0; o < ${#PEER_ORGS[@]}; o++)); do names+=("forward-$(org_label "$o")" "$(gateway_process "$o")"); done
  stop_processes "${names[@]}"
}

seed_directory() {
  [[ -f "$CITYDIR_HOME/seeded" ]] && return 0
  write_gateway_config
  log "loading the demo directory through real transactions"
  py_module network.lib.seed >>"$LOGS/seed.log" 2>&1 || die "loading the demo directory failed; see $LOGS/seed.log"
  date -u +%FT%TZ > "$CITYDIR_HOME/seeded"
}

print_summary() {
  echo
  if [[ "$LEDGER_KIND" == embedded ]]; then
    echo "citydir is up on the EMBEDDED ledger (channel '$CHANNEL', one SQLite file, state in $CITYDIR_HOME)"
    echo "  It has none of Fabric's multi-organisation guarantees: one operator holds every key."
  else
    echo "citydir network is up on Fabric $FABRIC_FOUND_VERSION (channel '$CHANNEL', $CITYDIR_CONSENSUS, state in $CITYDIR_HOME)"
  fi
  if (($1)) && [[ "$CITYDIR_GATEWAYS" == per-org ]]; then
    local o
    echo "  One gateway per org, each holding only its own org's keys (REST API under /api/v1, web page at /):"
    for ((o = 0; o < ${#PEER_ORGS[@]}; o++)); do
      printf '  %-16s http://127.0.0.1:%s/   tokens %s\n' "$(org_msp "$o")" "$(gateway_port "$o")" "$(dirname "$(gateway_config "$o")")/tokens.json"
    done
  elif (($1)); then
    echo "  REST API   http://127.0.0.1:$(gateway_port)/api/v1   (OpenAPI: /api/v1/openapi.json)"
    echo "  Web page   http://127.0.0.1:$(gateway_port)/"
    echo "  API tokens $CITYDIR_HOME/gateway/tokens.json (this one gateway holds every org's keys)"
  fi
  echo "  Status     network/network.sh status"
}

cmd_down() {
  (($# == 0)) || usage_error "down takes no arguments"
  local f o names=() ccaas=()
  # The gateway and chaincode servers first, so no client sees a half-stopped network; then the
  # rest together.
  for ((o = 0; o < ${#PEER_ORGS[@]}; o++)); do ccaas+=("ccaas-$(org_label "$o")"); done
  stop_gateways
  stop_processes "${ccaas[@]}"
  if [[ -d "$PIDS" ]]; then
    for f in "$PIDS"/*.pid; do [[ -e "$f" ]] && names+=("$(basename "$f" .pid)"); done
  fi
  ((${#names[@]})) && stop_processes "${names[@]}"
  [[ -f "$CITYDIR_HOME/topology.env" ]] && { load_topology "" ""; hosts_down; }
  log "network stopped (state kept in $CITYDIR_HOME)"
}

cmd_clean() {
  (($# == 0)) || usage_error "clean takes no arguments"
  cmd_down
  # Refuse to delete anything that does not look like a network state directory.
  case "$CITYDIR_HOME" in /|"$HOME"|"$REPO_DIR") die "refusing to delete $CITYDIR_HOME" ;; esac
  if [[ -d "$CITYDIR_HOME" ]]; then
    [[ -f "$CITYDIR_HOME/topology.env" || -d "$CITYDIR_HOME/crypto" || -d "$PIDS" ]] ||
      die "$CITYDIR_HOME does not look like a citydir network; not deleting it"
    rm -rf "$CITYDIR_HOME"
  fi
  log "removed $CITYDIR_HOME"
}

cmd_status() {
  local json=0
  while (($#)); do
    case $1 in --json) json=1 ;; *) usage_error "unknown flag for status: $1" ;; esac
    shift
  done
  load_topology "" ""
  if [[ "$LEDGER_KIND" == embedded ]]; then
    py_module network.lib.status "$json" "$(gateway_row)" embedded "$EMBEDDED_LEDGER"
    return 0
  fi
  # Without Fabric's CLI the heights cannot be asked for: say so, and still report what runs.
  local unqueried=""
  if find_fabric; then export PATH="$FABRIC_BIN:$PATH"; else unqueried=$FABRIC_MISSING_REASON; fi
  STATUS_UNQUERIED=$unqueried py_module network.lib.status "$json" "$(status_rows "$unqueried")" fabric
}

gateway_row() {  # one line per gateway: the one gateway (org "-"), or each org's own
  local o up
  if [[ "${CITYDIR_GATEWAYS:-single}" != per-org ]]; then
    up=false
    pid_alive gateway && port_in_use "$(gateway_port)" && up=true
    echo "gateway http://127.0.0.1:$(gateway_port) - $up 0"
    return 0
  fi
  for ((o = 0; o < ${#PEER_ORGS[@]}; o++)); do
    up=false
    pid_alive "$(gateway_process "$o")" && port_in_use "$(gateway_port "$o")" && up=true
    echo "gateway http://127.0.0.1:$(gateway_port "$o") $(org_msp "$o") $up 0"
  done
}

# One line per component: kind name org up height; the Python side formats table or JSON.
status_rows() {  # reason the nodes cannot be queried, or ""
  local i o p up h query=1
  [[ -n "${1:-}" ]] && query=0
  for ((i = 0; i < $(orderer_count); i++)); do
    up=false; h=""
    if pid_alive "orderer$i"; then up=true; ((query)) && { h=$(orderer_height "$i") || h=""; }; fi
    echo "orderer orderer$i $ORDERER_MSP $up ${h:--}"
  done
  for ((o = 0; o < ${#PEER_ORGS[@]}; o++)); do
    for ((p = 0; p < $(org_peers "$o"); p++)); do
      up=false; h=""
      if pid_alive "$(peer_process "$o" "$p")"; then up=true; ((query)) && { h=$(peer_height "$o" "$p") || h=""; }; fi
      echo "peer $(peer_name "$o" "$p") $(org_msp "$o") $up ${h:--}"
    done
  done
  local seq=0
  if ((query)) && pid_alive "$(peer_process 0 0)"; then seq=$(committed_sequence) || seq=0; fi
  echo "chaincode $CHAINCODE - $([[ $seq != 0 ]] && echo true || echo false) $seq"
  gateway_row
}

cmd_fabric() {
  case "${1:-}" in
    "") fabric_env; log "Fabric $FABRIC_FOUND_VERSION from $FABRIC_FOUND_FROM: $FABRIC_BIN (config: $FABRIC_SAMPLECONFIG)" ;;
    --check)
      # stdout: where they are, for the tests; stderr: why not.
      find_fabric || { echo "Fabric v3.1.x was not found: $FABRIC_MISSING_REASON" >&2; exit 1; }
      printf 'FABRIC_BIN=%s\nFABRIC_CFG=%s\nFABRIC_VERSION=%s\n' "$FABRIC_BIN" "$FABRIC_SAMPLECONFIG" "$FABRIC_FOUND_VERSION" ;;
    *) usage_error "unknown flag for fabric: $1" ;;
  esac
}

cmd_deploy() {
  (($# == 0)) || usage_error "deploy takes no arguments"
  load_topology "" ""
  if [[ "$LEDGER_KIND" == embedded ]]; then
    pid_alive gateway || die "the gateway is not running; run 'network.sh up' first"
    stop_process gateway
    start_gateway
    log "the gateway restarted with the contract in this checkout (embedded ledger)"
    return 0
  fi
  fabric_env
  pid_alive "$(peer_process 0 0)" || die "the network is not running; run 'network.sh up' first"
  local next=$(( $(committed_sequence) + 1 ))
  deploy_chaincode "$next"
  wait_chaincode_ready
  wait_endorsement_ready
  log "chaincode $CHAINCODE upgraded to sequence $next"
}

cmd_logs() {
  (($# == 1)) || usage_error "logs takes one NODE"
  [[ -f "$LOGS/$1.log" ]] || die "no log for '$1'; known: $(cd "$LOGS" 2>/dev/null && ls -- *.log | sed 's/\.log$//' | tr '\n' ' ')"
  exec tail -n 100 -F "$LOGS/$1.log"
}

main() {
  (($#)) || usage_error "a command is required"
  local cmd=$1; shift
  case $cmd in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    clean) cmd_clean "$@" ;;
    status) cmd_status "$@" ;;
    add-org) cmd_add_org "$@" ;;
    link) cmd_link "$@" ;;
    deploy) cmd_deploy "$@" ;;
    fabric) cmd_fabric "$@" ;;
    logs) cmd_logs "$@" ;;
    help|-h|--help) usage ;;
    *) usage_error "unknown command '$cmd'" ;;
  esac
}

main "$@"
