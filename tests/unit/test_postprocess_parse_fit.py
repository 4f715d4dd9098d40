# ruff: noqa: E501 (the real fragments below keep their own long lines)
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


# xterm's addon-webgl BaseRenderLayer.ts, `_clearAll` in a class whose `export abstract class`
# line lies beyond the 4,500 characters of prefix the server keeps: the window would start at
# the class's members, which parse as stray code, and the method's body was cut after its
# first `if` line. No verdict there.
BASE_RENDER_LAYER = """  protected _ctx!: CanvasRenderingContext2D;
  private _deviceCharWidth: number = 0;
  private _deviceCharHeight: number = 0;
  private _deviceCellWidth: number = 0;
  private _deviceCellHeight: number = 0;
  private _deviceCharLeft: number = 0;
  private _deviceCharTop: number = 0;

  protected _charAtlas: ITextureAtlas | undefined;

  constructor(
    terminal: Terminal,
    private _container: HTMLElement,
    id: string,
    zIndex: number,
    private _alpha: boolean,
    protected readonly _coreBrowserService: ICoreBrowserService,
    protected readonly _optionsService: IOptionsService,
    protected readonly _themeService: IThemeService
  ) {
    super();
    this._canvas = this._coreBrowserService.mainDocument.createElement('canvas');
    this._canvas.classList.add(`xterm-${id}-layer`);
    this._canvas.style.zIndex = zIndex.toString();
    this._initCanvas();
    this._container.appendChild(this._canvas);
    this._register(this._themeService.onChangeColors(e => {
      this._refreshCharAtlas(terminal, e);
      this.reset(terminal);
    }));
    this._register(toDisposable(() => {
      this._canvas.remove();
    }));
  }

  private _initCanvas(): void {
    this._ctx = throwIfFalsy(this._canvas.getContext('2d', { alpha: this._alpha }));
    // Draw the background if this is an opaque layer
    if (!this._alpha) {
      this._clearAll();
    }
  }

  public handleBlur(terminal: Terminal): void {}
  public handleFocus(terminal: Terminal): void {}
  public handleCursorMove(terminal: Terminal): void {}
  public handleGridChanged(terminal: Terminal, startRow: number, endRow: number): void {}
  public handleSelectionChanged(terminal: Terminal, start: [number, number] | undefined, end: [number, number] | undefined, columnSelectMode: boolean = false): void {}

  protected _setTransparency(terminal: Terminal, alpha: boolean): void {
    // Do nothing when alpha doesn't change
    if (alpha === this._alpha) {
      return;
    }

    // Create new canvas and replace old one
    const oldCanvas = this._canvas;
    this._alpha = alpha;
    // Cloning preserves properties
    this._canvas = this._canvas.cloneNode() as HTMLCanvasElement;
    this._initCanvas();
    this._container.replaceChild(this._canvas, oldCanvas);

    // Regenerate char atlas and force a full redraw
    this._refreshCharAtlas(terminal, this._themeService.colors);
    this.handleGridChanged(terminal, 0, terminal.rows - 1);
  }

  /**
   * Refreshes the char atlas, aquiring a new one if necessary.
   * @param terminal The terminal.
   * @param colorSet The color set to use for the char atlas.
   */
  private _refreshCharAtlas(terminal: Terminal, colorSet: ReadonlyColorSet): void {
    if (this._deviceCharWidth <= 0 && this._deviceCharHeight <= 0) {
      return;
    }

    this._charAtlas = acquireTextureAtlas(terminal, this._optionsService.rawOptions, colorSet, this._deviceCellWidth, this._deviceCellHeight, this._deviceCharWidth, this._deviceCharHeight, this._coreBrowserService.dpr, 2048);
    this._charAtlas.warmUp();
  }

  public resize(terminal: Terminal, dim: IRenderDimensions): void {
    this._deviceCellWidth = dim.device.cell.width;
    this._deviceCellHeight = dim.device.cell.height;
    this._deviceCharWidth = dim.device.char.width;
    this._deviceCharHeight = dim.device.char.height;
    this._deviceCharLeft = dim.device.char.left;
    this._deviceCharTop = dim.device.char.top;
    this._canvas.width = dim.device.canvas.width;
    this._canvas.height = dim.device.canvas.height;
    this._canvas.style.width = `${dim.css.canvas.width}px`;
    this._canvas.style.height = `${dim.css.canvas.height}px`;

    // Draw the background if this is an opaque layer
    if (!this._alpha) {
      this._clearAll();
    }

    this._refreshCharAtlas(terminal, this._themeService.colors);
  }

  public abstract reset(terminal: Terminal): void;

  /**
   * Fills a 1px line (2px on HDPI) at the bottom of the cell. This uses the
   * existing fillStyle on the context.
   * @param x The column to fill.
   * @param y The row to fill.
   */
  protected _fillBottomLineAtCells(x: number, y: number, width: number = 1): void {
    this._ctx.fillRect(
      x * this._deviceCellWidth,
      (y + 1) * this._deviceCellHeight - this._coreBrowserService.dpr - 1 /* Ensure it's drawn within the cell */,
      width * this._deviceCellWidth,
      this._coreBrowserService.dpr);
  }

  /**
   * Clears the entire canvas.
   */
  protected _clearAll(): void <|>

  /**
   * Clears 1+ cells completely.
   * @param x The column to start at.
   * @param y The row to start at.
   * @param width The number of columns to clear.
   * @param height The number of rows to clear.
   */
  protected _clearCells(x: number, y: number, width: number, height: number): void {
    if (this._alpha) {
      this._ctx.clearRect(
        x * this._deviceCellWidth,
        y * this._deviceCellHeight,
        width * this._deviceCellWidth,
        height * this._deviceCellHeight);
    } else {
      this._ctx.fillStyle = this._themeService.colors.background.css;
      this._ctx.fillRect(
        x * this._deviceCellWidth,
        y * this._deviceCellHeight,
        width * this._deviceCellWidth,
        height * this._deviceCellHeight);
    }
  }

  /**
   * Draws a truecolor character at the cell. The character will be clipped to
   * ensure that it fits with the cell, including the cell to the right if it's
   * a wide character. This uses the existing fillStyle on the context.
   * @param terminal The terminal.
   * @param cell The cell data for the character to draw.
   * @param x The column to draw at.
   * @param y The row to draw at.
   */
  protected _fillCharTrueColor(terminal: Terminal, cell: CellData, x: number, y: number): void {
    this._ctx.font = this._getFont(terminal, false, false);
    this._ctx.textBaseline = TEXT_BASELINE;
    this._clipCell(x, y, cell.getWidth());
    this._ctx.fillText(
      cell.getChars(),
"""


