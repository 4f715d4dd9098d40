"""The latency median the debounce reads on every request: cheap, and it follows the data."""

from __future__ import annotations

from codestral_ls.stats import Stats


def test_the_median_follows_new_latencies_without_a_sort_per_request() -> None:
    stats = Stats()
    assert stats.p50() is None
    for ms in range(1, 101):
        stats.add_latency(float(ms))
    assert stats.p50() == stats.percentiles()["p50"] == 51.0
    stats.add_latency(1000.0)  # one sample of 101: the cached median stands
    assert stats.p50() == 51.0
    for _ in range(200):  # the upstream got slow: the median moves with it
        stats.add_latency(900.0)
    assert stats.p50() == stats.percentiles()["p50"] == 900.0
