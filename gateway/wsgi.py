"""WSGI entry point: ``app`` reads its configuration from ``$CITYDIR_GATEWAY_CONFIG``.

Serve with threads, not processes: ``/api/v1/events`` streams are long-lived (each holds a
thread until its bounded lifetime ends), and one process keeps one set of Fabric connections,
one block cache and one search index::

    CITYDIR_GATEWAY_CONFIG=$CITYDIR_HOME/gateway/gateway.json \\
        gunicorn --workers 1 --threads 16 --worker-class gthread --timeout 0 \\
                 --access-logfile - --access-logformat '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s' \\
                 --bind 127.0.0.1:8080 'gateway.wsgi:app'

``--timeout 0`` because an SSE response is legitimately silent between heartbeats for the
gthread worker's watchdog; raise ``--threads`` for more concurrent event streams. Never log
``%(r)s``, ``%(q)s``, ``%(u)s`` or ``%(f)s`` (request line, query, Basic user, Referer): a
credential sent in a URL would land in the log (the API refuses one with 400 TOKEN_IN_QUERY,
but the access log records refused requests too). ``network/gateway.sh`` is the reference.
"""

from __future__ import annotations

from gateway.app import create_app, warm_up

app = create_app()
warm_up(app)