def test_no_verdict_when_the_lines_opening_the_class_are_beyond_the_prefix() -> None:
    raw = (
        "{\n    if (this._alpha) {\n"
        "      this._ctx.clearRect(0, 0, this._canvas.width, this._canvas.height);\n"
        "    } else {\n"
        "      this._ctx.fillStyle = this._themeService.colors.background.css;\n"
        "      this._ctx.fillRect(0, 0, this._canvas.width, this._canvas.height);\n"
        "    }\n  }"
    )
    assert shown_at(BASE_RENDER_LAYER, raw, lang="typescript") == raw


# The end of a method's last line (tests/bench/replay_code/inventory.py): the next suggestion is
# the next method. In single-line mode its first line (`def low_stock(...):`) is shown without
# its body by design, which parse_fit must not take for broken code; in multi-line mode the
# answer that starts with the next definition keeps it (block_end stopped before it: nothing).
INVENTORY_END = (
    "class Inventory:\n"
    "    def total_value(self) -> float:\n"
    "        return sum(item.value() for item in self.items.values())<|>\n"
)
NEXT_METHOD = (
    "\n\n    def low_stock(self, threshold: int = 5) -> list[Item]:\n"
    "        return [item for item in self.items.values() if item.quantity < threshold]"
    "\n\n    def by_tag(self, tag: str) -> list[Item]:\n"
)


def test_single_line_mode_shows_the_next_definitions_first_line() -> None:
    shown = shown_at(INVENTORY_END, NEXT_METHOD, lang="python", multiline=False)
    assert shown == "\n\n    def low_stock(self, threshold: int = 5) -> list[Item]:"


def test_an_answer_that_starts_with_the_next_definition_keeps_that_one() -> None:
    shown = shown_at(INVENTORY_END, NEXT_METHOD, lang="python", multiline=True)
    assert shown == NEXT_METHOD.split("\n\n    def by_tag")[0]
