/*
 * kind.c - the registry of the parts of a survivor's record (kind.h); each
 * kind is declared in kinds/.
 */
#include "kind.h"

#include <string.h>

#include "kinds/kinds.h"

const struct kind *const kind_table[] = {
    &kind_nrm,		 &kind_asylum,	     &kind_plan,      &kind_plan_reviews,
    &kind_registrations, &kind_appointments, &kind_referrals, &kind_medications,
    &kind_notes,	 &kind_consents,     &kind_snoozes,
};

const size_t kind_count = sizeof kind_table / sizeof kind_table[0];

/* The kind named by the first len bytes of name. */
static const struct kind *find_n(const char *name, size_t len)
{
	for (size_t i = 0; i < kind_count; i++)
		if (strlen(kind_table[i]->name) == len &&
		    memcmp(kind_table[i]->name, name, len) == 0)
			return kind_table[i];
	return NULL;
}

const struct kind *kind_find(const char *name)
{
	return name ? find_n(name, strlen(name)) : NULL;
}

const struct kind *kind_of_route(const char *pattern)
{
	static const char prefix[] = "/api/v1/survivors/{id}/";
	if (!pattern || strncmp(pattern, prefix, sizeof prefix - 1) != 0)
		return NULL;
	const char *rest = pattern + sizeof prefix - 1;
	size_t len = strlen(rest);
	const struct kind *k = find_n(rest, len);
	if (k)
		return k;
	/* ".../KIND/{item_id}": a list's item (a one-per-survivor kind has
	 * no item paths). */
	const char *slash = strrchr(rest, '/');
	if (!slash || slash[1] != '{' || rest[len - 1] != '}' || strchr(slash + 1, '/') != NULL)
		return NULL;
	k = find_n(rest, (size_t)(slash - rest));
	return k && k->shape == KIND_LIST ? k : NULL;
}
