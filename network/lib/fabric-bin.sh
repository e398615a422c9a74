# shellcheck shell=bash
# Fabric's binaries, built from its Go module at a pinned commit into network/bin (git-ignored).
# Sourced after common.sh. CITYDIR_FABRIC_BIN / CITYDIR_FABRIC_CFG point at binaries and
# sampleconfig you already have (of the same version) instead.

FABRIC_TOOLS=(peer orderer osnadmin configtxgen configtxlator cryptogen)
MIN_GO_MINOR=26

check_go() {
  command -v go >/dev/null 2>&1 || die "Go is not installed; install Go 1.${MIN_GO_MINOR} or newer (https://go.dev/doc/install) and re-run"
  local v minor
  v=$(go env GOVERSION)           # e.g. go1.26.8
  minor=$(echo "$v" | sed -E 's/^go1\.([0-9]+).*/\1/')
  [[ "$minor" =~ ^[0-9]+$ && "$minor" -ge $MIN_GO_MINOR ]] ||
    die "Go $v is too old; Fabric v3.1.5 here is built with Go 1.${MIN_GO_MINOR} or newer"
}

binaries_present() {  # dir
  local t
  for t in "${FABRIC_TOOLS[@]}"; do [[ -x "$1/$t" ]] || return 1; done
}

# Build into network/bin unless the pinned version is already there.
build_fabric() {
  local bin="$NETWORK_DIR/bin"
  if binaries_present "$bin" && [[ "$(cat "$bin/.version" 2>/dev/null)" == "$FABRIC_COMMIT" ]] &&
     [[ -f "$bin/sampleconfig/core.yaml" ]]; then
    return 0
  fi
  check_go
  log "building Fabric v3.1.5 (${FABRIC_COMMIT:0:12}) from its Go module into $bin; the first build takes minutes"
  local mod; mod=$(mktemp -d)
  # A throwaway module: Fabric's go.mod has no /v3 suffix, so it is required by commit.
  (cd "$mod" && go mod init citydir.local/fabric-tools >/dev/null 2>&1) || die "go mod init failed"
  if ! (cd "$mod" && go get "github.com/hyperledger/fabric@$FABRIC_COMMIT"); then
    rm -rf "$mod"
    die "could not fetch Fabric's Go module: 'go get github.com/hyperledger/fabric@$FABRIC_COMMIT' failed (see above)"
  fi
  mkdir -p "$bin"
  local t
  for t in "${FABRIC_TOOLS[@]}"; do
    log "  go build $t"
    (cd "$mod" && go build -o "$bin/$t" "github.com/hyperledger/fabric/cmd/$t") || { rm -rf "$mod"; die "go build of $t failed"; }
  done
  local src
  src=$(cd "$mod" && go list -m -f '{{.Dir}}' github.com/hyperledger/fabric) || die "cannot locate Fabric's module directory"
  rm -rf "$bin/sampleconfig" && cp -r "$src/sampleconfig" "$bin/sampleconfig" && chmod -R u+w "$bin/sampleconfig"
  echo "$FABRIC_COMMIT" > "$bin/.version"
  rm -rf "$mod"
}

# Resolve FABRIC_BIN and FABRIC_SAMPLECONFIG, building if needed, and put the binaries on PATH.
fabric_env() {
  if [[ -n "$FABRIC_BIN" ]]; then
    binaries_present "$FABRIC_BIN" || die "CITYDIR_FABRIC_BIN=$FABRIC_BIN lacks one of: ${FABRIC_TOOLS[*]}"
    [[ -n "$FABRIC_SAMPLECONFIG" && -f "$FABRIC_SAMPLECONFIG/core.yaml" ]] ||
      die "with CITYDIR_FABRIC_BIN, set CITYDIR_FABRIC_CFG to Fabric's sampleconfig directory (core.yaml, orderer.yaml)"
  else
    build_fabric
    FABRIC_BIN="$NETWORK_DIR/bin"
    FABRIC_SAMPLECONFIG="${FABRIC_SAMPLECONFIG:-$FABRIC_BIN/sampleconfig}"
  fi
  export PATH="$FABRIC_BIN:$PATH"
}
