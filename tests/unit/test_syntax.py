"""The tree-sitter decision for Python (codestral_ls.python_syntax) and its lexical fallback."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from codestral_ls import python_syntax as syntax
from codestral_ls.multiline import decide_multiline

needs_parser = pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("tree_sitter", "tree_sitter_python")),
    reason="the syntax extra (tree-sitter, tree-sitter-python) is not installed",
)


def parsed(buffer: str) -> bool | None:
    prefix, suffix = buffer.split("<|>")
    return syntax.python_multiline(prefix, suffix)


def decide(buffer: str) -> bool:
    prefix, suffix = buffer.split("<|>")
    return decide_multiline(prefix, suffix, "python", "auto")


@needs_parser
@pytest.mark.parametrize(
    ("buffer", "expected"),
    [
        # strings, including ones that started lines above the cursor
        ("s = 'abc<|>'\n", False),
        ('def f():\n    """Doc\n    <|>\n    """\n    return 1\n', False),
        ('def f():\n    """Doc\n    <|>\n', False),  # never closed
        ('s = f"{x}" + """\n  <|>', False),
        # comments
        ("# comment <|>\n", False),
        ("x = 1  # note:<|>\n", False),
        # the middle of an expression
        ("x = foo(a<|>, b)\n", False),
        ("x = <|>\n", False),
        ("if a and (b or\n        <|>\n", False),
        ("x = (1 +\n<|>", False),
        ("def f() -><|>\n", False),
        ("x = a if b else<|>\n", False),
        ("f = lambda x:<|>\n", False),
        ('d = {"a":<|>\n', False),
        ("x = d[1:<|>]\n", False),
        ("x = 1<|>\n", False),
        # after `def ...:` and other block openers, at the end of the line
        ("def f():<|>\n", True),
        ("async def f():<|>\n", True),
        ("if x:<|>\nfoo()\n", True),
        ("try:<|>\n", True),
        ("if x:\n    pass\nelse:<|>\n", True),
        ("match x:\n    case 1:<|>\n", True),
        ("class A:\n    def f(self,\n          a):<|>\n    x = 1\n", True),
        ("with open(f) as g, \\\n     open(h) as k:<|>\n", True),
        # an empty line after a block opener, or in a block
        ("def f():\n    <|>\n", True),
        ("def f():  # note\n    <|>\n", True),
        ("for i in range(3):\n    x = 1\n    <|>\nfoo()\n", True),
        ("x = 1\n\n<|>\n", True),
        ("<|>", True),
        # unsure: the lexical rules decide
        ("x = [<|>]\n", None),
        ("print(<|>)\n", None),
        ("x = foo(\n    a,\n    <|>\n)\n", None),
        ("values = [\n    1,\n    <|>", None),
    ],
)
def test_python_multiline(buffer: str, expected: bool | None) -> None:
    assert parsed(buffer) is expected


@needs_parser
@pytest.mark.parametrize(
    ("buffer", "expected"),
    [
        # where the parser corrects the cursor-line rules
        ('def f():\n    """Doc\n    <|>\n', False),
        ("class A:\n    def f(self,\n          a):<|>\n    x = 1\n", True),
        ("def f() -><|>\n", False),
        ("x = a if b else<|>\n", False),
        ("if a and (b or\n        <|>\n", False),
        # where it agrees or defers
        ("def f():\n    <|>\n", True),
        ("x = foo(a<|>, b)\n", False),
        ("x = [<|>]\n", True),
        ("result = max(\n    a,\n    <|>", True),
    ],
)
def test_decide_multiline_uses_the_parser(buffer: str, expected: bool) -> None:
    assert decide(buffer) is expected


@needs_parser
def test_crlf() -> None:
    assert decide("def f():\r\n    <|>\r\n    pass\r\n") is True
    assert decide('def f():\r\n    """Doc\r\n    <|>\r\n') is False


@needs_parser
def test_non_ascii_before_the_cursor() -> None:
    assert parsed("s = 'héllo wörld ✓'\ndef f():\n    <|>\n") is True
    assert parsed("s = '''héllo ✓\n<|>") is False


@needs_parser
def test_window_is_bounded_and_starts_at_a_statement() -> None:
    filler = "def g(a, b):\n    return a + b\n\n\n" * 400  # ~12,000 chars
    prefix, suffix = syntax._window(filler + "def f():\n    ", "\n" + filler)
    assert len(prefix) <= syntax.PREFIX_CHARS
    assert prefix.startswith("def g(")
    assert len(suffix) <= syntax.SUFFIX_CHARS and suffix.endswith("\n")
    assert syntax.python_multiline(filler + "def f():\n    ", "\n" + filler) is True


def test_only_python_asks_the_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr(
        "codestral_ls.multiline.python_multiline", lambda p, s: calls.append(p) or False
    )
    assert decide_multiline("def f():\n    ", "\n", "ruby", "auto") is True
    assert decide_multiline("x = foo(a", ", b)\n", "python", "auto") is False
    assert calls == []  # mid-line: the lexical "single" cannot change, no parse
    assert decide_multiline("def f():\n    ", "\n", "python", "always") is True
    assert calls == []
    assert decide_multiline("def f():\n    ", "\n", "python", "auto") is False
    assert len(calls) == 1


def test_lexical_fallback_without_tree_sitter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tree_sitter", None)  # `import tree_sitter` raises
    monkeypatch.setattr(syntax, "_parser", syntax._UNSET)
    assert syntax.available() is False
    assert parsed('def f():\n    """Doc\n    <|>\n') is None
    # the cursor-line rules answer, even where the parser would have known better
    assert decide('def f():\n    """Doc\n    <|>\n') is True
    assert decide("class A:\n    def f(self,\n          a):<|>\n") is False
    assert decide("def f():\n    <|>\n") is True
    assert decide("x = foo(a<|>, b)\n") is False
    monkeypatch.undo()
    syntax._parser = syntax._UNSET  # the next call loads the real parser again, if installed


def test_tree_sitter_is_not_imported_at_start_up() -> None:
    code = (
        "import sys, codestral_ls.lsp.build, codestral_ls.service, codestral_ls.multiline;"
        "print('tree_sitter' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
