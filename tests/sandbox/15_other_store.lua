-- Opening another database file.
mutuals.open("/tmp/another-store.db")
