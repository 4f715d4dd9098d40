"""Golden cases for the line rules the real-code harness's draws 36-45 asked for (real fragments
from the files it cut: Neovim's Lua runtime, glibc's headers, Rust's std, the Python standard
library, Go's runtime, npm's ``debug``): a list that repeats its element is data, not an echo
of the cursor line; an echo inside a string starts at its quote; a preprocessor ``#endif`` equal
to the next line closes another ``#if`` when the file leaves two open; attribute lines a sibling
item shares are not a re-type of the suffix; a runaway of letterless lines stops when it has no
separator between its copies, or when the file never repeats a data line; a block opener with a
trailing comment is still an opener."""

from __future__ import annotations

from tests.support.cursor_cases import shown_at

# --- a list element typed again after its separator is the list going on, not an echo --------

GETMARKLIST = """\
--- @class vim.fn.getjumplist.ret.item
--- @field bufnr integer
--- @field col integer
--- @field coladd integer
--- @field filename? string
--- @field lnum integer

--- @class vim.fn.getmarklist.ret.item
--- @field mark string
--- @field pos [integer, <|>]
--- @field file string
"""


def test_a_list_element_repeated_after_its_comma_is_data() -> None:
    truth = "integer, integer, integer"
    assert shown_at(GETMARKLIST, truth, lang="lua", multiline=False) == truth


def test_a_retyped_call_start_is_still_an_echo() -> None:
    # the tail re-typed starts an expression (`compute(`): an echo, even after a comma
    buffer = "const result = f(a, compute(<|>\n"
    assert shown_at(buffer, "compute(a, b)", lang="typescript", multiline=False) == "a, b)"


# --- inside a string an echo re-types it from its quote -------------------------------------

PATHS_H = """\
/* Default search path. */
#define	_PATH_DEFPATH	"/usr/bin:/bin"
/* All standard utilities path. */
#define	_PATH_STDPATH \\
	"/usr/bin:<|>"

#define	_PATH_BSHELL	"/bin/sh"
#define	_PATH_CONSOLE	"/dev/console"
"""


def test_a_repeat_from_the_middle_of_a_string_is_its_text() -> None:
    truth = "/bin:/usr/sbin:/sbin"
    assert shown_at(PATHS_H, truth, lang="c", multiline=False) == truth


# --- `#endif` equal to the next line closes another `#if` ------------------------------------

GNU_VERSIONS = """\
#ifndef _GNU_VERSIONS_H
#define	_GNU_VERSIONS_H	1

/* The source files for each piece surround all their
   code with `#ifndef ELIDE_CODE' after defining it with this:

   #define OBSTACK_INTERFACE_VERSION 1
   #if !defined (_LIBC) && defined (__GNU_LIBRARY__) && __GNU_LIBRARY__ > 1
   #include <gnu-versions.h>
   #if _GNU_OBSTACK_INTERFACE_VERSION == OBSTACK_INTERFACE_VERSION
   #define ELIDE_CODE
   <|>
   #endif

   Please preserve the format of the comments after each macro.  */

#define _GNU_OBSTACK_INTERFACE_VERSION	1 /* vs malloc/obstack.c */

#endif	/* gnu-versions.h */
"""


def test_an_endif_like_the_next_line_closes_the_other_open_if() -> None:
    assert shown_at(GNU_VERSIONS, "#endif", lang="c", multiline=False) == "#endif"


def test_an_endif_the_suffix_already_types_is_still_a_retype() -> None:
    # one `#if` left open and the suffix's `#endif` closes it: the answer re-types that line
    buffer = "#ifdef X\nint x;\n<|>\n#endif\n"
    assert shown_at(buffer, "#endif", lang="c", multiline=False) == ""


# --- attributes a sibling item shares are not a re-type of the suffix --------------------------

PRELUDE = """\
#[stable(feature = "prelude_2018", since = "1.55.0")]
pub mod rust_2018 {
    #[stable(feature = "prelude_2018", since = "1.55.0")]
    #[doc(no_inline)]
    pub use super::v1::*;
}

/// The 2021 version of the prelude of The Rust Standard Library.
#[stable(feature = "prelude_2021", since = "1.55.0")]
pub mod rust_2021 {<|>

    #[stable(feature = "prelude_2021", since = "1.55.0")]
    #[doc(no_inline)]
    pub use core::prelude::rust_2021::*;
}
"""


