# shellcheck shell=bash
# Shared settings for every network script: where state lives, which ports, which binaries.
# Sourced, never run. Everything derives from CITYDIR_HOME and CITYDIR_BASE_PORT so a test
# network can run beside a developer's network; what derives how is network/lib/layout.py's.

NETWORK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_DIR="$(cd "$NETWORK_DIR/.." && pwd)"

# How far a client's proposal timestamp may be from a node's clock (Fabric's default: 15m). The
# chaincode judges expiry by that timestamp, so this bounds how far a client can backdate a use;
# 5 minutes still tolerates the clock skew of departments' NTP-synchronised hosts.
export CITYDIR_AUTH_TIMEWINDOW="${CITYDIR_AUTH_TIMEWINDOW:-5m}"
# Everything under CITYDIR_HOME (keys, tokens, logs) is for this user only.
umask 077

FABRIC_COMMIT=86c1172bec37e6590c6b1ae6f847833df48d65fc   # Fabric v3.1.5
PYTHON="${CITYDIR_PYTHON:-$REPO_DIR/.venv/bin/python}"

log()  { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[1;33mwarning:\033[0m %s\n' "$*" >&2; }
die()  { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# The Python helpers are modules of the package network.lib (python -m network.lib.seed, ...),
# run from this checkout whatever the working directory: PYTHONPATH names REPO_DIR, and
# PYTHONSAFEPATH keeps the working directory off sys.path.
py_module() {  # module, args...
  PYTHONPATH="$REPO_DIR${PYTHONPATH:+:$PYTHONPATH}" PYTHONSAFEPATH=1 "$PYTHON" -m "$@"
}

# Names, ports and paths come from network/lib/layout.py, the one definition of the network
# (it reads CITYDIR_HOME and CITYDIR_BASE_PORT, and sets their defaults). It needs only the
# standard library, so before `make venv` any python3 will do (for `network.sh help`, ...).
load_layout() {
  local env
  env=$(python_for_layout -m network.lib.layout env) || die "could not read the network layout (network/lib/layout.py)"
  eval "$env"
}

python_for_layout() {  # python args...: the venv's Python, else any python3
  local python=$PYTHON
  [[ -x "$python" ]] || python=$(command -v python3) || die "no Python: neither $PYTHON nor python3 was found"
  PYTHON=$python py_module "${@:2}"
}
load_layout

# Raft by default (CITYDIR_CONSENSUS, set with the other defaults by layout.py); bft: SmartBFT.
orderer_count() { if [[ "$CITYDIR_CONSENSUS" == bft ]]; then echo "${ORDERER_COUNT[bft]}"; else echo "${ORDERER_COUNT[raft]}"; fi; }

# Ports (their layout: network/lib/layout.py); orderer I, org O, peer P, all 0-based.
orderer_port()       { echo "${ORDERER_PORTS[$1]}"; }
orderer_admin_port() { echo "${ORDERER_ADMIN_PORTS[$1]}"; }
orderer_ops_port()   { echo "${ORDERER_OPS_PORTS[$1]}"; }
peer_port()          { echo "${PEER_PORTS[$1.$2]}"; }
peer_cc_port()       { echo "${PEER_CC_PORTS[$1.$2]}"; }
peer_ops_port()      { echo "${PEER_OPS_PORTS[$1.$2]}"; }
ccaas_port()         { echo "${CCAAS_PORTS[$1]}"; }
gateway_port()       { if [[ -n "${1:-}" ]]; then echo "${GATEWAY_PORTS[$1]}"; else echo "$GATEWAY_PORT"; fi; }
# Org O's own gateway config (per-org gateways); without O, the one gateway's.
gateway_config()     { if [[ -n "${1:-}" ]]; then echo "${GATEWAY_CONFIGS[$1]}"; else echo "$GATEWAY_CONFIG"; fi; }

# Where nodes listen: 127.0.0.1, or (up --hosts) each orderer's and each org's test address,
# in a network namespace of its own ("" without --hosts).
orderer_host()  { echo "${ORDERER_HOSTS[$1]}"; }
org_host()      { echo "${ORG_HOSTS[$1]}"; }
orderer_netns() { echo "${ORDERER_NETNS[$1]}"; }
org_netns()     { echo "${ORG_NETNS[$1]}"; }

org_msp()   { echo "${PEER_ORGS[$1]%%:*}"; }
org_label() { echo "${PEER_ORGS[$1]##*:}"; }
org_domain() { echo "${ORG_DOMAINS[$1]}"; }
# How many peers org O runs: its own count (an org added with --peers), else the network's.
org_peers() { local n=${ORG_PEER_COUNTS[$1]:-0}; if ((n)); then echo "$n"; else echo "$CITYDIR_PEERS_PER_ORG"; fi; }
peer_name() { echo "${PEER_NAMES[$1.$2]}"; }
orderer_name() { echo "${ORDERER_NAMES[$1]}"; }

org_dir()     { echo "${ORG_DIRS[$1]}"; }
peer_dir()    { echo "${PEER_DIRS[$1.$2]}"; }
admin_msp()   { echo "${ADMIN_MSPS[$1]}"; }
orderer_dir() { echo "${ORDERER_DIRS[$1]}"; }
orderer_admin_dir() { echo "$ORDERER_ADMIN_DIR"; }
orderer_ca()  { echo "$ORDERER_CA"; }

# Fabric binaries and default configs: set by find_fabric / fabric_env (lib/fabric-bin.sh).
FABRIC_BIN=""
FABRIC_SAMPLECONFIG=""
# Which ledger: "" (Fabric when found, else embedded), fabric or embedded.
CITYDIR_LEDGER="${CITYDIR_LEDGER:-}"

# --- processes -----------------------------------------------------------------------------

port_in_use() {  # port [host [netns]]: something listens there (seen from inside NETNS)
  if [[ -n "${3:-}" ]]; then
    ip netns exec "$3" bash -c "(exec 3<>/dev/tcp/${2:-127.0.0.1}/$1) 2>/dev/null"
  else
    (exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null
  fi
}

require_free_port() {  # port, what [, host]
  if port_in_use "$1" "${3:-}"; then
    die "port $1 (needed for $2) is already in use on ${3:-127.0.0.1}; stop what holds it, or choose another base with CITYDIR_BASE_PORT"
  fi
}

wait_for_port() {  # port, what, seconds [, host [, netns]]
  local i
  for ((i = 0; i < ${3:-30} * 10; i++)); do
    port_in_use "$1" "${4:-}" "${5:-}" && return 0
    sleep 0.1
  done
  die "$2 did not open port $1 within ${3:-30}s; see its log in $LOGS"
}

# Alive and not a zombie: a killed process stays a zombie until it is reaped, and kill -0
# still succeeds on it.
process_alive() {  # pid
  kill -0 "$1" 2>/dev/null || return 1
  local state; state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
  [[ -n "$state" && "$state" != Z ]]
}

pid_alive() { [[ -f "$PIDS/$1.pid" ]] && process_alive "$(cat "$PIDS/$1.pid")"; }

# Start a background process whose PID we record, so `down` stops exactly what `up` started.
start_process() {  # name, command...
  local name=$1; shift
  mkdir -p "$LOGS" "$PIDS"
  if pid_alive "$name"; then
    log "$name already running (pid $(cat "$PIDS/$name.pid"))"
    return 0
  fi
  touch "$LOGS/$name.log" && chmod 600 "$LOGS/$name.log"  # also a log made before the umask
  # NODE_NETNS (up --hosts): in that network namespace; `ip netns exec` execs, so the PID stays.
  if [[ -n "${NODE_NETNS:-}" ]]; then
    setsid ip netns exec "$NODE_NETNS" "$@" >>"$LOGS/$name.log" 2>&1 < /dev/null &
  else
    setsid "$@" >>"$LOGS/$name.log" 2>&1 < /dev/null &
  fi
  echo $! > "$PIDS/$name.pid"
}

stop_process() {  # name
  stop_processes "$1"
}

# Stop several recorded processes at once: TERM to each process group, then KILL whatever still
# runs after a shared grace period (STOP_GRACE seconds, default 5).
stop_processes() {  # names...
  local name pid pids=() groups=() i
  for name in "$@"; do
    [[ -f "$PIDS/$name.pid" ]] || continue
    pid=$(cat "$PIDS/$name.pid")
    if process_alive "$pid"; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
      groups+=("$pid")
    fi
    rm -f "$PIDS/$name.pid"
  done
  for ((i = 0; i < ${STOP_GRACE:-5} * 10 && ${#pids[@]}; i++)); do
    local alive=()
    for pid in "${pids[@]}"; do process_alive "$pid" && alive+=("$pid"); done
    pids=("${alive[@]}")
    ((${#pids[@]})) && sleep 0.1
  done
  # Whatever is left of each group (a leader may be gone while a child still runs, such as a
  # gateway's worker processes), and then until it is gone: what comes next (removing a test
  # host's namespace, reusing a port) must not race a process that is still exiting.
  for pid in "${groups[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for pid in "${groups[@]}"; do
    for ((i = 0; i < 50; i++)); do session_alive "$pid" || break; sleep 0.1; done
  done
}

# Any process of the session a recorded process leads (start_process: setsid), zombies aside.
session_alive() {  # session id
  ps -o stat= -s "$1" 2>/dev/null | grep -qv '^Z'
}

# --- identities for the peer CLI ------------------------------------------------------------

# Act as an org's admin against one of its peers (peer CLI environment).
as_org_admin() {  # org index, peer index
  export FABRIC_CFG_PATH="$CONFIG/peer"
  export FABRIC_LOGGING_SPEC=warning  # the CLI's gRPC chatter buries its answer
  export CORE_PEER_TLS_ENABLED=true
  export CORE_PEER_LOCALMSPID; CORE_PEER_LOCALMSPID=$(org_msp "$1")
  export CORE_PEER_MSPCONFIGPATH; CORE_PEER_MSPCONFIGPATH=$(admin_msp "$1")
  export CORE_PEER_ADDRESS; CORE_PEER_ADDRESS="$(org_host "$1"):$(peer_port "$1" "${2:-0}")"
  export CORE_PEER_TLS_ROOTCERT_FILE; CORE_PEER_TLS_ROOTCERT_FILE="$(peer_dir "$1" "${2:-0}")/tls/ca.crt"
}

orderer_args() {  # the flags every peer CLI call that talks to the orderer needs
  echo "-o $(orderer_host 0):$(orderer_port 0) --tls --cafile $(orderer_ca)"
}

require_free_port_unless_ours() {  # process name, port, what
  pid_alive "$1" || require_free_port "$2" "$3"
}
