# shellcheck shell=bash
# Finding Fabric's binaries (v3.1.x) and their default config. Sourced after common.sh.
#
# Looked for in this order; the first complete set whose `peer version` is 3.1.x wins:
#   1. $CITYDIR_FABRIC_BIN (config: $CITYDIR_FABRIC_CFG, else as in 2.)
#   2. the binaries on PATH, symlinks resolved, with their config at $FABRIC_CFG_PATH, else in
#      config/ beside their bin/ (the layout of Fabric's install script), else at
#      /etc/hyperledger/fabric (Fabric's own default config path)
#   3. network/bin, built before (its sampleconfig/ beside it)
#   4. a build from Fabric's Go module at the pinned commit into network/bin (fabric_env only)
# "Config" is a directory holding core.yaml and orderer.yaml.

FABRIC_TOOLS=(peer orderer osnadmin configtxgen configtxlator cryptogen)
FABRIC_VERSION_PATTERN='^3\.1\.'
FABRIC_DEFAULT_CFG=/etc/hyperledger/fabric
MIN_GO_MINOR=26
USER_FABRIC_CFG_PATH="${FABRIC_CFG_PATH:-}"  # ours is set per command later; remember the user's
FABRIC_MISSING_REASON=""

binaries_present() {  # dir
  local t
  for t in "${FABRIC_TOOLS[@]}"; do [[ -x "$1/$t" ]] || return 1; done
}

config_dir_ok() { [[ -n "$1" && -f "$1/core.yaml" && -f "$1/orderer.yaml" ]]; }

# Where a set of binaries in DIR finds its config: FABRIC_CFG_PATH, ../config, /etc/hyperledger/fabric.
config_for() {  # bin dir -> config dir, or return 1
  local c
  for c in "$USER_FABRIC_CFG_PATH" "$(dirname "$1")/config" "$FABRIC_DEFAULT_CFG"; do
    if config_dir_ok "$c"; then echo "$c"; return 0; fi
  done
  return 1
}

# A candidate DIR with config CFG: all tools there, and `peer version` says 3.1.x.
try_fabric() {  # dir, config dir, where it came from
  local dir=$1 cfg=$2 from=$3 version
  if ! binaries_present "$dir"; then
    FABRIC_MISSING_REASON="$from ($dir) lacks one of: ${FABRIC_TOOLS[*]}"
    return 1
  fi
  version=$("$dir/peer" version 2>&1 | sed -n 's/^ *Version: *//p' | head -1)
  if ! [[ "$version" =~ $FABRIC_VERSION_PATTERN ]]; then
    FABRIC_MISSING_REASON="$from: $dir/peer version reports '${version:-nothing}', not 3.1.x"
    return 1
  fi
  if ! config_dir_ok "$cfg"; then
    FABRIC_MISSING_REASON="$from: found Fabric $version in $dir but no config (core.yaml, orderer.yaml) at \$FABRIC_CFG_PATH, $(dirname "$dir")/config or $FABRIC_DEFAULT_CFG"
    return 1
  fi
  FABRIC_BIN=$dir FABRIC_SAMPLECONFIG=$cfg FABRIC_FOUND_VERSION=$version FABRIC_FOUND_FROM=$from
}

# Steps 1-3 above, without building. Sets FABRIC_BIN/FABRIC_SAMPLECONFIG, or FABRIC_MISSING_REASON.
find_fabric() {
  local reasons=() peer_path dir
  if [[ -n "${CITYDIR_FABRIC_BIN:-}" ]]; then
    try_fabric "$CITYDIR_FABRIC_BIN" "${CITYDIR_FABRIC_CFG:-$(config_for "$CITYDIR_FABRIC_BIN")}" CITYDIR_FABRIC_BIN && return 0
    reasons+=("$FABRIC_MISSING_REASON")
  fi
  if peer_path=$(command -v peer 2>/dev/null); then
    dir=$(dirname "$(readlink -f "$peer_path")")
    try_fabric "$dir" "$(config_for "$dir")" "PATH" && return 0
    reasons+=("$FABRIC_MISSING_REASON")
  else
    reasons+=("no 'peer' binary on PATH")
  fi
  if [[ -f "$NETWORK_DIR/bin/.version" && "$(cat "$NETWORK_DIR/bin/.version")" == "$FABRIC_COMMIT" ]]; then
    try_fabric "$NETWORK_DIR/bin" "$NETWORK_DIR/bin/sampleconfig" network/bin && return 0
    reasons+=("$FABRIC_MISSING_REASON")
  else
    reasons+=("network/bin holds no build of Fabric ${FABRIC_COMMIT:0:12}")
  fi
  FABRIC_MISSING_REASON=$(IFS=';'; echo "${reasons[*]}" | sed 's/;/; /g')
  return 1
}

