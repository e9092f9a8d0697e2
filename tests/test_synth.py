"""The simulated campaign world: reproducibility, internal consistency, and recovery of the planted truth."""

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from campaign_me import SurveyDesign, synth
from campaign_me.intake import load_survey

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
HAND_WRITTEN = {"logframe.yaml"}


def test_same_seed_same_bytes(tmp_path):
    a = synth.generate(tmp_path / "a", seed=7, countries=("corvia",))
    b = synth.generate(tmp_path / "b", seed=7, countries=("corvia",))
    assert [p.name for p in a] == [p.name for p in b]
    for pa, pb in zip(a, b):
        assert pa.read_bytes() == pb.read_bytes(), pa.name
    synth.generate(tmp_path / "c", seed=8, countries=("corvia",))
    other = (tmp_path / "c" / "corvia" / "survey_endline.csv").read_bytes()
    assert other != (tmp_path / "a" / "corvia" / "survey_endline.csv").read_bytes()


def test_committed_samples_are_what_the_generator_writes(tmp_path):
    truth = json.loads((SAMPLES / "aroland" / "truth.json").read_text())
    here = ".".join(np.__version__.split(".")[:2])
    if truth["numpy_version"] != here:
        pytest.skip(f"samples were generated with numpy {truth['numpy_version']}, this is {here}")
    synth.generate(tmp_path, seed=truth["seed"])
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    # each country's logframe.yaml is written by hand (baselines read off the surveys), not by synth
    committed = sorted(
        p.relative_to(SAMPLES) for p in SAMPLES.rglob("*") if p.is_file() and p.name not in HAND_WRITTEN
    )
    assert generated == committed
    for rel in generated:
        assert (tmp_path / rel).read_bytes() == (SAMPLES / rel).read_bytes(), f"{rel} differs: rerun campaign-me synth"
    assert (tmp_path / "codebook.yaml").read_bytes() == (SAMPLES / "codebook.yaml").read_bytes()


@pytest.mark.parametrize("country", list(synth.COUNTRIES))
def test_sample_files_are_consistent(country):
    frame = pd.read_csv(SAMPLES / country / "frame.csv")
    census = pd.read_csv(SAMPLES / country / "census.csv")
    # census margins add up to the frame, region by region
    pd.testing.assert_series_equal(
        census.groupby("region")["population"].sum(), frame.groupby("region")["population"].sum()
    )
    for round_ in ("baseline", "endline"):
        s = pd.read_csv(SAMPLES / country / f"survey_{round_}.csv")
        assert s["resp_id"].is_unique
        assert (s["weight"] > 0).all()
        # raked weights reproduce the census margins
        for var in ("region", "sex", "age_group"):
            got = s.groupby(var)["weight"].sum()
            want = census.groupby(var)["population"].sum()
            np.testing.assert_allclose(got.loc[want.index], want, rtol=1e-6)
        # safe practices are asked only of regular migrants and returnees
        asked = s["migration_status"].isin(["regular", "returnee"])
        assert s.loc[~asked, "checked_licence"].isna().all() and s.loc[asked, "checked_licence"].notna().all()
        # no campaign exposure at baseline beyond false reports: recall comes only from exposure
        if round_ == "baseline":
            assert s["unaided_recall"].sum() == 0


def test_pretest_preference_vote_disagrees_with_outcomes():
    pre = pd.read_csv(SAMPLES / "aroland" / "pretest.csv")
    by = pre.groupby("variant")[["comprehension", "intention_safe"]].mean()
    assert pre["preferred_variant"].value_counts().idxmax() == "C_drama"
    assert by["intention_safe"].idxmax() == "A_testimony"
    assert pre["variant"].value_counts().nunique() == 1  # equal arms


def _did(country: str, outcome: str, big: dict) -> tuple[float, float, float, float]:
    """Design-based DiD and pre-post in campaign districts; the four cells are independent samples."""
    cells = {}
    for round_ in ("baseline", "endline"):
        s = big[f"survey_{round_}"]
        # in-memory data still carry the "don't know" code of risk perception (the codebook's missing code)
        s = s.assign(risk_perception=s["risk_perception"].replace(synth.RISK_DK_CODE, np.nan))
        d = SurveyDesign(s, weights="weight", strata="stratum", psu="psu")
        est = d.mean(outcome, by="campaign", df=np.inf, na_rm=True).set_index("campaign")
        for c in (0, 1):
            cells[(round_, c)] = (est.loc[c, "estimate"], est.loc[c, "se"])
    did = (cells["endline", 1][0] - cells["baseline", 1][0]) - (cells["endline", 0][0] - cells["baseline", 0][0])
    se = np.sqrt(sum(v[1] ** 2 for v in cells.values()))
    pre_post = cells["endline", 1][0] - cells["baseline", 1][0]
    se_pp = np.hypot(cells["endline", 1][1], cells["baseline", 1][1])
    return did, se, pre_post, se_pp


