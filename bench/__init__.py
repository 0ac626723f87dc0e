"""Benchmarks: each prints problem sizes, ours, a baseline measured in the same run, ratio, peak memory."""
