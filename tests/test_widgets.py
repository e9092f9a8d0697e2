"""campaign_me.widgets: calculators (values, static fallback, live update), figures with alt text."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from campaign_me import widgets
from campaign_me.conventions import Reporting
from campaign_me.errors import CampaignMeError, DataError
from campaign_me.indicators import compute_indicators
from campaign_me.widgets import MDE, ClusterPower, Figure, IndicatorExplorer, SampleSize
from campaign_me.workbook import check_parameters

Z975 = stats.norm.ppf(0.975)
Z80 = stats.norm.ppf(0.80)


class FakeHandle:
    """Stands in for IPython's DisplayHandle: records what a live update would show."""

    def __init__(self):
        self.shown = []

    def update(self, obj):
        self.shown.append(obj)


def test_sample_size_matches_the_closed_form():
    calc = SampleSize(p=0.5, margin=0.05, deff=1.5, response_rate=0.9, interactive=False)
    # n = z^2 p (1 - p) / e^2 x deff / response rate, rounded up once (Cochran 1977, eq. 4.2)
    expected = math.ceil(Z975**2 * 0.25 / 0.05**2 * 1.5 / 0.9)
    assert expected == 641
    assert calc.answer == expected
    assert int(calc.table.loc[0.05, "deff 1"]) == math.ceil(Z975**2 * 0.25 / 0.05**2 / 0.9)
    assert list(calc.table.index) == sorted(calc.table.index)
    assert "641 interviews" in calc.figure.alt


def test_mde_matches_methodology_worked_number():
    calc = MDE(n=400, p=0.5, deff=1.0, power=0.8, alpha=0.05, interactive=False)
    # (z_.975 + z_.80) sqrt(p q (1/n + 1/n)): 9.9 points for 400 per arm (docs/methodology.md §5.4)
    assert calc.answer == round(100 * (Z975 + Z80) * math.sqrt(0.25 * 2 / 400), 1) == 9.9
    assert calc.table.loc[400, "deff 1.5"] == round(100 * (Z975 + Z80) * math.sqrt(0.25 * 2 / 400 * 1.5), 1)


def test_cluster_power_answer_and_curve_agree():
    calc = ClusterPower(p1=0.3, p2=0.4, cluster_size=20, icc=0.05, interactive=False)
    assert calc.answer == 35  # docs/methodology.md §5.6: 355.94 x (1 + 19 x 0.05) / 20 = 34.7 -> 35 clusters per arm
    assert int(calc.table.loc[0.0, "m = 20"]) == math.ceil(
        # ICC 0: no design effect; pooled two-proportion size (Fleiss) divided by m
        ((Z975 * math.sqrt(2 * 0.35 * 0.65) + Z80 * math.sqrt(0.3 * 0.7 + 0.4 * 0.6)) ** 2 / 0.1**2) / 20
    )
    # more ICC never needs fewer clusters; bigger clusters never need more
    t = calc.table.to_numpy()
    assert (np.diff(t, axis=0) >= 0).all() and (np.diff(t, axis=1) <= 0).all()


def test_impossible_values_are_reported_not_raised():
    calc = ClusterPower(interactive=True)
    handles = (FakeHandle(), FakeHandle())
    calc._handles = handles
    calc.update(p2=0.3)  # p1 == p2: nothing to detect
    assert "equal" in repr(handles[0].shown[-1])
    assert calc.values["p2"] == 0.4  # the last good state is kept


def test_unknown_parameter_is_named():
    with pytest.raises(CampaignMeError, match="unknown parameter.*margn"):
        SampleSize(margn=0.05)


def test_live_widgets_redraw_the_same_outputs():
    calc = SampleSize(interactive=True)
    panel = calc.build_widgets()
    assert len(panel.children) == 1 + len(SampleSize.controls)
    handles = (FakeHandle(), FakeHandle())
    calc._handles = handles
    calc.widgets["margin"].value = 0.03
    # 1.96^2 x 0.25 / 0.03^2 x 1.5 / 0.9 = 1778.4 -> 1779
    assert calc.answer == math.ceil(Z975**2 * 0.25 / 0.03**2 * 1.5 / 0.9) == 1779
    # the table is redrawn as a reader sees it (labels, thousands separators); .table keeps the numbers
    assert handles[0].shown[-1].equals(calc.shown_table()) and handles[1].shown[-1] is calc.figure
    assert handles[0].shown[-1].loc["±3 points", "design effect 1.5"] == "1,779"
    assert int(calc.table.loc[0.03, "deff 1.5"]) == 1779


def test_static_display_shows_table_and_figure(capsys, monkeypatch):
    monkeypatch.setenv("CAMPAIGN_ME_WIDGETS", "static")
    assert widgets.is_live() is False
    SampleSize()._ipython_display_()
    out = capsys.readouterr().out
    assert "design effect 1.5" in out and "±5 points" in out and "[figure: Interviews needed" in out
    assert "FloatSlider" not in out  # no widget in a headless run


