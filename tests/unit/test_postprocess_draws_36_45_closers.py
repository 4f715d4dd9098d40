"""Golden cases for the closers and continuations the real-code harness's draws 36-45 asked for
(real fragments from the files it cut: the JDK's ``Executors.java`` and ``RecursiveTask.java``,
the Python standard library's ``traceback.py``, ``random.py``, ``copyreg.py`` and ``trace.py``,
Rust's ``term/terminfo/parm.rs``, Go's ``errors/wrap.go`` and ``runtime/type.go``, LuaJIT's
``jit/dump.lua``): a closer of a bracket the suffix leaves open, an expression left open above
the cursor, brackets inside a string the answer opens, spaces inside a doc comment, one more
entry of a run, a block ended like the suffix's, an inline ``else``, and a ``try:`` whose
``except`` was cut off."""

from __future__ import annotations

from codestral_ls import postprocess as pp
from codestral_ls.syntax_fit import breaks_syntax
from tests.support.cursor_cases import shown_at

# --- 1. an anonymous class's `}};`: its `}` closes what the suffix leaves open -----------------

CALLABLE = """\
public class Executors {
    public static Callable<Object> callable(final PrivilegedAction<?> action) {
        if (action == null)
            throw new NullPointerException();
        return new Callable<Object>() {<|>
    }

    public static Callable<Object> other() {
        return null;
    }
}
"""


def test_the_anonymous_class_closer_the_suffix_lacks_is_kept() -> None:
    # the suffix's `}` (4 columns) closes the method, not the class body opened at 8 columns
    truth = "\n            public Object call() { return action.run(); }};"
    assert shown_at(CALLABLE, truth, lang="java") == truth


def test_the_anonymous_class_closer_the_suffix_has_is_still_cut() -> None:
    buffer = CALLABLE.replace("{<|>\n    }", "{<|>\n        };\n    }")
    raw = "\n            public Object call() { return action.run(); }};"
    assert shown_at(buffer, raw, lang="java") == (
        "\n            public Object call() { return action.run(); }"
    )


# --- 2. an expression left open above the cursor: single-line mode brings it to its close -----

EQ = """\
class FrameSummary:
    def __eq__(self, other):
        if isinstance(other, FrameSummary):
            return (self.filename == other.filename and
                    <|>
        if isinstance(other, tuple):
            return (self.filename, self.lineno, self.name, self.line) == other
        return NotImplemented
"""
EQ_TRUTH = (
    "self.lineno == other.lineno and\n"
    "                    self.name == other.name and\n"
    "                    self.locals == other.locals)"
)


def test_a_parenthesized_continuation_is_shown_up_to_its_close() -> None:
    assert shown_at(EQ, EQ_TRUTH, lang="python", multiline=False) == EQ_TRUTH


def test_a_continuation_is_shown_to_its_close_only() -> None:
    raw = EQ_TRUTH + "\n        if isinstance(other, tuple):\n            return False"
    assert shown_at(EQ, raw, lang="python", multiline=False) == EQ_TRUTH


def test_streaming_waits_for_the_line_that_closes_the_expression() -> None:
    prefix, suffix = EQ.split("<|>")
    kw = {"prefix": prefix, "suffix": suffix, "multiline": False, "language_id": "python"}
    assert not pp.answer_settled("self.lineno == other.lineno and\n", **kw)  # type: ignore[arg-type]
    assert pp.answer_settled(EQ_TRUTH + "\n", **kw)  # type: ignore[arg-type]


def test_an_item_of_a_list_the_suffix_closes_stays_one_line() -> None:
    buffer = "values = foo(\n    a,\n    <|>\n)\n"
    assert shown_at(buffer, "b,\n    c,", lang="python", multiline=False) == "b,"


# --- 3. a closer inside a string the answer opens is text ---------------------------------------

RANDBELOW = '''\
class Random:
    def _randbelow_without_getrandbits(self, n, maxsize=1<<BPF):
        <|>

        The implementation does not use getrandbits, but only random.
        """

        random = self.random
        return _floor(random() * n)
'''


