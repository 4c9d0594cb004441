/*
** libFuzzer harness for the importers: CSV, JSON arrays, JSON Lines and
** pretty-printed records, into every kind of row. The first byte picks the
** format and the entity; the rest is the file. Each input is imported
** inside a transaction that is then rolled back, so the store stays small.
** Built with clang -fsanitize=fuzzer by `make fuzz`, and with any compiler
** as a replay of the corpus (replay.c) by `make test`.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../models/model.h"

static mu_store *store;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const kinds[] = {"mutuals", "observations", "responses", "sectors", "programmes", "findings",
                                      "results", "bodies"};
  char err[512];
  if (!store && mu_store_open(":memory:", 0, &store, err, sizeof err)) {
    fprintf(stderr, "cannot open a store: %s\n", err);
    abort();
  }
  if (size == 0) return 0;
  mu_format fmt = (data[0] & 1) ? MU_FMT_JSON : MU_FMT_CSV;
  const mu_entity *e = mu_entity_find(kinds[(data[0] >> 1) % (sizeof kinds / sizeof kinds[0])]);
  FILE *fp = fmemopen((void *)(data + 1), size - 1 ? size - 1 : 1, "rb");
  if (!fp) return 0;
  if (size == 1) fgetc(fp);   /* an empty file: fmemopen refuses size 0 */
  if (mu_store_begin(store, err, sizeof err) == 0) {
    mu_import_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.max_errors = 5;
    opts.mode = (data[0] & 0x80) ? MU_MODE_UPSERT : MU_MODE_INSERT;   /* merging, as fetch does */
    mu_import(store, e, fmt, "fuzz", fp, &opts);
    free(opts.errors);
    mu_store_rollback(store);
  }
  fclose(fp);
  return 0;
}
