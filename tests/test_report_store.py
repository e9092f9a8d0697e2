"""The results store through SQLAlchemy: SQLite URLs, and a real PostgreSQL where one can be started.

The PostgreSQL test starts a throw-away server (``initdb`` + ``pg_ctl`` on a Unix socket in a temporary
folder) when the binaries, SQLAlchemy and psycopg are installed; ``CAMPAIGN_ME_TEST_POSTGRES`` may
instead give the URL of an existing database. Otherwise it is skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

import pandas as pd
import pytest

from campaign_me.report import ResultsStore
from campaign_me.report.content import REPORT_COLUMNS


def _results(country: str, estimate: float) -> pd.DataFrame:
    rows = [
        (country, "endline", "risk_aware", "all", "level", estimate, 2.0, estimate - 4, estimate + 4, 900, False, "%"),
        (country, "endline-baseline", "risk_aware", "campaign vs comparison areas", "did", None, None, None, None,
         12, True, "pp"),
    ]
    return pd.DataFrame(rows, columns=list(REPORT_COLUMNS))


def _roundtrip(store: ResultsStore) -> None:
    store.record_run({"run_id": "a1", "country": "aroland", "status": "ok", "finished": "2026-01-01T00:00:00",
                      "parameters": {"level": 0.9}, "data_hashes": {"baseline": "0" * 64}}, _results("Aroland", 40.0))
    store.record_run({"run_id": "a2", "country": "aroland", "status": "ok", "finished": "2026-02-01T00:00:00"},
                     _results("Aroland", 42.0))
    store.record_run({"run_id": "a3", "country": "aroland", "status": "failed", "finished": "2026-03-01T00:00:00",
                      "error": "boom"})
    store.record_run({"run_id": "b1", "country": "belmora", "status": "ok", "finished": "2026-01-15T00:00:00"},
                     _results("Belmora", 30.0))
    latest = store.results()
    assert sorted(latest["run_id"].unique()) == ["a2", "b1"]  # the latest successful run of each country
    level = latest[latest["measure"] == "level"].set_index("country")["estimate"]
    assert level.to_dict() == {"Aroland": 42.0, "Belmora": 30.0}
    did = latest[latest["measure"] == "did"]
    assert did["suppressed"].all() and did["estimate"].isna().all() and (did["n"] == 12).all()
    assert len(store.results(latest=False)) == 6
    runs = store.runs()
    assert sorted(runs["run_id"]) == ["a1", "a2", "a3", "b1"]
    assert '"level": 0.9' in runs.set_index("run_id").loc["a1", "parameters"]


def test_sqlite_file(tmp_path):
    _roundtrip(ResultsStore(tmp_path / "results.sqlite"))


def test_sqlalchemy_sqlite_url(tmp_path):
    pytest.importorskip("sqlalchemy")
    _roundtrip(ResultsStore(f"sqlite:///{tmp_path / 'results.sqlite'}"))


def test_missing_driver_is_a_clear_error(tmp_path):
    pytest.importorskip("sqlalchemy")
    from campaign_me.report import ReportError

    with pytest.raises(ReportError, match="cannot open the results store"):
        ResultsStore("nosuchdialect://user@host/db")


@pytest.fixture
def postgres_url():
    url = os.environ.get("CAMPAIGN_ME_TEST_POSTGRES")
    if url:
        yield url
        return
    pytest.importorskip("sqlalchemy")
    pytest.importorskip("psycopg")
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl)")
    folder = tempfile.mkdtemp(prefix="campaign_me_pg_")
    prefix: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: use the postgres account if there is one
        runuser = shutil.which("runuser")
        try:
            import pwd

            pwd.getpwnam("postgres")
        except (KeyError, ImportError):
            runuser = None
        if not runuser:
            shutil.rmtree(folder, ignore_errors=True)
            pytest.skip("running as root without a postgres account")
        shutil.chown(folder, "postgres")
        prefix = [runuser, "-u", "postgres", "--"]
    data = os.path.join(folder, "data")
    try:
        subprocess.run([*prefix, initdb, "-D", data, "-A", "trust", "-U", "postgres"], check=True,
                       capture_output=True, timeout=120)
        subprocess.run([*prefix, pg_ctl, "-D", data, "-w", "-t", "60", "-l", os.path.join(folder, "log"),
                        "-o", f"-k {folder} -c listen_addresses=''", "start"], check=True, capture_output=True,
                       timeout=120)
    except (subprocess.SubprocessError, OSError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"could not start a PostgreSQL server: {exc}")
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={folder}"
    finally:
        subprocess.run([*prefix, pg_ctl, "-D", data, "-m", "immediate", "stop"], capture_output=True, timeout=120)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.kernel
def test_postgresql(postgres_url):
    store = ResultsStore(postgres_url)
    import sqlalchemy

    engine = sqlalchemy.create_engine(postgres_url)
    with engine.begin() as con:  # a clean slate in a reused database
        con.execute(sqlalchemy.text("DELETE FROM results"))
        con.execute(sqlalchemy.text("DELETE FROM runs"))
    engine.dispose()
    _roundtrip(store)
    store.close()
