# shellcheck shell=bash
# Crypto material, channel genesis block and node configs under $CITYDIR_HOME; the Fabric
# config files are rendered from their templates in network/config/.
# Sourced after common.sh and fabric-bin.sh. Each step is skipped when its output exists,
# so `up` can be re-run safely.

generate_crypto() {
  [[ -d "$CRYPTO/peerOrganizations" ]] && return 0
  log "generating crypto material (cryptogen, NodeOUs on)"
  render_config crypto-config "$CONFIG/crypto-config.yaml"
  cryptogen generate --config="$CONFIG/crypto-config.yaml" --output="$CRYPTO" >/dev/null
}

# configtx.yaml for one application channel, created through osnadmin (no system channel).
generate_configtx() {
  [[ -f "$CONFIG/configtx.yaml" ]] && return 0
  render_config configtx "$CONFIG/configtx.yaml"
}

# A file from its template in network/config/, with this network's layout (network/lib/render.py).
render_config() {  # what (configtx, crypto-config), file
  mkdir -p "$(dirname "$2")"
  py_module network.lib.render "$1" > "$2.tmp" || { rm -f "$2.tmp"; die "could not render $2 from network/config/$1.yaml.j2"; }
  mv "$2.tmp" "$2"
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
  py_module network.lib.core_config "$FABRIC_SAMPLECONFIG/core.yaml" \
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
