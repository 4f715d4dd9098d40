"""codestral-ls as a package: ``python -m build`` gives a wheel and an sdist that pass
``twine check``, with complete metadata and one version; the wheel installs with pipx and with
uv into clean environments (fresh HOME, tool and XDG folders, no index: the dependencies come
from the local wheelhouse) and its ``codestral-ls`` answers ``--version`` and ``complete``
against the fake upstream running as its own process.

The tools (build, twine, pipx, uv) go into a throwaway virtual environment from the package
index pip is configured with; they are never run-time or test dependencies of the project.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tarfile
import venv
import zipfile
from collections.abc import Iterator
from email.parser import Parser
from pathlib import Path

import pytest

from tests.support.keys import PROVIDER_KEY
from tests.support.upstream import fake_process
from tests.support.wheelhouse import ROOT, offline_pip_env, tomllib

TOOLS = ["build>=1.2", "twine>=6.1", "pipx>=1.7", "uv>=0.5"]
SUGGESTION = "a + b"


def _version() -> str:
    text = (ROOT / "codestral_ls" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"$', text, re.MULTILINE)
    assert match, "codestral_ls/__init__.py has no __version__"
    return match.group(1)


def _run(argv: list[str], env: dict[str, str], timeout: float = 300, **kw) -> str:
    proc = subprocess.run(
        argv, env=env, capture_output=True, text=True, timeout=timeout, check=False, **kw
    )
    assert proc.returncode == 0, f"{argv} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def tools(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throwaway venv with build, twine, pipx and uv; its bin folder."""
    where = tmp_path_factory.mktemp("tools") / "venv"
    venv.create(where, with_pip=True)
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    _run([str(where / "bin" / "python"), "-m", "pip", "install", "--quiet", *TOOLS], env)
    return where / "bin"


@pytest.fixture(scope="module")
def dist(tools: Path, wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel and the sdist, built from this checkout with no index (setuptools from the
    wheelhouse)."""
    out = tmp_path_factory.mktemp("dist")
    env = {**os.environ, **offline_pip_env(wheelhouse)}
    _run([str(tools / "python"), "-m", "build", "--outdir", str(out), str(ROOT)], env)
    return out


def _wheel(dist: Path) -> Path:
    [wheel] = dist.glob("codestral_ls-*-py3-none-any.whl")
    return wheel


def test_wheel_and_sdist_pass_twine_check(tools: Path, dist: Path) -> None:
    [sdist] = dist.glob("codestral_ls-*.tar.gz")
    out = _run([str(tools / "twine"), "check", "--strict", str(_wheel(dist)), str(sdist)], {})
    assert out.count("PASSED") == 2, out
    assert _wheel(dist).name == f"codestral_ls-{_version()}-py3-none-any.whl"
    assert sdist.name == f"codestral_ls-{_version()}.tar.gz"


def test_metadata_is_complete(dist: Path) -> None:
    with zipfile.ZipFile(_wheel(dist)) as wheel:
        names = wheel.namelist()
        info = f"codestral_ls-{_version()}.dist-info"
        meta = Parser().parsestr(wheel.read(f"{info}/METADATA").decode())
        entry_points = wheel.read(f"{info}/entry_points.txt").decode()
    assert meta["Name"] == "codestral-ls" and meta["Version"] == _version()
    assert meta["License-Expression"] == "MIT" and meta["License-File"] == "LICENSE"
    assert f"{info}/licenses/LICENSE" in names
    assert meta["Requires-Python"] == ">=3.10"
    assert meta["Description-Content-Type"] == "text/markdown"
    assert "# codestral-ls" in meta.get_payload()  # the README is the long description
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert set(urls) == {"Repository", "Issues", "Changelog"}
    assert all(u.startswith("https://") for u in urls.values())
    classifiers = meta.get_all("Classifier")
    assert "Programming Language :: Python :: 3.10" in classifiers
    assert any(c.startswith("Development Status ::") for c in classifiers)
    assert "neovim" in meta["Keywords"] and meta["Author-email"]
    assert "codestral-ls = codestral_ls.cli:main" in entry_points
    assert not [n for n in names if n.startswith("tests/")]
    with tarfile.open(next(dist.glob("*.tar.gz"))) as sdist:
        top = f"codestral_ls-{_version()}"
        files = {Path(n).relative_to(top).as_posix() for n in sdist.getnames() if n != top}
    assert {"LICENSE", "CHANGELOG.md", "README.md", "pyproject.toml"} <= files
    assert "codestral_ls/cli.py" in files


def test_the_version_is_written_once() -> None:
    """pyproject.toml reads it from codestral_ls/__init__.py; no second copy to drift."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in pyproject["project"]
    assert "version" in pyproject["project"]["dynamic"]
    dynamic = pyproject["tool"]["setuptools"]["dynamic"]
    assert dynamic["version"] == {"attr": "codestral_ls.__version__"}


@pytest.fixture(scope="module")
def fake_upstream() -> Iterator[str]:
    """tests/fakes/mistral.py as its own process; its base URL."""
    with fake_process(text=SUGGESTION) as base_url:
        yield base_url


def _clean_env(home: Path, wheelhouse: Path, tools: Path) -> dict[str, str]:
    """A user with nothing of ours: fresh HOME and XDG folders, no index, the tools on PATH."""
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_STATE_HOME": str(home / ".local/state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "PATH": f"{tools}:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        **offline_pip_env(wheelhouse),
    }


