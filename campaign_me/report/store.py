"""The results store: every report run's indicator results and metadata, in SQLite or through SQLAlchemy.

Two tables. ``runs``: one row per run (``run_id``, country, status, start and end time, package
version, parameters and data-file hashes as JSON, error); status ``ok``, ``failed``, or ``pending``
while a finished report is being moved into place. ``results``: the tidy indicator
results of successful runs (``run_id`` plus :data:`~campaign_me.report.content.REPORT_COLUMNS`).
Aggregates only: no respondent-level row is ever stored.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .content import REPORT_COLUMNS
from .notebooks import ReportError

__all__ = ["ResultsStore", "RUN_COLUMNS"]

RUN_COLUMNS = (
    "run_id", "country", "status", "started", "finished", "package_version",
    "parameters", "data_hashes", "notebooks", "report_dir", "error",
)
_TEXT = {"country", "round", "indicator", "domain", "measure", "unit"}
_REAL = {"estimate", "se", "ci_low", "ci_high"}


def _sql_type(col: str) -> str:
    if col in _REAL:
        return "REAL"
    if col == "n":
        return "INTEGER"
    if col == "suppressed":
        return "INTEGER"
    return "TEXT"


class ResultsStore:
    """Where report runs record their results.

    Parameters
    ----------
    location : str or path-like
        A file path: an SQLite database (stdlib ``sqlite3``, created if missing). A URL with
        ``://`` (``"postgresql+psycopg://user@host/db"``, ``"sqlite:///x.sqlite"``): a database
        reached through SQLAlchemy (``pip install campaign_me[db]``).

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> tmp = tempfile.mkdtemp()
    >>> store = ResultsStore(f"{tmp}/results.sqlite")
    >>> res = pd.DataFrame({"country": ["Aroland"], "round": ["endline"], "indicator": ["risk_aware"],
    ...     "domain": ["all"], "measure": ["level"], "estimate": [41.0], "se": [2.0], "ci_low": [37.1],
    ...     "ci_high": [44.9], "n": [900], "suppressed": [False], "unit": ["percent"]})
    >>> store.record_run({"run_id": "r1", "country": "aroland", "status": "ok"}, res)
    >>> store.results()[["country", "indicator", "estimate", "suppressed"]]
       country   indicator  estimate  suppressed
    0  Aroland  risk_aware      41.0       False
    """

    def __init__(self, location: str | os.PathLike[str]):
        loc = str(location)
        self.location = loc
        self._engine = None
        if "://" in loc:
            try:
                import sqlalchemy  # deferred: optional dependency
            except ImportError:
                raise ReportError(
                    f"the results store {loc!r} is a database URL, which needs SQLAlchemy: "
                    "pip install 'campaign_me[db]' (or give a file path for SQLite)"
                ) from None
            try:
                self._engine = sqlalchemy.create_engine(loc)
            except Exception as exc:  # bad URL or missing driver
                raise ReportError(f"cannot open the results store {loc!r}: {exc}") from None
        else:
            Path(loc).parent.mkdir(parents=True, exist_ok=True)
        self._create()

    # -- plumbing ---------------------------------------------------------------------------
    def _ddl(self) -> list[str]:
        runs = ", ".join(f"{c} TEXT" + (" PRIMARY KEY" if c == "run_id" else "") for c in RUN_COLUMNS)
        res = ", ".join(["run_id TEXT NOT NULL"] + [f"{c} {_sql_type(c)}" for c in REPORT_COLUMNS])
        return [
            f"CREATE TABLE IF NOT EXISTS runs ({runs})",
            f"CREATE TABLE IF NOT EXISTS results ({res})",
            "CREATE INDEX IF NOT EXISTS results_run ON results (run_id)",
        ]

    def _create(self) -> None:
        if self._engine is None:
            with self._sqlite() as con:
                for stmt in self._ddl():
                    con.execute(stmt)
        else:
            import sqlalchemy  # deferred: optional dependency

            with self._engine.begin() as con:
                for stmt in self._ddl():
                    con.execute(sqlalchemy.text(stmt))

    def _sqlite(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.location, timeout=30)
        return con

    def _write(self, statements: list[tuple[str, list[dict[str, Any]]]]) -> None:
        """Run parameterised inserts in one transaction (``:name`` placeholders)."""
        if self._engine is None:
            con = self._sqlite()
            try:
                with con:  # commits, or rolls back on error
                    for sql, rows in statements:
                        if rows:
                            con.executemany(sql, rows)
            finally:
                con.close()
        else:
            import sqlalchemy  # deferred: optional dependency

            with self._engine.begin() as con:
                for sql, rows in statements:
                    if rows:
                        con.execute(sqlalchemy.text(sql), rows)

    def _read(self, sql: str) -> pd.DataFrame:
        if self._engine is None:
            con = self._sqlite()
            try:
                cur = con.execute(sql)
                cols = [d[0] for d in cur.description]
                return pd.DataFrame(cur.fetchall(), columns=cols)
            finally:
                con.close()
        import sqlalchemy  # deferred: optional dependency

        with self._engine.connect() as con:
            res = con.execute(sqlalchemy.text(sql))
            return pd.DataFrame(res.fetchall(), columns=list(res.keys()))

    # -- API --------------------------------------------------------------------------------
    def record_run(self, run: dict[str, Any], results: pd.DataFrame | None = None) -> None:
        """Store one run's metadata and (for a successful run) its tidy results, atomically."""
        meta = {c: run.get(c) for c in RUN_COLUMNS}
        if not meta["finished"]:
            meta["finished"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="microseconds")
        if not meta["run_id"]:
            raise ReportError("record_run: the run has no run_id")
        for c in ("parameters", "data_hashes", "notebooks"):
            if meta[c] is not None and not isinstance(meta[c], str):
                meta[c] = json.dumps(meta[c], sort_keys=True, default=str)
        for c in RUN_COLUMNS:
            if meta[c] is not None and not isinstance(meta[c], str):
                meta[c] = str(meta[c])
        rows: list[dict[str, Any]] = []
        if results is not None and len(results):
            missing = [c for c in REPORT_COLUMNS if c not in results.columns]
            if missing:
                raise ReportError(f"results of run {meta['run_id']}: column(s) {missing} missing; "
                                  f"a report writes {', '.join(REPORT_COLUMNS)}")
            for rec in results[list(REPORT_COLUMNS)].to_dict("records"):
                row = {"run_id": meta["run_id"]}
                for c, v in rec.items():
                    if c in _REAL:
                        v = None if pd.isna(v) else float(v)
                    elif c == "n":
                        v = None if pd.isna(v) else int(v)
                    elif c == "suppressed":
                        v = int(bool(v))
                    else:
                        v = None if pd.isna(v) else str(v)
                    row[c] = v
                rows.append(row)
        run_sql = (f"INSERT INTO runs ({', '.join(RUN_COLUMNS)}) "
                   f"VALUES ({', '.join(':' + c for c in RUN_COLUMNS)})")
        cols = ("run_id", *REPORT_COLUMNS)
        res_sql = f"INSERT INTO results ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})"
        self._write([(run_sql, [meta]), (res_sql, rows)])

    def set_status(self, run_id: str, status: str, *, error: str | None = None, finished: str | None = None,
                   only_if: str | None = None) -> bool:
        """Change a recorded run's status (and error, end time); ``only_if``: only from that status.

        A report run is recorded as ``"pending"`` before its folder is moved into place and set to
        ``"ok"`` once it is there (or to ``"failed"`` if it could not be). Returns whether a run changed.

        Examples
        --------
        >>> import tempfile
        >>> store = ResultsStore(f"{tempfile.mkdtemp()}/results.sqlite")
        >>> store.record_run({"run_id": "r1", "country": "aroland", "status": "pending"})
        >>> store.set_status("r1", "ok", only_if="pending"), store.set_status("r1", "failed", only_if="pending")
        (True, False)
        >>> store.runs()["status"].tolist()
        ['ok']
        """
        sets = {"status": status}
        if error is not None:
            sets["error"] = error
        if finished is not None:
            sets["finished"] = finished
        sql = (f"UPDATE runs SET {', '.join(f'{c} = :{c}' for c in sets)} WHERE run_id = :run_id"
               + (" AND status = :only_if" if only_if is not None else ""))
        params: dict[str, Any] = {**sets, "run_id": run_id}
        if only_if is not None:
            params["only_if"] = only_if
        if self._engine is None:
            con = self._sqlite()
            try:
                with con:
                    return con.execute(sql, params).rowcount > 0
            finally:
                con.close()
        import sqlalchemy  # deferred: optional dependency

        with self._engine.begin() as con:
            return con.execute(sqlalchemy.text(sql), params).rowcount > 0

    def status(self, run_id: str) -> str | None:
        """The recorded status of a run (``"ok"``, ``"failed"``, ``"pending"``), or None if it is not recorded."""
        if self._engine is None:
            con = self._sqlite()
            try:
                row = con.execute("SELECT status FROM runs WHERE run_id = ?", (run_id,)).fetchone()
            finally:
                con.close()
        else:
            import sqlalchemy  # deferred: optional dependency

            with self._engine.connect() as con:
                row = con.execute(sqlalchemy.text("SELECT status FROM runs WHERE run_id = :r"), {"r": run_id}).fetchone()
        return None if row is None else row[0]

    def close(self) -> None:
        """Release the database connections (SQLAlchemy's pool; SQLite files need nothing)."""
        if self._engine is not None:
            self._engine.dispose()

    def runs(self) -> pd.DataFrame:
        """Every recorded run, oldest first."""
        return self._read(f"SELECT {', '.join(RUN_COLUMNS)} FROM runs ORDER BY started, run_id")

    def results(self, *, latest: bool = True) -> pd.DataFrame:
        """Tidy results; by default only each country's latest successful run.

        Columns: :data:`REPORT_COLUMNS` plus ``run_id`` (``suppressed`` as bool, ``n`` as int).
        """
        cols = ", ".join(f"r.{c}" for c in ("run_id", *REPORT_COLUMNS))
        sql = f"SELECT {cols} FROM results r JOIN runs u ON r.run_id = u.run_id WHERE u.status = 'ok'"
        out = self._read(sql + " ORDER BY r.country, r.indicator, r.measure, r.round, r.domain")
        if latest and len(out):
            runs = self._read("SELECT run_id, country, finished FROM runs WHERE status = 'ok'")
            runs = runs.sort_values(["finished", "run_id"], na_position="first")
            keep = set(runs.groupby("country")["run_id"].last())
            out = out[out["run_id"].isin(keep)].reset_index(drop=True)
        out["suppressed"] = out["suppressed"].astype(int).astype(bool)
        out["n"] = pd.to_numeric(out["n"]).astype("int64")
        for c in _REAL:
            out[c] = pd.to_numeric(out[c]).astype("float64")
        return out[["run_id", *REPORT_COLUMNS]].replace({np.nan: np.nan})
