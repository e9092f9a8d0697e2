"""Survey rounds stacked into one design: the round structure decides the strata and PSUs.

Two rounds of a survey (baseline and endline) are compared on one design holding both rounds'
rows, as in R: ``rbind`` the rounds and declare ``svydesign`` on the stacked rows. How the rounds
relate (:data:`ROUNDS`) decides the PSUs: new samples each round get separate strata and PSUs per
round; clusters revisited (or people re-interviewed) keep each cluster's (person's) two rounds in
one PSU, so the covariance between the rounds enters every variance.

This is a design operation (Core): :mod:`campaign_me.indicators` (round comparisons of the
indicators) and :mod:`campaign_me.evaluation` (pre-post and difference-in-differences) both build
on it. :func:`combine_rounds`, :func:`check_rounds` and :data:`ROUNDS` are also importable from
:mod:`campaign_me.evaluation`, where they were first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .conventions import check_choice
from .design import SurveyDesign, codebook_object, indicator_values
from .errors import DataError, DesignError, describe_values, require_columns

__all__ = ["ROUNDS", "check_rounds", "combine_rounds", "declare_rounds"]

#: How survey rounds relate: new samples each round, the same clusters revisited with new
#: respondents, or the same people re-interviewed (the codebook's ``rounds`` key).
ROUNDS = ("independent", "same_clusters", "panel")


@dataclass(frozen=True)
class _Stacking:
    """How a stacked design was declared (kept on designs from :func:`combine_rounds`)."""

    rounds: str
    weights: str | None
    strata: str | None
    psu: str | list[str] | None
    fpc: str | list[str] | None
    id: str | None
    post: str
    nest: bool
    lonely_psu: str


_STACKING = "_campaign_me_stacking"  # attribute of a stacked SurveyDesign (copied by subset/with_columns)


def check_rounds(rounds) -> str:
    """``rounds`` if it is one of :data:`ROUNDS`; otherwise a DataError saying what each one means."""
    try:
        return check_choice(rounds, ROUNDS, argument="rounds", error=DataError)
    except DataError as exc:
        raise DataError(
            f"{exc}: 'independent' for new samples each round, 'same_clusters' for the same clusters "
            "revisited with new respondents, 'panel' for the same people re-interviewed"
        ) from None


def _first(values: pd.Series, limit: int = 5) -> str:
    return describe_values(values.drop_duplicates().tolist()[:limit + 1], limit=limit)


def _round_labels(is_post: np.ndarray, col: pd.Series | None, index: pd.Index) -> pd.Series:
    """``"baseline:<value>"`` or ``"endline:<value>"`` per row (the value as ``col.astype(str)``).

    A categorical column built from the column's distinct values (one factorisation instead of a
    million string joins), its categories in sorted order; without ``col``, the round's name.
    """
    tags = np.array(["baseline", "endline"], dtype=object)
    r = is_post.astype(np.intp)
    if col is None:
        codes, labels = r, tags
    else:
        c, uniques = pd.factorize(col)
        text = pd.Series(uniques).astype(str).to_numpy(dtype=object)
        labels = np.concatenate([tags[0] + ":" + text, tags[1] + ":" + text]) if len(text) else tags[:0]
        if (c < 0).any() or len(set(labels)) < len(labels):  # blanks, or values alike as text: row by row
            # a blank stays blank (pandas 2.2 writes a missing value as "nan" text), so the design
            # names it instead of pooling every blank into one PSU
            joined = pd.Series(tags[r], index=index) + ":" + col.astype(str)
            return joined.where(col.notna().to_numpy())
        codes = r * len(text) + c
    order = np.argsort(labels, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    codes = rank[codes]
    seen = np.bincount(codes, minlength=len(labels)) > 0  # only the labels that occur, still sorted
    if not seen.all():
        codes = (np.cumsum(seen) - 1)[codes]
    return pd.Series(pd.Categorical.from_codes(codes, categories=labels[order][seen]), index=index)


def _declare_rounds(
    stacked: pd.DataFrame, spec: _Stacking, *, legacy_shared: bool = False
) -> SurveyDesign:
    """Declare the design of stacked rounds (``spec.post`` 0/1) with the round structure ``spec.rounds``.

    ``independent``: each round's strata and PSUs are separate strata and PSUs (``round_stratum``,
    ``round_psu``). ``same_clusters``: the strata and PSUs as declared, shared by the rounds, so a
    cluster's two rounds are one PSU (as R's ``svydesign(id = ~cluster, strata = ~stratum)`` on the
    stacked rows). ``panel``: the same, with each person's interviews in one PSU: the cluster when
    there is one (persons are nested in clusters), else the respondent id. ``legacy_shared`` keeps
    ``combine_rounds(independent=False)``: strata and PSUs as declared, without the checks.
    """
    post = stacked[spec.post].to_numpy()
    rounds = spec.rounds
    s_col, p_col = spec.strata, spec.psu
    data = stacked
    if rounds == "independent":
        is_post = post == 1
        s_col = "round_stratum"
        strata = stacked[spec.strata] if spec.strata is not None else None
        new = {s_col: _round_labels(is_post, strata, stacked.index)}
        if spec.psu is not None:
            first = spec.psu if isinstance(spec.psu, str) else spec.psu[0]
            new["round_psu"] = _round_labels(is_post, stacked[first], stacked.index)
            p_col = "round_psu" if isinstance(spec.psu, str) else ["round_psu", *spec.psu[1:]]
        data = stacked.assign(**new)
    elif not legacy_shared:
        first = p_col if isinstance(p_col, str) or p_col is None else p_col[0]
        if rounds == "same_clusters" and first is None:
            raise DesignError(
                "rounds='same_clusters': the rounds share clusters, so the design needs its cluster "
                "(PSU) column "
                "(psu=..., or the codebook's psu)"
            )
        if rounds == "panel":
            if spec.id is None:
                raise DesignError(
                    "rounds='panel': the respondent id that links each person's interviews is needed "
                    "(id=..., or the codebook's id)"
                )
            require_columns(stacked, spec.id, argument="id")
            ids = stacked[spec.id]
            if ids.isna().any():
                raise DataError(
                    f"rounds='panel': the id column {spec.id!r} has blanks; every interview needs its id"
                )
            dup = stacked[[spec.id, spec.post]].duplicated(keep=False).to_numpy()
            if dup.any():
                raise DataError(
                    f"rounds='panel': id(s) {_first(ids[dup])} appear more than once in one round; "
                    "a panel has each person at most once per round"
                )
            both = ids[post == 0].isin(set(ids[post == 1])).any()
            if not both:
                raise DataError(
                    f"rounds='panel': no id of the baseline is in the endline (column {spec.id!r}); "
                    "check the ids, or declare rounds: independent"
                )
            if first is None:
                p_col = spec.id  # each person is a PSU: their two interviews are linked
            # a person stays in one stratum and one cluster
            for col, what in ((spec.strata, "stratum"), (first, "cluster")):
                if col is None or col == spec.id:
                    continue
                moved = stacked.groupby(spec.id, sort=False)[col].transform("nunique") > 1
                if moved.any():
                    raise DesignError(
                        f"rounds='panel': id(s) {_first(ids[moved.to_numpy()])} are in another {what} "
                        f"({col!r}) at endline than at baseline; a panel keeps each person in the PSU and "
                        "stratum of the "
                        "baseline (recode the endline's, or treat the rounds as independent)"
                    )
        if rounds == "same_clusters":
            require_columns(
                stacked, [c for c in (first, spec.strata) if c], argument="rounds='same_clusters'"
            )
            shared = set(stacked.loc[post == 0, first]) & set(stacked.loc[post == 1, first])
            if not shared:
                raise DesignError(
                    f"rounds='same_clusters': no cluster ({first!r}) of the baseline is in the endline; "
                    "check the "
                    "cluster codes (they must be the same in both rounds), or declare rounds: independent"
                )
            if spec.strata is not None and not spec.nest:
                moved = stacked.groupby(first, sort=False)[spec.strata].transform("nunique") > 1
                if moved.any():
                    raise DesignError(
                        "rounds='same_clusters': cluster(s) "
                        f"{_first(stacked.loc[moved.to_numpy(), first])} are in different strata "
                        f"({spec.strata!r}) in the two rounds (or within a round); a cluster "
                        "revisited keeps its stratum"
                    )
    design = SurveyDesign(
        data, weights=spec.weights, strata=s_col, psu=p_col, fpc=spec.fpc, nest=spec.nest,
        lonely_psu=spec.lonely_psu,
    )
    setattr(design, _STACKING, spec)
    return design


def combine_rounds(
    baseline,
    endline,
    *,
    weights: str | None = None,
    strata: str | None = None,
    psu: str | Sequence[str] | None = None,
    fpc: str | Sequence[str] | None = None,
    post: str = "post",
    independent: bool | None = None,
    rounds: str | None = None,
    id: str | None = None,
    codebook=None,
    lonely_psu: str | None = None,
) -> SurveyDesign:
    """One design holding both rounds, for :func:`pre_post` and :func:`did`.

    Parameters
    ----------
    baseline, endline : pandas.DataFrame or SurveyDesign
        The two rounds, with the same design columns. Given as designs, their weights, strata, PSUs,
        fpc and domains (:meth:`SurveyDesign.subset`) are used; a calibrated design cannot be stacked.
    weights, strata, psu, fpc : str, optional
        Design columns (as :class:`SurveyDesign`); default: the designs', else the codebook's.
    post : str, default "post"
        Name of the 0/1 column added to mark the endline rows.
    rounds : {"independent", "same_clusters", "panel"}, optional
        How the rounds relate; default: the codebook's ``rounds``, else ``"independent"``.
        ``"independent"`` (repeated cross-sections): each round's strata and PSUs become separate
        strata and PSUs (``round_stratum``, ``round_psu``: categorical columns of labels such as
        ``"endline:P7"``, the round and the value as text). ``"same_clusters"``: the same clusters
        revisited with new respondents; strata and PSUs are kept, so a cluster's two rounds form one
        PSU and their covariance enters the variance (R: ``svydesign(id = ~psu, strata = ~stratum)``
        on the stacked rows). ``"panel"``: the same people re-interviewed, linked by ``id``; each
        person's interviews sit in one PSU: their cluster, or the person (``id``) without clusters.
    independent : bool, optional
        The older switch: ``True`` is ``rounds="independent"``; ``False`` keeps the strata and PSUs
        as declared, without the checks of ``"same_clusters"``.
    id : str, optional
        Respondent-id column linking a panel's interviews; default: the codebook's ``id``.
    codebook : Codebook or path, optional
        Supplies ``weight``, ``strata``, ``psu``, ``fpc``, ``id`` and ``rounds`` (any object with
        these attributes, or the path of the codebook's YAML file).
    lonely_psu : str, optional
        As :class:`SurveyDesign` (default: the designs', else ``"fail"``).

    Returns
    -------
    SurveyDesign
        On the stacked rows (baseline first), with the ``post`` column.

    Raises
    ------
    DesignError
        ``same_clusters`` without a PSU column, no cluster shared by the rounds, or a cluster in
        different strata; ``panel`` without an id, an id twice in a round, no id in both rounds, or a
        person who changed cluster or stratum.

    Examples
    --------
    >>> from campaign_me import load_survey
    >>> cb = "data/samples/codebook.yaml"
    >>> b = load_survey("data/samples/aroland/survey_baseline.csv", cb)
    >>> e = load_survey("data/samples/aroland/survey_endline.csv", cb)
    >>> d = combine_rounds(b, e, weights="weight", strata="stratum", psu="psu")
    >>> d.n == len(b) + len(e)
    True
    """
    cb = _codebook_fields(codebook)
    designs = [x for x in (baseline, endline) if isinstance(x, SurveyDesign)]
    if designs and len(designs) != 2:
        raise DataError("baseline and endline: give two DataFrames or two SurveyDesigns, not one of each")
    frames = []
    for name, x in (("baseline", baseline), ("endline", endline)):
        frame = x.data if isinstance(x, SurveyDesign) else x
        if not isinstance(frame, pd.DataFrame):
            raise DataError(f"{name}: expected a pandas DataFrame or a SurveyDesign, got {type(x).__name__}")
        if isinstance(x, SurveyDesign) and x.calibrated:
            raise DesignError(
                f"{name}: a calibrated (post-stratified, raked) design cannot be stacked with another round; "
                "stack the rounds' data with combine_rounds and calibrate the combined design"
            )
        frames.append(frame)
    spec = {"weights": weights, "strata": strata, "psu": psu, "fpc": fpc}
    nest = False
    if designs:
        attrs = (("weights", "weights_column"), ("strata", "strata"), ("psu", "psu"), ("fpc", "fpc"))
        for key, attr in attrs:
            got = [getattr(d, attr) for d in designs]
            if spec[key] is None:
                if got[0] != got[1]:
                    raise DataError(
                        f"baseline and endline: the designs differ in {key} ({got[0]!r} and {got[1]!r}); "
                        "declare both rounds with the same design columns"
                    )
                spec[key] = got[0]
        nest = any(d.nest for d in designs)
        lonely_psu = lonely_psu or designs[0].lonely_psu
    elif cb is not None:
        for key, attr in (("weights", "weight"), ("strata", "strata"), ("psu", "psu"), ("fpc", "fpc")):
            if spec[key] is None:
                spec[key] = getattr(cb, attr)
    if id is None and cb is not None:
        id = cb.id
    structure = check_rounds(rounds) if rounds is not None else None
    if independent is not None:
        if not isinstance(independent, bool):
            raise DataError(f"independent={independent!r}: give True or False (or use rounds=...)")
        if structure is not None and (structure == "independent") != independent:
            raise DataError(f"independent={independent!r} contradicts rounds={rounds!r}; give only rounds=")
    if structure is None:
        if independent is not None:
            structure = "independent" if independent else "same_clusters"
        else:
            structure = cb.rounds if cb is not None else "independent"
    legacy = independent is False and rounds is None
    for name, frame in (("baseline", frames[0]), ("endline", frames[1])):
        cols = [spec["weights"], spec["strata"]]
        for key in ("psu", "fpc"):
            v = spec[key]
            cols += [v] if isinstance(v, str) or v is None else list(v)
        require_columns(frame, [c for c in cols if c], argument=name)
    if post in frames[0].columns or post in frames[1].columns:
        raise DataError(f"post={post!r}: the rounds already have a column of that name; choose another")
    stacked = pd.concat(
        [frames[0].assign(**{post: 0}), frames[1].assign(**{post: 1})], ignore_index=True, sort=False
    )
    stacking = _Stacking(
        rounds=structure, weights=spec["weights"], strata=spec["strata"], psu=spec["psu"], fpc=spec["fpc"],
        id=id,
        post=post, nest=nest, lonely_psu=lonely_psu or "fail",
    )
    design = _declare_rounds(stacked, stacking, legacy_shared=legacy)
    if designs and any(d.is_subset for d in designs):
        design = design.subset(np.concatenate([d.in_domain.to_numpy() for d in designs]))
    return design


def _rounds_of(design: SurveyDesign) -> _Stacking | None:
    return getattr(design, _STACKING, None)


def declare_rounds(design: SurveyDesign, post: str, rounds: str, *, id: str | None = None) -> SurveyDesign:
    """The stacked design declared with the round structure ``rounds``.

    A design from :func:`combine_rounds` already declared with that structure (and ``post``) is
    returned as it is; any other is declared anew on its data (the strata and PSUs of the rounds
    from the design, or those :func:`combine_rounds` was given), keeping its domain. ``id`` is the
    respondent id of a panel, used when the design does not know it already.
    """
    structure = check_rounds(rounds)
    known = _rounds_of(design)
    if known is not None and known.rounds == structure and known.post == post:
        return design
    if design.calibrated:
        raise DesignError(
            f"rounds={structure!r}: a calibrated design cannot be declared anew; "
            "calibrate after combine_rounds"
        )
    require_columns(design.data, post, argument="post")
    if known is not None:
        spec = dataclasses.replace(known, rounds=structure, post=post)
        if spec.id is None and id is not None:
            spec = dataclasses.replace(spec, id=id)
    else:
        spec = _Stacking(
            rounds=structure, weights=design.weights_column, strata=design.strata, psu=design.psu,
            fpc=design.fpc,
            id=id, post=post, nest=design.nest, lonely_psu=design.lonely_psu,
        )
    p = indicator_values(design, post, "post")
    if np.isnan(p).any():
        raise DataError(f"post={post!r} has blanks; every row must be marked baseline (0) or endline (1)")
    new = _declare_rounds(design.data, spec)
    if design.is_subset:
        new = new.subset(design.in_domain.to_numpy())
    return new


_CODEBOOK_FIELDS = ("weight", "strata", "psu", "fpc", "id", "rounds")


def _codebook_fields(codebook):
    """The codebook-like object (or None) whose fields name the design columns and the round structure."""
    if codebook is None:
        return None
    return codebook_object(codebook, fields=_CODEBOOK_FIELDS, error=DataError, what="codebook")
