"""Dissemination monitoring: delivery against plan, platform metrics, people reached, cost.

Step 5 of the campaign cycle asks whether the campaign was delivered as planned, to whom, how
often and at what cost. This module answers from three sources:

* the **activity log** (one row per planned activity: channel, district, date, planned, delivered,
  attendance, cost): :func:`delivery` gives outputs delivered against plan by channel, district
  and month, attendance and cost per contact;
* the **platform metrics** (daily rows per platform and district: impressions, reach, clicks,
  engagements, spend) and the platforms' **period (unique) reach**: :func:`platform_summary`
  gives impressions, click-through, engagement rate, CPM, unique reach, frequency and gross
  rating points; :func:`spillover` the share of impressions delivered outside the targeted
  districts;
* the **survey**: :func:`people_reached` turns a design-based exposure share (an estimate row
  from :class:`campaign_me.SurveyDesign`) into people reached, net of the false-report rate
  measured at baseline, with the interval carried through; :func:`cost_per_person_reached` and
  :func:`cost_per_outcome_change` put cost beside them; :func:`funnel` estimates the chain from
  exposure to safe practice as shares of the whole target population.

Definitions (docs/methodology.md §1, step 5; usage in ``docs/monitoring.md``):

* delivery rate = delivered / planned;
* click-through rate (CTR) = clicks / impressions; engagement rate = engagements / impressions;
  CPM = spend / impressions x 1,000;
* unique reach R (survey: population x share exposed; platforms count accounts, not people);
  frequency F = impressions / R; gross rating points GRP = 100 x (R / population) x F;
* cost per person reached = cost / R; cost per outcome change = cost / (R x effect).

**Daily reach cannot be summed.** A platform's daily reach counts the accounts reached that day;
the same accounts are reached again on other days, so a sum over days counts people many times
(in the Aroland sample it exceeds the whole 15-45 population). :func:`total_reach` refuses to add
reach across days, and :func:`platform_summary` takes unique reach from the platforms' period
report instead. Unique reach is not added across platforms either (a person may use both).

**Effects say their unit.** Every effect figure this module prints carries ``effect_unit``
("percentage points", "points" or "relative change"); :func:`format_effect` writes it out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .contrasts import difference
from .conventions import Reporting, check_level, reporting
from .deferred import Deferred
from .errors import DataError, describe_rows, describe_values, require_columns

stats = Deferred("scipy.stats")  # deferred: 0.7 s at import; only the intervals need quantiles

__all__ = [
    "ReachSumError",
    "delivery",
    "platform_summary",
    "total_reach",
    "spillover",
    "funnel",
    "people_reached",
    "cost_per_person_reached",
    "cost_per_outcome_change",
    "format_effect",
    "EFFECT_TYPES",
    "COST_NOTE",
]

#: Effect types of :func:`cost_per_outcome_change` and the unit each is reported in.
EFFECT_TYPES = {"proportion": "percentage points", "mean": "points", "relative": "relative change"}

#: Default note beside costs taken from an activity log.
COST_NOTE = (
    "cost from the activity log: production, staff and evaluation costs are not included, so cost per "
    "person is a lower bound"
)

_STAT_COLUMNS = ("estimate", "se", "ci_low", "ci_high", "deff", "n", "df", "suppressed",
                 "flagged", "unit", "denominator", "reason", "note")


class ReachSumError(DataError):
    """Reach was about to be added across days (or platforms), which counts the same people again."""


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------
def _names(value, argument: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        names = list(value)
        if all(isinstance(v, str) for v in names):
            return names
    raise DataError(f"{argument}={value!r}: give a column name or a list of column names")


def _frame(data, argument: str) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"{argument}: expected a pandas DataFrame, got {type(data).__name__}")
    return data


def _counts(data: pd.DataFrame, columns: Sequence[str], argument: str, *, allow_missing: bool = False) -> None:
    """Numeric, non-negative (and, unless allowed, non-missing) count or money columns."""
    for col in columns:
        raw = data[col]
        values = pd.to_numeric(raw, errors="coerce").astype("float64").to_numpy(na_value=np.nan)
        text = np.isnan(values) & raw.notna().to_numpy()
        if text.any():
            raise DataError(
                f"{argument}: column {col!r} holds values that are not numbers "
                f"({describe_values(raw[text])}; {describe_rows(np.flatnonzero(text))})"
            )
        if not allow_missing and np.isnan(values).any():
            raise DataError(
                f"{argument}: column {col!r} has missing values ({describe_rows(np.flatnonzero(np.isnan(values)))}); "
                "enter 0 where nothing was delivered, attended or spent"
            )
        neg = values < 0
        if neg.any():
            raise DataError(
                f"{argument}: column {col!r} has negative values ({describe_values(raw[neg])}; "
                f"{describe_rows(np.flatnonzero(neg))})"
            )


def _with_month(data: pd.DataFrame, by: list[str], date: str, argument: str) -> pd.DataFrame:
    """Add a ``month`` column ("YYYY-MM") from ``date`` when ``by`` asks for it."""
    if "month" not in by or "month" in data.columns:
        return data
    require_columns(data, date, argument=f"{argument} (by='month' needs the date column)")
    # parse each distinct date once (a year of daily rows has 365 distinct dates)
    codes, uniques = pd.factorize(data[date], use_na_sentinel=True)
    parsed = pd.to_datetime(pd.Series(uniques, dtype=object), errors="coerce", format="%Y-%m-%d")
    months = parsed.dt.strftime("%Y-%m").to_numpy(dtype=object)
    bad = codes < 0
    if len(uniques):
        bad = bad | parsed.isna().to_numpy()[np.maximum(codes, 0)]
    if bad.any():
        raise DataError(
            f"{argument}: column {date!r} has dates that are not YYYY-MM-DD "
            f"({describe_values(pd.unique(data[date][bad]))}; {describe_rows(np.flatnonzero(bad))})"
        )
    return data.assign(month=months[codes])


def _ratio(num, den) -> np.ndarray:
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    return np.divide(num, den, out=np.full(np.shape(num), np.nan), where=den > 0)


def _keys(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns if c not in _STAT_COLUMNS]


def _estimates(table, argument: str, *, percent: str | None = None) -> pd.DataFrame:
    """An estimate table (DataFrame, Series or mapping with estimate and se) as a DataFrame.

    ``percent`` names a unit column (``unit`` of an indicator table, ``change_unit`` of a round
    comparison): rows whose unit is "%" or "pp" are on the 0-100 scale and are divided by 100.
    """
    if isinstance(table, pd.Series):
        table = table.to_frame().T.reset_index(drop=True)
    elif isinstance(table, Mapping):
        table = pd.DataFrame([dict(table)])
    elif not isinstance(table, pd.DataFrame):
        raise DataError(f"{argument}: expected an estimate table (DataFrame, Series or mapping with 'estimate' and "
                        f"'se'), got {type(table).__name__}")
    require_columns(table, ["estimate", "se"], argument=argument)
    table = table.reset_index(drop=True)
    if "suppressed" in table.columns:  # a suppressed cell stays blank downstream
        table = table.copy()
        hidden = np.array([bool(v) if pd.notna(v) else False for v in table["suppressed"]], dtype=bool)
        table.loc[hidden, [c for c in ("estimate", "se", "ci_low", "ci_high") if c in table.columns]] = np.nan
    table = table.copy()
    for col in ("estimate", "se", "ci_low", "ci_high", "df"):
        if col in table.columns:
            table[col] = pd.to_numeric(table[col], errors="coerce").astype("float64")
    if percent is not None and percent in table.columns:
        scaled = table[percent].isin(["%", "pp"]).to_numpy()
        for col in ("estimate", "se", "ci_low", "ci_high"):
            if col in table.columns:
                table.loc[scaled, col] = table.loc[scaled, col] / 100
    return table


def _by_key(values, table: pd.DataFrame, keys: list[str], argument: str, name: str) -> np.ndarray:
    """A number per row of ``table``: a scalar, a mapping on the single key, or a DataFrame on the keys."""
    if isinstance(values, (int, float, np.integer, np.floating)) and not isinstance(values, bool):
        out = np.full(len(table), float(values))
    elif isinstance(values, pd.DataFrame):
        require_columns(values, [*keys, name], argument=argument)
        merged = table[keys].merge(values[[*keys, name]], on=keys, how="left", validate="many_to_one")
        out = pd.to_numeric(merged[name], errors="coerce").astype("float64").to_numpy()
    elif isinstance(values, (Mapping, pd.Series)):
        mapping = dict(values)
        key = keys
        if len(keys) > 1:  # the one key column whose values the mapping names, e.g. channel beside variable
            key = [k for k in keys if set(table[k]) <= set(mapping)]
        if len(key) != 1:
            raise DataError(f"{argument}: a mapping needs one key column in the estimates whose values it names; "
                            f"they have {keys or 'none'} (pass a DataFrame with columns {[*keys, name]} instead)")
        out = np.array([mapping.get(k, np.nan) for k in table[key[0]]], dtype=float)
    else:
        raise DataError(f"{argument}={values!r}: give a number, a mapping from {keys} to numbers, or a DataFrame")
    missing = np.isnan(out)
    if missing.any():
        rows = table.loc[missing, keys].drop_duplicates().to_dict("records") if keys else [{}]
        raise DataError(f"{argument}: no {name} for {rows[:5]}")
    if (out < 0).any():
        raise DataError(f"{argument}: {name} must not be negative ({describe_values(out[out < 0])})")
    return out


# --------------------------------------------------------------------------------------------------
# activity log
# --------------------------------------------------------------------------------------------------
def delivery(
    activities: pd.DataFrame,
    *,
    by: str | Sequence[str] = "channel",
    planned: str = "planned",
    delivered: str = "delivered",
    attendance: str | None = "attendance",
    cost: str | None = "cost",
    date: str = "date",
) -> pd.DataFrame:
    """Outputs delivered against plan, attendance and cost, by channel, district or month.

    Parameters
    ----------
    activities : pandas.DataFrame
        The activity log: one row per planned activity (or per channel, district and period)
        with counts planned and delivered and, optionally, attendance and cost.
    by : str or list of str, default "channel"
        Grouping columns. ``"month"`` is derived from ``date`` ("YYYY-MM") when the log has no
        month column, e.g. ``by=["channel", "month"]``.
    planned, delivered : str
        Columns of planned and delivered counts (numbers >= 0, no missing values).
    attendance, cost : str or None
        Columns of people attending (contacts) and money spent; None when the log has none.
    date : str, default "date"
        Date column (YYYY-MM-DD), used for ``by="month"``.

    Returns
    -------
    pandas.DataFrame
        ``[by...], planned, delivered, delivery_rate`` (delivered / planned; may exceed 1 when
        more was delivered than planned), then ``attendance``, ``attendance_per_activity``
        (per delivered activity), ``cost``, ``cost_per_activity`` (per delivered activity) and
        ``cost_per_contact`` (cost / attendance; missing where nobody was counted) when those
        columns are given.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.read_csv("data/samples/aroland/activities.csv")
    >>> t = delivery(log, by="channel")
    >>> t[["channel", "planned", "delivered"]]
               channel  planned  delivered
    0  community_event       48         39
    1           poster      720        553
    2       radio_spot      480        402
    3      social_post      360        273
    >>> round(float(t.loc[0, "cost_per_contact"]), 2)
    17.22
    """
    activities = _frame(activities, "activities")
    by_cols = _names(by, "by")
    if not by_cols:
        raise DataError("by: give at least one column to group by (e.g. 'channel')")
    data = _with_month(activities, by_cols, date, "activities")
    extra = [c for c in (attendance, cost) if c is not None]
    require_columns(data, [*by_cols, planned, delivered, *extra], argument="activities")
    _counts(data, [planned, delivered, *extra], "activities")
    nums = data[[planned, delivered, *extra]].apply(pd.to_numeric).astype("float64")
    grouped = nums.groupby([data[c] for c in by_cols], sort=True, dropna=False).sum()
    out = grouped.reset_index()
    out = out.rename(columns={planned: "planned", delivered: "delivered"})
    out["delivery_rate"] = _ratio(out["delivered"], out["planned"])
    cols = [*by_cols, "planned", "delivered", "delivery_rate"]
    if attendance is not None:
        out = out.rename(columns={attendance: "attendance"})
        # nobody counted (posters, radio): not applicable rather than zero per activity
        out["attendance_per_activity"] = np.where(out["attendance"] > 0, _ratio(out["attendance"], out["delivered"]),
                                                  np.nan)
        cols += ["attendance", "attendance_per_activity"]
    if cost is not None:
        out = out.rename(columns={cost: "cost"})
        out["cost_per_activity"] = _ratio(out["cost"], out["delivered"])
        cols += ["cost", "cost_per_activity"]
        if attendance is not None:
            out["cost_per_contact"] = _ratio(out["cost"], out["attendance"])
            cols.append("cost_per_contact")
    for c in ("planned", "delivered", "attendance"):
        if c in out.columns and np.all(np.mod(out[c], 1) == 0):
            out[c] = out[c].astype("int64")
    return out[cols]


# --------------------------------------------------------------------------------------------------
# platform metrics
# --------------------------------------------------------------------------------------------------
def total_reach(
    metrics: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    date: str = "date",
    platform: str = "platform",
    reach: str = "reach",
) -> pd.DataFrame:
    """Add reach over districts within one day and one platform, and refuse anything else.

    Reach counts *people* (accounts) reached in a period. People in different districts are
    different people, so the reach of one day on one platform adds up over districts. The same
    people are reached again on later days and may use several platforms, so reach never adds up
    over days or platforms: this function raises :class:`ReachSumError` when a group holds more
    than one date or more than one platform. Use the platform's period (unique) reach for a
    longer period (:func:`platform_summary` with ``period_reach=``) or survey-based reach
    (:func:`people_reached`).

    Parameters
    ----------
    metrics : pandas.DataFrame
        Daily platform metrics with ``date``, ``platform`` and ``reach`` columns.
    by : str or list of str, optional
        Grouping columns; must pin down one date and one platform per group (e.g.
        ``["platform", "date"]``).

    Returns
    -------
    pandas.DataFrame
        ``[by...], reach``.

    Examples
    --------
    >>> import pandas as pd
    >>> daily = pd.read_csv("data/samples/aroland/digital_metrics.csv")
    >>> total_reach(daily, by=["platform", "date"]).head(2)
       platform        date  reach
    0  facebook  2025-03-01   2628
    1  facebook  2025-03-02   3672
    >>> total_reach(daily, by="platform")
    Traceback (most recent call last):
    ...
    campaign_me.monitoring.ReachSumError: ...
    """
    metrics = _frame(metrics, "metrics")
    by_cols = _names(by, "by")
    require_columns(metrics, [*by_cols, date, platform, reach], argument="metrics")
    _counts(metrics, [reach], "metrics")
    keys = [metrics[c] for c in by_cols] if by_cols else [pd.Series(0, index=metrics.index)]
    g = metrics.groupby(keys, sort=True, dropna=False)
    days = g[date].nunique()
    platforms = g[platform].nunique()
    if (days > 1).any():
        summed = float(pd.to_numeric(metrics[reach]).sum())
        raise ReachSumError(
            f"reach cannot be added across days: daily reach counts the accounts reached that day, and the "
            f"same people are reached again on other days (this table's daily reach adds up to {summed:,.0f} "
            f"over {metrics[date].nunique()} days, counting people many times). Group by the date as well, or "
            "use the platform's unique reach for the whole period (platform_summary(..., period_reach=...)) or "
            "survey-based reach (people_reached)."
        )
    if (platforms > 1).any():
        raise ReachSumError(
            "reach cannot be added across platforms: a person who uses both is counted twice. Group by "
            f"{platform!r} as well, or use survey-based reach (people_reached)."
        )
    out = g[reach].sum().reset_index()
    if not by_cols:
        out = out.drop(columns=out.columns[0])
    return out.rename(columns={reach: "reach"})


def platform_summary(
    metrics: pd.DataFrame,
    *,
    by: str | Sequence[str] = "platform",
    period_reach: pd.DataFrame | None = None,
    period: str = "campaign",
    population=None,
    date: str = "date",
) -> pd.DataFrame:
    """Impressions, click-through, engagement rate, CPM and (unique) reach and frequency.

    Parameters
    ----------
    metrics : pandas.DataFrame
        Daily platform metrics: ``date`` and the ``by`` columns, ``impressions``, ``clicks``,
        ``engagements``, ``spend`` (and ``reach``, used only when grouping by date).
    by : str or list of str, default "platform"
        Grouping columns, e.g. ``["platform", "targeted"]`` to see spill-over into districts the
        ads did not target, or ``["platform", "month"]`` (month derived from ``date``).
    period_reach : pandas.DataFrame, optional
        The platforms' period (unique) reach: ``period``, ``reach``, ``impressions`` and the
        ``by`` columns (``month`` is matched to the period label); its rows are added over the
        remaining columns (districts hold different people) but never over platforms. When
        given, ``reach`` and ``frequency`` (= impressions / reach) come from it.
    period : str, default "campaign"
        The period label of ``period_reach`` used when ``by`` has no ``month``.
    population : number, mapping or DataFrame, optional
        Target population (a number, a mapping on a single ``by`` column, or a DataFrame with the
        ``by`` columns and ``population``): adds ``reach_share`` and gross rating points
        ``grp = 100 x reach_share x frequency``.

    Returns
    -------
    pandas.DataFrame
        ``[by...], days, impressions, clicks, engagements, spend, ctr, engagement_rate, cpm,
        cost_per_click`` and, with ``period_reach``, ``reach, frequency, cost_per_reached``
        (spend / reach), and with ``population`` ``reach_share, grp``. Rates are shares (0.012 is
        1.2 %); CPM is spend per 1,000 impressions.

    Examples
    --------
    >>> import pandas as pd
    >>> daily = pd.read_csv("data/samples/aroland/digital_metrics.csv")
    >>> period = pd.read_csv("data/samples/aroland/digital_reach.csv")
    >>> s = platform_summary(daily, period_reach=period)
    >>> s[["platform", "impressions", "reach", "frequency"]].round(1)
       platform  impressions  reach  frequency
    0  facebook       610916  85045        7.2
    1    tiktok       300615  51614        5.8
    >>> round(float(s.loc[0, "ctr"]), 4), round(float(s.loc[0, "cpm"]), 2)
    (0.012, 5.0)
    """
    metrics = _frame(metrics, "metrics")
    by_cols = _names(by, "by")
    if not by_cols:
        raise DataError("by: give at least one column to group by (e.g. 'platform')")
    data = _with_month(metrics, by_cols, date, "metrics")
    sums = ["impressions", "clicks", "engagements", "spend"]
    require_columns(data, [*by_cols, date, *sums], argument="metrics")
    _counts(data, sums, "metrics")
    nums = data[sums].apply(pd.to_numeric).astype("float64")
    keys = [data[c] for c in by_cols]
    out = nums.groupby(keys, sort=True, dropna=False).sum()
    out.insert(0, "days", data.groupby(keys, sort=True, dropna=False)[date].nunique())
    out = out.reset_index()
    for c in ("impressions", "clicks", "engagements"):
        out[c] = out[c].astype("int64")
    out["ctr"] = _ratio(out["clicks"], out["impressions"])
    out["engagement_rate"] = _ratio(out["engagements"], out["impressions"])
    out["cpm"] = 1000 * _ratio(out["spend"], out["impressions"])
    out["cost_per_click"] = _ratio(out["spend"], out["clicks"])
    if period_reach is not None:
        pr = _frame(period_reach, "period_reach")
        match = [c for c in by_cols if c != "month"]
        require_columns(pr, [*match, "period", "reach", "impressions"], argument="period_reach")
        _counts(pr, ["reach", "impressions"], "period_reach")
        if "month" in by_cols:
            pr = pr.loc[pr["period"] != period].assign(month=lambda f: f["period"].astype(str))
            match = [*match, "month"]
        else:
            pr = pr.loc[pr["period"] == period]
            if pr.empty:
                raise DataError(f"period_reach: no rows with period == {period!r} (it has "
                                f"{describe_values(period_reach['period'])})")
        if "platform" in pr.columns and "platform" not in match and pr["platform"].nunique() > 1:
            raise ReachSumError("unique reach cannot be added across platforms: a person who uses both is "
                                "counted twice. Add 'platform' to by, or use survey-based reach (people_reached).")
        agg = pr.groupby(match, sort=True, dropna=False)[["reach", "impressions"]].sum().reset_index()
        agg = agg.rename(columns={"impressions": "_period_impressions"})
        out = out.merge(agg, on=match, how="left")
        out["reach"] = out["reach"].astype("int64" if out["reach"].notna().all() else "float64")
        out["frequency"] = _ratio(out["_period_impressions"], out["reach"])
        out["cost_per_reached"] = _ratio(out["spend"], out["reach"])
        out = out.drop(columns="_period_impressions")
        if population is not None:
            pop = _by_key(population, out, by_cols, "population", "population")
            out["reach_share"] = _ratio(out["reach"], pop)
            out["grp"] = 100 * out["reach_share"] * out["frequency"]
    elif population is not None:
        raise DataError("population: gross rating points need unique reach; pass period_reach= as well")
    return out


def spillover(
    metrics: pd.DataFrame, *, by: str | Sequence[str] = "platform", targeted: str = "targeted"
) -> pd.DataFrame:
    """Share of impressions and spend delivered outside the targeted (campaign) districts.

    Online ads leak: platforms geolocate some impressions in districts the campaign did not
    target, which may be the comparison districts of an evaluation. A comparison district that
    saw the ads is partly treated, which shrinks a difference-in-differences toward zero.

    Parameters
    ----------
    metrics : pandas.DataFrame
        Platform metrics with ``impressions``, ``spend`` and a 0/1 ``targeted`` column.
    by : str or list of str, default "platform"

    Returns
    -------
    pandas.DataFrame
        ``[by...], impressions, impressions_outside, share_outside, spend_outside``.

    Examples
    --------
    >>> import pandas as pd
    >>> daily = pd.read_csv("data/samples/aroland/digital_metrics.csv")
    >>> spillover(daily)[["platform", "share_outside"]].round(3)
       platform  share_outside
    0  facebook          0.060
    1    tiktok          0.060
    """
    metrics = _frame(metrics, "metrics")
    by_cols = _names(by, "by")
    require_columns(metrics, [*by_cols, targeted, "impressions", "spend"], argument="metrics")
    _counts(metrics, ["impressions", "spend"], "metrics")
    flag = metrics[targeted]
    bad = ~flag.isin([0, 1, True, False])
    if bad.any():
        raise DataError(f"metrics: column {targeted!r} must be 0/1 (1 = targeted district); it has "
                        f"{describe_values(flag[bad])} ({describe_rows(np.flatnonzero(bad.to_numpy()))})")
    outside = (flag.astype(int) == 0).to_numpy()
    imp = pd.to_numeric(metrics["impressions"]).astype("float64")
    spend = pd.to_numeric(metrics["spend"]).astype("float64")
    frame = pd.DataFrame({"impressions": imp, "impressions_outside": imp.where(outside, 0.0),
                          "spend_outside": spend.where(outside, 0.0)})
    keys = [metrics[c] for c in by_cols] if by_cols else [pd.Series(0, index=metrics.index)]
    out = frame.groupby(keys, sort=True, dropna=False).sum().reset_index()
    if not by_cols:
        out = out.drop(columns=out.columns[0])
    out["share_outside"] = _ratio(out["impressions_outside"], out["impressions"])
    for c in ("impressions", "impressions_outside"):
        out[c] = out[c].astype("int64")
    return out[[*by_cols, "impressions", "impressions_outside", "share_outside", "spend_outside"]]


# --------------------------------------------------------------------------------------------------
# survey-based reach and cost
# --------------------------------------------------------------------------------------------------
def _check_share(table: pd.DataFrame, argument: str) -> None:
    est = table["estimate"].to_numpy(dtype=float)
    bad = (est < 0) | (est > 1)
    if bad.any():
        raise DataError(
            f"{argument}: estimates must be shares between 0 and 1 (got {describe_values(est[bad])}); "
            "a percentage? divide it by 100"
        )


def people_reached(
    exposure,
    population,
    *,
    false_report=None,
    correction: str = "independent",
    level: float | None = None,
    df_method: str = "satterthwaite",
    settings: Reporting | None = None,
) -> pd.DataFrame:
    """People reached = population x share exposed net of false reports, with its interval.

    Parameters
    ----------
    exposure : pandas.DataFrame, Series or mapping
        Design-based estimates of the share exposed (``estimate``, ``se``, optionally ``df`` and
        key columns such as ``variable`` or a domain column), e.g.
        ``SurveyDesign(...).subset(campaign == 1).mean("exposed_any")`` on the endline survey.
        One row per channel or domain gives people reached per channel or domain. Rows of an
        indicator table (:func:`campaign_me.indicators.compute_indicators`) with unit "%" are
        read on the 0-100 scale.
    population : number, mapping or DataFrame
        The target population the shares refer to (e.g. people aged 15-45 in the campaign
        districts, from the census): a number, a mapping on the single key column, or a
        DataFrame with the key columns and ``population``. Treated as known (no variance).
    false_report : pandas.DataFrame, Series or mapping, optional
        The share reporting exposure where there was none: the same question at **baseline**
        (before the campaign) in the same population. Rows are matched on the key columns
        (a single row applies to every row). Must come from an independent sample (another round):
        the variances add (:func:`campaign_me.contrasts.difference`).
    correction : {"independent", "subtract"}, default "independent"
        How false reports are taken out of the reported share ``r`` given the false-report share
        ``f``. ``"independent"``: false reports happen to exposed and unexposed people alike, so
        ``r = e + (1 - e) f`` and the true share is ``e = (r - f) / (1 - f)`` (standard error by
        the delta method). ``"subtract"``: ``e = r - f``, the simple "net of false reports" of
        field practice, which understates reach by the factor ``1 - f`` when false reports also
        come from people who were exposed.
    level : float, default 0.95
        Confidence level; default ``settings.level``.
    df_method : str, default "satterthwaite"
        Degrees of freedom of the net share, as in :func:`campaign_me.contrasts.difference`.
    settings : campaign_me.conventions.Reporting, optional
        The reporting settings (its ``level``); ``level=`` given explicitly wins.

    Returns
    -------
    pandas.DataFrame
        ``[keys...], population, exposure, false_report, share, share_se, share_low,
        share_high, estimate, se, ci_low, ci_high, df, note``: ``share`` is the net exposed share
        and ``estimate`` the number of people reached (population x share) with its standard
        error and interval (the share's interval times the population). A lower limit below zero
        is set to zero and said so in ``note``.

    Notes
    -----
    Reported exposure mixes true exposure with false reports (recall error, acquiescence). The
    baseline share "exposed" before the campaign estimates the false-report rate ``f``; the share
    truly exposed is then ``(r - f) / (1 - f)`` if false reports come from exposed and unexposed
    people alike (``correction="independent"``), or ``r - f`` under the simpler convention
    (``correction="subtract"``). Survey reach = population x share exposed; platforms count
    accounts, not people (Bali Process RSO, 2018, M&E training: dissemination monitoring).

    Examples
    --------
    >>> reached = people_reached({"estimate": 0.52, "se": 0.02}, 150_000,
    ...                          false_report={"estimate": 0.08, "se": 0.01})
    >>> reached[["share", "estimate"]].round(4)
        share    estimate
    0  0.4783  71739.1304
    >>> round(float(reached.loc[0, "se"]))
    3370
    >>> simple = people_reached({"estimate": 0.52, "se": 0.02}, 150_000,
    ...                         false_report={"estimate": 0.08, "se": 0.01}, correction="subtract")
    >>> simple[["share", "estimate", "se"]].round(2)
       share  estimate       se
    0   0.44   66000.0  3354.1
    """
    if correction not in ("independent", "subtract"):
        raise DataError(f"correction={correction!r}: choose 'independent' or 'subtract'")
    level = check_level(reporting(settings).level if level is None else level, error=DataError)
    exp = _estimates(exposure, "exposure", percent="unit")
    _check_share(exp.dropna(subset=["estimate"]), "exposure")
    keys = _keys(exp)
    if false_report is not None:
        fr = _estimates(false_report, "false_report", percent="unit")
        _check_share(fr.dropna(subset=["estimate"]), "false_report")
        fkeys = [k for k in keys if k in fr.columns]
        if len(fr) == 1:  # one false-report rate for every row
            fr = pd.concat([fr.drop(columns=fkeys)] * len(exp), ignore_index=True)
            fr[keys] = exp[keys].to_numpy() if keys else None
            on = keys or None
        else:
            if not fkeys:
                raise DataError(
                    f"false_report has {len(fr)} rows but no key column shared with exposure ({keys or 'none'}); "
                    "give one row, or rows keyed like exposure"
                )
            on = fkeys
        fr_cols = [*(on or []), "estimate", "se", *(["df"] if "df" in fr.columns else [])]
        diff = difference(exp, fr[fr_cols], on=on, level=level, df_method=df_method)
        if on:
            diff = exp[keys].merge(diff, on=on, how="left")
        net, net_se, ddf = diff["estimate"].to_numpy(), diff["se"].to_numpy(), diff["df"].to_numpy()
        fr_est = diff["estimate_b"].to_numpy()
        low, high = diff["ci_low"].to_numpy(), diff["ci_high"].to_numpy()
        if correction == "independent":
            r, f = diff["estimate_a"].to_numpy(), fr_est
            se_r = exp["se"].to_numpy()  # diff rows are in exposure's order
            se_f = np.sqrt(np.maximum(net_se**2 - se_r**2, 0.0))  # var(r - f) = var(r) + var(f)
            with np.errstate(divide="ignore", invalid="ignore"):
                net = (r - f) / (1 - f)
                net_se = np.sqrt(se_r**2 / (1 - f) ** 2 + se_f**2 * (1 - r) ** 2 / (1 - f) ** 4)
            q = stats.t.ppf(0.5 + level / 2, ddf)
            low, high = net - q * net_se, net + q * net_se
    else:
        net, net_se = exp["estimate"].to_numpy(), exp["se"].to_numpy()
        ddf = exp["df"].to_numpy() if "df" in exp.columns else np.full(len(exp), np.inf)
        fr_est = np.full(len(exp), np.nan)
        q = stats.t.ppf(0.5 + level / 2, ddf)
        low = exp["ci_low"].to_numpy() if "ci_low" in exp.columns else net - q * net_se
        high = exp["ci_high"].to_numpy() if "ci_high" in exp.columns else net + q * net_se
    pop = _by_key(population, exp, keys, "population", "population")
    out = exp[keys].copy()
    out["population"] = pop
    out["exposure"] = exp["estimate"].to_numpy()
    out["false_report"] = fr_est
    out["share"] = net
    out["share_se"] = net_se
    out["share_low"] = low
    out["share_high"] = high
    out["estimate"] = pop * net
    out["se"] = pop * net_se
    clipped = low < 0
    out["ci_low"] = pop * np.where(clipped, 0.0, low)
    out["ci_high"] = pop * high
    out["df"] = ddf
    note = np.where(clipped, "lower limit set to 0 (the interval of the net share crosses zero)", "")
    if false_report is None:
        note = np.where(note == "", "not net of false reports", note + "; not net of false reports")
    out["note"] = note
    return out


def funnel(
    design,
    steps: Mapping[str, str],
    *,
    cumulative: bool = True,
    missing: str = "zero",
    level: float | None = None,
    method: str = "logit",
    settings: Reporting | None = None,
) -> pd.DataFrame:
    """The campaign funnel: each step as a share of the target population, with intervals.

    Exposure -> recall -> comprehension -> knowledge -> attitude -> intention -> practice: the
    theory of change as a chain. Each step is estimated design-based on the whole target
    population (the design's rows), so the bars of a funnel chart are comparable, and the
    conversion from one step to the next is given beside them.

    Parameters
    ----------
    design : SurveyDesign
        The survey design of the target population (e.g. the endline in campaign districts:
        ``design.subset(data["campaign"] == 1)``).
    steps : mapping of label to column
        Ordered steps, e.g. ``{"exposed": "exposed_any", "recognised the poster": "aided_recall",
        ...}``; each column holds 0/1 (or True/False) for every respondent.
    cumulative : bool, default True
        A respondent is at step k only if also at every earlier step (the funnel narrows by
        construction); ``False`` estimates each step on its own.
    missing : {"zero", "error"}, default "zero"
        A missing value (a question not asked, e.g. comprehension of someone who did not
        recognise the material, safe practices of someone not migrating) counts as not reaching
        the step; ``"error"`` refuses missing values.
    level : float, default 0.95
        Confidence level; default ``settings.level``.
    method : {"logit", "wald", "korn-graubard"}, default "logit"
        Interval of each share, as :meth:`campaign_me.SurveyDesign.proportion` (the logit interval
        stays inside 0-1 for the small shares at the end of a funnel).
    settings : campaign_me.conventions.Reporting, optional
        The reporting settings (its ``level``); ``level=`` given explicitly wins.

    Returns
    -------
    pandas.DataFrame
        ``step, variable, estimate, se, ci_low, ci_high, deff, n, df, conversion``: estimates are
        shares of the target population (0-1); ``conversion`` is the step's share divided by
        the previous step's (missing for the first).

    Examples
    --------
    >>> from campaign_me import SurveyDesign, load_survey
    >>> data = load_survey("data/samples/belmora/survey_endline.csv", "data/samples/codebook.yaml")
    >>> d = SurveyDesign(data, weights="weight", strata="stratum", psu="psu")
    >>> f = funnel(d.subset(data["campaign"] == 1), {"exposed": "exposed_any", "recognised": "aided_recall",
    ...                                               "understood": "comprehension"})
    >>> f[["step", "estimate", "conversion"]].round(3)
             step  estimate  conversion
    0     exposed     0.457         NaN
    1  recognised     0.342       0.749
    2  understood     0.234       0.684
    """
    if not isinstance(steps, Mapping) or not steps:
        raise DataError("steps: give an ordered mapping of step label to a 0/1 column, e.g. {'exposed': 'exposed_any'}")
    if missing not in ("zero", "error"):
        raise DataError(f"missing={missing!r}: choose 'zero' (not asked = step not reached) or 'error'")
    level = check_level(reporting(settings).level if level is None else level, error=DataError)
    data = design.data
    require_columns(data, list(steps.values()), argument="steps")
    columns = {}
    running = None
    for i, (label, col) in enumerate(steps.items()):
        raw = data[col]
        values = pd.to_numeric(raw, errors="coerce").astype("float64").to_numpy(na_value=np.nan)
        bad = (~np.isnan(values) & ~np.isin(values, [0.0, 1.0])) | (np.isnan(values) & raw.notna().to_numpy())
        if bad.any():
            raise DataError(f"steps: column {col!r} (step {label!r}) must hold 0/1; it has "
                            f"{describe_values(raw[bad])} ({describe_rows(np.flatnonzero(bad))})")
        if np.isnan(values).any():
            if missing == "error":
                raise DataError(f"steps: column {col!r} (step {label!r}) has missing values "
                                f"({describe_rows(np.flatnonzero(np.isnan(values)))}); pass missing='zero' to count "
                                "them as not reaching the step")
            values = np.nan_to_num(values, nan=0.0)
        running = values if running is None or not cumulative else running * values
        columns[f"_funnel_{i}"] = running
    est = design.with_columns(**columns).proportion(list(columns), level=level, method=method)
    est = est.drop(columns="category").reset_index(drop=True)
    est.insert(0, "step", list(steps))
    est["variable"] = list(steps.values())
    prev = est["estimate"].shift(1).to_numpy()
    est["conversion"] = _ratio(est["estimate"], prev)
    est.loc[0, "conversion"] = np.nan
    return est[["step", "variable", "estimate", "se", "ci_low", "ci_high", "deff", "n", "df", "conversion"]]


def _cost(cost, table: pd.DataFrame, keys: list[str]) -> np.ndarray:
    return _by_key(cost, table, keys, "cost", "cost")


def cost_per_person_reached(reached: pd.DataFrame, cost, *, note: str = COST_NOTE) -> pd.DataFrame:
    """Cost per person reached, with the interval carried from people reached.

    Parameters
    ----------
    reached : pandas.DataFrame
        People reached, as :func:`people_reached` returns (``estimate``, ``se``, ``ci_low``,
        ``ci_high`` and key columns), or platform unique reach (a ``reach`` column).
    cost : number, mapping or DataFrame
        Money spent (known, no variance): a number, a mapping on the single key column (e.g.
        channel -> cost), or a DataFrame with the key columns and ``cost``.
    note : str
        Said beside every number (default :data:`COST_NOTE`: log costs are a lower bound).

    Returns
    -------
    pandas.DataFrame
        ``[keys...], cost, reached, estimate, se, ci_low, ci_high, note``: ``estimate`` = cost /
        reached; the interval is cost / (the interval of reached), exact because the transformation
        is monotone (unbounded above when reached may be zero); ``se`` by the delta method,
        cost x se(reached) / reached^2.

    Examples
    --------
    >>> r = people_reached({"estimate": 0.44, "se": 0.02}, 150_000)
    >>> c = cost_per_person_reached(r, 33_000)
    >>> c[["reached", "estimate", "ci_low", "ci_high"]].round(3)
       reached  estimate  ci_low  ci_high
    0  66000.0       0.5   0.459    0.549
    """
    if isinstance(reached, pd.DataFrame) and "estimate" not in reached.columns and "reach" in reached.columns:
        reached = reached.assign(estimate=reached["reach"], se=0.0).drop(columns="reach")
    r = _estimates(reached, "reached")
    keys = [k for k in _keys(r) if k not in ("population", "exposure", "false_report", "share", "share_se",
                                             "share_low", "share_high")]
    c = _cost(cost, r, keys)
    est = r["estimate"].to_numpy(dtype=float)
    se = r["se"].to_numpy(dtype=float)
    lo = r["ci_low"].to_numpy(dtype=float) if "ci_low" in r.columns else est
    hi = r["ci_high"].to_numpy(dtype=float) if "ci_high" in r.columns else est
    out = r[keys].copy()
    out["cost"] = c
    out["reached"] = est
    out["estimate"] = _ratio(c, est)
    out["se"] = np.where(est > 0, c * se / np.where(est > 0, est, 1.0) ** 2, np.nan)
    out["ci_low"] = _ratio(c, hi)
    out["ci_high"] = np.where(lo > 0, _ratio(c, lo), np.inf)
    out["note"] = note
    return out


def cost_per_outcome_change(
    cost,
    effect,
    *,
    people,
    effect_type: str,
    direction: str = "increase",
    baseline: float | None = None,
    level: float | None = None,
    outcome: str | None = None,
    note: str = COST_NOTE,
    settings: Reporting | None = None,
) -> pd.DataFrame:
    """Cost per unit of outcome change: cost / (people x effect), with an interval.

    Parameters
    ----------
    cost : number
        Money spent on the campaign (or channel).
    effect : pandas.DataFrame, Series or mapping
        The effect estimate(s) (``estimate``, ``se``), e.g. a difference-in-differences. One row
        per outcome, or keyed rows. A ``change_unit`` column reading "pp" (as
        :func:`campaign_me.indicators.compare_rounds` gives) marks effects in percentage points
        (8.0), read as 0.08 when ``effect_type="proportion"``.
    people : number or DataFrame
        The people the effect applies to: the target population when ``effect`` is an
        intention-to-treat effect on everyone, or people reached (the table of
        :func:`people_reached`, whose uncertainty is carried through) when it is the effect on
        those reached. The product people x effect is the number of people whose outcome changed.
    effect_type : {"proportion", "mean", "relative"}
        ``"proportion"``: a difference of proportions (0.08 = +8 percentage points); the result
        is the cost per person whose outcome changed. ``"mean"``: a difference of means in the
        outcome's own units (points of a 0-100 score); the result is the cost per point per
        person. ``"relative"``: a relative change (-0.12 = -12 %) of the ``baseline`` share; it is
        turned into percentage points (effect x baseline) first.
    direction : {"increase", "decrease"}, default "increase"
        Which direction is the desired change (``"decrease"`` for irregular-migration intention).
        An effect in the wrong direction, or an interval that includes no change, leaves the cost
        unbounded (``ci_high`` infinite, estimate missing when the point estimate is no gain).
    baseline : float, optional
        The share the relative change applies to (``effect_type="relative"`` only).
    level : float, default 0.95
        Confidence level (normal interval on people x effect, delta method); default ``settings.level``.
    outcome : str, optional
        A label for the ``outcome`` column.
    settings : campaign_me.conventions.Reporting, optional
        The reporting settings (its ``level``); ``level=`` given explicitly wins.

    Returns
    -------
    pandas.DataFrame
        ``[keys...], outcome, effect, effect_unit, effect_label, people, changed, changed_se,
        cost, estimate, se, ci_low, ci_high, per, note``. ``effect_unit`` says "percentage
        points", "points" or "relative change"; ``effect_label`` writes the effect out with its
        unit; ``per`` says what one unit of the cost is per.

    Notes
    -----
    Cost per outcome change ~ cost / (R x effect in percentage points) (docs/methodology.md §1, step 5). The variance of the product
    is taken as :math:`P^2 s_e^2 + e^2 s_P^2` (delta method, people and effect treated as
    independent), and the interval of the cost is cost divided by the interval of the product.

    Examples
    --------
    >>> cost_per_outcome_change(33_000, {"estimate": 0.08, "se": 0.02}, people=150_000,
    ...                         effect_type="proportion", outcome="risk_aware")[
    ...     ["effect_label", "changed", "estimate", "ci_low", "ci_high"]].round(2)
                 effect_label  changed  estimate  ci_low  ci_high
    0  +8.0 percentage points  12000.0      2.75    1.85     5.39
    """
    if effect_type not in EFFECT_TYPES:
        raise DataError(f"effect_type={effect_type!r}: choose one of {', '.join(map(repr, EFFECT_TYPES))} "
                        "(every effect says whether it is in percentage points or a relative change)")
    if direction not in ("increase", "decrease"):
        raise DataError(f"direction={direction!r}: choose 'increase' or 'decrease' (the desired change)")
    level = check_level(reporting(settings).level if level is None else level, error=DataError)
    eff = _estimates(effect, "effect", percent="change_unit" if effect_type == "proportion" else None)
    keys = _keys(eff)
    e = eff["estimate"].to_numpy(dtype=float)
    s = eff["se"].to_numpy(dtype=float)
    if effect_type == "relative":
        if baseline is None or not 0 < float(baseline) <= 1:
            raise DataError("baseline: a relative change needs the baseline share it applies to (0 < baseline <= 1), "
                            "to turn it into percentage points")
        abs_e, abs_s = e * float(baseline), s * float(baseline)
    else:
        if baseline is not None:
            raise DataError(f"baseline is used only with effect_type='relative' (got effect_type={effect_type!r})")
        abs_e, abs_s = e, s
    if effect_type == "proportion" and (np.abs(e[~np.isnan(e)]) > 1).any():
        raise DataError(f"effect: a difference of proportions lies between -1 and 1 (got {describe_values(e)}); "
                        "give 0.08 for 8 percentage points")
    sign = 1.0 if direction == "increase" else -1.0
    gain, gain_se = sign * abs_e, abs_s
    if isinstance(people, pd.DataFrame):
        p = _estimates(people, "people")
        if len(p) == 1 and len(eff) > 1:
            p = pd.concat([p] * len(eff), ignore_index=True)
        if len(p) != len(eff):
            raise DataError(f"people has {len(p)} rows but effect has {len(eff)}: give one row, or one per effect")
        pe, ps = p["estimate"].to_numpy(dtype=float), p["se"].to_numpy(dtype=float)
    elif isinstance(people, (int, float, np.integer, np.floating)) and not isinstance(people, bool) and people > 0:
        pe, ps = np.full(len(eff), float(people)), np.zeros(len(eff))
    else:
        raise DataError(f"people={people!r}: give the number of people the effect applies to (> 0) or the table of "
                        "people_reached")
    c = _by_key(cost, eff, keys, "cost", "cost")
    changed = pe * gain
    changed_se = np.sqrt((pe * gain_se) ** 2 + (gain * ps) ** 2)
    q = stats.norm.ppf(0.5 + level / 2)
    lo, hi = changed - q * changed_se, changed + q * changed_se
    unit = EFFECT_TYPES[effect_type]
    out = eff[keys].copy()
    if outcome is not None or "outcome" not in out.columns:
        out["outcome"] = outcome if outcome is not None else (eff["variable"] if "variable" in eff.columns else "")
    out["effect"] = e
    out["effect_unit"] = unit
    out["effect_label"] = [format_effect(v, effect_type=effect_type) for v in e]
    out["people"] = pe
    out["changed"] = changed
    out["changed_se"] = changed_se
    out["cost"] = c
    positive = changed > 0
    out["estimate"] = np.where(positive, _ratio(c, changed), np.nan)
    out["se"] = np.where(positive, c * changed_se / np.where(positive, changed, 1.0) ** 2, np.nan)
    out["ci_low"] = np.where(hi > 0, _ratio(c, hi), np.nan)
    out["ci_high"] = np.where(lo > 0, _ratio(c, lo), np.inf)
    out["per"] = ("person whose outcome changed" if effect_type != "mean"
                  else "point of change per person")
    notes = np.where(~positive, "no change in the desired direction: cost per change undefined",
                     np.where(lo <= 0, "the effect's interval includes no change: the cost has no upper bound", ""))
    out["note"] = [f"{n}; {note}" if n else note for n in notes]
    return out


def format_effect(value: float, *, effect_type: str, digits: int = 1) -> str:
    """Write an effect with its unit: percentage points, points or a relative change.

    Parameters
    ----------
    value : float
        A difference of proportions (0.08), a difference of means (6.0) or a relative change
        (-0.12), as ``effect_type`` says.
    effect_type : {"proportion", "mean", "relative"}

    Examples
    --------
    >>> format_effect(0.08, effect_type="proportion")
    '+8.0 percentage points'
    >>> format_effect(-0.12, effect_type="relative")
    '-12.0 % (relative change)'
    >>> format_effect(6, effect_type="mean")
    '+6.0 points'
    """
    if effect_type not in EFFECT_TYPES:
        raise DataError(f"effect_type={effect_type!r}: choose one of {', '.join(map(repr, EFFECT_TYPES))}")
    if value is None or not np.isfinite(value):
        return "not estimated"
    if effect_type == "proportion":
        return f"{100 * value:+.{digits}f} percentage points"
    if effect_type == "relative":
        return f"{100 * value:+.{digits}f} % (relative change)"
    return f"{value:+.{digits}f} points"
