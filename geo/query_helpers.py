"""Helper processes that answer a share of a big hierarchy query, so that a 1000 x 1000 travel-time matrix uses
every core: RoutingKit's Python binding holds the GIL, so threads would take turns instead.

Each helper is a fresh interpreter (``spawn``: no fork of a process whose other threads may hold locks) with one
worker. It builds a hierarchy the first time a query names it, from the arrays its owner gave (the node order
included, so no inertial-flow ordering is repeated: about 0.25 s for 60,000 nodes), and keeps the last few.
There are ``cores - 1`` helpers (at most 3; :func:`configure` sets N, 0 for none: ``web.settings`` passes
``PATROL_QUERY_HELPERS``); the calling thread
answers its own share meanwhile. A helper that fails or dies is dropped and its share answered in the caller, so
a query never fails for want of a helper. Processes that may not have children (a daemonic job child) use none.
"""

import atexit
import multiprocessing
import os
import threading
import uuid
from concurrent.futures import ProcessPoolExecutor

__all__ = ["MIN_ORIGINS_PER_SHARE", "configure", "answer_in_helpers", "helper_count", "new_key", "shares", "warm"]

MAX_HELPERS = 3
MIN_ORIGINS_PER_SHARE = 100  # below it a share costs more to send than to answer here
KEPT_IN_A_HELPER = 6  # hierarchies a helper keeps (three modes of two cities)

_lock = threading.Lock()
_helpers: list["_Helper"] = []
_built: dict = {}  # in a helper process: key -> Hierarchy
_configured: int | None = None  # helpers set by configure(); None: from the cores


def configure(helpers: int | None) -> None:
    """How many helper processes this process may start (0: none; None: the usable cores less one, at most 3)."""
    global _configured
    _configured = None if helpers is None else max(0, min(int(helpers), 8))


def helper_count() -> int:
    """Helper processes to use: as configured (0-8), else the usable cores less one (at most 3); 0 in a daemonic
    process (which may not start children)."""
    if multiprocessing.current_process().daemon:
        return 0
    if _configured is not None:
        return _configured
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(0, min(cores - 1, MAX_HELPERS))


def shares(count: int, parts: int) -> list[tuple[int, int]]:
    """``count`` origins cut into at most ``parts`` contiguous (begin, end) shares of at least
    MIN_ORIGINS_PER_SHARE each (one share when there are too few)."""
    parts = max(1, min(parts, count // MIN_ORIGINS_PER_SHARE))
    bounds = [round(i * count / parts) for i in range(parts + 1)]
    return [(bounds[i], bounds[i + 1]) for i in range(parts)]


class _Helper:
    def __init__(self):
        self.executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        self.holds: set[str] = set()

    def submit(self, key: str, build, inputs: dict, starts, targets):
        with _lock:
            send = None if key in self.holds else inputs
            self.holds.add(key)
        return self.executor.submit(_answer, key, build, send, starts, targets)


def _take_helpers(wanted: int) -> list[_Helper]:
    with _lock:
        while len(_helpers) < wanted:
            try:
                _helpers.append(_Helper())
            except (OSError, ValueError, AssertionError):  # no children allowed here, or no resources left
                break
        return list(_helpers[:wanted])


def _drop(helper: _Helper) -> None:
    with _lock:
        if helper in _helpers:
            _helpers.remove(helper)
    helper.executor.shutdown(wait=False, cancel_futures=True)


@atexit.register
def _stop_helpers() -> None:
    with _lock:
        stopping = list(_helpers)
        _helpers.clear()
    for helper in stopping:
        helper.executor.shutdown(wait=False, cancel_futures=True)


def answer_in_helpers(key: str, build, inputs_of, starts_per_origin: list, targets: list, answer_here):
    """Rows of ``answer_here(starts, targets)`` for all origins, shares of them answered by helper processes that
    hold the hierarchy ``key`` (``build(inputs_of())`` there the first time, an object with the same ``rows_here``
    as ``answer_here``; ``build`` must pickle by name, e.g. a classmethod). None when no helper would be used (too
    few origins, or none allowed): the caller answers it all itself."""
    wanted = len(shares(len(starts_per_origin), helper_count() + 1)) - 1
    helpers = _take_helpers(wanted) if wanted > 0 else []
    if not helpers:
        return None
    cut = shares(len(starts_per_origin), len(helpers) + 1)
    inputs = inputs_of()
    pending = []
    for helper, (begin, end) in zip(helpers, cut[1:], strict=True):
        try:
            pending.append((helper, begin, end, helper.submit(key, build, inputs, starts_per_origin[begin:end], targets)))
        except RuntimeError:  # shut down meanwhile
            _drop(helper)
            pending.append((None, begin, end, None))
    parts = [answer_here(starts_per_origin[cut[0][0]:cut[0][1]], targets)]
    for helper, begin, end, future in pending:
        rows = None
        if future is not None:
            try:
                rows = future.result()
            except Exception:  # a helper that died or failed: its share is answered here, the helper dropped
                _drop(helper)
            if rows is None and helper is not None:
                with _lock:
                    helper.holds.discard(key)  # it no longer keeps the hierarchy: send the inputs next time
        parts.append(rows if rows is not None else answer_here(starts_per_origin[begin:end], targets))
    return parts


def warm(key: str, build, inputs_of) -> int:
    """Start the helpers now and have each build the hierarchy ``key``, so that the first big query does not
    wait for them (a helper takes about 3 s to start); the number of helpers ready."""
    helpers = _take_helpers(helper_count())
    ready = 0
    for helper in helpers:
        try:
            helper.submit(key, build, inputs_of(), [], []).result()
            ready += 1
        except Exception:
            _drop(helper)
    return ready


def _answer(key: str, build, inputs: dict | None, starts_per_origin: list, targets: list):
    """In a helper: the rows for one share, from the hierarchy ``key`` (``build(inputs)`` if new here)."""
    hierarchy = _built.get(key)
    if hierarchy is None:
        if inputs is None:
            return None  # this helper lost it (restarted): the caller answers the share
        while len(_built) >= KEPT_IN_A_HELPER:
            _built.pop(next(iter(_built)))
        hierarchy = _built[key] = build(inputs)
    return hierarchy.rows_here(starts_per_origin, targets)


def new_key() -> str:
    """A name for a hierarchy that helpers will know it by."""
    return uuid.uuid4().hex
