/* SQL text embedded by embed.c; each is NUL-terminated. */
#ifndef MUTUALS_EMBED_H
#define MUTUALS_EMBED_H

extern const char mu_sql_migration_001[];
extern const char mu_sql_migration_002[];
extern const char mu_sql_dataset[];
extern const char *const mu_migrations[];   /* in order, NULL-terminated */

#endif
