"""Which files of the workspace folders are indexed: ``git ls-files`` in a git repository,
else a walk that honours ``.gitignore``/``.ignore``; never secret or excluded files, vendored or
generated trees, binaries, files over the size cap, or anything reached twice (symlink loops).

Runs in a worker thread (blocking I/O); yields paths lazily so a 200,000-file tree costs only
what is taken before the cap.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from codestral_ls.privacy import is_secret_file

# Trees that are vendored, generated or tool state: never code the user writes.
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".venv",
        "venv",
        "env",
        ".tox",
        ".nox",
        "dist",
        "build",
        "out",
        "target",
        "vendor",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".cache",
        ".next",
        ".nuxt",
        ".gradle",
        ".idea",
        ".vscode",
        "bower_components",
        "site-packages",
        ".eggs",
        "coverage",
    }
)
# Source languages the index understands (extension -> language of imports.py/symbols.py).
LANGUAGES = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".jsx": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".ts": "typescript",
    ".tsx": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".kt": "kotlin",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".hpp": "cpp",
    ".cs": "csharp",
    ".rb": "ruby",
    ".php": "php",
    ".lua": "lua",
    ".swift": "swift",
    ".scala": "scala",
}
# Generated even when committed: minified bundles, lock files, maps.
GENERATED_SUFFIXES = (".min.js", ".min.mjs", ".bundle.js", ".map", ".lock", "-lock.json")
GIT_TIMEOUT_SECONDS = 20


@dataclass
class Discovery:
    """What a discovery pass skipped and why (for status: one message per cause)."""

    skipped_secret: int = 0
    skipped_excluded_dirs: int = 0
    loops: int = 0
    unreadable: int = 0
    errors: list[str] = field(default_factory=list)


def language_of(path: str) -> str | None:
    lower = path.lower()
    if lower.endswith(GENERATED_SUFFIXES):
        return None
    return LANGUAGES.get(os.path.splitext(lower)[1])


def is_indexable(relative: str, exclude: tuple[str, ...]) -> bool:
    """A source file outside skipped trees and never secret or excluded."""
    parts = relative.replace("\\", "/").split("/")
    if any(p in SKIPPED_DIRS for p in parts[:-1]):
        return False
    if language_of(parts[-1]) is None:
        return False
    return not is_secret_file(relative, exclude)


def discover(root: str, exclude: tuple[str, ...], report: Discovery) -> Iterator[str]:
    """Relative paths (``/``-separated) of the files to index under ``root``."""
    listed = _git_files(root)
    if listed is not None:
        for relative in listed:
            if is_indexable(relative, exclude):
                yield relative
            elif is_secret_file(relative, exclude):
                report.skipped_secret += 1
        return
    yield from _walk(root, exclude, report)


def _git_files(root: str) -> list[str] | None:
    """Tracked and untracked-but-not-ignored files, or None when ``root`` is not in git."""
    if not os.path.exists(os.path.join(root, ".git")):
        return None
    try:
        done = subprocess.run(
            ["git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            capture_output=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return [p for p in done.stdout.decode("utf-8", "replace").split("\0") if p]


class _Ignore:
    """The patterns of the ``.gitignore``/``.ignore`` files met on the way down (the common
    subset of gitignore: globs, ``/``-anchored, ``dir/``, ``!`` negation, ``**``)."""

    def __init__(self, rules: tuple[tuple[str, str, bool, bool], ...] = ()) -> None:
        # (base directory, pattern, directory-only, negated)
        self.rules = rules

    def extended(self, base: str, folder: str) -> _Ignore:
        added: list[tuple[str, str, bool, bool]] = []
        for name in (".gitignore", ".ignore"):
            try:
                with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as f:
                    lines = f.read(256_000).splitlines()
            except OSError:
                continue
            for raw in lines:
                line = raw.strip()
                if not line or line.startswith("#"):
                    continue
                negated = line.startswith("!")
                line = line.lstrip("!")
                dir_only = line.endswith("/")
                line = line.rstrip("/")
                if line:
                    added.append((base, line, dir_only, negated))
        return _Ignore(self.rules + tuple(added)) if added else self

    def ignored(self, relative: str, is_dir: bool) -> bool:
        verdict = False
        for base, pattern, dir_only, negated in self.rules:
            if dir_only and not is_dir:
                continue
            inside = relative[len(base) + 1 :] if base else relative
            if base and not relative.startswith(base + "/"):
                continue
            if _matches(inside, pattern):
                verdict = not negated
        return verdict


def _matches(path: str, pattern: str) -> bool:
    anchored = "/" in pattern.strip("/")
    pattern = pattern.lstrip("/")
    if anchored:
        return fnmatchcase(path, pattern) or fnmatchcase(path, pattern.replace("**/", ""))
    return fnmatchcase(path.rsplit("/", 1)[-1], pattern)


def _walk(root: str, exclude: tuple[str, ...], report: Discovery) -> Iterator[str]:
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[str, str, _Ignore]] = [(root, "", _Ignore().extended("", root))]
    while stack:
        folder, relative, ignore = stack.pop()
        try:
            info = os.stat(folder)
        except OSError:
            report.unreadable += 1
            continue
        key = (info.st_dev, info.st_ino)
        if key in seen:
            report.loops += 1  # a symlink back up the tree, or a second way to one folder
            continue
        seen.add(key)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            report.unreadable += 1
            continue
        subfolders: list[tuple[str, str, _Ignore]] = []
        for entry in entries:
            rel = f"{relative}/{entry.name}" if relative else entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                continue
            if is_dir:
                if entry.name in SKIPPED_DIRS or ignore.ignored(rel, True):
                    report.skipped_excluded_dirs += 1
                    continue
                subfolders.append((entry.path, rel, ignore.extended(rel, entry.path)))
                continue
            if ignore.ignored(rel, False):
                continue
            if language_of(entry.name) is None:
                continue
            if is_secret_file(rel, exclude):
                report.skipped_secret += 1
                continue
            yield rel
        stack.extend(reversed(subfolders))
