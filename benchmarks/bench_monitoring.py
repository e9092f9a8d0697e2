"""Benchmark: dissemination monitoring on large logs, and the time to draw each chart.

Usage::

    .venv/bin/python benchmarks/bench_monitoring.py            # --repeat 3

Timed (wall clock and CPU time of this process), best of ``--repeat`` runs:

* ``delivery`` of a 100,000-row activity log by channel x district x month;
* ``platform_summary`` of a year of daily metrics for 2 platforms x 1,000 districts (730,000 rows)
  with the period reach table, by platform and by platform x month;
* ``funnel`` of 7 steps on a 100,000-respondent stratified cluster survey;
* each chart of :mod:`campaign_me.plots`, built and rendered to PNG (what a report does).
"""

from __future__ import annotations

import argparse
import io
import platform
import time

import numpy as np
import pandas as pd

from campaign_me import SurveyDesign, monitoring, plots


def best(fn, repeat: int) -> tuple[float, float]:
    """Best wall-clock and best CPU (process) seconds over ``repeat`` runs."""
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu)


def activity_log(rng, n=100_000) -> pd.DataFrame:
    channel = rng.choice(["community_event", "radio_spot", "poster", "social_post"], size=n)
    delivered = (rng.random(n) < 0.8).astype(int)
    return pd.DataFrame({
        "channel": channel,
        "district": rng.choice([f"D{i:03d}" for i in range(200)], size=n),
        "date": (pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 365, size=n), unit="D"))
        .strftime("%Y-%m-%d"),
        "planned": 1,
        "delivered": delivered,
        "attendance": np.where(channel == "community_event", rng.integers(10, 101, size=n), 0) * delivered,
        "cost": np.round(rng.uniform(3, 900, size=n), 2) * delivered,
    })


def platform_tables(rng, districts=1000, days=365):
    dates = pd.date_range("2025-01-01", periods=days, freq="D")
    idx = pd.MultiIndex.from_product([dates.strftime("%Y-%m-%d"), ["facebook", "tiktok"],
                                      [f"D{i:04d}" for i in range(districts)]], names=["date", "platform", "district"])
    daily = idx.to_frame(index=False)
    n = len(daily)
    imp = rng.poisson(200, size=n)
    daily["targeted"] = (daily["district"].str[-1].astype(int) % 2).astype(int)
    daily["impressions"] = imp
    daily["reach"] = (imp * 0.8).astype(int)
    daily["clicks"] = rng.binomial(imp, 0.01)
    daily["engagements"] = daily["clicks"] + rng.binomial(imp, 0.01)
    daily["spend"] = np.round(imp * 0.005, 2)
    daily["month"] = daily["date"].str[:7]
    period = daily.groupby(["platform", "district", "month"], as_index=False)["impressions"].sum()
    period["reach"] = (period["impressions"] * 0.3).astype(int)
    period = period.rename(columns={"month": "period"})
    camp = period.groupby(["platform", "district"], as_index=False)[["impressions", "reach"]].sum()
    camp["period"] = "campaign"
    return daily.drop(columns="month"), pd.concat([period, camp], ignore_index=True)


def survey(rng, n=100_000) -> SurveyDesign:
    psu = rng.integers(0, 2000, size=n)
    data = pd.DataFrame({"stratum": psu % 40, "psu": psu, "w": rng.uniform(50, 150, size=n)})
    level = rng.random(n)
    for k, cut in enumerate((0.5, 0.4, 0.3, 0.25, 0.2, 0.15, 0.1)):
        data[f"s{k}"] = (level < cut).astype(int)
    return SurveyDesign(data, weights="w", strata="stratum", psu="psu")


def render(fig) -> None:
    fig.savefig(io.BytesIO(), format="png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(20261201)
    log = activity_log(rng)
    daily, period = platform_tables(rng)
    design = survey(rng)
    steps = {f"step {k}": f"s{k}" for k in range(7)}
    rows = [
        ("delivery, 100,000 activities by channel x district x month",
         lambda: monitoring.delivery(log, by=["channel", "district", "month"])),
        (f"platform_summary, {len(daily):,} daily rows, by platform",
         lambda: monitoring.platform_summary(daily, period_reach=period)),
        (f"platform_summary, {len(daily):,} daily rows, by platform x month",
         lambda: monitoring.platform_summary(daily, by=["platform", "month"], period_reach=period)),
        ("funnel, 7 steps, 100,000 respondents", lambda: monitoring.funnel(design, steps)),
    ]
    ind = pd.DataFrame({"indicator": np.repeat([f"i{k}" for k in range(6)], 6),
                        "group": np.tile([f"g{k}" for k in range(6)], 6), "estimate": 50.0, "ci_low": 45.0,
                        "ci_high": 55.0, "suppressed": False, "unit": "%"})
    slope = pd.DataFrame({"indicator": np.repeat([f"i{k}" for k in range(3)], 2), "campaign": [0, 1] * 3,
                          "baseline": 40.0, "endline": [44.0, 52.0] * 3, "change": [4.0, 12.0] * 3,
                          "ci_low": [1.0, 8.0] * 3, "ci_high": [7.0, 16.0] * 3, "change_unit": "pp"})
    fun = monitoring.funnel(design, steps)
    track = pd.DataFrame({"indicator": [f"i{k}" for k in range(12)], "baseline": 40.0, "target": 50.0,
                          "latest": 46.0, "ci_low": 44.0, "ci_high": 48.0, "progress": 0.6, "status": "amber"})
    deliv = monitoring.delivery(log)
    reach = pd.DataFrame({"channel": ["radio", "tv", "facebook", "events"], "estimate": [3e4, 4e4, 2e4, 1e4],
                          "se": [3e3, 4e3, 4e3, 2e3], "ci_low": [2.4e4, 3.2e4, 1.2e4, 6e3],
                          "ci_high": [3.6e4, 4.8e4, 2.8e4, 1.4e4]})
    cost = monitoring.cost_per_person_reached(reach, {"radio": 1.5e4, "tv": 2e4, "facebook": 4e3, "events": 3.7e4})
    charts = [
        ("indicator_chart, 6 indicators x 6 groups", lambda: render(plots.indicator_chart(ind))),
        ("slope_chart, 3 indicators x 2 arms", lambda: render(plots.slope_chart(slope))),
        ("funnel_chart, 7 steps", lambda: render(plots.funnel_chart(fun))),
        ("tracking_chart, 12 rows", lambda: render(plots.tracking_chart(track))),
        ("delivery_chart, 4 channels", lambda: render(plots.delivery_chart(deliv))),
        ("channel_chart, 4 channels, 2 panels", lambda: render(plots.channel_chart(reach, cost))),
    ]
    print(f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}; "
          f"best of {args.repeat}")
    print("| step | wall seconds | CPU seconds |\n|---|---|---|")
    for name, fn in rows + charts:
        wall, cpu = best(fn, args.repeat)
        print(f"| {name} | {wall:.3f} | {cpu:.3f} |")


if __name__ == "__main__":
    main()
