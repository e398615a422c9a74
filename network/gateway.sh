#!/usr/bin/env bash
# Run the REST gateway (Flask app under gunicorn) in the foreground, on loopback only.
# Threads rather than processes: Server-Sent Events hold a connection open.
# Without ORG: the one gateway (every org's identities); with ORG (0-based): that org's own
# gateway (up --gateway-per-org), which holds only its org's identities.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
org=${1:-}
export CITYDIR_GATEWAY_CONFIG; CITYDIR_GATEWAY_CONFIG=$(gateway_config "$org")
[[ -f "$CITYDIR_GATEWAY_CONFIG" ]] || die "no gateway config at $CITYDIR_GATEWAY_CONFIG; run network.sh up"
cd "$REPO_DIR"
# The access log is combined-format shaped but never carries a credential: the path without its
# query string (%(U)s, not the raw request line %(r)s), no user (%(u)s is decoded from a Basic
# Authorization header, e.g. `curl -u "$TOKEN:"`) and no Referer (another page's URL and query).
ACCESS_LOG_FORMAT='%(h)s - - %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "-" "%(a)s"'
# No control socket: gunicorn's default path ($HOME/.gunicorn/gunicorn.ctl) is shared by every
# gateway of this user (test networks run side by side), and nothing here uses gunicornc.
# With --hosts an org's gateway listens on its host's test address; network.sh forwards
# 127.0.0.1:<same port> to it for the developer.
bind=127.0.0.1
[[ -n "$org" ]] && bind=$(org_host "$org")
# One thread per request in flight: a committed write holds its thread for a block or more, so
# 64 threads capped 256 concurrent writers at 64 (threads waiting on Fabric cost no CPU).
exec "$(dirname "$PYTHON")/gunicorn" --bind "$bind:$(gateway_port "$org")" --workers 1 --threads 320 \
  --timeout 0 --graceful-timeout 5 --access-logfile - --access-logformat "$ACCESS_LOG_FORMAT" \
  --no-control-socket 'gateway.wsgi:app'
