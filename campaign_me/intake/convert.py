"""Conversion of each column to its codebook type, with every rejected value reported (raw, with the
rule that rejected it) and set to missing."""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from campaign_me.codebook import Code, Variable
from campaign_me.intake.problems import ProblemLog
from campaign_me.intake.table import CodedColumn
from campaign_me.textvalues import (
    DECIMAL_COMMA_RE,
    DOT_THOUSANDS_RE,
    INT_RE,
    ISO_FULL_DATE_RE,
    NUM_RE,
    THOUSANDS_COMMA_RE,
    MissingCodes,
)

# --------------------------------------------------------------------------------------------------
# Conversion per variable
# --------------------------------------------------------------------------------------------------


def _fmt_code(code: Code, label: str) -> str:
    return f"{code!r} = {label}" if label else repr(code)


def codes_text(codes: dict[Code, str], limit: int = 12) -> str:
    items = [_fmt_code(c, lab) for c, lab in codes.items()]
    if len(items) > limit:
        return ", ".join(items[:limit]) + f", ... ({len(items)} codes)"
    return ", ".join(items)


def _missing_text(var: Variable) -> str:
    if not var.missing:
        return ""
    return f", or a missing code: {codes_text(var.missing)}"


def _range_text(var: Variable) -> str:
    if var.min is not None and var.max is not None:
        return f" from {var.min} to {var.max}"
    if var.min is not None:
        return f" >= {var.min}"
    if var.max is not None:
        return f" <= {var.max}"
    return ""


def bool_array(series: pd.Series) -> np.ndarray:
    return series.fillna(False).to_numpy(dtype=bool, copy=True)


