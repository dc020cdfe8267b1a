/*
 * migrations.h - the schema versions a backend carries, oldest first.
 *
 * Version N is applied once, in one transaction, when a database is at N-1.
 * The arrays are generated from store/migrations/<backend>/NNN_name.sql.
 */
#ifndef WM_MIGRATIONS_H
#define WM_MIGRATIONS_H

struct migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct migration sqlite_migrations[];
extern const int sqlite_migration_count;
extern const struct migration pg_migrations[];
extern const int pg_migration_count;

#endif
