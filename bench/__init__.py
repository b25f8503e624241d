"""Benchmarks that measure against a baseline in the same run (``rasad
bench …`` prints their tables).
"""
