"""Tests for campaign_me.sampling.

Empirical inclusion frequencies
-------------------------------
Several tests draw R = 2000 samples and compare each unit's selection frequency f_i with the
``inclusion_prob`` the function reports. Across independent replications the number of selections of unit i
is Binomial(R, pi_i) whatever the joint design, so f_i has standard error se_i = sqrt(pi_i (1 - pi_i) / R).
We accept |f_i - pi_i| <= 4.5 se_i. Every unit here has R pi_i >= 90, where the normal approximation holds,
and P(|Z| > 4.5) = 6.8e-6; over the ~140 unit-level checks in this file a correct implementation fails with
probability of about 1e-3 for a given set of seeds (the seeds are fixed, so the tests are deterministic).
Since se_i <= 0.011, an error of about 5 percentage points in a unit's pi would be caught; the reported
probabilities themselves are checked exactly against hand-computed values. Units with pi_i = 1 must be
selected every time.
"""

from __future__ import annotations

import doctest
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from campaign_me import sampling
from campaign_me.errors import CampaignMeError, ColumnError, SamplingError
from campaign_me.sampling import allocate, assign, pps_systematic, srs, stratified, systematic, two_stage

REPS = 2000
Z_TOL = 4.5


def _frequencies(draw: Callable[[np.random.Generator], pd.DataFrame], n_units: int, reps: int = REPS):
    """Selection frequency and reported inclusion probability of every unit (frame with a RangeIndex)."""
    rng = np.random.default_rng(20240601)
    counts = np.zeros(n_units)
    pi = np.full(n_units, np.nan)
    drift = 0.0
    for _ in range(reps):
        sample = draw(rng)
        pos = sample.index.to_numpy()
        counts[pos] += 1
        new = sample["inclusion_prob"].to_numpy()
        drift = max(drift, np.nanmax(np.abs(new - pi[pos]), initial=0.0))
        pi[pos] = new
    # a unit's inclusion probability is a property of the design, not of the draw
    assert drift < 1e-12
    return counts / reps, pi


def _assert_frequencies(freq: np.ndarray, pi: np.ndarray, reps: int = REPS) -> None:
    assert not np.isnan(pi).any(), "some units were never selected"
    se = np.sqrt(pi * (1 - pi) / reps)
    certain = pi >= 1
    assert np.all(freq[certain] == 1)
    dev = np.abs(freq - pi)[~certain] / se[~certain]
    assert dev.max() <= Z_TOL, f"largest deviation {dev.max():.2f} se (unit {np.argmax(dev)})"


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "hh": [f"h{i:02d}" for i in range(12)],
            "region": ["North"] * 5 + ["South"] * 7,
            "mos": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 40],
        }
    )


# ------------------------------------------------------------------------------------------------------------
# Common contract
# ------------------------------------------------------------------------------------------------------------

SELECTORS = {
    "srs": lambda f, seed: srs(f, n=4, seed=seed),
    "srs_strata": lambda f, seed: srs(f, n={"North": 2, "South": 3}, strata="region", seed=seed),
    "systematic": lambda f, seed: systematic(f, n=5, seed=seed),
    "stratified": lambda f, seed: stratified(f, strata="region", n=6, seed=seed),
    "pps_systematic": lambda f, seed: pps_systematic(f, size="mos", n=4, seed=seed),
    "two_stage": lambda f, seed: two_stage(f, cluster="region", n_clusters=1, take=3, seed=seed),
    "assign": lambda f, seed: assign(f, blocks="region", seed=seed),
}


@pytest.mark.parametrize("name", SELECTORS)
def test_same_seed_same_sample(frame, name):
    draw = SELECTORS[name]
    pd.testing.assert_frame_equal(draw(frame, 11), draw(frame, 11))
    pd.testing.assert_frame_equal(
        draw(frame, np.random.default_rng(5)), draw(frame, np.random.default_rng(5))
    )


@pytest.mark.parametrize("name", SELECTORS)
def test_frame_untouched_and_result_is_a_copy(frame, name):
    before = frame.copy()
    out = SELECTORS[name](frame, 3)
    pd.testing.assert_frame_equal(frame, before)
    out.iloc[:, 0] = "changed"
    pd.testing.assert_frame_equal(frame, before)
    assert out.index.isin(frame.index).all()


