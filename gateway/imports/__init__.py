"""Bulk import and export of a department's catalogs (CSV, XLSX, JSON); see docs/import-export.md.

columns.py   the file's columns, derived at run time from the contract's CreateCatalog schema
formats.py   reading and writing CSV / XLSX / JSON: rows <-> catalog objects, with row numbers
engine.py    validation (the contract's schema + cross-row checks), the plan against the ledger
             (create / skip identical / update / conflict), batches packed under 64 KiB, and
             the run with progress
backends.py  where the plan runs: a running gateway over REST (the CLI), or the ledger seam
             as the caller (the REST endpoint's jobs)
jobs.py      the in-process job registry behind POST/GET /api/v1/imports
__main__.py  ``python -m gateway.imports FILE --department ID`` and ``... export``
"""

from __future__ import annotations
