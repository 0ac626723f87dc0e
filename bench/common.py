"""Timing and memory helpers shared by the benchmarks."""

import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable

__all__ = ["median_s", "peak_alloc_mb", "peak_rss_mb"]


def median_s(work: Callable[..., object], inputs) -> float:
    """Median wall time (s) of ``work(x)`` over the items of ``inputs`` (one timed run each)."""
    times = []
    for item in inputs:
        started = time.perf_counter()
        work(item)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def peak_alloc_mb(work: Callable[[], object]) -> tuple[object, float]:
    """Run ``work`` once under tracemalloc; return its result and the peak allocation (MB)."""
    tracemalloc.start()
    try:
        result = work()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak / 1e6


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
