"""Golden cases for the rules the real-code harness's draws 6-15 asked for (real fragments from
the files it cut: the Python standard library, zod, Go's and Neovim's runtimes, glibc headers,
shell-quote): a re-typed suffix line only at the suffix line's depth, fences and mixed
indentation the file writes after the cursor, Python windows that begin outside docstrings,
Lua long strings and JavaScript regex literals in the lexer, backslash-continued block lines,
and keyword blocks closed by the suffix's ``end)`` and ``else``."""

from __future__ import annotations

from codestral_ls.lexer import bracket_regex, line_state, syntax_for
from codestral_ls.multiline import decide_multiline
from tests.support.cursor_cases import shown_at


def run(buffer: str, raw: str, *, multiline: bool = True, lang: str = "python") -> str:
    return shown_at(buffer, raw, lang=lang, multiline=multiline)


# --- a line of the suffix re-typed: only at the suffix line's own depth -----------------------

AIX = """\
        if path.exists(archive):
            members = get_shared(get_ld_headers(archive))
            member = get_member(re.escape(name), members)
            if member is not None:
                return (base, member)
            <|>
    return (None, None)

def find_library(name):
    pass
"""


def test_a_nested_return_before_the_functions_own_is_kept() -> None:
    truth = "else:\n                return (None, None)"
    assert run(AIX, truth) == truth
    assert run(AIX, truth, multiline=False) == truth  # `else:` brings its block


def test_a_retyped_suffix_at_its_own_depth_is_still_cut() -> None:
    truth = "else:\n                return (None, None)"
    assert run(AIX, truth + "\n    return (None, None)\n\ndef find_library(name):") == truth


ZOD = """\
            ? {
                [k in keyof Items]: Items[k] extends ZodTypeAny ? DeepPartial<Items[k]> : never;
              } extends infer PI
              ? PI extends ZodTupleItems
                ? ZodTuple<PI>
                <|>
              : never
            : T;
}
"""


def test_a_conditional_branch_like_the_next_one_is_not_a_retype() -> None:
    assert run(ZOD, ": never", multiline=False, lang="typescript") == ": never"


READDIR = """\
package fs

// ReadDirFS is the interface implemented by a file system
// that provides an optimized implementation of ReadDir.
type ReadDirFS interface <|>

// ReadDir reads the named directory
// and returns a list of directory entries sorted by filename.
func ReadDir(fsys FS, name string) ([]DirEntry, error) {
"""


def test_a_doc_comment_inside_the_block_like_the_one_after_it_is_kept() -> None:
    truth = (
        "{\n\tFS\n\n\t// ReadDir reads the named directory\n"
        "\t// and returns a list of directory entries sorted by filename.\n"
        "\tReadDir(name string) ([]DirEntry, error)\n}"
    )
    assert run(READDIR, truth, multiline=False, lang="go") == truth


# --- what the file writes after the cursor counts as evidence ---------------------------------

SPELL = """\
--- Check {str} for spelling errors.
---
--- Example:
---
--- <|>
--- vim.spell.check("the quik brown fox")
--- ```
---
--- @param str string
function vim.spell.check(str) end
"""


def test_a_fence_in_a_doc_comment_whose_fences_follow_the_cursor_is_kept() -> None:
    assert run(SPELL, "```lua", multiline=False, lang="lua") == "```lua"


GCONV = """\
#include <stddef.h>

/* Type of a conversion function.  */
typedef int (*__gconv_fct) (struct __gconv_step *, struct __gconv_step_data *,
  <|>

/* Type of a specialized conversion function for a single byte to INTERNAL.  */
typedef wint_t (*__gconv_btowc_fct) (struct __gconv_step *, unsigned char);

/* Constructor and destructor for local data for conversion step.  */
typedef int (*__gconv_init_fct) (struct __gconv_step *);
typedef void (*__gconv_end_fct) (struct __gconv_step *);

/* Type of a transliteration/transscription function.  */
typedef int (*__gconv_trans_fct) (struct __gconv_step *,
\t\t\t\t  struct __gconv_step_data *, void *,
\t\t\t\t  const unsigned char *,
\t\t\t\t  const unsigned char **,
\t\t\t\t  const unsigned char *, unsigned char **,
\t\t\t\t  size_t *);
"""


def test_tabs_then_spaces_stay_when_the_file_goes_on_writing_them() -> None:
    truth = (
        "const unsigned char **, const unsigned char *,\n"
        "\t\t\t    unsigned char **, size_t *, int, int);"
    )
    assert run(GCONV.replace("  <|>", "\t\t\t    <|>"), truth, lang="c") == truth