@pytest.mark.parametrize("name", [k for k in SELECTORS if k != "assign"])
def test_weights_are_inverse_probabilities(frame, name):
    out = SELECTORS[name](frame, 8)
    np.testing.assert_allclose(out["design_weight"], 1 / out["inclusion_prob"])
    assert out.index.is_monotonic_increasing  # frame order


def test_errors_are_value_errors():
    assert issubclass(SamplingError, ValueError)
    assert issubclass(SamplingError, CampaignMeError)
    with pytest.raises(ValueError, match="frame must be a pandas DataFrame"):
        srs([1, 2, 3], n=1)


def test_bad_seed_and_empty_frame(frame):
    with pytest.raises(SamplingError, match="seed must be an int"):
        srs(frame, n=2, seed="abc")
    with pytest.raises(SamplingError, match="frame has no rows"):
        srs(frame.iloc[:0], n=1)


def test_existing_output_column_is_not_overwritten(frame):
    with pytest.raises(SamplingError, match="already has column.*'inclusion_prob'"):
        srs(frame.assign(inclusion_prob=0.5), n=2)


def test_string_index_and_pandas_dtypes_survive(frame):
    f = frame.set_index("hh")
    f["region"] = f["region"].astype("category")
    out = stratified(f, strata="region", n=6, seed=1)
    assert out.index.isin(f.index).all()
    assert out["region"].dtype == "category"
    bad = f.assign(mos=f["mos"].where(f.index != "h03", 0))
    with pytest.raises(SamplingError, match=r"row 'h03'"):
        pps_systematic(bad, size="mos", n=2)


