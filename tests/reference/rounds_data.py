"""Write the small two-round survey of ``tests/data/rounds/`` (deterministic; not from campaign_me.synth).

A researcher's own KAP survey with its own column names: 4 districts (strata) x 5 villages
(clusters), the same 20 villages visited at baseline and endline. In each district 3 villages are
campaign areas and 2 comparison areas (``program_arm`` 1/0), so the arms share strata. Weights were
added after fieldwork (they differ by village and round). "Don't know" is 98 and "refused" 99 (998 and
999 for the 0-100 question), knowledge items keep 98 as a valid answer, scored incorrect. Villages
differ a lot and the difference persists between the rounds, which is what makes the standard error
of a change depend on whether the rounds share clusters.

Files:

- ``baseline.csv``, ``endline.csv``: new respondents in the same villages (``rounds: same_clusters``);
- ``panel_endline.csv``: the baseline respondents re-interviewed (same ``resp_id``; about 10 % lost);
- ``codebook.yaml`` is written by hand beside them.

Run from the repository root: ``python tests/reference/rounds_data.py`` (then
``Rscript tests/reference/rounds.R > tests/reference/rounds_reference.py``).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "data" / "rounds"
DISTRICTS = {"north": 38.0, "south": 52.5, "east": 61.0, "west": 44.5}
PER_VILLAGE = 15
KEYS = {"kn1": 1, "kn2": 2, "kn3": 1, "kn4": 2, "kn5": 1}  # correct answers (1 True, 2 False)
FIRST = ["Amina", "Chidi", "Fatou", "Kofi", "Leila", "Moussa", "Nia", "Omar", "Rokia", "Yaw"]
LAST = ["Diallo", "Mensah", "Okafor", "Traore", "Banda", "Keita", "Osei", "Sow"]
COLUMNS = [
    "resp_id", "resp_name", "phone", "district", "village", "program_arm", "weight", "sex", "aware_risk",
    "knows_hotline", "kn1", "kn2", "kn3", "kn4", "kn5", "att1", "att2", "att3", "att4", "risk_chance",
    "channels_seen/radio", "channels_seen/tv", "channels_seen/facebook", "channels_seen/none",
]


def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def _villages(rng):
    rows = []
    for d, (district, w) in enumerate(DISTRICTS.items(), start=1):
        for v in range(1, 6):
            rows.append({
                "district": district, "village": 100 * d + v, "program_arm": 1 if v <= 3 else 0,
                "base_weight": w, "u": rng.normal(0.0, 1.0),  # the village's persistent level
            })
    return rows


def _answers(rng, person: float, village: dict, endline: bool) -> dict:
    """One interview: answers driven by the village level, the person, the round and the arm."""
    u = village["u"]
    effect = 0.9 * village["program_arm"] if endline else 0.0
    trend = 0.3 if endline else 0.0
    level = u + person + trend + effect
    rec: dict = {}
    rec["sex"] = int(rng.integers(1, 3))
    x = rng.random()
    rec["aware_risk"] = 98 if x < 0.05 else 99 if x < 0.07 else (1 if rng.random() < _expit(level - 0.2) else 2)
    x = rng.random()
    rec["knows_hotline"] = 98 if x < 0.04 else (1 if rng.random() < _expit(level - 0.8) else 2)
    for item, key in KEYS.items():
        x = rng.random()
        if x < 0.03:
            rec[item] = 99  # refused: missing
        elif x < 0.11:
            rec[item] = 98  # don't know: a valid answer, scored incorrect
        else:
            rec[item] = key if rng.random() < _expit(0.4 + 0.8 * level) else 3 - key
    for item in ("att1", "att2", "att3", "att4"):
        if rng.random() < 0.04:
            rec[item] = 98 if rng.random() < 0.7 else 99
            continue
        lean = level if item != "att3" else -level  # att3 is worded the other way (reverse: true)
        rec[item] = int(np.clip(np.round(3 + 1.1 * lean + rng.normal(0, 0.9)), 1, 5))
    x = rng.random()
    rec["risk_chance"] = 998 if x < 0.05 else 999 if x < 0.06 else int(np.clip(np.round(45 + 12 * level
                                                                                        + rng.normal(0, 15)), 0, 100))
    seen = [rng.random() < _expit(level - 0.5 + shift) for shift in (0.6, 0.0, -0.7)]
    for option, s in zip(("radio", "tv", "facebook"), seen):
        rec[f"channels_seen/{option}"] = int(s)
    rec["channels_seen/none"] = int(not any(seen))
    return rec


def _person(rng, prefix: str, k: int, village: dict) -> dict:
    name = f"{FIRST[int(rng.integers(len(FIRST)))]} {LAST[int(rng.integers(len(LAST)))]}"
    phone = "+2547" + "".join(str(int(d)) for d in rng.integers(0, 10, 8))
    return {"resp_id": f"{prefix}{k:04d}", "resp_name": name, "phone": phone, "district": village["district"],
            "village": village["village"], "program_arm": village["program_arm"]}


def _weight(rng, village: dict) -> float:
    return round(village["base_weight"] * float(rng.uniform(0.8, 1.25)), 2)


def build() -> dict[str, list[dict]]:
    rng = np.random.default_rng(20250118)
    villages = _villages(rng)
    baseline, endline, panel = [], [], []
    k = 0
    for v in villages:
        w_base = _weight(rng, v)
        for _ in range(PER_VILLAGE):
            k += 1
            person = rng.normal(0.0, 0.7)
            rec = {**_person(rng, "B", k, v), "weight": w_base, **_answers(rng, person, v, endline=False)}
            baseline.append(rec)
            if rng.random() < 0.9:  # re-interviewed at endline (panel)
                again = _answers(rng, person, v, endline=True)
                again["sex"] = rec["sex"]
                panel.append({**{c: rec[c] for c in ("resp_id", "resp_name", "phone", "district", "village",
                                                     "program_arm")}, "weight": w_base, **again})
    k = 0
    for v in villages:
        w_end = _weight(rng, v)
        for _ in range(PER_VILLAGE):
            k += 1
            person = rng.normal(0.0, 0.7)
            endline.append({**_person(rng, "E", k, v), "weight": w_end, **_answers(rng, person, v, endline=True)})
    return {"baseline.csv": baseline, "endline.csv": endline, "panel_endline.csv": panel}


def write(out: Path = OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, rows in build().items():
        with open(out / name, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    write()
