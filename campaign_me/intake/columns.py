"""Mapping file column names to codebook columns (XLSForm group prefixes, select_multiple options)."""

from __future__ import annotations

from collections.abc import Iterable

from campaign_me.codebook import Codebook, Variable

# --------------------------------------------------------------------------------------------------
# Column name resolution (Kobo group prefixes, select_multiple options)
# --------------------------------------------------------------------------------------------------


class ColumnResolver:
    """Map file column names to codebook columns, stripping XLSForm group prefixes.

    Codebook columns are the variable names and, for select_multiple variables, ``q/option`` whatever
    the file's separator: ``q{sep}option`` (and ``q/option``) in the file both resolve to ``q/option``.
    """

    def __init__(self, codebook: Codebook | None, sep: str) -> None:
        self.sep = sep
        self.known: dict[str, tuple[Variable, str | None]] = {}  # codebook column -> (variable, option)
        self.aliases: dict[str, str] = {}  # name as it may appear in the file -> codebook column
        self.labels: dict[str, str] = {}
        if codebook is None:
            return
        for var in codebook:
            self.known[var.name] = (var, None)
            self.aliases[var.name] = var.name
            if var.label:
                self.labels[var.label.strip().lower()] = var.name
            if var.type == "select_multiple":
                for code in var.codes:
                    column = f"{var.name}/{code}"
                    self.known[column] = (var, str(code))
                    self.aliases.setdefault(column, column)
                    self.aliases.setdefault(f"{var.name}{sep}{code}", column)

    def resolve(self, column: str) -> str | None:
        """The codebook column of a file column, or None."""
        if column in self.aliases:
            return self.aliases[column]
        parts = column.split(self.sep)
        for i in range(1, len(parts)):
            cand = self.sep.join(parts[i:])
            if cand in self.aliases:
                return self.aliases[cand]
        return None

    def variable(self, column: str) -> Variable | None:
        """The codebook variable of a file or codebook column, or None."""
        target = self.resolve(column)
        return self.known[target][0] if target is not None else None

    def entry(self, column: str) -> tuple[Variable, str | None] | None:
        target = self.resolve(column)
        return self.known[target] if target is not None else None

    def option_of(self, column: str, variables: Iterable[Variable]) -> tuple[Variable, str] | None:
        """An undeclared option column ``[group/]q/option`` of a select_multiple variable ``q``."""
        names = {v.name: v for v in variables if v.type == "select_multiple"}
        for s in dict.fromkeys((self.sep, "/")):
            if s not in column:
                continue
            head, option = column.rsplit(s, 1)
            var = names.get(head) or names.get(head.split(self.sep)[-1])
            if var is not None and option:
                return var, option
        return None
