"""Step 4 (messages): the sentences and readable tables of ``notebooks/04_messages``.

The message pretest of the sample data: each respondent was shown **one** of three posters,
chosen at random, and answered questions about it (did they restate its main point, how credible
was it, do they now intend a safe step); only then were they shown all three posters and asked
which they liked best (the preference vote). Functions here take the notebook's results (the
means per variant from :meth:`campaign_me.SurveyDesign.mean`, the pairwise comparisons of
:func:`campaign_me.evaluation.message_pretest`, the vote shares) and say in words what they show
for the country the notebook runs on. A survey without a pretest passes a
:class:`~campaign_me.workbook.Missing` instead: the table that opens each section shows its one line
(the vote's line is the headline's), the rest nothing.
"""

from __future__ import annotations

import pandas as pd

from ..conventions import Reporting
from ..deferred import Deferred
from .audience import effect_size_word, join_words, number, p_value, percent
from .start import absent, level_of

stats = Deferred("scipy.stats")  # deferred: 0.7 s at import; only the randomisation check needs a test

__all__ = [
    "VARIANT_NAMES",
    "OUTCOME_LABELS",
    "variant_label",
    "variant_phrase",
    "design_lesson",
    "variant_table",
    "comparison_table",
    "intention_lesson",
    "vote_table",
    "vote_lesson",
    "headline",
]

#: Short names of the sample pretest's variants (the code's letter is kept: A, B, C).
VARIANT_NAMES = {"A_testimony": "a returnee's testimony", "B_statistics": "statistics", "C_drama": "a drama"}
#: The pretest's outcomes in words.
OUTCOME_LABELS = {
    "comprehension": "understood the main point",
    "credibility": "credibility (1-5)",
    "intention_safe": "intends a safe step",
}
_ORDINAL = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}
_COUNT = {2: "two", 3: "three", 4: "four", 5: "five"}


def _split(code: str) -> tuple[str, str]:
    code = str(code)
    if code in VARIANT_NAMES:
        return code.split("_", 1)[0], VARIANT_NAMES[code]
    if "_" in code:
        letter, name = code.split("_", 1)
        return letter, name.replace("_", " ")
    return code, ""


def variant_label(code: str) -> str:
    """A variant for a table or an axis: ``"A_testimony"`` -> ``"A: a returnee's testimony"``.

    >>> variant_label("C_drama"), variant_label("D_radio_play"), variant_label("X")
    ('C: a drama', 'D: radio play', 'X')
    """
    letter, name = _split(code)
    return f"{letter}: {name}" if name else letter


def variant_phrase(code: str) -> str:
    """A variant inside a sentence: ``"C_drama"`` -> ``"the drama (C)"``.

    >>> variant_phrase("A_testimony"), variant_phrase("X")
    ("the returnee's testimony (A)", 'variant X')
    """
    letter, name = _split(code)
    if not name:
        return f"variant {letter}"
    name = name[2:] if name.startswith("a ") else name
    return f"the {name} ({letter})"


def _binary(pairs: pd.DataFrame, outcome: str) -> bool:
    rows = pairs[pairs["outcome"] == outcome]
    return bool(len(rows)) and str(rows["test"].iloc[0]) == "chi2"


def design_lesson(pretest: pd.DataFrame, *, country: str, variant: str = "variant",
                  preference: str = "preferred_variant") -> str:
    """Who saw what in this country's pretest, and whether the vote depends on the poster seen first.

    The vote came after every respondent had seen all three posters, so it should not depend on
    which poster they were randomised to: a chi-squared test of independence checks it.
    """
    if absent(pretest):
        return None
    counts = pretest[variant].astype(str).value_counts().sort_index()
    seen = join_words([f"{number(n)} {'saw ' if i == 0 else ''}{variant_phrase(v)}" for i, (v, n) in enumerate(counts.items())])
    text = (f"In {country}, {number(len(pretest))} people took part, and chance decided which poster each was shown "
            f"and asked about: {seen}.")
    if preference in pretest.columns:
        table = pd.crosstab(pretest[variant].astype(str), pretest[preference].astype(str))
        winner = table.sum().idxmax()
        shares = table[winner] / table.sum(axis=1)
        p = stats.chi2_contingency(table.to_numpy(), correction=False)[1]
        text += (f" Whichever poster people had seen first, between {percent(shares.min())} and "
                 f"{percent(shares.max())} of them voted for {variant_phrase(winner)}; ")
        if p >= 0.05:
            text += (f"differences no larger than chance would make them (test of independence, p = {p_value(p)}), "
                     f"as expected when everyone votes after seeing all three.")
        else:
            text += (f"the vote does depend on the poster seen first (test of independence, p = {p_value(p)}): "
                     f"the first poster may have coloured the vote.")
    return text


