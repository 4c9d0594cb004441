-- Builds the same bindings as the host, as a Lua C module, so that stock
-- lua5.4 can `require "mutuals"`:  luarocks --lua-version=5.4 make
package = "mutuals"
version = "scm-1"
source = {
   url = "git+file://.",
}
description = {
   summary = "UK public service mutuals as Lua objects over SQLite",
   detailed = [[
      Mutuals, departments, Taskforce recommendations and staff survey data,
      with the bundled 2011-2012 dataset, as Lua objects backed by SQLite.
   ]],
   license = "MIT",
}
dependencies = {
   "lua >= 5.4, < 5.5",
}
external_dependencies = {
   SQLITE = { header = "sqlite3.h", library = "sqlite3" },
   CSV = { header = "csv.h", library = "csv" },
   JANSSON = { header = "jansson.h", library = "jansson" },
   OPENSSL = { header = "openssl/evp.h", library = "crypto" },
}
build = {
   type = "make",
   makefile = "Makefile",
   build_target = "module",
   build_variables = {
      CFLAGS = "$(CFLAGS)",
      -- warnings, but not as errors: a newer compiler's new warning must not stop a user's install
      -- (the project's own builds and CI keep -Werror)
      WARN = "-Wall -Wextra",
   },
   install_target = "install-module",
   install_variables = {
      INST_LIBDIR = "$(LIBDIR)",
   },
}
