"""Golden cases for the rules the real-code harness (tests/quality/realcode/) asked for: model
control tokens, near and one-line repetition, block ends from the suffix's structure, truncated
answers, closers covered by the item's range, and streams closed early only when settled."""

from __future__ import annotations

import pytest

from codestral_ls import postprocess as pp
from codestral_ls.postprocess import Context


def ctx(buffer: str, *, multiline: bool = True, lang: str = "python", cut: bool = False) -> Context:
    prefix, suffix = buffer.split("<|>")
    return Context(prefix, suffix, multiline, lang, cut)


def run(buffer: str, raw: str, *, multiline: bool = True, lang: str = "python", cut: bool = False):
    prefix, suffix = buffer.split("<|>")
    return pp.apply_rules(
        raw, prefix=prefix, suffix=suffix, multiline=multiline, language_id=lang, truncated=cut
    )


@pytest.mark.parametrize(
    ("buffer", "raw", "expected"),
    [
        ("x = <|>\n", "1</s>junk", "1"),
        ("x = <|>\n", "1<|endoftext|>\ny = 2", "1"),
        ("x = f(<|>)\n", "a[SUFFIX])\n", "a"),
        ("x = <|>\n", "[MIDDLE]", ""),
        # the file uses the token itself: it is code
        ('t = "[SUFFIX]"\nu = <|>\n', '"[SUFFIX]"', '"[SUFFIX]"'),
    ],
)
def test_special_tokens(buffer: str, raw: str, expected: str) -> None:
    assert pp.cut_special_tokens(raw, ctx(buffer)) == expected


def test_near_repetition_needs_the_token_limit() -> None:
    raw = "a1 = 1\n" + "".join(f"    a{i} = {i}\n" for i in range(2, 9)) + "    a9 ="
    assert run("def f():\n    <|>\n", raw, cut=True)[0] == "a1 = 1"
    # the same lines from a model that stopped by itself are kept (real code counts too)
    calm = "a1 = 1\n" + "".join(f"    a{i} = {i}\n" for i in range(2, 6)).rstrip()
    assert run("def f():\n    <|>\n", calm)[0] == calm
    # letters moving on: myFuncB, myFuncC, ...
    funcs = "myFuncA()\n" + "".join(f"    myFunc{c}()\n" for c in "BCDEFG") + "    myFu"
    assert run("def f():\n    <|>\n", funcs, cut=True)[0] == "myFuncA()"


def test_one_line_runaway() -> None:
    assert run("x = <|>\n", "foo = foo = foo = foo = fo", multiline=False, cut=True)[0] == "foo"
    assert run("f(<|>)\n", "a, a, a, a, a, a, a, a", multiline=False, cut=True)[0] == "a"
    # the same line from a model that stopped by itself is kept (``nil,nil,nil`` is data)
    assert run("f(<|>)\n", "a, a, a, a, a", multiline=False)[0] == "a, a, a, a, a"


def test_the_cursor_line_counts_in_a_repetition() -> None:
    raw = 'x")\n    def("x")\n    def("x")\n    def("x")'
    assert run('    def("<|>\n', raw)[0] == 'x")'


@pytest.mark.parametrize(
    ("buffer", "raw", "expected"),
    [
        # the block is done: a new definition at a lower level is a run-on
        (
            "class A:\n    def f(self):\n        <|>\n",
            "return 1\n\n    def g(self):\n        return 2",
            "return 1",
        ),
        # going on at the block's level is fine, and so is `else`
        ("def f(x):\n    if x:\n        <|>\n", "y = 1\n    else:\n        y = 2", None),
        # below the indentation the suffix goes on at: the block is not done
        ("def f():\n    <|>\n    return y\n", "y = 1\nz = 2", "y = 1"),
    ],
)
def test_block_end(buffer: str, raw: str, expected: str | None) -> None:
    assert pp.stop_at_block_end(raw, ctx(buffer)) == (raw if expected is None else expected)


def test_extra_closer_judged_from_the_suffix_structure() -> None:
    # more code at the same level follows, then the function's own `}`: the answer's `}` would
    # end the function early
    buffer = "function f() {\n  <|>\n  more();\n}\n"
    assert run(buffer, "a();\n}", lang="javascript")[0] == "a();"
    # `Self { inner: x }` closes a bracket of the cursor line, not the suffix's `}`
    buffer = "fn new() -> Self {\n    Self { <|>\n}\n"
    assert run(buffer, "inner: x }", multiline=False, lang="rust")[0] == "inner: x }"


def test_first_line_that_opens_a_block_brings_it() -> None:
    buffer = "function area() <|>\n\nfunction next() {}\n"
    raw = "{\n  return 1;\n}\n\nfunction other() {}"
    assert run(buffer, raw, multiline=False, lang="javascript")[0] == "{\n  return 1;\n}"
    assert run("def f(x):<|>\n", "\n    return x\n\ndef g():", multiline=False)[0] == (
        "\n    return x"
    )


def test_truncated_answers_keep_what_parses() -> None:
    buffer = "def f():\n    <|>\n"
    assert run(buffer, "x = 1\n    y = g(1,\n        2", cut=True)[0] == "x = 1"
    assert run(buffer, "x = 1\n    if x:\n        y", cut=True)[0] == "x = 1"
    assert run(buffer, "x = compute(a, b", cut=True)[0] == ""
    # the suffix closes what the answer leaves open: that is fine
    assert (
        run("def f():\n    <|>\n    )\n", "raise E(\n        'msg'\n        'mo", cut=True)[0]
        == "raise E(\n        'msg'"
    )


@pytest.mark.parametrize(
    ("before", "after", "text", "covered"),
    [
        ("foo(", ")", "a, b)", 1),
        ("foo(", ")", "a, b).bar()", 1),
        ("foo(", ");", "a);", 2),
        ("foo(", ");", "a)", 1),
        ("foo(", ")", "bar(1)", 0),  # the answer's own closer
        ("foo(", ")", "a, b", 0),
        ('print("hel', '")', 'lo")', 2),
        ("foo(", ") + x", "a)", 0),  # code after the closers: not what the editor inserted
    ],
)
def test_covered_closers(before: str, after: str, text: str, covered: int) -> None:
    assert pp.covered_closers(text, before, after, "python") == covered


def test_answer_settled_only_when_more_text_cannot_change_it() -> None:
    def settled(buffer: str, raw: str, lang: str = "python") -> bool:
        prefix, suffix = buffer.split("<|>")
        return pp.answer_settled(
            raw, prefix=prefix, suffix=suffix, multiline=False, language_id=lang
        )

    assert settled("x = <|>\n", "foo(1)\n")
    assert not settled("x = <|>\n", "foo(1")  # the line is not complete
    assert not settled("x = <|>\n", "```python\n")  # a fence: the code comes next
    assert not settled("a = 1\nx = <|>\n", "a = 1\n")  # an echo may go on
    assert not settled("function f() <|>\n", "{\n", "javascript")  # its block comes next
    assert settled("function f() <|>\n", "{\n  return 1;\n}\n", "javascript")
