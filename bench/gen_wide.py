#!/usr/bin/env python3
"""Synthetic microdata in the wide form survey suppliers deliver, for the
survey engine's benchmarks: N respondents (default 1,000,000), one row each,
with department (20), grade (6), a weight between 0.5 and 1.5 and two
questions, q1 (yes / no / dont_know) and q2 (a four-point agreement scale),
about 3% of each left unanswered. Deterministic: the same N gives the same
file. Synthetic: no real respondent is described."""
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
rng = random.Random(2011)
departments = ["D%02d" % i for i in range(20)]
grades = ["AA", "AO", "EO", "HEO", "SEO", "G7"]
q2 = ["strongly_agree", "agree", "disagree", "strongly_disagree"]
out = sys.stdout
out.write("id,department,grade,weight,q1,q2\n")
rows = []
for i in range(n):
    r = rng.random()
    a1 = "" if r < 0.03 else ("yes" if r < 0.19 else ("no" if r < 0.85 else "dont_know"))
    a2 = "" if rng.random() < 0.03 else q2[min(3, int(rng.random() * 4))]
    rows.append("W%07d,%s,%s,%.4f,%s,%s\n" % (i, departments[rng.randrange(20)], grades[rng.randrange(6)],
                                              0.5 + rng.random(), a1, a2))
    if len(rows) == 10000:
        out.write("".join(rows))
        rows = []
out.write("".join(rows))
