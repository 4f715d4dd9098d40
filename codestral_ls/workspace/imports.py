"""The imports at the head of a source file, per language, as keys into the workspace index.

An ``Import`` names candidate files by path keys (a path without its extension, ``/``-joined):
exact ones (relative imports, resolved against the importing file) or suffixes (``a/b`` for
Python ``a.b``, Java ``a.b.C``, Rust ``crate::a::b``, a Go package path), and the names it
brings in. Only the head of the file is read (imports live there), so the cost is bounded
whatever the document's size.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

HEAD_LINES = 300
HEAD_CHARS = 24_000


@dataclass(frozen=True)
class Import:
    keys: tuple[str, ...]  # candidate path keys, best first
    exact: bool  # keys are workspace-relative paths (else suffixes of one)
    names: tuple[tuple[str, str], ...] = ()  # (local name, name in the target)
    alias: str | None = None  # a local name for the module itself
    folder: bool = False  # the key names a folder (Go packages, Java ``*``)


def head(lines: list[str]) -> str:
    text = "".join(lines[:HEAD_LINES])
    return text[:HEAD_CHARS]


def parse_imports(text: str, language: str, path: str) -> list[Import]:
    """``path``: the importing file, workspace-relative (for relative imports)."""
    parser = _PARSERS.get(language)
    return parser(text, posixpath.dirname(path)) if parser else []


# --- Python -------------------------------------------------------------------------------

_PY_FROM = re.compile(r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]+)", re.M)
_PY_IMPORT = re.compile(r"^[ \t]*import[ \t]+([^\n#;]+)", re.M)


def _names(raw: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for part in raw.strip("() \t\n\\").replace("\\\n", " ").split(","):
        bits = part.split()
        if not bits or bits[0] == "*":
            continue
        local = bits[2] if len(bits) >= 3 and bits[1] == "as" else bits[0]
        out.append((local, bits[0]))
    return out


def _python(text: str, folder: str) -> list[Import]:
    found: list[Import] = []
    for dots, module, names_raw in _PY_FROM.findall(text):
        names = _names(names_raw)
        if dots:
            base = folder
            for _ in range(len(dots) - 1):
                base = posixpath.dirname(base)
            key = posixpath.join(base, module.replace(".", "/")) if module else base
            found.append(Import((key,), True, tuple(names)))
            # ``from . import mod``: the names may be modules themselves
            found.extend(
                Import((posixpath.join(key, orig),), True, alias=local) for local, orig in names
            )
            continue
        key = module.replace(".", "/")
        found.append(Import((key,), False, tuple(names)))
        found.extend(Import((f"{key}/{orig}",), False, alias=local) for local, orig in names)
    for names_raw in _PY_IMPORT.findall(text):
        for local, orig in _names(names_raw):
            found.append(Import((orig.replace(".", "/"),), False, alias=local.split(".")[-1]))
    return found


# --- JavaScript / TypeScript --------------------------------------------------------------

_JS_FROM = re.compile(r"""(?:import|export)\s+(?:type\s+)?([^;'"]*?)\s*from\s*['"]([^'"]+)['"]""")
_JS_BARE = re.compile(r"""^\s*import\s*['"]([^'"]+)['"]""", re.M)
_JS_REQUIRE = re.compile(
    r"""(?:const|let|var)\s+([\w$]+|\{[^}]*\})\s*=\s*require\(\s*['"]([^'"]+)['"]\s*\)"""
)
JS_EXTENSIONS = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")


def _js_clause(clause: str) -> tuple[list[tuple[str, str]], str | None]:
    names: list[tuple[str, str]] = []
    alias = None
    star = re.search(r"\*\s*as\s+([\w$]+)", clause)
    if star:
        alias = star.group(1)
    braces = re.search(r"\{([^}]*)\}", clause)
    if braces:
        for part in braces.group(1).split(","):
            bits = part.replace(":", " as ").split()
            bits = [b for b in bits if b != "type"]
            if bits:
                local = bits[2] if len(bits) >= 3 and bits[1] == "as" else bits[0]
                names.append((local, bits[0]))
    default = re.match(r"\s*([\w$]+)", clause)
    if default and not clause.lstrip().startswith(("{", "*")):
        alias = alias or default.group(1)
    return names, alias


def _js_import(spec: str, folder: str, names: list[tuple[str, str]], alias: str | None) -> Import:
    if spec.startswith("."):
        key = posixpath.normpath(posixpath.join(folder, spec))
        stem, ext = posixpath.splitext(key)
        if ext in JS_EXTENSIONS:  # "./x.js" names x.ts in TypeScript's ESM style too
            key = stem
        return Import((key, f"{key}/index"), True, tuple(names), alias)
    # a bare specifier: a workspace alias ("@/lib/x", "~/x") may still end in a workspace path
    tail = spec.split("/", 1)[1] if spec.startswith(("@", "~")) and "/" in spec else spec
    return Import((tail, f"{tail}/index"), False, tuple(names), alias)


def _javascript(text: str, folder: str) -> list[Import]:
    found: list[Import] = []
    for clause, spec in _JS_FROM.findall(text):
        names, alias = _js_clause(clause)
        found.append(_js_import(spec, folder, names, alias))
    for spec in _JS_BARE.findall(text):
        found.append(_js_import(spec, folder, [], None))
    for target, spec in _JS_REQUIRE.findall(text):
        if target.startswith("{"):
            names, _ = _js_clause(target)
            found.append(_js_import(spec, folder, names, None))
        else:
            found.append(_js_import(spec, folder, [], target))
    return found


# --- Go, Rust, Java and friends, C ----------------------------------------------------------

_GO_BLOCK = re.compile(r"^import\s*\(([^)]*)\)", re.M)
_GO_ONE = re.compile(r'^import\s+([\w.]+\s+)?"([^"]+)"', re.M)
_GO_SPEC = re.compile(r'^\s*([\w.]+\s+)?"([^"]+)"', re.M)


def _go(text: str, folder: str) -> list[Import]:
    specs = _GO_ONE.findall(text)
    for block in _GO_BLOCK.findall(text):
        specs.extend(_GO_SPEC.findall(block))
    found: list[Import] = []
    for alias_raw, spec in specs:
        parts = spec.split("/")
        keys = tuple("/".join(parts[i:]) for i in range(max(0, len(parts) - 3), len(parts)))
        alias = alias_raw.strip() or parts[-1]
        found.append(Import(keys, False, alias=alias, folder=True))
    return found


_RUST_USE = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?use\s+([^;]+);", re.M)
_RUST_MOD = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", re.M)


def _rust(text: str, folder: str) -> list[Import]:
    found: list[Import] = []
    for spec in _RUST_USE.findall(text):
        spec = re.sub(r"\s+", "", spec)
        group = re.match(r"(.*?)::\{(.*)\}$", spec)
        if group:
            path, items = group.group(1), group.group(2).split(",")
        else:
            path, _, last = spec.rpartition("::")
            items = [last]
        segments = [s for s in path.split("::") if s not in ("crate", "self", "super", "")]
        names = []
        for item in items:
            orig, _, local = item.partition("as")
            if orig and orig not in ("self", "*"):
                names.append((local or orig, orig))
        keys = tuple("/".join(segments[:n]) for n in range(len(segments), 0, -1))
        if keys:
            found.append(Import(keys, False, tuple(names), alias=segments[-1]))
    for module in _RUST_MOD.findall(text):
        found.append(Import((posixpath.join(folder, module),), True, alias=module))
    return found


_JAVA_IMPORT = re.compile(r"^\s*import\s+(?:static\s+)?([\w.]+)(\.\*)?\s*;?", re.M)


def _java(text: str, folder: str) -> list[Import]:
    found: list[Import] = []
    for dotted, star in _JAVA_IMPORT.findall(text):
        key = dotted.replace(".", "/")
        if star:
            found.append(Import((key,), False, folder=True))
        else:
            name = dotted.rsplit(".", 1)[-1]
            parent = key.rpartition("/")[0]  # a static import names a member of a class
            found.append(Import((key, parent), False, ((name, name),), alias=name))
    return found


_C_INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)


def _c(text: str, folder: str) -> list[Import]:
    found: list[Import] = []
    for spec in _C_INCLUDE.findall(text):
        stem = posixpath.splitext(spec)[0]
        exact = posixpath.normpath(posixpath.join(folder, stem))
        found.append(Import((exact,), True))
        found.append(Import((stem,), False))
    return found


_PARSERS = {
    "python": _python,
    "javascript": _javascript,
    "typescript": _javascript,
    "go": _go,
    "rust": _rust,
    "java": _java,
    "kotlin": _java,
    "scala": _java,
    "c": _c,
    "cpp": _c,
}