def test_docstring_examples_run():
    result = doctest.testmod(sampling, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 7
    assert result.failed == 0


# ------------------------------------------------------------------------------------------------------------
# srs
# ------------------------------------------------------------------------------------------------------------


def test_srs_size_probability_and_weights(frame):
    out = srs(frame, n=4, seed=1)
    assert len(out) == 4
    assert out.index.is_unique
    np.testing.assert_allclose(out["inclusion_prob"], 4 / 12)
    assert out["design_weight"].sum() == pytest.approx(12)


def test_srs_fraction_rounds_up_without_float_noise():
    f = pd.DataFrame({"x": range(30)})
    assert len(srs(f, fraction=0.1, seed=1)) == 3  # 0.1 * 30 = 3.0000000000000004 must not become 4
    assert len(srs(f, fraction=0.11, seed=1)) == 4  # 3.3 -> ceil -> 4
    assert len(srs(f, fraction=1, seed=1)) == 30


def test_srs_strata_int_is_per_stratum_and_mapping(frame):
    out = srs(frame, n=2, strata="region", seed=1)
    assert out["region"].value_counts().to_dict() == {"North": 2, "South": 2}
    out = srs(frame, n={"North": 1, "South": 4}, strata="region", seed=1)
    assert out.groupby("region")["design_weight"].sum().to_dict() == pytest.approx({"North": 5, "South": 7})


def test_srs_inclusion_frequencies(frame):
    freq, pi = _frequencies(lambda rng: srs(frame, n={"North": 2, "South": 3}, strata="region", seed=rng), 12)
    np.testing.assert_allclose(pi, [2 / 5] * 5 + [3 / 7] * 7)
    assert pi.sum() == pytest.approx(5)
    _assert_frequencies(freq, pi)


def test_srs_errors(frame):
    with pytest.raises(SamplingError, match="exactly one of n"):
        srs(frame, n=2, fraction=0.5)
    with pytest.raises(SamplingError, match="exactly one of n"):
        srs(frame)
    with pytest.raises(SamplingError, match="frame has 12 units but 13 were requested"):
        srs(frame, n=13)
    with pytest.raises(SamplingError, match="stratum 'North' has 5 units but 6 were requested"):
        srs(frame, n=6, strata="region")
    with pytest.raises(SamplingError, match=r"n names strata that are not in the frame: 'Nord'"):
        srs(frame, n={"Nord": 1, "North": 1, "South": 1}, strata="region")
    with pytest.raises(SamplingError, match=r"n has no entry for .*'South'"):
        srs(frame, n={"North": 1}, strata="region")
    with pytest.raises(SamplingError, match=r"n=2.5 must be a whole number; round sample sizes up with math.ceil"):
        srs(frame, n=2.5)
    with pytest.raises(SamplingError, match=r"fraction must be in \(0, 1\]"):
        srs(frame, fraction=1.5)
    with pytest.raises(ColumnError, match="strata: column.*'regio'.*did you mean 'region'"):
        srs(frame, n=1, strata="regio")
    with pytest.raises(SamplingError, match=r"missing values in rows 2, 5; every row needs a stratum"):
        srs(frame.assign(region=frame["region"].where(~frame.index.isin([2, 5]))), n=1, strata="region")


# ------------------------------------------------------------------------------------------------------------
# systematic
# ------------------------------------------------------------------------------------------------------------


def test_systematic_fractional_interval_gives_exactly_n():
    f = pd.DataFrame({"x": range(47)})
    for seed in range(50):
        out = systematic(f, n=5, seed=seed)
        assert len(out) == 5
        gaps = np.diff(out.index.to_numpy())
        assert set(gaps) <= {9, 10}  # k = 47/5 = 9.4: consecutive picks are floor(k) or ceil(k) apart
    np.testing.assert_allclose(out["inclusion_prob"], 5 / 47)


def test_systematic_sort_by_walks_the_sorted_list(frame):
    shuffled = frame.sample(frac=1, random_state=3)
    by_column = systematic(shuffled, n=3, sort_by="mos", seed=9)
    presorted = systematic(shuffled.sort_values("mos"), n=3, seed=9)
    assert sorted(by_column.index) == sorted(presorted.index)
    assert list(by_column.index) == [i for i in shuffled.index if i in set(by_column.index)]  # frame order


def test_systematic_inclusion_frequencies():
    f = pd.DataFrame({"x": range(11)})
    freq, pi = _frequencies(lambda rng: systematic(f, n=4, seed=rng), 11)
    np.testing.assert_allclose(pi, 4 / 11)
    _assert_frequencies(freq, pi)


def test_systematic_errors(frame):
    with pytest.raises(SamplingError, match="frame has 12 units but n=13 were requested"):
        systematic(frame, n=13)
    with pytest.raises(SamplingError, match="n=0 must be at least 1"):
        systematic(frame, n=0)
    with pytest.raises(ColumnError, match="sort_by"):
        systematic(frame, n=2, sort_by="district")


# ------------------------------------------------------------------------------------------------------------
# allocate
# ------------------------------------------------------------------------------------------------------------

POP = {"North": 100, "Centre": 200, "South": 300}


def test_allocate_closed_forms():
    # Proportional: n_h = 60 * N_h / 600 = 10, 20, 30.
    assert allocate(POP, 60).to_dict() == {"North": 10, "Centre": 20, "South": 30}
    # Neyman (Cochran 1977, ch. 5: n_h = n N_h S_h / sum N_h S_h), by hand: with S_h = 30, 20, 10 the
    # products N_h S_h are 3000, 4000, 3000 (sum 10000), so n_h = 60 * (0.3, 0.4, 0.3) = 18, 24, 18.
    sd = {"North": 30, "Centre": 20, "South": 10}
    assert allocate(POP, 60, method="neyman", sd=sd).to_dict() == {"North": 18, "Centre": 24, "South": 18}
    # Optimal with costs c_h = 1, 4, 9: N_h S_h / sqrt(c_h) = 3000, 2000, 1000 (sum 6000) -> 30, 20, 10.
    out = allocate(POP, 60, method="optimal", sd=sd, cost={"North": 1, "Centre": 4, "South": 9})
    assert out.to_dict() == {"North": 30, "Centre": 20, "South": 10}
    # Equal costs make optimal the Neyman allocation.
    assert allocate(POP, 60, method="optimal", sd=sd, cost=5).equals(
        allocate(POP, 60, method="neyman", sd=sd)
    )
    assert allocate(POP, 61, method="equal").tolist() == [21, 20, 20]


def test_allocate_largest_remainder():
    # 7 * (0.5, 0.3, 0.2) = 3.5, 2.1, 1.4 -> floors 3, 2, 1 (sum 6); the one left over goes to the largest
    # remainder (0.5), giving 4, 2, 1. Plain rounding would give 4, 2, 1 here but 2, 2, 2 -> 6 for n=7 and
    # three equal strata; largest remainder gives 3, 2, 2 (ties go to the first stratum).
    assert allocate({"a": 50, "b": 30, "c": 20}, 7).tolist() == [4, 2, 1]
    assert allocate({"a": 10, "b": 10, "c": 10}, 7).tolist() == [3, 2, 2]
    out = allocate(pd.Series([5, 10, 20], index=pd.Index(["x", "y", "z"], name="district")), 4)
    assert out.index.name == "district" and out.name == "n" and out.dtype == np.int64


def test_allocate_caps_at_population_and_redistributes():
    # Neyman weights N_h S_h = 500, 100, 100 would give 14.3, 2.9, 2.9 of 20, but stratum a has only 5 units:
    # it is taken whole and the other 15 are split 7.5, 7.5 -> 8, 7 (tie: first stratum).
    out = allocate({"a": 5, "b": 100, "c": 100}, 20, method="neyman", sd={"a": 100, "b": 1, "c": 1})
    assert out.tolist() == [5, 8, 7]
    assert allocate({"a": 5, "b": 10}, 15).tolist() == [5, 10]


def test_allocate_minimum_and_maximum():
    # proportional 20 * (100, 100, 1000)/1200 = 1.7, 1.7, 16.7: the small strata are raised to 5.
    assert allocate({"a": 100, "b": 100, "c": 1000}, 20, minimum=5).tolist() == [5, 5, 10]
    # a stratum smaller than the minimum is taken whole; the rest share 17 equally (8.5, 8.5 -> 9, 8)
    assert allocate({"a": 3, "b": 100, "c": 100}, 20, minimum=5).tolist() == [3, 9, 8]
    assert allocate({"a": 100, "b": 100, "c": 1000}, 20, maximum=8).tolist() == [6, 6, 8]
    assert allocate(POP, 30, minimum={"North": 12, "Centre": 0, "South": 0}).tolist() == [12, 7, 11]


def test_allocate_random_cases_are_consistent():
    rng = np.random.default_rng(1)
    for _ in range(200):
        h = int(rng.integers(1, 8))
        pop = dict(zip(range(h), rng.integers(0, 60, size=h).tolist(), strict=True))
        total = sum(pop.values())
        if total == 0:
            continue
        sd = dict(zip(range(h), rng.uniform(0.1, 5, size=h).tolist(), strict=True))
        minimum = int(rng.integers(0, 4))
        n = int(rng.integers(sum(min(minimum, v) for v in pop.values()), total + 1))
        out = allocate(pop, n, method="neyman", sd=sd, minimum=minimum)
        assert out.sum() == n
        assert (out <= pd.Series(pop)).all()
        assert (out >= np.minimum(minimum, pd.Series(pop))).all()


def test_allocate_errors():
    with pytest.raises(
        SamplingError, match=r"n=10 is too small for minimum=5 in each of 3 strata \(needs at least 15\)"
    ):
        allocate(POP, 10, minimum=5)
    with pytest.raises(SamplingError, match="n=601 exceeds the population: at most 600 units"):
        allocate(POP, 601)
    with pytest.raises(SamplingError, match="method='neyman' needs sd"):
        allocate(POP, 10, method="neyman")
    with pytest.raises(SamplingError, match="method='optimal' needs cost"):
        allocate(POP, 10, method="optimal", sd=1)
    with pytest.raises(SamplingError, match="sd is used only by method='neyman' or 'optimal'"):
        allocate(POP, 10, sd={"North": 1, "Centre": 1, "South": 1})
    with pytest.raises(SamplingError, match="method must be one of"):
        allocate(POP, 10, method="neymann")
    with pytest.raises(SamplingError, match=r"sd has no value for stratum/strata 'South'"):
        allocate(POP, 10, method="neyman", sd={"North": 1, "Centre": 1})
    with pytest.raises(SamplingError, match=r"sd must be finite and >= 0; strata 'Centre' have -1"):
        allocate(POP, 10, method="neyman", sd={"North": 1, "Centre": -1, "South": 1})
    with pytest.raises(SamplingError, match=r"cost must be finite and > 0"):
        allocate(POP, 10, method="optimal", sd=1, cost={"North": 1, "Centre": 0, "South": 1})
    with pytest.raises(SamplingError, match="strata 'Centre', 'South' have weight 0"):
        allocate(POP, 150, method="neyman", sd={"North": 1, "Centre": 0, "South": 0})
    with pytest.raises(SamplingError, match="population_sizes is empty"):
        allocate({}, 1)
    with pytest.raises(SamplingError, match="maximum is below minimum"):
        allocate(POP, 10, minimum=3, maximum=2)


# ------------------------------------------------------------------------------------------------------------
# stratified
# ------------------------------------------------------------------------------------------------------------


def test_stratified_allocates_and_weights_sum_to_strata():
    f = pd.DataFrame({"region": ["North"] * 100 + ["Centre"] * 200 + ["South"] * 300})
    out = stratified(f, strata="region", n=60, method="neyman", sd={"North": 30, "Centre": 20, "South": 10})
    assert out["region"].value_counts().to_dict() == {"North": 18, "Centre": 24, "South": 18}
    assert out.groupby("region")["design_weight"].sum().to_dict() == pytest.approx(
        {"North": 100, "Centre": 200, "South": 300}
    )
    assert out["design_weight"].sum() == pytest.approx(600)


def test_stratified_several_columns_use_tuple_keys():
    f = pd.DataFrame({"region": ["N", "N", "N", "S", "S", "S"] * 2, "area": ["urban"] * 6 + ["rural"] * 6})
    out = stratified(
        f,
        strata=["region", "area"],
        n={("N", "urban"): 1, ("S", "urban"): 2, ("N", "rural"): 3, ("S", "rural"): 0},
        seed=1,
    )
    assert out.groupby(["region", "area"]).size().to_dict() == {
        ("N", "rural"): 3,
        ("N", "urban"): 1,
        ("S", "urban"): 2,
    }
    # a total: 6 * 3/12 = 1.5 in each of four strata -> 2, 2, 1, 1 (ties to the strata met first)
    out = stratified(f, strata=["region", "area"], n=6, seed=1)
    assert out.groupby(["region", "area"], sort=False).size().tolist() == [2, 2, 1, 1]
    assert out["design_weight"].sum() == pytest.approx(12)


def test_stratified_inclusion_frequencies(frame):
    def draw(rng):
        return stratified(frame, strata="region", n=6, method="neyman", sd={"North": 1, "South": 2}, seed=rng)

    freq, pi = _frequencies(draw, 12)
    # N_h S_h = 5, 14 -> 6 * (5/19, 14/19) = 1.58, 4.42 -> floors 1, 4, remainder to North (0.58 > 0.42): 2, 4
    np.testing.assert_allclose(pi, [2 / 5] * 5 + [4 / 7] * 7)
    assert pi.sum() == pytest.approx(6)
    _assert_frequencies(freq, pi)


def test_stratified_errors(frame):
    with pytest.raises(SamplingError, match="stratum 'North' has 5 units but 6 were requested"):
        stratified(frame, strata="region", n={"North": 6, "South": 1})
    with pytest.raises(SamplingError, match="n is a mapping of stratum sizes, so sd, cost and minimum"):
        stratified(frame, strata="region", n={"North": 1, "South": 1}, minimum=1)
    with pytest.raises(SamplingError, match="n=13 exceeds the population"):
        stratified(frame, strata="region", n=13)


# ------------------------------------------------------------------------------------------------------------
# pps_systematic
# ------------------------------------------------------------------------------------------------------------


def test_pps_probabilities_with_certainty(frame):
    out = pps_systematic(frame, size="mos", n=4, seed=1)
    # M = 106, n M_12 / M = 4 * 40/106 = 1.51 >= 1: unit 11 is a certainty unit; then n = 3 over M = 66.
    assert len(out) == 4
    assert out.loc[11, "certainty"] and out.loc[11, "inclusion_prob"] == 1
    rest = out.drop(index=11)
    np.testing.assert_allclose(rest["inclusion_prob"], 3 * rest["mos"] / 66)
    assert not rest["certainty"].any()


def test_pps_certainty_is_iterative():
    f = pd.DataFrame({"mos": [100, 60, 10, 10, 10, 10]})
    # 3*100/200 = 1.5 -> certain; then 2*60/100 = 1.2 -> certain; then 1 over 40: 0.25 each.
    out = pps_systematic(f, size="mos", n=3, seed=2)
    assert out["certainty"].sum() == 2 and out.loc[[0, 1], "certainty"].all()
    np.testing.assert_allclose(out["inclusion_prob"].iloc[2], 0.25)


def test_pps_inclusion_frequencies(frame):
    freq, pi = _frequencies(lambda rng: pps_systematic(frame, size="mos", n=4, seed=rng), 12)
    expected = np.r_[3 * frame["mos"].to_numpy()[:11] / 66, 1.0]
    np.testing.assert_allclose(pi, expected)
    assert pi.sum() == pytest.approx(4)
    _assert_frequencies(freq, pi)


def test_pps_strata_inclusion_frequencies(frame):
    def draw(rng):
        return pps_systematic(frame, size="mos", n={"North": 2, "South": 1}, strata="region", seed=rng)

    freq, pi = _frequencies(draw, 12)
    mos = frame["mos"].to_numpy()
    np.testing.assert_allclose(pi, np.r_[2 * mos[:5] / 15, mos[5:] / 91])
    _assert_frequencies(freq, pi)


def test_pps_sort_by_is_the_same_as_presorting(frame):
    shuffled = frame.sample(frac=1, random_state=7)
    a = pps_systematic(shuffled, size="mos", n=3, sort_by="hh", seed=4)
    b = pps_systematic(shuffled.sort_values("hh"), size="mos", n=3, seed=4)
    assert sorted(a.index) == sorted(b.index)


def test_pps_errors(frame):
    with pytest.raises(SamplingError, match=r"n\*M_i/M > 1 \(row 11\).*certainty=True"):
        pps_systematic(frame, size="mos", n=4, certainty=False)
    bad = frame.assign(mos=frame["mos"].astype(float).where(frame.index != 3))
    with pytest.raises(
        SamplingError, match=r"column 'mos' has 1 missing or infinite measure\(s\) of size \(row 3\)"
    ):
        pps_systematic(bad, size="mos", n=2)
    bad = frame.assign(mos=frame["mos"].where(~frame.index.isin([0, 7]), [-1] * 12))
    with pytest.raises(SamplingError, match=r"2 non-positive measure\(s\) of size \(rows 0, 7: -1\)"):
        pps_systematic(bad, size="mos", n=2)
    with pytest.raises(SamplingError, match="must be numeric"):
        pps_systematic(frame, size="hh", n=2)
    with pytest.raises(SamplingError, match="stratum 'North' has 5 units but 6 were requested"):
        pps_systematic(frame, size="mos", n=6, strata="region")
    with pytest.raises(SamplingError, match=r"duplicate cluster ids 'North', 'South' \(rows 0, 1, 2, 3"):
        pps_systematic(frame, size="mos", n=2, cluster="region")
    with pytest.raises(ColumnError, match="size: column"):
        pps_systematic(frame, size="households", n=2)


# ------------------------------------------------------------------------------------------------------------
# two_stage
# ------------------------------------------------------------------------------------------------------------


def _listing(sizes: list[int], strata: list[str] | None = None) -> pd.DataFrame:
    village = np.repeat([f"v{i}" for i in range(len(sizes))], sizes)
    f = pd.DataFrame({"village": village, "hh": np.arange(len(village))})
    if strata is not None:
        f["district"] = np.repeat(strata, sizes)
    return f


def test_two_stage_is_self_weighting():
    f = _listing([20, 30, 25, 40, 35, 50], strata=["X", "X", "X", "Y", "Y", "Y"])
    out = two_stage(f, cluster="village", n_clusters=2, take=10, strata="district", seed=3)
    assert len(out) == 40
    assert out.groupby("village").size().eq(10).all()
    # w = M_h / (n_h m): 75 / 20 in district X and 125 / 20 in district Y, the same for every unit
    expected = np.where(out["district"] == "X", 75 / 20, 125 / 20)
    np.testing.assert_allclose(out["design_weight"], expected)
    assert out["design_weight"].sum() == pytest.approx(len(f))  # Horvitz-Thompson estimate of N is exact
    np.testing.assert_allclose(out["inclusion_prob"], out["prob_stage1"] * out["prob_stage2"])


def test_two_stage_census_size_column():
    f = _listing([10, 10, 10, 10])
    f["census"] = np.repeat([100, 200, 300, 400], 10)
    out = two_stage(f, cluster="village", size="census", n_clusters=1, take=4, seed=1)
    v = out["village"].iloc[0]
    census = {"v0": 100, "v1": 200, "v2": 300, "v3": 400}[v]
    np.testing.assert_allclose(out["prob_stage1"], census / 1000)
    np.testing.assert_allclose(out["prob_stage2"], 0.4)


def test_two_stage_inclusion_frequencies_and_unbiased_total():
    f = _listing([2, 4, 6, 8, 30])
    # stage 1: 2*30/50 = 1.2 -> v4 certain; then 1 cluster over M = 20: 0.1, 0.2, 0.3, 0.4.
    # stage 2 with m = 3: min(3, M')/M' = 1, 0.75, 0.5, 0.375, 0.1.
    expected = np.repeat([0.1 * 1, 0.2 * 0.75, 0.3 * 0.5, 0.4 * 0.375, 1 * 0.1], [2, 4, 6, 8, 30])
    totals = []

    def draw(rng):
        out = two_stage(f, cluster="village", n_clusters=2, take=3, seed=rng)
        totals.append(out["design_weight"].sum())
        return out

    freq, pi = _frequencies(draw, len(f))
    np.testing.assert_allclose(pi, expected)
    _assert_frequencies(freq, pi)
    # E[sum of weights] = N (Horvitz-Thompson); same 4.5-standard-error rule on the mean of 2000 totals
    totals = np.asarray(totals)
    assert abs(totals.mean() - len(f)) <= Z_TOL * totals.std(ddof=1) / np.sqrt(len(totals))


def test_two_stage_certainty_column():
    out = two_stage(_listing([2, 4, 6, 8, 30]), cluster="village", n_clusters=2, take=3, seed=0)
    assert out.loc[out["village"] == "v4", "certainty"].all()
    assert (out.loc[out["village"] == "v4", "prob_stage1"] == 1).all()


def test_two_stage_errors():
    f = _listing([3, 3, 3], strata=["X", "X", "Y"])
    with pytest.raises(SamplingError, match="stratum 'Y' has 1 cluster but 2 were requested"):
        two_stage(f, cluster="village", n_clusters=2, take=1, strata="district")
    g = f.assign(district=np.where(f["hh"] == 4, "Y", f["district"]))
    with pytest.raises(SamplingError, match=r"stratum varies within cluster\(s\) 'v1'"):
        two_stage(g, cluster="village", n_clusters=1, take=1, strata="district")
    g = f.assign(census=np.where(f["hh"] == 0, 7, 9))
    with pytest.raises(SamplingError, match=r"column 'census' varies within cluster\(s\) 'v0'"):
        two_stage(g, cluster="village", size="census", n_clusters=1, take=1)
    g = f.assign(village=f["village"].where(f["hh"] != 8))
    with pytest.raises(SamplingError, match="missing cluster ids in row 8"):
        two_stage(g, cluster="village", n_clusters=1, take=1)
    with pytest.raises(SamplingError, match="take=0 must be at least 1"):
        two_stage(f, cluster="village", n_clusters=1, take=0)
    with pytest.raises(SamplingError, match="frame has 3 clusters but 4 were requested"):
        two_stage(f, cluster="village", n_clusters=4, take=1)


# ------------------------------------------------------------------------------------------------------------
# assign
# ------------------------------------------------------------------------------------------------------------


def test_assign_balanced_within_blocks(frame):
    out = assign(frame, blocks="region", seed=2)
    assert len(out) == len(frame) and out.index.equals(frame.index)
    counts = out.groupby("region")["arm"].value_counts().unstack()
    assert counts.loc["North"].sort_values().tolist() == [2, 3]
    assert counts.loc["South"].sort_values().tolist() == [3, 4]
    assert (out["assignment_prob"] == 0.5).all()
    assert "inclusion_prob" not in out.columns


def test_assign_whole_clusters():
    f = _listing([3, 2, 4, 1, 5, 2], strata=["X", "X", "X", "X", "Y", "Y"])
    out = assign(f, cluster="village", blocks="district", arms=[0, 1], seed=1, column="treated")
    assert out.groupby("village")["treated"].nunique().eq(1).all()
    per_cluster = out.drop_duplicates("village")
    assert per_cluster.groupby("district")["treated"].sum().to_dict() == {"X": 2, "Y": 1}
    assert out["treated"].dtype == np.int64


def test_assign_frequencies_match_probabilities():
    f = pd.DataFrame({"block": ["a"] * 7 + ["b"] * 4})
    probs = [0.5, 0.3, 0.2]
    rng = np.random.default_rng(7)
    hits = np.zeros((len(f), 3))
    in_a = (f["block"] == "a").to_numpy()
    for _ in range(REPS):
        out = assign(f, arms=["x", "y", "z"], probs=probs, blocks="block", seed=rng)
        codes = np.searchsorted(["x", "y", "z"], out["arm"].to_numpy())
        hits[np.arange(len(f)), codes] += 1
        # 7 * p = 3.5, 2.1, 1.4 and 4 * p = 2, 1.2, 0.8: counts are the floor or one more
        for mask, size in ((in_a, 7), (~in_a, 4)):
            extra = np.bincount(codes[mask], minlength=3) - np.floor(size * np.asarray(probs) + 1e-9)
            assert extra.min() >= 0 and extra.max() <= 1
    np.testing.assert_allclose(out["assignment_prob"], out["arm"].map(dict(zip("xyz", probs, strict=True))))
    freq = hits / REPS
    p = np.tile(probs, (len(f), 1))
    assert (np.abs(freq - p) / np.sqrt(p * (1 - p) / REPS)).max() <= Z_TOL


def test_assign_errors(frame):
    with pytest.raises(SamplingError, match=r"probs must sum to 1, but \[0.5, 0.6\] sum to 1.1"):
        assign(frame, probs=[0.5, 0.6])
    with pytest.raises(SamplingError, match="probs has 3 values but there are 2 arms"):
        assign(frame, probs=[0.2, 0.3, 0.5])
    with pytest.raises(SamplingError, match="arms needs at least two labels"):
        assign(frame, arms=["only"])
    with pytest.raises(SamplingError, match="arms must be distinct"):
        assign(frame, arms=["a", "a"])
    with pytest.raises(SamplingError, match="already has column.*'region'"):
        assign(frame, column="region")
    with pytest.raises(SamplingError, match=r"block varies within cluster\(s\) 'v0'"):
        assign(_listing([2, 2]).assign(b=["p", "q", "p", "p"]), cluster="village", blocks="b")
    with pytest.raises(ColumnError, match="blocks: column"):
        assign(frame, blocks="district")


def test_stratified_refuses_to_leave_a_stratum_out():
    # 1000 + 10 units, n = 50 proportional: round(50 * 10 / 1010) = 0 for 'b' -> undercoverage
    frame = pd.DataFrame({"s": ["a"] * 1000 + ["b"] * 10})
    with pytest.raises(SamplingError, match=r"stratum 'b' \(10 units\) would get no sampled units.*minimum=1"):
        stratified(frame, strata="s", n=50, seed=1)
    sample = stratified(frame, strata="s", n=50, minimum=1, seed=1)
    assert sample["s"].value_counts().to_dict() == {"a": 49, "b": 1}
    assert sample["design_weight"].sum() == pytest.approx(1010)