def _int64(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Whole numbers held as floats (NaN: missing) as an ``Int64`` array."""
    missing = np.isnan(values)
    return pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64), missing)


def _spread(mask: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """A mask over the distinct values of a column -> a mask over its rows (code -1, blank: False)."""
    return np.append(np.asarray(mask, dtype=bool), False)[codes]


def _spread_series(result: pd.Series, codes: np.ndarray) -> pd.Series:
    """The converted distinct values of a column (``result``) spread over its rows by their codes (-1:
    a blank cell, missing). Whole numbers, yes/no and numbers are indexed in NumPy; others by ``take``."""
    array = result.array
    if isinstance(array, (pd.arrays.IntegerArray, pd.arrays.BooleanArray)):
        dtype = array.dtype.numpy_dtype
        data = np.append(array.to_numpy(dtype=dtype, na_value=dtype.type(0)), dtype.type(0))
        values = type(array)(data[codes], np.append(np.asarray(array.isna(), dtype=bool), True)[codes])
    elif result.dtype == np.float64:
        values = np.append(result.to_numpy(), np.nan)[codes]
    else:
        values = array.take(codes.astype(np.intp, copy=False), allow_fill=True)
    return pd.Series(values, copy=False)


def _first_seen(mask: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """The positions of the distinct values where ``mask`` holds, in the order of their first row."""
    chosen = np.flatnonzero(mask)
    if len(chosen) < 2:
        return chosen
    rows = codes[_spread(mask, codes)]
    return pd.unique(rows.astype(np.intp, copy=False))


class Converter:
    def __init__(self, problems: ProblemLog, lines: np.ndarray) -> None:
        self.problems = problems
        self.lines = lines
        # While a column is converted through its distinct values: the value index of each row.
        self._codes: np.ndarray | None = None

    def _rows(self, mask: np.ndarray) -> list[int]:
        if self._codes is not None:  # mask over distinct values -> mask over rows
            mask = _spread(mask, self._codes)
        return self.lines[mask].tolist()

    def _values(self, s: pd.Series, mask: np.ndarray) -> list[Any]:
        """The values of ``s`` where ``mask`` holds, in the order of the rows that hold them first (while
        a column is converted through its distinct values, each distinct value once)."""
        if self._codes is None:
            return s[mask].tolist()
        return s.iloc[_first_seen(mask, self._codes)].tolist()

    def _missing_mask(self, var: Variable, s: pd.Series | CodedColumn) -> np.ndarray:
        """Missing codes: text matched case-insensitively, whole numbers (int or text) numerically."""
        if not var.missing:
            return np.zeros(len(s), dtype=bool)
        if isinstance(s, CodedColumn):  # test each distinct value once
            return np.append(self._missing_mask(var, pd.Series(s.uniques, dtype="string")), False)[s.codes]
        return MissingCodes(var.missing).mask(s)  # one definition, shared with the codebook check

    def convert(self, var: Variable, s: pd.Series | CodedColumn) -> pd.Series:
        """``s`` holds stripped text with NA for blanks; returns the typed column.

        Survey columns hold few distinct values: each distinct value is checked and converted once,
        and the result is spread back over the rows (problems still name every row).
        """
        if isinstance(s, CodedColumn):  # the distinct values are at hand: always worth it on many rows
            codes, uniques = s.codes, s.uniques
            if len(codes) < 1000:
                return self._convert(var, s.series())
        else:
            codes, uniques = pd.factorize(s.array)
            if len(codes) < 1000 or len(uniques) > 0.5 * len(codes):
                return self._convert(var, s)
        self._codes = np.asarray(codes)
        try:
            result = self._convert(var, pd.Series(uniques, dtype="string"))
        finally:
            self._codes = None
        return _spread_series(result, np.asarray(codes))

    def _convert(self, var: Variable, s: pd.Series) -> pd.Series:
        miss = self._missing_mask(var, s)
        s = s.mask(miss)
        present = bool_array(s.notna())
        method = getattr(self, f"_to_{var.type}")
        return method(var, s, present)

    # -- numbers ------------------------------------------------------------------------------

    def _numbers(
        self, var: Variable, s: pd.Series, present: np.ndarray, pattern: str
    ) -> tuple[np.ndarray, np.ndarray]:
        ok = bool_array(s.str.fullmatch(pattern)) & present
        values = np.full(len(s), np.nan)
        if ok.any():
            values[ok] = np.array(s[ok].tolist(), dtype=float)
        bad = present & ~ok
        return values, bad

    def _report_type(self, var: Variable, s: pd.Series, bad: np.ndarray, problem: str, what: str) -> None:
        if not bad.any():
            return
        vals = self._values(s, bad)
        hint = ""
        if any(re.fullmatch(r"[+-]?\d+(,\d+)+", v) for v in vals):
            hint = " (use '.' as the decimal mark and no thousands separators)"
        elif any(re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+", v) for v in vals):
            hint = " (a '.' followed by three digits reads as a thousands separator: write 2000, not 2.000)"
        elif var.type in ("date", "datetime") and any(re.fullmatch(r"[1-9]\d{4}(\.\d+)?", v) for v in vals):
            hint = (
                " (a number such as 45000 is an Excel date serial number: format the cells as dates in Excel)"
            )
        self.problems.add(
            "wrong_type",
            problem,
            column=var.name,
            rows=self._rows(bad),
            values=vals,
            expected=f"{what}{_range_text(var)}{_missing_text(var)}{hint}",
        )

    def _check_range(self, var: Variable, s: pd.Series, values: np.ndarray) -> None:
        """Report values outside [min, max] and set them to missing (NaN) in ``values``."""
        if var.min is None and var.max is None:
            return
        with np.errstate(invalid="ignore"):
            out = np.zeros(len(values), dtype=bool)
            if var.min is not None:
                out |= values < float(var.min)
            if var.max is not None:
                out |= values > float(var.max)
        if out.any():
            self.problems.add(
                "out_of_range",
                "values out of range",
                column=var.name,
                rows=self._rows(out),
                values=self._values(s, out),
                expected=f"values{_range_text(var)}{_missing_text(var)} (set to missing)",
            )
            values[out] = np.nan

    def _to_integer(self, var: Variable, s: pd.Series, present: np.ndarray) -> pd.Series:
        values, bad = self._numbers(var, s, present, INT_RE)
        self._report_type(var, s, bad, "not a whole number", "a whole number")
        with np.errstate(invalid="ignore"):
            huge = np.abs(values) >= 2.0**53
        if huge.any():
            self._report_type(
                var,
                s,
                huge,
                "number too large for an integer column",
                "a whole number (long ids belong in type: id)",
            )
            values[huge] = np.nan
        self._check_range(var, s, values)
        return pd.Series(_int64(values), copy=False)

    def _to_number(self, var: Variable, s: pd.Series, present: np.ndarray) -> pd.Series:
        values, bad = self._numbers(var, s, present, NUM_RE)
        self._report_type(var, s, bad, "not a number", "a number")
        self._dot_thousands(var, s, bad, values)
        infinite = np.isinf(values)
        if infinite.any():  # e.g. 1e400: beyond the largest float (about 1.8e308)
            self.problems.add(
                "out_of_range",
                "number too large to represent (not finite; it would read as infinity)",
                column=var.name,
                rows=self._rows(infinite),
                values=self._values(s, infinite),
                expected=f"a finite number{_range_text(var)}{_missing_text(var)}",
            )
            values[infinite] = np.nan
        self._check_range(var, s, values)
        return pd.Series(values, dtype="float64", copy=False)

    def _dot_thousands(self, var: Variable, s: pd.Series, bad: np.ndarray, values: np.ndarray) -> None:
        """In a column that writes decimals with a comma (``1,5``, refused above), ``1.250`` is most
        likely one thousand two hundred and fifty, not 1.25: report such values and set them to missing."""
        if not bad.any():
            return
        comma = (
            bad
            & bool_array(s.str.fullmatch(DECIMAL_COMMA_RE))
            & ~bool_array(s.str.fullmatch(THOUSANDS_COMMA_RE))
        )
        if not comma.any():
            return
        dots = ~bad & ~np.isnan(values) & bool_array(s.str.fullmatch(DOT_THOUSANDS_RE))
        if not dots.any():
            return
        example = self._values(s, comma)[0]
        self.problems.add(
            "wrong_type",
            "a '.' followed by three digits in a column that writes decimals with ',' (such as "
            f"{example!r}): "
            "a thousands separator?",
            column=var.name,
            rows=self._rows(dots),
            values=self._values(s, dots),
            expected="numbers without thousands separators, with '.' as the decimal mark: 1250 or 1.25, "
            "whichever is meant (the values were set to missing)",
        )
        values[dots] = np.nan

    # -- codes --------------------------------------------------------------------------------

    def _to_categorical(self, var: Variable, s: pd.Series, present: np.ndarray) -> pd.Series:
        if not var.codes:
            return s.astype("string")
        if var.integer_codes:
            values, not_int = self._numbers(var, s, present, INT_RE)
            valid = np.isin(values, [float(c) for c in var.codes])
            bad = present & ~valid
            result = pd.Series(_int64(np.where(valid, values, np.nan)), copy=False)
        else:
            valid = bool_array(s.isin([str(c) for c in var.codes]))
            bad = present & ~valid
            result = s.where(pd.Series(valid)).astype("string")
        if bad.any():
            self.problems.add(
                "invalid_code",
                "codes not in the codebook",
                column=var.name,
                rows=self._rows(bad),
                values=self._values(s, bad),
                expected=f"one of {codes_text(var.codes)}{_missing_text(var)}",
            )
        return result

    def _to_boolean(self, var: Variable, s: pd.Series, present: np.ndarray) -> pd.Series:
        low = s.str.lower().str.replace(r"^([+-]?\d+)\.0$", r"\1", regex=True)  # "1.0" after a to_csv
        is_true = bool_array(low.isin(list(var.true)))
        is_false = bool_array(low.isin(list(var.false)))
        bad = present & ~is_true & ~is_false
        if bad.any():
            self.problems.add(
                "invalid_code",
                "not a yes/no value",
                column=var.name,
                rows=self._rows(bad),
                values=self._values(s, bad),
                expected=f"one of {', '.join(var.true)} (true) or {', '.join(var.false)} (false)"
                f"{_missing_text(var)}",
            )
        return pd.Series(pd.arrays.BooleanArray(is_true, ~(is_true | is_false)), copy=False)

    # -- dates --------------------------------------------------------------------------------

    def _parse_dates(self, var: Variable, s: pd.Series) -> pd.Series:
        fmt = var.format or "ISO8601"
        text = s.astype(object).where(s.notna(), None)
        try:
            with warnings.catch_warnings():
                # pandas 2.2 warns (FutureWarning) where pandas 3 raises on mixed time-zone offsets
                warnings.filterwarnings("error", message=".*mixed time zones", category=FutureWarning)
                return pd.to_datetime(text, format=fmt, errors="coerce")
        except (ValueError, TypeError, FutureWarning):  # mixed time-zone offsets
            return pd.to_datetime(text, format=fmt, errors="coerce", utc=True)

    def _to_date(self, var: Variable, s: pd.Series, present: np.ndarray) -> pd.Series:
        parsed = self._parse_dates(var, s)
        bad = present & bool_array(parsed.isna())
        what = f"a date in the format {var.format!r}" if var.format else "an ISO date such as '2025-03-31'"
        self._report_type(var, s, bad, "not a date", what)
        if var.format is None:  # ISO 8601 reads "2025" and "2025-03" as the 1st of January, of March
            partial = present & ~bad & ~bool_array(s.str.fullmatch(ISO_FULL_DATE_RE))
            if partial.any():
                self.problems.add(
                    "wrong_type",
                    "dates without a day (a year, or a year and month): they would read as the 1st of "
                    "the month, a day made up",
                    column=var.name,
                    rows=self._rows(partial),
                    values=self._values(s, partial),
                    expected="a full date such as '2025-03-31' (the values were set to missing); for a "
                    "column of years or months use type: integer or text, or format: '%Y-%m' to read "
                    "each month as its first day",
                )
                parsed = parsed.mask(pd.Series(partial, index=parsed.index))
        if (var.min is not None or var.max is not None) and len(parsed):
            tz = getattr(parsed.dt, "tz", None)
            out = np.zeros(len(parsed), dtype=bool)
            for bound, cmp in ((var.min, np.less), (var.max, np.greater)):
                if bound is None:
                    continue
                ts = pd.Timestamp(str(bound))
                if tz is not None and ts.tzinfo is None:
                    ts = ts.tz_localize(tz)
                out |= bool_array(pd.Series(cmp(parsed, ts)))
            if out.any():
                self.problems.add(
                    "out_of_range",
                    "dates out of range",
                    column=var.name,
                    rows=self._rows(out),
                    values=self._values(s, out),
                    expected=f"dates{_range_text(var)} (set to missing)",
                )
                parsed = parsed.mask(pd.Series(out, index=parsed.index))
        return parsed.reset_index(drop=True)

    _to_datetime = _to_date

    # -- text ---------------------------------------------------------------------------------

    def _to_text(self, var: Variable, s: pd.Series, present: np.ndarray) -> pd.Series:
        return s.astype("string")

    def _to_id(self, var: Variable, s: pd.Series, present: np.ndarray) -> pd.Series:
        # Long ids as Excel shows them (and saves them to CSV) in its General format: 1.23457E+17.
        shown = bool_array(s.str.fullmatch(r"[+-]?\d(?:\.\d+)?E\+\d+")) & present
        if shown.any():
            self.problems.add(
                "lost_digits",
                "ids in scientific notation, as Excel shows long numbers: their digits are lost",
                column=var.name,
                rows=self._rows(shown),
                values=self._values(s, shown),
                expected="the ids in full: format the id column as Text in Excel before typing or pasting "
                "them, or export them from the original source (the values were read as shown)",
                severity="warning",
            )
        return s.astype("string")


# --------------------------------------------------------------------------------------------------
# select_multiple
# --------------------------------------------------------------------------------------------------


def _as_column(s: pd.Series | CodedColumn) -> CodedColumn:
    """A column of stripped text (NA for blanks) as codes into its distinct values."""
    if isinstance(s, CodedColumn):
        return s
    codes, uniques = pd.factorize(s.array)
    return CodedColumn(np.asarray(codes), pd.array(uniques, dtype="string"))


def convert_select_multiple(
    var: Variable,
    text: pd.Series | CodedColumn | None,
    options: Mapping[str, pd.Series | CodedColumn],
    conv: Converter,
    file_names: dict[str, str],
) -> dict[str, pd.Series]:
    """Expand one select_multiple variable to 0/1 ``Int64`` columns ``q/option``.

    A row is answered when the space-separated column or any 0/1 option column holds data. Where both
    hold data the 0/1 columns are used; where only one does, that one is used. Disagreements, and rows
    where one form is blank while the other has data, are reported as ``select_multiple_mismatch``.

    Each distinct answer is split into its options once (a column holds a few hundred distinct answers
    however many rows it has); the rows take their distinct answer's options by its code.
    """
    n = len(conv.lines)
    codes = [str(c) for c in var.codes]
    known = set(codes)
    text_has = np.zeros(n, dtype=bool)  # the text column holds options
    text_missing = np.zeros(n, dtype=bool)  # the text column holds a missing code
    from_text: dict[str, np.ndarray] = {}
    if text is not None:
        text = _as_column(text)
        rows = text.codes
        missing = conv._missing_mask(var, pd.Series(text.uniques, dtype="string"))  # per distinct value
        tokens = [[] if m else v.split() for v, m in zip(text.uniques.tolist(), missing)]
        bad = np.array([any(tok not in known for tok in toks) for toks in tokens], dtype=bool)
        text_missing = _spread(missing, rows)
        text_has = _spread(~missing, rows)
        bad_rows = _spread(bad, rows)
        if bad_rows.any():
            bad_tokens = [tok for u in _first_seen(bad, rows) for tok in tokens[u] if tok not in known]
            conv.problems.add(
                "invalid_code",
                "options not in the codebook",
                column=var.name,
                rows=conv._rows(bad_rows),
                values=bad_tokens,
                expected=f"space-separated options from {codes_text(var.codes)}",
            )
        from_text = {c: _spread(np.array([c in toks for toks in tokens], dtype=bool), rows) for c in codes}
    from_cols: dict[str, np.ndarray] = {}
    col_has = np.zeros(n, dtype=bool)  # some option column holds 0 or 1
    ticked = np.zeros(n, dtype=bool)  # some option column holds 1
    for code, column in options.items():
        column = _as_column(column)
        s = pd.Series(column.uniques, dtype="string")  # each distinct value once
        s = s.mask(conv._missing_mask(var, s))
        present = bool_array(s.notna())
        values, _ = conv._numbers(var, s, present, INT_RE)
        bad = present & ~np.isin(values, [0.0, 1.0])
        bad_rows = _spread(bad, column.codes)
        if bad_rows.any():
            conv.problems.add(
                "wrong_type",
                "not 0 or 1",
                column=f"{var.name}/{code}",
                rows=conv._rows(bad_rows),
                values=s.iloc[_first_seen(bad, column.codes)].tolist(),
                expected="1 (option chosen) or 0 (not chosen)",
            )
        col_has |= _spread(present & ~bad, column.codes)
        from_cols[code] = _spread(values == 1.0, column.codes)
        ticked |= from_cols[code]
    if options and text is None:
        absent = [c for c in codes if c not in options]
        if absent:
            conv.problems.add(
                "missing_column",
                f"option columns of select_multiple {var.name!r} are missing and there is no "
                f"{var.name!r} column to read them from",
                column=var.name,
                values=[f"{var.name}/{c}" for c in absent],
                expected="one 0/1 column per option, or the space-separated column",
            )
    # Unanswered: neither form has data, or the text holds a missing code and no option is ticked.
    answered = text_has | (col_has & ~(text_missing & ~ticked))
    if options and text is not None:
        name = repr(file_names.get(var.name, var.name))
        disagree = np.zeros(n, dtype=bool)
        for code, chosen in from_cols.items():
            disagree |= text_has & col_has & (chosen != from_text[code])
        if disagree.any():
            conv.problems.add(
                "select_multiple_mismatch",
                f"the 0/1 option columns disagree with the space-separated column {name}",
                column=var.name,
                rows=conv._rows(disagree),
                expected="the same options in both (the 0/1 columns were used)",
            )
        blank_text = ticked & ~text_has
        if blank_text.any():
            coded = blank_text & text_missing
            first = pd.unique(text.codes[coded].astype(np.intp)) if coded.any() else []
            conv.problems.add(
                "select_multiple_mismatch",
                f"options ticked in the 0/1 option columns but the space-separated column {name} is "
                + {0: "blank", 1: "blank or a missing code", 2: "a missing code"}[
                    int(coded.any()) + int(not (blank_text & ~text_missing).any())
                ],
                column=var.name,
                rows=conv._rows(blank_text),
                values=[text.uniques[u] for u in first],
                expected="the same options in both (the 0/1 columns were used)",
            )
        blank_cols = text_has & ~col_has
        if blank_cols.any():
            conv.problems.add(
                "select_multiple_mismatch",
                f"options in the space-separated column {name} but the 0/1 option columns are blank",
                column=var.name,
                rows=conv._rows(blank_cols),
                expected="the same options in both (the space-separated column was used)",
            )
    result: dict[str, pd.Series] = {}
    for code in codes:
        chosen = from_text.get(code, np.zeros(n, dtype=bool))
        if code in from_cols:
            chosen = np.where(col_has, from_cols[code], chosen)
        # (each column its own mask: a change to one column's missing values must not touch another)
        result[f"{var.name}/{code}"] = pd.Series(
            pd.arrays.IntegerArray(chosen.astype(np.int64), ~answered), copy=False
        )
    return result
