"""The workspace index on real files in a temporary folder: discovery (git and walk), what is
never indexed, bad files, caps, updates, and the prompt header a keystroke gets."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

import pytest

from codestral_ls.service import Codestral
from codestral_ls.workspace.files import Discovery, discover
from codestral_ls.workspace.imports import parse_imports
from codestral_ls.workspace.index import parse_file
from codestral_ls.workspace.symbols import definitions


def write(root: Path, rel: str, text: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


async def indexed(root: Path, settings: dict | None = None) -> tuple[Codestral, list[str]]:
    told: list[str] = []
    service = Codestral(
        env={"CODESTRAL_API_KEY": "k"}, notify=lambda level, text: told.append(text)
    )
    service.set_root(str(root))
    service.set_folders([str(root)])
    service.set_layer("init", settings or {})
    service.start_workspace()
    for _ in range(1000):
        if service.status()["workspace"]["state"] in ("ready", "off"):
            break
        await asyncio.sleep(0.01)
    return service, told


def test_walk_skips_vendored_ignored_secret_and_loops(tmp_path: Path) -> None:
    write(tmp_path, "app/main.py", "x = 1\n")
    write(tmp_path, "node_modules/lib/index.js", "module.exports = 1\n")
    write(tmp_path, ".venv/lib/site.py", "y = 1\n")
    write(tmp_path, "build/out.py", "z = 1\n")
    write(tmp_path, "generated/big.py", "z = 1\n")
    write(tmp_path, "app/skip_me.py", "z = 1\n")
    write(tmp_path, ".gitignore", "generated/\n*_me.py\n")
    write(tmp_path, ".ignore", "notes/\n")
    write(tmp_path, "notes/n.py", "q = 1\n")
    write(tmp_path, "app/secrets.py", "TOKEN = 'x'\n")
    write(tmp_path, "app/.env", "A=1\n")
    write(tmp_path, "app/excluded/private.py", "p = 1\n")
    os.symlink(tmp_path / "app", tmp_path / "app" / "loop")
    report = Discovery()
    found = sorted(discover(str(tmp_path), ("app/excluded/*",), report))
    assert found == ["app/main.py"]
    assert report.loops == 1
    assert report.skipped_secret >= 2


def test_git_repository_uses_ls_files(tmp_path: Path) -> None:
    write(tmp_path, "src/a.py", "def a():\n    pass\n")
    write(tmp_path, "src/ignored.py", "def b():\n    pass\n")
    write(tmp_path, ".gitignore", "ignored.py\n")
    write(tmp_path, "credentials.json.py", "k = 1\n")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    found = sorted(discover(str(tmp_path), (), Discovery()))
    assert found == ["src/a.py"]


def test_bad_files_are_skipped_with_their_cause(tmp_path: Path) -> None:
    good = write(tmp_path, "good.py", "def ok(a):\n    return a\n")
    binary = write(tmp_path, "blob.py", b"\x00\x01\x02def x(): pass")
    latin = write(tmp_path, "latin.py", "def caf\xe9_name():\n    pass\n".encode("latin-1"))
    big = write(tmp_path, "big.py", "x = 1\n" * 1000)
    assert parse_file(str(binary), "blob.py", 10_000).cause == "binary"  # type: ignore[union-attr]
    assert parse_file(str(big), "big.py", 1000).cause == "too_large"  # type: ignore[union-attr]
    assert parse_file(str(tmp_path / "gone.py"), "gone.py", 1000).cause == "gone"  # type: ignore[union-attr]
    parsed = parse_file(str(latin), "latin.py", 10_000)
    assert not hasattr(parsed, "cause")  # non-UTF-8 bytes are replaced, never an error
    assert [d.name for d in parse_file(str(good), "good.py", 1000).definitions] == ["ok"]  # type: ignore[union-attr]
    if os.geteuid() != 0:
        locked = write(tmp_path, "locked.py", "x = 1\n")
        locked.chmod(0)
        assert parse_file(str(locked), "locked.py", 1000).cause == "unreadable"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("language", "text", "names"),
    [
        ("python", "async def fetch(u,\n  t=3):\n    pass\nclass Client:\n", ["fetch", "Client"]),
        (
            "typescript",
            "export function send(a: number) {\n}\nexport const get = async (u) => u\n",
            ["send", "get"],
        ),
        (
            "javascript",
            "exports.load = function (x) {\n}\nclass Tree {\n  walk (node) {\n  }\n}\n",
            ["load", "Tree", "walk"],
        ),
        (
            "go",
            "func (s *Server) Serve(l net.Listener) error {\n}\ntype Server struct {\n",
            ["Serve", "Server"],
        ),
        (
            "rust",
            "pub async fn connect(addr: &str) -> Result<()> {\n}\npub struct Pool {\n",
            ["connect", "Pool"],
        ),
        (
            "java",
            "public class Repo {\n    public static List<Item> findAll(int limit) {\n",
            ["Repo", "findAll"],
        ),
    ],
)
def test_definitions_per_language(language: str, text: str, names: list[str]) -> None:
    lines = text.splitlines(keepends=True)
    assert [d.name for d in definitions(lines, language)] == names


def test_imports_per_language() -> None:
    py = parse_imports(
        "from .net import send as s, recv\nimport pkg.util as u\n", "python", "a/b.py"
    )
    assert py[0].keys == ("a/net",) and py[0].exact and ("s", "send") in py[0].names
    assert any(i.alias == "u" and i.keys == ("pkg/util",) for i in py)
    js = parse_imports(
        "import {send, recv as r} from '../lib/net'\nconst x = require('./x')\n",
        "typescript",
        "src/app/main.ts",
    )
    assert js[0].keys[0] == "src/lib/net" and ("r", "recv") in js[0].names
    assert js[1].alias == "x" and js[1].keys[0] == "src/app/x"
    go = parse_imports('import (\n\tnet "example.com/m/netutil"\n)\n', "go", "cmd/main.go")
    assert go[0].alias == "net" and "netutil" in go[0].keys and go[0].folder
    rs = parse_imports("use crate::net::{send, Conn};\n", "rust", "src/main.rs")
    assert rs[0].keys[0] == "net" and ("Conn", "Conn") in rs[0].names
    java = parse_imports("import com.acme.net.Client;\n", "java", "App.java")
    assert java[0].keys[0] == "com/acme/net/Client"


async def test_definition_from_an_imported_file_reaches_the_prompt(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pkg/net.py",
        "def send_frame(sock, payload: bytes, *, flush: bool) -> int:\n"
        '    """Write one frame."""\n    return 0\n',
    )
    write(tmp_path, ".env", "def send_frame(secret_env):\n    pass\n")
    main = write(tmp_path, "app.py", "from pkg.net import send_frame\n\nsend_frame(\n")
    service, _ = await indexed(tmp_path)
    assert service.status()["workspace"]["files"] == 2
    doc = service.open_document(main.as_uri(), "python", 1, main.read_text(), str(main))
    job = service.build_job(doc, 2, len("send_frame("))
    assert "+++++ pkg/net.py\ndef send_frame(sock, payload: bytes, *, flush: bool) -> int:" in (
        job.model_prompt
    )
    assert "secret_env" not in job.model_prompt
    assert job.model_prompt.endswith("+++++ app.py\n" + job.prompt)


async def test_saves_and_watched_changes_update_the_index(tmp_path: Path) -> None:
    lib = write(tmp_path, "lib.py", "def old_name(a):\n    pass\n")
    main = write(tmp_path, "main.py", "import lib\nlib.new_name(\n")
    service, _ = await indexed(tmp_path)
    doc = service.open_document(main.as_uri(), "python", 1, main.read_text(), str(main))
    assert "def new_name" not in service.build_job(doc, 1, 13).model_prompt
    lib.write_text("def new_name(a, b):\n    pass\n")
    service.files_changed([(str(lib), True)])
    await asyncio.sleep(0.2)
    assert "def new_name(a, b):" in service.build_job(doc, 1, 13).model_prompt
    lib.unlink()
    service.files_changed([(str(lib), False)])
    await asyncio.sleep(0.2)
    assert service.status()["workspace"]["files"] == 1
    assert "new_name(a, b)" not in service.build_job(doc, 1, 13).model_prompt


async def test_a_file_changed_on_disk_is_never_shown_stale(tmp_path: Path) -> None:
    lib = write(tmp_path, "lib.py", "def helper(a):\n    pass\n")
    main = write(tmp_path, "main.py", "from lib import helper\nhelper(\n")
    service, _ = await indexed(tmp_path)
    lib.write_text("# rewritten, not saved through the editor\ndef helper(a, b, c):\n    pass\n")
    doc = service.open_document(main.as_uri(), "python", 1, main.read_text(), str(main))
    assert "def helper(a):" not in service.build_job(doc, 1, 7).model_prompt


async def test_file_cap_is_said_once(tmp_path: Path) -> None:
    for n in range(30):
        write(tmp_path, f"m{n}.py", "")
    service, told = await indexed(tmp_path, {"context": {"maxFiles": 10}})
    status = service.status()["workspace"]
    assert status["files"] == 10 and len(status["caps"]) == 1
    assert len([t for t in told if "maxFiles" in t]) == 1


async def test_no_workspace_folder() -> None:
    service = Codestral(env={"CODESTRAL_API_KEY": "k"})
    service.apply_settings()
    service.start_workspace()
    status = service.status()["workspace"]
    assert status["state"] == "off" and "No workspace folder" in status["caps"][0]


async def test_a_workspace_of_200000_files_is_capped_and_said_once(tmp_path: Path) -> None:
    # empty files, created cheaply: discovery stops at the cap, so the cost is the creation
    for folder in range(200):
        sub = tmp_path / f"d{folder:03}"
        sub.mkdir()
        for n in range(1000):
            os.close(os.open(sub / f"m{n}.py", os.O_CREAT | os.O_WRONLY, 0o644))
    service, told = await indexed(tmp_path)
    status = service.status()["workspace"]
    assert status["files"] == 20_000
    assert len([t for t in told if "maxFiles" in t]) == 1
    assert len(status["caps"]) == 1
    service.files_changed([(str(tmp_path / "d000" / "m1.py"), True)])
    await asyncio.sleep(0.1)
    assert len([t for t in told if "maxFiles" in t]) == 1
