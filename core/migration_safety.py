"""Migrations safe to run while the old code still serves (upgrades without downtime).

The order of an upgrade is: migrate, then roll the app servers one by one. Between the two, the
old code runs against the new schema, so a release must not drop or rename a column (or a table)
that the previous release's code still uses: the old servers would fail on every query naming
it. Drop it one release later, once no running code names it (expand, then contract).

:func:`destructive_ops` reads a migration's ``upgrade()`` for drops and renames;
:func:`check` compares them with the previous release's source. ``sympraxis db check-migrations
--base <git ref of the previous release>`` runs it on the repository.
"""

from __future__ import annotations

import ast
import re
import subprocess
from dataclasses import dataclass

MIGRATION_GLOB = "*/migrations/versions/*.py"


@dataclass(frozen=True)
class Op:
    kind: str  # drop_column, rename_column, drop_table, rename_table
    table: str
    column: str | None
    line: int


def _str(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _kw(call: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def destructive_ops(source: str) -> list[Op]:
    """Drops and renames in ``upgrade()`` (``op.*`` and ``batch_alter_table`` blocks)."""
    tree = ast.parse(source)
    upgrade = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "upgrade"), None)
    if upgrade is None:
        return []
    batches: dict[str, str] = {}  # batch variable -> table
    for node in ast.walk(upgrade):
        if isinstance(node, ast.With):
            for item in node.items:
                call = item.context_expr
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "batch_alter_table"
                    and isinstance(item.optional_vars, ast.Name)
                ):
                    table = _str(call.args[0] if call.args else _kw(call, "table_name"))
                    if table:
                        batches[item.optional_vars.id] = table
    found = []
    for node in ast.walk(upgrade):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name, target = node.func.attr, node.func.value
        args = [_str(a) for a in node.args]
        in_batch = isinstance(target, ast.Name) and target.id in batches
        if in_batch:
            args = [batches[target.id], *args]
        if name == "drop_column" and len(args) >= 2 and args[0] and args[1]:
            found.append(Op("drop_column", args[0], args[1], node.lineno))
        elif name == "alter_column" and len(args) >= 2 and _str(_kw(node, "new_column_name")):
            found.append(Op("rename_column", args[0] or "?", args[1], node.lineno))
        elif name == "drop_table" and args and args[0]:
            found.append(Op("drop_table", args[0], None, node.lineno))
        elif name == "rename_table" and args and args[0]:
            found.append(Op("rename_table", args[0], None, node.lineno))
    return found


def _uses(sources: dict[str, str], op: Op) -> list[str]:
    """Files of the old code (migrations aside) that name the column (or the table)."""
    word = re.compile(rf"\b{re.escape(op.column or op.table)}\b")
    return sorted(
        path for path, text in sources.items() if "/migrations/" not in path and word.search(text) is not None
    )


def check(new_migrations: dict[str, str], old_sources: dict[str, str]) -> list[str]:
    """Problems: each drop or rename in a new migration of something the old code still names."""
    problems = []
    for path, source in sorted(new_migrations.items()):
        for op in destructive_ops(source):
            users = _uses(old_sources, op)
            if users:
                what = f"{op.table}.{op.column}" if op.column else op.table
                problems.append(
                    f"{path}:{op.line}: {op.kind} {what} while the previous release still uses it "
                    f"({', '.join(users[:3])}); stop using it in one release, drop it in the next"
                )
    return problems


def _git(root: str, *args: str) -> str:
    return subprocess.run(["git", "-C", root, *args], check=True, capture_output=True, text=True).stdout


def check_repository(root: str, base: str) -> list[str]:
    """:func:`check` for the migrations added since ``base`` against ``base``'s Python source."""
    added = _git(root, "diff", "--name-only", "--diff-filter=A", base, "HEAD", "--", MIGRATION_GLOB).split()
    new = {}
    for path in added:
        with open(f"{root}/{path}") as f:
            new[path] = f.read()
    old = {
        path: _git(root, "show", f"{base}:{path}")
        for path in _git(root, "ls-tree", "-r", "--name-only", base).split()
        if path.endswith(".py")
    }
    return check(new, old)
