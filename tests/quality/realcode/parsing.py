"""Does a whole file parse? Python's own ``ast`` for Python, tree-sitter elsewhere.

tree-sitter recovers from errors instead of failing, so "parses" means the tree has no ERROR
or MISSING node. Real files that already have errors for a grammar (C headers full of macros,
say) are left out of the corpus by the caller, so a failure always means our insertion broke it.
"""

from __future__ import annotations

import ast
import importlib
import warnings
from functools import cache
from typing import Any

from codestral_ls import code_syntax

# languageId -> (module, function returning the grammar): the server's own table, plus the
# languages only the harness parses (Python's tree tells whether the truth parses; Lua).
GRAMMARS = {
    **code_syntax.GRAMMARS,
    "python": ("tree_sitter_python", "language"),
    "lua": ("tree_sitter_lua", "language"),
}


@cache
def _parser(lang: str) -> Any:
    import tree_sitter

    module, function = GRAMMARS[lang]
    grammar = getattr(importlib.import_module(module), function)()
    return tree_sitter.Parser(tree_sitter.Language(grammar))


def checker_missing(lang: str) -> str | None:
    """Why ``lang`` cannot be parse-checked here, or None."""
    if lang == "python":
        return None
    try:
        _parser(lang)
    except Exception as exc:  # not installed, or built for another tree-sitter ABI
        return f"{lang}: no tree-sitter grammar ({exc})"
    return None


def parses(lang: str, text: str) -> bool:
    if lang == "python":
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # invalid escape sequences in old stdlib code
                ast.parse(text)
        except (SyntaxError, ValueError):
            return False
        return True
    tree = _parser(lang).parse(text.encode("utf-8"))
    return not tree.root_node.has_error


def tree(lang: str, text: str) -> Any:
    """The tree-sitter tree of ``text`` (Python too: the cutter wants strings and comments)."""
    return _parser(lang).parse(text.encode("utf-8"))