def test_live_mode_from_environment(monkeypatch):
    monkeypatch.setenv("CAMPAIGN_ME_WIDGETS", "live")
    assert widgets.is_live() is True
    monkeypatch.delenv("CAMPAIGN_ME_WIDGETS")
    assert widgets.is_live() is False  # plain Python, no Jupyter server


def test_figure_needs_alt_text_and_carries_it():
    fig, ax = widgets.new_figure()
    ax.plot([0, 1], [1, 0])
    with pytest.raises(CampaignMeError, match="alt"):
        Figure(fig, "  ")
    f = Figure(fig, 'A "falling" line & more.')
    bundle = f._repr_mimebundle_()
    assert 'alt="A &quot;falling&quot; line &amp; more."' in bundle["text/html"]
    assert bundle["image/png"] and bundle["text/plain"].startswith("[figure:")


def test_figure_from_pyplot_is_closed():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure()
    Figure(fig, "closed after rendering")
    assert fig.number not in plt.get_fignums()


def test_interval_figure_labels_suppressed_rows():
    t = pd.DataFrame({"estimate": [10.0, np.nan], "ci_low": [8.0, np.nan], "ci_high": [12.0, np.nan]},
                     index=["women", "returnees"])
    f = widgets.interval_figure(t, xlabel="%", alt="One interval, one suppressed.", reference=9.0)
    labels = [t.get_text() for t in f.figure.axes[0].get_yticklabels()]
    assert labels == ["women", "returnees (suppressed)"]
    with pytest.raises(DataError, match="ci_low"):
        widgets.interval_figure(t[["estimate"]], xlabel="%", alt="x")


def test_results_chain_needs_one_assumption_per_arrow():
    with pytest.raises(DataError, match="one per arrow"):
        widgets.results_chain_figure(["a", "b", "c"], assumptions=["only one"], alt="chain")
    f = widgets.results_chain_figure(["a", "b", "c"], assumptions=["x", "y"], alt="A chain of three.")
    assert f.alt == "A chain of three."


def _estimates():
    rows = []
    for round_, shift in (("baseline", 0.0), ("endline", 5.0)):
        rows.append(dict(indicator="risk_aware", label="aware (%)", round=round_, by="all", group="all",
                         estimate=40 + shift, ci_low=35 + shift, ci_high=45 + shift, n=500))
        for g, n in (("female", 260), ("male", 240), ("other", 4)):
            small = n < 25
            rows.append(dict(indicator="risk_aware", label="aware (%)", round=round_, by="sex", group=g,
                             estimate=np.nan if small else 38 + shift, ci_low=np.nan if small else 30 + shift,
                             ci_high=np.nan if small else 46 + shift, n=n))
    return pd.DataFrame(rows)


def test_indicator_explorer_pivots_and_hides_small_cells():
    ex = IndicatorExplorer(_estimates(), by="sex", interactive=False)
    assert list(ex.table.columns) == ["baseline", "endline"]
    assert ex.table.loc["female", "endline"] == "43.0 [35.0, 51.0]"
    assert ex.table.loc["other", "baseline"] == "not shown (n = 4)"
    assert "other suppressed" in ex.figure.alt
    handles = (FakeHandle(), FakeHandle())
    ex._handles = handles
    ex.update(by="all")
    assert list(ex.table.index) == ["all"]
    with pytest.raises(DataError, match="indicator_estimates"):
        IndicatorExplorer(pd.DataFrame({"indicator": ["x"]}))


def test_indicator_estimates_reuses_compute_indicators():
    wb = check_parameters(country="corvia")
    designs = {r: wb.design(wb.survey(r)) for r in wb.rounds}
    est = widgets.indicator_estimates(designs, indicators=["risk_aware"], by=["sex"], codebook=wb.codebook)
    assert set(est["round"]) == {"baseline", "endline"} and set(est["by"]) == {"all", "sex"}
    direct = compute_indicators(designs["endline"], codebook=wb.codebook, indicators=["risk_aware"], by="sex")
    mine = est[(est["round"] == "endline") & (est["by"] == "sex")]
    np.testing.assert_allclose(mine["estimate"].to_numpy(), direct["estimate"].to_numpy())
    assert list(mine["group"]) == [str(v) for v in direct["sex"]]
    # settings=wb.settings is the same as each setting by hand; a keyword given explicitly wins
    wb90 = check_parameters(country="corvia", settings=Reporting(level=0.9, min_n=30, flag_n=60))
    by_settings = widgets.indicator_estimates(designs, indicators=["risk_aware"], codebook=wb.codebook,
                                              settings=wb90.settings)
    by_hand = widgets.indicator_estimates(designs, indicators=["risk_aware"], codebook=wb.codebook, level=0.9,
                                          min_n=30, flag_n=60)
    pd.testing.assert_frame_equal(by_settings, by_hand)
    explicit = widgets.indicator_estimates(designs, indicators=["risk_aware"], codebook=wb.codebook,
                                           settings=wb90.settings, level=0.95, min_n=25, flag_n=50)
    pd.testing.assert_frame_equal(explicit.reset_index(drop=True), est[est["by"] == "all"].reset_index(drop=True))


