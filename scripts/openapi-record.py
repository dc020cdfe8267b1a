#!/usr/bin/env python3
"""Writes the OpenAPI paths and schemas of the parts of a survivor's record
(src/domain/kind.h) into src/api/openapi.json.

Every part is served by the same generic path, so its routes, answers and
errors have one shape; only the fields differ. This script states that shape
once and the fields of each part (as the API spec lists them), and replaces
the parts' entries in the document. Run it after changing a part's fields:

    scripts/openapi-record.py && git diff src/api/openapi.json
"""
import json
import os

DOC = os.path.join(os.path.dirname(__file__), '..', 'src', 'api', 'openapi.json')
BASE = '/api/v1/survivors/{id}/'


def enum(*values, desc=None):
    s = {'type': 'string', 'enum': list(values)}
    if desc:
        s['description'] = desc
    return s


DATE = {'$ref': '#/components/schemas/Date'}
INSTANT = {'$ref': '#/components/schemas/Instant'}
BOOL = {'type': 'boolean'}
LINE = {'type': 'string', 'maxLength': 200, 'description': 'One line; sealed at rest.'}
TEXT = {'type': 'string', 'maxLength': 20000, 'description': 'Free text; sealed at rest.'}
ID = {'$ref': '#/components/schemas/Id'}
OUTCOME = enum('positive', 'negative')

ALERT_RULES = ['gp_unregistered', 'dependant_gp_unregistered', 'dental_unregistered',
               'antenatal_missing', 'registration_refused', 'interpreter_not_booked',
               'interpreter_not_provided', 'third_party_cancellation',
               'repeated_non_attendance', 'plan_missing', 'review_overdue',
               'referral_no_response', 'mental_health_wait', 'medication_without_therapy',
               'medication_not_explained', 'rg_decision_overdue', 'cg_decision_waiting',
               'nrm_support_ending', 'dual_support_gap', 'asylum_no_legal_representative']
SEVERITY = enum('critical', 'high', 'medium', 'low')

