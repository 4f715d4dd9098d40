#!/usr/bin/env python3
"""Puts the codestral-ls server and its dependencies into editors/vscode/bundled/libs, which the
.vsix carries: the extension runs `python -m codestral_ls` with PYTHONPATH=bundled/libs, so a
user needs a Python 3.10+ and nothing else (no pip step).

    python3 scripts/bundle_server.py [--target universal|linux-x64|...] [--offline]

- every target: the pure-Python wheels of server-requirements.txt (each must be tagged
  py3-none-any: checked) and the project's own package, copied from this checkout;
- a platform target (linux-x64, darwin-arm64, win32-x64, ...): also the binary wheels of
  syntax-requirements.txt (tree-sitter) for that platform, one tree_sitter extension per
  CPython 3.10-3.14 side by side (their file names carry the version, so they coexist).
  Without them (universal target, or an unlisted Python) the server's syntax module cannot
  import tree-sitter and falls back to its lexical rules.

Wheels are downloaded once with pip into .cache/vscode-wheels (or --wheels DIR) and reused;
--offline never downloads and fails when one is missing.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

EXT = Path(__file__).resolve().parents[1]
ROOT = EXT.parents[1]
PURE = EXT / "server-requirements.txt"
SYNTAX = EXT / "syntax-requirements.txt"
PYTHONS = ("3.10", "3.11", "3.12", "3.13", "3.14")
# VS Code's platform targets and the pip platform tags of their wheels.
PLATFORMS: dict[str, list[str]] = {
    "linux-x64": ["manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_28_x86_64"],
    "linux-arm64": ["manylinux2014_aarch64", "manylinux_2_17_aarch64", "manylinux_2_28_aarch64"],
    "alpine-x64": ["musllinux_1_1_x86_64", "musllinux_1_2_x86_64"],
    "darwin-x64": ["macosx_10_9_x86_64", "macosx_11_0_x86_64"],
    "darwin-arm64": ["macosx_11_0_arm64"],
    "win32-x64": ["win_amd64"],
    "win32-arm64": ["win_arm64"],
}
TARGETS = ["universal", *PLATFORMS]


def requirements(path: Path) -> list[str]:
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def wheel_name(requirement: str) -> str:
    """pip's file-name form of a pinned requirement: `typing_extensions-4.16.0-`."""
    name, version = requirement.split("==")
    return f"{re.sub(r'[-_.]+', '_', name).lower()}-{version}-"


def find_wheel(wheels: Path, requirement: str, tag: str = "") -> Path | None:
    prefix = wheel_name(requirement)
    for path in sorted(wheels.glob("*.whl")):
        name = path.name.lower()
        if name.startswith(prefix) and tag in name:
            return path
    return None


def pip_download(wheels: Path, requirement: str, extra: list[str]) -> None:
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
    cmd += ["--only-binary=:all:", "--dest", str(wheels), *extra, requirement]
    print(f"    pip download {requirement} {' '.join(extra)}", flush=True)
    subprocess.run(cmd, check=True)


def fetch(wheels: Path, requirement: str, tag: str, extra: list[str], offline: bool) -> Path:
    found = find_wheel(wheels, requirement, tag)
    if found is None and not offline:
        pip_download(wheels, requirement, extra)
        found = find_wheel(wheels, requirement, tag)
    if found is None:
        raise SystemExit(
            f"bundle_server: no wheel for {requirement} ({tag or 'any'}) in {wheels}; "
            "run without --offline to download it"
        )
    return found


def extract(wheel: Path, libs: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        for member in z.namelist():
            # Only the importable files: no .data/ (scripts, headers) in these wheels anyway.
            if ".data/" not in member:
                z.extract(member, libs)


def copy_project(libs: Path) -> str:
    """The project's own package, from this checkout, with just enough metadata that
    importlib.metadata knows its version."""
    source = ROOT / "codestral_ls"
    shutil.copytree(
        source,
        libs / "codestral_ls",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    text = (source / "__init__.py").read_text()
    found = re.search(r"""__version__\s*=\s*["']([^"']+)["']""", text)
    pyproject = (ROOT / "pyproject.toml").read_text()
    static = re.search(r'^version\s*=\s*"([^"]+)"', pyproject, re.MULTILINE)
    version = found.group(1) if found else static.group(1) if static else "0+unknown"
    info = libs / f"codestral_ls-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: codestral-ls\nVersion: {version}\n"
        "Requires-Python: >=3.10\n"
    )
    (info / "INSTALLER").write_text("codestral-ls vscode bundle\n")
    return version


def bundle(target: str, wheels: Path, out: Path, offline: bool) -> dict[str, object]:
    wheels.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(out, ignore_errors=True)
    libs = out / "libs"
    libs.mkdir(parents=True)
    pure_flags = ["--platform", "any", "--implementation", "py", "--abi", "none"]
    pure_flags += ["--python-version", "3.10"]
    packages: list[str] = []
    for requirement in requirements(PURE):
        wheel = fetch(wheels, requirement, "", pure_flags, offline)
        tags = wheel.name[:-4].split("-")[-3:]
        if tags[1:] != ["none", "any"] or not tags[0].startswith("py"):
            raise SystemExit(f"bundle_server: {wheel.name} is not a pure-Python wheel")
        extract(wheel, libs)
        packages.append(requirement)
    syntax: list[str] = []
    if target != "universal":
        platform_flags: list[str] = []
        for tag in PLATFORMS[target]:
            platform_flags += ["--platform", tag]
        # binary wheels of one platform only in their folder: their names' python tags alone
        # would let another platform's wheel in the cache stand in
        platform_wheels = wheels / target
        platform_wheels.mkdir(exist_ok=True)
        for requirement in requirements(SYNTAX):
            for python in PYTHONS:
                cp = "cp" + python.replace(".", "")
                # grammars: one abi3 wheel (cp39-abi3 or cp310-abi3) serves every version
                abi3 = requirement.startswith("tree-sitter-")
                tag = "-abi3-" if abi3 else f"-{cp}-{cp}-"
                extra = [*platform_flags, "--python-version", python]
                try:
                    wheel = fetch(platform_wheels, requirement, tag, extra, offline)
                except subprocess.CalledProcessError as exc:
                    raise SystemExit(f"bundle_server: pip download failed: {exc}") from exc
                extract(wheel, libs)
                syntax.append(wheel.name)
                if abi3:
                    break
    version = copy_project(libs)
    manifest = {
        "server": f"codestral-ls {version}",
        "target": target,
        "requiresPython": ">=3.10",
        "packages": packages,
        "syntaxWheels": syntax,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--target", default="universal", choices=TARGETS)
    p.add_argument("--wheels", type=Path, default=ROOT / ".cache" / "vscode-wheels")
    p.add_argument("--out", type=Path, default=EXT / "bundled")
    p.add_argument("--offline", action="store_true", help="never download (CI tests)")
    args = p.parse_args()
    manifest = bundle(args.target, args.wheels, args.out, args.offline)
    size = sum(f.stat().st_size for f in args.out.rglob("*") if f.is_file())
    print(
        f"bundled {manifest['server']} for {args.target}: {len(manifest['packages'])} "
        f"pure wheels, {len(manifest['syntaxWheels'])} syntax wheels, "
        f"{size / 1e6:.1f} MB in {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
