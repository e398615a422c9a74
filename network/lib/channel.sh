# shellcheck shell=bash
# Channel participation: orderers join with osnadmin, peers with `peer channel join`.

osnadmin_args() {  # orderer index
  local admin; admin=$(orderer_admin_dir)
  echo "-o $(orderer_host "$1"):$(orderer_admin_port "$1") --ca-file $(orderer_ca) --client-cert $admin/tls/client.crt --client-key $admin/tls/client.key"
}

join_orderers() {
  local i
  for ((i = 0; i < $(orderer_count); i++)); do
    # shellcheck disable=SC2046
    if osnadmin channel list $(osnadmin_args "$i") 2>/dev/null | grep -q "\"name\": *\"$CHANNEL\""; then
      continue
    fi
    log "orderer$i joins channel '$CHANNEL'"
    # shellcheck disable=SC2046
    osnadmin channel join --channelID "$CHANNEL" --config-block "$ARTIFACTS/$CHANNEL.block" $(osnadmin_args "$i") \
      >>"$LOGS/osnadmin.log" 2>&1 || die "orderer$i could not join '$CHANNEL'; see $LOGS/osnadmin.log"
  done
}

join_peers() {
  local o p
  for ((o = 0; o < ${#PEER_ORGS[@]}; o++)); do
    for ((p = 0; p < $(org_peers "$o"); p++)); do
      as_org_admin "$o" "$p"
      if peer channel list 2>/dev/null | grep -qx "$CHANNEL"; then continue; fi
      log "$(peer_name "$o" "$p") joins channel '$CHANNEL'"
      local i
      for ((i = 0; i < 20; i++)); do  # the peer may still be opening its ledger
        peer channel join -b "$ARTIFACTS/$CHANNEL.block" >>"$LOGS/peer-cli.log" 2>&1 && break
        sleep 1
      done
      ((i < 20)) || die "$(peer_name "$o" "$p") could not join '$CHANNEL'; see $LOGS/peer-cli.log"
    done
  done
}

peer_height() {  # org, peer -> height or empty
  as_org_admin "$1" "$2"
  peer channel getinfo -c "$CHANNEL" 2>/dev/null | sed -n 's/.*"height":\([0-9]*\).*/\1/p'
}

orderer_height() {  # index -> height or empty
  # shellcheck disable=SC2046
  osnadmin channel list --channelID "$CHANNEL" $(osnadmin_args "$1") 2>/dev/null | sed -n 's/.*"height": *\([0-9]*\).*/\1/p'
}

# Ordering works once some orderer leads the channel (Raft or SmartBFT); after a restart
# that takes an election, and until then every broadcast is refused.
orderer_is_leader() {  # index
  "$PYTHON" - "$(orderer_ops_port "$1")" "$CHANNEL" "$(orderer_host "$1")" <<'PY' 2>/dev/null
import re, sys, urllib.request
text = urllib.request.urlopen(f"http://{sys.argv[3]}:{sys.argv[1]}/metrics", timeout=2).read().decode()
leader = re.search(r'^consensus_(etcdraft|BFT)_is_leader\{channel="%s"\} 1$' % re.escape(sys.argv[2]), text, re.M)
sys.exit(0 if leader else 1)
PY
}

wait_ordering_ready() {
  local t i
  for ((t = 0; t < 120; t++)); do
    for ((i = 0; i < $(orderer_count); i++)); do
      orderer_is_leader "$i" && return 0
    done
    sleep 1
  done
  die "no orderer leads channel '$CHANNEL' after 120s; see $LOGS/orderer*.log"
}