# name, schema title, shape, append-only, who reads, who adds, fields, required, rules
KINDS = [
    ('nrm', 'Nrm', 'one', False, 'case', 'team', {
        'referred_on': DATE, 'first_responder': LINE, 'duty_to_notify_only': BOOL,
        'rg_decision_on': DATE, 'rg_outcome': OUTCOME, 'recovery_period_ends_on': DATE,
        'cg_decision_on': DATE, 'cg_outcome': OUTCOME, 'reconsideration_requested_on': DATE,
        'support': enum('none', 'victim_care_contract', 'other'),
    }, ['referred_on'], 'The National Referral Mechanism. Decisions follow their referral: '
        'a decision dated before the referral, an outcome without its date (or a date without '
        'its outcome), or a conclusive-grounds decision without a positive reasonable-grounds '
        'one before it is `422` naming the field.'),
    ('asylum', 'Asylum', 'one', False, 'case', 'team', {
        'claimed_on': DATE, 'arc_issued': BOOL, 'support': enum('none', 's95', 's98', 's4'),
        'screening_on': DATE, 'substantive_interview_on': DATE, 'decision_on': DATE,
        'outcome': enum('granted', 'refused'), 'appeal_lodged_on': DATE,
        'legal_representative': LINE,
    }, ['claimed_on'], 'The asylum claim. No step is dated before the claim; an outcome '
        'needs its decision date; an appeal follows a refusal (`422` naming the field).'),
    ('plan', 'Plan', 'one', False, 'health', 'team', {
        'review_every_days': {'type': 'integer', 'minimum': 1, 'maximum': 365, 'default': 28},
        'goals': {'type': 'array', 'maxItems': 50, 'items': {
            'type': 'object', 'additionalProperties': False, 'required': ['domain', 'text'],
            'properties': {
                'domain': enum('health', 'mental_health', 'housing', 'safety', 'legal',
                               'finance', 'education', 'purpose', 'social', 'independence'),
                'text': TEXT, 'status': enum('open', 'met', 'dropped'),
            }}},
    }, [], 'The support plan: goals by domain, reviewed every `review_every_days` (28 '
        'unless set).'),
    ('plan/reviews', 'PlanReview', 'list', True, 'health', 'team', {
        'on': DATE, 'notes': TEXT,
    }, ['on'], 'A review of the support plan. Append-only.'),
    ('registrations', 'Registration', 'list', False, 'health', 'team', {
        'service': enum('gp', 'dental', 'maternity', 'optician', 'sexual_health'),
        'person': {'type': 'string', 'pattern': '^(survivor|dependant:[1-9][0-9]?)$',
                   'default': 'survivor',
                   'description': '`survivor`, or `dependant:N`: the Nth child (from 1) of '
                                  'the survivor\'s `dependants`, who must exist.'},
        'provider': LINE, 'registered_on': DATE, 'refused_on': DATE,
        'refusal_reason': enum('no_proof_of_address', 'no_id', 'no_immigration_status',
                               'no_nhs_number', 'no_interpreter', 'list_full', 'other'),
    }, ['service'], 'A registration with a health service, or a refusal. Exactly one of '
        '`registered_on` and `refused_on`; `refusal_reason` goes with a refusal only (a '
        'refusal and a later success are two registrations).'),
    ('appointments', 'Appointment', 'list', False, 'health', 'care', {
        'kind': enum('gp', 'dental', 'mental_health_assessment', 'talking_therapy',
                     'counselling', 'ptsd_clinic', 'maternity', 'sexual_health', 'hospital',
                     'emergency', 'pharmacy', 'other'),
        'starts_at': INSTANT,
        'duration_min': {'type': 'integer', 'minimum': 1, 'maximum': 1440},
        'provider': LINE,
        'interpreter': {'type': 'object', 'additionalProperties': False, 'properties': {
            'language': {'type': 'string', 'description': 'A BCP 47 tag.'},
            'needed': BOOL, 'booked': BOOL, 'provided': BOOL}},
        'advocate_attends': BOOL,
        'status': enum('scheduled', 'attended', 'did_not_attend', 'cancelled'),
        'cancelled_by': enum('survivor', 'advocate', 'provider', 'third_party', 'unknown',
                             desc='Required when `status` is `cancelled`, refused otherwise.'),
        'notes': TEXT,
    }, ['kind', 'starts_at'], 'An appointment. `status` is `scheduled` unless given; '
        '`cancelled_by` is required when cancelled and refused otherwise.'),
    ('referrals', 'Referral', 'list', False, 'health', 'care', {
        'service': enum('mental_health', 'talking_therapy', 'ptsd_clinic', 'counselling',
                        'legal', 'housing', 'dental', 'sexual_health', 'substance_use',
                        'education', 'volunteering', 'other'),
        'provider': LINE, 'sent_on': DATE, 'accepted_on': DATE, 'first_seen_on': DATE,
        'rejected_on': DATE, 'rejection_reason': TEXT, 'closed_on': DATE,
    }, ['service', 'sent_on'], 'A referral to a service. Its dates come in order: nothing '
        'before `sent_on`, first seen not before accepted, not both accepted and rejected '
        '(`422` naming the field).'),
    ('medications', 'Medication', 'list', False, 'health', 'team', {
        'name': LINE,
        'category': enum('antidepressant', 'antipsychotic', 'hypnotic', 'analgesic', 'other'),
        'started_on': DATE, 'stopped_on': DATE, 'explained': BOOL,
        'explained_in_own_language': BOOL,
    }, ['name', 'category'], 'A medication. `stopped_on` is not before `started_on`.'),
    ('notes', 'Note', 'list', True, 'case', 'team', {
        'kind': enum('contact', 'visit', 'call', 'safeguarding', 'other'), 'body': TEXT,
    }, ['kind', 'body'], 'A case note. Append-only: `PATCH`, `PUT` and `DELETE` answer '
        '`405`. Never shown to clinicians.'),
    ('consents', 'Consent', 'list', False, 'health', 'team', {
        'purpose': enum('share_with_org', 'handover', 'anonymised_research'),
        'org_id': ID, 'given_on': DATE, 'withdrawn_on': DATE,
        'method': enum('verbal', 'written'), 'interpreter_used': BOOL,
    }, ['purpose', 'given_on'], 'A consent given by the survivor. `org_id` is required for '
        '`share_with_org`; `withdrawn_on` is not before `given_on`.'),
    ('snoozes', 'Snooze', 'list', True, 'case', None, {
        'rule': enum(*ALERT_RULES),
        'item_id': {'type': 'string', 'maxLength': 32,
                    'description': 'The item the alert is about, as the alert carries it '
                                   '(an id, or `dependant:N`).'},
        'until': DATE, 'reason': TEXT,
        'item_version': {'type': 'integer', 'readOnly': True,
                         'description': 'Set by the server: the version the item had when '
                                        'snoozed; once it changes the alert is back.'},
        'snoozed_by': {'allOf': [ID], 'readOnly': True},
    }, ['rule', 'until', 'reason'], 'A snooze of one alert, made through `POST '
        '/api/v1/alerts/snoozes`: the alert leaves the list until `until` (it is back on that '
        'day), or until its item changes. Append-only.'),
]