# Step 4: build into network/bin from Fabric's Go module. Returns 1 with FABRIC_MISSING_REASON.
build_fabric() {
  local bin="$NETWORK_DIR/bin" mod t src v minor
  if ! command -v go >/dev/null 2>&1; then
    FABRIC_MISSING_REASON="Go is not installed, so Fabric cannot be built from its Go module"
    return 1
  fi
  v=$(go env GOVERSION); minor=$(echo "$v" | sed -E 's/^go1\.([0-9]+).*/\1/')
  if ! [[ "$minor" =~ ^[0-9]+$ && "$minor" -ge $MIN_GO_MINOR ]]; then
    FABRIC_MISSING_REASON="Go $v is too old to build Fabric v3.1.5 (Go 1.${MIN_GO_MINOR} or newer is needed)"
    return 1
  fi
  log "building Fabric v3.1.5 (${FABRIC_COMMIT:0:12}) from its Go module into $bin; the first build takes minutes"
  mod=$(mktemp -d)
  # A throwaway module: Fabric's go.mod has no /v3 suffix, so it is required by commit.
  (cd "$mod" && go mod init citydir.local/fabric-tools >/dev/null 2>&1)
  if ! (cd "$mod" && go get "github.com/hyperledger/fabric@$FABRIC_COMMIT") 2>"$mod/get.log"; then
    FABRIC_MISSING_REASON="'go get github.com/hyperledger/fabric@${FABRIC_COMMIT:0:12}' failed: $(grep -m1 -E 'go: |error' "$mod/get.log" || tail -1 "$mod/get.log")"
    rm -rf "$mod"
    return 1
  fi
  mkdir -p "$bin"
  for t in "${FABRIC_TOOLS[@]}"; do
    log "  go build $t"
    if ! (cd "$mod" && go build -o "$bin/$t" "github.com/hyperledger/fabric/cmd/$t"); then
      FABRIC_MISSING_REASON="go build of $t failed"
      rm -rf "$mod"
      return 1
    fi
  done
  src=$(cd "$mod" && go list -m -f '{{.Dir}}' github.com/hyperledger/fabric)
  rm -rf "$bin/sampleconfig" && cp -r "$src/sampleconfig" "$bin/sampleconfig" && chmod -R u+w "$bin/sampleconfig"
  echo "$FABRIC_COMMIT" > "$bin/.version"
  rm -rf "$mod"
  try_fabric "$bin" "$bin/sampleconfig" network/bin
}

# The one paragraph a user gets when Fabric cannot be had.
fabric_missing_paragraph() {
  cat >&2 <<EOF
Fabric v3.1.x was not found: $FABRIC_MISSING_REASON.
To run citydir on Fabric, put Fabric's binaries (${FABRIC_TOOLS[*]}) on PATH with their config
at \$FABRIC_CFG_PATH, in config/ beside their bin/ (as Fabric's install script lays them out) or
at /etc/hyperledger/fabric; or set CITYDIR_FABRIC_BIN (and CITYDIR_FABRIC_CFG); or let
'network.sh fabric' build them from Fabric's Go module.
EOF
}

# Find (or build) Fabric and put it on PATH; die with the paragraph when it cannot be had.
fabric_env() {
  if ! find_fabric; then
    local found=$FABRIC_MISSING_REASON
    if ! build_fabric; then
      FABRIC_MISSING_REASON="$found; $FABRIC_MISSING_REASON"
      fabric_missing_paragraph
      exit 1
    fi
  fi
  export PATH="$FABRIC_BIN:$PATH"
}
