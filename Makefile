# mutuals: a C host embedding Lua 5.4 over an SQLite store of UK public service mutuals.
#
#   make            build build/mutuals, build/mutuals-lua and build/mutuals.so
#   make deps       install the Debian packages needed to build and run (apt-get)
#   make test-deps  those and what the tests need besides (busted, tmux, Chromium, valgrind, ...)
#   make test       build, then run every suite plainly and under ASan+UBSan
#                   (and the read-ahead's tests under ThreadSanitizer)
#   make install    PREFIX=/usr/local DESTDIR=
#   make lint       luacheck on every shipped Lua file
#   make fuzz       libFuzzer on the importers and the calendar and option parsers, and the API
#                   fuzzer, for longer than `make test`
#
# BUILD names the output folder and SAN adds sanitizer flags, so the
# sanitized build lives beside the plain one (build-san/).

PKGS      := lua5.4 sqlite3 readline jansson libcrypto
BUILD     ?= build
SAN       ?=
PREFIX    ?= /usr/local
DESTDIR   ?=

CC        ?= cc
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) libcurl 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS    ?= -O2 -g
WARN      := -Wall -Wextra -Werror
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -pthread $(WARN) -fPIC $(CFLAGS) $(SAN) $(PKG_CFLAGS)
LDLIBS    = $(PKG_LIBS) -lcsv -lm -ldl -pthread
MOD_LIBS  = $(shell pkg-config --libs sqlite3 jansson libcrypto 2>/dev/null) -lcsv -lm -ldl -pthread

