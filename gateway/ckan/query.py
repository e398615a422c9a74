"""``package_search``'s Solr-style parameters, evaluated over package dicts in memory.

``fq`` (and ``field:value`` terms in ``q``): whitespace-separated terms, all of which must hold
(``AND`` between them is allowed, top-level ``OR`` is not). A term is ``[+|-|NOT ]field:value``
where value is a bare word (``\\`` escapes; ``*`` alone = the field has a value; a trailing
``*`` = prefix), a ``"quoted phrase"``, a range ``[a TO b]`` / ``{a TO b}`` (``*`` = open; dates
compare as text, counts as numbers), or ``(a OR b OR "c d")``. Fields: see ``FIELDS``, plus
every extra by its key or as ``extras_<key>``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gateway.ckan.mapping import LIST_EXTRAS

# Sortable/filterable core fields and how to read them from a package dict.
_CORE: dict[str, Callable[[Mapping[str, Any]], list[str]]] = {
    "id": lambda p: [p["id"]],
    "name": lambda p: [p["name"]],
    "title": lambda p: [p["title"]],
    "title_string": lambda p: [p["title"]],
    "notes": lambda p: [p["notes"]],
    "organization": lambda p: [p["organization"]["name"]],
    "owner_org": lambda p: [p["owner_org"]],
    "tags": lambda p: [t["name"] for t in p["tags"]],
    "res_format": lambda p: [r["format"] for r in p["resources"] if r["format"]],
    "res_url": lambda p: [r["url"] for r in p["resources"]],
    "license_id": lambda p: [p["license_id"]],
    "state": lambda p: [p["state"]],
    "type": lambda p: [p["type"]],
    "dataset_type": lambda p: [p["type"]],
    "capacity": lambda p: ["public"],
    "private": lambda p: ["true" if p["private"] else "false"],
    "groups": lambda p: [g["name"] for g in p["groups"]],
    "metadata_created": lambda p: [p["metadata_created"]] if p["metadata_created"] else [],
    "metadata_modified": lambda p: [p["metadata_modified"]] if p["metadata_modified"] else [],
    "num_resources": lambda p: [str(p["num_resources"])],
    "num_tags": lambda p: [str(p["num_tags"])],
}
FIELDS = frozenset(_CORE)
_NUMERIC = frozenset({"num_resources", "num_tags"})
_CASE_FREE = frozenset({"res_format"})  # CKAN indexes formats case-insensitively in practice
_DATES = frozenset({"metadata_created", "metadata_modified"})


class SearchQueryError(ValueError):
    """A query this search does not understand: CKAN's ``Search Query Error``."""


def field_values(pkg: Mapping[str, Any], field: str) -> list[str] | None:
    """The package's values of ``field``; None when there is no such field anywhere."""
    reader = _CORE.get(field)
    if reader is not None:
        return reader(pkg)
    key = field[len("extras_") :] if field.startswith("extras_") else field
    for pair in pkg.get("extras") or []:
        if pair.get("key") == key:
            value = str(pair["value"])
            if key in LIST_EXTRAS:
                try:
                    items = json.loads(value)
                except ValueError:
                    return [value]
                return [str(v) for v in items] if isinstance(items, list) else [value]
            return [value]
    return []


def known_field(field: str, packages: Sequence[Mapping[str, Any]], extra_keys: frozenset[str]) -> bool:
    if field in FIELDS:
        return True
    key = field[len("extras_") :] if field.startswith("extras_") else field
    return key in extra_keys or any(
        pair.get("key") == key for pkg in packages for pair in pkg.get("extras") or []
    )


