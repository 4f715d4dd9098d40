"""The layout's rules, checked on the source: no import circle among codestral_ls modules,
pygls only inside ``lsp/``, httpx only inside ``upstream/``.

Imports are read with ``ast`` from every module, function-local ones included (they hide a
circle, they do not remove it); only ``if TYPE_CHECKING:`` blocks are left out, as they never
run. ``from package import name`` counts as an import of the submodule when ``name`` is one,
else of the package itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "codestral_ls"
# third-party import -> the only folder of codestral_ls allowed to import it
FENCED = {"pygls": "lsp", "httpx": "upstream", "httpcore": "upstream", "h2": "upstream"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path) -> list[str]:
    """Every module this file imports when it runs (absolute names, relative ones resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    this = _module_name(path)
    package = this if path.name == "__init__.py" else this.rpartition(".")[0]
    found: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.append(sub if sub in MODULES else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


GRAPH = {
    name: sorted({m for m in _imports(path) if m in MODULES and m != name})
    for name, path in MODULES.items()
}


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            connect(node)
    return found


def test_the_import_reader_sees_what_it_must():
    # A check that finds nothing proves nothing: the reader must see known edges, including
    # a function-local import, and the layers it guards.
    assert "codestral_ls.service" in _imports(MODULES["codestral_ls.cli"])  # function-local
    assert "codestral_ls.lsp.server" in GRAPH["codestral_ls.lsp.handlers"]
    assert "codestral_ls.upstream.gateway" in GRAPH["codestral_ls.upstream.client"]
    assert _cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c"]]


def test_no_import_circle_among_codestral_ls_modules():
    assert _cycles(GRAPH) == []


def test_pygls_only_in_lsp_and_httpx_only_in_upstream():
    misplaced = []
    for name, path in MODULES.items():
        folder = name.split(".")[1] if name.count(".") >= 2 else ""
        for imported in _imports(path):
            top = imported.split(".")[0]
            home = FENCED.get(top)
            if home is not None and folder != home:
                misplaced.append(f"{name} imports {imported} (allowed only in {home}/)")
    assert misplaced == []


def test_the_lsp_layer_reaches_the_service_only_through_its_front_door():
    """lsp/ and the CLI use Codestral's methods, never its parts (engine, upstream, stores)."""
    parts = {"_engine", "_upstream", "_documents", "_snippets", "_layers", "_shown", "_telemetry"}
    offenders = []
    for name, path in MODULES.items():
        if not (name.startswith("codestral_ls.lsp") or name == "codestral_ls.cli"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in parts:
                offenders.append(f"{name}:{node.lineno} .{node.attr}")
    assert offenders == []
