"""Distributed joins, checked on the SQL a test suite really runs (issue 13 §3, Citus).

Citus runs a join between two distributed tables (here: every tenant-owned table, distributed on
``tenant_id`` and colocated) on one node only if the join equates their distribution columns, or
if every one of them is filtered to the same ``tenant_id`` value (a router query). Anything else
is a cross-node join: refused, or slow. :class:`JoinChecker` parses each statement (sqlglot,
PostgreSQL dialect) and, in every SELECT scope, links the tenant-owned sources through the
equalities of its ``JOIN … ON`` and ``WHERE`` conjuncts (``a.tenant_id = b.tenant_id``, or each
``= :param`` whose values are equal); derived tables and correlated subqueries are merged into
the scope that uses them. A scope whose tenant-owned sources are not all linked is a finding.
Equalities under ``OR`` do not count; reference (global) tables join freely.

The project's ``tests/conftest.py`` runs it on every statement of every test (SQLAlchemy's
``before_cursor_execute``); a plugin's suite can do the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

DISTRIBUTION_COLUMN = "tenant_id"
_NAMED = re.compile(r"%\((\w+)\)s")
#: What a statement needs to join at all: a JOIN, a subquery, or a second table after FROM.
_MAY_JOIN = re.compile(r"\bjoin\b|\(\s*select\b|\bfrom\s+[\w.\"]+(?:\s+(?:as\s+)?\w+)?\s*,|\bwith\b")
Node = tuple[str, str]


@dataclass
class _Graph:
    sources: list[tuple[Node, str]] = field(default_factory=list)  # (tenant_id node, table name)
    edges: list[tuple[Node, Node]] = field(default_factory=list)


@dataclass
class _Scope:
    sources: list[tuple[Node, str]]
    edges: list[tuple[Node, Node]]


class JoinChecker:
    """Finds joins between tenant-owned tables that Citus could not run on one node."""

    def __init__(self, tenant_tables: Iterable[str]) -> None:
        self.tenant_tables = frozenset(tenant_tables)
        self._cache: dict[str, list[_Scope] | None] = {}

    def check(self, sql: str, parameters: Any = None) -> list[str]:
        """What is wrong with one statement as executed (empty: nothing)."""
        scopes = self._scopes(sql)
        if not scopes:
            return []
        params = parameters[0] if isinstance(parameters, list | tuple) and parameters else parameters
        params = params if isinstance(params, dict) else {}
        found = []
        for scope in scopes:
            if scope.sources and scope.sources[0][0][0] == "?":
                found.append(f"a statement the join check cannot parse {scope.sources[0][1]}")
            elif not _linked(scope, params):
                tables = ", ".join(sorted({t for _n, t in scope.sources}))
                found.append(f"a join of {tables} without {DISTRIBUTION_COLUMN} equality between them")
        return found

    def _scopes(self, sql: str) -> list[_Scope] | None:
        if sql in self._cache:
            return self._cache[sql]
        scopes = None
        lowered = sql.lower()
        if _MAY_JOIN.search(lowered) and any(t in lowered for t in self.tenant_tables):
            scopes = self._analyse(sql)
        self._cache[sql] = scopes
        return scopes

    def _analyse(self, sql: str) -> list[_Scope] | None:
        import sqlglot
        from sqlglot import exp
        from sqlglot.optimizer.scope import traverse_scope

        text = _NAMED.sub(r":\1", sql).replace("%s", "?").replace("%%", "%")
        try:
            trees = [t for t in sqlglot.parse(text, read="postgres") if t is not None]
        except sqlglot.errors.SqlglotError as exc:
            # a statement that may join tenant-owned tables and cannot be read is not passed
            return [_Scope([(("?", DISTRIBUTION_COLUMN), f"(unreadable: {str(exc)[:120]})")], [])]
        scopes = []
        for tree in trees:
            try:
                for scope in traverse_scope(tree):
                    if not isinstance(scope.expression, exp.Select):
                        continue
                    graph = self._graph(scope, "", None)
                    if len({n for n, _t in graph.sources}) > 1:
                        scopes.append(_Scope(graph.sources, graph.edges))
            except sqlglot.errors.SqlglotError:  # e.g. a self-join sqlglot's scope cannot alias
                continue
        return scopes

    def _graph(self, scope: Any, prefix: str, outer: Any) -> _Graph:
        """The tenant-owned sources of a scope (derived tables and correlated subqueries merged
        in, under prefixed names) and the tenant_id equalities between them."""
        from sqlglot import exp
        from sqlglot.optimizer.scope import Scope

        graph = _Graph()
        local: dict[str, str] = {}  # alias -> its prefixed name, for every source of the scope
        for alias, (_node, source) in scope.selected_sources.items():
            local[alias] = prefix + alias
            key = (prefix + alias, DISTRIBUTION_COLUMN)
            if isinstance(source, exp.Table):
                if source.name in self.tenant_tables:
                    graph.sources.append((key, source.name))
            elif isinstance(source, Scope) and isinstance(source.expression, exp.Select):
                inner = self._graph(source, prefix + alias + ".", None)
                if inner.sources:
                    graph.edges += inner.edges
                    representative = inner.sources[0]
                    graph.sources.append(representative)
                    if DISTRIBUTION_COLUMN in source.expression.named_selects:
                        graph.edges.append((key, representative[0]))

        def resolve(qualifier: str) -> str | None:
            if qualifier in local:
                return local[qualifier]
            return outer(qualifier) if outer else None

        def node(e: Any) -> Node | None:
            """A column (any: ``a.tenant_id = t.id AND b.tenant_id = t.id`` links a and b, as
            PostgreSQL's equivalence classes do), a parameter or a literal; None otherwise."""
            while isinstance(e, exp.Paren | exp.Cast):
                e = e.this
            if isinstance(e, exp.Column):
                if e.table:
                    name = resolve(e.table)
                else:
                    name = next(iter(local.values())) if len(local) == 1 else None
                return None if name is None else (name, e.name)
            if isinstance(e, exp.Placeholder) and e.name:
                return ("param", e.name)
            if isinstance(e, exp.Literal):
                return ("lit", str(e.this))
            return None

        conditions = [scope.expression.args.get("where")]
        conditions += [j.args.get("on") for j in scope.expression.args.get("joins") or []]
        for condition in conditions:
            if condition is None:
                continue
            for term in _conjuncts(condition.this if isinstance(condition, exp.Where) else condition):
                if isinstance(term, exp.EQ):
                    a, b = node(term.this), node(term.expression)
                    if a is not None and b is not None:
                        graph.edges.append((a, b))
        for i, child in enumerate(scope.subquery_scopes):
            if child.external_columns and isinstance(child.expression, exp.Select):
                inner = self._graph(child, f"{prefix}~{i}.", resolve)
                graph.sources += inner.sources
                graph.edges += inner.edges
        return graph


def _linked(scope: _Scope, params: dict[str, Any]) -> bool:
    """Whether every tenant-owned source of the scope is in one class of tenant_id equalities
    (parameters replaced by their values, so that two filters on the same value meet)."""
    parent: dict[Node, Node] = {}

    def find(node: Node) -> Node:
        while parent.get(node, node) != node:
            node = parent[node]
        return node

    def value(node: Node) -> Node:
        if node[0] == "param":
            return ("value", str(params.get(node[1], f"<unbound {node[1]}>")))
        return ("value", node[1]) if node[0] == "lit" else node

    for a, b in scope.edges:
        ra, rb = find(value(a)), find(value(b))
        if ra != rb:
            parent[ra] = rb
    return len({find(node) for node, _table in scope.sources}) <= 1


def _conjuncts(condition: Any) -> list[Any]:
    from sqlglot import exp

    while isinstance(condition, exp.Paren):
        condition = condition.this
    if isinstance(condition, exp.And):
        return _conjuncts(condition.this) + _conjuncts(condition.expression)
    return [condition]


def tenant_tables(metadata: Any) -> set[str]:
    """The distributed tables: the metadata's tables with a tenant_id column, less those the
    Citus plan keeps as reference tables (core.citus)."""
    from core.citus import REFERENCE_TENANT_TABLES

    return {t.name for t in metadata.tables.values() if DISTRIBUTION_COLUMN in t.c} - REFERENCE_TENANT_TABLES