def test_an_item_with_the_attributes_of_the_next_one_is_new_code() -> None:
    truth = (
        '\n    #[stable(feature = "prelude_2021", since = "1.55.0")]'
        "\n    #[doc(no_inline)]\n    pub use super::v1::*;"
    )
    assert shown_at(PRELUDE, truth, lang="rust") == truth


def test_the_attributes_and_the_item_retyped_are_still_a_retype() -> None:
    raw = (
        '\n    #[stable(feature = "prelude_2021", since = "1.55.0")]'
        "\n    #[doc(no_inline)]\n    pub use core::prelude::rust_2021::*;"
    )
    assert shown_at(PRELUDE, raw, lang="rust") == ""


# --- a runaway of letterless lines -----------------------------------------------------------

REQUIRE_LANGUAGE = """\
---@deprecated
function M.require_language(lang, path, silent, symbol_name)
  vim.deprecate(
    <|>
  )
  local opts = {
    silent = silent,
    path = path,
    symbol_name = symbol_name,
  }

  if silent then
    local installed = pcall(M.add, lang, opts)
    return installed
  end

  return M.add(lang, opts)
end
"""


def test_a_repeated_string_line_without_a_comma_is_a_runaway() -> None:
    truth = "'vim.treesitter.language.require_language()',\n    'vim.treesitter.language.add()',"
    truth += "\n    '0.12'"
    raw = truth + "\n    '0.12'" * 11 + "\n    '"
    assert shown_at(REQUIRE_LANGUAGE, raw, lang="lua", truncated=True) == truth


FASTLOG2 = """\
package runtime

const fastlogNumBits = 5

var fastlog2Table = [1<<fastlogNumBits + 1]float64{
	0,
	0.0443941193584535,
	0.08746284125033943,
	0.12928301694496647,
	0.16992500144231248,
	<|>
	0.28540221886224837,
	0.3219280948873623,
}
"""


def test_a_number_repeated_to_the_token_limit_in_a_table_of_distinct_numbers_is_a_runaway() -> None:
    truth = "0.2094533656289499,\n\t0.24792751344358555,"
    raw = truth + "\n\t0.24792751344358555," * 11 + "\n\t0.247"
    assert shown_at(FASTLOG2, raw, lang="go", truncated=True) == truth


ZEROS = """\
static const unsigned char table[] = {
    1,1,1,1,1,1,1,1,
    1,1,1,1,1,1,1,1,
    2,2,2,2,2,2,2,2,
    <|>
};
"""


def test_a_table_that_repeats_its_rows_may_run_to_the_token_limit() -> None:
    # a guard: the file repeats a row itself, so rows repeated up to the limit are data
    raw = "0,0,0,0,0,0,0,0,\n" + "    0,0,0,0,0,0,0,0,\n" * 11 + "    0,0,0,"
    kept = raw[: raw.rfind("\n")]
    assert shown_at(ZEROS, raw, lang="c", truncated=True) == kept


# --- a block opener with a trailing comment is still an opener ---------------------------------

PRINT_WINDOW = """\
    def print_window(self, event):
        platform = os.name
        printPlatform = True
        if platform == 'posix': #posix platform
            command = idleConf.GetOption('main','General',
                                         'print-command-posix')
            command = command + " 2>&1"
        elif platform == 'nt': #win32 platform
            command = idleConf.GetOption('main','General','print-command-win')
        <|>
            command = command % shlex.quote(filename)
            pipe = os.popen(command, "r")
        return "break"
"""


def test_a_runaway_of_an_opener_with_a_comment_keeps_the_opener() -> None:
    truth = (
        "else: #no printing for this platform\n            printPlatform = False\n"
        "        if printPlatform:  #we can try to print for this platform"
    )
    raw = truth + "\n        if printPlatform:  #we can try to print for this platform" * 10
    raw += "\n        if printPlatform:  #we ca"
    assert shown_at(PRINT_WINDOW, raw, lang="python", truncated=True) == truth