# --- fq -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    field: str
    negate: bool
    kind: str  # "any" (field has a value) | "exact" | "prefix" | "range" | "one_of"
    values: tuple[str, ...] = ()
    low: str | None = None
    high: str | None = None
    low_inclusive: bool = True
    high_inclusive: bool = True

    def matches(self, pkg: Mapping[str, Any]) -> bool:
        found = field_values(pkg, self.field) or []
        hit = any(self._one(v) for v in found)
        return hit != self.negate

    def _one(self, value: str) -> bool:
        if self.field in _CASE_FREE:
            value = value.casefold()
        if self.kind == "any":
            return value != ""
        if self.kind == "exact" or self.kind == "one_of":
            wanted = self.values if self.field not in _CASE_FREE else tuple(v.casefold() for v in self.values)
            return value in wanted
        if self.kind == "prefix":
            prefix = self.values[0].casefold() if self.field in _CASE_FREE else self.values[0]
            return value.startswith(prefix)
        return self._in_range(value)

    def _in_range(self, value: str) -> bool:
        def key(text: str) -> Any:
            if self.field in _NUMERIC:
                return int(text)
            return text[:-1] if self.field in _DATES and text.endswith("Z") else text

        try:
            current = key(value)
            if self.low is not None:
                low = key(self.low)
                if current < low or (current == low and not self.low_inclusive):
                    return False
            if self.high is not None:
                high = key(self.high)
                if current > high or (current == high and not self.high_inclusive):
                    return False
        except ValueError:
            return False
        return True


def _tokens(text: str) -> list[str]:
    """Split on whitespace outside quotes, brackets and parentheses."""
    out: list[str] = []
    buf: list[str] = []
    depth = 0
    quote = False
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            buf.append(text[i : i + 2])
            i += 2
            continue
        if ch == '"':
            quote = not quote
        elif not quote and ch in "([{":
            depth += 1
        elif not quote and ch in ")]}":
            depth -= 1
            if depth < 0:
                raise SearchQueryError(f"unbalanced {ch!r} in {text!r}")
        if ch.isspace() and not quote and depth == 0:
            if buf:
                out.append("".join(buf))
                buf = []
        else:
            buf.append(ch)
        i += 1
    if quote or depth:
        raise SearchQueryError(f"unbalanced quotes or brackets in {text!r}")
    if buf:
        out.append("".join(buf))
    return out


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _split_field(token: str) -> tuple[str, str] | None:
    """``field:value`` → (field, raw value); None when the token has no unescaped colon."""
    i = 0
    while i < len(token):
        if token[i] == "\\":
            i += 2
            continue
        if token[i] == ":":
            return (token[:i], token[i + 1 :]) if i else None
        if token[i] in '"([{':
            return None
        i += 1
    return None


def _value(raw: str) -> tuple[str, str]:
    """(kind, value) of one bare or quoted value."""
    if len(raw) >= 2 and raw[0] == '"' and raw[-1] == '"':
        return "exact", _unescape(raw[1:-1])
    if raw == "*":
        return "any", ""
    if raw.endswith("*") and not raw.endswith("\\*") and "*" not in raw[:-1]:
        return "prefix", _unescape(raw[:-1])
    if "*" in raw.replace("\\*", "") or "?" in raw.replace("\\?", ""):
        raise SearchQueryError(f"wildcards are supported only at the end of a value: {raw!r}")
    return "exact", _unescape(raw)


def _term(field: str, raw: str, negate: bool) -> Term:
    if not raw:
        raise SearchQueryError(f"no value for field {field!r}")
    if raw[0] in "[{":
        if raw[-1] not in ("]", "}"):
            raise SearchQueryError(f"bad range {raw!r}")
        parts = _tokens(raw[1:-1])
        if len(parts) != 3 or parts[1] != "TO":
            raise SearchQueryError(f"a range is [low TO high]: {raw!r}")
        low, high = (None if p == "*" else _unescape(p.strip('"')) for p in (parts[0], parts[2]))
        for bound in (low, high):
            if bound is not None and bound.upper().startswith("NOW"):
                raise SearchQueryError("date math (NOW…) is not supported; give a timestamp")
        return Term(
            field,
            negate,
            "range",
            low=low,
            high=high,
            low_inclusive=raw[0] == "[",
            high_inclusive=raw[-1] == "]",
        )
    if raw[0] == "(":
        if raw[-1] != ")":
            raise SearchQueryError(f"bad group {raw!r}")
        alternatives = [p for p in _tokens(raw[1:-1]) if p != "OR"]
        if "AND" in alternatives or "NOT" in alternatives:
            raise SearchQueryError(f"only OR is supported inside parentheses: {raw!r}")
        values = []
        for alternative in alternatives:
            kind, value = _value(alternative)
            if kind != "exact":
                raise SearchQueryError(f"only plain values inside parentheses: {raw!r}")
            values.append(value)
        if not values:
            raise SearchQueryError(f"empty group {raw!r}")
        return Term(field, negate, "one_of", tuple(values))
    kind, value = _value(raw)
    return Term(field, negate, kind, (value,) if kind != "any" else ())


