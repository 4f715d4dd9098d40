"""The last check before an answer of several lines is shown (``parse_fit``): if the code no
longer parses around the cursor with it, show it only up to its last line where the code
parses, else nothing; and give no verdict where the code around the cursor does not parse
without an answer either (the user is in the middle of an edit). Fragments from the Python
standard library (``json/encoder.py``), Neovim's Lua runtime style and npm's JavaScript."""

from __future__ import annotations

from codestral_ls.postprocess import apply_rules
from tests.support.cursor_cases import shown_at

# json/encoder.py, py_encode_basestring_ascii: the cursor where the `if n < 0x10000:` block was
ENCODER = """\
def py_encode_basestring_ascii(s):
    def replace(match):
        s = match.group(0)
        try:
            return ESCAPE_DCT[s]
        except KeyError:
            n = ord(s)
            <|>
    return '"' + ESCAPE_ASCII.sub(replace, s) + '"'
"""


def test_an_answer_ending_in_a_clause_without_its_body_is_shown_up_to_before_it() -> None:
    raw = "if n < 0x10000:\n                return '\\\\u{0:04x}'.format(n)\n            else:"
    shown = shown_at(ENCODER, raw, lang="python")
    assert shown == "if n < 0x10000:\n                return '\\\\u{0:04x}'.format(n)"


def test_an_answer_that_parses_is_left_alone() -> None:
    raw = (
        "if n < 0x10000:\n"
        "                return '\\\\u{0:04x}'.format(n)\n"
        "            else:\n"
        "                return '\\\\u{0:04x}'.format(n - 1)"
    )
    text, rules = apply_rules(
        raw,
        prefix=ENCODER.split("<|>")[0],
        suffix=ENCODER.split("<|>")[1],
        multiline=True,
        language_id="python",
    )
    assert text == raw and "parse_fit" not in rules


# debug/src/node.js style: an answer that stops inside its last statement
NODE_JS = """\
function load() {
  let namespaces = process.env.DEBUG;
  <|>
  return namespaces;
}
"""


def test_a_last_statement_left_unfinished_is_dropped() -> None:
    raw = "if (!namespaces) {\n    namespaces = '';\n  }\n  const skips ="
    assert shown_at(NODE_JS, raw, lang="javascript") == (
        "if (!namespaces) {\n    namespaces = '';\n  }"
    )


def test_nothing_is_shown_when_no_line_of_the_answer_parses_where_the_code_did() -> None:
    raw = "if (!namespaces) {\n    namespaces = ''; } }"
    assert shown_at(NODE_JS, raw, lang="javascript") == ""


# a new Lua function typed at the end of the file: no `end` yet, so nothing parses with or
# without an answer; the answer is shown as it is
LUA_EOF = """\
local M = {}

function M.setup(opts)
  <|>"""


def test_no_verdict_where_the_code_does_not_parse_without_the_answer() -> None:
    raw = "opts = opts or {}\n  M.options = vim.tbl_deep_extend('force', M.options, opts)"
    assert shown_at(LUA_EOF, raw, lang="lua") == raw


def test_no_verdict_when_the_line_above_is_being_edited() -> None:
    buffer = NODE_JS.replace("let namespaces = process.env.DEBUG;", "let namespaces = (")
    raw = "if (!namespaces) {\n    namespaces = '';\n  }\n  const skips ="
    assert shown_at(buffer, raw, lang="javascript") == raw
