"""Golden cases from the real-code harness's draws 46-60 (and the regression draw 5): the last
answers that broke the file's parse, and the perfect answers cut on a single seed.

- A unit repeated to the end of a line is a runaway only when the model ran on to the token
  limit: a table's ``nil,nil,nil``, a C prototype's ``const char*,const char*,`` or a Lua
  annotation's ``integer, integer, integer`` that the model ended itself is code.
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
