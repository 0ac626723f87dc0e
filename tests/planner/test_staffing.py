"""Staffing per hour: the analytic model against brute force, the forecast against a plain count, and the
recommended roster on the default city with the demo history: every hour meets the target in the simulation
(same seed), and one patrol fewer in the binding hour does not."""

import itertools

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from cli.main import _register, cli
from planner.staffing import expected_share, forecast_rates
from tests.conftest import strict_loads

_register()


@pytest.mark.parametrize("seed", range(5))
def test_expected_share_equals_enumerating_busy_states(seed):
    """1 - rho^n per report is the chance that not every reaching patrol is busy, with independent patrols
    each busy with probability rho: checked by summing over all 2^k busy states."""
    rng = np.random.default_rng(seed)
    reach = rng.random((5, 9)) < 0.4
    chosen = [0, 2, 3, 4]
    rho = float(rng.uniform(0.05, 0.9))
    total = 0.0
    for state in itertools.product([False, True], repeat=len(chosen)):  # True: busy
        probability = np.prod([rho if busy else 1 - rho for busy in state])
        free = [j for j, busy in zip(chosen, state, strict=True) if not busy]
        reached = reach[free].any(axis=0) if free else np.zeros(reach.shape[1], bool)
        total += probability * reached.mean()
    assert expected_share(reach, chosen, rho) == pytest.approx(total, abs=1e-12)


def test_forecast_rates_count_each_hour():
    times = pd.to_datetime(["2026-11-01 00:10", "2026-11-01 00:50", "2026-11-02 13:00", "2026-11-03 00:20"])
    history = pd.DataFrame({"reported_at": times, "category": ["stray_dog", "other", "stray_dog", "stray_dog"]})
    rates = forecast_rates(history, "UTC", scale=2.0)
    days = (times.max() - times.min()).total_seconds() / 86400
    assert rates.all_per_h[0] == pytest.approx(2 * 3 / days) and rates.dog_per_h[0] == pytest.approx(2 * 2 / days)
    assert rates.dog_per_h[13] == pytest.approx(2 / days) and rates.all_per_h[5] == 0


@pytest.mark.slow
def test_recommended_roster_meets_the_target_and_one_fewer_does_not(built_instance, tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["patrols", "demo"]).exit_code == 0
    assert runner.invoke(cli, ["incidents", "generate", "--days", "14"]).exit_code == 0
    output = tmp_path / "roster.xlsx"
    result = runner.invoke(cli, ["plan", "staffing", "--target", "0.9", "--days", "3", "--output", str(output), "--json"])
    assert result.exit_code == 0, result.output
    data = strict_loads(result.stdout)
    assert len(data["hours"]) == 168 and data["target"] == 0.9
    assert {"weekday", "hour", "patrols_by_mode", "simulated_share", "analytic_share"} <= set(data["hours"][0])
    assert data["short_hours"] == []  # every hour meets the target in the simulation
    for row in data["hours"]:
        assert row["patrols"] >= 1 and sum(row["patrols_by_mode"].values()) == row["patrols"]
        assert row["simulated_share"] is None or row["simulated_share"] >= 0.9
    binding = data["one_fewer"]
    assert binding is not None and binding["share"] < 0.9  # one patrol fewer in the binding hour falls short
    sheets = openpyxl.load_workbook(output)
    assert sheets.sheetnames == ["hours", "patrols"] and sheets["hours"].max_row == 25
    bad = runner.invoke(cli, ["plan", "staffing", "--city", "nowhere"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
