"""Write the NGO survey of ``tests/data/own_survey/`` (deterministic; not from campaign_me.synth).

A survey as a new user brings it: a small NGO's KoboToolbox KAP survey of a safe-migration campaign,
exported as CSV ("XML values and headers", groups in the headers), with its own column names.

- 4 districts (the strata, ``district_code``) x 5 villages (the clusters, ``village_id``); in each
  district 3 villages are campaign areas and 2 comparison areas (``program_arm`` 1 / 0);
- 20 respondents per village, 400 per round; the **same 20 villages** at baseline and endline with
  new respondents (``rounds: same_clusters``);
- weights added after fieldwork (``hh_weight``, the last column: village population over interviews,
  times the eligible people of the household, scaled);
- "don't know" is 98 and "refused" 99 (a valid "don't know" on the knowledge items, scored as
  incorrect); age has no missing codes;
- 5 knowledge items ``kq1``-``kq5`` (not the sample data's six), 4 Likert items ``att1``-``att4``,
  a select_multiple exposure question (``exposure``: both Kobo's space-separated column and its
  0/1 option columns), and the questions ``aware_risk``, ``plan_irregular`` and ``knows_hotline``,
  which answer the catalogue's ``risk_aware``, ``intend_irregular`` and ``hotline_known``
  (``concept:`` in the codebook), as ``gender``, ``age_band`` and ``edu_level`` answer its
  breakdowns ``sex``, ``age_group`` and ``education``;
- only some of the catalogue's questions: no risk perception (0-100), no warning signs, no
  unaided or aided recall, no information seeking, no safe practices, no channel access, no
  migration plans, no urban/rural;
- the respondent's name and phone number (``resp_name``, ``resp_phone``), declared as identifiers:
  dropped whenever the data are loaded; Kobo's ``_uuid``, ``_submission_time`` and ``_index`` set
  aside by intake;
- nothing else of the sample world: no ``truth.json``, no sampling frame, no census, no pretest, no
  monitoring logs, no logframe.

Files: ``codebook.yaml`` and ``ngo_country/survey_baseline.csv``, ``ngo_country/survey_endline.csv``:
the layout the notebooks and ``campaign-me report --data-dir`` read. Names and phone numbers are
fictitious (every surname ends in "-test"; the numbers are in the fictional ``+254 799 9xx xxx`` range).

Run from the repository root: ``python tests/data/own_survey/make.py``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
COUNTRY = "ngo_country"
SEED = 20250518
PER_VILLAGE = 20
#: district code -> (name, village populations aged 15-49); villages 1-3 are campaign areas
DISTRICTS = {
    "D1": ("Kanda", (1850, 940, 2310, 1420, 760)),
    "D2": ("Lomu", (3020, 1180, 860, 2470, 1630)),
    "D3": ("Mbeni", (690, 1540, 1210, 980, 2050)),
    "D4": ("Tsavo", (1330, 2760, 1090, 610, 1870)),
}
FIRST = ("Amina", "Baraka", "Chiku", "Daudi", "Esther", "Faraji", "Grace", "Hamisi", "Imani", "Juma",
         "Kesi", "Lulu", "Mosi", "Neema", "Omari", "Pendo", "Rehema", "Saidi", "Tumaini", "Zawadi")
LAST = ("Achieng-test", "Barasa-test", "Chege-test", "Dindi-test", "Gitau-test", "Kamau-test", "Mwangi-test",
        "Njoroge-test", "Odhiambo-test", "Wanjiru-test")
KNOWLEDGE = {  # item: (correct answer, share answering correctly at baseline, comparison areas)
    "kq1": (1, 0.55), "kq2": (2, 0.48), "kq3": (1, 0.62), "kq4": (2, 0.35), "kq5": (1, 0.44)}
CHANNELS = ("radio", "tv", "social_media", "community_meeting")
HEADER = [
    "start", "end", "interview_id", "respondent/resp_name", "respondent/resp_phone", "district_code",
    "village_id", "program_arm", "respondent/gender", "respondent/age", "respondent/age_band",
    "respondent/edu_level", "aware_risk", "plan_irregular", "knows_hotline",
    *(f"knowledge/{k}" for k in KNOWLEDGE), *(f"attitudes/att{i}" for i in range(1, 5)),
    "exposure", *(f"exposure/{c}" for c in (*CHANNELS, "none")),
    "_uuid", "_submission_time", "_index", "hh_weight",
]

CODEBOOK = """\
# Codebook of a small NGO's KoboToolbox KAP survey (tests/data/own_survey/make.py writes it with the data):
# its own column names; 'concept' names the catalogue variable a question answers.
dataset: ngo_kap_2025
version: "2.1"
description: Baseline and endline KAP survey of the Safe Journeys campaign, 4 districts x 5 villages,
  the same villages at both rounds; weights computed after fieldwork.
