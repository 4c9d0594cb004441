/*
** SQL shipped inside the program: the migrations and the bundled dataset.
** The assembler's .incbin pulls each file in at build time (paths are
** relative to the top of the source tree, where make and luarocks run), so
** the program and the Lua module need no data files at run time.
*/
#include "embed.h"

MU_EMBED(mu_sql_migration_001, "models/migrations/001_init.sql");
MU_EMBED(mu_sql_migration_002, "models/migrations/002_runs.sql");
MU_EMBED(mu_sql_migration_003, "models/migrations/003_honest.sql");
MU_EMBED(mu_sql_migration_004, "models/migrations/004_run_owner.sql");
MU_EMBED(mu_sql_migration_005, "models/migrations/005_respondents.sql");
MU_EMBED(mu_sql_migration_006, "models/migrations/006_survey_cache.sql");
MU_EMBED(mu_sql_migration_007, "models/migrations/007_aliases.sql");
MU_EMBED(mu_sql_migration_008, "models/migrations/008_imports.sql");
MU_EMBED(mu_sql_migration_009, "models/migrations/009_depth.sql");
MU_EMBED(mu_sql_migration_010, "models/migrations/010_lean_responses.sql");
MU_EMBED(mu_sql_migration_011, "models/migrations/011_responses_vtab.sql");
MU_EMBED(mu_sql_dataset, "models/dataset.sql");
MU_EMBED(mu_sql_aliases, "models/aliases.sql");
MU_EMBED(mu_sql_depth, "models/depth.sql");

const char *const mu_migrations[] = {mu_sql_migration_001, mu_sql_migration_002, mu_sql_migration_003, mu_sql_migration_004, mu_sql_migration_005, mu_sql_migration_006, mu_sql_migration_007, mu_sql_migration_008, mu_sql_migration_009, mu_sql_migration_010, mu_sql_migration_011, 0};
