"""Write the random designs of tests/test_design_domains.py (tests/data/random_domains/*.csv).

Each design mixes ordinary domains with the ones every speed shortcut must survive: a domain
whose values are constant (``K``: y all 5, b all 0), a domain lying in a single PSU (``S``), a
domain whose y and b are all missing (``M``), and scattered missing values elsewhere. R reads the
same files (tests/reference/random_domains.R), so both sides see identical data.

Run:  python tests/reference/random_domains_data.py   (deterministic: seed 20261207)
"""

from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parents[1] / "data" / "random_domains"

#: name -> (number of strata or 0, PSUs per stratum range, rows per PSU range, two-stage, fpc)
DESIGNS = {
    "strat_clus": (4, (3, 6), (4, 9), False, False),
    "clus_fpc": (0, (10, 14), (3, 8), False, True),
    "lonely": (4, (1, 4), (4, 8), False, False),  # stratum 1 holds a single PSU
    "two_stage": (3, (3, 5), (6, 12), True, True),
    "element": (3, (40, 60), (1, 1), False, False),
}


def make(name: str, rng: np.random.Generator) -> pd.DataFrame:
    nstrata, psu_range, row_range, two_stage, fpc = DESIGNS[name]
    rows = []
    psu_id = 0
    for h in range(max(nstrata, 1)):
        npsu = 1 if (name == "lonely" and h == 0) else int(rng.integers(psu_range[0], psu_range[1] + 1))
        for _ in range(npsu):
            psu_id += 1
            m = int(rng.integers(row_range[0], row_range[1] + 1))
            effect = rng.normal(0, 1.5)
            for i in range(m):
                rows.append(
                    {
                        "stratum": f"h{h}" if nstrata else "all",
                        "psu": psu_id,
                        "ssu": f"{psu_id}-{i % 3}" if two_stage else "",
                        "fpc1": npsu + int(rng.integers(0, 20)) if fpc else np.nan,
                        "fpc2": m * 3 + 5 if two_stage else np.nan,
                        "w": float(np.round(rng.uniform(1, 6), 3)),
                        "y": float(np.round(10 + effect + rng.normal(0, 3), 3)),
                        "x": float(np.round(rng.uniform(1, 4), 3)),
                        "b": int(rng.choice([0, 1, 2], p=[0.5, 0.3, 0.2])),
                        "sex": str(rng.choice(["f", "m"])),
                    }
                )
    df = pd.DataFrame(rows)
    # the fpc of a stratum must be one value: the first drawn
    if fpc:
        df["fpc1"] = df.groupby("stratum")["fpc1"].transform("first")
    df["dom"] = rng.choice(["A", "B", "C"], size=len(df))
    psus = df["psu"].unique()
    # S: every row of one PSU (of a stratum with several PSUs), and only that PSU
    s_psu = df.groupby("psu")["stratum"].first().pipe(lambda s: s[s == s.iloc[-1]].index[-1])
    df.loc[df["psu"] == s_psu, "dom"] = "S"
    # K: constant values, spread over several PSUs
    k_rows = rng.choice(np.flatnonzero(df["dom"] != "S"), size=max(6, len(df) // 12), replace=False)
    df.loc[k_rows, "dom"] = "K"
    df.loc[k_rows, "y"] = 5.0
    df.loc[k_rows, "b"] = 0
    # M: y and b all missing
    m_rows = rng.choice(np.flatnonzero(~df["dom"].isin(["S", "K"])), size=max(5, len(df) // 15), replace=False)
    df.loc[m_rows, "dom"] = "M"
    df["y"] = df["y"].astype(float)
    df["b"] = df["b"].astype(float)
    df.loc[m_rows, ["y", "b"]] = np.nan
    # scattered missing values in the ordinary domains
    other = np.flatnonzero(df["dom"].isin(["A", "B", "C"]))
    df.loc[rng.choice(other, size=len(other) // 10, replace=False), "y"] = np.nan
    df.loc[rng.choice(other, size=len(other) // 10, replace=False), "b"] = np.nan
    assert len(psus) > 1
    return df


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261207)
    for name in DESIGNS:
        make(name, rng).to_csv(OUT / f"{name}.csv", index=False)


if __name__ == "__main__":
    main()