id: interview_id
weight: hh_weight
strata: district_code
psu: village_id
arm: {column: program_arm, campaign: [1]}
rounds: same_clusters
missing: {98: Don't know, 99: Refused}

variables:
  start: {type: datetime, role: metadata, label: Interview start (recorded by the phone)}
  end: {type: datetime, role: metadata, label: Interview end (recorded by the phone)}
  interview_id: {type: id, label: Interview ID}
  resp_name: {type: text, role: identifier, label: What is your name?}
  resp_phone: {type: text, role: identifier, label: Phone number for a follow-up call}
  district_code:
    type: categorical
    role: design
    label: District (sampling stratum)
    codes: {D1: Kanda, D2: Lomu, D3: Mbeni, D4: Tsavo}
    concept: district
  village_id: {type: integer, role: design, label: Village (cluster)}
  program_arm:
    type: categorical
    role: design
    label: Campaign village (1) or comparison village (0)
    codes: {0: Comparison, 1: Campaign}
  gender:
    type: categorical
    required: true
    label: Sex of the respondent
    codes: {1: Male, 2: Female}
    concept: sex
  age: {type: integer, required: true, min: 15, max: 49, missing: {}, label: Age in completed years}
  age_band:
    type: categorical
    required: true
    label: Age group (calculated from age)
    codes: {1: 15-24, 2: 25-34, 3: 35-49}
    ordered: true
    concept: age_group
  edu_level:
    type: categorical
    label: Highest level of school completed
    codes: {0: None, 1: Primary, 2: Secondary, 3: Higher}
    ordered: true
    concept: education
  aware_risk:
    type: boolean
    label: People who travel on irregular routes face a high risk of exploitation
    true: 1
    false: 2
    concept: risk_aware
  plan_irregular:
    type: boolean
    label: Do you plan to go abroad without regular documents in the next 12 months?
    true: 1
    false: 2
    concept: intend_irregular
  knows_hotline:
    type: boolean
    label: Knows the national anti-trafficking hotline number (checked against the real number)
    true: 1
    false: 2
    scale: hotline
    correct: true
    concept: hotline_known
  kq1:
    type: categorical
    scale: knowledge
    label: A licensed agency must give you a written contract before you leave
    codes: &tf {1: "True", 2: "False", 98: Don't know}
    missing: {99: Refused}           # 98 (don't know) is a valid answer here, scored incorrect
    correct: 1
  kq2:
    type: categorical
    scale: knowledge
    label: An employer abroad may keep your passport
    codes: *tf
    missing: {99: Refused}
    correct: 2
  kq3:
    type: categorical
    scale: knowledge
    label: The hotline can help you if you are in trouble abroad
    codes: *tf
    missing: {99: Refused}
    correct: 1
  kq4:
    type: categorical
    scale: knowledge
    label: A tourist visa allows you to work abroad
    codes: *tf
    missing: {99: Refused}
    correct: 2
  kq5:
    type: categorical
    scale: knowledge
    label: Recruitment fees charged to workers are illegal
    codes: *tf
    missing: {99: Refused}
    correct: 1
  att1: {type: categorical, scale: attitude, points: 5, label: Regular channels are worth the wait}
  att2: {type: categorical, scale: attitude, points: 5, label: I would check an agency's licence before paying}
  att3: {type: categorical, scale: attitude, points: 5, reverse: true, label: A broker is fine if it is faster}
  att4: {type: categorical, scale: attitude, points: 5, label: I would advise a friend to go through regular channels}
  exposure:
    type: select_multiple
    label: In the last 3 months, where did you see or hear anything about working abroad?
    codes: {radio: Radio, tv: Television, social_media: Social media, community_meeting: Community meeting,
            none: Nowhere}
    concept: exposed
  hh_weight: {type: number, role: design, min: 0, label: Survey weight (computed after fieldwork)}
"""


def _bernoulli(rng: np.random.Generator, logit: np.ndarray) -> np.ndarray:
    return rng.random(len(logit)) < 1 / (1 + np.exp(-logit))


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def _with_missing(rng: np.random.Generator, values: list, dk: float, refused: float) -> list:
    """Replace some answers with 98 (don't know) and 99 (refused)."""
    u = rng.random(len(values))
    return [98 if x < dk else 99 if x < dk + refused else v for v, x in zip(values, u)]


def villages() -> list[dict]:
    """The 20 villages: district, id, arm, population, and a lasting village effect."""
    rng = np.random.default_rng(SEED)
    out = []
    for d, (code, (_, pops)) in enumerate(DISTRICTS.items(), start=1):
        for v, pop in enumerate(pops, start=1):
            out.append({"district": code, "village": 100 * d + v, "arm": 1 if v <= 3 else 0, "population": pop,
                        "effect": rng.normal(0, 0.45)})
    return out


def survey(round_: str, rng: np.random.Generator) -> list[dict]:
    """One round: 20 new respondents in each of the 20 villages."""
    post = round_ == "endline"
    rows = []
    letter = "B" if round_ == "baseline" else "E"
    for vil in villages():
        n = PER_VILLAGE
        gender = rng.choice([1, 2], size=n, p=[0.46, 0.54])
        age = rng.integers(15, 50, size=n)
        band = np.where(age < 25, 1, np.where(age < 35, 2, 3))
        edu = rng.choice([0, 1, 2, 3], size=n, p=[0.12, 0.41, 0.36, 0.11])
        eligible = rng.integers(1, 4, size=n)
        young = (band == 1).astype(float)
        interest = rng.normal(0, 1, size=n)  # interest in migration: exposure and outcomes both rise with it
        campaign = vil["arm"] == 1 and post
        base = vil["effect"] + 0.25 * (edu - 1.4) + 0.35 * post  # a secular trend in every village
        exposed_logit = -1.2 + 0.5 * interest + (1.6 if campaign else 0.0) + 0.3 * (gender == 1)
        exposed = _bernoulli(rng, exposed_logit)
        aware = _bernoulli(rng, _logit(0.45) + base + 0.2 * interest + (0.55 if campaign else 0.0))
        plan = _bernoulli(rng, _logit(0.27) - 0.5 * vil["effect"] + 0.45 * young + 0.4 * interest
                          - (0.35 if campaign else 0.0))
        hotline = _bernoulli(rng, _logit(0.22) + base + (0.8 if campaign else 0.0))
        row_items = {}
        for item, (correct, p) in KNOWLEDGE.items():
            right = _bernoulli(rng, _logit(p) + base + (0.5 if campaign else 0.0))
            wrong = 3 - correct
            dk = rng.random(n) < 0.35  # of the wrong answers, about a third are "don't know"
            answers = [correct if r else (98 if k else wrong) for r, k in zip(right, dk)]
            row_items[item] = _with_missing(rng, answers, 0.0, 0.01)
        for i in range(1, 5):
            agree = np.clip(np.round(rng.normal(3.1 + 0.4 * base + (0.3 if campaign else 0.0), 1.1, size=n)), 1, 5)
            if i == 3:  # reverse-worded
                agree = 6 - agree
            row_items[f"att{i}"] = _with_missing(rng, [int(a) for a in agree], 0.02, 0.01)
        channels = np.column_stack([
            exposed & _bernoulli(rng, np.full(n, _logit(share)))
            for share in (0.62, 0.28, 0.41, 0.33)
        ])
        aware_a = _with_missing(rng, [1 if a else 2 for a in aware], 0.04, 0.01)
        plan_a = _with_missing(rng, [1 if a else 2 for a in plan], 0.0, 0.03)
        hotline_a = [1 if a else 2 for a in hotline]
        for j in range(n):
            number = len(rows) + 1
            day = 3 + number // 40
            minute = (number * 37) % (60 * 8)
            start = f"2025-{3 if round_ == 'baseline' else 11:02d}-{day:02d}T{8 + minute // 60:02d}:{minute % 60:02d}:00"
            length = 18 + int(rng.integers(0, 25))
            stop_min = minute + length
            end = f"{start[:11]}{8 + stop_min // 60:02d}:{stop_min % 60:02d}:00"
            picked = [c for c, on in zip(CHANNELS, channels[j]) if on]
            first, last = FIRST[int(rng.integers(len(FIRST)))], LAST[int(rng.integers(len(LAST)))]
            rows.append({
                "start": start, "end": end,
                "interview_id": f"{letter}-{vil['village']}-{j + 1:02d}",
                "respondent/resp_name": f"{first} {last}",
                "respondent/resp_phone": f"+254 799 9{int(rng.integers(0, 100)):02d} {int(rng.integers(0, 1000)):03d}",
                "district_code": vil["district"], "village_id": vil["village"], "program_arm": vil["arm"],
                "respondent/gender": int(gender[j]), "respondent/age": int(age[j]),
                "respondent/age_band": int(band[j]), "respondent/edu_level": int(edu[j]),
                "aware_risk": aware_a[j], "plan_irregular": plan_a[j], "knows_hotline": hotline_a[j],
                **{f"knowledge/{k}": row_items[k][j] for k in KNOWLEDGE},
                **{f"attitudes/att{i}": row_items[f"att{i}"][j] for i in range(1, 5)},
                "exposure": " ".join(picked) if picked else "none",
                **{f"exposure/{c}": int(c in picked) for c in CHANNELS},
                "exposure/none": int(not picked),
                "_uuid": f"{SEED:x}-{letter.lower()}{number:04d}",
                "_submission_time": f"{end[:10]}T18:00:00",
                "_index": number,
                "_eligible": int(eligible[j]),
                "_population": vil["population"],
            })
    # weights after fieldwork: village population / interviews, times the household's eligible people,
    # scaled so that each village's weights add up to its population
    for vil in villages():
        mine = [r for r in rows if r["village_id"] == vil["village"]]
        total = sum(r["_eligible"] for r in mine)
        for r in mine:
            r["hh_weight"] = round(vil["population"] * r["_eligible"] / total, 3)
    for r in rows:
        del r["_eligible"], r["_population"]
    return rows


def write(folder: Path = HERE) -> None:
    """Write the codebook and both rounds under ``folder``."""
    rng = np.random.default_rng(SEED + 1)
    (folder / COUNTRY).mkdir(parents=True, exist_ok=True)
    (folder / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    for round_ in ("baseline", "endline"):
        rows = survey(round_, rng)
        with open(folder / COUNTRY / f"survey_{round_}.csv", "w", newline="", encoding="utf-8") as fh:
            out = csv.DictWriter(fh, fieldnames=HEADER, lineterminator="\n")
            out.writeheader()
            out.writerows(rows)


if __name__ == "__main__":
    write()
