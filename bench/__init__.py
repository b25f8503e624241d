"""Benchmarks: measures against baselines of the same run (``rasad bench …`` shows reports)."""
