"""Golden cases from the real-code harness's draws 46-60 (and the regression draw 5): the last
answers that broke the file's parse, and the perfect answers cut on a single seed.

- A unit repeated to the end of a line is a runaway only when the model ran on to the token
  limit: a table's ``nil,nil,nil``, a C prototype's ``const char*,const char*,`` or a Lua
  annotation's ``integer, integer, integer`` that the model ended itself is code; a runaway
  is cut back to one unit with its closing quote (``-inf``).
- A declaration header written over several lines (``abstract class IntPipeline<E_IN>`` /
  ``extends ...`` / ``implements IntStream {``) is not shown without its ``{``: a cut answer
  that stops before it shows nothing, single-line mode brings the lines up to it.
- A blank line among the operands of a bracket the suffix closes (``__all__ = (a +`` ...
  ``z)``) gets multi-line mode, as a blank line among a call's items does.
- Two lines an answer shares with the suffix, followed by another branch (``elif``) of the
  statement they sit in, were the body of an earlier branch: no re-type of the suffix.
- A cut answer may end with a ``switch`` label (``case 2:``, ``default:``) whose statements
  the suffix gives one level deeper, as after a block's opener; the indentation unit is read
  from code, not from a licence comment's prose (``  Copyright ...`` is no 2-space file).
- A runaway of similar lines starts where they count on by one (``'#FF9900'``, ``'#FF9901'``...):
  similar lines before it that do not count are the code meant; once copies of one line were
  cut, the lines left are no second runaway (``KEY_F31`` ... ``KEY_F34``).
- The line holding a bracket opened just beyond the recent lines is read whole (its start was
  cut off, so its indentation looked like one column).
"""

from __future__ import annotations

from codestral_ls.multiline import decide_multiline
from tests.support.cursor_cases import shown_at

# --- a unit repeated on a line the model ended itself is code ------------------------------

DIS_X86 = """\
local map_opc2 = {
"ucomissXrm||ucomisdXrm",
"comissXrm||comisdXrm",
--3x
"wrmsr","rdtsc","rdmsr","rdpmc","sysenter","sysexit",nil,"getsec",
"opc3*38",nil,<|>,
--4x
"cmovoVrm","cmovnoVrm","cmovbVrm","cmovnbVrm",
}
"""


def test_a_table_row_of_nils_the_model_ended_itself_is_kept() -> None:
    truth = '"opc3*3a",nil,nil,nil,nil,nil'
    assert shown_at(DIS_X86, truth, lang="lua", multiline=False) == truth


def test_a_row_of_nils_run_on_to_the_token_limit_is_a_runaway() -> None:
    # a guard: the runaway the token limit cut is still cut back to one unit
    raw = '"opc3*3a"' + ",nil" * 40 + ",ni"
    assert shown_at(DIS_X86, raw, lang="lua", multiline=False, truncated=True) == '"opc3*3a",nil'


JSON_DUMP_DOC = '''\
def dump(obj, fp, *, skipkeys=False, allow_nan=True):
    """Serialize ``obj`` as a JSON formatted stream to ``fp``.

    If ``allow_nan`` is false, then it will be a ``ValueError`` to
    serialize out of range ``float`` values (``nan``, ``inf``, <|>)
    in strict compliance of the JSON specification.
    """
'''


def test_a_runaway_of_quoted_words_keeps_the_closing_quote() -> None:
    raw = ", ".join(["``-inf``"] * 9)
    assert shown_at(JSON_DUMP_DOC, raw, lang="python", multiline=False, truncated=True) == (
        "``-inf``"
    )


SQLITE3EXT = """\
struct sqlite3_api_routines {
  const char *(*filename_journal)(const char*);
  const char *(*filename_wal)(const char*);
  /* Version 3.32.0 and later */
  <|>
                           int,const char**);
  void (*free_filename)(const char*);
};
"""


def test_a_prototype_that_repeats_a_parameter_type_is_kept() -> None:
    truth = "const char *(*create_filename)(const char*,const char*,const char*,"
    assert shown_at(SQLITE3EXT, truth, lang="c", multiline=False) == truth


GETMARKLIST = """\
--- @class vim.fn.getmarklist.ret.item
--- @field mark string
--- @field pos [<|>]
--- @field file string
"""


