"""Golden cases from the real-code harness's draws 61-70: the last answers that broke the file's
parse, and the perfect answers cut on a single seed.

- A ``{`` on a line that goes on with a statement begun above (``StreamOpFlag.X) {`` under
  ``return new Op<>(this,``; ``throws X {`` under a method's signature) opens a block whose
  ``}`` stands at the indentation of the statement's first line, not of the ``{``'s line: a
  suffix closer at that deeper indentation closes something else.
- ``end`` lines an answer types again before the suffix's own are an overlap when the suffix then
  goes on with the body of the block left open (the function's ``return r``).
- A clause of the suffix's (``finally:``) after a statement the answer starts at its depth: the
  answer gave an ``if`` where the ``try:`` was due, however far down the error shows.
- A row of one value (``17, 17, ``, ``12, 12, ... 12,``) is a table's data: typed again it is
  the table going on, not an echo of the prefix; rows of one value per line are entries of a
  run like each other.
- A last line that is a whole name before the suffix's longer one (``AF_INET`` before
  ``AF_INET6``) is a name of its own, not a start of the suffix's line.
"""

from __future__ import annotations

from tests.support.cursor_cases import shown_at

# --- a `{` on a continued line: its block closes at the statement's indentation ----------------

LONG_PIPELINE = """\
    @Override
    public final LongStream map(LongUnaryOperator mapper) {
        Objects.requireNonNull(mapper);
        return new StatelessOp<>(this, StreamShape.LONG_VALUE,
                StreamOpFlag.NOT_SORTED | StreamOpFlag.NOT_DISTINCT) {
            @Override
            Sink<Long> opWrapSink(int flags, Sink<Long> sink) {
                return new Sink.ChainedLong<>(sink) {
                    @Override
                    public void accept(long t) {
                        downstream.accept(mapper.applyAsLong(t));
                    }
                };
            }
        };
    }

    @Override
    public final IntStream mapToInt(LongToIntFunction mapper) {<|>
                    @Override
                    public void accept(long t) {
                        downstream.accept(mapper.applyAsInt(t));
                    }
                };
            }
        };
    }

    @Override
    public final DoubleStream mapToDouble(LongToDoubleFunction mapper) {
        Objects.requireNonNull(mapper);
"""

MAP_TO_INT = (
    "\n        Objects.requireNonNull(mapper);"
    "\n        return new IntPipeline.StatelessOp<>(this, StreamShape.LONG_VALUE,"
    "\n                StreamOpFlag.NOT_SORTED | StreamOpFlag.NOT_DISTINCT) {"
    "\n            @Override"
    "\n            Sink<Long> opWrapSink(int flags, Sink<Integer> sink) {"
    "\n                return new Sink.ChainedLong<>(sink) {"
)


def test_a_cut_answer_is_not_kept_at_an_anonymous_class_opener_without_its_body() -> None:
    raw = MAP_TO_INT[: MAP_TO_INT.index("Sink<Long>") + 5]  # cut inside `Sink<Long> opWrapSink`
    shown = shown_at(LONG_PIPELINE, raw, lang="java", truncated=True)
    # the suffix's `                };` closes the inner `ChainedLong` class, not `StatelessOp`'s
    assert not shown.rstrip().endswith("{")
    assert MAP_TO_INT.startswith(shown)


def test_a_cut_answer_with_all_its_openers_is_kept_up_to_the_last() -> None:
    # the three blocks it leaves open are closed by the suffix's `};`, `}` and `};` at the
    # indentation of their statements (the first at `return new`'s, not its `{` line's)
    raw = MAP_TO_INT + "\n                    @Overr"
    assert shown_at(LONG_PIPELINE, raw, lang="java", truncated=True) == MAP_TO_INT


def test_a_cut_answer_inside_a_block_the_suffix_closes_is_kept() -> None:
    # a guard: the `{` ends the line that starts its statement, the suffix's `}` closes it
    buffer = "class A {\n    void f() {\n        x();\n    }\n\n    void g(int a)<|>\n    }\n}\n"
    raw = " {\n        z(a);\n        w("
    assert shown_at(buffer, raw, lang="java", truncated=True) == " {\n        z(a);"


READ_OBJECT = """\
    private Object writeReplace() {
        return new SerializationProxy(this);
    }

    /**
     * @param s the stream
     * @throws java.io.InvalidObjectException always
     */
    private void readObject(java.io.ObjectInputStream s)
        <|>
    }

}
"""

THROWS = (
    "throws java.io.InvalidObjectException {\n"
    '        throw new java.io.InvalidObjectException("Proxy required");'
)