def _cell(row, binary: bool) -> str:
    if binary:
        return f"{100 * row['estimate']:.0f}% ({100 * row['ci_low']:.0f} to {100 * row['ci_high']:.0f})"
    return f"{row['estimate']:.1f} ({row['ci_low']:.1f} to {row['ci_high']:.1f})"


def variant_table(per_variant: pd.DataFrame, *, variant: str = "variant", level: float | None = None, settings: Reporting | None = None) -> pd.DataFrame:
    """Means per variant (``SurveyDesign.mean(outcomes, by=variant)``) as a table: one row per poster.

    Shares are percentages, scores keep one decimal; each cell carries its interval in brackets.
    """
    level = level_of(level, settings)
    if absent(per_variant):
        return per_variant
    out = {}
    for outcome, rows in per_variant.groupby("variable", sort=False):
        values = pd.to_numeric(rows["estimate"], errors="coerce")
        binary = bool(values.between(0, 1).all() and outcome != "credibility")
        label = OUTCOME_LABELS.get(outcome, str(outcome).replace("_", " "))
        out[label] = {variant_label(v): _cell(r, binary) for v, (_, r) in zip(rows[variant], rows.iterrows())}
    table = pd.DataFrame(out)
    table.index.name = f"poster (estimate and {level:.0%} interval)"
    return table


def comparison_table(pairs: pd.DataFrame) -> pd.DataFrame:
    """The pairwise comparisons of :func:`~campaign_me.evaluation.message_pretest`, readable.

    Differences of shares in percentage points, of the credibility score in points of its 1-5 scale;
    adjusted p-values written out ("< 0.001", never 0.000); effect sizes with Cohen's words.
    """
    if absent(pairs):
        return pairs
    rows = []
    for _, r in pairs.iterrows():
        binary = r["test"] == "chi2"
        diff = (f"{100 * r['difference']:+.0f} points" if binary else f"{r['difference']:+.2f} on 1-5")
        kind = "h" if r["effect_size_type"] == "cohen_h" else "d"
        rows.append({
            "outcome": OUTCOME_LABELS.get(r["outcome"], str(r["outcome"])),
            "comparison": f"{_split(r['variant_a'])[0]} vs {_split(r['variant_b'])[0]}",
            "difference": diff,
            "p (adjusted)": p_value(r["p_adjusted"]),
            "effect size": f"{kind} = {r['effect_size']:+.2f}",
            "size": effect_size_word(r["effect_size"]),
        })
    return pd.DataFrame(rows).set_index(["outcome", "comparison"])


def _intention(per_variant: pd.DataFrame, outcome: str, variant: str) -> pd.DataFrame:
    return per_variant[per_variant["variable"] == outcome].set_index(variant)


def _pair(pairs: pd.DataFrame, outcome: str, a: str, b: str) -> pd.Series:
    """The comparison of a with b (sign turned so that the difference is a - b)."""
    rows = pairs[pairs["outcome"] == outcome]
    hit = rows[(rows["variant_a"] == a) & (rows["variant_b"] == b)]
    if len(hit):
        return hit.iloc[0]
    r = rows[(rows["variant_a"] == b) & (rows["variant_b"] == a)].iloc[0].copy()
    r["difference"], r["effect_size"] = -r["difference"], -r["effect_size"]
    return r


def intention_lesson(pairs: pd.DataFrame, per_variant: pd.DataFrame, *, primary: str = "intention_safe",
                     variant: str = "variant", level: float | None = None, alpha: float = 0.05, settings: Reporting | None = None) -> str:
    """Which poster leads on stated intention, by how much, and whether its lead is larger than chance."""
    level = level_of(level, settings)
    if absent(pairs):
        return None
    t = _intention(per_variant, primary, variant)
    order = list(t["estimate"].sort_values(ascending=False, kind="stable").index)
    best, others = order[0], order[1:]
    b = t.loc[best]
    n_each = int(t["n"].min())
    text = (f"On stated intention {variant_phrase(best)} comes first: {percent(b['estimate'])} intend a safe step "
            f"after seeing it ({level:.0%} CI {100 * b['ci_low']:.0f} to {100 * b['ci_high']:.0f}), against "
            + join_words([f"{percent(t.loc[o, 'estimate'])} after {variant_phrase(o)}" for o in others]) + ".")
    comps = {o: _pair(pairs, primary, best, o) for o in others}
    sig = [o for o in others if comps[o]["p_adjusted"] < alpha]
    ns = [o for o in others if o not in sig]

    def detail(o):
        c = comps[o]
        return (f"{variant_phrase(o)}: {100 * c['difference']:+.0f} points, adjusted p {p_value(c['p_adjusted'])}, "
                f"a {effect_size_word(c['effect_size'])} effect")

    if sig and not ns:
        text += " Its lead over " + ("both others" if len(others) == 2 else "every other poster") + \
            " is larger than chance (" + "; ".join(detail(o) for o in sig) + ")."
    elif sig:
        text += (" Its lead over " + join_words([variant_phrase(o) for o in sig]) + " is larger than chance ("
                 + "; ".join(detail(o) for o in sig) + "), its lead over " + join_words([variant_phrase(o) for o in ns])
                 + " is not (" + "; ".join(detail(o) for o in ns) + ").")
    else:
        text += (" But its lead is not larger than chance (" + "; ".join(detail(o) for o in ns) + "): with "
                 f"{n_each} people per poster, this pretest cannot tell the posters apart on intention.")
    return text