def test_a_tuple_type_that_repeats_one_type_is_kept() -> None:
    truth = "integer, integer, integer, integer"
    assert shown_at(GETMARKLIST, truth, lang="lua", multiline=False) == truth


# --- a declaration header is not left without its `{` ---------------------------------------

INT_PIPELINE = """\
import java.util.function.Supplier;

/**
 * Abstract base class for an intermediate pipeline stage or pipeline source
 * stage implementing whose elements are of type {@code int}.
 *
 * @since 1.8
 */
abstract class IntPipeline<E_IN>
        <|>

    /**
     * Constructor for the head of a stream pipeline.
     *
     * @param source {@code Supplier<Spliterator>} describing the stream source
     * @param sourceFlags The source flags for the stream source, described in
     *        {@link StreamOpFlag}
     * @param parallel {@code true} if the pipeline is parallel
     */
    IntPipeline(Supplier<? extends Spliterator<Integer>> source,
                int sourceFlags, boolean parallel) {
        super(source, sourceFlags, parallel);
    }

    /**
     * Constructor for the head of a stream pipeline.
     *
     * @param source {@code Spliterator} describing the stream source
     * @param sourceFlags The source flags for the stream source, described in
     *        {@link StreamOpFlag}
     * @param parallel {@code true} if the pipeline is parallel
     */
    IntPipeline(Spliterator<Integer> source,
                int sourceFlags, boolean parallel) {
        super(source, sourceFlags, parallel);
    }

    /**
     * Constructor for appending an intermediate operation onto an existing
     * pipeline.
     *
     * @param upstream the upstream element source
     * @param opFlags the operation flags for the new operation
     */
    IntPipeline(AbstractPipeline<?, E_IN, ?> upstream, int opFlags) {
        super(upstream, opFlags);
    }

    /**
"""
HEADER = "extends AbstractPipeline<E_IN, Integer, IntStream>\n        implements IntStream {"


def test_a_cut_answer_that_stops_inside_a_class_header_shows_nothing() -> None:
    raw = "extends AbstractPipeline<E_IN, Integer, IntStream>\n        imple"
    assert shown_at(INT_PIPELINE, raw, lang="java", truncated=True) == ""


def test_a_runaway_after_a_class_header_does_not_leave_the_header_open() -> None:
    raw = HEADER + "".join(f"\n        implements IntStrea{c} {{" for c in "nopqrstuvw")
    assert shown_at(INT_PIPELINE, raw + "\n        imple", lang="java", truncated=True) in (
        "",
        HEADER,
    )


def test_single_line_mode_brings_a_class_header_up_to_its_brace() -> None:
    assert shown_at(INT_PIPELINE, HEADER, lang="java", multiline=False) == HEADER


def test_a_class_header_the_suffix_goes_on_with_is_kept() -> None:
    # a guard: the suffix's next line is the header's `implements ... {`
    buffer = INT_PIPELINE.replace("<|>\n", "<|>\n        implements IntStream {\n")
    raw = "extends AbstractPipeline<E_IN, Integer, IntStream>\n        implements"
    shown = shown_at(buffer, raw, lang="java", truncated=True)
    assert shown == "extends AbstractPipeline<E_IN, Integer, IntStream>"
    first = "extends AbstractPipeline<E_IN, Integer, IntStream>"
    assert shown_at(buffer, first + "\n" + "        foo", lang="java", multiline=False) == first


RUST_IMPL = """\
impl<T> Drop for Queue<T> {
    fn drop(&mut self) {}
}

impl<T: Send> Queue<T>
<|>
{
    pub fn new() -> Queue<T> {
        Queue { head: None }
    }
}
"""


def test_a_where_clause_whose_brace_the_suffix_has_is_kept() -> None:
    # a guard: Allman style, the suffix starts with the header's `{`
    raw = "where\n    T: Clone,\n    fo"
    assert shown_at(RUST_IMPL, raw, lang="rust", truncated=True) == "where\n    T: Clone,"


