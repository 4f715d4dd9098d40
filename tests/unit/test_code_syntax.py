"""The tree-sitter check for comments and strings spanning lines (codestral_ls.code_syntax) and
its place in the single/multi-line decision."""

from __future__ import annotations

import importlib.util

import pytest

from codestral_ls import code_syntax
from codestral_ls.multiline import decide_multiline

_MISSING = sorted(
    {m for m, _ in code_syntax.GRAMMARS.values() if importlib.util.find_spec(m) is None}
)
pytestmark = pytest.mark.skipif(
    bool(_MISSING),
    reason=f"tree-sitter grammars not installed ({', '.join(_MISSING)}): pip install -e '.[test]'",
)


def decide(lang: str, buffer: str) -> bool:
    prefix, suffix = buffer.split("<|>")
    return decide_multiline(prefix, suffix, lang, "auto")


@pytest.mark.parametrize(
    ("lang", "buffer", "expected"),
    [
        # a blank line inside a doc comment, a template literal, a raw string: one line
        ("javascript", "/**\n * Adds.\n * <|>\n */\nfunction f() {}\n", False),
        ("typescript", "const s = `\n  <|>\n`;\n", False),
        ("typescriptreact", "const s = `\n  <|>\n`;\n", False),
        ("rust", 'let s = r#"\n<|>\n"#;\n', False),
        ("go", "/* doc\n<|>\n*/\n", False),
        ("go", "var s = `\n<|>\n`\n", False),
        ("java", "class A {\n  /**\n   <|>\n   */\n  void f() {}\n}\n", False),
        ("c", "/*\n * <|>\n */\nint x;\n", False),
        ("cpp", 'auto s = R"(\n<|>\n)";\n', False),
        # the same blank lines in code: a block
        ("javascript", "function f() {\n  <|>\n}\n", True),
        ("go", "func f() {\n\t<|>\n}\n", True),
        ("rust", "fn main() {\n    <|>\n}\n", True),
        ("java", "class A {\n  void f() {\n    <|>\n  }\n}\n", True),
        ("c", "int f(void) {\n    <|>\n}\n", True),
        ("cpp", "int f() {\n    <|>\n}\n", True),
    ],
)
def test_multiline_text_is_single_line(lang: str, buffer: str, expected: bool) -> None:
    assert code_syntax.available(lang), f"no grammar for {lang}"
    assert decide(lang, buffer) is expected


def test_only_a_multi_answer_asks_the_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(
        "codestral_ls.multiline.in_multiline_text", lambda p, s, lang: calls.append(lang) or True
    )
    assert decide("javascript", "foo(a<|>, b);\n") is False  # mid-line: already single
    assert calls == []
    assert decide("javascript", "function f() {\n  <|>\n}\n") is False
    assert calls == ["javascript"]
    assert decide("ruby", "def f\n  <|>\nend\n") is True  # no grammar: never asked
    assert calls == ["javascript"]


def test_window_is_bounded() -> None:
    # the window starts after a `*/` whose `/*` lies before it: not read as code
    prefix = "/* " + "x\n" * 4000 + "*/\nfunction f() {\n  "
    head, tail = code_syntax._window(prefix, "\n}\n" + "y\n" * 4000)
    assert len(head) <= code_syntax.PREFIX_CHARS and len(tail) <= code_syntax.SUFFIX_CHARS
    assert "*/" not in head
    assert code_syntax.in_multiline_text(prefix, "\n}\n", "javascript") is False


def test_missing_grammar_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(code_syntax._parsers, "go", None)
    assert code_syntax.in_multiline_text("/* doc\n", "\n*/\n", "go") is None
    assert decide("go", "/* doc\n<|>\n*/\n") is True  # the lexical rules alone
