"""Golden cases from the real-code harness's remaining failures (tests/quality/realcode/,
seeds 1 and 2): text that really repeats the prefix is not an echo, closer-only lines repeated up
to the token limit are a runaway, and an answer cut at ``maxTokens`` is shown only as far as it
parses in context. The fragments are the real files' code around the cursor."""

from __future__ import annotations

from codestral_ls import postprocess as pp
from codestral_ls.syntax_fit import breaks_syntax
from tests.support.cursor_cases import shown_at


def run(buffer: str, raw: str, *, lang: str, multiline: bool = True, cut: bool = False) -> str:
    return shown_at(buffer, raw, lang=lang, multiline=multiline, truncated=cut)


# --- prefix echo: a repeat the file itself writes -----------------------------------------------

FUCHSIA_FS = """\
    fn st_mtime(&self) -> i64 {
        self.as_inner().as_inner().st_mtime as i64
    }
    fn st_ctime(&self) -> i64 {
        self.as_inner().<|>
    }
"""


def test_a_method_chain_the_file_repeats_is_not_an_echo() -> None:
    # rust std/src/os/fuchsia/fs.rs: `as_inner().as_inner()` is the file's own pattern
    raw = "as_inner().st_ctime as i64"
    assert run(FUCHSIA_FS, raw, lang="rust", multiline=False) == raw


def test_an_echo_never_starts_inside_a_member_chain() -> None:
    # no evidence in the file, but `node.parent.` + `parent.kind` goes on with the chain
    buffer = "fn f(node: &Node) -> Kind {\n    node.parent.<|>\n}\n"
    assert run(buffer, "parent.kind", lang="rust", multiline=False) == "parent.kind"
    # a real echo still goes: the answer re-types the expression from its start
    buffer = "function total(items) {\n  return items.<|>\n}\n"
    assert run(buffer, "items.length;", lang="javascript", multiline=False) == "length;"


ZOD_COMMENTED = """\
//   //   const instanceVariable = sourceFile.getVariableDeclarationOrThrow(
//   //     "instanceOfTestMerge"
//   //   );
//   //   const propertyBeingAssigned = getPropertyBeingAssigned(
//   <|>,
//   //     "f1"
//   //   );
"""


def test_a_commented_out_comment_is_not_an_echo() -> None:
    # zod/src/v3/tests/language-server.test.ts: every line starts `//   //`
    raw = "//     instanceVariable"
    assert run(ZOD_COMMENTED, raw, lang="typescript", multiline=False) == raw
    # the same answer where the file never writes `//   //` is an echo of the cursor line
    assert (
        run("let a = 1;\n//   <|>\n", raw, lang="typescript", multiline=False)
        == "  instanceVariable"
    )


# --- runaway repetition of lines without letters --------------------------------------------


def test_closer_lines_repeated_to_the_token_limit_are_a_runaway() -> None:
    # idlelib/config.py: a docstring's closing quotes again and again
    buffer = "    def save_all(self):<|>\n        pass\n"
    truth = '\n        """Return True if the value changed.\n        """'
    raw = truth + '\n        """' * 11 + '\n        ""'
    assert run(buffer, raw, lang="python", cut=True) == truth
    # DataModels.ts: a doc comment's `*/`
    buffer = "interface A {<|>\n    x: number;\n}\n"
    truth = "\n    /**\n     * The number of times.\n     */"
    raw = truth + "\n     */" * 11 + "\n     *"
    assert run(buffer, raw, lang="typescript", cut=True) == truth
    # the same lines from a model that stopped by itself are left to the other rules
    assert pp.cut_repetition(
        '"""\n"""\n"""', pp.Context("x = <|>", "", True, "python", truncated=False)
    ) == ('"""\n"""\n"""')


# --- truncated answers must parse in context ----------------------------------------------------

CODE_PY = """\
        while 1:
            try:
                if more:
                    prompt = sys.ps2
                else:
                    prompt = sys.ps1
                <|>
                    self.write("\\n")
                    break
                else:
                    more = self.push(line)
            except KeyboardInterrupt:
                self.write("\\nKeyboardInterrupt\\n")
"""