READERS = {
    'case': '`manager` and `advocate` of the survivor\'s organisation; `clinician`, '
            '`analyst` and `admin` get `403`.',
    'health': '`manager` and `advocate` of the survivor\'s organisation, and a `clinician` '
              'of an organisation the survivor shares their record with (`404` otherwise); '
              '`analyst` and `admin` get `403`.',
}
ADDERS = {
    'team': '`manager` and `advocate` of the survivor\'s organisation; other roles `403`.',
    'care': '`manager` and `advocate` of the survivor\'s organisation, and a `clinician` of '
            'an organisation the survivor shares their record with; `analyst` and `admin` '
            '`403`.',
}
CHANGERS = ADDERS['team']


def ref(name):
    return {'$ref': '#/components/responses/' + name}


def body_of(schema):
    return {'required': True, 'content': {'application/json': {'schema': {
        '$ref': '#/components/schemas/' + schema}}}}


def answer(desc, schema):
    return {'description': desc, 'content': {'application/json': {'schema': {
        '$ref': '#/components/schemas/' + schema}}}}


def errors(*codes):
    names = {'400': 'BadRequest', '401': 'Unauthenticated', '403': 'Forbidden',
             '404': 'NotFound', '409': 'Conflict', '413': 'PayloadTooLarge',
             '415': 'UnsupportedMediaType', '422': 'ValidationFailed', '429': 'RateLimited',
             '500': 'Internal'}
    return {c: ref(names[c]) for c in codes}


def op(tag, op_id, summary, desc, responses, body=None):
    o = {'tags': [tag], 'operationId': op_id, 'summary': summary, 'description': desc,
         'responses': responses}
    if body:
        o['requestBody'] = body
    return o


