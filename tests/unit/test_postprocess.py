"""Golden cases for each post-processing rule, then the pipeline as a whole."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from codestral_ls import postprocess as pp
from codestral_ls.multiline import ends_with_block_opener
from codestral_ls.postprocess import Context


def ctx(buffer: str, *, multiline: bool = True, lang: str = "python") -> Context:
    prefix, suffix = buffer.split("<|>")
    return Context(prefix, suffix, multiline, lang)


Golden = list[tuple[str, str, str]]  # (buffer, text in, text out)


def check(rule: pp.Rule, cases: Golden, **kw: object) -> None:
    for buffer, raw, expected in cases:
        assert rule(raw, ctx(buffer, **kw)) == expected, (buffer, raw)  # type: ignore[arg-type]


def test_rules_are_in_documented_order() -> None:
    names = [name for name, _ in pp.RULES]
    doc = pp.__doc__ or ""
    assert [doc.index(f" {name} ") for name in names] == sorted(
        doc.index(f" {name} ") for name in names
    )
    assert len(set(names)) == len(names)


def test_drop_blank() -> None:
    check(pp.drop_blank, [("<|>", "", ""), ("<|>", " \n\t\n", ""), ("<|>", " x", " x")])


def test_strip_code_fences() -> None:
    check(
        pp.strip_code_fences,
        [
            ("<|>", "```python\nx = 1\n```", "x = 1"),
            ("<|>", "\n```\nx = 1\n```\nSome prose.", "x = 1"),
            ("<|>", "x = 1\n```", "x = 1"),
            ("<|>", "s = '```'", "s = '```'"),  # not a fence line
            ('"""\n```python\n<|>', "x = 1\n```", "x = 1\n```"),  # the file uses fences
        ],
    )
    assert pp.strip_code_fences("```\nx\n```", ctx("<|>", lang="markdown")) == "```\nx\n```"


def test_drop_spurious_space() -> None:
    check(
        pp.drop_spurious_space,
        [
            ("x = <|>", " 1", "1"),
            ("x = <|>", "  1", "  1"),  # two spaces: not the one-space quirk
            ("x =<|>", " 1", " 1"),
            ("    <|>", " x", "x"),  # one space more than a whole level of indentation
            ("   <|>", " x", " x"),  # not yet a whole level: the space may complete it
            ("def f():<|>", " \n    x", "\n    x"),  # spaces before the break would trail
            ("obj.<|>", " x", "x"),
            ("f(<|>)", " a", "a"),
            ("f( b, g(<|>)", " a", " a"),  # the file writes `( a`
        ],
    )


def test_drop_spurious_newline() -> None:
    check(
        pp.drop_spurious_newline,
        [
            ("f(<|>, 2)", "\n    1", "1"),
            ("int x = <|>;", "\n42", "42"),
            ("x = 1<|>", "\ny = 2", "\ny = 2"),  # end of line: the break is real
            ("f() {<|>}", "\n  return 1;\n", "\n  return 1;\n"),  # a block opened in place
            ("f(<|>)", "\n  a,\n  b,\n", "\n  a,\n  b,\n"),
            ("return<|> x", "\nnot", " not"),  # keep words apart
        ],
    )


def test_trim_prefix_echo() -> None:
    check(
        pp.trim_prefix_echo,
        [
            ("    return <|>", "return a + b", "a + b"),
            ("def f(a):\n    <|>", "def f(a):\n    return a", "return a"),
            ("def f(a):\n    return <|>", "def f(a):\n    return a", "a"),
            ("y = compute(<|>", "compute(a)", "a)"),
            ("x = 1\n    <|>", "    y", "y"),
            ("if x:\n    <|>", "    y", "y"),  # the cursor is at the block's level already
            ("    if x:\n    <|>", "    y", "    y"),  # the block needs one more level
            ("    count = <|>", "count + 1", "count + 1"),
            ("  }\n<|>", "}\nfoo()", "}\nfoo()"),  # a repeated closer is not an echo
            ("x = <|>", "y", "y"),
        ],
    )


def test_keep_first_line() -> None:
    cases: Golden = [
        ("x = <|>", "1\ny = 2", "1"),
        ("x = 1<|>", "\ny = 2\nz = 3", "\ny = 2"),
        ("x = 1<|>", "\n\ny = 2", "\n\ny = 2"),
        ("    <|>return x", "x = 1\n    ", "x = 1\n    "),
        ("f(<|>)", "\nx", ""),
        ("x = <|>", "1", "1"),
    ]
    check(pp.keep_first_line, cases, multiline=False)
    assert pp.keep_first_line("a\nb", ctx("<|>", multiline=True)) == "a\nb"


def test_cut_repetition() -> None:
    check(
        pp.cut_repetition,
        [
            ("<|>", "a()\na()\na()\na()", "a()"),
            ("<|>", "a()\na()\na()\nb()", "a()\nb()"),
            ("<|>", "a()\na()\nb()", "a()\na()\nb()"),  # two copies are fine
            ("<|>", "x = 1\ny = 2\nx = 1\ny = 2\nx = 1\ny = 2\nx =", "x = 1\ny = 2"),
            ("<|>", "[0, 0],\n[0, 0],\n[0, 0],", "[0, 0],\n[0, 0],\n[0, 0],"),  # data
            ("<|>", "}\n}\n}", "}\n}\n}"),
            ("    <|>", "f()\n    f()\n    f()", "f()"),  # first line sits at the cursor
        ],
    )


def test_drop_suffix_repeat() -> None:
    check(
        pp.drop_suffix_repeat,
        [
            ("<|>\nreturn y", "return y", ""),
            ("<|>\n\n  return y\n", "return y\n", ""),
            ("x = <|>b + c", "b + c", ""),
            # `return y` only happens to equal the next line: the answer goes on differently
            ("<|>\nreturn y", "y = 1\nreturn y\ndef g(): pass", "y = 1\nreturn y\ndef g(): pass"),
            # a real overlap: the answer's tail is the suffix's head, or 2 lines re-typed
            ("<|>\nreturn y\nz = 2", "y = 1\nreturn y\nz = 2\nw = 3", "y = 1"),
            ("<|>\nreturn y\nz = 2", "y = 1\nreturn y\nz", "y = 1"),
            ("<|>\nreturn y\nz = 2", "return y\nw = 3", "return y\nw = 3"),
            ("<|>\n}\nfoo()", "}\nfoo()", ""),  # `}` alone decides nothing, `foo()` does
            ("<|>\n}\nfoo()", "}\nbar()", "}\nbar()"),
            ("<|>\nreturn y", "y = 1", "y = 1"),
        ],
    )


def test_stop_at_unmatched_closer() -> None:
    check(
        pp.stop_at_unmatched_closer,
        [
            ("foo(<|>)", "a, b)", "a, b"),
            ("foo(<|>)", "bar(1)", "bar(1)"),
            ("foo(<|>", "a)", "a)"),  # nothing after the cursor closes it
            ("foo(<|>\n)", "a)", "a"),  # the next line does
            ("<|>", "x)\ny", "x"),  # closes nothing at all
            ("foo(<|>)", "a]", "a"),  # wrong kind
            ("foo(<|>)", "')'", "')'"),  # inside a string
            ("x = 1  # (<|>", "note)\ny = (1)", "note)\ny = (1)"),  # comment on the cursor line
            ('s = "<|>"', 'abc")', "abc"),  # the suffix closes the string
            ('s = f("<|>', 'abc")', 'abc")'),
        ],
    )
    check(
        pp.stop_at_unmatched_closer,
        [
            ("function f() {\n  <|>\n}", "return 1;\n}", "return 1;\n"),
            ("function f() {\n  if (x) {\n    <|>\n}", "a();\n  }\n}", "a();\n  }\n"),
        ],
        lang="javascript",
    )


def test_trim_suffix_overlap() -> None:
    check(
        pp.trim_suffix_overlap,
        [
            ("x = <|> + 1", "y + 1", "y "),
            ("f(x, <|>, c=1)", "y, c=1)", "y"),
            ("f(<|>)", "g(1)", "g(1)"),  # the answer's own `)`
            ("<|>\n    return y", "y = 2\n    return y", "y = 2\n    "),
            ("<|>\nx = 1", "return x", "return x"),  # `x` alone is not a repeated line
            ("<|>\n  print(x)", "print( x )", ""),
            ("idx = <|>x_max", "index", "index"),  # would cut inside words
        ],
    )
    lua = [
        ("function f()\n  <|>\nend", "return 1\nend", "return 1\n"),
        ("function f()\n  <|>\nend", "if a then\n    b()\n  end", "if a then\n    b()\n  end"),
    ]
    check(pp.trim_suffix_overlap, lua, lang="lua")


def test_fix_indent_style() -> None:
    check(
        pp.fix_indent_style,
        [
            ("if x:\n    y = 1\n    <|>", "a\n\tb", "a\n    b"),
            ("if x:\n  y = 1\n  <|>", "a\n\t\tb", "a\n    b"),
            ("if x:\n\ty = 1\n\t<|>", "a\n    b\n        c", "a\n\tb\n\t\tc"),
            ("if x:\n\ty = 1\n\t<|>", "a\n  b", "a\n\tb"),
            ("<|>", "a\n\tb", "a\n\tb"),  # no evidence in the prefix
            ("x = 1<|>", "\tcomment\n\tb", "\tcomment\n\tb"),
        ],
    )
    assert pp.fix_indent_style("a\n    b", ctx("<|>", lang="go")) == "a\n\tb"


def test_trim_trailing_space() -> None:
    check(
        pp.trim_trailing_space,
        [
            ("x = <|>", "1  \n\n", "1"),
            ("return <|>b", "a + ", "a + "),  # joins the rest of the line
            ("return <|> b", "a + ", "a +"),
            ("f(<|>)", "a ", "a"),
            ("f() {<|>}", "\n  x;\n", "\n  x;\n"),
        ],
    )


def test_drop_partial_suffix_line() -> None:
    check(
        pp.drop_partial_suffix_line,
        [
            ("    <|>\n    return result", "x = 1\n    return res", "x = 1"),
            ("    <|>\n    return result", "ret", ""),
            ("    <|>\n    return result", "x = 1\n        return", "x = 1\n        return"),
            ("    x = <|>\n    return result", "ret", "ret"),  # continues the cursor line
        ],
    )


def test_drop_blank_result() -> None:
    check(pp.drop_blank_result, [("<|>", "\n  ", ""), ("<|>", "a", "a")])


def run(buffer: str, raw: str, *, multiline: bool = True, lang: str = "python") -> str:
    prefix, suffix = buffer.split("<|>")
    return pp.postprocess(raw, prefix=prefix, suffix=suffix, multiline=multiline, language_id=lang)


def test_postprocess_pipeline() -> None:
    # the answer's `)` is kept and the item's range covers the editor's `)`
    assert run("foo(<|>)", "```python\nfoo(a, b)\n```") == "a, b)"
    assert pp.covered_closers("a, b)", "foo(", ")", "python") == 1
    assert run("def f():\n    <|>\n    return y", "y = 1\n    return y\n") == "y = 1"
    assert run("x = <|>", " 1\ny = 2", multiline=False) == "1"


def test_apply_rules_names_changes() -> None:
    text, rules = pp.apply_rules(
        " a, b)", prefix="x = f(", suffix=")\n", multiline=False, language_id="python"
    )
    assert text == "a, b)"
    assert rules == ["leading_space", "closer_range"]
    text, rules = pp.apply_rules(
        " a, b", prefix="x = f(", suffix=")\n", multiline=False, language_id="python"
    )
    assert (text, rules) == ("a, b", ["leading_space"])


def test_crlf_documents_keep_crlf() -> None:
    text = pp.postprocess(
        "x = 1\r\n    y = 2",
        prefix="def f():\r\n    ",
        suffix="\r\n",
        multiline=True,
        language_id="python",
    )
    assert text == "x = 1\r\n    y = 2"


def test_single_line_complete() -> None:
    assert not pp.single_line_complete("")
    assert not pp.single_line_complete("\n\n  ")
    assert not pp.single_line_complete("foo(a")
    assert pp.single_line_complete("foo(a)\n")
    assert pp.single_line_complete("\n  foo()\n  ba")


@settings(max_examples=300, deadline=None)
@given(
    raw=st.text(alphabet=" \t\n()[]{}\"'`#ab=:;,.x", max_size=60),
    prefix=st.text(alphabet=" \t\n()[]{}\"'#ab=:;,.x", max_size=60),
    suffix=st.text(alphabet=" \t\n()[]{}\"'#ab=:;,.x", max_size=60),
    multiline=st.booleans(),
    lang=st.sampled_from(["python", "javascript", "rust", "lua", "go", "markdown", "unknown"]),
)
def test_never_raises_and_never_shows_whitespace_only(
    raw: str, prefix: str, suffix: str, multiline: bool, lang: str
) -> None:
    out = pp.postprocess(raw, prefix=prefix, suffix=suffix, multiline=multiline, language_id=lang)
    assert out == "" or out.strip()
    lines = [line for line in out.split("\n") if line.strip()]
    if not multiline and len(lines) > 1:
        # only a first line that opens a block brings more lines (the block), or a cursor
        # inside a bracket opened before it (the lines up to the one that closes it)
        line_before = prefix[prefix.rfind("\n") + 1 :]
        depth = 0  # brackets left open: a closer of nothing (`)(`) does not close the `(`
        for ch in prefix:
            depth = depth + 1 if ch in "([{" else max(0, depth - 1) if ch in ")]}" else depth
        in_bracket = depth > 0
        assert in_bracket or ends_with_block_opener(line_before + out.split("\n", 1)[0], lang), out
