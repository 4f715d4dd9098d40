"""Golden cases for the rules the real-code harness's draws 26-35 asked for (real fragments from
the files it cut: Neovim's Lua runtime and LuaJIT's ``jit/dump.lua``, the Python standard
library, Go's ``crypto/tls``, Rust's std): an overlap with the suffix keeps the suffix's line
breaks, an echo of the lines above the cursor re-types the cursor line too, a near-repetition
seen before its exact copies collapse, an entry of a table that equals the next one, a body cut
at ``maxTokens`` that keeps only a comment, and widths in files that indent with tabs and
spaces alike."""

from __future__ import annotations

from codestral_ls import postprocess as pp
from tests.support.cursor_cases import shown_at


def run(
    buffer: str, raw: str, *, multiline: bool = True, lang: str = "lua", truncated: bool = False
) -> str:
    return shown_at(buffer, raw, lang=lang, multiline=multiline, truncated=truncated)


def applied(buffer: str, raw: str, **kw: object) -> str:
    """The document as the editor leaves it: the item's range covers the closers it re-types."""
    prefix, suffix = buffer.split("<|>")
    text = run(buffer, raw, **kw)  # type: ignore[arg-type]
    before = prefix[prefix.rfind("\n") + 1 :]
    lang = str(kw.get("lang", "lua"))
    covered = pp.covered_closers(text, before, suffix.split("\n", 1)[0], lang)
    return prefix + text + suffix[covered:]


# --- an overlap with the suffix is whitespace-free within lines, not across them ---------------

COXPCALL = """\
local function isCoroutineSafe(func)
    local co = coroutine.create(function()
        return func(<|>)
    end)

    coroutine.resume(co)
    return coroutine.resume(co)
end
"""


def test_an_answer_ending_like_the_suffix_across_its_line_break_is_kept() -> None:
    # `) end` on one line is not the suffix's `)` + line break + `end)`
    truth = "coroutine.yield, function() end"
    assert run(COXPCALL, truth, multiline=False) == truth


def test_a_retyped_rest_of_the_line_is_still_trimmed() -> None:
    truth = "coroutine.yield, function() end"
    assert applied(COXPCALL, truth + ")\n    end)") == COXPCALL.replace("<|>", truth)


# --- an echo of the lines above the cursor re-types the cursor line too ----------------------

RESUME = """\
local function isCoroutineSafe(func)
    local co = coroutine.create(function()
        return func(coroutine.yield, function() end)
    end)

    coroutine.resume(co)
    return <|>
end

-- No need to do anything if pcall and xpcall are safe.
"""


def test_a_first_line_like_the_one_above_continues_the_cursor_line() -> None:
    # `return |` + `coroutine.resume(co)`, the line above, then the suffix re-typed
    raw = "coroutine.resume(co)\nend\n\n-- No need to do anything if pcall and xpcall are safe."
    assert run(RESUME, raw, multiline=False) == "coroutine.resume(co)"


def test_the_lines_above_and_the_cursor_line_retyped_are_still_an_echo() -> None:
    raw = "coroutine.resume(co)\n    return coroutine.resume(co)"
    assert run(RESUME, raw, multiline=False) == "coroutine.resume(co)"


# --- brackets a cut answer leaves open: each closed by the suffix at its line's depth --------

SOCKET = """\
#[stable(feature = "io_safety", since = "1.63.0")]
impl AsSocket for crate::net::TcpStream {<|>
        unsafe { BorrowedSocket::borrow_raw(self.as_raw_socket()) }
    }
}

#[stable(feature = "io_safety", since = "1.63.0")]
impl From<crate::net::TcpStream> for OwnedSocket {
    #[inline]
    fn from(tcp_stream: crate::net::TcpStream) -> OwnedSocket {
        unsafe { OwnedSocket::from_raw_socket(tcp_stream.into_raw_socket()) }
    }
}
"""


def test_two_blocks_left_open_where_the_suffix_closes_one_are_cut_back() -> None:
    # (nested `fn`s are valid Rust: the parse breaks only at the file's end, out of sight)
    truth = "\n    #[inline]\n    fn as_socket(&self) -> BorrowedSocket<'_> {"
    copy = "\n    fn as_socket(&self) -> BorrowedSocket<'x> {"
    raw = truth + copy * 4 + "\n    fn as_socket(&self) -> BorrowedSocket<'x>"
    assert run(SOCKET, raw, lang="rust", truncated=True) == truth


def test_a_call_and_its_callback_left_open_are_closed_by_one_suffix_line() -> None:
    buffer = 'describe("parse", () => {\n  <|>\n  });\n});\n'
    kept = 'it("works", () => {\n    expect(a).toBe(1);'
    raw = kept + "\n    expect(b).toBe"
    assert run(buffer, raw, lang="javascript", truncated=True) == kept


