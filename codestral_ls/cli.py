"""Command line: serve LSP (stdio or TCP), or run one completion/explanation/check."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import signal
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codestral_ls import __version__

if TYPE_CHECKING:  # imported late below: `codestral-ls --version` stays fast
    from codestral_ls.documents import Document
    from codestral_ls.messages import Level
    from codestral_ls.service import Codestral

log = logging.getLogger("codestral_ls")

LANGUAGES = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascriptreact",
    ".ts": "typescript",
    ".tsx": "typescriptreact",
    ".go": "go",
    ".rs": "rust",
    ".lua": "lua",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".hpp": "cpp",
    ".java": "java",
    ".kt": "kotlin",
    ".rb": "ruby",
    ".php": "php",
    ".cs": "csharp",
    ".swift": "swift",
    ".sh": "shellscript",
    ".bash": "shellscript",
    ".zsh": "shellscript",
    ".md": "markdown",
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".toml": "toml",
    ".html": "html",
    ".css": "css",
    ".scss": "scss",
    ".sql": "sql",
    ".vim": "vim",
    ".zig": "zig",
    ".scala": "scala",
    ".ex": "elixir",
    ".exs": "elixir",
    ".hs": "haskell",
    ".ml": "ocaml",
    ".r": "r",
}


# The value of any quoted key-bearing field in a logged structure: pygls logs whole messages at
# debug level (a workspace/configuration answer included) before the server has applied, or
# even seen, the key inside, so "the keys in use" alone cannot catch it.
_KEY_FIELD = re.compile(
    r"""(["'](?:api_?key|virtual_?key|authorization|x-portkey-api-key|x-portkey-virtual-key)"""
    r"""["']\s*:\s*["']?)[^"',}\s]+(?:\s+[^"',}\s]+)?""",
    re.IGNORECASE,
)


class ScrubSecrets(logging.Filter):
    """Replaces the keys in use, and any key-bearing field's value, with *** in every log
    record, whatever logged them."""

    def __init__(self, secrets: Callable[[], Iterable[str]]) -> None:
        super().__init__()
        self._secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        from codestral_ls.messages import scrub

        message = record.getMessage()
        clean = _KEY_FIELD.sub(r"\1***", scrub(message, self._secrets()))
        if clean != message:
            record.msg, record.args = clean, None
        return True


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="codestral-ls",
        description="Codestral fill-in-the-middle completion as a language server.",
    )
    p.add_argument("--version", action="version", version=f"codestral-ls {__version__}")
    p.add_argument("--tcp", action="store_true", help="serve one TCP client instead of stdio")
    # vscode-languageclient and others append --stdio; stdio is the default anyway.
    p.add_argument("--stdio", action="store_true", help="serve over stdio (the default)")
    p.add_argument("--host", default="127.0.0.1", help="TCP host (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=2087, help="TCP port (default 2087)")
    p.add_argument("--log-file", metavar="PATH", help="write the log to this file")
    p.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    p.add_argument("--settings", metavar="FILE", help="JSON settings, as the editor's")
    sub = p.add_subparsers(dest="command")
    c = sub.add_parser("complete", help="print the completion at FILE:LINE:COL (1-based)")
    c.add_argument("where", metavar="FILE:LINE:COL")
    e = sub.add_parser("explain", help="print a Markdown explanation of FILE[:START[-END]]")
    e.add_argument("where", metavar="FILE[:START[-END]]")
    sub.add_parser("check", help="show the route and keys in use and time one FIM request")
    i = sub.add_parser(
        "inspect", help="print the last requests from the inspector log (codestral.inspector.log)"
    )
    i.add_argument("--last", type=int, default=5, metavar="N", help="how many (default 5)")
    i.add_argument("--json", action="store_true", help="JSON lines instead of text")
    i.add_argument("--log", metavar="PATH", help="the log file (default: in the cache directory)")
    return p


def _setup_logging(args: argparse.Namespace, secrets: Callable[[], Iterable[str]]) -> None:
    handler: logging.Handler = (
        logging.FileHandler(args.log_file, encoding="utf-8")
        if args.log_file
        else logging.StreamHandler(sys.stderr)
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(ScrubSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(args.log_level.upper())
    # Libraries' own debug output may print request headers: keep them quieter.
    for noisy in ("httpx", "httpcore", "hpack", "h2"):
        logging.getLogger(noisy).setLevel(max(logging.INFO, root.level))


def _settings_file(path: str | None) -> Any:
    if not path:
        return None
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"codestral-ls: cannot read --settings {path}: {exc}") from exc


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings_layer = _settings_file(args.settings)
    if args.command is None:
        return _serve(args, settings_layer)
    if args.command == "inspect":
        from codestral_ls.inspect_cli import print_inspector_log

        return print_inspector_log(args.log, args.last, args.json)
    return asyncio.run(_one_shot(args, settings_layer))


def _serve(args: argparse.Namespace, settings_layer: Any) -> int:
    from codestral_ls.lsp.build import build_server
    from codestral_ls.lsp.pygls_fixes import serve_stdio, serve_tcp

    # Ctrl-C ends the server at once, as SIGTERM does: an editor's server has no console
    # session to protect, and Python's KeyboardInterrupt would wait for pending work.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    server = build_server()
    _setup_logging(args, server.service.secrets)
    if settings_layer is not None:
        # Applied with the client's settings at initialize, so each problem is told once.
        server.service.set_layer("file", settings_layer, apply=False)
    if args.tcp:
        serve_tcp(server, args.host, args.port)
    else:
        serve_stdio(server)
    return 0


def _split_where(where: str) -> tuple[str, list[str]]:
    """FILE:A:B with a FILE that may itself hold colons (Windows drives, odd names)."""
    parts = where.split(":")
    numbers: list[str] = []
    while len(parts) > 1 and parts[-1].replace("-", "").isdigit() and len(numbers) < 2:
        numbers.insert(0, parts.pop())
    return ":".join(parts), numbers


async def _one_shot(args: argparse.Namespace, settings_layer: Any) -> int:
    from codestral_ls.service import Codestral

    told = _Told()
    service = Codestral(notify=told, one_shot=True)
    _setup_logging(args, service.secrets)
    service.set_layer("file", settings_layer)
    try:
        if args.command == "check":
            return await _check(service)
        return await (_complete if args.command == "complete" else _explain)(service, args, told)
    finally:
        await service.aclose()


class _Told:
    """What the service tells the user during a one-shot command: printed to stderr as it
    comes, once (the service logs it at debug level only)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, level: Level, text: str) -> None:
        print(f"codestral-ls: {text}", file=sys.stderr)
        self.count += 1


def _fail(reason: str) -> int:
    print(f"codestral-ls: {reason}", file=sys.stderr)
    return 1


def _open(service: Codestral, path: Path) -> Document:
    text = path.read_text(encoding="utf-8", errors="surrogateescape")
    language = LANGUAGES.get(path.suffix.lower(), "plaintext")
    service.set_root(str(Path.cwd()))
    full = path.resolve()
    return service.open_document(full.as_uri(), language, 1, text, path=str(full))


async def _complete(service: Codestral, args: argparse.Namespace, told: _Told) -> int:
    name, numbers = _split_where(args.where)
    if len(numbers) != 2:
        return _fail(f"expected FILE:LINE:COL, got {args.where!r}")
    path = Path(name)
    if not path.is_file():
        return _fail(f"no such file: {name}")
    doc = _open(service, path)
    line, col = int(numbers[0]) - 1, int(numbers[1]) - 1
    if line < 0 or col < 0:
        return _fail("LINE and COL are 1-based")
    if line >= doc.line_count:
        return _fail(f"{name} has {doc.line_count} lines; line {line + 1} is past the end")
    refusal = service.refusal(doc)
    if refusal:
        return _fail(f"no completion for {name}: {refusal.message}")
    line, index = doc.clamp(line, col, "utf-32")
    before = told.count
    text = await service.complete(doc, line, index, debounce=False)
    if not text and told.count > before:
        return 1  # the cause is printed already
    if not text:
        return _fail("no suggestion here (the model's answer was empty after post-processing)")
    sys.stdout.write(text)
    sys.stdout.flush()
    covered = service.closers_covered(doc, line, index, text)
    if covered:
        # an editor's item range replaces them; say so, since stdout can only carry the text
        after = doc.lines[line][index : index + covered]
        print(f"codestral-ls: replaces {after!r} after the cursor", file=sys.stderr)
    return 0


async def _explain(service: Codestral, args: argparse.Namespace, told: _Told) -> int:
    name, numbers = _split_where(args.where)
    path = Path(name)
    if not path.is_file():
        return _fail(f"no such file: {name}")
    doc = _open(service, path)
    refusal = service.refusal(doc)
    if refusal is not None and refusal.kind == "secret_file":
        return _fail(f"not sent: {refusal.message}")
    lines = doc.lines
    start, end = 1, len(lines)
    if numbers:
        bounds = numbers[-1].split("-")
        try:
            start = int(bounds[0])
            end = int(bounds[1]) if len(bounds) > 1 and bounds[1] else start
        except ValueError:
            return _fail(f"expected FILE[:START[-END]], got {args.where!r}")
    if not 1 <= start <= end:
        return _fail("lines are 1-based and START must not be after END")
    code = "".join(lines[start - 1 : end])
    from codestral_ls.upstream import UpstreamError

    before = told.count
    try:
        answer = await service.ask(None, code, doc.language_id, service.file_name(doc))
    except UpstreamError:
        return 1 if told.count > before else _fail("the explanation failed")
    print(answer)
    return 0


async def _check(service: Codestral) -> int:
    report = service.route_report()
    print(f"route: {report['route']}")
    print(f"base URL: {report['baseUrl']}")
    if report["route"] == "gateway":
        print(f"gateway FIM route: {report['fimRoute']}")
        print(f"gateway key: {report['gatewayKey']}")
    print(f"model: {report['model']}")
    print(f"provider key: {report['providerKey']}")
    probe = await service.probe()
    if not probe.ok:
        print(f"check: FAILED: {probe.message}")
        return 1
    print(f"check: OK, one FIM request answered in {probe.milliseconds:.0f} ms")
    return 0