def _check_installed(server: Path, base_url: str, tmp: Path) -> None:
    """The installed codestral-ls: its version, and one completion from the fake upstream."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp), "CODESTRAL_API_KEY": PROVIDER_KEY}
    assert _run([str(server), "--version"], env).strip() == f"codestral-ls {_version()}"
    settings = tmp / "settings.json"
    settings.write_text(json.dumps({"codestral": {"baseUrl": base_url}}))
    source = tmp / "add.py"
    source.write_text("def add(a, b):\n    return \n")
    out = _run(
        [str(server), "--settings", str(settings), "complete", f"{source}:2:12"], env, cwd=tmp
    )
    assert out == SUGGESTION


def test_pipx_installs_the_wheel(
    tools: Path, dist: Path, wheelhouse: Path, fake_upstream: str, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    env = {
        **_clean_env(home, wheelhouse, tools),
        "PIPX_HOME": str(tmp_path / "pipx"),
        "PIPX_BIN_DIR": str(tmp_path / "bin"),
        "PIPX_MAN_DIR": str(tmp_path / "man"),
    }
    # pipx 1.8+ hands the install to uv when uv is on PATH: ask for its classic pip backend here
    # (uv has its own test below).
    pipx = [str(tools / "pipx"), "install", "--backend", "pip", "--python", str(tools / "python")]
    _run([*pipx, str(_wheel(dist))], env)
    _check_installed(tmp_path / "bin" / "codestral-ls", fake_upstream, tmp_path)


def test_uv_tool_installs_the_wheel(
    tools: Path, dist: Path, wheelhouse: Path, fake_upstream: str, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    env = {
        **_clean_env(home, wheelhouse, tools),
        "UV_TOOL_DIR": str(tmp_path / "uv-tools"),
        "UV_TOOL_BIN_DIR": str(tmp_path / "bin"),
        "UV_CACHE_DIR": str(tmp_path / "uv-cache"),
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_NO_CONFIG": "1",
    }
    _run(
        [str(tools / "uv"), "tool", "install", "--no-index", "--find-links", str(wheelhouse),
         "--python", "/usr/bin/python3", str(_wheel(dist))],
        env,
    )  # fmt: skip
    _check_installed(tmp_path / "bin" / "codestral-ls", fake_upstream, tmp_path)
