#!/usr/bin/env python3
"""What an analyst would use instead: pandas read_csv + groupby for the
weighted department x answer table."""
import sys
import pandas as pd

df = pd.read_csv(sys.argv[1])
t = df.groupby(["department", "option_id"])["weight"].agg(["count", "sum"])
print(len(t))