@pytest.fixture(scope="module")
def big_aroland():
    # Aroland with a large sample (30 villages per stratum, 40 households each): ~8,000 interviews per round
    spec = dataclasses.replace(synth.COUNTRIES["aroland"], clusters_per_stratum=30, take=40)
    return synth.generate_country("aroland", seed=11, spec=spec, hidden=True), spec


@pytest.mark.parametrize(
    ("outcome", "itt_attr", "trend_attr"),
    [
        ("risk_aware", "itt_risk_aware", "trend_risk_aware"),
        ("intend_irregular", "itt_irregular_intention", "trend_irregular_intention"),
        ("risk_perception", "itt_risk_perception", "trend_risk_perception"),
    ],
)
def test_did_recovers_planted_itt_and_pre_post_is_biased_by_trend(big_aroland, outcome, itt_attr, trend_attr):
    data, spec = big_aroland
    itt, trend = getattr(spec, itt_attr), getattr(spec, trend_attr)
    did, se, pre_post, se_pp = _did("aroland", outcome, data)
    scale = 100 if outcome == "risk_perception" else 1
    assert se < 0.03 * scale  # the check has teeth: the planted effects are 5-8 pp
    assert abs(did - itt) < 4 * se, (did, itt, se)
    # pre-post without comparison estimates effect + secular trend, not the effect
    assert abs(pre_post - (itt + trend)) < 4 * se_pp, (pre_post, itt + trend, se_pp)


def test_knowledge_does_not_move(big_aroland):
    data, _ = big_aroland
    for r in ("baseline", "endline"):
        data[f"survey_{r}"]["k1_right"] = (data[f"survey_{r}"]["k1"] == 1).astype(float)
    did, se, _, _ = _did("aroland", "k1_right", data)
    assert abs(did) < 4 * se


def test_truth_json_matches_spec():
    t = json.loads((SAMPLES / "belmora" / "truth.json").read_text())
    spec = synth.COUNTRIES["belmora"]
    assert t["itt"]["risk_aware"] == spec.itt_risk_aware
    # exposure rate by quadrature equals a Monte Carlo average of expit(a + bZ) (closed-form check)
    z = np.random.default_rng(0).normal(size=2_000_000)
    mc = (1 / (1 + np.exp(-(spec.exposure_intercept + spec.exposure_slope * z)))).mean()
    assert t["exposure_rate_campaign_districts"] == pytest.approx(mc, abs=1e-3)


def test_kobo_export_is_byte_reproducible(tmp_path):
    a = synth.generate(tmp_path / "a", seed=3, countries=("aroland",))
    b = synth.generate(tmp_path / "b", seed=3, countries=("aroland",))
    kobo = [p for p in a if "kobo" in p.parts]
    assert {p.suffix for p in kobo} == {".csv", ".xlsx"}
    for pa, pb in zip(a, b):
        assert pa.read_bytes() == pb.read_bytes(), pa.name


@pytest.mark.parametrize("country", list(synth.COUNTRIES))
@pytest.mark.parametrize("round_", ["baseline", "endline"])
def test_sample_surveys_fit_their_codebook(country, round_):
    data, problems = load_survey(SAMPLES / country / f"survey_{round_}.csv", SAMPLES / "codebook.yaml", errors="report")
    assert (problems["severity"] != "note").sum() == 0, problems.to_string()
    assert len(data) > 100
    # select_multiple questions always have a ticked box ("none" is an option), as Kobo requires
    assert (data[[c for c in data.columns if c.startswith("signs/")]].sum(axis=1) >= 1).all()


def test_kobo_export_loads_to_the_same_data_without_personal_data():
    kobo = SAMPLES / "aroland" / "kobo"
    raw_header = (kobo / "survey_endline_kobo.csv").read_text(encoding="utf-8").splitlines()[0]
    assert '"respondent/phone"' in raw_header and '"_uuid"' in raw_header  # the raw export has PII and metadata
    k, problems = load_survey(
        kobo / "survey_endline_kobo.csv", SAMPLES / "codebook.yaml", form=kobo / "kap_form.xlsx", errors="report"
    )
    assert set(problems.loc[problems["check"] == "pii_dropped", "column"]) == {"respondent_name", "phone"}
    assert (problems["severity"] == "note").all()
    assert "phone" not in k.columns and "respondent_name" not in k.columns and "_uuid" not in k.columns
    c, _ = load_survey(SAMPLES / "aroland" / "survey_endline.csv", SAMPLES / "codebook.yaml", errors="report")
    assert set(c.columns) - set(k.columns) == {"exposed_any"}  # derived, not collected
    pd.testing.assert_frame_equal(k, c[list(k.columns)])


