/*
 * survivor_alerts.c - the alerts of one survivor, and what their record
 * lacks for a rule to be judged: what the record page shows beside the
 * record (GET /survivors/{id}/alerts).
 *
 * The same rules, snoozes and cuts as GET /alerts (alerts.c judges them):
 * a clinician under a share sees only the rules about the parts of the
 * record they may read, and only the gaps of those rules. Reading them is
 * a read of the record, audited before the answer goes.
 */
#include <stdio.h>

#include "call.h"

/* GET /survivors/{id}/alerts?as_of=DATE */
void survivor_alerts_get(struct call *c)
{
	int day;
	if (!call_query_date(c, "as_of", c->today, &day))
		return;
	struct store_survivor s;
	if (!survivor_load(c, ACT_SURVIVOR_READ, &s))
		return;
	json_t *alerts, *missing;
	if (alerts_of_survivor(c, &s, day, &alerts, &missing)) {
		char as_of[DATE_TEXT_LEN];
		date_format(day, as_of);
		struct store_audit a;
		call_audit(c, s.id, "read", &a);
		http_respond_json(c->req, 200,
				  json_pack("{s:s, s:o, s:o}", "as_of", as_of, "alerts", alerts,
					    "missing", missing));
		call_answer_after_audit(c, &a, 1);
	}
	store_survivor_clear(&s);
}