def parse_terms(text: str) -> tuple[list[Term], list[str]]:
    """Field terms, and the words that name no field (the full-text part of a ``q``)."""
    terms: list[Term] = []
    words: list[str] = []
    negate_next = False
    for token in _tokens(text):
        if token == "AND" or token == "&&":
            continue
        if token in ("OR", "||"):
            raise SearchQueryError("OR between terms is not supported; use field:(a OR b)")
        if token == "NOT":
            negate_next = True
            continue
        negate = negate_next
        negate_next = False
        body = token
        if body[:1] in "+-" and len(body) > 1:
            negate = negate or body[0] == "-"
            body = body[1:]
        split = _split_field(body)
        if split is None:
            if body == "*:*" or body == "*":
                continue
            words.append(_unescape(body.strip('"')))
            continue
        field, raw = split
        if field == "*" and raw == "*":
            continue
        terms.append(_term(field, raw, negate))
    if negate_next:
        raise SearchQueryError("NOT at the end of the query")
    return terms, words


def parse_fq(text: str) -> list[Term]:
    terms, words = parse_terms(text)
    if words:
        raise SearchQueryError(f"fq terms are field:value; not understood: {' '.join(words)!r}")
    return terms


# --- sort -----------------------------------------------------------------------------------

SORTABLE = frozenset(
    {
        "score",
        "id",
        "name",
        "title",
        "title_string",
        "metadata_created",
        "metadata_modified",
        "num_resources",
        "num_tags",
    }
)
DEFAULT_SORT = "score desc, metadata_modified desc"


def parse_sort(text: str) -> list[tuple[str, bool]]:
    """``"metadata_modified desc, name asc"`` → [(field, descending)]."""
    keys: list[tuple[str, bool]] = []
    for part in text.split(","):
        words = part.split()
        if not words:
            continue
        if len(words) > 2:
            raise SearchQueryError(f"bad sort {part.strip()!r}: give 'field asc' or 'field desc'")
        field = words[0]
        direction = words[1].lower() if len(words) == 2 else "asc"
        if field not in SORTABLE:
            raise SearchQueryError(f"cannot sort on {field!r}; sortable: {', '.join(sorted(SORTABLE))}")
        if direction not in ("asc", "desc"):
            raise SearchQueryError(f"sort direction must be asc or desc, not {direction!r}")
        keys.append((field, direction == "desc"))
    return keys


def sort_packages(
    packages: list[dict[str, Any]], keys: list[tuple[str, bool]], rank: Mapping[str, int]
) -> list[dict[str, Any]]:
    """Stable multi-key sort; ties end by name so pages never overlap."""

    def key_of(field: str) -> Callable[[dict[str, Any]], Any]:
        if field == "score":  # rank: higher is better, so "score desc" puts the best first
            return lambda p: rank.get(p["id"], 0)
        if field in _NUMERIC:
            return lambda p: int(p[field])
        if field in ("title", "title_string"):
            return lambda p: str(p["title"]).casefold()
        return lambda p: p.get(field) or ""

    ordered = sorted(packages, key=lambda p: str(p["name"]))
    for field, descending in reversed(keys):
        ordered.sort(key=key_of(field), reverse=descending)
    return ordered


# --- facets ---------------------------------------------------------------------------------


def facets(
    packages: Sequence[Mapping[str, Any]],
    fields: Sequence[str],
    limit: int,
    mincount: int,
    display: Callable[[str, str], str],
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, Any]]]:
    """``facets`` ({field: {value: count}}) and ``search_facets`` as CKAN answers them."""
    plain: dict[str, dict[str, int]] = {}
    rich: dict[str, dict[str, Any]] = {}
    for field in fields:
        counts: dict[str, int] = {}
        for pkg in packages:
            for value in set(field_values(pkg, field) or []):
                counts[value] = counts.get(value, 0) + 1
        ranked = sorted(((n, v) for v, n in counts.items() if n >= mincount), key=lambda x: (-x[0], x[1]))
        if limit >= 0:
            ranked = ranked[:limit]
        plain[field] = {v: n for n, v in ranked}
        rich[field] = {
            "title": field,
            "items": [{"name": v, "display_name": display(field, v), "count": n} for n, v in ranked],
        }
    return plain, rich