def vote_table(votes: pd.DataFrame, *, level: float | None = None, settings: Reporting | None = None) -> pd.DataFrame:
    """The preference vote (``SurveyDesign.proportion(preference)`` rows) as a table of percentages."""
    level = level_of(level, settings)
    if absent(votes):
        return None
    v = votes.set_index("category") if "category" in votes.columns else votes
    return pd.DataFrame({
        "share of votes": [percent(e) for e in v["estimate"]],
        f"{level:.0%} interval": [f"{100 * lo:.0f} to {100 * hi:.0f}" for lo, hi in zip(v["ci_low"], v["ci_high"])],
    }, index=pd.Index([variant_label(c) for c in v.index], name="poster liked best"))


def vote_lesson(pairs: pd.DataFrame, per_variant: pd.DataFrame, votes: pd.DataFrame, *,
                primary: str = "intention_safe", variant: str = "variant", level: float | None = None,
                alpha: float = 0.05, settings: Reporting | None = None) -> str:
    """What the vote picks, where that poster ranks on intention, and what choosing by the vote would cost."""
    level = level_of(level, settings)
    if absent(pairs):
        return None
    v = votes.set_index("category") if "category" in votes.columns else votes
    winner = str(v["estimate"].idxmax())
    w = v.loc[winner]
    t = _intention(per_variant, primary, variant)
    order = list(t["estimate"].sort_values(ascending=False, kind="stable").index)
    rank = order.index(winner) + 1 if winner in order else None
    best = order[0]
    text = (f"The vote goes to {variant_phrase(winner)}: {percent(w['estimate'])} of votes "
            f"({level:.0%} CI {100 * w['ci_low']:.0f} to {100 * w['ci_high']:.0f}).")
    if rank is None:
        return text
    text += (f" On stated intention it ranks {_ORDINAL.get(rank, str(rank))} of {_COUNT.get(len(order), len(order))} "
             f"({percent(t.loc[winner, 'estimate'])}).")
    if winner == best:
        text += (" Here the vote happens to pick the poster that leads on intention: a coincidence the research "
                 "says not to count on.")
        return text
    c = _pair(pairs, primary, best, winner)
    gap = f"{100 * c['difference']:.0f} points"
    if c["p_adjusted"] < alpha:
        text += (f" Intention after it is clearly lower than after {variant_phrase(best)}: {gap} lower, adjusted p "
                 f"{p_value(c['p_adjusted'])}. Choosing by the vote would have chosen a weaker poster.")
    else:
        text += (f" That is {gap} lower than after {variant_phrase(best)}, a gap this pretest cannot tell from chance "
                 f"(adjusted p {p_value(c['p_adjusted'])}); but nothing in the pretest supports choosing "
                 f"{variant_phrase(winner)}: being liked is not evidence of persuading.")
    return text


def headline(pairs: pd.DataFrame, per_variant: pd.DataFrame, votes: pd.DataFrame, *, country: str,
             primary: str = "intention_safe", variant: str = "variant") -> str:
    """One line: the poster best on intention, the poster the vote prefers, and whether they are the same."""
    if absent(pairs):
        return str(pairs)
    v = votes.set_index("category") if "category" in votes.columns else votes
    t = _intention(per_variant, primary, variant)
    best = str(t["estimate"].idxmax())
    winner = str(v["estimate"].idxmax())
    def short(code, share):
        letter, name = _split(code)
        name = name[2:] if name.startswith("a ") else name
        return f"{letter} ({name + ', ' if name else ''}{share})"

    return (f"{country}: best by stated intention {short(best, percent(t.loc[best, 'estimate']))}; "
            f"most votes {short(winner, percent(v.loc[winner, 'estimate']) + ' of votes')}; "
            f"the vote picks the best poster: {'yes' if best == winner else 'no'}")