# --- Python: a window that begins outside docstrings ------------------------------------------

_METHODS = "".join(
    f'    def method_{i}(self):\n        """Method {i}: a docstring line long enough."""\n'
    f"        return {i}\n\n"
    for i in range(40)
)
_LONG_DOC = "".join(
    f"        Line {i} of a docstring that runs on for a long while.\n" for i in range(60)
)


def test_a_blank_line_in_a_method_of_a_long_class_is_multi_line() -> None:
    # the 3,000-character window would begin inside the docstring of the method before
    body = "".join(f"        self.buffer_{i} = self.runsource(line, {i})\n" for i in range(40))
    prefix = (
        "class Console:\n"
        + _METHODS
        + '    def helper(self):\n        """Help.\n\n'
        + _LONG_DOC[:1500]
        + '        """\n        return 1\n\n    def push(self, line):\n'
        + body
        + "        "
    )
    assert len(prefix) - prefix.index("    def helper") > 3000 > len(prefix) - prefix.index("push")
    assert decide_multiline(
        prefix, "\n\n    def raw_input(self):\n        pass\n", "python", "auto"
    )


def test_a_blank_line_after_a_docstring_longer_than_the_window_is_multi_line() -> None:
    prefix = (
        'def compile(file):\n    """Byte-compile one Python source file.\n\n'
        + _LONG_DOC
        + '    """\n    try:\n        code = loader.source_to_code(file)\n'
        + "    except Exception as err:\n"
        "        py_exc = PyCompileError(err.__class__, err, file)\n        "
    )
    assert decide_multiline(prefix, "\n    return cfile\n", "python", "auto")


def test_inside_a_long_docstring_stays_single_line() -> None:
    prefix = 'def compile(file):\n    """Byte-compile one Python source file.\n\n' + _LONG_DOC
    assert not decide_multiline(prefix + "        ", '\n    """\n    return 1\n', "python", "auto")


# --- the lexer: Lua long strings, JavaScript regex literals -----------------------------------


def _brackets(text: str, lang: str) -> list[str]:
    regex = bracket_regex(syntax_for(lang))
    return [m.group("b") for m in regex.finditer(text) if m.group("b")]


def test_lua_long_strings_hide_their_brackets() -> None:
    text = "fp:write(format([[\nstatic const unsigned char %s%s[] = {\n]], LJBC_PREFIX, ctx."
    assert _brackets(text, "lua") == ["(", "("]
    assert _brackets("x = [==[ ]] ) ]==] .. f(", "lua") == ["("]  # a level-2 string


BCSAVE = """\
local function bcsave_c(ctx, output, s)
  local fp = savefile(output, "w")
  if ctx.type == "c" then
    fp:write(format([[
const unsigned char %s%s[] = {
]], LJBC_PREFIX, ctx.modname))
  else
    fp:write(format([[
#define %s%s_SIZE %d
static const unsigned char %s%s[] = {
]], LJBC_PREFIX, ctx.<|>
  end
end
"""


def test_closers_after_a_lua_long_string_are_the_answers() -> None:
    truth = "modname, #s, LJBC_PREFIX, ctx.modname))"
    assert run(BCSAVE, truth, multiline=False, lang="lua") == truth


def test_javascript_regex_literals_hide_their_quotes_and_brackets() -> None:
    line = "\t\t\treturn '\"' + s.replace(/([\"\\\\$`!])/g, '\\\\$1') + '\"';"
    assert _brackets(line, "javascript") == ["(", ")"]
    assert line_state(line, "javascript").string_quote == ""
    assert line_state("x = a / b / c; y = '", "javascript").string_quote == "'"  # division


QUOTE = """\
module.exports = function quote(xs) {
\treturn xs.map(function (s) {
\t\tif (s && typeof s === 'object') {
\t\t\treturn s.op.replace(/(.)/g, '\\\\$1');
\t\t}
\t\tif ((/["\\s]/).test(s) && !(/'/).test(s)) {
\t\t\treturn "'" + s.replace(/(['\\\\])/g, '\\\\$1') + "'";
\t\t}
\t\tif ((/["'\\s]/).test(s)) <|>
\t\treturn String(s).replace(/([A-Za-z]:)?([#!"$&'()*,:;<=>?@[\\\\\\]^`{|}])/g, '$1\\\\$2');
\t}).join(' ');
};
"""


