"""A local wheelhouse: codestral-ls's run-time dependencies and what building it needs, as
wheels in one folder, so that the install tests run pip, pipx and uv with no index at all
(``--no-index --find-links``): fast, repeatable, and no package index during the test.

Built once with ``pip download`` (from the package index pip is configured with) for every
Python the tests may install into, and kept under ``.cache/wheelhouse/`` keyed by what it holds.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "wheelhouse"
# Every Python the package supports (pyproject's classifiers) and the Debian sid chroot's.
PYTHONS = ("3.10", "3.11", "3.12", "3.13", "3.14")


# pipx upgrades pip in its shared environment before anything else.
INSTALLERS = ("pip",)


def requirements() -> list[str]:
    """The run-time dependencies and the build requirements, as pyproject.toml says, and pip."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return [*project["project"]["dependencies"], *project["build-system"]["requires"], *INSTALLERS]


def wheelhouse(pythons: tuple[str, ...] = PYTHONS) -> Path:
    """The folder of wheels (built now if this set of requirements has none yet)."""
    wanted = sorted({*pythons, "{}.{}".format(*sys.version_info[:2])})
    reqs = requirements()
    key = hashlib.sha256("\n".join([*reqs, *wanted]).encode()).hexdigest()[:12]
    dest = CACHE / key
    if (dest / ".complete").exists():
        return dest
    building = CACHE / f".building-{uuid.uuid4().hex}"
    building.mkdir(parents=True)
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    try:
        for version in wanted:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(building),
                 "--only-binary=:all:", "--python-version", version, *reqs],
                check=True, env=env, capture_output=True, text=True, timeout=600,
            )  # fmt: skip
        (building / ".complete").write_text("\n".join([*reqs, *wanted]) + "\n")
        try:
            building.rename(dest)
        except OSError:  # built by another run meanwhile
            shutil.rmtree(building, ignore_errors=True)
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(building, ignore_errors=True)
        raise RuntimeError(f"pip download failed:\n{exc.stdout}\n{exc.stderr}") from exc
    return dest


def offline_pip_env(wheels: Path) -> dict[str, str]:
    """Environment variables that make pip install from `wheels` only."""
    return {
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheels),
        "PIP_CONFIG_FILE": os.devnull,  # the machine's pip.conf (indexes, constraints) stays out
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }


if __name__ == "__main__":
    print(wheelhouse())
