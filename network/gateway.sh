#!/usr/bin/env bash
# Run the REST gateway (Flask app under granian) in the foreground, on loopback only.
# Threads rather than processes: Server-Sent Events hold a connection open.
# Without ORG: the one gateway (every org's identities); with ORG (0-based): that org's own
# gateway (up --gateway-per-org), which holds only its org's identities.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
org=${1:-}
export CITYDIR_GATEWAY_CONFIG; CITYDIR_GATEWAY_CONFIG=$(gateway_config "$org")
[[ -f "$CITYDIR_GATEWAY_CONFIG" ]] || die "no gateway config at $CITYDIR_GATEWAY_CONFIG; run network.sh up"
cd "$REPO_DIR"
# With --hosts an org's gateway listens on its host's test address; network.sh forwards
# 127.0.0.1:<same port> to it for the developer.
bind=127.0.0.1
[[ -n "$org" ]] && bind=$(org_host "$org")
# granian: the HTTP/1.1 side (parsing, keep-alive, writing) runs in Rust, so the Python workers
# spend their cores on the app: about 3x the requests per CPU second of gunicorn's gthread
# worker, whose parsing and access logging took more of it than Flask did. The access log is
# the app's own (gateway/accesslog.py: no credential, one write per request), on stdout.
# CITYDIR_GATEWAY_WORKERS processes (default 2: one Python interpreter holds one core at a time),
# each with its own Fabric connections, read cache, search index and event stream
# (docs/reads.md); what one must see of another's requests (callers' last writes, metrics,
# import jobs) is in the run directory, emptied here. One blocking thread per request in
# flight: a committed write holds its thread for a block or more, and an event stream (SSE) for
# its lifetime; threads waiting on Fabric cost no CPU.
workers=${CITYDIR_GATEWAY_WORKERS:-2}
[[ "$workers" =~ ^[1-9][0-9]?$ ]] || die "CITYDIR_GATEWAY_WORKERS must be a number from 1 to 99, not '$workers'"
export CITYDIR_GATEWAY_RUN="${CITYDIR_GATEWAY_CONFIG%.json}.run"
rm -rf "$CITYDIR_GATEWAY_RUN" && mkdir -m 700 "$CITYDIR_GATEWAY_RUN"
exec "$(dirname "$PYTHON")/granian" --interface wsgi --host "$bind" --port "$(gateway_port "$org")" \
  --workers "$workers" --blocking-threads 320 --backpressure 1024 --no-ws --workers-kill-timeout 5 \
  --no-access-log 'gateway.wsgi:app'