def main():
    with open(DOC) as f:
        doc = json.load(f)
    paths, schemas = doc['paths'], doc['components']['schemas']
    if not any(t['name'] == 'record' for t in doc.setdefault('tags', [])):
        doc['tags'].append({'name': 'record', 'description': (
            'The parts of a survivor\'s record: the NRM and asylum processes, the support '
            'plan and its reviews, registrations, appointments, referrals, medication, '
            'notes and consents. One path serves them all: every read and change is '
            'audited, free text is sealed at rest, and what a clinician may see comes from '
            'the survivor\'s consent.')})
    for p in [p for p in paths if p.startswith(BASE) and p[len(BASE):].split('/')[0] in
              {k[0].split('/')[0] for k in KINDS} | {'record'}]:
        del paths[p]
    item_param = {'name': 'item_id', 'in': 'path', 'required': True,
                  'schema': {'$ref': '#/components/schemas/Id'}}
    id_param = {'$ref': '#/components/parameters/Id'}
    for name, title, shape, append_only, readers, adders, fields, required, rules in KINDS:
        tag = 'record'
        server = {'id': ID, 'version': {'type': 'integer', 'minimum': 1},
                  'survivor_id': ID, 'created_at': INSTANT, 'updated_at': INSTANT}
        schemas[title + 'Input'] = {
            'type': 'object', 'additionalProperties': False, 'required': required,
            'description': rules + ' Unknown fields and server-set ones are `422`.',
            'properties': fields}
        schemas[title] = {
            'type': 'object', 'additionalProperties': False,
            'required': ['id', 'version', 'survivor_id', 'created_at', 'updated_at'],
            'description': rules, 'properties': {**server, **fields}}
        if shape == 'list':
            schemas[title + 'List'] = {
                'type': 'object', 'additionalProperties': False,
                'required': ['items', 'next_cursor'],
                'description': 'A page, oldest first; `next_cursor` is null on the last.',
                'properties': {'items': {'type': 'array', 'items': {
                    '$ref': '#/components/schemas/' + title}},
                    'next_cursor': {'type': 'string', 'nullable': True}}}
        read_desc = READERS[readers] + ' The read is audited (`read`).'
        if shape == 'one':
            put_in = dict(schemas[title + 'Input'])
            put_in['properties'] = {'version': {
                'type': 'integer', 'minimum': 1,
                'description': 'Required to replace what is stored (the version read); '
                               'not needed for the first `PUT`.'}, **fields}
            schemas[title + 'Input'] = put_in
            paths[BASE + name] = {
                'parameters': [id_param],
                'get': op(tag, 'get' + title, 'Read the survivor\'s ' + name, read_desc,
                          {'200': answer('The stored ' + name + '.', title),
                           **errors('401', '403', '404', '413', '429', '500')}),
                'put': op(tag, 'put' + title, 'Create or replace the survivor\'s ' + name,
                          CHANGERS + ' The first `PUT` creates (`201`); a later one replaces '
                          'the whole ' + name + ' and must carry the `version` read (`409` '
                          'when stale, `422` on `version` when missing). Audited (`create`, '
                          '`update`) in the same transaction.',
                          {'200': answer('Replaced.', title), '201': answer('Created.', title),
                           **errors('400', '401', '403', '404', '409', '413', '415', '422',
                                    '429', '500')}, body_of(title + 'Input')),
            }
            continue
        paths[BASE + name] = {
            'parameters': [id_param],
            'get': op(tag, 'list' + title, 'List the survivor\'s ' + name, read_desc +
                      ' One audit entry for the list.',
                      {'200': answer('A page of ' + name + '.', title + 'List'),
                       **errors('401', '403', '404', '413', '422', '429', '500')}),
        }
        if adders:
            paths[BASE + name]['post'] = op(
                tag, 'add' + title, 'Add to the survivor\'s ' + name,
                ADDERS[adders] + ' Audited (`create`) in the same transaction.',
                {'201': answer('Stored.', title),
                 **errors('400', '401', '403', '404', '413', '415', '422', '429', '500')},
                body_of(title + 'Input'))
        item = {
            'parameters': [id_param, item_param],
            'get': op(tag, 'get' + title, 'Read one of the survivor\'s ' + name, read_desc,
                      {'200': answer('The stored item.', title),
                       **errors('401', '403', '404', '413', '429', '500')}),
        }
        if not append_only:
            schemas[title + 'Patch'] = {
                'type': 'object', 'additionalProperties': False, 'required': ['version'],
                'description': 'Members sent replace the stored ones; null removes one.',
                'properties': {'version': {'type': 'integer', 'minimum': 1}, **fields}}
            item['patch'] = op(
                tag, 'change' + title, 'Change one of the survivor\'s ' + name,
                CHANGERS + ' A JSON merge patch plus the `version` read (`409` when stale); '
                'the merged item must pass every rule of a new one. Audited (`update`).',
                {'200': answer('The stored item.', title),
                 **errors('400', '401', '403', '404', '409', '413', '415', '422', '429',
                          '500')}, body_of(title + 'Patch'))
        paths[BASE + name + '/{item_id}'] = item
    whole = {'survivor': {'$ref': '#/components/schemas/Survivor'}}
    for name, title, shape, *_ in KINDS:
        if name == 'plan/reviews':
            continue
        if shape == 'one':
            whole[name] = {'allOf': [{'$ref': '#/components/schemas/' + title}],
                           'nullable': True}
        else:
            whole[name] = {'type': 'array', 'items': {'$ref': '#/components/schemas/' + title}}
    whole['plan'] = {'nullable': True, 'allOf': [{'$ref': '#/components/schemas/Plan'}],
                     'description': 'With `reviews`: the plan\'s reviews, oldest first.'}
    schemas['Record'] = {
        'type': 'object', 'required': ['survivor'], 'properties': whole,
        'description': 'The whole record in one answer. A part the caller may never see '
                       '(a clinician: `nrm`, `asylum`, `notes`) is absent; a part that '
                       'does not exist yet is null (or an empty list).'}
    paths[BASE + 'record'] = {
        'parameters': [id_param],
        'get': op('record', 'getRecord', 'Read the whole record in one call',
                  READERS['health'] + ' Each part is there only if the caller may read it. '
                  'One audit entry (`read`) for the whole.',
                  {'200': answer('The survivor and every part the caller may see.',
                                 'Record'),
                   **errors('401', '403', '404', '413', '429', '500')})}
    q = lambda name, schema, desc: {'name': name, 'in': 'query', 'required': False,
                                    'schema': schema, 'description': desc}
    paths['/api/v1/appointments'] = {'get': {
        'tags': ['record'], 'operationId': 'listCaseloadAppointments',
        'summary': 'Appointments across a caseload, by date',
        'description': '`manager` and `advocate`; other roles `403`. The appointments of the '
                       'organisation\'s survivors (or of one advocate\'s caseload) whose '
                       '`starts_at` falls on the days `from` to `to` (both included, in the '
                       'server\'s time zone; default today and the next 7 days), every status '
                       'unless `status` is given, ordered by `starts_at`. Each item carries its '
                       '`survivor_id`. Each appointment shown is a read of its survivor\'s '
                       'record, audited.',
        'parameters': [
            q('advocate', {'type': 'string'}, '`me` or a user id: that advocate\'s caseload.'),
            q('from', DATE, 'The first day (default today).'),
            q('to', DATE, 'The last day, on or after `from`, within a year (default `from` + 7).'),
            q('status', enum('scheduled', 'attended', 'did_not_attend', 'cancelled'),
              'Only appointments with this status.'),
            {'$ref': '#/components/parameters/Limit'}, {'$ref': '#/components/parameters/Cursor'},
        ],
        'responses': {'200': answer('A page of appointments, by `starts_at`.', 'AppointmentList'),
                      **errors('401', '403', '413', '422', '429', '500')}}}
    schemas['SafeguardingShareInput'] = {
        'type': 'object', 'additionalProperties': False, 'required': ['org_id', 'reason'],
        'properties': {'org_id': ID, 'reason': {
            'type': 'string', 'minLength': 20, 'maxLength': 4000,
            'description': 'Why the survivor is at risk of serious harm: at least 20 '
                           'characters. Sealed at rest.'}}}
    schemas['SafeguardingShare'] = {
        'type': 'object', 'additionalProperties': False,
        'required': ['id', 'version', 'survivor_id', 'org_id', 'created_at', 'created_by',
                     'expires_at', 'reviewed_at', 'reviewed_by'],
        'properties': {
            'id': ID, 'version': {'type': 'integer', 'minimum': 1}, 'survivor_id': ID,
            'org_id': {'allOf': [ID], 'description': 'The organisation shared with.'},
            'created_at': INSTANT, 'created_by': ID,
            'expires_at': {'allOf': [INSTANT], 'description': '72 hours after `created_at`.'},
            'reviewed_at': {'allOf': [INSTANT], 'nullable': True},
            'reviewed_by': {'allOf': [ID], 'nullable': True},
            'reason': {'type': 'string', 'description': 'In the managers\' list only.'}}}
    schemas['SafeguardingShareList'] = {
        'type': 'object', 'additionalProperties': False, 'required': ['items', 'next_cursor'],
        'properties': {'items': {'type': 'array', 'items': {
            '$ref': '#/components/schemas/SafeguardingShare'}},
            'next_cursor': {'type': 'string', 'nullable': True}}}
    schemas['SafeguardingReview'] = {
        'type': 'object', 'additionalProperties': False, 'required': ['version', 'reviewed'],
        'properties': {'version': {'type': 'integer', 'minimum': 1},
                       'reviewed': {'type': 'boolean', 'enum': [True],
                                    'description': 'A review cannot be undone.'}}}
    paths[BASE + 'safeguarding-shares'] = {
        'parameters': [id_param],
        'post': op('record', 'shareWithoutConsent', 'Share the record without consent',
                   '`manager` of the survivor\'s organisation; other roles `403`, another '
                   'organisation\'s manager `404`. Where the survivor is at risk of serious '
                   'harm: the record opens to the clinicians of `org_id` as a '
                   '`share_with_org` consent would, for 72 hours, then closes by itself. '
                   'Recorded in the access log (action `share`) and listed for the '
                   'organisation\'s managers until one marks it reviewed.',
                   {'201': answer('The share.', 'SafeguardingShare'),
                    **errors('400', '401', '403', '404', '413', '415', '422', '429', '500')},
                   body_of('SafeguardingShareInput'))}
    paths['/api/v1/safeguarding-shares'] = {'get': {
        'tags': ['record'], 'operationId': 'listSafeguardingShares',
        'summary': 'The organisation\'s safeguarding shares, for review',
        'description': '`manager`; other roles `403`. Newest first, with their reasons; '
                       'reading one is a read of its survivor\'s record (audited).',
        'parameters': [q('reviewed', {'type': 'boolean'}, '`false`: only those not yet '
                         'reviewed; `true`: only those reviewed.'),
                       {'$ref': '#/components/parameters/Limit'},
                       {'$ref': '#/components/parameters/Cursor'}],
        'responses': {'200': answer('A page of shares.', 'SafeguardingShareList'),
                      **errors('401', '403', '413', '422', '429', '500')}}}
    paths['/api/v1/safeguarding-shares/{id}'] = {
        'parameters': [id_param],
        'patch': op('record', 'reviewSafeguardingShare', 'Mark a share reviewed',
                    '`manager` of the organisation that made it; another organisation\'s: '
                    '`404`. Must carry the `version` read (`409` when stale).',
                    {'200': answer('The share, reviewed.', 'SafeguardingShare'),
                     **errors('400', '401', '403', '404', '409', '413', '415', '422', '429',
                              '500')}, body_of('SafeguardingReview'))}
    alerts(doc, paths, schemas, q)
    with open(DOC, 'w') as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write('\n')