def test_truncated_python_try_without_its_except_is_not_shown() -> None:
    # Lib/code.py: the answer stopped before `except EOFError:`; its complete lines parse on
    # their own, but the suffix's `else:` needs the missing `except`
    prefix = "class C:\n    def interact(self):\n        more = 0\n"
    buffer = prefix + CODE_PY
    raw = "try:\n                    line = self.raw_input(prompt)\n                except EOFEr"
    assert run(buffer, raw, lang="python", cut=True) == ""


EXCHANGER = """\
                    for (long ns = 1L;;) {       // block or cancel offer
                        if ((v = p.match) != null) {
                            MATCH.set(p, null);
                            break outer;
                        }
                        if (i == 0 && !tryCancel &&
                            (deadline == 0L ||
                             ((ns = deadline - System.nanoTime()) > 0L))) {
                            p.parked = t;        // emable unpark and recheck
                            if (p.match == null) {<|>
                                else
                                    LockSupport.parkNanos(this, ns);
                                tryCancel = t.isInterrupted();
                            }
                            p.parked = null;
                        }
"""


def test_truncated_java_if_without_its_statement_is_not_shown() -> None:
    # java/util/concurrent/Exchanger.java: `if (deadline == 0L)` then the cut
    raw = "\n" + " " * 32 + "if (deadline == 0L)\n" + " " * 36 + "LockSupport.pa"
    assert run(EXCHANGER, raw, lang="java", cut=True) == ""


DOUBLE_PIPELINE = """\
abstract class DoublePipeline {
    abstract static class StatefulOp<E_IN> {
        StatefulOp(AbstractPipeline<?, E_IN, ?> upstream,
                   <|>
            super(upstream, opFlags);
            assert upstream.getOutputShape() == inputShape;
        }
    }
}
"""


def test_truncated_java_parameter_list_left_open_is_not_shown() -> None:
    # java/util/stream/DoublePipeline.java: the `) {` that ends the parameters was cut off
    raw = "StreamShape inputShape,\n                   int opF"
    assert run(DOUBLE_PIPELINE, raw, lang="java", cut=True) == ""


OPERATOR_PY = """\
__all__ = ['abs', 'add', 'and_',
           'index', 'indexOf', 'inv', 'invert', 'ior', 'ipow', 'irshift',
           <|>

from builtins import abs as _abs
"""


def test_truncated_python_list_left_open_is_not_shown() -> None:
    # Lib/operator.py: the `]` that closes `__all__` was in the part the token limit cut
    raw = "'is_', 'is_not', 'isub',\n           'setitem', 'sub', 'truediv'"
    assert run(OPERATOR_PY, raw, lang="python", cut=True) == ""


def test_breaks_syntax_sees_only_the_answers_errors() -> None:
    assert breaks_syntax("int f() {\n    if (x)", "", "\n}\n", "java") is True
    assert breaks_syntax("int f() {\n    if (x)", " return 1;", "\n}\n", "java") is False
    assert breaks_syntax("def f():\n    try:\n        ", "x = 1", "\n", "python") is True
    assert (
        breaks_syntax(
            "def f():\n    try:\n        ", "x = 1\n    finally:\n        y()", "\n", "python"
        )
        is False
    )
    assert breaks_syntax("x = 1\n", "y = 2", "\n", "lua") is False
    assert breaks_syntax("x = 1\n", "if y then\n  z()", "\n", "lua") is True  # no `end`
    assert breaks_syntax("x = 1\n", "y = 2", "\n", "ruby") is None  # no grammar in the server


# --- Lua: `end` lines in the suffix, and calls --------------------------------------------------

CODELENS = """\
local function resolve_lenses(lenses, bufnr, client_id, callback)
  lenses = lenses or {}
  <|>
  end

  local function countdown()
    num_lens = num_lens - 1
  end
end
"""


