#!/usr/bin/env bash
# Run the REST gateway (Flask app under gunicorn) in the foreground, on loopback only.
# Threads rather than processes: Server-Sent Events hold a connection open.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
export CITYDIR_GATEWAY_CONFIG="$CITYDIR_HOME/gateway/gateway.json"
[[ -f "$CITYDIR_GATEWAY_CONFIG" ]] || die "no gateway config at $CITYDIR_GATEWAY_CONFIG; run network.sh up"
cd "$REPO_DIR"
exec "$(dirname "$PYTHON")/gunicorn" --bind "127.0.0.1:$(gateway_port)" --workers 1 --threads 64 \
  --timeout 0 --graceful-timeout 5 --access-logfile - 'gateway.wsgi:app'