PROXY = """\
    startProxyServer() {
        return __awaiter(this, void 0, void 0, function* () {
            if (!this._proxyServer) {
                this._proxyServer = findFreeSocketPath(this.proxyPipe)
                    .then((pipe) => {
                    this.proxyPipe = pipe;
                    return Promise.all([
                        fs_1.promises.mkdir(path.dirname(this.proxyPipe), { recursive: true }),
                    ]);
                })
                    <|>
                        proxyServer.once("listening", () => resolve(proxyServer));
                        proxyServer.listen(this.proxyPipe);
                    });
                });
            }
            return this._proxyServer;
        });
    }
"""


def test_a_method_chain_link_closes_at_its_statements_depth() -> None:
    # `.then(() => {` sits deeper than the `});` that closes it (tsc's output)
    kept = ".then(() => {\n                    return new Promise((resolve) => {"
    raw = kept + "\n                        const proxyServer = net.crea"
    assert run(PROXY, raw, lang="javascript", truncated=True) == kept


# --- a body cut at maxTokens that keeps only a comment ----------------------------------------

BUILD_EXT = """\
class build_ext(Command):
    def finalize_options(self):
        # For extensions under Cygwin, Python's library directory must be
        # appended to library_dirs
        if sys.platform[:6] == 'cygwin':
            if sys.executable.startswith(os.path.join(sys.exec_prefix, "bin")):
                # building third party extensions
                self.library_dirs.append(os.path.join(sys.prefix, "lib",
                                                      "python" + get_python_version(),
                                                      "config"))
            else:<|>

        # For building extensions with a shared Python library,
        # Python's library directory must be appended to library_dirs
        # See Issues: #1600860, #4366
        if (sysconfig.get_config_var('Py_ENABLE_SHARED')):
            if not sysconfig.python_build:
                pass
"""


def test_a_cut_body_left_with_only_a_comment_shows_nothing() -> None:
    # the empty `else:` is reported at the suffix's `if`, past a blank line and three comments
    raw = "\n                # building python standard extensions\n                self.library"
    assert run(BUILD_EXT, raw, lang="python", truncated=True) == ""


# `finalize_options` runs on for longer than the 3,000 characters the parser is shown
OPTIONS = """\
        if self.include_dirs is None:
            self.include_dirs = self.distribution.include_dirs or []
        if isinstance(self.include_dirs, str):
            self.include_dirs = self.include_dirs.split(os.pathsep)

"""


def test_a_cut_body_left_with_only_a_comment_in_a_long_method_shows_nothing() -> None:
    head, rest = BUILD_EXT.split("        # For extensions under Cygwin", 1)
    buffer = head + OPTIONS * 20 + "        # For extensions under Cygwin" + rest
    raw = "\n                # building python standard extensions\n                self.library"
    assert run(buffer, raw, lang="python", truncated=True) == ""


def test_a_cut_body_with_its_statement_is_kept() -> None:
    kept = (
        "\n                # building python standard extensions"
        "\n                self.library_dirs.append('.')"
    )
    assert run(BUILD_EXT, kept + "\n            x = sel", lang="python", truncated=True) == kept


# --- an entry of a table equal to the next one ------------------------------------------------

PADDING = """\
var signaturePadding = []byte{
\t<|>
\t0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
\t0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
\t0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
}
"""

COLORS = """\
local colortype_ansi = {
  [0] = "%s",
  "\\027[31m%s\\027[m",
  "\\027[36m%s\\027[m",
  <|>
  "\\027[34m%s\\027[m",
  "\\027[35m%s\\027[m",
  "\\027[35m%s\\027[m",
}
"""

WORKER = """\
if (isMainThread) {
  async function runWorker() {
    return new Promise((r) => new Worker(__filename).on('exit', r));
  }
  runWorker()
    <|>
    .then(runWorker)
    .then(runWorker);
}
"""


def test_a_table_entry_equal_to_the_next_is_one_more_entry() -> None:
    truth = "0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,"
    assert run(PADDING, truth, lang="go") == truth
    truth = '"\\027[34m%s\\027[m",'
    assert run(COLORS, truth) == truth  # its neighbours differ by a number
    assert run(WORKER, ".then(runWorker)", lang="javascript") == ".then(runWorker)"


def test_the_next_line_alone_where_its_neighbours_differ_is_still_a_retype() -> None:
    buffer = "def f(a):\n    b = a * 2\n    <|>\n    return b\n\nprint(f(1))\n"
    assert run(buffer, "return b", lang="python") == ""
    buffer = "function f(a) {\n  const b = a * 2;\n  <|>\n  g(b);\n  return b;\n}\n"
    assert run(buffer, "g(b);", lang="javascript") == ""


# --- widths where a file indents with a tab for every 8 columns and spaces for the rest -------

DUMP = """\
local function dump_ir(tr, dumpsnap, dumpreg)
  for ins=1,nins do
    if op == "LOOP  " then
      if dumpreg then
\tout:write(format("%04d ------------ LOOP ------------\\n", ins))
      end
    elseif op ~= "NOP   " and op ~= "CARG  " and
\t   (dumpreg or op ~= "RENAME") then
      out:write(format("%s%s %s %s ",
\t\t       band(ot, 64) == 0 and " " or "+",
\t\t       irtype[t], op))
      <|>
\tlocal ctype
\tif m2 == 1*4 then -- op2 == IRMlit
\t  out:write(format("%-10s  (", vmdef.ircall[op2]))
\telse
\t  ctype = dumpcallfunc(tr, op2)
\tend
\tout:write(")")
      elseif op == "CNEW  " and op2 == -1 then
\tout:write(formatk(tr, op1))
      end
    end
  end
end
"""