def test_a_rust_impl_header_cut_before_its_brace_shows_nothing() -> None:
    buffer = RUST_IMPL.replace("<|>\n{\n", "<|>\n").replace(
        "impl<T: Send> Queue<T>\n", "impl<T: Send> Queue<T>\nwhere\n"
    )
    # cut inside the `where` clause: `T: Clone,` alone leaves it without its `{`
    raw = "    T: Clone,\n    U: Cop"
    assert shown_at(buffer, raw, lang="rust", truncated=True) == ""
    # a guard: with its `{`, the body the suffix gives and the suffix's `}` close it
    raw = "    T: Clone,\n{\n    pub fn new() -> Queue<T> {\n        Queue { he"
    assert shown_at(buffer, raw, lang="rust", truncated=True) == "    T: Clone,\n{"


GNU_C = """\
static int counter;

static struct node *
<|>
{
    return NULL;
}
"""


def test_a_c_return_type_on_its_own_line_is_no_header() -> None:
    # a guard: `static struct node *` is continued by the function's name, not by a `{`
    raw = "make_node(void)\n{\n    ret"
    assert shown_at(GNU_C, raw, lang="c", truncated=True) == "make_node(void)"


# --- a blank line among the operands of a bracket the suffix closes --------------------------

ASYNCIO_ALL = """\
from .threads import *
from .transports import *

__all__ = (base_events.__all__ +
           coroutines.__all__ +
           events.__all__ +
           protocols.__all__ +
           <|>
           tasks.__all__ +
           threads.__all__ +
           transports.__all__)

if sys.platform == 'win32':  # pragma: no cover
    from .windows_events import *
"""
OPERANDS = "runners.__all__ +\n           queues.__all__ +\n           streams.__all__ +"


def _multiline(buffer: str) -> bool:
    prefix, suffix = buffer.split("<|>")
    return decide_multiline(prefix, suffix, "python", "auto")


def test_a_blank_line_among_operands_the_suffix_closes_gets_several_lines() -> None:
    assert _multiline(ASYNCIO_ALL)
    assert shown_at(ASYNCIO_ALL, OPERANDS, lang="python") == OPERANDS


def test_a_blank_line_after_an_operator_in_a_bracket_left_open_stays_one_line() -> None:
    # a guard: nothing closes the bracket after the cursor (the user is writing it)
    buffer = ASYNCIO_ALL.split("<|>")[0] + "<|>\n"
    assert not _multiline(buffer)
    # nor after `=` (not an operand list), nor on the operator's own line
    assert not _multiline("x = foo(a=\n    <|>\n    1)\n")
    assert not _multiline("__all__ = (a +<|>\n           b)\n")


# --- a branch's body written again in the branch the suffix holds ----------------------------

AIFC_WRITE_HEADER = """\
    def _write_header(self, initlength):
        if self._aifc and self._comptype != b'NONE':
            self._init_compression()
        self._file.write(b'FORM')
        self._datalength = self._nframes * self._nchannels * self._sampwidth
        if self._datalength & 1:
            self._datalength = self._datalength + 1
        if self._aifc:<|>
                if self._datalength & 1:
                    self._datalength = self._datalength + 1
        try:
            self._form_length_pos = self._file.tell()
        except (AttributeError, OSError):
            self._form_length_pos = None
"""
AIFC_TRUTH = (
    "\n            if self._comptype in (b'ulaw', b'ULAW', b'alaw', b'ALAW'):"
    "\n                self._datalength = self._datalength // 2"
    "\n                if self._datalength & 1:"
    "\n                    self._datalength = self._datalength + 1"
    "\n            elif self._comptype == b'G722':"
    "\n                self._datalength = (self._datalength + 3) // 4"
)


def test_lines_like_the_suffix_followed_by_another_branch_are_kept() -> None:
    assert shown_at(AIFC_WRITE_HEADER, AIFC_TRUTH, lang="python") == AIFC_TRUTH


def test_lines_like_the_suffix_then_more_of_the_suffix_are_a_re_type() -> None:
    # a guard: the answer goes on re-typing the suffix (`try:`), not with another branch
    head = AIFC_TRUTH.rsplit("\n            elif", 1)[0]
    raw = head + "\n        try:\n            self._form_length_pos = self._file.tell()"
    cut = "\n".join(head.split("\n")[:3])
    assert shown_at(AIFC_WRITE_HEADER, raw, lang="python") == cut


# --- a cut answer ending with a switch label or a clause opener ------------------------------

