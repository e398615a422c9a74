"""``python -m gateway.imports FILE --department ID [--dry-run] [--update] [--as MSP:ROLE | --token T]``
and ``python -m gateway.imports export --department ID --format csv|xlsx|json OUT``.

Talks to a running gateway over REST (``--url``; default: the listen address in
``$CITYDIR_HOME/gateway/gateway.json``); the token is ``--token``, or ``--as MSP:ROLE`` looked up
in the development ``$CITYDIR_HOME/gateway/tokens.json`` (default ``DataBureauMSP:admin``; ``--as``
also takes a token). Exit status: 0 done (or a clean dry run),
1 the file has errors (nothing was written), 2 a call failed part-way (re-run to resume).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from gateway.imports.backends import RestDirectory
from gateway.imports.engine import ImportFailure, execute
from gateway.imports.formats import FORMATS, content, format_of, parse, write


def _home() -> Path:
    return Path(os.environ.get("CITYDIR_HOME") or ".citydir")


def default_url(home: Path) -> str:
    config = json.loads((home / "gateway" / "gateway.json").read_text(encoding="utf-8"))
    host, _, port = str(config.get("listen", "127.0.0.1:8080")).rpartition(":")
    host = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    return f"http://{host}:{port}"


def resolve_token(home: Path, token: str | None, who: str | None) -> str:
    if token:
        return token
    if who and ":" not in who and len(who) > 20:
        return who  # --as given a token
    msp, _, role = (who or "DataBureauMSP:admin").partition(":")
    tokens = json.loads((home / "gateway" / "tokens.json").read_text(encoding="utf-8"))
    try:
        return str(tokens[msp][role or "admin"])
    except KeyError:
        raise SystemExit(
            f"no development token for {msp}:{role or 'admin'} in {home}/gateway/tokens.json"
        ) from None


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--department", required=True, help="the department's id")
    p.add_argument("--url", help="the gateway (default: its listen address in $CITYDIR_HOME/gateway)")
    p.add_argument("--token", help="a bearer token")
    p.add_argument("--as", dest="who", help="MSP:ROLE from the development tokens.json, or a token")


def export_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m gateway.imports export")
    _common(p)
    p.add_argument("--format", choices=FORMATS, help="default: from OUT's extension")
    p.add_argument("out", type=Path)
    args = p.parse_args(argv)
    home = _home()
    directory = RestDirectory(args.url or default_url(home), resolve_token(home, args.token, args.who))
    fmt = format_of(args.out.name, args.format)
    try:
        catalogs = export(directory, args.department, fmt)
    except ImportFailure as exc:
        print(f"export failed: {exc.code}: {exc.message}", file=sys.stderr)
        return 2
    args.out.write_bytes(write(catalogs, fmt))
    print(f"{len(catalogs)} catalogs of {args.department} written to {args.out} ({fmt})")
    return 0


def export(directory: RestDirectory, department: str, fmt: str) -> list[dict[str, Any]]:
    """The department's catalogs, ordered by id; JSON keeps the API's objects, the tables their content."""
    catalogs = sorted(directory.catalogs(department), key=lambda c: str(c.get("id")))
    return catalogs if fmt == "json" else [content(c) for c in catalogs]


def import_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m gateway.imports", description=__doc__.split("\n\n")[0])
    p.add_argument("file", type=Path)
    _common(p)
    p.add_argument("--format", choices=FORMATS, help="default: from the file's extension")
    p.add_argument("--dry-run", action="store_true", help="validate and plan only; write nothing")
    p.add_argument("--update", action="store_true", help="update catalogs that exist and differ")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    args = p.parse_args(argv)
    home = _home()
    directory = RestDirectory(args.url or default_url(home), resolve_token(home, args.token, args.who))
    parsed = parse(args.file.read_bytes(), format_of(args.file.name, args.format))

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[tx]} tx"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task("validating", total=None, tx=0)

        def progress(state: dict[str, Any]) -> None:
            bar.update(
                task,
                description="importing" if state["status"] == "running" else state["status"],
                total=state.get("total") or None,
                completed=state.get("done", 0),
                tx=state.get("transactions", 0),
            )

        try:
            result = execute(
                parsed,
                args.department,
                directory,
                update=args.update,
                dry_run=args.dry_run,
                progress=progress,
            )
        except ImportFailure as exc:
            console.print(f"[red]failed: {exc.code}: {exc.message}")
            return 2
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        _summary(result)
    return {"done": 0, "dry-run": 0, "invalid": 1}.get(result["status"], 2)


def _summary(result: dict[str, Any]) -> None:
    for error in result["errors"]:
        print(f"row {error['row']}, column {error['column']}: {error['message']}")
    plan = result["plan"]
    print(
        f"{result['status']}: {result['catalogs']} catalogs in {result['rows']} rows; "
        f"plan: {plan['create']} to create, {plan['update']} to update, {plan['skip']} identical (skipped); "
        f"written: {result['created']} created, {result['updated']} updated "
        f"in {result['transactions']} transactions; {result['seconds']} s"
    )
    if result.get("failure"):
        failure = result["failure"]
        print(f"failed part-way: {failure['code']}: {failure['message']} (re-run to resume)")


def main(argv: list[str]) -> int:
    if argv[:1] == ["export"]:
        return export_main(argv[1:])
    return import_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