def test_a_cut_answer_without_the_block_the_suffix_sits_in_shows_nothing() -> None:
    # the suffix's `\tlocal ctype` is 8 columns deep, below the cursor's 6: it is the body of
    # a block the missing lines opened, so their first line alone would break the file
    truth = 'local m1, m2 = band(m, 3), band(m, 3*4)\n      if sub(op, 1, 4) == "CALL" then'
    assert run(DUMP, truth.split("\n")[0] + "\n      if sub(op, 1, ", truncated=True) == ""
    copy = '\n      if sub(op, 1, 4) == "CALL" thex'
    raw = truth + copy * 11 + '\n      if sub(op, 1, 4) == "C'
    assert run(DUMP, raw, truncated=True) == ""  # the `if` cannot be kept without its `end`


# --- a closer inside a re-typed end of the suffix ---------------------------------------------

SHORT = """\
var test = require('tape');

test('numeric short args', function (t) {
\tt.plan(2);
\tt.deepEqual(parse(['-n123']), { n: 123, _: [] });
\t<|>
\t);
});

test('short', function (t) {
\tt.deepEqual(
\t\tparse(['-b']),
\t\t{ b: true, _: [] },
\t\t'short boolean'
\t);
});
"""


def test_a_retyped_end_holding_a_closer_is_cut_whole() -> None:
    truth = "t.deepEqual(\n\t\tparse(['-123', '456']),\n\t\t{ 1: true, 2: true, 3: 456, _: [] }"
    assert run(SHORT, truth + "\n\t);\n});", lang="javascript") == truth


# --- an answer that ends a template literal opened lines above --------------------------------

SNAPSHOT = """\
test("flattenError", () => {
  const r2 = z.object({ a: z.string() }).safeParse({ a: null });
  expect(z.core.flattenError(r2.error!)).toMatchInlineSnapshot(`
    {
      "fieldErrors": {
        "a": [
          "Invalid input: expected string, received null",
        ],
        "b": [
          "Invalid input: expected string, received null",
        ],
      },
      "formErrors": [],
    }
  `);

  expect(z.core.flattenError(r2.error!, (iss) => iss.message.toUpperCase())).toMatchInlineSnapshot(`
    {
      "fieldErrors": {
        "a": [
          "INVALID INPUT: EXPECTED STRING, RECEIVED NULL",
        ],
        "b": [
          "INVALID INPUT: EXPECTED STRING, RECEIVED NULL",
        ],
        "c": [
          "INVALID INPUT: EXPECTED STRING, RECEIVED NULL",
        ],
        "d": [
          "INVALID INPUT: EXPECTED STRING, RECEIVED NULL",
        ],
        "e": [
          "INVALID INPUT: EXPECTED STRING, RECEIVED NULL",
        ],
        "f": [
          "INVALID INPUT: EXPECTED STRING, RECEIVED NULL",
        ],
      },
      "formErrors": [],
    }
  `);

  // Test mapping
  const f1 = z.core.flattenError(r2.error!, (i: z.ZodIssue) => i.message.length);
  expect(f1).toMatchInlineSnapshot(`
    {
      "fieldErrors": {
        "a": [
          45,
        ],
      },
      "formErrors": [],
    }
  <|>
  // expect(f1).toMatchObject({
  //   formErrors: [],
  // });
});

test("formatError", () => {
  const r = z.object({ a: z.string() }).safeParse({ a: null });
  expect(z.core.formatError(r.error!)).toMatchInlineSnapshot(`
    {
      "_errors": [],
    }
  `);
});
"""


# the server's window may begin inside a snapshot far above; the tests between are code
WINDOW_START = """\
          "Invalid input: expected string, received null",
        ],
      },
    }
  `);
});

"""
BETWEEN = """\
test("flatten {i}", () => {{
  const result = schema.safeParse({{ a: {i}, b: "{i}" }});
  expect(result.success).toEqual(false);
  if (!result.success) {{
    expect(result.error.issues.length).toEqual({i});
  }}
}});

"""


def test_closers_after_a_template_literal_opened_above_are_the_answers() -> None:
    assert run(SNAPSHOT, "`);", multiline=False, lang="typescript") == "`);"
    # a bracket scan of the whole window pairs its backticks the wrong way round (its first
    # one closes a snapshot); the parser reads the last 3,000 characters, which start in code
    between = "".join(BETWEEN.format(i=i) for i in range(16))
    assert len(between) > 3000
    buffer = WINDOW_START + between + SNAPSHOT
    assert run(buffer, "`);", multiline=False, lang="typescript") == "`);"
