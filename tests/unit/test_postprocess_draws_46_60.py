"""Golden cases from the real-code harness's draws 46-60 (and the regression draw 5): the last
answers that broke the file's parse, and the perfect answers cut on a single seed.

- A unit repeated to the end of a line is a runaway only when the model ran on to the token
  limit: a table's ``nil,nil,nil``, a C prototype's ``const char*,const char*,`` or a Lua
  annotation's ``integer, integer, integer`` that the model ended itself is code.
- A declaration header written over several lines (``abstract class IntPipeline<E_IN>`` /
  ``extends ...`` / ``implements IntStream {``) is not shown without its ``{``: a cut answer
  that stops before it shows nothing, single-line mode brings the lines up to it.
"""

from __future__ import annotations

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
