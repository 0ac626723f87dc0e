"""Space-time trends of congestion points, in the spirit of emerging hot-spot analysis.

The incidents' window is cut into equal periods; each congestion point's incidents are counted per
period and tested for a monotonic trend with the Mann-Kendall test (Kendall's tau of the counts
against time, scipy). A point is:

- ``new``: nothing before the last quarter of the periods;
- ``fading``: nothing in the last quarter, or a significant downward trend;
- ``intensifying``: a significant upward trend;
- ``persistent``: incidents in at least three quarters of the periods, no significant trend;
- ``sporadic``: anything else (on and off).
"""

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["TRENDS", "period_count", "trend_of"]

TRENDS = ("new", "intensifying", "persistent", "fading", "sporadic")
SIGNIFICANCE = 0.05


def period_count(days: float) -> int:
    """Periods for a window of ``days``: about one a week, 4 to 12."""
    return int(min(12, max(4, round(days / 7.0))))


def trend_of(times: pd.Series, start: pd.Timestamp, end: pd.Timestamp, periods: int) -> dict:
    """The trend of one point's incidents (``times``, naive UTC) over [start, end] cut into ``periods``:
    {"trend", "counts" per period, "tau", "p_value"} (tau and p_value None when the counts are constant)."""
    span = max((end - start).total_seconds(), 1.0)
    position = ((pd.to_datetime(times) - start).dt.total_seconds() / span * periods).to_numpy()
    counts = np.bincount(np.clip(position.astype(int), 0, periods - 1), minlength=periods)
    active = np.flatnonzero(counts > 0)
    tau = p_value = None
    if len(np.unique(counts)) > 1:
        result = stats.kendalltau(np.arange(periods), counts)
        tau, p_value = float(result.statistic), float(result.pvalue)
    last_quarter = periods - max(1, periods // 4)
    significant = p_value is not None and p_value < SIGNIFICANCE
    if len(active) == 0:
        trend = "sporadic"
    elif active[0] >= last_quarter:
        trend = "new"
    elif active[-1] < last_quarter or (significant and tau < 0):
        trend = "fading"
    elif significant and tau > 0:
        trend = "intensifying"
    elif len(active) >= 0.75 * periods:
        trend = "persistent"
    else:
        trend = "sporadic"
    return {"trend": trend, "counts": counts.tolist(), "tau": None if tau is None else round(tau, 3),
            "p_value": None if p_value is None else round(p_value, 4)}
