"""WSGI entry point: ``app`` reads its configuration from ``$CITYDIR_GATEWAY_CONFIG`` and writes
its access log (``gateway.accesslog``) to ``$CITYDIR_ACCESS_LOG`` (``-``: stdout, the default;
``off``; or a file).

Serve with many threads per worker process: ``/api/v1/events`` streams are long-lived (each holds
a thread until its bounded lifetime ends) and a committed write holds one for a block or more.
More than one worker process needs ``$CITYDIR_GATEWAY_RUN``: a directory they share, empty when
the gateway starts, for what one worker must see of another's requests (``gateway.app``).
``network/gateway.sh`` is the reference::

    CITYDIR_GATEWAY_CONFIG=$CITYDIR_HOME/gateway/gateway.json CITYDIR_GATEWAY_RUN=$(mktemp -d) \\
        granian --interface wsgi --host 127.0.0.1 --port 8080 --workers 2 \\
                --blocking-threads 320 --no-access-log 'gateway.wsgi:app'

Any WSGI server serves it (``gunicorn --threads N --timeout 0 gateway.wsgi:app`` too); if the
server logs requests itself, never let it log the request line, the query string, a Basic user
or the Referer: a credential sent in a URL would land in the log.
"""

from __future__ import annotations

import os
from pathlib import Path

from gateway.accesslog import ACCESS_LOG_ENV, with_access_log
from gateway.app import create_app, warm_up

RUN_ENV = "CITYDIR_GATEWAY_RUN"

_run = os.environ.get(RUN_ENV)
flask_app = create_app(run_dir=Path(_run) if _run else None)
warm_up(flask_app)
app = with_access_log(flask_app, os.environ.get(ACCESS_LOG_ENV))
