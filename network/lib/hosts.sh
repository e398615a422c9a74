# shellcheck shell=bash
# `network.sh up --hosts`: each orderer and each org in a network namespace of its own, as if on
# hosts of their own: a veth pair per host, its bridge end on one bridge ($HOSTS_BRIDGE, which
# has $HOSTS_BRIDGE_ADDR, the developer's side), a private test address per host
# (network/lib/layout.py). Nodes listen on their host's address only; the CLI reaches them over
# the bridge; each org's gateway is forwarded to 127.0.0.1. `down` removes what `up` made here.

hosts_each() {  # callback netns veth address: every orderer's and every org's host
  local i o
  for ((i = 0; i < $(orderer_count); i++)); do "$1" "$(orderer_netns "$i")" "${ORDERER_VETHS[$i]}" "$(orderer_host "$i")"; done
  for ((o = 0; o < ${#PEER_ORGS[@]}; o++)); do "$1" "$(org_netns "$o")" "${ORG_VETHS[$o]}" "$(org_host "$o")"; done
}

hosts_up() {
  ((CITYDIR_HOSTS)) || return 0
  command -v ip >/dev/null || die "--hosts needs iproute2's ip (network namespaces)"
  if ! ip link show "$HOSTS_BRIDGE" >/dev/null 2>&1; then
    log "creating bridge $HOSTS_BRIDGE ($HOSTS_BRIDGE_ADDR/24) for the test hosts"
    ip link add "$HOSTS_BRIDGE" type bridge || die "could not create bridge $HOSTS_BRIDGE (--hosts needs CAP_NET_ADMIN)"
    ip addr add "$HOSTS_BRIDGE_ADDR/24" dev "$HOSTS_BRIDGE"
    ip link set "$HOSTS_BRIDGE" up
  fi
  hosts_each host_up
}

host_up() {  # netns, veth, address
  local ns=$1 veth=$2 addr=$3
  ip netns list | grep -qw "^$ns" || ip netns add "$ns"
  ip link show "$veth" >/dev/null 2>&1 && return 0
  ip link add "$veth" type veth peer name "${veth}n"
  ip link set "${veth}n" netns "$ns"
  ip -n "$ns" link set "${veth}n" name eth0
  ip -n "$ns" addr add "$addr/24" dev eth0
  ip -n "$ns" link set lo up
  ip -n "$ns" link set eth0 up
  ip link set "$veth" master "$HOSTS_BRIDGE"
  ip link set "$veth" up
}

# Remove every namespace and link of this network (a namespace takes its veth pair with it).
hosts_down() {
  [[ "${CITYDIR_HOSTS:-0}" == 1 ]] || return 0
  hosts_each host_down
  if ip link show "$HOSTS_BRIDGE" >/dev/null 2>&1; then ip link del "$HOSTS_BRIDGE"; fi
  log "removed the test hosts' namespaces and bridge $HOSTS_BRIDGE"
}

host_down() {  # netns, veth, address
  local i
  # The kernel may refuse for a moment while the namespace's last processes finish exiting.
  for ((i = 0; i < 20; i++)); do
    ip netns list | grep -qw "^$1" || break
    ip netns del "$1" 2>/dev/null || sleep 0.1
  done
  if ip netns list | grep -qw "^$1"; then ip netns del "$1"; fi  # its own message, if it still fails
  # Its veth goes with the namespace, asynchronously: gone by the time of `del` is fine.
  if ip link show "$2" >/dev/null 2>&1 && ! ip link del "$2" 2>/dev/null && ip link show "$2" >/dev/null 2>&1; then
    die "could not remove the test link $2"
  fi
}

# `network.sh link NODE down|up`: cut a host off the bridge, or bring it back (partition tests).
cmd_link() {
  (($# == 2)) || usage_error "link takes NODE (orderer0.., or an org: databureau, health, ...) and down|up"
  [[ "$2" == down || "$2" == up ]] || usage_error "link NODE takes down or up, not '$2'"
  load_topology "" ""
  [[ "$CITYDIR_HOSTS" == 1 ]] || die "link needs a network made with 'up --hosts'"
  local veth="" i o
  for ((i = 0; i < $(orderer_count); i++)); do [[ "$1" == "orderer$i" ]] && veth=${ORDERER_VETHS[$i]}; done
  for ((o = 0; o < ${#PEER_ORGS[@]}; o++)); do [[ "$1" == "$(org_label "$o")" ]] && veth=${ORG_VETHS[$o]}; done
  [[ -n "$veth" ]] || die "no host '$1'; hosts: $(hosts_names)"
  ip link set "$veth" "$2"
  log "host $1: link $2"
}

hosts_names() {
  local i o out=()
  for ((i = 0; i < $(orderer_count); i++)); do out+=("orderer$i"); done
  for ((o = 0; o < ${#PEER_ORGS[@]}; o++)); do out+=("$(org_label "$o")"); done
  echo "${out[*]}"
}
