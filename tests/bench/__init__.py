"""Benchmarks: runnable modules (``python -m tests.bench.<name>``) that print their figures as
ratios against a baseline measured in the same run. Timings are never asserted in tests."""