MODEL_SRC   := $(wildcard models/*.c)
BINDING_SRC := $(wildcard bindings/*.c)
HOST_SRC    := $(wildcard host/*.c)
MODEL_OBJ   := $(MODEL_SRC:%.c=$(BUILD)/obj/%.o)
BINDING_OBJ := $(BINDING_SRC:%.c=$(BUILD)/obj/%.o)
HOST_OBJ    := $(HOST_SRC:%.c=$(BUILD)/obj/%.o)
EMBEDDED    := $(wildcard models/migrations/*.sql) models/dataset.sql models/aliases.sql models/depth.sql

# Debian packages: to build and run (make deps), and what only the tests need on top (make test-deps):
# a user who wants the program does not download a browser.
RUN_PKGS  := build-essential pkg-config lua5.4 liblua5.4-dev libsqlite3-dev sqlite3 \
             libcurl4-openssl-dev libssl-dev libreadline-dev libcsv-dev libjansson-dev gnuplot-nox
TEST_PKGS := lua-busted lua-check luarocks tmux python3 python3-jsonschema python3-pandas openssl chromium valgrind \
             zsh groff-base systemd
DEB_PKGS  := $(RUN_PKGS)

.PHONY: all deps test-deps test check lint install uninstall clean module install-module bench fuzz

all: $(BUILD)/mutuals $(BUILD)/mutuals-lua $(BUILD)/mutuals.so $(BUILD)/sqlite/mutuals.so $(BUILD)/test_models $(BUILD)/test_readahead \
     $(BUILD)/fuzz_import_replay $(BUILD)/fuzz_microdata_replay $(BUILD)/fuzz_calendar_replay $(BUILD)/fuzz_options_replay \
     $(BUILD)/mutuals-api.7 $(BUILD)/mutuals.bash $(BUILD)/_mutuals

# Written by the program from its own tables, so they cannot drift from it: the Lua API's manual page
# (from help("all")) and the shell completions (from the commands' option tables and the model).
$(BUILD)/mutuals-api.7: $(BUILD)/mutuals-lua doc/api.lua
	$(BUILD)/mutuals-lua doc/api.lua > $@.tmp && mv $@.tmp $@
$(BUILD)/mutuals.bash: $(BUILD)/mutuals
	$(BUILD)/mutuals completion bash > $@.tmp && mv $@.tmp $@
$(BUILD)/_mutuals: $(BUILD)/mutuals
	$(BUILD)/mutuals completion zsh > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/%.o: %.c $(wildcard models/*.h bindings/*.h host/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The SQL files are pulled into embed.o by the assembler.
$(BUILD)/obj/models/embed.o: $(EMBEDDED)
$(BUILD)/obj/bindings/lualib.o: bindings/report.lua bindings/show.lua

$(BUILD)/mutuals: $(HOST_OBJ) $(BINDING_OBJ) $(MODEL_OBJ)
	$(CC) $(SAN) -o $@ $^ $(LDFLAGS) $(LDLIBS)

$(BUILD)/mutuals-lua: $(BUILD)/mutuals
	ln -sf mutuals $@

# The Lua C module: no -llua, the loading interpreter provides Lua.
$(BUILD)/mutuals.so: $(BINDING_OBJ) $(MODEL_OBJ)
	$(CC) $(SAN) -shared -o $@ $^ $(LDFLAGS) $(MOD_LIBS)

# The store's SQL for SQLite's own shell: `sqlite3 -cmd '.load build/sqlite/mutuals' STORE` registers the
# responses virtual table (responses_vtab.c), without which the shell can neither read responses nor
# change the schema. The models alone: no Lua.
$(BUILD)/sqlite/mutuals.so: $(MODEL_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -shared -o $@ $^ $(LDFLAGS) $(MOD_LIBS)

# For the rockspec: the module alone, and its installation into luarocks' tree.
module: $(BUILD)/mutuals.so

install-module: module
	install -d $(INST_LIBDIR)
	install -m 644 $(BUILD)/mutuals.so $(INST_LIBDIR)/mutuals.so

test-deps:
	$(MAKE) deps DEB_PKGS="$(RUN_PKGS) $(TEST_PKGS)"

deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# ThreadSanitizer cannot share a build with ASan: the read-ahead's tests get their own.
test: all
	$(MAKE) BUILD=build-san SAN="$(SANFLAGS)" CFLAGS="-O1 -g" all
	$(MAKE) BUILD=build-tsan SAN="-fsanitize=thread" CFLAGS="-O1 -g" build-tsan/test_readahead build-tsan/mutuals-lua
	sh tests/run.sh

check: test

lint:
	luacheck --quiet scripts tests/spec

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/lua/5.4 \
	  $(DESTDIR)$(PREFIX)/share/mutuals/scripts $(DESTDIR)$(PREFIX)/share/mutuals/seeds \
	  $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 755 $(BUILD)/mutuals $(DESTDIR)$(PREFIX)/bin/mutuals
	ln -sf mutuals $(DESTDIR)$(PREFIX)/bin/mutuals-lua
	install -m 644 $(BUILD)/mutuals.so $(DESTDIR)$(PREFIX)/lib/lua/5.4/mutuals.so
	install -d $(DESTDIR)$(PREFIX)/lib/mutuals
	install -m 644 $(BUILD)/sqlite/mutuals.so $(DESTDIR)$(PREFIX)/lib/mutuals/mutuals.so
	install -m 644 scripts/*.lua $(DESTDIR)$(PREFIX)/share/mutuals/scripts/
	install -d $(DESTDIR)$(PREFIX)/share/mutuals/scripts/data
	install -m 644 scripts/data/* $(DESTDIR)$(PREFIX)/share/mutuals/scripts/data/
	install -m 644 models/seeds/*.txt $(DESTDIR)$(PREFIX)/share/mutuals/seeds/
	install -m 644 doc/mutuals.1 $(DESTDIR)$(PREFIX)/share/man/man1/mutuals.1
	install -m 644 doc/mutuals-lua.1 $(DESTDIR)$(PREFIX)/share/man/man1/mutuals-lua.1
	install -m 644 $(BUILD)/mutuals-api.7 $(DESTDIR)$(PREFIX)/share/man/man7/mutuals-api.7
	install -m 644 doc/report.schema.json $(DESTDIR)$(PREFIX)/share/mutuals/report.schema.json
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions
	install -m 644 $(BUILD)/mutuals.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/mutuals
	install -m 644 $(BUILD)/_mutuals $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_mutuals

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/share/bash-completion/completions/mutuals \
	  $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_mutuals $(DESTDIR)$(PREFIX)/share/man/man7/mutuals-api.7
	rm -f $(DESTDIR)$(PREFIX)/bin/mutuals $(DESTDIR)$(PREFIX)/bin/mutuals-lua \
	  $(DESTDIR)$(PREFIX)/lib/lua/5.4/mutuals.so $(DESTDIR)$(PREFIX)/share/man/man1/mutuals.1 \
	  $(DESTDIR)$(PREFIX)/share/man/man1/mutuals-lua.1
	rm -rf $(DESTDIR)$(PREFIX)/share/mutuals $(DESTDIR)$(PREFIX)/lib/mutuals

clean:
	rm -rf build build-san build-tsan build-fuzz

$(BUILD)/test_%: tests/c/test_%.c tests/c/check.h $(MODEL_OBJ)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(MODEL_OBJ) $(LDFLAGS) $(MOD_LIBS)

# The importers' fuzz harness as a replay of its corpus (any compiler): run by `make test`.
$(BUILD)/fuzz_import_replay: tests/fuzz/import_fuzz.c tests/fuzz/replay.c $(MODEL_OBJ)
	$(CC) $(ALL_CFLAGS) -o $@ tests/fuzz/import_fuzz.c tests/fuzz/replay.c $(MODEL_OBJ) $(LDFLAGS) $(MOD_LIBS)
# The calendar parser's (schedule --on), the same way.
# The microdata importer's (and the estimates from what it accepts): run by `make test` too.
$(BUILD)/fuzz_microdata_replay: tests/fuzz/microdata_fuzz.c tests/fuzz/replay.c $(MODEL_OBJ)
	$(CC) $(ALL_CFLAGS) -o $@ tests/fuzz/microdata_fuzz.c tests/fuzz/replay.c $(MODEL_OBJ) $(LDFLAGS) $(MOD_LIBS)

$(BUILD)/fuzz_calendar_replay: tests/fuzz/calendar_fuzz.c tests/fuzz/replay.c host/calendar.c host/host.h
	$(CC) $(ALL_CFLAGS) -o $@ tests/fuzz/calendar_fuzz.c tests/fuzz/replay.c host/calendar.c $(LDFLAGS)
# The option parser's (every command's arguments), the same way.
$(BUILD)/fuzz_options_replay: tests/fuzz/options_fuzz.c tests/fuzz/replay.c host/options.c host/host.h $(MODEL_OBJ)
	$(CC) $(ALL_CFLAGS) -o $@ tests/fuzz/options_fuzz.c tests/fuzz/replay.c host/options.c $(MODEL_OBJ) \
	  $(LDFLAGS) $(MOD_LIBS)

# make fuzz: libFuzzer (clang) on the importers, the calendar parser and the option parser for
# FUZZ_SECONDS each, then the API fuzzer over FUZZ_SEEDS random seeds. New inputs go to build-fuzz/; copy
# a crash into tests/fuzz/corpus/import/ (or microdata/, calendar/, options/) so that `make test` replays it from then on.
FUZZ_SECONDS ?= 60
FUZZ_SEEDS   ?= 20
FUZZ_FLAGS   := -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer -g -O1
fuzz: all
	$(MAKE) deps DEB_PKGS="clang"
	@mkdir -p build-fuzz/corpus
	clang -std=c11 -D_GNU_SOURCE -pthread $(FUZZ_FLAGS) $(PKG_CFLAGS) -o build-fuzz/import_fuzz \
	  tests/fuzz/import_fuzz.c $(MODEL_SRC) $(MOD_LIBS)
	build-fuzz/import_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=65536 build-fuzz/corpus tests/fuzz/corpus/import
	@mkdir -p build-fuzz/microdata
	clang -std=c11 -D_GNU_SOURCE -pthread $(FUZZ_FLAGS) $(PKG_CFLAGS) -o build-fuzz/microdata_fuzz \
	  tests/fuzz/microdata_fuzz.c $(MODEL_SRC) $(MOD_LIBS)
	build-fuzz/microdata_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=16384 build-fuzz/microdata tests/fuzz/corpus/microdata
	@mkdir -p build-fuzz/calendar
	clang -std=c11 -D_GNU_SOURCE $(FUZZ_FLAGS) $(PKG_CFLAGS) -o build-fuzz/calendar_fuzz \
	  tests/fuzz/calendar_fuzz.c host/calendar.c
	build-fuzz/calendar_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=600 build-fuzz/calendar tests/fuzz/corpus/calendar
	@mkdir -p build-fuzz/options
	clang -std=c11 -D_GNU_SOURCE -pthread $(FUZZ_FLAGS) $(PKG_CFLAGS) -o build-fuzz/options_fuzz \
	  tests/fuzz/options_fuzz.c host/options.c $(MODEL_SRC) $(MOD_LIBS)
	build-fuzz/options_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=2000 build-fuzz/options tests/fuzz/corpus/options
	$(MAKE) BUILD=build-san SAN="$(SANFLAGS)" CFLAGS="-O1 -g" all
	mkdir -p build-fuzz/api   # the fuzzer's stores (mutuals.open of a random name) land here, not in the tree
	for seed in $$(seq 1 $(FUZZ_SEEDS)); do \
	  (cd build-fuzz/api && ../../build-san/mutuals-lua ../../tests/fuzz/api.lua 50000 $$RANDOM$$seed) || exit 1; done

# Benchmarks: their own tools (LuaSQL, pandas, GNU time, node for DuckDB) are installed here, not by deps.
BENCH_PKGS := lua-sql-sqlite3 python3 python3-pandas time sqlite3 nodejs npm
bench: all
	$(MAKE) deps DEB_PKGS="$(DEB_PKGS) $(BENCH_PKGS)"
	cd bench && npm install --no-audit --no-fund --loglevel=error
	bash bench/run.sh