def test_lua_block_closed_by_the_suffixs_end_is_kept() -> None:
    # runtime/lua/vim/lsp/codelens.lua: the `if` is closed by the suffix's `end`
    truth = "local num_lens = vim.tbl_count(lenses)\n  if num_lens == 0 then\n    callback()\n"
    truth += "    return"
    assert run(CODELENS, truth + "\n    return" * 11 + "\n    r", lang="lua", cut=True) == truth


ZONE = """\
local function zone(name)
  local t = stack
  if name then
    t[#t+1] = name
  else
    <|>
    end
  end
end
"""


def test_lua_retyped_ends_of_the_suffix_are_dropped() -> None:
    # LuaJIT's jit/zone.lua: the answer re-types the suffix's two `end` lines
    truth = (
        'if zone then\n      t[#t+1] = zone\n    else\n      return (assert(remove(t), "empty"))'
    )
    assert run(ZONE, truth + "\n    end\n  end", lang="lua") == truth


SYNC = """\
---@param position_encoding string utf-8|utf-16|utf-32|nil (fallback to utf-8)
local function compute_start_range(
  prev_lines,
  curr_lines,
  firstline,
  lastline,
  <|>
)
  local char_idx --- @type integer?
  local byte_idx --- @type integer?
"""


def test_lua_call_not_left_with_a_trailing_comma() -> None:
    # runtime/lua/vim/lsp/sync.lua: `f(a, b,)` is a syntax error in Lua
    assert run(SYNC, "new_lastline,\n  position", lang="lua", cut=True) == ""


def test_closer_not_covered_when_the_answer_ends_in_its_own_string() -> None:
    # runtime/lua/vim/_inspector.lua: `append('Semantic |')` + `Tokens', 'Title`: the quote
    # after the cursor closes the answer's second string, it is not typed over
    buffer = "if n > 0 then\n    append('Semantic <|>')\nend\n"
    raw = "Tokens', 'Title"
    assert pp.covered_closers(raw, "    append('Semantic ", "')", "lua") == 0
    assert run(buffer, raw, lang="lua", multiline=False) == raw


# --- a further draw (seed 4): rules that judged real code wrong ------------------------------

CONDVAR = """\
impl Condvar {
    #[inline]
    pub const fn new() -> <|>
        Condvar {}
    }
}
"""


def test_a_line_that_only_starts_like_the_next_one_is_not_a_retyped_suffix() -> None:
    # rust std/src/sys/unsupported/locks/condvar.rs: `-> Condvar {` before `Condvar {}`
    assert run(CONDVAR, "Condvar {", lang="rust", multiline=False) == "Condvar {"
    # cut by the token limit, the same line may be the start of a re-typed one
    assert (
        pp.drop_suffix_repeat("Condvar {", pp.Context(*CONDVAR.split("<|>"), True, "rust", True))
        == ""
    )


PANIC_UNWIND = """\
cfg_if::cfg_if! {
    if #[cfg(miri)] {
        #[path = "miri.rs"]
        mod imp;
    <|>
    }
}
"""


def test_a_closer_that_reopens_the_block_is_kept() -> None:
    # rust panic_unwind/src/lib.rs: `} else {` closes the `if` block and opens the one the
    # suffix's `}` closes
    truth = "} else {\n        // Use the real runtime.\n        use real_imp as imp;"
    assert run(PANIC_UNWIND, truth, lang="rust") == truth
    # a closer that does not reopen is still cut where the suffix closes the block
    assert run(PANIC_UNWIND, "}\nfn main() {}", lang="rust") == ""


LUAJIT_DUMP = """\
local function dump_ir(tr, dumpsnap, dumpreg)
  for ins=1,nins do
    if op ~= "NOP   " and op ~= "CARG  " then
\tif m2 ~= 3*4 then -- op2 != IRMnone
\t  if m2 == 1*4 then -- op2 == IRMlit
\t    local litn = litname[op]
\t    out:write("  ", litn[op2])
\t  elseif op2 < 0 then
\t    out:write("  ", formatk(tr, op2))
\t  <|>
\tend
      end
    end
  end
end
"""


