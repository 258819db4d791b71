"""Walk the imports of telehealth/ and worker/ and refuse the seams the code must not have.

1. No import circle, counting imports inside functions too (a deferred import still ties two modules).
2. Only the HTTP layer's own modules reach inside it: everyone else imports `telehealth.http`, the
   package's public face, never `telehealth.http.<module>`.
3. Only the web-facing modules (a package's routes, its route scopes, and the app factory) import the
   HTTP layer at all: services, models, the CLI and the worker never do.

Usage: python scripts/check_imports.py [ROOT]  (exit status 1 and one line per finding when a rule is broken)
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("telehealth", "worker")
HTTP = "telehealth.http"
# Modules that face the web: they declare routes and the policies those routes run under.
WEB_FACING = ("routes", "scope")


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            found[module_name(path, root)] = path
    return found


def imported(name: str, tree: ast.AST, known: dict[str, Path], is_package: bool) -> set[str]:
    """Every module of ours this module imports, anywhere in its body."""
    found: set[str] = set()
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets: Iterable[str] = (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from telehealth import http` imports the module telehealth.http, not a name.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph(root: Path = ROOT) -> dict[str, set[str]]:
    known = modules(root)
    return {
        name: imported(name, ast.parse(path.read_text(), str(path)), known, path.name == "__init__.py")
        for name, path in known.items()
    }


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected group of two or more modules (Tarjan), as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    sys.setrecursionlimit(10_000)
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def _inside_http(name: str) -> bool:
    return name == HTTP or name.startswith(HTTP + ".")


def seam_breaches(edges: dict[str, set[str]]) -> list[str]:
    found = []
    for name, targets in sorted(edges.items()):
        if _inside_http(name):
            continue
        for target in sorted(t for t in targets if _inside_http(t)):
            if target != HTTP:
                found.append(f"{name} imports {target}: import the public face, {HTTP}")
            elif name != "telehealth" and name.rpartition(".")[2] not in WEB_FACING:
                found.append(f"{name} imports {HTTP}: only routes (and the app factory) face the web")
    return found


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    edges = graph(Path(args[0]) if args else ROOT)
    problems = [f"import circle: {' -> '.join(group)}" for group in cycles(edges)]
    problems += seam_breaches(edges)
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{len(edges)} modules: no import circle, and only routes reach the HTTP layer, by its face.")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