LIST_GLYPHS = """\
export function listGlyphsByIndex(table: CoverageTable): { glyphId: number, index: number }[] {
  switch (table.format) {
    <|>
      const results: { glyphId: number, index: number }[] = [];
      for (const [index, range] of table.ranges.entries()) {
        results.push({ glyphId: range.start, index });
      }
      return results;
  }
}
"""
LIST_GLYPHS_TRUTH = (
    "case 1:\n      return table.glyphs.map((glyphId, index) => ({ glyphId, index }));\n    case 2:"
)


def test_a_cut_answer_ending_with_a_case_label_whose_body_the_suffix_gives_is_kept() -> None:
    raw = LIST_GLYPHS_TRUTH + "\n    case 2:" * 12 + "\n    ca"
    assert shown_at(LIST_GLYPHS, raw, lang="typescript", truncated=True) == LIST_GLYPHS_TRUTH


def test_a_case_label_with_its_statements_two_levels_down_is_not_their_label() -> None:
    # a guard: the suffix's statements sit deeper than one level under the label
    buffer = LIST_GLYPHS.replace("\n      const results", "\n          const results")
    raw = LIST_GLYPHS_TRUTH + "\n    ca"
    shown = shown_at(buffer, raw, lang="typescript", truncated=True)
    assert shown != LIST_GLYPHS_TRUTH


ESPARSE = """\
#!/usr/bin/env node
/*
  Copyright JS Foundation and other contributors, https://js.foundation/

  Redistribution and use in source and binary forms, with or without
  modification, are permitted provided that the following conditions are met:

  THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"
*/

/*jslint sloppy:true node:true rhino:true */

var fs, esprima, fname, forceFile, content, options, syntax;

if (typeof require === 'function') {
    fs = require('fs');
    try {
        esprima = require('esprima');
    } catch (e) {
        esprima = require('../');
    }
} else if (typeof load === 'function') {
    <|>
        load('../esprima.js');
    }
}

// Shims to Node.js objects when running under Rhino.
if (typeof console === 'undefined' && typeof process === 'undefined') {
    console = { log: print };
}
"""
ESPARSE_TRUTH = "try {\n        load('esprima.js');\n    } catch (e) {"


def test_a_licence_comment_does_not_set_the_indentation_unit() -> None:
    raw = ESPARSE_TRUTH + "\n    } catch (e) {" * 12 + "\n    } cat"
    assert shown_at(ESPARSE, raw, lang="javascript", truncated=True) == ESPARSE_TRUTH


# --- where a runaway of similar lines starts -------------------------------------------------

DEBUG_COLORS = """\
exports.colors = [
\t'#FF3366',
\t'#FF3399',
\t'#FF33CC',
\t'#FF33FF',
\t<|>
\t'#FF9933',
\t'#FFCC00',
];
"""
COLORS = "'#FF6600',\n\t'#FF6633',\n\t'#FF9900',"


def test_a_runaway_starts_where_the_lines_count_on_by_one() -> None:
    raw = COLORS + "".join(f"\n\t'#FF99{n:02d}'," for n in range(1, 12)) + "\n\t'#FF"
    assert shown_at(DEBUG_COLORS, raw, lang="javascript", truncated=True) == COLORS


def test_a_run_that_counts_from_its_first_line_is_cut_to_that_line() -> None:
    # a guard: every line counts on, so the runaway starts at the first
    raw = "'#FF9900'," + "".join(f"\n\t'#FF99{n:02d}'," for n in range(1, 12)) + "\n\t'#FF"
    assert shown_at(DEBUG_COLORS, raw, lang="javascript", truncated=True) == "'#FF9900',"


# the dict starts and ends beyond the windows the rules parse, as in curses/has_key.py
HAS_KEY = (
    "_capability_names = {\n"
    + "".join(f"    _curses.KEY_K{n}: 'kk{n}',\n" for n in range(120))
    + "    _curses.KEY_F29: 'kf29',\n"
    "    _curses.KEY_F3: 'kf3',\n"
    "    _curses.KEY_F30: 'kf30',\n"
    "    <|>\n" + "".join(f"    _curses.KEY_F{n}: 'kf{n}',\n" for n in range(35, 80)) + "}\n"
)
KEYS = "\n    ".join(f"_curses.KEY_F{n}: 'kf{n}'," for n in range(31, 35))


