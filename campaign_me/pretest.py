"""Message pretests: compare randomised message variants, unweighted, pair by pair.

A message pretest shows each respondent one variant of a message (a poster, a radio spot) at
random and asks comprehension, credibility and intention questions; often it also asks which
variant they preferred. It is a small experiment, not a survey of a population, so its
comparisons are unweighted (every respondent counts once) and use the textbook two-group tests:
a chi-squared test and Cohen's h for 0/1 outcomes, Welch's t-test and Cohen's d for scores
(Cohen 1988, *Statistical Power Analysis for the Behavioral Sciences*, ch. 2 and 6).

:func:`message_pretest` returns a :class:`PretestResult`: ``.table`` (one row per outcome and
pair of variants), ``.ranking`` (variants by the primary outcome), ``.vote_ranking`` and
``.vote_agrees`` (whether the preference vote picks the variant that leads on the primary
outcome; it often does not, O'Keefe 2021), with ``.to_frame()`` and ``.summary()`` like the
results of :mod:`campaign_me.evaluation` and :mod:`campaign_me.evidence`.

References: O'Keefe, D. J. (2021) "Persuasive message pretesting using non-behavioral outcomes:
differences in attitudinal and intention effects as diagnostic of differences in behavioral
effects", *Journal of Communication* 71(4); Holm, S. (1979) "A simple sequentially rejective
multiple test procedure", *Scand. J. Statist.* 6(2).
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .conventions import check_choice
from .deferred import Deferred
from .errors import DataError, describe_values, require_columns

pg = Deferred("pingouin")  # deferred: imports scipy, statsmodels and more (seconds); only the tests use it
multitest = Deferred("statsmodels.stats.multitest")  # deferred: statsmodels takes about 2 s to import
proportion = Deferred("statsmodels.stats.proportion")  # deferred: as multitest; only Cohen's h uses it

__all__ = ["PretestResult", "message_pretest", "PRETEST_COLUMNS", "PADJUST"]

#: Columns of :attr:`PretestResult.table`, in order.
PRETEST_COLUMNS = (
    "outcome", "variant_a", "variant_b", "mean_a", "mean_b", "difference", "test", "statistic", "p_value",
    "p_adjusted", "effect_size", "effect_size_type",
)

#: Adjustments of the p-values across the pairs of one outcome.
PADJUST = ("holm", "fdr_bh", "none")


@dataclass(frozen=True, eq=False)
class PretestResult:
    """The pairwise comparisons of a message pretest and the rankings of its variants.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per outcome and pair of variants (:data:`PRETEST_COLUMNS`).
    primary : str
        The outcome the variants are ranked by.
    ranking : tuple of str
        Variants by their mean on ``primary``, best first.
    vote_ranking : tuple of str or None
        Variants by the number of respondents who preferred them (None without a preference).
    vote_agrees : bool or None
        Whether the vote's first variant is the first on ``primary`` (None without a preference).
    """

    table: pd.DataFrame = field(repr=False)
    primary: str
    ranking: tuple[str, ...]
    vote_ranking: tuple[str, ...] | None = None
    vote_agrees: bool | None = None

    def to_frame(self) -> pd.DataFrame:
        """The pairwise table (a copy), one row per outcome and pair of variants."""
        return self.table.copy()

    def summary(self) -> str:
        """A plain-language paragraph: the best variant on the primary outcome and what the vote says."""
        best = self.ranking[0]
        rows = self.table[(self.table["outcome"] == self.primary)
                          & ((self.table["variant_a"] == best) | (self.table["variant_b"] == best))]
        clear = int((rows["p_adjusted"] < 0.05).sum())
        text = (f"On {self.primary}, {best} ranks first of {len(self.ranking)} variants; it differs from "
                f"{clear} of the other {len(rows)} at adjusted p < 0.05.")
        if self.vote_ranking is not None:
            if self.vote_agrees:
                text += f" The preference vote also picks {self.vote_ranking[0]}."
            else:
                text += (f" The preference vote picks {self.vote_ranking[0]} instead: what people say they like "
                         f"is a poor guide to what moves {self.primary}.")
        return text

    @property
    def attrs(self) -> dict:
        """Deprecated: the rankings as the DataFrame attributes of earlier versions; use the attributes."""
        warnings.warn(
            "message_pretest(...).attrs is deprecated and will be removed in the next release; use "
            ".ranking, .vote_ranking and .vote_agrees (and .table for the pairwise table)",
            DeprecationWarning,
            stacklevel=2,
        )
        return _attrs(self)

    def __getattr__(self, name: str):
        # the DataFrame that message_pretest returned before: its public methods keep working for one
        # release (private and display hooks such as _repr_html_ are not delegated)
        if name.startswith("_") or name == "table":
            raise AttributeError(name)
        if hasattr(pd.DataFrame, name):
            warnings.warn(
                f"message_pretest(...) now returns a PretestResult; .{name} on it is deprecated and will be "
                f"removed in the next release: use message_pretest(...).table.{name}",
                DeprecationWarning,
                stacklevel=2,
            )
            return getattr(self.table, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __getitem__(self, key):
        warnings.warn(
            "message_pretest(...) now returns a PretestResult; indexing it is deprecated and will be removed "
            "in the next release: index message_pretest(...).table",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.table[key]

    def __len__(self) -> int:
        warnings.warn(
            "message_pretest(...) now returns a PretestResult; len() of it is deprecated and will be removed "
            "in the next release: use len(message_pretest(...).table)",
            DeprecationWarning,
            stacklevel=2,
        )
        return len(self.table)

    def __bool__(self) -> bool:  # a result is a result, whatever len() said of the DataFrame before
        return True


def _attrs(result: PretestResult) -> dict:
    out: dict = {"ranking": list(result.ranking)}
    if result.vote_ranking is not None:
        out["vote_ranking"] = list(result.vote_ranking)
        out["vote_agrees"] = result.vote_agrees
    return out


def _pair_test(pair: pd.DataFrame, a: str, b: str, means: pd.Series, binary: bool) -> dict:
    """Test statistic, p-value and effect size of variant ``a`` against ``b`` on one outcome."""
    if binary:
        ct_in = pair.assign(y=pair["y"].astype(int).astype(str))
        if ct_in["y"].nunique() < 2:
            stat, p = np.nan, 1.0
        else:
            _, _, st = pg.chi2_independence(ct_in, x="v", y="y", correction=False)
            stat, p = float(st.loc[0, "chi2"]), float(st.loc[0, "pval"])
        es = float(proportion.proportion_effectsize(means[a], means[b]))
        return {"test": "chi2", "statistic": stat, "p_value": p, "effect_size": es, "effect_size_type": "cohen_h"}
    res = pg.pairwise_tests(pair, dv="y", between="v", parametric=True, correction=True, effsize="cohen")
    stat = float(res.loc[0, "T"])
    p = float(res.loc[0, "p_unc"] if "p_unc" in res else res.loc[0, "p-unc"])
    sign = 1.0 if str(res.loc[0, "A"]) == a else -1.0
    es = float(res.loc[0, "cohen"]) * sign if "cohen" in res else np.nan
    return {"test": "welch_t", "statistic": stat * sign, "p_value": p, "effect_size": es,
            "effect_size_type": "cohen_d"}


def message_pretest(
    data: pd.DataFrame,
    *,
    variant: str,
    outcomes: Sequence[str],
    preference: str | None = None,
    primary: str | None = None,
    padjust: str = "holm",
) -> PretestResult:
    """Compare randomised message variants pairwise on each outcome.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent of the (unweighted, individually randomised) pretest.
    variant : str
        Column of the variant each respondent saw.
    outcomes : list of str
        Outcome columns: 0/1 outcomes are compared with a chi-squared test (pingouin
        ``chi2_independence``) and Cohen's h; others with Welch's t-test (pingouin
        ``pairwise_tests``) and Cohen's d.
    preference : str, optional
        Column of the variant each respondent said they preferred. The result then says whether
        the vote ranks the variants as ``primary`` does.
    primary : str, optional
        The outcome whose ranking the vote is checked against (default: the last outcome,
        usually stated intention, which predicts behaviour best; O'Keefe 2021).
    padjust : {"holm", "fdr_bh", "none"}, default "holm"
        Adjustment of the p-values across the pairs of one outcome.

    Returns
    -------
    PretestResult
        ``.table``: ``outcome, variant_a, variant_b, mean_a, mean_b, difference, test, statistic,
        p_value, p_adjusted, effect_size, effect_size_type``; ``.ranking`` (variants by the
        primary outcome), ``.vote_ranking`` and ``.vote_agrees``. Until the next release
        ``.table.attrs`` also holds the rankings (``ranking``, ``vote_ranking``, ``vote_agrees``), as
        the DataFrame this function returned before; that use is deprecated.

    Examples
    --------
    >>> p = pd.read_csv("data/samples/aroland/pretest.csv")
    >>> r = message_pretest(p, variant="variant", outcomes=["comprehension", "credibility", "intention_safe"],
    ...                     preference="preferred_variant")
    >>> r.ranking[0], r.vote_ranking[0], r.vote_agrees
    ('A_testimony', 'C_drama', False)
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data: expected a pandas DataFrame, got {type(data).__name__}")
    outcomes = [outcomes] if isinstance(outcomes, str) else list(outcomes)
    require_columns(data, [variant, *outcomes] + ([preference] if preference else []), argument="message_pretest")
    check_choice(padjust, PADJUST, argument="padjust", error=DataError)
    levels = sorted(data[variant].dropna().astype(str).unique())
    if len(levels) < 2:
        raise DataError(f"variant={variant!r}: needs at least two variants, found {describe_values(levels)}")
    primary = primary or outcomes[-1]
    if primary not in outcomes:
        raise DataError(f"primary={primary!r} is not one of the outcomes {describe_values(outcomes)}")
    frame = data.assign(**{variant: data[variant].astype(str)})
    recs = []
    for out in outcomes:
        col = pd.to_numeric(frame[out], errors="coerce")
        if col.notna().sum() == 0:
            raise DataError(f"outcome {out!r} has no numeric values")
        binary = bool(col.dropna().isin([0, 1]).all())
        sub = pd.DataFrame({"v": frame[variant], "y": col}).dropna()
        means = sub.groupby("v")["y"].mean()
        for a, b in itertools.combinations(levels, 2):
            pair = sub[sub["v"].isin([a, b])]
            recs.append({"outcome": out, "variant_a": a, "variant_b": b, "mean_a": float(means[a]),
                         "mean_b": float(means[b]), "difference": float(means[a] - means[b]),
                         **_pair_test(pair, a, b, means, binary)})
    table = pd.DataFrame(recs)
    table["p_adjusted"] = table["p_value"]
    if padjust != "none":
        for out in outcomes:
            m = table["outcome"] == out
            table.loc[m, "p_adjusted"] = multitest.multipletests(table.loc[m, "p_value"].to_numpy(), method=padjust)[1]
    table = table[list(PRETEST_COLUMNS)]
    means = pd.to_numeric(frame[primary], errors="coerce").groupby(frame[variant]).mean()
    ranking = tuple(means.sort_values(ascending=False, kind="stable").index)
    vote_ranking = vote_agrees = None
    if preference:
        votes = frame[preference].dropna().astype(str).value_counts().reindex(levels, fill_value=0)
        vote_ranking = tuple(votes.sort_values(ascending=False, kind="stable").index)
        vote_agrees = vote_ranking[0] == ranking[0]
    result = PretestResult(table=table, primary=primary, ranking=ranking, vote_ranking=vote_ranking,
                           vote_agrees=vote_agrees)
    table.attrs.update(_attrs(result))  # deprecated (the DataFrame returned before); removed next release
    return result
