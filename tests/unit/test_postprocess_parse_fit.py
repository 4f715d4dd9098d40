"""The last check before an answer of several lines is shown (``parse_fit``): if the code no
longer parses around the cursor with it, show it only up to its last line where the code
parses, else nothing; and give no verdict where the code around the cursor does not parse
without an answer either (the user is in the middle of an edit). Fragments from the Python
standard library (``json/encoder.py``), Neovim's Lua runtime style and npm's JavaScript."""

from __future__ import annotations

from codestral_ls.postprocess import apply_rules
from tests.support.cursor_cases import shown_at

# json/encoder.py, py_encode_basestring_ascii: the cursor where the `if n < 0x10000:` block was
ENCODER = """\
def py_encode_basestring_ascii(s):
    def replace(match):
        s = match.group(0)
        try:
            return ESCAPE_DCT[s]
        except KeyError:
            n = ord(s)
            <|>
    return '"' + ESCAPE_ASCII.sub(replace, s) + '"'
"""


def test_an_answer_ending_in_a_clause_without_its_body_is_shown_up_to_before_it() -> None:
    raw = "if n < 0x10000:\n                return '\\\\u{0:04x}'.format(n)\n            else:"
    shown = shown_at(ENCODER, raw, lang="python")
    assert shown == "if n < 0x10000:\n                return '\\\\u{0:04x}'.format(n)"


def test_an_answer_that_parses_is_left_alone() -> None:
    raw = (
        "if n < 0x10000:\n"
        "                return '\\\\u{0:04x}'.format(n)\n"
        "            else:\n"
        "                return '\\\\u{0:04x}'.format(n - 1)"
    )
    text, rules = apply_rules(
        raw,
        prefix=ENCODER.split("<|>")[0],
        suffix=ENCODER.split("<|>")[1],
        multiline=True,
        language_id="python",
    )
    assert text == raw and "parse_fit" not in rules


# debug/src/node.js style: an answer that stops inside its last statement
NODE_JS = """\
function load() {
  let namespaces = process.env.DEBUG;
  <|>
  return namespaces;
}
"""


def test_a_last_statement_left_unfinished_is_dropped() -> None:
    raw = "if (!namespaces) {\n    namespaces = '';\n  }\n  const skips ="
    assert shown_at(NODE_JS, raw, lang="javascript") == (
        "if (!namespaces) {\n    namespaces = '';\n  }"
    )


def test_nothing_is_shown_when_no_line_of_the_answer_parses_where_the_code_did() -> None:
    raw = "if (!namespaces) {\n    namespaces = ''; } }"
    assert shown_at(NODE_JS, raw, lang="javascript") == ""


# a new Lua function typed at the end of the file: no `end` yet, so nothing parses with or
# without an answer; the answer is shown as it is
LUA_EOF = """\
local M = {}

function M.setup(opts)
  <|>"""


def test_no_verdict_where_the_code_does_not_parse_without_the_answer() -> None:
    raw = "opts = opts or {}\n  M.options = vim.tbl_deep_extend('force', M.options, opts)"
    assert shown_at(LUA_EOF, raw, lang="lua") == raw


def test_no_verdict_when_the_line_above_is_being_edited() -> None:
    buffer = NODE_JS.replace("let namespaces = process.env.DEBUG;", "let namespaces = (")
    raw = "if (!namespaces) {\n    namespaces = '';\n  }\n  const skips ="
    assert shown_at(buffer, raw, lang="javascript") == raw