def test_tab_and_space_indentation_mixed_by_the_file_is_kept() -> None:
    # LuaJIT's jit/dump.lua: a tab for every 8 columns, spaces for the rest
    truth = 'else\n\t    out:write(format("  %04d", op2))\n\t  end'
    assert run(LUAJIT_DUMP, truth, lang="lua") == truth


# --- a further draw (seed 5) ------------------------------------------------------------------

ASYNCIO_MAIN = """\
    def runcode(self, code):
        future = concurrent.futures.Future()

        def callback():
            <|>
            global repl_future_interrupted

            repl_future = None
"""


def test_a_whole_name_before_a_longer_one_is_not_a_partial_retype() -> None:
    # Lib/asyncio/__main__.py: `global repl_future` above `global repl_future_interrupted`
    assert run(ASYNCIO_MAIN, "global repl_future", lang="python") == "global repl_future"
    # a start cut inside a word still goes: `global repl_fut` re-types the next line's start
    assert run(ASYNCIO_MAIN, "x = 1\n            global repl_fut", lang="python") == "x = 1"


LANGUAGETREE = """\
---@param thread_state ParserThreadState
---@param time integer
function LanguageTree:_subtract_time(thread_state, time)
  <|>
  end
end

--- @private
function LanguageTree:_parse(range, thread_state)
"""


def test_lua_suffix_end_without_its_block_is_not_left_alone() -> None:
    # runtime/lua/vim/treesitter/languagetree.lua: the token limit cut the `if` whose `end`
    # the suffix starts with; the first line alone would leave that `end` closing the function
    raw = (
        "thread_state.timeout = thread_state.timeout and math.max(thread_state.timeout - time, 0)"
        "\n  if thread_state.timeout == 0 then\n    coroutine.yield(self."
    )
    assert run(LANGUAGETREE, raw, lang="lua", cut=True) == ""


STRING_DECODER = """\
function utf8CheckExtraBytes(self, buf, p) {
  if (self.lastNeed > 1 && buf.length > 1) {
    if ((buf[1] & <|>
      self.lastNeed = 1;
      return '\\ufffd';
    }
  }
}
"""


def test_the_block_a_first_line_opens_counts_the_cursor_lines_brackets() -> None:
    # string_decoder/lib/string_decoder.js: `if ((buf[1] & |` + `0xC0) !== 0x80) {` closes two
    # brackets of the cursor line and opens the block; near-identical lines follow to the limit
    raw = "0xC0) !== 0x80) {" + "".join(
        f"\n    if ((buf[1] & 0xC0) !== 0x8{i}) {{" for i in range(1, 10)
    )
    assert run(
        STRING_DECODER, raw + "\n    if ((bu", lang="javascript", multiline=False, cut=True
    ) == ("0xC0) !== 0x80) {")


def test_a_closer_earlier_on_the_cursor_line_does_not_end_the_block() -> None:
    # java/util/concurrent/LinkedBlockingDeque.java: `} finally |` + the whole block
    buffer = "class A {\n    void f() {\n        try {\n            x();\n"
    buffer += "        } finally <|>\n    }\n}\n"
    truth = "{\n            lock.unlock();\n        }"
    assert run(buffer, truth, lang="java", multiline=False) == truth


def test_a_string_opened_on_a_later_line_does_not_change_the_covered_closer() -> None:
    # Lib/ntpath.py: the comment's `)` after the cursor is covered whether the stream stopped
    # after the first line or the whole answer (with a docstring opened below) arrived
    buffer = "# (A function should also be defined to do full *sh-style environment\n# <|>)\n"
    whole = 'variable expansion.)\n\ndef expanduser(path):\n    """Expand ~ and ~user constructs.'
    first = "variable expansion.)\n"
    prefix, suffix = buffer.split("<|>")
    results = [
        pp.apply_rules(x, prefix=prefix, suffix=suffix, multiline=False, language_id="python")
        for x in (whole, first)
    ]
    assert results[0] == results[1]
    assert results[0][0] == "variable expansion.)"
