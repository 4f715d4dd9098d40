"""decide_multiline and the cursor-line lexer behind it."""

from __future__ import annotations

import timeit

import pytest

from codestral_ls.lexer import LineState, line_state
from codestral_ls.multiline import decide_multiline, ends_with_block_opener


def decide(buffer: str, lang: str = "python", setting: str = "auto") -> bool:
    prefix, suffix = buffer.split("<|>")
    return decide_multiline(prefix, suffix, lang, setting)


@pytest.mark.parametrize(
    ("buffer", "lang", "expected"),
    [
        ("def f():\n    <|>\n", "python", True),
        ("<|>", "python", True),
        ("x = foo(a<|>, b)", "python", False),
        ("print(<|>);", "javascript", True),
        ("if (a<|>) {", "javascript", False),
        ("x = 1<|>", "python", False),
        ("s = '<|>'", "python", False),
        ("// note: {<|>", "javascript", False),
        ("/* a */ f({<|>", "javascript", True),
        ("/* open {<|>", "c", False),
    ],
)
def test_auto(buffer: str, lang: str, expected: bool) -> None:
    assert decide(buffer, lang) is expected


def test_settings_override_auto() -> None:
    assert decide("x = f(a<|>, b)", setting="always") is True
    assert decide("def f():\n    <|>", setting="never") is False
    assert decide("def f():\n    <|>", setting="bogus") is True  # unknown -> auto


def test_crlf_cursor_line() -> None:
    assert decide("def f():\r\n    <|>\r\n    pass\r\n") is True


@pytest.mark.parametrize(
    ("line", "lang", "expected"),
    [
        ("if x:", "python", True),
        ("    else:", "python", True),
        ("x = d[1:", "python", False),
        ("f = lambda x:", "python", False),
        ("key:", "yaml", True),
        ("key:", "javascript", False),
        ("function f() {", "javascript", True),
        ("const f = () =>", "typescript", True),
        ("fn f() ->", "rust", False),
        ("x ->", "java", True),
        ("for i = 1, 3 do", "lua", True),
        ("local function f(a, b)", "lua", True),
        ("def greet(name)", "ruby", True),
        ("items.each do |x|", "ruby", True),
        ("if [ -f a ]; then", "shellscript", True),
        ("<section>", "html", True),
        ("<img src=x />", "html", False),
        ("</div>", "html", False),
        ("List<String>", "java", False),
        ("undo", "lua", False),
        ("", "python", False),
    ],
)
def test_ends_with_block_opener(line: str, lang: str, expected: bool) -> None:
    assert ends_with_block_opener(line, lang) is expected


@pytest.mark.parametrize(
    ("line", "lang", "expected"),
    [
        ('x = "abc', "python", LineState('"', 4)),
        ('x = "a\\"b', "python", LineState('"', 4)),
        ('x = "ab" + y', "python", LineState()),
        ("x = 1  # note", "python", LineState(in_comment=True)),
        ('s = "#" + t', "python", LineState()),
        ('    """Doc', "python", LineState('"""', 4)),
        ("let s = `a ${b}", "javascript", LineState("`", 8)),
        ("f(x) /* c */ + g", "javascript", LineState()),
        ("f(x) /* c", "javascript", LineState(in_comment=True)),
        ("fn f<'a>(x: &'a str", "rust", LineState()),
        ("let c = '", "rust", LineState()),
        ("-- comment", "lua", LineState(in_comment=True)),
        ("don't (stop", "markdown", LineState()),
        ("echo 'it", "shellscript", LineState("'", 5)),
    ],
)
def test_line_state(line: str, lang: str, expected: LineState) -> None:
    assert line_state(line, lang) == expected


def test_minified_line_is_single_line() -> None:
    line = 'var a="x",b=function(c){return c+"y"};' * 100
    assert decide(line + "{<|>}", "javascript") is False


def test_cost_is_independent_of_window_size() -> None:
    prefix = ("    x = compute(a, b)  # note\n" * 170)[:5000] + "    result = f(a, "
    suffix = ")\n" + "    y = 2\n" * 500
    decide_multiline(prefix, suffix, "python", "auto")
    n = 2000
    per_call = timeit.timeit(lambda: decide_multiline(prefix, suffix, "python", "auto"), number=n)
    assert per_call / n < 100e-6  # the budget is 0.1 ms; typically a few microseconds