def test_a_block_after_regex_literals_keeps_its_closing_brace() -> None:
    truth = "{\n\t\t\treturn '\"' + s.replace(/([\"\\\\$`!])/g, '\\\\$1') + '\"';\n\t\t}"
    assert run(QUOTE, truth, multiline=False, lang="javascript") == truth


# --- blocks: a backslash-continued `if`, Lua blocks the suffix closes -------------------------

IDNA = """\
def nameprep(label):
    for c in label:
        if stringprep.in_table_c12(c) or \\
           stringprep.in_table_c22(c) or \\
           stringprep.in_table_c8(c) or \\
           <|>

    # Check bidi
    RandAL = [stringprep.in_table_d1(x) for x in label]
"""


def test_a_continued_block_line_brings_its_block() -> None:
    truth = 'stringprep.in_table_c9(c):\n            raise UnicodeError("Invalid character %r" % c)'
    assert run(IDNA, truth, multiline=False) == truth


CODELENS = """\
local function execute_lens(lens, bufnr, client_id)
  local line = lens.range.start.line

  local client = vim.lsp.get_client_by_id(client_id)
  <|>
  end)
end

--- Return all lenses for the given buffer
function M.get(bufnr)
"""


def test_a_retyped_end_paren_the_suffix_has_is_cut() -> None:
    truth = (
        "assert(client, 'Client is required to execute lens, client_id=' .. client_id)\n"
        "  client:exec_cmd(lens.command, { bufnr = bufnr }, function(...)\n"
        "    vim.lsp.handlers[ms.workspace_executeCommand](...)\n"
        "    M.refresh()"
    )
    assert run(CODELENS, truth, lang="lua") == truth
    assert run(CODELENS, truth + "\n  end)\nend", lang="lua") == truth


QUERY = """\
        for _, incllang in ipairs(vim.split(langlist, ',', true)) do
          local is_optional = incllang:match('%(.*%)')

          if is_optional then<|>
              end
            end
          else
            if add_included_lang(base_langs, lang, incllang) then
              extension = true
            end
          end
"""


def test_retyped_ends_before_the_suffixs_else_are_cut() -> None:
    truth = (
        "\n            if not is_included then\n"
        "              if add_included_lang(base_langs, lang, incllang:sub(2, #incllang - 1))"
        " then\n"
        "                extension = true"
    )
    assert run(QUERY, truth, lang="lua") == truth
    assert run(QUERY, truth + "\n              end\n            end", lang="lua") == truth


# --- answers cut at maxTokens: what the missing lines were needed for -------------------------


def cut_run(buffer: str, raw: str, lang: str) -> str:
    return shown_at(buffer, raw, lang=lang, truncated=True)


THREAD_DB = """\
/* Get base address of thread-local storage block.  */
extern td_err_e td_thr_tlsbase (const td_thrhandle_t *__th,
\t\t\t\t<|>

/* Get address of thread local variable.  */
extern td_err_e td_thr_tls_get_addr (const td_thrhandle_t *__th,
\t\t\t\t     psaddr_t __map_address, size_t __offset,
\t\t\t\t     psaddr_t *__address);
"""


def test_a_cut_parameter_list_the_suffix_never_closes_shows_nothing() -> None:
    raw = "unsigned long int __modid,\n\t\t\t\tpsaddr_t"
    assert cut_run(THREAD_DB, raw, "c") == ""


CRC32 = (
    "public sealed class Crc32 : IChecksum {\n"
    + "".join(f"    private int field{i};\n" for i in range(60))
    + """\
    /// <summary>Resets the CRC to its initial value.</summary>
    <|>
    }

    /// <summary>The CRC value.</summary>
    [Pure]
    public long GetValue() {
        return crc & 0xffffffffL;
    }
}
"""
)


def test_a_lone_attribute_before_the_suffixs_closing_brace_shows_nothing() -> None:
    # (CRC32.java's `@Override` in the harness; C# here, where no parser checks the answer)
    # the brace that opened the class is beyond the recent lines: the depth tells
    assert cut_run(CRC32, "[Obsolete]\n    public void Reset() {\n     ", "csharp") == ""
    whole = "[Obsolete]\n    public void Reset() {\n        crc = 0;"
    assert cut_run(CRC32, whole + "\n     ", "csharp") == whole


HEALTH = """\
local function check_active_clients()
  local clients = vim.lsp.get_clients()
  if next(clients) then
    for _, client in pairs(clients) do
      local cmd ---@type string
      <|>
      elseif type(ccmd) == 'function' then
        cmd = func_tostring(ccmd)
      end
      local dirs_info ---@type string
    end
  end
end
"""