def test_shown_tables_label_rows_and_columns_in_words():
    ss = SampleSize(deff=1.3, interactive=False).shown_table()
    assert ss.index.name == "margin of error" and "±3 points" in ss.index and "design effect 1.3" in ss.columns
    assert ss.loc["±3 points", "design effect 1.3"] == "1,542"
    mde = MDE(n=457, deff=1.3, interactive=False).shown_table()
    assert mde.loc["457 per group", "design effect 1.3"] == "10.6" and "1,600 per group" in mde.index
    cp = ClusterPower(interactive=False).shown_table()
    assert cp.loc["ICC 0.05", "20 per cluster"] == "35"


def test_menu_switches_between_prepared_views_and_their_notes():
    views = {"by sex": pd.DataFrame({"n": [483, 438]}), "all four": pd.DataFrame({"n": [6, 3, 2]})}
    notes = {"by sex": "All 2 segments shown.", "all four": "None of the 3 segments has 25 interviews."}
    menu = widgets.Menu(views, notes=notes, choice="by sex", label="segment by", interactive=True)
    panel = menu.build_widgets()
    assert panel.children[1].options == ("by sex", "all four") and panel.children[1].description == "segment by"
    handles = (FakeHandle(), FakeHandle())
    menu._handles = handles
    menu.widgets["choice"].value = "all four"
    assert repr(handles[0].shown[-1]) == notes["all four"] and len(handles[1].shown[-1]) == 3
    assert handles[0].shown[-1]._repr_markdown_() == notes["all four"]
    assert menu.answer == "all four" and menu.figure is None
    menu.update(choice="nothing like it")  # a typo: said where the table was, the last view kept
    assert "not in the menu" in repr(handles[0].shown[-1]) and menu.answer == "all four"
    with pytest.raises(DataError, match="campaign_me.widgets.Figure"):
        widgets.Menu({"x": (pd.DataFrame(), "not a figure")})
    with pytest.raises(DataError, match="not in the menu"):
        widgets.Menu(views, choice="by age")


def test_menu_static_display_shows_the_chosen_view(capsys, monkeypatch):
    monkeypatch.setenv("CAMPAIGN_ME_WIDGETS", "static")
    fig, ax = widgets.new_figure()
    ax.plot([0, 1], [0, 1])
    widgets.Menu({"a": (pd.DataFrame({"x": [1]}), Figure(fig, "a line")), "b": pd.DataFrame({"y": [2]})},
                 notes={"a": "first view"})._ipython_display_()
    out = capsys.readouterr().out
    assert "first view" in out and "x" in out and "[figure: a line]" in out and "Dropdown" not in out


def test_fit_text_wraps_at_words_only():
    title = "Aroland endline, campaign districts: the campaign funnel of exposure, recall and comprehension"
    wrapped = widgets.fit_text(title, 3.0)
    assert wrapped.replace("\n", " ") == title  # nothing lost, no word broken
    assert all(len(line) <= int(3.0 * 72 / 6) for line in wrapped.splitlines())
    assert widgets.fit_text("short", 6.4) == "short"


def _inside(fig, artist) -> bool:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    box, frame = artist.get_window_extent(renderer), fig.bbox
    return box.x0 >= frame.x0 - 1 and box.x1 <= frame.x1 + 1


def test_interval_figure_title_and_labels_stay_inside_the_figure():
    t = pd.DataFrame({"estimate": [48.0, 6.0], "ci_low": [42.0, 4.0], "ci_high": [55.0, 9.0]},
                     index=["exposed to the campaign on any channel at all", "knew the hotline"])
    f = widgets.interval_figure(t, xlabel="share of everyone aged 15-45 in the campaign districts (%), 95% interval",
                                title="Aroland endline, campaign districts: the campaign funnel, step by step",
                                alt="A funnel.", xlim=(0, None))
    fig = f.figure
    assert _inside(fig, fig._suptitle)
    for label in fig.axes[0].get_yticklabels():
        assert _inside(fig, label)
    assert fig.axes[0].get_xlim()[0] == 0


def test_results_chain_of_eight_steps_wraps_into_rows():
    chain = ["activities delivered", "exposure", "recall", "comprehension", "knowledge and risk perception",
             "intention", "safe practice", "less harm"]
    f = widgets.results_chain_figure(chain, assumptions=[f"assumption {i}" for i in range(7)], alt="A chain.",
                                     title="The campaign's results chain")
    width, height = f.figure.get_size_inches()
    assert width <= 8.5 and height < width  # readable on a laptop without shrinking the text
    texts = [t.get_text() for t in f.figure.axes[0].texts]
    assert sum(t.replace("\n", " ") in chain for t in texts) == len(chain)
    assert all(t.get_fontsize() >= 9 for t in f.figure.axes[0].texts)