def test_numbers_counted_on_to_the_token_limit_in_a_table_that_does_not_count_are_a_runaway() -> (
    None
):
    truth = "0.2094533656289499,"
    raw = truth + "".join(f"\n\t0.20945336562895{i:02d}," for i in range(12)) + "\n\t0.2094"
    assert shown_at(FASTLOG2, raw, lang="go", truncated=True) == truth


COUNTING = """\
static const int order[] = {
    1,
    2,
    3,
    <|>
};
"""


def test_a_table_that_counts_its_rows_may_count_to_the_token_limit() -> None:
    # a guard: the file counts on by one itself, so rows counting up to the limit are data
    raw = "4," + "".join(f"\n    {i}," for i in range(5, 16)) + "\n    1"
    assert shown_at(COUNTING, raw, lang="c", truncated=True) == raw[: raw.rfind("\n")]


PRINT_WINDOW_ELSE = PRINT_WINDOW.replace(
    '        return "break"\n',
    "        else:  #no printing for this platform\n"
    '            message = "Printing is not enabled for this platform: %s" % platform\n'
    '        return "break"\n',
)


def test_an_else_cut_before_its_if_is_not_given_the_suffix_as_body() -> None:
    # cut at max_tokens: `else:` alone would take the suffix's lines as its body, and the
    # suffix's own `else:` would follow an `else:`
    raw = "else: #no printing for this platform\n            printPlatform = Fal"
    assert shown_at(PRINT_WINDOW_ELSE, raw, lang="python", truncated=True) == ""


# --- a C pointer type ends a unit of a runaway on one line ------------------------------------

SQLITE3EXT = """\
  int (*stmt_busy)(sqlite3_stmt*);
  int (*stmt_readonly)(sqlite3_stmt*);
  int (*stricmp)(const char*,<|>);
  int (*uri_boolean)(const char*,const char*,int);
"""


def test_a_runaway_of_a_pointer_type_keeps_its_star() -> None:
    raw = ",".join(["const char*"] * 9)
    assert shown_at(SQLITE3EXT, raw, lang="c", multiline=False, truncated=True) == "const char*"


# --- a `try:` cut before its `except` ----------------------------------------------------------

REDUCE_EX = """\
def _reduce_ex(self, proto):
    cls = self.__class__
    args = (cls, base, state)
    <|>
        if getattr(self, "__slots__", None):
            raise TypeError("a class that defines __slots__ cannot be pickled")
        try:
            dict = self.__dict__
        except AttributeError:
            dict = None
    else:
        dict = getstate()
    if dict:
        return _reconstructor, args, dict
    return _reconstructor, args
"""


def test_a_try_cut_before_its_except_is_not_given_the_suffix_as_body() -> None:
    raw = "try:\n        getstate = self.__getstate__\n    exc"
    assert shown_at(REDUCE_EX, raw, lang="python", truncated=True) == ""


def test_a_try_with_its_except_is_kept() -> None:
    truth = "try:\n        getstate = self.__getstate__\n    except AttributeError:"
    assert shown_at(REDUCE_EX, truth, lang="python") == truth


# --- `i++` ends a statement ---------------------------------------------------------------------

ORDER2 = """\
// order2_func returns x,y where data[x] <= data[y], where x,y=a,b or x,y=b,a.
func order2_func(data lessSwap, a, b int, swaps *int) (int, int) {<|>
		return b, a
	}
	return a, b
}
"""


def test_a_runaway_of_an_increment_keeps_one() -> None:
    truth = "\n\tif data.Less(b, a) {\n\t\t*swaps++"
    raw = truth + "\n\t\t*swaps++" * 11 + "\n\t\t*swa"
    assert shown_at(ORDER2, raw, lang="go", truncated=True) == truth


SPELL_DOC = """\
--- ```lua
--- vim.spell.check("the quik brown fox")
--- -- =>
--- <|>
--- --     {'quik', 'bad', 5}
--- -- }
--- ```
"""


def test_a_comment_line_ending_in_a_brace_opens_no_block_of_lines_to_keep() -> None:
    # a guard: the `{` of a doc example is in a comment; a runaway of comment lines shows none
    raw = "-- {" + "\n--- -- {" * 11 + "\n--- "
    assert shown_at(SPELL_DOC, raw, lang="lua", multiline=False, truncated=True) == ""
