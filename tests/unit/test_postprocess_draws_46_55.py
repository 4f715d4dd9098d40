"""Golden case from the real-code harness's held-out draws 46-55 (Rust std's
``sys/hermit/mutex.rs``): a line of a table that repeats one value is data when the line above
or below repeats it too, not a runaway (``None, None, None, ...`` was cut to ``None``)."""

from __future__ import annotations

from tests.support.cursor_cases import shown_at

PRIORITY_QUEUE = """\
impl PriorityQueue {
    pub const fn new() -> PriorityQueue {
        PriorityQueue {
            queues: [
                None, None, None, None, None, <|>
                None, None, None, None, None, None, None, None, None, None, None, None, None, None,
                None, None, None,
            ],
            prio_map: 0,
        }
    }
"""


def test_a_row_of_a_table_that_repeats_one_value_is_data() -> None:
    raw = "None, None, None, None, None, None, None, None, None,"
    assert shown_at(PRIORITY_QUEUE, raw, lang="rust", multiline=False) == raw


def test_a_value_repeated_to_the_end_of_the_line_with_nothing_like_it_around_is_a_runaway() -> None:
    buffer = PRIORITY_QUEUE.replace(
        "                None, None, None, None, None, None, None, None, None, None, None, None, "
        "None, None,\n                None, None, None,\n",
        "",
    )
    raw = "None, None, None, None, None, None, None, None, None,"
    assert shown_at(buffer, raw, lang="rust", multiline=False, truncated=True) == "None"
