"""Real source files on this machine that nobody here wrote, per language.

Each language has a list of roots (searched in order; the first that exists wins) and a glob.
Files are named by their path relative to their root, so the selection does not depend on where
the machine keeps them; ``pick`` sorts those names and samples them with a seeded RNG, so the
same machine state always gives the same corpus. A language with no root present is reported
as missing (with what installs it), never silently dropped.
"""

from __future__ import annotations

import glob
import os
import random
import sysconfig
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
MAX_CHARS = 60_000  # parsing the whole file per case must stay cheap
MAX_LINE = 300  # longer lines mean minified or generated code


@dataclass(frozen=True)
class SourceFile:
    lang: str  # LSP languageId
    name: str  # relative to its root: stable across machines
    text: str


@dataclass(frozen=True)
class Origin:
    roots: tuple[str, ...]  # globs of candidate roots, expanded and sorted
    pattern: str  # glob below a root (``**`` allowed); several separated by ``|``
    exclude: tuple[str, ...] = ()  # substrings of the relative name to leave out
    how: str = ""  # what installs it when missing


def _node_modules() -> tuple[str, ...]:
    return (
        str(REPO / ".cache/code-server/node_modules"),
        str(REPO / "tests/gateway/node_modules"),
        str(REPO / "editors/vscode/node_modules"),
    )


ORIGINS: dict[str, Origin] = {
    "python": Origin(
        (sysconfig.get_paths()["stdlib"],),
        "**/*.py",
        ("site-packages/", "test/", "tests/", "lib2to3/", "idle_test/", "__phello__"),
        "the Python standard library (always present)",
    ),
    "javascript": Origin(
        _node_modules(),
        "**/*.js",
        (".min.", "/dist/", "bundle", "vendor/", "umd/", "esm/", "/lib/es"),
        "bash .ci/setup-vscode.sh / setup-gateway.sh (npm packages)",
    ),
    "typescript": Origin(
        _node_modules(),
        "**/*.ts",
        (".d.ts", ".min."),
        "bash .ci/setup-vscode.sh / setup-gateway.sh (npm packages)",
    ),
    "lua": Origin(
        (
            str(REPO / ".cache/nvim-0.11/venv/lib/python*/site-packages/neovim/share/nvim/runtime"),
            str(REPO / ".cache/nvim-0.11/**/share/nvim/runtime"),
            str(REPO / ".cache/nvim-sid/usr/share/nvim/runtime"),
            "/usr/share/nvim/runtime",
        ),
        "lua/**/*.lua",
        (),
        "bash .ci/setup-nvim.sh (Neovim's runtime)",
    ),
    "c": Origin(("/usr/include",), "*.h", (), "Debian libc6-dev"),
    # GoogleTest and GoogleMock: sources and headers (libstdc++'s own headers are mostly
    # macros tree-sitter cannot parse: 55 of 245 do)
    "cpp": Origin(
        ("/usr/src/googletest",),
        "**/*.cc|**/*.h",
        (),
        "bash .ci/setup-realcode.sh (Debian googletest)",
    ),
    "go": Origin(
        ("/usr/share/go-1.*/src", "/usr/lib/go/src", "/usr/local/go/src"),
        "**/*.go",
        ("testdata/", "_test.go", "vendor/", "cmd/"),
        "bash .ci/setup-realcode.sh (Debian golang-1.19-src)",
    ),
    "rust": Origin(
        ("/usr/src/rustc-*/library",),
        "**/*.rs",
        ("tests/", "benches/", "/stdarch/", "/backtrace/", "portable-simd"),
        "bash .ci/setup-realcode.sh (Debian rust-src)",
    ),
    "java": Origin(
        ("/usr/lib/jvm/*/lib/src.zip",),
        "java.base/java/util/**/*.java",
        (),
        "a JDK with lib/src.zip (Debian openjdk-17-source or a Temurin JDK)",
    ),
}


def _roots(origin: Origin) -> list[str]:
    found: list[str] = []
    for root in origin.roots:
        found += sorted(p for p in glob.glob(root, recursive=True) if os.path.exists(p))
    return found


def _readable(text: str) -> bool:
    return len(text) <= MAX_CHARS and all(len(x) <= MAX_LINE for x in text.split("\n"))


def _walk(origin: Origin) -> Iterator[tuple[str, str]]:
    """(relative name, absolute path or zip member) of every candidate, first root first."""
    seen: set[str] = set()
    for root in _roots(origin):
        if root.endswith(".zip"):
            with zipfile.ZipFile(root) as z:
                import fnmatch

                names = [
                    n
                    for n in z.namelist()
                    if any(fnmatch.fnmatch(n, p) for p in origin.pattern.split("|"))
                ]
            for name in names:
                if name not in seen and not any(x in name for x in origin.exclude):
                    seen.add(name)
                    yield name, f"{root}!{name}"
            continue
        paths = {
            path
            for pattern in origin.pattern.split("|")
            for path in glob.glob(os.path.join(root, pattern), recursive=True)
        }
        for path in sorted(paths):
            name = os.path.relpath(path, root)
            if name in seen or any(x in "/" + name for x in origin.exclude):
                continue
            seen.add(name)
            yield name, path
        if seen:
            return  # one root per language: the same files whatever else the machine has


def _read(where: str) -> str | None:
    try:
        if "!" in where and where.split("!")[0].endswith(".zip"):
            root, member = where.split("!", 1)
            with zipfile.ZipFile(root) as z:
                return z.read(member).decode("utf-8")
        return Path(where).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def missing(lang: str) -> str | None:
    """Why ``lang`` has no sources here (what installs them), or None when it has some."""
    if _roots(ORIGINS[lang]):
        return None
    return f"{lang}: no sources on this machine ({ORIGINS[lang].how})"


def pick(lang: str, count: int, seed: int) -> list[SourceFile]:
    """``count`` files of ``lang``, sampled with ``seed`` from the sorted candidates that are
    readable UTF-8, not minified and not too big."""
    origin = ORIGINS[lang]
    names = list(_walk(origin))
    rng = random.Random(f"{seed}-{lang}")
    rng.shuffle(names)
    out: list[SourceFile] = []
    for name, where in names:
        if len(out) >= count:
            break
        text = _read(where)
        if text is None or "\r" in text or not _readable(text) or text.count("\n") < 20:
            continue
        out.append(SourceFile(lang, name, text))
    return out