def test_a_run_that_counts_on_before_its_counting_end_is_cut_to_its_first_line() -> None:
    # a guard: `return t` ... `return z` count on too, then `return a` ... again: the first
    buffer = "def doit3(level, pen):\n    t = tree(pen)\n    <|>\n\n\ndef main():\n    pass\n"
    raw = "return t" + "".join(f"\n    return {c}" for c in "uvwxyzabcde") + "\n    re"
    assert shown_at(buffer, raw, lang="python", truncated=True) == "return t"


def test_a_letter_moving_on_from_z_to_a_counts_on() -> None:
    # a guard: `return i + z`, `return i + a`, ... is one runaway from its first line
    buffer = "func Len(x uint32) int {\n\tz := int(x)\n\t<|>\n}\n"
    raw = "return i + z" + "".join(f"\n\treturn i + {c}" for c in "abcdefghij") + "\n\tret"
    assert shown_at(buffer, raw, lang="go", truncated=True) == "return i + z"


def test_lines_left_after_copies_of_a_line_were_cut_are_no_second_runaway() -> None:
    raw = KEYS + "\n    _curses.KEY_F34: 'kf34'," * 12 + "\n    _curses.KEY"
    assert shown_at(HAS_KEY, raw, lang="python", truncated=True) == KEYS


def test_similar_lines_counting_to_the_token_limit_are_still_a_runaway() -> None:
    # a guard: without copies of one line, the run counting on to the token limit is cut
    raw = "\n    ".join(f"_curses.KEY_F{n}: 'kf{n}'," for n in range(31, 45)) + "\n    _cur"
    assert shown_at(HAS_KEY, raw, lang="python", truncated=True) == "_curses.KEY_F31: 'kf31',"


# --- a bracket opened just beyond the recent lines -------------------------------------------

RIGHTS_BASE = """\
            self.fdflags &= !bit;
        }
    }

    pub fn fs_rights_base(&mut self, rights: wasi::Rights) {
        self.rights_base = Some(rights);
    }

    pub fn fs_rights_inheriting(&mut self, rights: wasi::Rights) {
        self.rights_inheriting = Some(rights);
    }

    fn rights_base(&self) -> wasi::Rights {
        if let Some(rights) = self.rights_base {
            return rights;
        }

        // If rights haven't otherwise been specified try to pick a reasonable
        // set. This can always be overridden by users via extension traits, and
        // implementations may give us fewer rights silently than we ask for. So
        // given that, just look at `read` and `write` and bucket permissions
        // based on that.
        let mut base = 0;
        if self.read {
            base |= wasi::RIGHTS_FD_READ;
            base |= wasi::RIGHTS_FD_READDIR;
        }
        if self.write || self.append {
            base |= wasi::RIGHTS_FD_WRITE;
            base |= wasi::RIGHTS_FD_DATASYNC;
            base |= wasi::RIGHTS_FD_ALLOCATE;
            base |= wasi::RIGHTS_FD_FILESTAT_SET_SIZE;
        }

        // FIXME: some of these should probably be read-only or write-only...
        base |= wasi::RIGHTS_FD_ADVISE;
        base |= wasi::RIGHTS_FD_FDSTAT_SET_FLAGS;
        base |= wasi::RIGHTS_FD_FILESTAT_GET;
        <|>
        base |= wasi::RIGHTS_FD_TELL;
        base |= wasi::RIGHTS_PATH_CREATE_DIRECTORY;
        base |= wasi::RIGHTS_PATH_CREATE_FILE;
        base |= wasi::RIGHTS_PATH_FILESTAT_GET;
        base |= wasi::RIGHTS_PATH_LINK_SOURCE;
        base |= wasi::RIGHTS_PATH_LINK_TARGET;
        base |= wasi::RIGHTS_PATH_OPEN;
        base |= wasi::RIGHTS_PATH_READLINK;
        base |= wasi::RIGHTS_PATH_REMOVE_DIRECTORY;
        base |= wasi::RIGHTS_PATH_RENAME_SOURCE;
        base |= wasi::RIGHTS_PATH_RENAME_TARGET;
        base |= wasi::RIGHTS_PATH_SYMLINK;
        base |= wasi::RIGHTS_PATH_UNLINK_FILE;
        base |= wasi::RIGHTS_POLL_FD_READWRITE;

        return base;
    }

    fn rights_inheriting(&self) -> wasi::Rights {
        self.rights_inheriting.unwrap_or_else(|| self.rights_base())
    }

    pub fn lookup_flags(&mut self, flags: wasi::Lookupflags) {
"""
RIGHTS = (
    "base |= wasi::RIGHTS_FD_FILESTAT_SET_TIMES;\n        base |= wasi::RIGHTS_FD_SEEK;"
    "\n        base |= wasi::RIGHTS_FD_SYNC;"
)


