"""The lessons of notebooks 03-05 say what each sample country's numbers say.

Every interpretive sentence of ``campaign_me.lessons.audience``, ``.messages`` and
``.dissemination`` is generated for aroland, belmora and corvia, and each claim in it (a number,
a direction, a magnitude word, an interval statement) is checked against numbers recomputed here
independently: plain pandas, scipy and statsmodels on the raw files, or closed forms. The answer
folds of the three notebooks are static text about the sample countries: their claims are checked
the same way. Finally the notebooks' sources: no solution cell, answers only in folds, the
glossary linked, maintainers' cells out of sight.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from campaign_me import Codebook, SurveyDesign, monitoring, sampling
from campaign_me.evaluation import message_pretest
from campaign_me.indicators import compute_indicators
from campaign_me.lessons import audience, dissemination, messages
from campaign_me.power import clusters_per_arm, sample_size_proportion
from campaign_me.workbook import (
    SAMPLE_COUNTRIES,
    check_parameters,
    household_listing,
    is_pinned,
    rank_segments,
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = {n: ROOT / "notebooks" / f"{n}.ipynb" for n in ("03_audience_and_sampling", "04_messages",
                                                           "05_dissemination")}
Z975 = stats.norm.ppf(0.975)


def _people(x: float) -> str:
    """Three significant figures with thousands separators (what a sentence may print for people)."""
    digits = max(0, int(math.floor(math.log10(abs(x)))) - 2)
    return f"{round(x, -digits):,.0f}"


def _numbers(text: str) -> list[float]:
    return [float(m.replace(",", "")) for m in re.findall(r"-?\d[\d,]*\.?\d*", text)]


# ---------------------------------------------------------------------------
# data per country, loaded once
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module", params=SAMPLE_COUNTRIES)
def country(request):
    wb = check_parameters(country=request.param)
    baseline, endline = wb.survey("baseline"), wb.survey("endline")
    return {"wb": wb, "baseline": baseline, "endline": endline, "design": wb.design(baseline)}


# ---------------------------------------------------------------------------
# step 3: audience and sampling
# ---------------------------------------------------------------------------


def _knowledge_by(c, by):
    est = compute_indicators(c["design"], codebook=c["wb"].codebook, indicators=["knowledge_score"], by=by)
    b = c["baseline"]
    pop = b.groupby(by, observed=True)["weight"].sum().rename("people").reset_index()
    return est.astype({k: object for k in by}).merge(pop.astype({k: object for k in by}), on=by)


def test_segment_sentences_name_the_segment_with_the_most_knowledge_missing(country):
    by = audience.SEGMENTATIONS[audience.DEFAULT_SEGMENTATION]
    t = _knowledge_by(country, by)
    assert t["estimate"].notna().all()  # the default segmentation is shown whole in every sample country
    t["need"] = (100 - t["estimate"]) * t["people"]
    top = t.loc[t["need"].idxmax()]
    segs = rank_segments(country["design"], by=by, codebook=country["wb"].codebook)
    text = audience.segments_lesson(segs, by, choice=audience.DEFAULT_SEGMENTATION)
    words = {"female": "women", "male": "men"}[top["sex"]] + ", " + ("urban" if top["urban"] else "rural")
    assert f"**{words}**" in text
    assert f"about {_people(top['people'])} people" in text
    assert f"knowledge score of {top['estimate']:.0f} out of 100" in text
    assert f"95% CI {top['ci_low']:.0f} to {top['ci_high']:.0f}" in text
    assert f"{100 - top['estimate']:.0f} points short" in text
    overlap = t["ci_low"].max() <= t["ci_high"].min()
    assert ("all their intervals overlap" in text) == overlap
    assert f"at most {t['estimate'].max() - t['estimate'].min():.0f} points" in text or not overlap


@pytest.mark.parametrize("name", list(audience.SEGMENTATIONS))
def test_segment_note_counts_what_can_be_shown(country, name):
    by = audience.SEGMENTATIONS[name]
    n = country["baseline"].groupby(by, observed=True).size()  # every respondent has a knowledge score
    assert n.sum() == len(country["baseline"])
    segs = rank_segments(country["design"], by=by, codebook=country["wb"].codebook)
    note = audience.segment_note(segs, country=country["wb"].country_name)
    shown, enough = int((n >= 25).sum()), int((n >= 50).sum())
    if shown == 0:
        assert note.startswith(f"**None of the {len(n)} segments has 25 interviews**")
        assert f"about {len(country['baseline']) / len(n):.0f} per segment" in note
    elif shown == enough == len(n):
        assert note == f"All {len(n)} segments have 50 interviews or more: enough to act on."
    else:
        assert (f"{shown} of the {len(n)} segments" in note) or (shown == len(n) and f"All {len(n)}" in note)
        assert (f"; {enough} ha" in note) if enough else ("none has the 50" in note)


def test_fold_too_many_segments():
    """03, *Your turn: too many segments*: 12 of 48 in Aroland, 3 of 47 in Belmora, none of 43 in Corvia (187 interviews)."""
    by = audience.SEGMENTATIONS["all four: sex, age group, urban or rural, migration plans"]
    for key, (shown, total) in {"aroland": (12, 48), "belmora": (3, 47), "corvia": (0, 43)}.items():
        b = check_parameters(country=key).survey("baseline")
        n = b.groupby(by, observed=True).size()
        assert (int((n >= 25).sum()), len(n)) == (shown, total), key
        if key == "corvia":
            assert len(b) == 187 and round(len(b) / len(n)) == 4


def _deffs(c):
    out = {}
    for v in audience.PLANNING_INDICATORS:
        out[v] = float(c["design"].mean(v, na_rm=True)["deff"].iloc[0])
    return pd.Series(out)


def test_design_effect_sentence(country):
    deff = _deffs(country)
    observed = country["design"].mean(list(audience.PLANNING_INDICATORS), na_rm=True)
    text, planning = audience.design_effect_lesson(observed, country=country["wb"].country_name)
    assert planning == round(deff.max(), 1)
    assert f"range from {deff.min():.1f}" in text and f"to {deff.max():.1f}" in text
    assert ("below 1" in text) == bool((deff < 1).any())


def test_sample_size_sentence(country):
    deff = round(_deffs(country).max(), 1)
    n = len(country["baseline"])
    text = audience.sample_size_lesson(deff, n, country=country["wb"].country_name)
    need = math.ceil(Z975**2 * 0.25 / 0.05**2 * deff / 0.9)  # Cochran, x deff / response rate
    assert f"**{need:,} interviews**" in text
    assert f"({math.ceil(Z975**2 * 0.25 / 0.05**2):,} completed" in text
    margin = 100 * Z975 * math.sqrt(0.25 * deff / n)
    assert f"about ±{margin:.1f} points" in text
    assert (": enough" in text) == (margin <= 5) and ("not enough" in text) == (margin > 5)


def test_mde_sentence_and_its_magnitude_words(country):
    deff = round(_deffs(country).max(), 1)
    n = int(country["baseline"]["campaign"].sum())
    text = audience.mde_lesson(n, deff, country=country["wb"].country_name)
    mde = 100 * (Z975 + stats.norm.ppf(0.8)) * math.sqrt(2 * 0.25 * deff / n)
    assert f"**{mde:.1f} percentage points**" in text
    word = "more than the 5 to 10" if mde > 10 else ("within the 5 to 10" if mde > 5 else "smaller than the 5 to 10")
    assert word in text


def test_design_sizes_sentence():
    text = audience.design_sizes_lesson(1.3)
    two, did = _numbers(text.split("interviews per group")[0])[-1], None
    did = _numbers(text.split("per arm in each")[0])[-1]
    assert did == 2 * two or abs(did - 2 * two) <= 1  # DiD: twice the variance, rounded up once
    assert "4.0 times as many" in text


def test_fold_tighter_margin(country):
    """03, *Your turn: a tighter margin*: 1,542 / 2,016 / 2,965 interviews at ±3 points; about 2.8 times ±5."""
    deff = round(_deffs(country).max(), 1)
    expected = {"aroland": (1.3, 1542), "belmora": (1.7, 2016), "corvia": (2.5, 2965)}[country["wb"].country]
    assert deff == expected[0]
    at3 = math.ceil(Z975**2 * 0.25 / 0.03**2 * deff / 0.9)
    assert at3 == expected[1] == sample_size_proportion(0.5, 0.03, deff=deff, response_rate=0.9)
    at5 = math.ceil(Z975**2 * 0.25 / 0.05**2 * deff / 0.9)
    assert round(at3 / at5, 1) == 2.8


def test_fold_villages_or_interviews():
    """03, *Your turn: villages or interviews?*: 27 villages at 40, 52 at 10, 35 at 20 per village."""
    got = {m: clusters_per_arm(0.30, 0.40, m, icc=0.05) for m in (10, 20, 40)}
    assert got == {10: 52, 20: 35, 40: 27}
    assert (27 * 40, 52 * 10, 35 * 20) == (1080, 520, 700)


def test_draw_sentence(country):
    wb = country["wb"]
    frame = wb.table("frame")
    villages = sampling.pps_systematic(frame, size="population", n=4, strata="stratum", seed=wb.seed)
    households = sampling.two_stage(household_listing(frame), cluster="village", n_clusters=4, take=18,
                                    strata="stratum", seed=wb.seed)
    text = audience.draw_lesson(villages, frame, households)
    assert text.startswith(f"{len(villages)} villages were drawn from {len(frame):,}")
    assert ("none was large enough" in text) == (not villages["certainty"].any())
    w = households.groupby("stratum")["design_weight"]
    equal = ((w.max() / w.min() - 1) <= 1e-9).all()
    assert ("self-weighting within strata" in text) == bool(equal)


def test_weights_sentence(country):
    b = country["baseline"]
    w = b["weight"].to_numpy(float)
    text = audience.weights_lesson(b["weight"], country=country["wb"].country_name,
                                   design_weights=b["design_weight"],
                                   census_total=country["wb"].table("census")["population"].sum())
    kish = w.sum() ** 2 / (w**2).sum()
    assert f"worth {kish:,.0f} interviews" in text and f"range from {w.min():,.0f} to {w.max():,.0f}" in text
    share = b["design_weight"].sum() / country["wb"].table("census")["population"].sum()
    assert f"{100 * share:.0f}% of the census" in text and share < 1


# ---------------------------------------------------------------------------
# step 4: messages
# ---------------------------------------------------------------------------


def _pretest(c):
    if "pretest" not in c:  # computed once per country
        c["pretest"] = _pretest_results(c)
    return c["pretest"]


def _pretest_results(c):
    p = c["wb"].table("pretest")
    outcomes = ["comprehension", "credibility", "intention_safe"]
    pre = SurveyDesign(p.assign(w=1.0), weights="w")
    per_variant = pre.mean(outcomes, by="variant")
    pairs = message_pretest(p, variant="variant", outcomes=outcomes, preference="preferred_variant",
                            primary="intention_safe").table
    votes = pre.proportion("preferred_variant")
    return p, per_variant, pairs, votes


def _holm_chi2(p: pd.DataFrame, outcome: str, best: str) -> dict[str, float]:
    """Holm-adjusted chi-squared p-values of every pair, for the pairs involving ``best``."""
    variants = sorted(p["variant"].unique())
    pairs = [(a, b) for i, a in enumerate(variants) for b in variants[i + 1:]]
    raw = [stats.chi2_contingency(pd.crosstab(p.loc[p["variant"].isin(ab), "variant"],
                                              p.loc[p["variant"].isin(ab), outcome]).to_numpy(),
                                  correction=False)[1] for ab in pairs]
    adj = multipletests(raw, method="holm")[1]
    return {(b if a == best else a): q for (a, b), q in zip(pairs, adj) if best in (a, b)}


def _cohen_h(p1: float, p2: float) -> float:
    return 2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p2))


def test_design_sentence_matches_the_pretest_file(country):
    p, *_ = _pretest(country)
    text = messages.design_lesson(p, country=country["wb"].country_name)
    counts = p["variant"].value_counts()
    assert f"{len(p)} people took part" in text and all(f"{n} " in text for n in counts)
    table = pd.crosstab(p["variant"], p["preferred_variant"])
    shares = table["C_drama"] / table.sum(axis=1)
    assert f"between {100 * shares.min():.0f}% and {100 * shares.max():.0f}%" in text
    pval = stats.chi2_contingency(table.to_numpy(), correction=False)[1]
    assert pval >= 0.05 and "no larger than chance" in text  # the vote does not depend on the poster seen first


def test_intention_sentence(country):
    p, per_variant, pairs, _ = _pretest(country)
    means = p.groupby("variant")["intention_safe"].mean().sort_values(ascending=False)
    best = means.index[0]
    text = messages.intention_lesson(pairs, per_variant)
    assert text.startswith(f"On stated intention {messages.variant_phrase(best)} comes first: "
                           f"{100 * means[best]:.0f}% intend")
    adj = _holm_chi2(p, "intention_safe", best)
    sig = {o for o, q in adj.items() if q < 0.05}
    if len(sig) == len(adj):
        assert "larger than chance (" in text and "is not" not in text
    elif not sig:
        assert "not larger than chance" in text and "cannot tell the posters apart" in text
    for o, q in adj.items():
        h = _cohen_h(means[best], means[o])
        word = "negligible" if abs(h) < 0.2 else "small" if abs(h) < 0.5 else "medium" if abs(h) < 0.8 else "large"
        shown = "< 0.001" if q < 0.001 else f"{q:.3f}"
        assert (f"{messages.variant_phrase(o)}: {100 * (means[best] - means[o]):+.0f} points, adjusted p {shown}, "
                f"a {word} effect") in text


def test_vote_sentence_and_headline(country):
    p, per_variant, pairs, votes = _pretest(country)
    share = p["preferred_variant"].value_counts(normalize=True)
    winner = share.idxmax()
    means = p.groupby("variant")["intention_safe"].mean().sort_values(ascending=False)
    rank = list(means.index).index(winner) + 1
    text = messages.vote_lesson(pairs, per_variant, votes)
    assert text.startswith(f"The vote goes to {messages.variant_phrase(winner)}: {100 * share[winner]:.0f}% of votes")
    assert f"ranks {['first', 'second', 'third'][rank - 1]} of three" in text
    best = means.index[0]
    q = _holm_chi2(p, "intention_safe", best)[winner]
    assert ("clearly lower" in text) == (q < 0.05) and ("cannot tell from chance" in text) == (q >= 0.05)
    line = messages.headline(pairs, per_variant, votes, country=country["wb"].country_name)
    assert f"best by stated intention {best[0]} (" in line and f"most votes {winner[0]} (" in line
    assert line.endswith("no" if winner != best else "yes")


def test_comparison_table_writes_p_values_out(country):
    _, _, pairs, _ = _pretest(country)
    t = messages.comparison_table(pairs)
    assert "0.000" not in t.to_string()
    assert set(t["size"]) <= {"negligible", "small", "medium", "large"}


def test_fold_credibility():
    """04, *Your turn: credibility*: A most credible everywhere, its leads larger than chance; sizes as stated."""
    sizes = {}
    for key in SAMPLE_COUNTRIES:
        p = pd.read_csv(ROOT / "data" / "samples" / key / "pretest.csv")
        g = {v: p.loc[p["variant"] == v, "credibility"] for v in sorted(p["variant"].unique())}
        assert max(g, key=lambda v: g[v].mean()) == "A_testimony"
        pairs = [("A_testimony", "B_statistics"), ("A_testimony", "C_drama"), ("B_statistics", "C_drama")]
        raw = [stats.ttest_ind(g[a], g[b], equal_var=False).pvalue for a, b in pairs]
        adj = multipletests(raw, method="holm")[1]
        assert adj[0] < 0.05 and adj[1] < 0.05, key

        def d(a, b):
            sp = math.sqrt(((len(a) - 1) * a.var() + (len(b) - 1) * b.var()) / (len(a) + len(b) - 2))
            return (a.mean() - b.mean()) / sp

        sizes[key] = (d(g["A_testimony"], g["B_statistics"]), d(g["A_testimony"], g["C_drama"]))
    assert all(vs_c >= 0.5 for _, vs_c in sizes.values())  # medium or large against the drama
    assert 0.5 <= sizes["aroland"][0] < 0.8 and 0.5 <= sizes["corvia"][0] < 0.8 and 0.2 <= sizes["belmora"][0] < 0.5


def test_fold_another_country():
    """04, *Your turn: another country*: drama wins the vote (53-55%); A leads on intention; clearly so except in Belmora."""
    for key in SAMPLE_COUNTRIES:
        p = pd.read_csv(ROOT / "data" / "samples" / key / "pretest.csv")
        votes = p["preferred_variant"].value_counts(normalize=True)
        assert votes.idxmax() == "C_drama" and 0.525 <= votes.max() < 0.555
        means = p.groupby("variant")["intention_safe"].mean()
        assert means.idxmax() == "A_testimony"
        adj = _holm_chi2(p, "intention_safe", "A_testimony")
        assert all(q < 0.05 for q in adj.values()) == (key != "belmora")
        if key == "belmora":
            assert all(q >= 0.05 for q in adj.values())
            assert [round(100 * means[v]) for v in ("A_testimony", "B_statistics", "C_drama")] == [40, 38, 29]
            assert p["variant"].value_counts().eq(120).all()


# ---------------------------------------------------------------------------
# step 5: dissemination
# ---------------------------------------------------------------------------


def _population(wb) -> int:
    frame = wb.table("frame")
    return int(frame.loc[frame["campaign"] == 1, "population"].sum())


def test_delivery_sentence(country):
    wb = country["wb"]
    log = wb.table("activities")
    text = dissemination.delivery_lesson(monitoring.delivery(log, by="channel"), monitoring.delivery(log, by="district"),
                                         country=wb.country_name)
    assert f"delivered {log['delivered'].sum():,} of its {log['planned'].sum():,} planned" in text
    rate = log.groupby("channel")["delivered"].sum() / log.groupby("channel")["planned"].sum()
    assert f"{dissemination.channel_name(rate.idxmax())} came closest to plan ({100 * rate.max():.0f}%)" in text
    assert f"{dissemination.channel_name(rate.idxmin())} fell furthest short ({100 * rate.min():.0f}%)" in text
    d = log.groupby("district")["delivered"].sum() / log.groupby("district")["planned"].sum()
    assert f"from {100 * d.min():.0f}% ({d.idxmin()}) to {100 * d.max():.0f}% ({d.idxmax()})" in text
    counted = set(log.loc[log["attendance"] > 0, "channel"])
    assert counted == {"community_event"} and "Only community events count the people" in text


def test_reach_and_spillover_sentences(country):
    wb = country["wb"]
    daily, period = wb.table("digital_metrics"), wb.table("digital_reach")
    pop = _population(wb)
    summary = monitoring.platform_summary(daily, period_reach=period)
    text = dissemination.reach_lesson(daily, summary, population=pop, country=wb.country_name)
    assert f"comes to {daily['reach'].sum():,}: {daily['reach'].sum() / pop:.1f} times the {pop:,}" in text
    unique = period[period["period"] == "campaign"].groupby("platform")["reach"].sum()
    for platform, r in unique.items():
        assert f"{platform.capitalize() if platform == 'facebook' else 'TikTok'} {r:,} accounts" in text
        assert daily.loc[daily["platform"] == platform, "reach"].sum() > r  # the sum overcounts
    spill = dissemination.spillover_lesson(monitoring.spillover(daily))
    outside = daily.loc[daily["targeted"] == 0, "impressions"].sum() / daily["impressions"].sum()
    assert spill.startswith(f"{100 * outside:.1f}% of the ads' impressions")


def _reached(c, correction="independent"):
    wb, e, b = c["wb"], c["endline"], c["baseline"]
    ie = wb.design(e).subset(e["campaign"] == 1)
    ib = wb.design(b).subset(b["campaign"] == 1)
    return dissemination.people_reached(ie, ib, _population(wb), correction=correction), ie, ib


def _weighted_share(data, column):
    d = data[data["campaign"] == 1]
    x = pd.to_numeric(d[column], errors="coerce").astype(float)
    ok = x.notna()
    return float((x[ok] * d.loc[ok, "weight"]).sum() / d.loc[ok, "weight"].sum())


def test_people_reached_and_cost_sentences(country):
    wb = country["wb"]
    reached, _, _ = _reached(country)
    r, f = _weighted_share(country["endline"], "exposed_any"), _weighted_share(country["baseline"], "exposed_any")
    pop = _population(wb)
    net = (r - f) / (1 - f)
    text = dissemination.reached_lesson(reached, country=wb.country_name)
    assert f"At endline {100 * r:.0f}%" in text and f"{100 * f:.0f}% already said so" in text
    assert f"about {100 * net:.0f}% were truly reached" in text and f"about **{_people(pop * net)} people**" in text
    lo, hi = reached["ci_low"].iloc[0], reached["ci_high"].iloc[0]
    assert lo < pop * net < hi and f"({_people(lo)} to {_people(hi)})" in text
    log, daily = wb.table("activities"), wb.table("digital_metrics")
    total = log["cost"].sum() + daily["spend"].sum()
    costs = monitoring.cost_per_person_reached(reached, total)
    text = dissemination.cost_lesson(costs, activities_cost=log["cost"].sum(), ads_cost=daily["spend"].sum())
    assert f"The logged cost, {total:,.0f}" in text and f"**{total / (pop * net):.2f} per person**" in text
    assert "lower bound" in text


def test_fold_stricter_correction(country):
    """05, *Your turn: a stricter correction*: fewer by exactly the false-report rate; the numbers of the fold."""
    independent, _, _ = _reached(country)
    subtract, _, _ = _reached(country, "subtract")
    f = _weighted_share(country["baseline"], "exposed_any")
    fewer = 1 - subtract["estimate"].iloc[0] / independent["estimate"].iloc[0]
    assert fewer == pytest.approx(f)
    expected = {"aroland": ("74,900", "81,900", "8.6"), "belmora": ("25,600", "26,700", "3.8"),
                "corvia": ("5,860", "6,750", "13.2")}[country["wb"].country]
    assert (_people(subtract["estimate"].iloc[0]), _people(independent["estimate"].iloc[0]),
            f"{100 * fewer:.1f}") == expected


def test_fold_radio_or_events(country):
    """05, *Your turn: radio or community events?*: radio cheaper everywhere; intervals overlap only in Corvia."""
    wb = country["wb"]
    _, ie, ib = _reached(country)
    by_channel = monitoring.delivery(wb.table("activities"), by="channel")
    t = dissemination.channel_costs(by_channel, ie, ib, _population(wb)).set_index("channel")
    radio, events = t.loc["radio_spot"], t.loc["community_event"]
    # independent point estimates: cost / (population x net share heard on the channel)
    for channel, column in dissemination.SURVEY_CHANNELS.items():
        r, f = _weighted_share(country["endline"], column), _weighted_share(country["baseline"], column)
        cost = wb.table("activities").query("channel == @channel")["cost"].sum()
        assert t.loc[channel, "estimate"] == pytest.approx(cost / (_population(wb) * (r - f) / (1 - f)))
    expected = {"aroland": ("0.39", "1.73"), "belmora": ("0.55", "1.59"), "corvia": ("0.94", "1.69")}
    assert (f"{radio['estimate']:.2f}", f"{events['estimate']:.2f}") == expected[wb.country]
    overlap = radio["ci_high"] >= events["ci_low"]
    assert overlap == (wb.country == "corvia")


def test_funnel_sentence_matches_the_chart(country):
    wb, e = country["wb"], country["endline"]
    d = e[e["campaign"] == 1]
    running = pd.Series(1.0, index=d.index)
    shares, conv = [], []
    for column in dissemination.FUNNEL_STEPS.values():
        running = running * pd.to_numeric(d[column], errors="coerce").astype(float).fillna(0.0)
        shares.append(float((running * d["weight"]).sum() / d["weight"].sum()))
    conv = [shares[i] / shares[i - 1] for i in range(1, len(shares))]
    _, ie, _ = _reached(country)
    chain = monitoring.funnel(ie, dissemination.FUNNEL_STEPS)
    np.testing.assert_allclose(chain["estimate"], shares)
    text = dissemination.funnel_lesson(chain, country=wb.country_name)
    steps = list(dissemination.FUNNEL_STEPS)
    assert f", {100 * shares[0]:.0f} were exposed" in text
    for s, v in zip(steps[1:], shares[1:]):
        assert f"{100 * v:.0f} also {s}" in text
    k = int(np.argmin(conv)) + 1
    assert f'The largest loss is at the step "{steps[k]}": only {100 * conv[k - 1]:.0f}%' in text
    assert all(a >= b for a, b in zip(shares, shares[1:]))  # a funnel only narrows


# ---------------------------------------------------------------------------
# the notebooks' sources
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_notebook_has_no_solution_cells_and_answers_only_in_folds(name):
    nb = nbformat.read(NOTEBOOKS[name], as_version=4)
    assert not any("solution" in c.metadata.get("tags", []) for c in nb.cells)
    exercises = [c for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("### Your turn")]
    assert len(exercises) >= 2
    for cell in exercises:
        fold = re.search(r"<details><summary>Answer</summary>(.*?)</details>", cell.source, re.S)
        assert fold, f"{name}: exercise without an answer fold"
        assert "```" not in fold.group(1), f"{name}: an answer is code, not words"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert "Your turn: write your code" not in cell.source
            assert "PINNED" not in cell.source


@pytest.mark.parametrize("name", list(NOTEBOOKS))
def test_notebook_links_the_glossary_and_hides_maintainers_cells(name):
    nb = nbformat.read(NOTEBOOKS[name], as_version=4)
    assert "](../docs/glossary.md)" in nb.cells[0].source
    assert "../shared/" not in "".join(c.source for c in nb.cells)
    pinned = [c for c in nb.cells if is_pinned(c)]
    assert len(pinned) == 1
    for cell in nb.cells:
        if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []):
            continue
        lines = cell.source.count("\n") + 1
        hidden = cell.metadata.get("jupyter", {}).get("source_hidden", False)
        assert hidden or lines <= 5, f"{name}: a {lines}-line code cell in sight:\n{cell.source}"


def test_lesson_modules_stay_at_the_show_layer():
    for module in ("audience", "messages", "dissemination"):
        source = (ROOT / "campaign_me" / "lessons" / f"{module}.py").read_text(encoding="utf-8")
        assert "campaign_me.report" not in source and "from ..report" not in source
        assert "from ..workbook" not in source and "from ..widgets" not in source


def test_codebook_labels_reach_the_segment_table(country):
    segs = rank_segments(country["design"], by=["sex", "urban"], codebook=Codebook.from_yaml(country["wb"].codebook))
    t = audience.segment_table(segs, ["sex", "urban"])
    assert set(t["segment"]) == {"Women, rural", "Women, urban", "Men, rural", "Men, urban"}
    assert not t.to_string().count("female") and "True" not in t.to_string()