def test_exposed_vs_unexposed_is_biased_by_self_selection(big_aroland):
    """Knowledge has no campaign effect, yet the exposed know more: they were more interested to begin with."""
    data, _ = big_aroland
    end = data["survey_endline"]
    end = end[end["campaign"] == 1].copy()
    # the hidden truth shows the mechanism: the truly exposed are more interested
    assert end.loc[end["_exposed"] == 1, "_interest"].mean() > end.loc[end["_exposed"] == 0, "_interest"].mean() + 0.3
    keyed = {k: 1 if is_true else 2 for k, is_true in synth.KNOWLEDGE}
    end["knowledge_score"] = 100 * sum((end[k] == c).astype(float) for k, c in keyed.items()) / len(keyed)
    d = SurveyDesign(end, weights="weight", strata="stratum", psu="psu")
    est = d.mean("knowledge_score", by="exposed_any", df=np.inf).set_index("exposed_any")
    naive = est.loc[1, "estimate"] - est.loc[0, "estimate"]
    se = np.hypot(est.loc[1, "se"], est.loc[0, "se"])  # conservative: the two domains share PSUs
    assert naive > 3 * se, (naive, se)  # a spurious "effect" of exposure on knowledge (about 4 points)
    # ... while the difference-in-differences finds none (test_knowledge_does_not_move)


# ---- platform metrics: daily reach by district, period (unique) reach, spill-over --------------------------------
@pytest.mark.parametrize("country", list(synth.COUNTRIES))
def test_platform_period_reach_is_consistent_with_daily_metrics(country):
    daily = pd.read_csv(SAMPLES / country / "digital_metrics.csv")
    period = pd.read_csv(SAMPLES / country / "digital_reach.csv")
    frame = pd.read_csv(SAMPLES / country / "frame.csv")
    assert (daily["reach"] <= daily["impressions"]).all() and (daily["clicks"] <= daily["engagements"]).all()
    # the targeting column is the frame's campaign flag
    flag = frame.groupby("district")["campaign"].max()
    assert (daily["targeted"] == daily["district"].map(flag)).all()
    daily["month"] = daily["date"].str[:7]
    monthly = daily.groupby(["platform", "district", "month"])["impressions"].sum()
    months = period[period["period"] != "campaign"].set_index(["platform", "district", "period"])
    np.testing.assert_array_equal(months.loc[monthly.index, "impressions"], monthly)
    camp = period[period["period"] == "campaign"].set_index(["platform", "district"])
    np.testing.assert_array_equal(camp["impressions"], daily.groupby(["platform", "district"])["impressions"].sum()
                                  .loc[camp.index])
    # unique reach over a longer period is at least that of any shorter one, and at most the platform's users
    best_day = daily.groupby(["platform", "district"])["reach"].max()
    best_month = months.groupby(["platform", "district"])["reach"].max()
    assert (camp["reach"] >= best_month.loc[camp.index]).all()
    assert (best_month >= best_day.loc[best_month.index]).all()
    users = frame.groupby("district")["population"].sum()
    share = {p: v[3] for p, v in synth.PLATFORMS.items()}
    cap = [round(users[d] * share[p]) for p, d in camp.index]
    assert (camp["reach"].to_numpy() <= cap).all()
    np.testing.assert_allclose(camp["frequency"], camp["impressions"] / camp["reach"], atol=5e-4)


def test_summed_daily_reach_exceeds_the_population_but_unique_reach_does_not():
    """The trap the sample world teaches: daily reach counts the same accounts again every day."""
    daily = pd.read_csv(SAMPLES / "aroland" / "digital_metrics.csv")
    period = pd.read_csv(SAMPLES / "aroland" / "digital_reach.csv")
    population = pd.read_csv(SAMPLES / "aroland" / "frame.csv")["population"].sum()
    assert daily["reach"].sum() > population
    camp = period[period["period"] == "campaign"]
    assert camp.groupby("platform")["reach"].sum().max() < 0.5 * population


@pytest.mark.parametrize("country", list(synth.COUNTRIES))
def test_online_ads_spill_into_comparison_districts(country):
    daily = pd.read_csv(SAMPLES / country / "digital_metrics.csv")
    share = daily.groupby("targeted")["impressions"].sum()
    spill = share.loc[0] / share.sum()
    # the planted geolocation spill-over (6 %); multinomial noise over ~10^5 impressions is far smaller
    assert spill == pytest.approx(synth.AD_SPILLOVER, abs=0.005)
    assert (daily.loc[daily["targeted"] == 0].groupby("district")["impressions"].sum() > 0).all()


def test_reach_model_matches_a_gamma_poisson_simulation():
    # independent check of the closed form 1 - (1 + m/k)^-k: simulate users with gamma-distributed rates
    # (shape k, mean m), Poisson impressions each, and count the users with at least one impression
    rng = np.random.default_rng(1)
    k = synth.AD_HETEROGENEITY
    for m in (0.05, 1.0, 7.0):
        rates = rng.gamma(k, m / k, size=400_000)
        simulated = (rng.poisson(rates) > 0).mean()
        assert synth._reach_share(np.array([m * 1000.0]), np.array([1000]))[0] == pytest.approx(simulated, abs=3e-3)
