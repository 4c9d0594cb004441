/* SQL text embedded by embed.c; each is NUL-terminated. */
#ifndef MUTUALS_EMBED_H
#define MUTUALS_EMBED_H

/*
** Pull a file into .rodata as a NUL-terminated symbol. Paths are relative
** to the top of the source tree, where make and luarocks run.
*/
#define MU_EMBED(sym, file)                                                   \
  __asm__(".section .rodata\n"                                                \
          ".global " #sym "\n"                                                \
          ".hidden " #sym "\n"                                                \
          ".type " #sym ", @object\n"                                         \
          ".balign 16\n" #sym ":\n"                                           \
          ".incbin \"" file "\"\n"                                            \
          ".byte 0\n"                                                         \
          ".previous\n")

extern const char mu_sql_migration_001[];
extern const char mu_sql_migration_002[];
extern const char mu_sql_migration_003[];
extern const char mu_sql_migration_004[];
extern const char mu_sql_migration_005[];
extern const char mu_sql_migration_006[];
extern const char mu_sql_migration_007[];
extern const char mu_sql_migration_008[];
extern const char mu_sql_migration_009[];
extern const char mu_sql_migration_010[];
extern const char mu_sql_migration_011[];
extern const char mu_sql_dataset[];
extern const char mu_sql_aliases[];   /* the bundled name variants, after the dataset or migration 7 */
extern const char mu_sql_depth[];     /* the bundled rows of migration 9's tables, after the dataset or migration 9 */
extern const char *const mu_migrations[];   /* in order, NULL-terminated */

#endif
