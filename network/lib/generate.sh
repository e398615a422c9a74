# shellcheck shell=bash
# Crypto material, channel genesis block and node configs under $CITYDIR_HOME.
# Sourced after common.sh and fabric-bin.sh. Each step is skipped when its output exists,
# so `up` can be re-run safely.

generate_crypto() {
  [[ -d "$CRYPTO/peerOrganizations" ]] && return 0
  log "generating crypto material (cryptogen, NodeOUs on)"
  mkdir -p "$CONFIG"
  local i o f="$CONFIG/crypto-config.yaml"
  {
    echo "OrdererOrgs:"
    echo "  - Name: Orderer"
    echo "    Domain: $DOMAIN"
    echo "    EnableNodeOUs: true"
    echo "    Specs:"
    for ((i = 0; i < $(orderer_count); i++)); do
      echo "      - Hostname: orderer$i"
      echo "        SANS: [localhost, 127.0.0.1]"
    done
    echo "PeerOrgs:"
    for ((o = 0; o < ${#PEER_ORGS[@]}; o++)); do
      echo "  - Name: $(org_msp "$o")"
      echo "    Domain: $(org_domain "$o")"
      echo "    EnableNodeOUs: true"
      echo "    Template: {Count: $CITYDIR_PEERS_PER_ORG, SANS: [localhost, 127.0.0.1]}"
      echo "    Users: {Count: 1}"
    done
  } > "$f"
  cryptogen generate --config="$f" --output="$CRYPTO" >/dev/null
}

# configtx.yaml for one application channel, created through osnadmin (no system channel).
generate_configtx() {
  local f="$CONFIG/configtx.yaml" i o
  [[ -f "$f" ]] && return 0
  local ord="$CRYPTO/ordererOrganizations/$DOMAIN"
  {
    cat <<EOF
Organizations:
  - &OrdererOrg
    Name: OrdererMSP
    ID: OrdererMSP
    MSPDir: $ord/msp
    Policies:
      Readers: {Type: Signature, Rule: "OR('OrdererMSP.member')"}
      Writers: {Type: Signature, Rule: "OR('OrdererMSP.member')"}
      Admins: {Type: Signature, Rule: "OR('OrdererMSP.admin')"}
    OrdererEndpoints:
EOF
    for ((i = 0; i < $(orderer_count); i++)); do echo "      - 127.0.0.1:$(orderer_port "$i")"; done
    for ((o = 0; o < ${#PEER_ORGS[@]}; o++)); do
      local m; m=$(org_msp "$o")
      cat <<EOF
  - &$m
    Name: $m
    ID: $m
    MSPDir: $(org_dir "$o")/msp
    Policies:
      Readers: {Type: Signature, Rule: "OR('$m.admin', '$m.peer', '$m.client')"}
      Writers: {Type: Signature, Rule: "OR('$m.admin', '$m.client')"}
      Admins: {Type: Signature, Rule: "OR('$m.admin')"}
      Endorsement: {Type: Signature, Rule: "OR('$m.peer')"}
    AnchorPeers:
      - {Host: 127.0.0.1, Port: $(peer_port "$o" 0)}
EOF
    done
    cat <<EOF
Capabilities:
  Channel: &ChannelCapabilities {V3_0: true}
  Orderer: &OrdererCapabilities {V2_0: true}
  Application: &ApplicationCapabilities {V2_5: true}
Application: &ApplicationDefaults
  Organizations:
  Policies:
    Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
    Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
    Admins: {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
    # A majority of the city's orgs must endorse a new key; once written, a key's own
    # validation parameter (set by the chaincode) names the org that owns it.
    LifecycleEndorsement: {Type: ImplicitMeta, Rule: "MAJORITY Endorsement"}
    Endorsement: {Type: ImplicitMeta, Rule: "MAJORITY Endorsement"}
  Capabilities: *ApplicationCapabilities
Orderer: &OrdererDefaults
  BatchTimeout: 500ms
  BatchSize: {MaxMessageCount: 200, AbsoluteMaxBytes: 10 MB, PreferredMaxBytes: 2 MB}
  Organizations:
  Policies:
    Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
    Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
    Admins: {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
    BlockValidation: {Type: ImplicitMeta, Rule: "ANY Writers"}
  Capabilities: *OrdererCapabilities
EOF
    if [[ "$CITYDIR_CONSENSUS" == bft ]]; then
      echo "  OrdererType: BFT"
      echo "  SmartBFT: {RequestBatchMaxInterval: 200ms, RequestForwardTimeout: 5s, RequestComplainTimeout: 20s, RequestAutoRemoveTimeout: 3m0s, ViewChangeResendInterval: 5s, ViewChangeTimeout: 20s, LeaderHeartbeatTimeout: 1m0s, CollectTimeout: 1s, IncomingMessageBufferSize: 200, RequestPoolSize: 100000, LeaderHeartbeatCount: 10}"
      echo "  ConsenterMapping:"
      for ((i = 0; i < 4; i++)); do
        local d; d=$(orderer_dir "$i")
        echo "    - {ID: $((i + 1)), Host: 127.0.0.1, Port: $(orderer_port "$i"), MSPID: OrdererMSP, Identity: $d/msp/signcerts/$(orderer_name "$i")-cert.pem, ClientTLSCert: $d/tls/server.crt, ServerTLSCert: $d/tls/server.crt}"
      done
    else
      echo "  OrdererType: etcdraft"
      echo "  EtcdRaft:"
      echo "    Consenters:"
      for ((i = 0; i < 3; i++)); do
        local d; d=$(orderer_dir "$i")
        echo "      - {Host: 127.0.0.1, Port: $(orderer_port "$i"), ClientTLSCert: $d/tls/server.crt, ServerTLSCert: $d/tls/server.crt}"
      done
    fi
    cat <<EOF
Channel: &ChannelDefaults
  Policies:
    Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
    Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
    Admins: {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
  Capabilities: *ChannelCapabilities
Profiles:
  CitydirChannel:
    <<: *ChannelDefaults
    Orderer:
      <<: *OrdererDefaults
      Organizations: [*OrdererOrg]
    Application:
      <<: *ApplicationDefaults
      Organizations: [$(for ((o = 0; o < ${#PEER_ORGS[@]}; o++)); do printf '*%s' "$(org_msp "$o")"; ((o < ${#PEER_ORGS[@]} - 1)) && printf ', '; done)]
EOF
  } > "$f"
}

generate_genesis() {
  local block="$ARTIFACTS/$CHANNEL.block"
  [[ -f "$block" ]] && return 0
  log "creating the genesis block of channel '$CHANNEL' ($CITYDIR_CONSENSUS)"
  mkdir -p "$ARTIFACTS"
  configtxgen -configPath "$CONFIG" -profile CitydirChannel -channelID "$CHANNEL" \
    -outputBlock "$block" 2>>"$LOGS/configtxgen.log" || die "configtxgen failed; see $LOGS/configtxgen.log"
}

# Node configs: Fabric's sampleconfig, with our external builder for chaincode-as-a-service.
# Per-node settings (addresses, MSP, TLS, data dirs) are passed as environment variables.
generate_node_configs() {
  [[ -f "$CONFIG/peer/core.yaml" && -f "$CONFIG/orderer/orderer.yaml" ]] && return 0
  mkdir -p "$CONFIG/peer" "$CONFIG/orderer"
  "$PYTHON" "$NETWORK_DIR/lib/core_config.py" "$FABRIC_SAMPLECONFIG/core.yaml" \
    "$NETWORK_DIR/builders/ccaas" > "$CONFIG/peer/core.yaml" || die "could not write the peer core.yaml"
  cp "$FABRIC_SAMPLECONFIG/orderer.yaml" "$CONFIG/orderer/orderer.yaml"
}

generate_all() {
  mkdir -p "$LOGS"
  generate_crypto
  generate_configtx
  generate_genesis
  generate_node_configs
}