def test_a_retyped_method_closer_after_a_throws_header_is_the_suffixs() -> None:
    raw = THROWS + "\n    }\n\n}"
    assert shown_at(READ_OBJECT, raw, lang="java") == THROWS


def test_a_block_closer_of_its_own_before_a_shallower_suffix_closer_is_kept() -> None:
    # a guard: the suffix's `}` closes the class, the answer's closes the method it opens
    buffer = "class A {\n    void f()\n        <|>\n}\n"
    answer = "throws E {\n        g();\n    }"
    assert shown_at(buffer, answer, lang="java") == answer


# --- `end` lines typed again before the suffix's own ------------------------------------------

GET_FILETYPES = """\
--- @param lang string Name of parser
--- @return string[] filetypes
function M.get_filetypes(lang)<|>
    end
  end
  return r
end
"""

FILETYPES_BODY = (
    "\n  local r = { lang } ---@type string[]\n  for ft, p in pairs(ft_to_lang) do"
    "\n    if p == lang then\n      r[#r + 1] = ft"
)


def test_end_lines_typed_again_before_the_functions_body_goes_on_are_cut() -> None:
    raw = FILETYPES_BODY + "\n    end\n  end"
    assert shown_at(GET_FILETYPES, raw, lang="lua") == FILETYPES_BODY


def test_end_lines_of_the_answers_own_blocks_are_kept() -> None:
    # a guard: the suffix's `end` lines close the `if`, the `for` and the function itself
    buffer = "function f(t)\n  for _, v in ipairs(t) do\n<|>\n  end\nend\n"
    answer = "    if v then\n      print(v)\n    end"
    assert shown_at(buffer, answer, lang="lua") == answer


# --- a clause of the suffix's after the answer's statement ------------------------------------

SHOW = """\
    def show(self, **options):

        # update instance options
        for k, v in options.items():
            self.options[k] = v

        self._fixoptions()

        master = self.master
        <|>
            self._test_callback(master)  # The function below is replaced for some tests.
            s = master.tk.call(self.command, *master._options(self.options))
            s = self._fixresult(master, s)
        finally:
            _destroy_temp_root(master)

        return s
"""


def test_a_cut_answer_is_not_kept_at_an_if_where_the_suffixs_finally_needs_a_try() -> None:
    raw = "if master is None:\n            master = _ge"
    assert shown_at(SHOW, raw, lang="python", truncated=True) == ""


def test_a_cut_answer_that_opens_the_try_keeps_its_complete_lines() -> None:
    # a guard: with its `try:` line the cut answer fits the suffix's `finally:`
    raw = "if master is None:\n            master = _get_temp_root()\n        try:\n"
    shown = shown_at(SHOW, raw, lang="python", truncated=True)
    assert shown == "if master is None:\n            master = _get_temp_root()\n        try:"


# --- rows of one value: a table's data ---------------------------------------------------------

LENGTH_CODES = """\
var lengthCodes = [...]uint32{
\t0, 1, 2, 3, 4, 5, 6, 7, 8, 8,
\t9, 9, 10, 10, 11, 11, 12, 12, 12, 12,
\t13, 13, 13, 13, 14, 14, 14, 14, 15, 15,
\t15, 15, 16, 16, 16, 16, 16, 16, 16, 16,
\t17, 17, <|>,
\t18, 18, 18, 18, 18, 18, 19, 19, 19, 19,
\t19, 19, 19, 19, 20, 20, 20, 20, 20, 20,
}
"""


def test_a_row_going_on_with_its_value_is_no_echo_of_the_line() -> None:
    truth = "17, 17, 17, 17, 17, 17, 18, 18"
    assert shown_at(LENGTH_CODES, truth, lang="go", multiline=False) == truth


def test_an_echo_of_the_line_before_the_cursor_is_still_cut() -> None:
    # a guard: code that is no row of one value, typed again, is an echo
    buffer = "func f() {\n\tx := compute(a, b)\n\t<|>\n}\n"
    raw = "x := compute(a, b)\n\treturn x"
    assert shown_at(buffer, raw, lang="go") == "return x"


OFFSET_CODES = """\
var offsetCodes = [...]uint32{
\t0, 1, 2, 3, 4, 4, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7,
\t8, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 9,
\t10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10,
\t11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11,
\t12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
\t<|>
\t13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13,
\t14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14,
\t14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14,
}
"""

ROWS = (
    "12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,\n"
    "\t13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13,"
)


def test_a_table_row_like_the_one_above_and_one_like_the_next_are_kept() -> None:
    assert shown_at(OFFSET_CODES, ROWS, lang="go") == ROWS


