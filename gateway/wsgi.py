"""WSGI entry point: ``app`` reads its configuration from ``$CITYDIR_GATEWAY_CONFIG`` and writes
its access log (``gateway.accesslog``) to ``$CITYDIR_ACCESS_LOG`` (``-``: stdout, the default;
``off``; or a file).

Serve with one worker process and many threads: ``/api/v1/events`` streams are long-lived (each
holds a thread until its bounded lifetime ends), a committed write holds one for a block or more,
and one process keeps one set of Fabric connections, one block cache, one read cache and one
search index. ``network/gateway.sh`` is the reference::

    CITYDIR_GATEWAY_CONFIG=$CITYDIR_HOME/gateway/gateway.json \\
        granian --interface wsgi --host 127.0.0.1 --port 8080 --workers 1 \\
                --blocking-threads 320 --no-access-log 'gateway.wsgi:app'

Any WSGI server serves it (``gunicorn --threads N --timeout 0 gateway.wsgi:app`` too); if the
server logs requests itself, never let it log the request line, the query string, a Basic user
or the Referer: a credential sent in a URL would land in the log.
"""

from __future__ import annotations

import os

from gateway.accesslog import ACCESS_LOG_ENV, with_access_log
from gateway.app import create_app, warm_up

flask_app = create_app()
warm_up(flask_app)
app = with_access_log(flask_app, os.environ.get(ACCESS_LOG_ENV))
