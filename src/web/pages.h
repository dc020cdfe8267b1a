/*
 * pages.h - the page handlers, one file per group of pages.
 */
#ifndef WM_WEB_PAGES_H
#define WM_WEB_PAGES_H

#include "page.h"

/* pages_auth.c: signing in and out, changing one's password. */
void page_home(struct page *p);
void page_sign_in(struct page *p);
void page_sign_out(struct page *p);
void page_password(struct page *p);
void page_password_post(struct page *p);

/* pages_dashboard.c: the caseload dashboard (the signed-in home page). */
void page_dashboard(struct page *p);

/* record pages (pages_record.c): the caseload list and one survivor's
 * record, with its alerts, timeline and what it lacks for alerts. */
void page_survivors(struct page *p);
void page_record(struct page *p);
void page_handover(struct page *p); /* the FHIR handover, downloaded */
/* pages_forms.c (forms): adding and changing the survivor and each part of
 * their record, an alert's snooze, a safeguarding share. */
void page_item_new(struct page *p);
void page_item_create(struct page *p);
void page_item_edit(struct page *p);
void page_item_update(struct page *p);
void page_one_edit(struct page *p);
void page_consent_withdraw(struct page *p);
void page_consent_withdraw_post(struct page *p);
void page_survivor_new(struct page *p);
void page_survivor_create(struct page *p);
void page_survivor_edit(struct page *p);
void page_survivor_update(struct page *p);
void page_snooze(struct page *p);
void page_snooze_post(struct page *p);
void page_share(struct page *p);
void page_share_post(struct page *p);
/* pages_manage.c (manager's pages): caseloads and reassignment,
 * safeguarding shares, a record's access log, the outcome report. */
void page_caseloads(struct page *p);
void page_reassign(struct page *p);
void page_reassign_post(struct page *p);
void page_safeguarding(struct page *p);
void page_safeguarding_post(struct page *p);
void page_access_log(struct page *p);
void page_report(struct page *p);
void page_report_csv(struct page *p);

/* pages_import.c (manager's pages): a caseload from a spreadsheet -
 * the form, the check of the file (nothing stored), then its import. */
void page_import(struct page *p);
void page_import_check(struct page *p);
void page_import_confirm(struct page *p);

/* pages_documents.c: a survivor's printed documents, as downloads. */
void page_document(struct page *p);

/* pages_admin.c (administrator's pages): organisations and accounts. */
void page_admin_orgs(struct page *p);
void page_admin_orgs_post(struct page *p);
void page_admin_users(struct page *p);
void page_admin_user_new(struct page *p);
void page_admin_user_create(struct page *p);
void page_admin_user(struct page *p);
void page_admin_user_post(struct page *p);

/* two-factor sign-in (pages_auth.c: the sign-in's second step;
 * pages_two_factor.c: setting it up and turning it off; pages_admin.c: an
 * organisation's requirement, an account's reset). */
void page_sign_in_code(struct page *p);
void page_two_factor(struct page *p);
void page_two_factor_start(struct page *p);
void page_two_factor_confirm(struct page *p);
void page_two_factor_disable(struct page *p);
void page_admin_org_post(struct page *p);

/* pages_screening.c: the identification guide for health professionals,
 * open to anyone; stores nothing. */
void page_screening(struct page *p);
void page_screening_post(struct page *p);

/* pages_settings.c (everyone's settings): privacy mode. */
void page_settings(struct page *p);
void page_settings_post(struct page *p);
/* ... and an advocate's calendar feed: make (or replace) it, revoke it. */
void page_calendar_feed_post(struct page *p);
void page_documents_post(struct page *p);
void page_calendar_feed_revoke(struct page *p);

#endif
