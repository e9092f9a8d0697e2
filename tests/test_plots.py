"""Charts: elements drawn, labels, alt text and captions, no suppressed cell drawn, no warnings."""

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # non-interactive backend, before pyplot is imported anywhere

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from campaign_me import SurveyDesign, monitoring, plots
from campaign_me.conventions import Reporting
from campaign_me.errors import ColumnError, DataError
from campaign_me.intake import load_survey
from campaign_me.logframe import STATUS_WORDS
from campaign_me.scales import knowledge_score

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
SAFE = {mcolors.to_hex(c) for c in (*plots.PALETTE, *plots.RAG_COLOURS.values())} | {"#000000", "#dddddd", "#ffffff"}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _render(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _points(ax):
    """The estimate markers drawn on an axes (single-point lines with a marker)."""
    return [ln for ln in ax.get_lines() if len(ln.get_xdata()) == 1 and ln.get_marker() not in (None, "None", "")]


def _check_common(fig):
    assert isinstance(fig, Figure)
    assert plots.alt_text(fig) and plots.caption(fig)
    assert _render(fig)[:4] == b"\x89PNG"
    for ax in fig.axes:
        for ln in ax.get_lines():
            assert mcolors.to_hex(ln.get_color()) in SAFE, ln.get_color()


@pytest.fixture
def indicator_table():
    return pd.DataFrame({
        "indicator": ["risk_aware"] * 3 + ["hotline_known"] * 3,
        "sex": ["female", "male", "other"] * 2,
        "estimate": [52.0, 47.5, 61.0, 30.0, 28.0, np.nan],
        "se": [2.5, 2.8, 9.0, 2.0, 2.1, np.nan],
        "ci_low": [47.0, 42.0, 41.0, 26.0, 24.0, np.nan],
        "ci_high": [57.0, 53.0, 79.0, 34.0, 32.0, np.nan],
        "n": [400, 380, 30, 400, 380, 12],
        "suppressed": [False, False, True, False, False, True],
        "flagged": [False, False, False, False, True, False],
        "unit": "%",
        "name": ["Aware of the risks"] * 3 + ["Knows the hotline"] * 3,
    })


def test_indicator_chart_draws_no_suppressed_cell(indicator_table):
    fig = plots.indicator_chart(indicator_table)
    _check_common(fig)
    a1, a2 = fig.axes[:2]
    assert len(_points(a1)) == 2 and len(_points(a2)) == 2
    # the suppressed cell (estimate 61 with n = 30 suppressed upstream) is nowhere on the axes
    drawn = np.concatenate([ln.get_xdata() for ln in a1.get_lines()])
    assert 61.0 not in drawn and 79.0 not in drawn
    labels = [t.get_text() for t in a1.get_yticklabels()]
    assert labels == ["female", "male", "other (suppressed)"]
    assert a1.get_title(loc="left") == "Aware of the risks" and a1.get_xlabel() == "%"
    # a flagged cell is drawn hollow
    hollow = [ln for ln in _points(a2) if mcolors.to_hex(ln.get_markerfacecolor()) == "#ffffff"]
    assert len(hollow) == 1 and hollow[0].get_xdata()[0] == 28.0
    cap = plots.caption(fig)
    assert "Suppressed: fewer than 25 cases" in cap and "Hollow dots: 25-49 cases" in cap
    assert "other suppressed" in plots.alt_text(fig) and "61" not in plots.alt_text(fig)


def test_indicator_chart_selects_and_orders_indicators(indicator_table):
    fig = plots.indicator_chart(indicator_table, indicators=["hotline_known"], title="Endline")
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 1
    assert fig.axes[0].get_title(loc="left") == "Knows the hotline"
    with pytest.raises(DataError, match="not in the table"):
        plots.indicator_chart(indicator_table, indicators=["nope"])


def test_slope_chart_labels_changes_with_units():
    t = pd.DataFrame({
        "indicator": ["risk_aware"] * 2 + ["intend_irregular"] * 2,
        "campaign": [False, True] * 2,
        "baseline": [40.0, 41.0, 30.0, 31.0], "endline": [44.0, 53.0, 27.0, 24.0],
        "change": [4.0, 12.0, -3.0, -7.0], "ci_low": [0.5, 8.0, -6.0, np.nan], "ci_high": [7.5, 16.0, 0.0, np.nan],
        "suppressed": [False, False, False, True], "change_unit": "pp", "unit": "%",
    })
    fig = plots.slope_chart(t)
    _check_common(fig)
    ax1, ax2 = fig.axes[:2]
    assert len(ax1.get_lines()) == 2 and len(ax2.get_lines()) == 1  # the suppressed arm is not drawn
    texts = [c.get_text() for c in ax1.texts]
    assert any("campaign" in s and "+12.0 pp" in s for s in texts)
    assert any("suppressed: campaign" in c.get_text() for c in ax2.texts)
    assert [t.get_text() for t in ax1.get_xticklabels()] == ["Baseline", "Endline"]
    assert "percentage points" in plots.caption(fig) and "Suppressed" in plots.caption(fig)
    custom = plots.slope_chart(t, arm_labels={True: "treated", False: "control"})
    assert "treated" in plots.alt_text(custom)


def test_funnel_chart_bars_are_shares_of_the_target():
    t = pd.DataFrame({"step": ["exposed", "recalled", "understood"], "estimate": [0.5, 0.3, 0.2],
                      "ci_low": [0.45, 0.26, 0.17], "ci_high": [0.55, 0.34, 0.23]})
    fig = plots.funnel_chart(t)
    _check_common(fig)
    bars = fig.axes[0].patches
    np.testing.assert_allclose([b.get_width() for b in bars], [50, 30, 20])
    assert "67 % of the previous step" in plots.alt_text(fig)  # 0.2 / 0.3
    pct = plots.funnel_chart(t.assign(estimate=t["estimate"] * 100, ci_low=t["ci_low"] * 100,
                                      ci_high=t["ci_high"] * 100, unit="%"))
    np.testing.assert_allclose([b.get_width() for b in pct.axes[0].patches], [50, 30, 20])
    hidden = plots.funnel_chart(t.assign(suppressed=[False, True, False]))
    assert len(hidden.axes[0].patches) == 2


def test_funnel_chart_from_the_monitoring_funnel():
    data = load_survey(SAMPLES / "corvia" / "survey_endline.csv", SAMPLES / "codebook.yaml")
    d = SurveyDesign(data, weights="weight", strata="stratum", psu="psu").subset(data["campaign"] == 1)
    f = monitoring.funnel(d, {"exposed": "exposed_any", "recognised": "aided_recall", "understood": "comprehension"})
    fig = plots.funnel_chart(f)
    np.testing.assert_allclose([b.get_width() for b in fig.axes[0].patches], 100 * f["estimate"])


def test_tracking_chart_colours_and_words():
    t = pd.DataFrame({"indicator": ["risk_aware", "hotline_known", "intend_irregular"],
                      "baseline": [40.0, 22.0, 33.0], "target": [50.0, 30.0, 28.0], "latest": [48.0, 24.0, np.nan],
                      "ci_low": [45.0, 20.0, np.nan], "ci_high": [51.0, 28.0, np.nan],
                      "progress": [0.8, 0.25, np.nan], "status": ["Amber", "red", "grey"]})
    fig = plots.tracking_chart(t)
    _check_common(fig)
    table = fig.axes[0].tables[0]
    cells = table.get_celld()
    status_col = max(j for (_, j) in cells)
    assert mcolors.to_hex(cells[1, status_col].get_facecolor()) == mcolors.to_hex(plots.RAG_COLOURS["amber"])
    assert cells[1, status_col].get_text().get_text() == "part of the way"  # words, not colour (or its name)
    assert [cells[i, status_col].get_text().get_text() for i in (2, 3)] == ["off track", "cannot judge"]
    assert "grey" not in plots.caption(fig) and "amber" not in plots.caption(fig)
    assert cells[3, 3].get_text().get_text() == "suppressed"
    assert "80 % of the planned change" in plots.alt_text(fig)
    with pytest.raises(DataError, match="statuses \\['purple'\\]"):
        plots.tracking_chart(t.assign(status=["purple", "red", "grey"]))
    renamed = plots.tracking_chart(t.rename(columns={"latest": "endline"}), latest="endline")
    assert renamed.axes[0].tables


def test_delivery_chart_from_the_activity_log():
    acts = pd.read_csv(SAMPLES / "aroland" / "activities.csv")
    t = monitoring.delivery(acts)
    fig = plots.delivery_chart(t)
    _check_common(fig)
    bars = fig.axes[0].patches
    assert len(bars) == 2 * len(t)
    widths = sorted(b.get_width() for b in bars)
    assert sorted([*t["planned"], *t["delivered"]]) == widths
    assert {"planned", "delivered"} == {x.get_text() for x in fig.axes[0].get_legend().get_texts()}
    assert f"{t.loc[0, 'delivered']} of {t.loc[0, 'planned']}" in plots.alt_text(fig)


def test_channel_chart_marks_unbounded_costs():
    reached = pd.DataFrame({"channel": ["radio", "events", "tv"], "estimate": [20000.0, 900.0, np.nan],
                            "se": [2000.0, 400.0, np.nan],
                            "ci_low": [16000.0, 0.0, np.nan], "ci_high": [24000.0, 1500.0, np.nan],
                            "suppressed": [False, False, True]})
    cost = monitoring.cost_per_person_reached(reached, {"radio": 10_000.0, "events": 9_000.0, "tv": 5.0})
    fig = plots.channel_chart(reached, cost)
    _check_common(fig)
    ax1, ax2 = fig.axes
    assert len(_points(ax1)) == 2 and len(_points(ax2)) == 2  # tv suppressed
    assert np.isinf(cost.loc[1, "ci_high"])
    assert any(type(c).__name__ == "Annotation" for c in ax2.get_children())  # the arrow to the edge
    assert "no upper bound" in plots.alt_text(fig) and "An arrow" in plots.caption(fig)
    assert "lower bound" in plots.caption(fig)  # the cost note travels with the chart
    assert [t.get_text() for t in ax1.get_yticklabels()][-1] == "tv (suppressed)"
    with pytest.raises(DataError, match="no row for channel"):
        plots.channel_chart(reached, cost.iloc[:1])


def test_bad_tables_and_foreign_figures():
    with pytest.raises(ColumnError, match="'estimate' not in the data.*did you mean 'estimat'"):
        plots.indicator_chart(pd.DataFrame({"indicator": ["a"], "estimat": [1.0], "ci_low": [0.0],
                                            "ci_high": [2.0]}))
    with pytest.raises(DataError, match="no rows"):
        plots.funnel_chart(pd.DataFrame(columns=["step", "estimate", "ci_low", "ci_high"]))
    with pytest.raises(DataError, match="tidy table"):
        plots.delivery_chart([1, 2, 3])
    with pytest.raises(DataError, match="no alt text"):
        plots.alt_text(Figure())


def test_charts_of_the_real_indicator_tables():
    """Integration with campaign_me.indicators: its tidy tables go straight into the charts."""
    from campaign_me import indicators

    cb = SAMPLES / "codebook.yaml"
    rounds = {r: load_survey(SAMPLES / "corvia" / f"survey_{r}.csv", cb) for r in ("baseline", "endline")}
    designs = {r: SurveyDesign(d, weights="weight", strata="stratum", psu="psu") for r, d in rounds.items()}
    ids = ["risk_aware", "hotline_known", "knowledge_score"]
    table = indicators.compute_indicators(designs["endline"], codebook=cb, by=["sex", "age_group"], indicators=ids,
                                          min_n=30, flag_n=40)
    assert table["suppressed"].any() and not table["suppressed"].all()  # Corvia is small: some cells suppressed
    fig = plots.indicator_chart(table, min_n=30, flag_n=40)
    drawn = sum(len(_points(ax)) for ax in fig.axes)
    assert drawn == int((~table["suppressed"] & table["estimate"].notna()).sum())
    assert "sex, age_group" in plots.alt_text(fig)
    change = indicators.compare_rounds(designs["baseline"], designs["endline"], codebook=cb, by="campaign",
                                       indicators=ids)
    slope = plots.slope_chart(change)
    _check_common(slope)
    assert "pp" in plots.alt_text(slope)


def test_tracking_chart_of_the_real_logframe_table():
    """Integration with campaign_me.logframe: the sample logframe tracked on the Corvia endline."""
    from campaign_me.logframe import load_logframe, tracking_table

    cb = SAMPLES / "codebook.yaml"
    lf = load_logframe(SAMPLES / "corvia" / "logframe.yaml", codebook=cb)
    data = load_survey(SAMPLES / "corvia" / "survey_endline.csv", cb)
    t = tracking_table(lf, SurveyDesign(data, weights="weight", strata="stratum", psu="psu"), codebook=cb)
    fig = plots.tracking_chart(t)
    _check_common(fig)
    cells = fig.axes[0].tables[0].get_celld()
    status_col = max(j for (_, j) in cells)
    for i, status in enumerate(t["status"], start=1):
        assert cells[i, status_col].get_text().get_text() == STATUS_WORDS[status]
        assert mcolors.to_hex(cells[i, status_col].get_facecolor()) == mcolors.to_hex(plots.RAG_COLOURS[status])
    assert plots.alt_text(fig).startswith(f"Tracking table of {len(t)} indicator")


def test_edge_cases_draw_without_warnings():
    # zero plan, zero reach, nothing recognised: no division warnings, no identical axis limits
    plots.delivery_chart(pd.DataFrame({"channel": ["radio"], "planned": [0], "delivered": [0]})).savefig(io.BytesIO())
    f = pd.DataFrame({"step": ["exposed", "recalled", "understood"], "estimate": [0.2, 0.0, 0.0],
                      "ci_low": [0.1, 0.0, 0.0], "ci_high": [0.3, 0.05, 0.05]})
    assert "0 % of the previous step" in plots.alt_text(plots.funnel_chart(f))
    zero = pd.DataFrame({"channel": ["radio"], "estimate": [0.0], "ci_low": [0.0], "ci_high": [0.0]})
    _render(plots.channel_chart(zero))
    with pytest.raises(DataError, match="nothing to draw"):
        plots.channel_chart(zero.assign(suppressed=True))
    # a panel whose cells are all suppressed still draws, labelled
    t = pd.DataFrame({"indicator": ["a", "a"], "sex": ["f", "m"], "estimate": [np.nan, np.nan],
                      "ci_low": [np.nan, np.nan], "ci_high": [np.nan, np.nan], "suppressed": True, "unit": "%"})
    fig = plots.indicator_chart(t)
    assert [x.get_text() for x in fig.axes[0].get_yticklabels()] == ["f (suppressed)", "m (suppressed)"]
    _render(fig)


def test_domain_columns_follow_the_indicator_table_contract():
    # by columns are those between indicator and estimate, even when the table grows new columns
    t = pd.DataFrame({"indicator": ["a", "a"], "region": ["N", "S"], "estimate": [1.0, 2.0], "ci_low": [0.5, 1.5],
                      "ci_high": [1.5, 2.5], "method": ["x", "x"]})
    assert "by region" in plots.alt_text(plots.indicator_chart(t))
    slope = pd.DataFrame({"indicator": "a", "campaign": [0, 0, 1, 1], "sex": ["f", "m"] * 2, "baseline": 1.0,
                          "endline": 2.0, "change": 1.0, "ci_low": 0.5, "ci_high": 1.5})
    with pytest.raises(DataError, match="one row per indicator and arm"):
        plots.slope_chart(slope)


def _label_boxes(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)  # plots' figures are made without pyplot: give them a canvas that draws
    canvas.draw()
    renderer = canvas.get_renderer()
    return [[t.get_window_extent(renderer) for t in ax.texts] for ax in fig.axes]


def test_slope_chart_axes_do_not_turn_a_small_change_into_a_cliff():
    """Shares and 0-100 scores are drawn on 0-100; a change of -0.9 on 44 stays small (Belmora's knowledge)."""
    t = pd.DataFrame({
        "indicator": ["knowledge_score"] * 2 + ["risk_aware"] * 2 + ["reach"] * 2,
        "campaign": [0, 1] * 3,
        "baseline": [44.5, 43.2, 45.0, 47.5, 1000.0, 1010.0], "endline": [44.5, 42.3, 52.0, 54.0, 1004.0, 1009.0],
        "change": [0.0, -0.9, 7.0, 6.5, 4.0, -1.0], "ci_low": [-4.2, -5.5, -1.0, -4.8, -2.0, -6.0],
        "ci_high": [4.3, 3.7, 15.0, 17.8, 10.0, 4.0],
        "change_unit": ["points"] * 2 + ["pp"] * 2 + ["people"] * 2,
        "unit": ["score 0-100"] * 2 + ["%"] * 2 + ["people"] * 2,
    })
    fig = plots.slope_chart(t)
    _check_common(fig)
    assert fig.axes[0].get_ylim() == (0.0, 100.0) and fig.axes[1].get_ylim() == (0.0, 100.0)
    low, high = fig.axes[2].get_ylim()  # an unbounded unit: at least a fifth of the value, not 1000-1010
    assert high - low >= 0.2 * 1010
    assert plots.slope_chart(t, ylim=(40, 50)).axes[0].get_ylim() == (40.0, 50.0)
    # print size: at most 6.8 inches wide with two panels a row, no text under 9 points
    assert fig.get_size_inches()[0] <= 6.8 + 1e-9
    for ax in fig.axes:
        for text in [*ax.texts, ax.title, *ax.get_xticklabels(), *ax.get_yticklabels()]:
            if text.get_text():
                assert text.get_fontsize() >= 9, text.get_text()
    assert "\u2212" in fig.axes[0].texts[0].get_text() or "\u2212" in fig.axes[0].texts[1].get_text()


def test_slope_chart_labels_neither_overlap_nor_leave_the_figure():
    # the two arms end 1 point apart: their labels are pushed apart, not drawn on top of each other
    t = pd.DataFrame({"indicator": "risk_aware", "campaign": [0, 1], "baseline": [44.0, 47.5],
                      "endline": [53.0, 54.0], "change": [9.0, 6.5], "ci_low": [-1.4, -4.8], "ci_high": [16.0, 17.8],
                      "change_unit": "pp", "unit": "%", "name": "Aware of the risks of irregular routes"})
    fig = plots.slope_chart(t)
    (a, b), = _label_boxes(fig)
    assert not a.overlaps(b)
    width, height = fig.canvas.get_width_height()
    for box in (a, b):
        assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width and box.y1 <= height


def test_spread_keeps_order_and_gap():
    ys = plots._spread([50.0, 51.0, 10.0], 16.0, 5.0, 95.0)
    assert ys[2] < ys[0] < ys[1]
    assert min(np.diff(sorted(ys))) >= 16.0 - 1e-9 and min(ys) >= 5.0 and max(ys) <= 95.0


# ---------------------------------------------------------------------------- the theme and the settings


def test_charts_leave_the_sessions_matplotlib_settings_alone(indicator_table):
    """The theme is applied inside each chart (with blocks), never as a global seaborn.set_theme()."""
    before = dict(matplotlib.rcParams)
    fig = plots.indicator_chart(indicator_table)
    assert dict(matplotlib.rcParams) == before
    ax = fig.axes[0]
    assert not ax.spines["top"].get_visible() and not ax.spines["right"].get_visible()  # the theme's "ticks" style
    for chart in (fig, plots.delivery_chart(pd.DataFrame({"channel": ["radio"], "planned": [4], "delivered": [3]}))):
        _render(chart)  # ticks made when drawing, outside the theme, keep its sizes (9 points, THEME_CONTEXT)
        for a in chart.axes:
            for text in [*a.get_xticklabels(), *a.get_yticklabels(), a.xaxis.label]:
                if text.get_text():
                    assert text.get_fontsize() == plots.THEME_CONTEXT["xtick.labelsize"], text.get_text()
    with plots.theme():
        assert matplotlib.rcParams["axes.spines.top"] is False
    assert dict(matplotlib.rcParams) == before


def test_reporting_settings_reach_the_captions(indicator_table):
    cap = plots.caption(plots.indicator_chart(indicator_table, settings=Reporting(level=0.9, min_n=30, flag_n=40)))
    assert "90 % confidence intervals" in cap and "Hollow dots: 30-39 cases" in cap and "fewer than 30" in cap
    # an explicit keyword wins over settings
    cap = plots.caption(plots.indicator_chart(indicator_table, settings=Reporting(min_n=30, flag_n=40), min_n=20))
    assert "Hollow dots: 20-39 cases" in cap
    funnel = pd.DataFrame({"step": ["exposed"], "estimate": [0.5], "ci_low": [0.4], "ci_high": [0.6]})
    assert "90 % confidence" in plots.caption(plots.funnel_chart(funnel, settings=Reporting(level=0.9)))
    with pytest.raises(DataError, match=r"level=95 must be .* \(did you mean 0.95\?\)"):
        plots.slope_chart(pd.DataFrame(), level=95)
    with pytest.raises(DataError, match="min_n=2.5 must be a whole number"):
        plots.indicator_chart(indicator_table, min_n=2.5)


# ---------------------------------------------------------------------------- weighted score distributions


@pytest.fixture(scope="module")
def corvia():
    cb = SAMPLES / "codebook.yaml"
    data = load_survey(SAMPLES / "corvia" / "survey_endline.csv", cb)
    data["knowledge_score"] = knowledge_score(data, cb)
    return SurveyDesign(data, weights="weight", strata="stratum", psu="psu")


def test_score_chart_bars_are_the_weighted_shares(corvia):
    """Bar heights = weighted shares of each range, as numpy computes them (np.histogram with the weights)."""
    fig = plots.score_chart(corvia, "knowledge_score", by="sex")
    _check_common(fig)
    data, w = corvia.data, corvia.weights.to_numpy()
    means = corvia.mean("knowledge_score", by="sex", na_rm=True)
    edges = np.linspace(0, 100, 11)  # a 0-100 score: ten ranges of 10 points
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == len(means) >= 2
    for ax, (_, row) in zip(panels, means.iterrows()):
        keep = (data["sex"] == row["sex"]).to_numpy(dtype=bool) & data["knowledge_score"].notna().to_numpy()
        x, wx = data["knowledge_score"].to_numpy(dtype=float)[keep], w[keep]
        expected = 100 * np.histogram(x, bins=edges, weights=wx)[0] / wx.sum()  # independent reference: numpy
        heights = [p.get_height() for p in ax.patches]
        np.testing.assert_allclose(heights, expected, rtol=1e-12)
        np.testing.assert_allclose([p.get_x() for p in ax.patches], edges[:-1])
        assert abs(sum(heights) - 100) < 1e-9
        # the dot is the weighted (ratio) mean, closed form sum(w x) / sum(w)
        dot, = _points(ax)
        assert dot.get_xdata()[0] == pytest.approx(np.average(x, weights=wx), rel=1e-12)
        assert ax.get_title(loc="left") == str(row["sex"])
    assert "weighted by the survey weights" in plots.caption(fig) and "95 % confidence interval" in plots.caption(fig)
    assert plots.alt_text(fig).startswith("Histogram of knowledge_score by sex")


def test_score_chart_recovers_a_planted_weighted_distribution():
    """Half the respondents score 10, half 90, but the 90s weigh 3: the bars must read 25 % and 75 %."""
    d = SurveyDesign(pd.DataFrame({"s": [10.0, 90.0] * 40, "w": [1.0, 3.0] * 40}), weights="w")
    ax = plots.score_chart(d, "s", bins=[0, 50, 100]).axes[0]
    np.testing.assert_allclose([p.get_height() for p in ax.patches], [25.0, 75.0])
    assert _points(ax)[0].get_xdata()[0] == pytest.approx(70.0)  # (10 * 1 + 90 * 3) / 4
    assert plt.get_fignums() == []  # seaborn draws into the figure; pyplot never registers it


def test_score_chart_draws_no_seaborn_interval(corvia):
    """The only interval on the chart is the design-based one: no seaborn error bar, KDE or band."""
    fig = plots.score_chart(corvia, "knowledge_score", by="sex", settings=Reporting(level=0.9))
    means = corvia.mean("knowledge_score", by="sex", na_rm=True, level=0.9)
    for ax, (_, row) in zip(fig.axes, means.iterrows()):
        assert len(ax.collections) == 0  # seaborn draws error bars and bands as collections
        lines = ax.get_lines()
        assert len(lines) == 2  # ours: the interval and the dot
        segment = next(ln for ln in lines if len(ln.get_xdata()) == 2)
        np.testing.assert_allclose(segment.get_xdata(), [row["ci_low"], row["ci_high"]])
        assert all(mcolors.to_hex(ln.get_color()) == plots.PALETTE[3].lower() for ln in lines)
    assert "90 % confidence interval" in plots.caption(fig)


def test_score_chart_small_groups_and_bad_input(corvia):
    data = pd.DataFrame({"s": np.linspace(0, 100, 60), "g": ["a"] * 50 + ["b"] * 10, "w": 1.0})
    d = SurveyDesign(data, weights="w")
    fig = plots.score_chart(d, "s", by="g")
    a, b = fig.axes
    assert len(a.patches) == 10 and len(b.patches) == 0 and not _points(b)  # b: 10 respondents, suppressed
    assert "fewer than 25" in b.texts[0].get_text() and "b: suppressed" in plots.alt_text(fig)
    assert "Suppressed" in plots.caption(fig)
    hollow = plots.score_chart(d, "s", by="g", min_n=5, flag_n=20).axes[1]
    assert mcolors.to_hex(_points(hollow)[0].get_markerfacecolor()) == "#ffffff"  # 10 < flag_n: hollow
    with pytest.raises(DataError, match="expected a campaign_me.SurveyDesign"):
        plots.score_chart(data, "s")
    with pytest.raises(DataError, match="'g' is not numeric"):
        plots.score_chart(d, "g")
    with pytest.raises(ColumnError, match="did you mean 's'"):
        plots.score_chart(d, "ss")
    with pytest.raises(DataError, match="lie outside 0 to 50"):
        plots.score_chart(d, "s", binrange=(0, 50))
    with pytest.raises(DataError, match="bins=0 must be at least 1"):
        plots.score_chart(d, "s", bins=0)
    with pytest.raises(DataError, match="increasing edges"):
        plots.score_chart(d, "s", bins=[0, 50, 40])