def test_a_bracket_in_a_docstring_the_answer_opens_is_prose() -> None:
    truth = '"""Return a random int in the range [0,n).  Defined for n > 0.'
    assert shown_at(RANDBELOW, truth, lang="python") == truth


def test_a_stray_closer_after_a_closed_docstring_is_still_cut() -> None:
    buffer = "def f():\n    <|>\n    return 1\n"
    raw = '"""Doc [0,n)."""\n    x = 1)'
    assert shown_at(buffer, raw, lang="python") == '"""Doc [0,n)."""\n    x = 1'


# --- 4. spaces inside a doc comment's line are content ------------------------------------------

FACTORIAL = """\
/**
 * <pre> {@code
 *     protected BigInteger compute() {
 *       if (range == 0) {
 *         return BigInteger.valueOf(from);
 *       } else {
 *         return new FactorialTask(mid + 1, to).compute()
 *                .multiply(leftTask.join());
 <|>
 *     }
 *   }
 * }}</pre>
 */
public abstract class RecursiveTask<V> {}
"""


def test_a_doc_comment_line_indented_unlike_the_suffix_is_no_overlap() -> None:
    assert shown_at(FACTORIAL, "*       }", lang="java", multiline=False) == "*       }"


def test_a_doc_comment_line_equal_to_the_suffix_is_still_an_overlap() -> None:
    assert shown_at(FACTORIAL, "*     }", lang="java", multiline=False) == ""


# --- 5. one more entry of the run the suffix goes on with ---------------------------------------

VARIABLES = """\
impl Variables {
    pub(crate) fn new() -> Variables {
        Variables {<|>
                Number(0),
                Number(0),
                Number(0),
            ],
            dyn_va: [Number(0); 26],
        }
    }
}
"""
STA_VA = "\n            sta_va: [\n                Number(0),"


def test_an_entry_like_the_run_after_the_cursor_is_kept() -> None:
    assert shown_at(VARIABLES, STA_VA, lang="rust") == STA_VA


def test_an_entry_of_the_run_is_kept_when_a_repetition_was_cut_back() -> None:
    raw = STA_VA + "\n                Number(0)," * 12 + "\n                Numbe"
    assert shown_at(VARIABLES, raw, lang="rust", truncated=True) == STA_VA


def test_an_answer_retyping_the_rest_of_the_block_is_still_cut() -> None:
    raw = "\n            x: 1,\n            ],\n            dyn_va: [Number(0); 26],"
    buffer = VARIABLES.replace("                Number(0),\n" * 3, "")
    assert shown_at(buffer, raw, lang="rust") == "\n            x: 1,"


# --- 6. a block ended like the suffix's block is no re-type of it -------------------------------

WRAP = """\
func is(err, target error, targetComparable bool) bool {
	isComparable := reflectlite.TypeOf(target).Comparable()
	for {<|>
			return true
		}
		if err = Unwrap(err); err == nil {
			return false
		}
	}
}
"""
WRAP_TRUTH = (
    "\n\t\tif isComparable && err == target {\n\t\t\treturn true\n\t\t}"
    "\n\t\tif x, ok := err.(interface{ Is(error) bool }); ok && x.Is(target) {"
)


def test_a_block_ended_like_the_suffix_then_new_code_is_kept() -> None:
    assert shown_at(WRAP, WRAP_TRUTH, lang="go") == WRAP_TRUTH


def test_three_retyped_suffix_lines_are_still_cut() -> None:
    raw = "\n\t\tif err == nil {\n\t\t\treturn true\n\t\t}\n\t\tif err = Unwrap(err); err == nil {"
    assert shown_at(WRAP, raw, lang="go") == "\n\t\tif err == nil {"


# --- 7. Lua: an inline `else` branch goes on to its `if`'s `end` --------------------------------

CTLSUB = """\
local function ctlsub(c)<|>
  end
end

local function fmtfunc(func, pc)
  return func
end
"""
CTLSUB_TRUTH = (
    '\n  if c == "\\n" then return "\\\\n"'
    '\n  elseif c == "\\r" then return "\\\\r"'
    '\n  else return format("\\\\%03d", byte(c))'
)


