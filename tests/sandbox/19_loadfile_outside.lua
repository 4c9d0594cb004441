dofile("/etc/hostname")
