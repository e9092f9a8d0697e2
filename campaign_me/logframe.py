"""Results framework (logframe) and the indicator tracking table.

A logframe YAML file states what the campaign is for and how progress is judged: a goal, outcomes
and outputs (each with indicator rows: a catalogue indicator, baseline, target, target date, means
of verification) and activities, with the assumptions that link each level to the one above (IOM,
*Monitoring and Evaluation Guidelines*, ch. 4: results matrix). :func:`load_logframe` reads and
checks it, collecting every problem; :func:`tracking_table` sets the latest survey estimates beside
the baselines and targets and gives each row a traffic-light status.

File format
-----------
.. code-block:: yaml

    title: Safe migration campaign, Aroland 2025-26
    country: Aroland
    catalogue: my_indicators.yaml   # optional, relative to this file, merged over the shipped one
    planned_sample: {n: 900, deff: 1.7, power: 0.8, alpha: 0.05}   # per survey round
    goal:
      narrative: Fewer young people are exploited on irregular migration routes
    outcomes:
      - id: O1
        narrative: Young people in campaign districts know the risks and the safe channels
        assumptions: [Regular channels are accessible]
        indicators:
          - indicator: risk_aware       # a catalogue id
            baseline: 47.0              # in the indicator's unit (percent for proportions)
            baseline_date: 2025-03
            target: 55.0
            target_date: 2026-06
            means_of_verification: Endline KAP survey
            domain: {district: AR101}   # optional: the row is about one domain
            planned_n: 25               # optional: planned interviews per round in that domain
            sd: 20                      # optional: standard deviation, for the MDE of means
            primary: true               # optional: a pre-specified primary outcome (see below)
    outputs:
      - id: OP1
        narrative: ...
        indicators: [...]
    activities:
      - id: A1
        narrative: Community events in campaign districts
        output: OP1

Primary outcomes
----------------
``primary: true`` on an outcome's indicator row names it a **primary outcome**: the change the
evaluation was designed to show, chosen before the endline data were seen. A country report tests
many indicators; at the 5% level each, some intervals exclude zero by chance alone. The report
therefore treats the primary outcome(s) as *confirmatory*, with the familywise error controlled by
:func:`campaign_me.evaluation.adjust_pvalues` (one primary outcome keeps its p-value; several are
Holm-adjusted among themselves), and every other indicator as *exploratory* (a lead to check, not a
conclusion). Name one primary outcome, or very few. A primary outcome must be an outcome-level row
(not a goal or an output), about the whole population (no ``domain``), and ``primary`` must be
``true`` or ``false``; anything else is an error. :attr:`Logframe.primary` lists the primary
indicator ids (empty when none is named: then every finding is exploratory).

Problems are *errors* (unknown indicator id with a "did you mean", a target on the wrong side of
the baseline for the indicator's direction, a missing baseline or target, unknown keys, a
malformed date, a misplaced ``primary``) or *warnings* (a planned change smaller than the minimum detectable change of the
planned sample, with the MDE shown). Errors raise :class:`LogframeError`; warnings are kept in
:attr:`Logframe.problems` and shown in the tracking table's ``note``.

Traffic lights
--------------
``progress = (latest - baseline) / (target - baseline)``, the share of the planned change achieved
(it reads the same for "higher" and "lower is better" indicators). Default cut-offs: **green**
("on track") when progress >= 1 (target reached), **amber** ("part of the way") 0.5 to 1, **red**
("off track") below 0.5; **grey** ("cannot judge") when the latest estimate is missing or
suppressed, or when its confidence interval, converted to progress, spans a cut-off. The cut-offs
are a convention (parameters ``green`` and ``amber``); the baseline is taken as fixed. The
``status`` column holds the codes (green, amber, red, grey); what a reader sees is the words of
:data:`STATUS_WORDS`, on fills (:data:`RAG_COLOURS`) that stay distinct for red-blind and
green-blind readers, so neither the colour nor its name carries the meaning alone.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import html
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from . import power as _power
from .conventions import Reporting, check_level, did_you_mean, reporting
from .errors import CampaignMeError
from .indicators import Catalogue, compute_indicators, load_catalogue

__all__ = [
    "Logframe",
    "LogframeRow",
    "LogframeError",
    "load_logframe",
    "tracking_table",
    "tracking_html",
    "TRACKING_COLUMNS",
    "TRACKING_HTML_COLUMNS",
    "TRACKING_HEADERS",
    "RAG_COLOURS",
    "STATUS_WORDS",
]

#: Columns of :func:`tracking_table`. ``logframe_level`` is the result's level in the logframe (goal,
#: outcome, output), not a confidence level.
TRACKING_COLUMNS = (
    "logframe_level",
    "result",
    "narrative",
    "indicator",
    "name",
    "domain",
    "unit",
    "direction",
    "baseline",
    "target",
    "target_date",
    "latest",
    "ci_low",
    "ci_high",
    "n",
    "progress",
    "progress_low",
    "progress_high",
    "status",
    "means_of_verification",
    "note",
)

#: Fills of the statuses, light tints of Okabe & Ito's sky blue, yellow and vermilion and a light
#: grey: distinct in lightness and hue for red-blind, green-blind and blue-blind readers (simulated
#: CIELAB distance at least 16 between any two; the former green and amber fills were 3 apart for
#: red-blind readers), black text on each at a contrast of 9:1 or more. The status is always
#: written too (:data:`STATUS_WORDS`): a fill is never the only carrier of the meaning.
RAG_COLOURS = {"green": "#8fd0e8", "amber": "#fbe38e", "red": "#e8956f", "grey": "#e6e6e6"}

#: What a reader sees for each status code: words, not colour names.
STATUS_WORDS = {"green": "on track", "amber": "part of the way", "red": "off track", "grey": "cannot judge"}

_TOP_KEYS = (
    "title",
    "country",
    "description",
    "catalogue",
    "planned_sample",
    "goal",
    "outcomes",
    "outputs",
    "activities",
)
_RESULT_KEYS = ("id", "narrative", "assumptions", "indicators", "output", "outcome")
_ROW_KEYS = (
    "indicator",
    "baseline",
    "baseline_date",
    "target",
    "target_date",
    "means_of_verification",
    "domain",
    "planned_n",
    "sd",
    "note",
    "primary",
)
_SAMPLE_KEYS = ("n", "deff", "power", "alpha")
_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


class LogframeError(CampaignMeError):
    """A logframe file has errors; ``.problems`` is the table of every problem found."""

    def __init__(self, message: str, problems: pd.DataFrame | None = None) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass(frozen=True)
class LogframeRow:
    """One indicator row of a logframe result."""

    level: str  # goal, outcome, output
    result: str  # id of the result (e.g. "O1")
    narrative: str
    indicator: str
    baseline: float | None
    target: float | None
    target_date: str = ""
    baseline_date: str = ""
    means_of_verification: str = ""
    domain: dict[str, Any] = field(default_factory=dict)
    planned_n: float | None = None
    sd: float | None = None
    mde: float | None = None
    warnings: tuple[str, ...] = ()
    primary: bool = False  # a pre-specified primary outcome (confirmatory)


@dataclass(frozen=True)
class Logframe:
    """A checked logframe: metadata, indicator rows, activities and the problems found."""

    title: str
    country: str
    rows: tuple[LogframeRow, ...]
    results: tuple[dict, ...]
    activities: tuple[dict, ...]
    planned_sample: dict
    problems: pd.DataFrame
    catalogue: Any = None
    source: str = ""

    @property
    def primary(self) -> tuple[str, ...]:
        """Indicator ids of the primary outcomes (``primary: true``), in file order; empty when none."""
        return tuple(dict.fromkeys(r.indicator for r in self.rows if r.primary))

    @property
    def warnings(self) -> list[str]:
        """Messages of the warnings (e.g. targets below the minimum detectable change)."""
        w = self.problems[self.problems["severity"] == "warning"]
        return [f"{a}: {b}" for a, b in zip(w["where"], w["problem"])]

    def to_frame(self) -> pd.DataFrame:
        """One row per logframe indicator row (every field, plus the MDE where it was computed)."""
        rows = []
        for r in self.rows:
            d = dataclasses.asdict(r)
            d["domain"] = _domain_text(r.domain)
            d["warnings"] = "; ".join(r.warnings)
            rows.append(d)
        return pd.DataFrame(rows)


def _domain_text(domain: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in domain.items())


def _number(value) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)) and np.isfinite(value):
        return float(value)
    return None


def _date_text(value) -> str | None:
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()[:10]
    if isinstance(value, str) and _DATE.match(value.strip()):
        return value.strip()
    return None


def load_logframe(
    path: str | os.PathLike[str] | Mapping,
    *,
    catalogue=None,
    codebook=None,
) -> Logframe:
    """Read and check a logframe YAML file (or an already-parsed mapping).

    Parameters
    ----------
    path : str, path-like or mapping
        The logframe file (format in the module docstring).
    catalogue : Catalogue or path, optional
        Indicator catalogue the rows refer to. Default: the file's ``catalogue`` key (relative to
        the file, merged over the shipped catalogue), else the shipped catalogue.
    codebook : Codebook or path, optional
        Also check the catalogue's expressions against this codebook.

    Returns
    -------
    Logframe
        With :attr:`Logframe.problems` (``where, severity, problem``) holding the warnings.

    Raises
    ------
    LogframeError
        Listing every error (not only the first), each naming the result, row and key.

    Examples
    --------
    >>> lf = load_logframe("data/samples/aroland/logframe.yaml")
    >>> lf.country, len(lf.rows) > 5
    ('Aroland', True)
    >>> any("minimum detectable" in w for w in lf.warnings)
    True
    >>> lf.primary
    ('risk_aware',)
    """
    base = Path(".")
    if isinstance(path, Mapping):
        raw, source = dict(path), "logframe (from a mapping)"
    else:
        p = Path(path)
        if not p.exists():
            raise FileNotFoundError(f"logframe {str(p)!r} does not exist")
        base = p.parent
        source = str(p)
        try:
            raw = yaml.safe_load(p.read_text(encoding="utf-8"))
        except yaml.YAMLError as e:
            raise LogframeError(f"{source}: not valid YAML: {e}") from None
    problems: list[tuple[str, str, str]] = []

    def err(where, msg):
        problems.append((where, "error", msg))

    def warn(where, msg):
        problems.append((where, "warning", msg))

    if not isinstance(raw, Mapping):
        raise LogframeError(f"{source}: expected a mapping with goal, outcomes, outputs, activities")
    for k in raw:
        if k not in _TOP_KEYS:
            err("top level", f"unknown key {k!r}{did_you_mean(k, _TOP_KEYS)}")
    if catalogue is None:
        cat_path = raw.get("catalogue")
        catalogue = load_catalogue(base / cat_path) if cat_path else load_catalogue()
    elif not isinstance(catalogue, Catalogue):
        catalogue = load_catalogue(catalogue)
    if codebook is not None:
        catalogue.validate(codebook)

    sample = raw.get("planned_sample") or {}
    if not isinstance(sample, Mapping):
        err("planned_sample", "must be a mapping with n, deff, power, alpha")
        sample = {}
    for k in sample:
        if k not in _SAMPLE_KEYS:
            err("planned_sample", f"unknown key {k!r}{did_you_mean(k, _SAMPLE_KEYS)}")
    plan = {
        "n": sample.get("n"),
        "deff": sample.get("deff", 1.0),
        "power": sample.get("power", 0.8),
        "alpha": sample.get("alpha", 0.05),
    }
    for k in ("n", "deff", "power", "alpha"):
        v = plan[k]
        if v is not None and (_number(v) is None or v <= 0):
            err("planned_sample", f"{k} must be a positive number, got {v!r}")
            plan[k] = None

    rows: list[LogframeRow] = []
    results: list[dict] = []
    ids: dict[str, str] = {}
    levels = [("goal", raw.get("goal")), ("outcome", raw.get("outcomes")), ("output", raw.get("outputs"))]
    if not raw.get("outcomes"):
        err("outcomes", "a logframe needs at least one outcome with an indicator")
    for level, block in levels:
        if block is None:
            continue
        items = [block] if level == "goal" else block
        if not isinstance(items, list):
            err(level + "s", "must be a list of results")
            continue
        for i, res in enumerate(items, start=1):
            where = f"{level} {i}"
            if not isinstance(res, Mapping):
                err(where, "must be a mapping with id, narrative, indicators")
                continue
            rid = str(res.get("id", "G" if level == "goal" else ""))
            where = f"{level} {rid!r}" if rid else where
            if not rid:
                err(where, "missing 'id'")
            elif rid in ids:
                err(where, f"duplicate id {rid!r} (already used by another {ids[rid]})")
            ids[rid] = level
            for k in res:
                if k not in _RESULT_KEYS:
                    err(where, f"unknown key {k!r}{did_you_mean(k, _RESULT_KEYS)}")
            narrative = res.get("narrative")
            if not isinstance(narrative, str) or not narrative.strip():
                err(where, "missing 'narrative' (what changes, for whom)")
                narrative = ""
            assumptions = res.get("assumptions") or []
            if isinstance(assumptions, str):
                assumptions = [assumptions]
            results.append(
                {"level": level, "id": rid, "narrative": narrative, "assumptions": list(assumptions)}
            )
            inds = res.get("indicators") or []
            if level != "goal" and not inds:
                err(where, "has no indicators")
            if not isinstance(inds, list):
                err(where, "indicators must be a list")
                continue
            for j, row in enumerate(inds, start=1):
                rw = f"{where}, indicator {j}"
                parsed = _parse_row(row, rw, level, rid, narrative, catalogue, plan, err, warn)
                if parsed is not None:
                    rows.append(parsed)
    activities = raw.get("activities") or []
    outputs = {r["id"] for r in results if r["level"] == "output"}
    if not isinstance(activities, list):
        err("activities", "must be a list")
        activities = []
    for i, act in enumerate(activities, start=1):
        if not isinstance(act, Mapping):
            err(f"activity {i}", "must be a mapping with id, narrative, output")
            continue
        for k in act:
            if k not in _RESULT_KEYS:
                err(f"activity {act.get('id', i)!r}", f"unknown key {k!r}{did_you_mean(k, _RESULT_KEYS)}")
        out = act.get("output")
        if out is not None and str(out) not in outputs:
            err(
                f"activity {act.get('id', i)!r}",
                f"output {out!r} is not an output of this logframe{did_you_mean(out, outputs)}",
            )
    table = pd.DataFrame(problems, columns=["where", "severity", "problem"])
    errors = table[table["severity"] == "error"]
    if len(errors):
        lines = "\n".join(f"  - {w}: {m}" for w, m in zip(errors["where"], errors["problem"]))
        raise LogframeError(f"{source}: {len(errors)} error{'s' if len(errors) != 1 else ''}\n{lines}", table)
    return Logframe(
        title=str(raw.get("title", "")),
        country=str(raw.get("country", "")),
        rows=tuple(rows),
        results=tuple(results),
        activities=tuple(dict(a) for a in activities),
        planned_sample=plan,
        problems=table.reset_index(drop=True),
        catalogue=catalogue,
        source=source,
    )


def _parse_row(row, where, level, rid, narrative, catalogue, plan, err, warn_all) -> LogframeRow | None:
    mine: list[str] = []

    def warn(w, msg):
        mine.append(msg)
        warn_all(w, msg)

    if isinstance(row, str):
        row = {"indicator": row}
    if not isinstance(row, Mapping):
        err(where, "must be a mapping with indicator, baseline, target")
        return None
    for k in row:
        if k not in _ROW_KEYS:
            err(where, f"unknown key {k!r}{did_you_mean(k, _ROW_KEYS)}")
    ind_id = row.get("indicator")
    if not ind_id:
        err(where, "missing 'indicator' (a catalogue id)")
        return None
    where = f"{where} ({ind_id})"
    if ind_id not in catalogue:
        err(where, f"unknown indicator id {ind_id!r}{did_you_mean(ind_id, catalogue.ids)}")
        return None
    ind = catalogue[ind_id]
    baseline, target = _number(row.get("baseline")), _number(row.get("target"))
    ok = True
    if row.get("baseline") is None:
        err(where, "missing baseline (measure it before setting the target)")
        ok = False
    elif baseline is None:
        err(where, f"baseline must be a number, got {row.get('baseline')!r}")
        ok = False
    if row.get("target") is None:
        if level != "goal":
            err(where, "missing target")
        ok = False
    elif target is None:
        err(where, f"target must be a number, got {row.get('target')!r}")
        ok = False
    dates = {}
    for k in ("target_date", "baseline_date"):
        v = row.get(k)
        if v is None:
            dates[k] = ""
            continue
        t = _date_text(v)
        if t is None:
            err(where, f"{k} {v!r} is not a date (YYYY-MM or YYYY-MM-DD)")
            t = ""
        dates[k] = t
    if level != "goal" and row.get("target_date") is None:
        err(where, "missing target_date")
    if dates["target_date"] and dates["baseline_date"] and dates["target_date"] <= dates["baseline_date"]:
        err(where, f"target_date {dates['target_date']} is not after baseline_date {dates['baseline_date']}")
    if ind.unit == "%" and ok:
        for name, v in (("baseline", baseline), ("target", target)):
            if not 0 <= v <= 100:
                err(where, f"{name} {v:g} is outside 0-100 (the indicator is a percentage)")
                ok = False
    if ok:
        change = target - baseline
        if change == 0:
            err(where, f"target equals the baseline ({baseline:g}): no change is planned")
        elif (ind.direction == "higher") != (change > 0):
            better = "above" if ind.direction == "higher" else "below"
            err(
                where,
                f"target {target:g} is on the wrong side of the baseline {baseline:g}: {ind.direction} is better for {ind_id!r}, so the target should be {better} it",
            )
    domain = row.get("domain") or {}
    if not isinstance(domain, Mapping):
        err(where, "domain must be a mapping such as {district: AR101}")
        domain = {}
    primary = row.get("primary", False)
    if not isinstance(primary, bool):
        err(where, f"primary must be true or false, got {primary!r}")
        primary = False
    elif primary and level != "outcome":
        err(where, f"primary: only an outcome's indicator can be a primary outcome, and this row is a {level}'s; "
                   "move 'primary: true' to the outcome indicator the evaluation was designed to show")
    elif primary and domain:
        err(where, f"primary: a primary outcome is about the whole population, but this row has domain "
                   f"{_domain_text(domain)}; remove 'domain' or 'primary'")
    planned_n = row.get("planned_n", plan.get("n"))
    if planned_n is not None and (_number(planned_n) is None or planned_n <= 0):
        err(where, f"planned_n must be a positive number, got {planned_n!r}")
        planned_n = None
    sd = row.get("sd")
    if sd is not None and (_number(sd) is None or sd <= 0):
        err(where, f"sd must be a positive number, got {sd!r}")
        sd = None
    mde = None
    if ok and planned_n is not None and plan.get("deff") and plan.get("power") and plan.get("alpha"):
        try:
            mde = _mde(ind, baseline, planned_n, sd, plan)
        except CampaignMeError as e:
            warn(where, f"minimum detectable change not computed: {e}")
        if mde is not None and abs(target - baseline) < mde:
            unit = "pp" if ind.unit == "%" else ind.unit
            warn(
                where,
                f"the planned change {abs(target - baseline):.1f} {unit} is smaller than the minimum detectable "
                f"change {mde:.1f} {unit} of the planned sample (n={planned_n:g} per round, deff {plan['deff']:g}, "
                f"power {plan['power']:g}, alpha {plan['alpha']:g}): the survey is unlikely to show it",
            )
        if mde is None and ind.unit != "%" and sd is None:
            warn(where, "no 'sd' given, so the minimum detectable change was not checked")
    if not ok:
        return None
    return LogframeRow(
        level=level,
        result=rid,
        narrative=narrative,
        indicator=ind_id,
        baseline=baseline,
        target=target,
        target_date=dates["target_date"],
        baseline_date=dates["baseline_date"],
        means_of_verification=str(row.get("means_of_verification", "")),
        domain=dict(domain),
        planned_n=float(planned_n) if planned_n is not None else None,
        sd=float(sd) if sd is not None else None,
        mde=mde,
        warnings=tuple(mine),
        primary=bool(primary),
    )


def _mde(ind, baseline: float, n: float, sd: float | None, plan: dict) -> float | None:
    """Minimum detectable change between two independent rounds of n each (in the indicator's unit)."""
    kw = {"power": plan["power"], "alpha": plan["alpha"], "deff": plan["deff"]}
    if ind.unit == "%":
        p = min(max(baseline / 100.0, 0.01), 0.99)
        return 100.0 * _power.mde_proportion(n, p=p, **kw)
    if sd is not None:
        return float(_power.mde_mean(n, sd, method="normal", **kw))
    return None


# --------------------------------------------------------------------------------------------------
# tracking
# --------------------------------------------------------------------------------------------------
def _status(p: float, green: float, amber: float) -> str:
    return "green" if p >= green else ("amber" if p >= amber else "red")


def tracking_table(
    logframe: Logframe,
    latest,
    *,
    codebook=None,
    green: float = 1.0,
    amber: float = 0.5,
    level: float | None = None,
    min_n: int | None = None,
    flag_n: int | None = None,
    settings: Reporting | None = None,
) -> pd.DataFrame:
    """The indicator tracking table: baseline, target, latest estimate, progress and status.

    Parameters
    ----------
    logframe : Logframe
        From :func:`load_logframe`.
    latest : SurveyDesign or DataFrame
        The latest survey round as a design (indicators are computed with the logframe's
        catalogue, by the rows' domain columns), or a table from
        :func:`campaign_me.compute_indicators` (overall, or with the domain columns).
    codebook : Codebook or path, optional
        Needed when ``latest`` is a design and the indicators use scales.
    green, amber : float, default 1.0 and 0.5
        Cut-offs of the share of the planned change achieved: green at or above ``green``, amber
        from ``amber`` to ``green``, red below ``amber``.
    level, min_n, flag_n
        As :func:`campaign_me.compute_indicators` (when ``latest`` is a design); default: the
        ``settings``' (0.95, 25, 50).
    settings : campaign_me.conventions.Reporting, optional
        The reporting settings; ``level=``, ``min_n=``, ``flag_n=`` given explicitly win.

    Returns
    -------
    pandas.DataFrame
        ``logframe_level, result, narrative, indicator, name, domain, unit, direction, baseline, target,
        target_date, latest, ci_low, ci_high, n, progress, progress_low, progress_high, status,
        means_of_verification, note``; ``status`` is green, amber, red or grey. ``logframe_level``
        is the result's level in the logframe (goal, outcome, output); before version 0.2 this
        column was called ``level``.

    Examples
    --------
    >>> import pandas as pd
    >>> lf = load_logframe({"outcomes": [{"id": "O1", "narrative": "Know the risks", "indicators": [
    ...     {"indicator": "risk_aware", "baseline": 40, "target": 50, "target_date": "2026-06"}]}]})
    >>> latest = pd.DataFrame({"indicator": ["risk_aware"], "estimate": [46.0], "ci_low": [45.5],
    ...                        "ci_high": [46.5], "n": [900], "suppressed": [False]})
    >>> tracking_table(lf, latest)[["latest", "progress", "status"]]
       latest  progress status
    0    46.0       0.6  amber
    """
    s = reporting(settings)
    level = s.level if level is None else level
    min_n = s.min_n if min_n is None else min_n
    flag_n = s.flag_n if flag_n is None else flag_n
    if not 0 <= amber < green:
        raise CampaignMeError(f"cut-offs: need 0 <= amber < green, got amber={amber!r}, green={green!r}")
    tables: dict[tuple[str, ...], pd.DataFrame] = {}

    def table_for(keys: tuple[str, ...]) -> pd.DataFrame:
        if isinstance(latest, pd.DataFrame):
            missing = [k for k in keys if k not in latest.columns]
            if missing:
                raise CampaignMeError(
                    f"latest: the table has no column(s) {missing} for the logframe's domain rows; "
                    f"compute it with by={list(keys)}"
                )
            return latest
        if keys not in tables:
            ids = sorted({r.indicator for r in logframe.rows if tuple(r.domain) == keys})
            tables[keys] = compute_indicators(
                latest,
                logframe.catalogue,
                codebook=codebook,
                by=list(keys) or None,
                indicators=ids,
                level=level,
                min_n=min_n,
                flag_n=flag_n,
            )
        return tables[keys]

    out = []
    for r in logframe.rows:
        ind = logframe.catalogue[r.indicator]
        t = table_for(tuple(r.domain))
        sel = t["indicator"] == r.indicator
        for k, v in r.domain.items():
            sel &= t[k].astype(str) == str(v)
        hit = t[sel]
        notes = []
        latest_v = lo = hi = np.nan
        n = 0
        if len(hit) > 1:
            notes.append(
                f"{len(hit)} rows of the latest table match: pass an overall table or one by the domain columns"
            )
        elif len(hit) == 0:
            notes.append("no latest estimate for this indicator and domain")
        else:
            h = hit.iloc[0]
            n = int(h.get("n", 0)) if pd.notna(h.get("n", 0)) else 0
            if bool(h.get("suppressed", False)) or pd.isna(h["estimate"]):
                notes.append(str(h.get("note", "")) or "latest estimate suppressed")
            else:
                latest_v, lo, hi = (
                    float(h["estimate"]),
                    float(h.get("ci_low", np.nan)),
                    float(h.get("ci_high", np.nan)),
                )
        planned = r.target - r.baseline
        prog = (latest_v - r.baseline) / planned
        p1, p2 = (lo - r.baseline) / planned, (hi - r.baseline) / planned
        plo, phi = min(p1, p2), max(p1, p2)
        if np.isnan(prog):
            status = "grey"
        elif np.isnan(plo) or np.isnan(phi):
            status = "grey"
            notes.append("no interval: cannot judge")
        elif _status(plo, green, amber) != _status(phi, green, amber):
            status = "grey"
            notes.append(f"the interval spans a cut-off (progress {plo:.2f} to {phi:.2f}): cannot judge")
        else:
            status = _status(prog, green, amber)
        notes.extend(r.warnings)
        out.append(
            {
                "logframe_level": r.level,
                "result": r.result,
                "narrative": r.narrative,
                "indicator": r.indicator,
                "name": ind.name,
                "domain": _domain_text(r.domain) or "all",
                "unit": ind.unit,
                "direction": ind.direction,
                "baseline": r.baseline,
                "target": r.target,
                "target_date": r.target_date,
                "latest": latest_v,
                "ci_low": lo,
                "ci_high": hi,
                "n": n,
                "progress": prog,
                "progress_low": plo,
                "progress_high": phi,
                "status": status,
                "means_of_verification": r.means_of_verification,
                "note": "; ".join(x for x in notes if x),
            }
        )
    return pd.DataFrame(out, columns=list(TRACKING_COLUMNS))


#: Columns :func:`tracking_html` shows by default: what a reader of a report needs. The unit is
#: written beside the indicator's name, the interval beside the latest value and the range of
#: progress beside the progress; statistical notes (``note``) are left to a methods section.
TRACKING_HTML_COLUMNS = (
    "name",
    "domain",
    "baseline",
    "target",
    "latest",
    "progress",
    "status",
)

#: Column headers in words, as :func:`tracking_html` writes them.
TRACKING_HEADERS = {
    "logframe_level": "Level",
    "result": "Result",
    "narrative": "Result statement",
    "indicator": "Indicator id",
    "name": "Indicator",
    "domain": "Where",
    "unit": "Unit",
    "direction": "Better when",
    "baseline": "Baseline",
    "target": "Target",
    "target_date": "Target date",
    "latest": "Latest ({level} CI)",
    "ci_low": "Lower limit",
    "ci_high": "Upper limit",
    "n": "Respondents",
    "progress": "Share of the planned change achieved",
    "progress_low": "Lowest share the interval allows",
    "progress_high": "Highest share the interval allows",
    "status": "Status",
    "means_of_verification": "Means of verification",
    "note": "Note",
}


def _unit_words(unit: str) -> str:
    return {"pp": "percentage points", "%": "%"}.get(str(unit), str(unit))


def _place(domain) -> str:
    text = str(domain) if pd.notna(domain) else ""
    if text in ("", "all"):
        return "whole survey"
    return "; ".join(part.replace("=", " ", 1) for part in text.split(", "))


def tracking_html(
    table: pd.DataFrame,
    *,
    caption: str | None = None,
    digits: int = 1,
    columns: Sequence[str] | None = TRACKING_HTML_COLUMNS,
    level: float | None = None,
    settings: Reporting | None = None,
) -> str:
    """The tracking table as an HTML table a reader can take in: headers and statuses in words.

    ``columns`` picks the columns of :func:`tracking_table` shown, in order (those missing from
    ``table`` are skipped); the default, :data:`TRACKING_HTML_COLUMNS`, keeps a report readable on
    one page and on a phone. ``None`` shows every column except the narrative and the progress
    bounds. Headers are :data:`TRACKING_HEADERS`; the unit goes beside the indicator's name when
    ``unit`` is not shown; the latest value carries its interval and the progress its range when
    ``ci_low``/``ci_high`` and ``progress_low``/``progress_high`` are not shown on their own.

    Each status is written in words (:data:`STATUS_WORDS`: "cannot judge", not "grey") on a light
    fill (:data:`RAG_COLOURS`) that red-blind readers can tell apart; nothing depends on colour
    alone. Every cell carries its column's header as ``data-label``, so a narrow screen can show
    each row as a card (the report's style sheet does). The table has no index column. ``level``
    is the confidence level named in the latest value's header (default ``settings.level``, 0.95).

    Examples
    --------
    >>> t = pd.DataFrame({"name": ["Knows the hotline"], "unit": ["%"], "latest": [46.04], "ci_low": [42.0],
    ...                   "ci_high": [50.1], "status": ["grey"]})
    >>> html_ = tracking_html(t)
    >>> ">cannot judge<" in html_ and RAG_COLOURS["grey"] in html_ and "46.0 (42.0 to 50.1)" in html_
    True
    >>> "Knows the hotline (%)" in html_ and ">grey<" not in html_
    True
    """
    if columns is None:
        shown = [c for c in table.columns if c not in ("narrative", "progress_low", "progress_high")]
    else:
        shown = [c for c in columns if c in table.columns]
    merge_ci = "latest" in shown and {"ci_low", "ci_high"} <= set(table.columns) and not (
        {"ci_low", "ci_high"} & set(shown))
    merge_progress = "progress" in shown and {"progress_low", "progress_high"} <= set(table.columns) and not (
        {"progress_low", "progress_high"} & set(shown))
    unit_in_name = "name" in shown and "unit" in table.columns and "unit" not in shown
    pct = f"{check_level(reporting(settings).level if level is None else level):.0%}"

    def number(v) -> str:
        if v is None or (isinstance(v, float) and not np.isfinite(v)) or pd.isna(v):
            return "-"
        if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
            return f"{float(v):.{digits}f}" if isinstance(v, (float, np.floating)) else str(v)
        return str(v)

    def share(v) -> str:
        return "-" if v is None or pd.isna(v) else f"{float(v):.0%}"

    def cell(col: str, rec: dict) -> str:
        v = rec.get(col)
        if col == "status":
            return STATUS_WORDS.get(str(v), "-" if pd.isna(v) else str(v))
        if col == "name":
            text = "" if pd.isna(v) else str(v)
            if unit_in_name and pd.notna(rec.get("unit")) and str(rec.get("unit")):
                text += f" ({rec['unit']})"
            return text
        if col == "domain":
            return _place(v)
        if col == "unit":
            return _unit_words(v)
        if col == "latest":
            text = number(v)
            if merge_ci and text != "-" and pd.notna(rec.get("ci_low")):
                text += f" ({number(rec['ci_low'])} to {number(rec['ci_high'])})"
            return text
        if col == "progress":
            text = share(v)
            if merge_progress and text != "-" and pd.notna(rec.get("progress_low")):
                text += f" ({share(rec['progress_low'])} to {share(rec['progress_high'])})"
            return text
        if col in ("progress_low", "progress_high"):
            return share(v)
        if col == "direction":
            return {"higher": "higher", "lower": "lower"}.get(str(v), number(v))
        return number(v)

    head = []
    for c in shown:
        head.append(f'<th scope="col">{html.escape(TRACKING_HEADERS.get(c, c).format(level=pct))}</th>')
    body = []
    for rec in table.to_dict("records"):
        cells = []
        for j, c in enumerate(shown):
            label = html.escape(TRACKING_HEADERS.get(c, c).format(level=pct), quote=True)
            text = html.escape(cell(c, rec))
            if c == "status":
                code = str(rec.get(c))
                fill = RAG_COLOURS.get(code)
                style = f' style="background-color: {fill}; font-weight: bold"' if fill else ""
                cells.append(f'<td class="cm-status cm-status-{html.escape(code, quote=True)}" '
                             f'data-label="{label}"{style}>{text}</td>')
            elif j == 0:
                cells.append(f'<th scope="row" data-label="{label}">{text}</th>')
            else:
                cells.append(f'<td data-label="{label}">{text}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (f'<table class="cm-table cm-tracking">{cap}<thead><tr>{"".join(head)}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')