def test_the_retyped_ends_after_an_inline_else_are_trimmed() -> None:
    raw = CTLSUB_TRUTH + "\n  end\nend"
    assert shown_at(CTLSUB, raw, lang="lua") == CTLSUB_TRUTH


# --- 8. a `try:` cut before its `except`, its body going on in the suffix -----------------------

REDUCE = """\
def _reduce_ex(self, proto):
    args = (cls, base, state)
    <|>
        if getattr(self, "__slots__", None):
            raise TypeError(f"cannot pickle {cls.__name__!r} object: "
                            f"with protocol {proto}") from None
        try:
            dict = self.__dict__
        except AttributeError:
            dict = None
    else:
        dict = getstate()
    return args
"""


def test_a_try_without_its_except_is_not_shown() -> None:
    raw = "try:\n        getstate = self.__getstate__\n    exc"
    assert shown_at(REDUCE, raw, lang="python", truncated=True) == ""


def test_the_parser_blames_the_answer_for_its_try_however_far_the_error() -> None:
    prefix, suffix = REDUCE.split("<|>")
    assert breaks_syntax(prefix, "try:\n        getstate = self.__getstate__", suffix, "python")
    assert not breaks_syntax(prefix, "x = 1\n    if x:\n        getstate = 1", suffix, "python")


def test_a_bracket_left_open_in_a_doc_comment_keeps_one_line() -> None:
    # prose in a comment need not close its brackets: the answer's first line is all it gets
    buffer = "/**\n * Returns the sum (of the values\n * <|>\n */\nint sum();\n"
    raw = "in the list\n * and the map).\n * @return the sum"
    assert shown_at(buffer, raw, lang="java", multiline=False) == "in the list"


COOKIE = '''\
_CookiePattern = re.compile(r"""
    (?P<key>                       # Start of group 'key'
    [""" + _LegalKeyChars + r"""]+?   # Any word of at least one letter
    )                              # End of group 'key'
    (                              # Optional group: there may not be a value.
    \\s*=\\s*                          # Equal Sign
    <|>
    "(?:[^\\\\"]|\\\\.)*"                  # Any doublequoted string
    |                                  # or
    [""" + _LegalValueChars + r"""]*      # Any word or empty string
    )                                # End of group 'val'
    )                                # End of optional value group
    """, re.ASCII | re.VERBOSE)
'''


def _settled_text(buffer: str, raw: str) -> str:
    """What is shown when the stream is closed as soon as ``answer_settled`` says so."""
    prefix, suffix = buffer.split("<|>")
    kw = {"prefix": prefix, "suffix": suffix, "multiline": False, "language_id": "python"}
    for end in range(1, len(raw) + 1):
        if pp.answer_settled(raw[:end], **kw):  # type: ignore[arg-type]
            return shown_at(buffer, raw[:end], lang="python", multiline=False)
    return shown_at(buffer, raw, lang="python", multiline=False)


def test_brackets_of_a_multiline_string_are_no_expression_to_follow() -> None:
    # the regex's `(` lines above are text: one line, and the same one however it streams
    truth = "(?P<val>                         # Start of group 'val'"
    raw = truth + '\n    "(?:[^\\\\"]|\\\\.)*"                  # Any doublequoted string\n    |'
    assert shown_at(COOKIE, raw, lang="python", multiline=False) == truth
    assert _settled_text(COOKIE, raw) == truth


def test_a_continuation_streamed_char_by_char_shows_the_same() -> None:
    # the closing line goes on after its `)`: the stream is read to that line's end
    truth = EQ_TRUTH + " and other.ok"
    raw = truth + "\n        if isinstance(other, tuple):"
    assert shown_at(EQ, raw, lang="python", multiline=False) == truth
    assert _settled_text(EQ, raw) == truth


def test_a_line_of_a_run_of_bare_comment_markers_is_still_an_overlap() -> None:
    # multiprocessing/dummy/__init__.py: the suffix's `#` `#` `#` banner is no table
    buffer = "class P:\n    @property\n    def exitcode(self):<|>\n\n#\n#\n#\n\nProcess = P\n"
    raw = "\n        return None\n#\n\ndef helper(self, value):\n    return value\n\ndef other("
    assert shown_at(buffer, raw, lang="python", truncated=True) == "\n        return None"