def test_a_row_typed_again_with_the_suffixs_next_rows_is_cut() -> None:
    # the answer that goes on re-typing two rows of the suffix loses them, not its own rows
    raw = (
        ROWS
        + "\n\t13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13, 13,"
        + "\n\t14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14,"
    )
    assert shown_at(OFFSET_CODES, raw, lang="go") == ROWS


# --- a whole name before the suffix's longer one -----------------------------------------------

SOCKET_CONSTS = """\
package syscall

const (
\t<|>
\tAF_INET6
)
"""


def test_a_name_before_a_longer_numbered_one_is_kept() -> None:
    truth = "AF_UNSPEC = iota\n\tAF_UNIX\n\tAF_INET"
    assert shown_at(SOCKET_CONSTS, truth, lang="go") == truth


def test_the_start_of_the_next_line_before_other_code_is_still_cut() -> None:
    # a guard: `retu` before `return x` re-types the start of the suffix's line
    buffer = "func f() int {\n\tx := 1\n\t<|>\n\treturn x\n}\n"
    assert shown_at(buffer, "x++\n\tretu", lang="go") == "x++"


# --- a `try:` of the suffix's is not the answer's ----------------------------------------------

GREP_IT = '''\
class GrepDialog:
    def default_command(self, event=None):
        save = sys.stdout
        try:
            sys.stdout = OutputWindow(self.flist)
            self.grep_it(prog, path)
        finally:
            sys.stdout = save

    def grep_it(self, prog, path):<|>
        found,  write the file and line information to stdout (which
        is an OutputWindow).

        Args:
            prog: The compiled, cooked search pattern.
            path: String containing the search path.
        """
        folder, filepat = os.path.split(path)
        if not folder:
            folder = os.curdir
        filelist = sorted(findfiles(folder, filepat, self.recvar.get()))
        self.close()
        pat = self.engine.getpat()
        print(f"Searching {pat!r} in {path} ...")
        hits = 0
        try:
            for fn in filelist:
                try:
                    with open(fn, errors='replace') as f:
                        for lineno, line in enumerate(f, 1):
                            if line[-1:] == '\\n':
                                line = line[:-1]
                            if prog.search(line):
                                sys.stdout.write(f"{fn}: {lineno}: {line}\\n")
                                hits += 1
                except OSError as msg:
                    print(msg)
            print(f"Hits found: {hits}\\n(Hint: right-click to open locations.)"
                  if hits else "No hits.")
        except AttributeError:
            # Tk window has been closed, OutputWindow.text = None,
            # so in OW.write, OW.text.insert fails.
            pass
'''

GREP_DOC = (
    '\n        """Search for prog within the lines of the files in path.\n\n'
    "        For the each file in the path directory, open the file and\n"
    "        search each line for the matching pattern.  If the pattern is"
)


def test_a_docstring_is_not_blamed_for_the_suffixs_try_cut_off_by_the_window() -> None:
    # the parse window ends inside the suffix's `try:` body: its missing `except` is the
    # window's edge, not an error of the answer's
    assert shown_at(GREP_IT, GREP_DOC, lang="python") == GREP_DOC


# --- a statement the file writes twice in a row -------------------------------------------------

TRANSFORM_TEST = """\
  const B = z
    .string()
    .transform((val, ctx) => {
      ctx.issues.push({
        code: "custom",
        message: `custom error`,
        input: val,
      });
      ctx.issues.push({
        code: "custom",
        message: `custom error`,
        input: val,
      });
      return val;
    })
    .pipe(z.number() as any);

  const C = z
    .string()
    .transform((val, ctx) => {<|>
      ctx.issues.push({
        code: "custom",
        message: `custom error`,
        input: val,
        continue: true,
      });
      return val;
    })
    .pipe(z.number() as any);
"""

PUSH = (
    '\n      ctx.issues.push({\n        code: "custom",\n        message: `custom error`,'
    "\n        input: val,\n        continue: true,\n      });"
)


def test_one_more_statement_like_the_files_doubled_one_is_kept() -> None:
    assert shown_at(TRANSFORM_TEST, PUSH, lang="typescript") == PUSH


def test_one_more_doubled_statement_then_the_suffix_again_loses_only_the_retype() -> None:
    raw = PUSH + '\n      ctx.issues.push({\n        code: "custom",'
    assert shown_at(TRANSFORM_TEST, raw, lang="typescript") == PUSH


def test_a_statement_the_file_writes_once_typed_again_is_still_a_retype() -> None:
    # a guard: without the file's own doubled statement, the answer re-types the suffix
    buffer = TRANSFORM_TEST.replace("      ctx.issues.push({", "      ctx.addIssue({", 1)
    assert shown_at(buffer, PUSH, lang="typescript") == ""