def test_the_line_of_a_bracket_opened_beyond_the_recent_lines_is_read_whole() -> None:
    raw = RIGHTS + "".join(f"\n        base |= wasi::RIGHTS_FD_SYN{c};" for c in "defghijk")
    assert shown_at(RIGHTS_BASE, raw + "\n        base |= wa", lang="rust", truncated=True) == (
        RIGHTS
    )


# --- guards: a switch label falling through; a bracket in a comment cut by the window --------

CLANG_FORMAT = """\
function main (args) {<|>
      case '--fix':
        fix = true;
        break;
      default:
    }
    args.shift();
  }
}
"""


def test_a_case_label_falling_through_to_the_suffix_label_is_kept() -> None:
    truth = (
        "\n  let fix = false;\n  while (args.length > 0) {\n    switch (args[0]) {"
        "\n      case '-f':"
    )
    raw = truth + "\n      case '-f':" * 12 + "\n      ca"
    assert shown_at(CLANG_FORMAT, raw, lang="javascript", truncated=True) == truth


SCAVENGE = """\
const (
	// The background scavenger is paced according to these parameters.
	//
	// scavengePercent represents the portion of mutator time we're willing
	// to spend on scavenging in percent.
	scavengePercent = 1 // 1%

	// retainExtraPercent represents the amount of memory over the heap goal
	// that the scavenger should keep as a buffer space for the allocator.
	// This constant is used when we do not have a memory limit set.
	//
	// The purpose of maintaining this overhead is to have a greater pool of
	// unscavenged memory available for allocation (since using scavenged memory
	// incurs an additional cost), to account for heap fragmentation and
	// the ever-changing layout of the heap.
	retainExtraPercent = 10

	// reduceExtraPercent represents the amount of memory under the limit
	// that the scavenger should target. For example, 5 means we target 95%
	// of the limit.
	//
	// The purpose of shooting lower than the limit is to ensure that, once
	// close to the limit, the scavenger is working hard to maintain it. If
	// we have a memory limit set but are far away from it, there's no harm
	// in leaving up to 100-retainExtraPercent live, and it's more efficient
	// anyway, for the same reasons that retainExtraPercent exists.
	reduceExtraPercent = 5

	// maxPagesPerPhysPage is the maximum number of supported runtime pages per
	// physical page, based on maxPhysPageSize.
	maxPagesPerPhysPage = maxPhysPageSize / pageSize

	// scavengeCostRatio is the approximate ratio between the costs of using previously
	<|>
	// (especially ones where "sysUsed" is not just a no-op) this cost is non-trivial.
	//
	// This ratio is used as part of multiplicative factor to help the scavenger account
	// for the additional costs of using scavenged memory in its pacing.
	scavengeCostRatio = 0.7 * (goos.IsDarwin + goos.IsIos)
)
"""
SCAVENGE_TRUTH = (
    "// scavenged memory and scavenging memory.\n\t//\n"
    "\t// For most systems the cost of scavenging greatly outweighs the costs\n"
    "\t// associated with using scavenged memory, making this constant 0. On other systems"
)


def test_a_bracket_in_a_comment_the_recent_lines_cut_into_is_no_bracket() -> None:
    raw = SCAVENGE_TRUTH + "".join(
        f"\n\t// associated with using scavenged memory, making this constant {n}. On other systems"
        for n in range(1, 8)
    )
    assert shown_at(SCAVENGE, raw + "\n\t// assoc", lang="go", truncated=True) == SCAVENGE_TRUTH
