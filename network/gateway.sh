#!/usr/bin/env bash
# Run the REST gateway (Flask app under gunicorn) in the foreground, on loopback only.
# Threads rather than processes: Server-Sent Events hold a connection open.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
export CITYDIR_GATEWAY_CONFIG="$GATEWAY_CONFIG"
[[ -f "$CITYDIR_GATEWAY_CONFIG" ]] || die "no gateway config at $CITYDIR_GATEWAY_CONFIG; run network.sh up"
cd "$REPO_DIR"
# The access log is combined-format shaped but never carries a credential: the path without its
# query string (%(U)s, not the raw request line %(r)s), no user (%(u)s is decoded from a Basic
# Authorization header, e.g. `curl -u "$TOKEN:"`) and no Referer (another page's URL and query).
ACCESS_LOG_FORMAT='%(h)s - - %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "-" "%(a)s"'
# No control socket: gunicorn's default path ($HOME/.gunicorn/gunicorn.ctl) is shared by every
# gateway of this user (test networks run side by side), and nothing here uses gunicornc.
exec "$(dirname "$PYTHON")/gunicorn" --bind "127.0.0.1:$(gateway_port)" --workers 1 --threads 64 \
  --timeout 0 --graceful-timeout 5 --access-logfile - --access-logformat "$ACCESS_LOG_FORMAT" \
  --no-control-socket 'gateway.wsgi:app'
