"""How strong is the evidence: the design's grade, and several outcomes tested at once.

- :func:`evidence_strength` scores a design on the Maryland Scientific Methods Scale (levels 1-5),
  with the key identifying assumption and the threats to check (Madaleno & Waights / What Works
  Centre for Local Economic Growth (2016) *Guide to scoring evidence using the Maryland Scientific
  Methods Scale*); it returns an :class:`EvidenceStrength` with ``.to_frame()`` and ``.summary()``,
  like the results of :mod:`campaign_me.evaluation`.
- :func:`adjust_pvalues` flags the pre-registered primary outcome and adjusts the p-values of the
  others for multiplicity (Holm 1979; Benjamini & Hochberg 1995), taking the results of
  :mod:`campaign_me.evaluation` or any table with ``outcome`` and ``p_value``.

Neither needs the survey: both grade or combine results already computed. (Both were in
:mod:`campaign_me.evaluation`, which still exports them.)

References: Holm, S. (1979) "A simple sequentially rejective multiple test procedure", *Scand. J.
Statist.* 6(2); Benjamini, Y. & Hochberg, Y. (1995) "Controlling the false discovery rate", *J. R.
Statist. Soc. B* 57(1); Dmitrienko, A. & Tamhane, A. C. (2007) "Gatekeeping procedures with
clinical trial applications", *Pharm. Stat.* 6(3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import pandas as pd

from .conventions import check_choice
from .deferred import Deferred
from .errors import DataError, describe_values, require_columns

multitest = Deferred("statsmodels.stats.multitest")  # deferred: statsmodels takes about 2 s to import

__all__ = ["EvidenceStrength", "evidence_strength", "adjust_pvalues", "PVALUE_METHODS", "RANDOMISED_ASSUMPTION"]

#: Multiplicity adjustments of :func:`adjust_pvalues`.
PVALUE_METHODS = ("holm", "fdr_bh")

#: The identifying assumption of a randomised comparison, in words (the ``assumption`` of the randomised
#: estimators of :mod:`campaign_me.evaluation` and of :func:`evidence_strength` for a trial).
RANDOMISED_ASSUMPTION = (
    "random assignment (the arms differ only by chance at baseline) and no interference: the "
    "campaign did not reach the control clusters (contamination) and nobody changed answers "
    "because they knew their arm."
)


class _Result(Protocol):
    def to_frame(self) -> pd.DataFrame: ...


@dataclass(frozen=True)
class EvidenceStrength:
    """Maryland Scientific Methods Scale level of a design, with its assumption and threats."""

    level: int
    design: str
    assumption: str
    threats: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"sms_level": self.level, "design": self.design, "assumption": self.assumption,
                              "threats": "; ".join(self.threats)}])

    def summary(self) -> str:
        return (f"Design: {self.design}. Maryland Scientific Methods Scale level {self.level} of 5. Key assumption: "
                f"{self.assumption} Check: {'; '.join(self.threats)}.")


def evidence_strength(
    *,
    randomised: bool = False,
    comparison_group: bool = False,
    baseline: bool = False,
    adjusted: bool = False,
    quasi_random: bool = False,
    panel: bool = False,
    self_reported_exposure: bool = False,
) -> EvidenceStrength:
    """Score a design on the Maryland Scientific Methods Scale (What Works Centre, 2016).

    Parameters
    ----------
    randomised : bool
        Assignment to the campaign was random (level 5).
    comparison_group : bool
        There is an unexposed comparison group (areas or people).
    baseline : bool
        The outcome was measured before the campaign.
    adjusted : bool
        Comparison adjusted for observed differences (regression, matching, weighting).
    quasi_random : bool
        Exposure varies for a reason unrelated to outcomes (a discontinuity, an instrument;
        level 4).
    panel : bool
        The same people were interviewed in both rounds.
    self_reported_exposure : bool
        The comparison is exposed vs unexposed people by their own report.

    Examples
    --------
    >>> evidence_strength(comparison_group=True, baseline=True).level
    3
    >>> evidence_strength(baseline=True).level
    1
    """
    threats = ["recall bias in reported exposure and outcomes", "social desirability (answers the campaign taught)"]
    if randomised:
        level, design = 5, "randomised (cluster) trial"
        assumption = RANDOMISED_ASSUMPTION
        threats += ["attrition by arm (report it; Lee bounds)", "contamination / spill-over into control clusters",
                    "low take-up (report the complier effect)"]
        if not baseline:
            threats.append("no baseline: less precision, no balance check")
    elif quasi_random:
        level, design = 4, "quasi-random variation (discontinuity or instrument)"
        assumption = "the source of variation affects outcomes only through exposure."
        threats += ["manipulation of the cut-off or a weak instrument"]
    elif comparison_group and baseline:
        level, design = 3, "difference-in-differences (comparison group before and after)"
        assumption = "parallel trends between campaign and comparison groups without the campaign."
        threats += ["secular trend that differs between groups", "spill-over into comparison areas",
                    "change in who was surveyed between rounds"]
        if panel:
            threats.append("panel attrition")
    elif comparison_group and adjusted:
        level, design = 2, "cross-section with controls or matching"
        assumption = "selection on observables: no unmeasured difference between the groups."
        threats += ["self-selection into exposure on unmeasured traits (interest, networks)",
                    "lack of overlap between the groups"]
    elif comparison_group:
        level, design = 1, "cross-section comparison without adjustment"
        assumption = "the groups would have had the same outcome without the campaign."
        threats += ["self-selection into exposure", "reverse causation"]
    elif baseline:
        level, design = 1, "pre-post without comparison group"
        assumption = "nothing but the campaign changed the outcome between the rounds."
        threats += ["secular trend", "seasonality", "change of survey mode or questionnaire"]
    else:
        level, design = 1, "post-only, no comparison (descriptive)"
        assumption = "none: the design describes, it cannot attribute change to the campaign."
        threats += ["no counterfactual at all"]
    if self_reported_exposure and not randomised:
        threats.append("self-selection into (reported) exposure and false reports of exposure")
    return EvidenceStrength(level=level, design=design, assumption=assumption, threats=tuple(threats))


def adjust_pvalues(
    results: Sequence[_Result] | pd.DataFrame, *, primary: str | None = None, method: str = "holm"
) -> pd.DataFrame:
    """Flag the primary outcome and adjust the p-values of the others for multiplicity.

    Parameters
    ----------
    results : list of EffectResult (:mod:`campaign_me.evaluation`), or a DataFrame with ``outcome``
        and ``p_value``
    primary : str, optional
        The pre-registered primary outcome: its p-value is left as it is.
    method : {"holm", "fdr_bh"}, default "holm"
        Holm (family-wise error) or Benjamini-Hochberg (false discovery rate), from
        ``statsmodels.stats.multitest.multipletests``, across the secondary outcomes.

    Returns
    -------
    pandas.DataFrame
        The results' rows plus ``primary`` (bool) and ``p_adjusted``.

    Notes
    -----
    **How the primary-outcome rule controls the familywise error.** The familywise error rate
    (FWER) is the chance of at least one false finding (a null effect declared non-zero) in a
    family of tests. The outcomes form two families:

    - *Confirmatory*: the one primary outcome, named before the data were seen. A single test
      at level ``alpha`` has a FWER of exactly ``alpha``; that is why its p-value needs no
      adjustment, and why naming it in advance matters (choosing the "primary" outcome after
      seeing the results is a search over all of them).
    - *Secondary*: every other outcome. Holm's step-down procedure (``method="holm"``) controls
      the FWER of this family at ``alpha`` in the strong sense (whichever effects are truly
      zero) and under any dependence between the tests; ``"fdr_bh"`` controls the expected share
      of false findings instead (under independence or positive dependence), which is weaker.

    Read together as a *serial gatekeeping* procedure (Dmitrienko & Tamhane 2007), the FWER over
    all outcomes is at most ``alpha``: test the primary outcome at ``alpha``; only if it is
    significant, declare the secondary outcomes with ``p_adjusted < alpha``. (If the primary
    null is true, a false finding needs the primary test to err, which happens with probability
    at most ``alpha``; if it is false, only the secondary family can err, and Holm holds that at
    ``alpha``.) Read without the gate, each family keeps its own FWER at ``alpha`` and the two
    together at most ``2 alpha`` (Bonferroni's inequality); report the secondary outcomes as
    exploratory then. With no ``primary``, Holm runs across all outcomes, a single family with
    FWER ``alpha``; with several primary outcomes, pass them alone with ``primary=None`` (Holm
    within the confirmatory family) and the others separately, as
    :func:`campaign_me.narrative.findings` does for a country report.

    Examples
    --------
    >>> t = pd.DataFrame({"outcome": ["a", "b", "c"], "p_value": [0.01, 0.02, 0.04]})
    >>> adjust_pvalues(t, primary="a")["p_adjusted"].round(3).tolist()
    [0.01, 0.04, 0.04]
    """
    check_choice(method, PVALUE_METHODS, argument="method", error=DataError)
    if isinstance(results, pd.DataFrame):
        frame = results.copy()
        require_columns(frame, ["outcome", "p_value"], argument="results")
    else:
        frame = pd.concat([r.to_frame() for r in results], ignore_index=True)
    if primary is not None and primary not in set(frame["outcome"]):
        raise DataError(f"primary={primary!r} is not among the outcomes {describe_values(frame['outcome'].tolist())}")
    frame["primary"] = frame["outcome"] == primary
    frame["p_adjusted"] = frame["p_value"].astype(float)
    others = ~frame["primary"]
    if others.sum() > 0:
        p = frame.loc[others, "p_value"].to_numpy(float)
        frame.loc[others, "p_adjusted"] = multitest.multipletests(p, method=method)[1]
    return frame