def test_a_cut_answer_before_the_suffixs_elseif_must_bring_its_if() -> None:
    raw = "local ccmd = client.config.cmd\n      if type(ccmd) == 'table' then\n        cmd = v"
    assert cut_run(HEALTH, raw, "lua") == ""


SCHEMA = """\
export declare namespace StandardSchemaV1 {<|>
  export interface Props<Input = unknown, Output = Input> {
    /**
     * The version number of the standard.
     */
    readonly version: 1;
  }
}
"""


def test_a_cut_answer_does_not_leave_a_doc_comment_open() -> None:
    raw = "\n  /**\n   * The Standard Schema properties interface.\n"
    assert cut_run(SCHEMA, raw, "typescript") == ""


HIGHLIGHTER = """\
function TSHighlighter.new(tree, opts)
  local self = setmetatable({}, TSHighlighter)
  self.tree = tree
  <|>
    end,
  })

  local function set_conceal_lines(lang)
  end
end
"""


def test_a_bracket_is_no_keyword_block_for_the_suffixs_end_lines() -> None:
    # `({` waits for the suffix's `})`, `function()` for its `end,`: both re-typed, both cut
    truth = "tree:register_cbs({\n    on_detach = function()\n      self:on_detach()"
    assert run(HIGHLIGHTER, truth, lang="lua") == truth
    assert run(HIGHLIGHTER, truth + "\n    end,\n  })", lang="lua") == truth


SOCKET = """\
if hasattr(_socket, "socketpair"):
    def socketpair(family=None, type=SOCK_STREAM, proto=0):
        return a, b

else:

    # Origin: https://gist.github.com/4325783, by Geert Jansen.  Public domain.
    <|>
        elif family == AF_INET6:
            host = _LOCALHOST_V6
        else:
            raise ValueError("Only AF_INET and AF_INET6 socket address families")
        return a, b
"""


def test_a_cut_answer_before_the_suffixs_elif_must_bring_its_if() -> None:
    raw = (
        "def socketpair(family=AF_INET, type=SOCK_STREAM, proto=0):\n"
        "        if family == AF_INET:\n            host = _LOCALHOST"
    )
    assert cut_run(SOCKET, raw, "python") == ""
    whole = raw.rsplit("\n", 1)[0] + "\n            host = _LOCALHOST_V4"
    assert cut_run(SOCKET, whole + "\n        ", "python") == whole


CODEC = """\
test("z.toJSONSchema() returns StandardJSONSchemaV1", async () => {
  const codec = z.codec(z.string(), z.number(), <|>);
  const result = codec["~standard"].jsonSchema.input({ target: "draft-2020-12" });
});
"""


def test_a_block_opened_inside_the_cursor_lines_call_ends_at_its_brace() -> None:
    truth = (
        "{\n    decode: (str) => Number.parseFloat(str),\n    encode: (num) => num.toString(),\n  }"
    )
    overlong = truth + "\n\n  function helper(value) {\n      return value;\n  }"
    assert run(CODEC, overlong, multiline=False, lang="typescript") == truth


# --- the lexer: Rust raw strings (draws 16-25: most of Rust's answers that broke the parse) ----

WRAPPER = """\
    assert_eq!(test_wrapper("prog", &["aaa", "bbb", "ccc"], false), "\\"prog\\" aaa bbb ccc");

    assert_eq!(test_wrapper("prog", &[r"C:\\"], false), <|>
    assert_eq!(test_wrapper("prog", &[r"2slashes\\\\"], false), r#""prog" 2slashes\\\\"#);
}
"""


def test_rust_raw_strings_end_at_their_quote_not_past_a_backslash() -> None:
    line = 'assert_eq!(test_wrapper("prog", &[r"C:\\"], false), r#""prog" C:\\"#);'
    assert _brackets(line, "rust") == ["(", "(", "[", "]", ")", ")"]
    assert line_state(line, "rust") == line_state("", "rust")  # nothing left open
    assert line_state('if !path.starts_with(br"\\") {', "rust").string_quote == ""
    assert line_state('let s = r#"open', "rust").string_quote == '"'
    assert line_state("let t = r#type; f(", "rust").string_quote == ""  # a raw identifier


def test_closers_after_a_rust_raw_string_are_kept() -> None:
    truth = 'r#""prog" C:\\"#);'
    assert run(WRAPPER, truth, multiline=False, lang="rust") == truth