def alerts(doc, paths, schemas, q):
    """The alerts, their snoozes, the dashboard and the organisation's own
    non-working days (docs/alerts.md explains each rule)."""
    if not any(t['name'] == 'alerts' for t in doc['tags']):
        doc['tags'].append({'name': 'alerts', 'description': (
            'Proactive care: the alert rules judged on the record on every request (never '
            'stored), snoozes, and an advocate\'s caseload in one call. Every survivor an '
            'answer shows is a read of their record, audited.')})
    schemas['Alert'] = {
        'type': 'object', 'additionalProperties': False,
        'required': ['survivor_id', 'rule', 'severity', 'due_on', 'message'],
        'properties': {
            'survivor_id': ID, 'rule': enum(*ALERT_RULES), 'severity': SEVERITY,
            'due_on': DATE,
            'message': {'type': 'string', 'description': 'Plain English, naming no one.'},
            'item_id': {'type': 'string', 'description': 'The item the alert is about (an '
                        'id, or `dependant:N`), when it is about one.'},
            'snoozed_until': {'allOf': [DATE], 'description': 'With `include_snoozed=true`: '
                              'the day a snoozed alert comes back.'}}}
    counts = {'type': 'object', 'additionalProperties': False,
              'required': ['critical', 'high', 'medium', 'low'],
              'properties': {k: {'type': 'integer', 'minimum': 0}
                             for k in ['critical', 'high', 'medium', 'low']}}
    schemas['AlertCounts'] = counts
    schemas['AlertList'] = {
        'type': 'object', 'additionalProperties': False, 'required': ['as_of', 'items'],
        'properties': {'as_of': DATE, 'items': {'type': 'array', 'items': {
            '$ref': '#/components/schemas/Alert'}}}}
    who = ('`manager` and `advocate`: their organisation\'s active survivors (one advocate\'s '
           'with `advocate`); `clinician`: the survivors shared with their organisation, '
           'without the rules about the NRM and asylum; `analyst` and `admin` `403`.')
    paths['/api/v1/alerts'] = {'get': {
        'tags': ['alerts'], 'operationId': 'listAlerts', 'summary': 'The alerts of a caseload',
        'description': who + ' Sorted by severity, then `due_on`, then survivor. Snoozed '
                       'alerts are left out unless `include_snoozed=true`. Each survivor with '
                       'an alert shown is a read of their record (audited).',
        'parameters': [
            q('advocate', {'type': 'string'}, '`me` or a user id; absent: the whole '
              'organisation.'),
            q('as_of', DATE, 'The day the rules judge on (default today, in the server\'s '
              'time zone). Only the date moves: the record is judged as stored now.'),
            q('include_snoozed', {'type': 'boolean'}, 'List snoozed alerts too, with '
              '`snoozed_until`.')],
        'responses': {'200': answer('The alerts.', 'AlertList'),
                      **errors('401', '403', '413', '422', '429', '500')}}}
    schemas['SnoozeRequest'] = {
        'type': 'object', 'additionalProperties': False,
        'required': ['survivor_id', 'rule', 'until', 'reason'],
        'properties': {
            'survivor_id': ID, 'rule': enum(*ALERT_RULES),
            'item_id': {'type': 'string', 'description': 'Required for a rule about one '
                        'item (the alert\'s `item_id`), refused otherwise.'},
            'until': {'allOf': [DATE], 'description': 'After today, at most 30 days ahead '
                      '(2 for `third_party_cancellation`, a critical rule); the alert is '
                      'back on that day.'},
            'reason': {'type': 'string', 'maxLength': 2000, 'description': 'Why: sealed at '
                       'rest.'}}}
    paths['/api/v1/alerts/snoozes'] = {'post': op(
        'alerts', 'snoozeAlert', 'Snooze an alert, with a reason',
        '`manager` and `advocate` of the survivor\'s organisation (another organisation: '
        '`404`); other roles `403`. The snooze is a part of the survivor\'s record '
        '(`GET /api/v1/survivors/{id}/snoozes`, and `snoozes` in the whole record), audited '
        '(`create`). It holds until `until`, or until the item it is about changes.',
        {'201': answer('The snooze.', 'Snooze'),
         **errors('400', '401', '403', '404', '413', '415', '422', '429', '500')},
        body_of('SnoozeRequest'))}
    schemas['DashboardSurvivor'] = {
        'allOf': [{'$ref': '#/components/schemas/Survivor'}, {
            'type': 'object', 'required': ['alert_counts', 'most_urgent_alert'],
            'properties': {
                'alert_counts': {'$ref': '#/components/schemas/AlertCounts'},
                'most_urgent_alert': {'nullable': True, 'type': 'object', 'properties': {
                    'rule': enum(*ALERT_RULES), 'severity': SEVERITY, 'due_on': DATE}}}}]}
    schemas['DashboardAppointment'] = {
        'allOf': [{'$ref': '#/components/schemas/Appointment'}, {
            'type': 'object', 'required': ['interpreter_status'],
            'properties': {'interpreter_status': enum(
                'not_needed', 'not_booked', 'booked', 'provided', 'not_provided',
                desc='Whether an interpreter is needed (the appointment says so, or a '
                     'language of the survivor needs one) and where that stands.')}}]}
    schemas['Dashboard'] = {
        'type': 'object', 'additionalProperties': False,
        'required': ['as_of', 'alerts', 'alert_counts', 'appointments', 'survivors'],
        'properties': {
            'as_of': DATE, 'advocate_id': ID,
            'alerts': {'type': 'array', 'items': {'$ref': '#/components/schemas/Alert'}},
            'alert_counts': {'$ref': '#/components/schemas/AlertCounts'},
            'appointments': {'type': 'array', 'description': 'Today and the next 7 days, every '
                             'status, by `starts_at`.', 'items': {
                                 '$ref': '#/components/schemas/DashboardAppointment'}},
            'survivors': {'type': 'array', 'description': 'The caseload\'s active survivors, '
                          'most urgent alert first; those without an alert last.',
                          'items': {'$ref': '#/components/schemas/DashboardSurvivor'}}}}
    paths['/api/v1/dashboard'] = {'get': {
        'tags': ['alerts'], 'operationId': 'getDashboard', 'summary': 'A caseload in one call',
        'description': who + ' Without `advocate`, the caller\'s own caseload (a clinician: '
                       'the survivors shared with their organisation). Snoozed alerts are left '
                       'out. Each survivor shown is a read of their record (audited).',
        'parameters': [q('advocate', {'type': 'string'}, '`me` (the default) or a user id.'),
                       q('as_of', DATE, 'The day (default today).')],
        'responses': {'200': answer('The dashboard.', 'Dashboard'),
                      **errors('401', '403', '413', '422', '429', '500')}}}
    schemas['NonWorkingDays'] = {
        'type': 'object', 'additionalProperties': False, 'required': ['days'],
        'properties': {'days': {'type': 'array', 'maxItems': 366, 'items': DATE}}}
    paths['/api/v1/non-working-days'] = {
        'get': op('alerts', 'listNonWorkingDays', 'The organisation\'s own non-working days',
                  '`manager`, `advocate` and `clinician` of the organisation; other roles '
                  '`403`. The bank holidays of England and Wales (2015-2030) are built in and '
                  'not listed.',
                  {'200': answer('The days, in order.', 'NonWorkingDays'),
                   **errors('401', '403', '413', '429', '500')}),
        'put': op('alerts', 'setNonWorkingDays', 'Set the organisation\'s own non-working days',
                  '`manager`; other roles `403`. Replaces the list (repeats dropped); the '
                  'working-day rules skip these days from then on.',
                  {'200': answer('The days, in order.', 'NonWorkingDays'),
                   **errors('400', '401', '403', '413', '415', '422', '429', '500')},
                  body_of('NonWorkingDays'))}


if __name__ == '__main__':
    main()
