-- Reading a file outside the allowed folder.
print(io.open("/etc/passwd"):read("a"))
