"""The gateway's Flask application: the REST API (``gateway.api``, under ``/api/v1``) and the
admin web page (``gateway.web``, a client of the API like any other), side by side.

``create_app`` builds the per-app services once (``gateway.api.services``) and registers both;
``warm_up`` starts what should not wait for the first request.

A gateway may run as several worker processes (``network/gateway.sh``). What a request in one must
see of another's is kept in their shared run directory: each caller's last write (for reading its
own writes), the metrics, and the import jobs. The rest (Fabric connections, the read cache, the
search index, the block cache) is each worker's own, each fed by its own event stream.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request

from chaincode.interface import ARGUMENT_SCHEMAS
from gateway.api import BLUEPRINTS
from gateway.api.auth import refuse_credentials_in_query
from gateway.api.errors import register_error_handlers
from gateway.api.ledger import ChaincodeEvent, LedgerFactory
from gateway.api.marks import SharedWriteMarks, WriteMarks
from gateway.api.metrics import Metrics
from gateway.api.provenance import Provenance
from gateway.api.readcache import ReadCache
from gateway.api.routes import API_PREFIX
from gateway.api.search import CatalogIndex
from gateway.api.services import EXTENSION, Services
from gateway.ckan import ckan_bp
from gateway.config import GatewayConfig, load_config, parse_config
from gateway.dcat import bp as dcat_bp
from gateway.imports.jobs import EXTENSION as IMPORTS
from gateway.imports.jobs import Jobs
from gateway.ledgers import connector_for
from gateway.web import web_bp

log = logging.getLogger(__name__)


def create_app(
    config: Mapping[str, Any] | GatewayConfig | None = None,
    ledger_factory: LedgerFactory | None = None,
    run_dir: Path | None = None,
) -> Flask:
    """``config``: the parsed gateway configuration (a dict as in ``gateway.config``), or None to
    read ``$CITYDIR_GATEWAY_CONFIG``. ``ledger_factory``: identity → Ledger; the real Fabric
    or embedded connector the configuration names by default, a fake in unit tests.
    ``run_dir``: the directory this gateway's worker processes share; None: one process."""
    if config is None:
        gateway_config = load_config()
    elif isinstance(config, GatewayConfig):
        gateway_config = config
    else:
        gateway_config = parse_config(config)

    app = Flask(__name__, static_folder=None)  # the admin web page (gateway.web) brings its own
    app.config["MAX_CONTENT_LENGTH"] = gateway_config.limits.max_content_length
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # zh names stay readable
    app.json.sort_keys = False  # type: ignore[attr-defined]

    if run_dir is not None:
        run_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    metrics = Metrics(run_dir / "metrics" if run_dir else None)
    provenance = Provenance(gateway_config.limits.block_cache_size)
    reads = ReadCache(marks=SharedWriteMarks(run_dir / "write-marks") if run_dir else WriteMarks())
    svc = Services(
        config=gateway_config,
        ledger_factory=ledger_factory or connector_for(gateway_config, timer=metrics.observe_fabric),
        metrics=metrics,
        provenance=provenance,
        # Every write emits one event carrying its block: knowing it ahead, reads that add an
        # entity's provenance read that block once rather than look the transaction up.
        index=CatalogIndex(
            lambda: svc.service_ledger(),
            on_event=lambda event: _each_event(event, provenance, reads),
            on_follow=reads.following,
            on_lost=reads.lost,
        ),
        reads=reads,
        schemas=ARGUMENT_SCHEMAS,
    )
    app.extensions[EXTENSION] = svc
    app.extensions[IMPORTS] = Jobs(run_dir / "imports" if run_dir else None)

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint, url_prefix=API_PREFIX)
    app.register_blueprint(web_bp)
    app.register_blueprint(ckan_bp)  # /api/3/action: the CKAN Action API (read-only)
    app.register_blueprint(dcat_bp)  # /dcat: the DCAT-AP 3 export
    register_error_handlers(app)

    @app.before_request
    def _start_clock() -> None:
        g.started = time.perf_counter()

    # Every URL, not only the API's: the web page and unknown paths are logged as well, and a
    # credential in a query string must never be accepted anywhere.
    app.before_request(refuse_credentials_in_query)

    @app.after_request
    def _observe(response: Response) -> Response:
        # The rule, not the path: bounded label cardinality (ids never become labels).
        rule = request.url_rule.rule if request.url_rule is not None else "unmatched"
        started = g.get("started", time.perf_counter())
        metrics.observe_request(rule, request.method, response.status_code, time.perf_counter() - started)
        return response

    return app


def _each_event(event: ChaincodeEvent, provenance: Provenance, reads: ReadCache) -> None:
    provenance.hint(event.tx_id, event.block)
    reads.apply(event)


def warm_up(app: Flask) -> threading.Thread:
    """In the background, now rather than on first use: read the deployed chaincode's interface
    (logged when it is not the gateway's), build the search index and start following events,
    and index the latest blocks' provenance.

    Run by the WSGI entry point; a failure is logged, and each is retried on use instead.
    """
    svc: Services = app.extensions[EXTENSION]

    def run() -> None:
        try:
            svc.interface.report(svc.service_ledger())
        except Exception:
            log.warning("reading the chaincode's interface failed", exc_info=True)
        try:
            svc.index.ensure_ready()
        except Exception:
            log.warning("warm-up of the catalog index failed", exc_info=True)
        try:  # the genesis block and the latest blocks: provenance of most reads from memory
            service = svc.service_ledger()
            if service is not None:
                height = service.block_height()
                svc.provenance.index_range(service, 0, 1)
                svc.provenance.index_range(service, max(1, height - svc.provenance.block_capacity), height)
        except Exception:
            log.warning("indexing the latest blocks failed", exc_info=True)

    thread = threading.Thread(target=run, name="citydir-warm-up", daemon=True)
    thread.start()
    return thread
