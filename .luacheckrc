std = "lua54"
files["tests/spec"] = { std = "+busted" }
max_line_length = 140