# Rust std's sync/condvar.rs: `notify_all` at the end of `impl Condvar`, whose `impl` line is
# further back than the parse window reaches. Cut there, the `}` that closes the impl looks like
# one the answer left unmatched, and the answer's own `}` would be cut off.
CONDVAR = """\
    ///     // timed-out without the condition ever evaluating to false.
    /// }
    /// // access the locked mutex via result.0
    /// ```
    #[stable(feature = "wait_timeout_until", since = "1.42.0")]
    pub fn wait_timeout_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        dur: Duration,
        mut condition: F,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)>
    where
        F: FnMut(&mut T) -> bool,
    {
        let start = Instant::now();
        loop {
            if !condition(&mut *guard) {
                return Ok((guard, WaitTimeoutResult(false)));
            }
            let timeout = match dur.checked_sub(start.elapsed()) {
                Some(timeout) => timeout,
                None => return Ok((guard, WaitTimeoutResult(true))),
            };
            guard = self.wait_timeout(guard, timeout)?.0;
        }
    }

    /// Wakes up one blocked thread on this condvar.
    ///
    /// If there is a blocked thread on this condition variable, then it will
    /// be woken up from its call to [`wait`] or [`wait_timeout`]. Calls to
    /// `notify_one` are not buffered in any way.
    ///
    /// To wake up all threads, see [`notify_all`].
    ///
    /// [`wait`]: Self::wait
    /// [`wait_timeout`]: Self::wait_timeout
    /// [`notify_all`]: Self::notify_all
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex, Condvar};
    /// use std::thread;
    ///
    /// let pair = Arc::new((Mutex::new(false), Condvar::new()));
    /// let pair2 = Arc::clone(&pair);
    ///
    /// thread::spawn(move|| {
    ///     let (lock, cvar) = &*pair2;
    ///     let mut started = lock.lock().unwrap();
    ///     *started = true;
    ///     // We notify the condvar that the value has changed.
    ///     cvar.notify_one();
    /// });
    ///
    /// // Wait for the thread to start up.
    /// let (lock, cvar) = &*pair;
    /// let mut started = lock.lock().unwrap();
    /// // As long as the value inside the `Mutex<bool>` is `false`, we wait.
    /// while !*started {
    ///     started = cvar.wait(started).unwrap();
    /// }
    /// ```
    #[stable(feature = "rust1", since = "1.0.0")]
    pub fn notify_one(&self) {
        self.inner.notify_one()
    }

    /// Wakes up all blocked threads on this condvar.
    ///
    /// This method will ensure that any current waiters on the condition
    /// variable are awoken. Calls to `notify_all()` are not buffered in any
    /// way.
    ///
    /// To wake up only one thread, see [`notify_one`].
    ///
    /// [`notify_one`]: Self::notify_one
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex, Condvar};
    /// use std::thread;
    ///
    /// let pair = Arc::new((Mutex::new(false), Condvar::new()));
    /// let pair2 = Arc::clone(&pair);
    ///
    /// thread::spawn(move|| {
    ///     let (lock, cvar) = &*pair2;
    ///     let mut started = lock.lock().unwrap();
    ///     *started = true;
    ///     // We notify the condvar that the value has changed.
    ///     cvar.notify_all();
    /// });
    ///
    /// // Wait for the thread to start up.
    /// let (lock, cvar) = &*pair;
    /// let mut started = lock.lock().unwrap();
    /// // As long as the value inside the `Mutex<bool>` is `false`, we wait.
    /// while !*started {
    ///     started = cvar.wait(started).unwrap();
    /// }
    /// ```
    #[stable(feature = "rust1", since = "1.0.0")]
    pub fn notify_all(&self) <|>
}

#[stable(feature = "std_debug", since = "1.16.0")]
impl fmt::Debug for Condvar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condvar").finish_non_exhaustive()
    }
}

#[stable(feature = "condvar_default", since = "1.10.0")]
impl Default for Condvar {
    /// Creates a `Condvar` which is ready to be waited on and notified.
    fn default() -> Condvar {
        Condvar::new()
    }
}
"""


def test_a_closer_whose_opener_is_before_the_parse_window_is_not_the_answers() -> None:
    raw = "{\n        self.inner.notify_all()\n    }"
    text, rules = apply_rules(
        raw,
        prefix=CONDVAR.split("<|>")[0],
        suffix=CONDVAR.split("<|>")[1],
        multiline=True,
        language_id="rust",
    )
    assert text == raw and "parse_fit" not in rules
