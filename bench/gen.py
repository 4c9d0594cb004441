#!/usr/bin/env python3
"""A synthetic survey for the benchmarks: N respondents (default 1,000,000),
each answering question 1 of survey 1 (the bundled 2012 survey) yes / no /
don't know at about 16 / 69 / 15 per cent, in one of 20 departments and 6
grades, with a weight. Deterministic: the same N gives the same file."""
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
rng = random.Random(2012)
departments = ["D%02d" % i for i in range(20)]
grades = ["AA", "AO", "EO", "HEO", "SEO", "G7"]
out = sys.stdout
out.write("survey_id,respondent,question_id,option_id,department,grade,weight\n")
rows = []
for i in range(n):
    r = rng.random()
    option = 1 if r < 0.16 else (2 if r < 0.85 else 3)
    rows.append("1,R%07d,1,%d,%s,%s,%.4f\n" % (i, option, departments[rng.randrange(20)],
                                             grades[rng.randrange(6)], 0.5 + rng.random()))
    if len(rows) == 10000:
        out.write("".join(rows))
        rows = []
out.write("".join(rows))
