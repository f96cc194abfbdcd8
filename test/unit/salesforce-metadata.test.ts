/**
 * The SFDX metadata in salesforce/ is what a customer deploys; the integration's wire contracts live in
 * lambdas/adapters/crm/salesforce/fields.ts and lambdas/domain/crm/events.ts. This suite parses every
 * XML file and proves the two agree: custom fields and picklist values, Opportunity Type values,
 * Outbound Message fields, platform event fields, the Flow's branches, the Apex callout's header, body
 * and signature (a Node HMAC over the Apex test's fixed vector), permission sets and credentials.
 */
import { createHmac } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  ACCOUNT_FIELDS,
  OUTBOUND_MESSAGE_NAMESPACE,
  BILLING_FREQUENCIES,
  BILLING_STATUSES,
  CANCELLATION_MODES,
  FLOW_OPPORTUNITY_FIELDS,
  FLOW_SIGNATURE_HEADER,
  OPPORTUNITY_FIELDS,
  OUTBOUND_MESSAGE_FIELDS,
  PLATFORM_EVENT,
  QUOTE_FIELDS,
  SALESFORCE_API_VERSION,
  STANDARD_FIELDS,
} from '../../lambdas/adapters/crm/salesforce/fields';
import { CRM_CHANNELS, OPPORTUNITY_TYPE_EVENTS, SalesforceId } from '../../lambdas/domain/crm/events';
import { normaliseOutboundMessage, parseOutboundMessage } from '../../lambdas/domain/crm/outbound-message';
import {
  normaliseFlowCallout,
  parseFlowCallout,
  verifyFlowSignature,
} from '../../lambdas/domain/crm/flow-callout';

const ROOT = join(__dirname, '..', '..', 'salesforce');
const APP = join(ROOT, 'force-app', 'main', 'default');
const RELAY = join(ROOT, 'event-relay', 'main', 'default');
const METADATA_NS = 'http://soap.sforce.com/2006/04/metadata';

type Node = Record<string, unknown>;
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false, // keep every value as written ("62.0", "true", "0") so comparisons are exact
  trimValues: true,
  isArray: (name, jpath) =>
    jpath === 'CustomField.valueSet.valueSetDefinition.value' ||
    [
      'fields',
      'standardValue',
      'rules',
      'conditions',
      'actionCalls',
      'inputAssignments',
      'inputParameters',
      'fieldPermissions',
      'objectPermissions',
      'externalCredentialParameters',
      'namedCredentialParameters',
      'filters',
      'outboundMessages',
    ].includes(name),
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/** Parses one metadata file and returns its root element (checked to be `rootName` in the metadata namespace). */
function metadata(path: string, rootName: string): Node {
  const xml = readFileSync(path, 'utf8');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`${relative(ROOT, path)}: ${valid.err.msg} (line ${valid.err.line})`);
  const doc = parser.parse(xml) as Node;
  const root = doc[rootName] as Node | undefined;
  if (!root) throw new Error(`${relative(ROOT, path)}: root element is not <${rootName}>`);
  expect(root['@_xmlns']).toBe(METADATA_NS);
  return root;
}

const list = <T = Node>(v: unknown): T[] => (v === undefined ? [] : Array.isArray(v) ? (v as T[]) : [v as T]);
const fieldFile = (object: string, field: string) =>
  join(APP, 'objects', object, 'fields', `${field}.field-meta.xml`);
const customFieldsIn = (object: string) =>
  readdirSync(join(APP, 'objects', object, 'fields')).map((f) => f.replace('.field-meta.xml', ''));

/** Root element of each SFDX source suffix. */
const ROOT_BY_SUFFIX: Record<string, string> = {
  '.field-meta.xml': 'CustomField',
  '.object-meta.xml': 'CustomObject',
  '.standardValueSet-meta.xml': 'StandardValueSet',
  '.workflow-meta.xml': 'Workflow',
  '.flow-meta.xml': 'Flow',
  '.cls-meta.xml': 'ApexClass',
  '.namedCredential-meta.xml': 'NamedCredential',
  '.externalCredential-meta.xml': 'ExternalCredential',
  '.permissionset-meta.xml': 'PermissionSet',
  '.platformEventChannel-meta.xml': 'PlatformEventChannel',
  '.platformEventChannelMember-meta.xml': 'PlatformEventChannelMember',
  '.eventRelay-meta.xml': 'EventRelayConfig',
};
const rootFor = (path: string) => {
  const suffix = Object.keys(ROOT_BY_SUFFIX).find((s) => path.endsWith(s));
  if (!suffix) throw new Error(`unexpected metadata file ${relative(ROOT, path)}`);
  return ROOT_BY_SUFFIX[suffix];
};

// ───────────────────────────── Apex sources and the test vector ─────────────────────────────

const apex = readFileSync(join(APP, 'classes', 'Q2CDealCallout.cls'), 'utf8');
const apexTest = readFileSync(join(APP, 'classes', 'Q2CDealCalloutTest.cls'), 'utf8');

function apexString(source: string, name: string): string {
  const m = new RegExp(`\\bString ${name} = '((?:[^'\\\\]|\\\\.)*)';`).exec(source);
  if (!m) throw new Error(`Apex constant ${name} not found`);
  return m[1].replace(/\\(.)/g, '$1');
}
function apexLong(source: string, name: string): number {
  const m = new RegExp(`\\bLong ${name} = (\\d+)L;`).exec(source);
  if (!m) throw new Error(`Apex constant ${name} not found`);
  return Number(m[1]);
}

const vector = {
  secret: apexString(apexTest, 'SECRET'),
  timestamp: apexLong(apexTest, 'TIMESTAMP'),
  body: apexString(apexTest, 'BODY'),
  expected: apexString(apexTest, 'EXPECTED_SIGNATURE'),
};

describe('SFDX project', () => {
  const all = [...walk(APP), ...walk(join(ROOT, 'event-relay'))].filter((p) => p.endsWith('.xml'));

  it('every metadata file is well-formed XML whose root element matches its suffix', () => {
    expect(all.length).toBeGreaterThan(30);
    for (const path of all) metadata(path, rootFor(path));
  });

  it('sfdx-project.json targets the API version the integration speaks, and its package directories exist', () => {
    const project = JSON.parse(readFileSync(join(ROOT, 'sfdx-project.json'), 'utf8')) as {
      sourceApiVersion: string;
      packageDirectories: { path: string; default?: boolean }[];
    };
    expect(project.sourceApiVersion).toBe(SALESFORCE_API_VERSION);
    expect(project.packageDirectories.filter((d) => d.default).map((d) => d.path)).toEqual(['force-app']);
    for (const dir of project.packageDirectories) expect(existsSync(join(ROOT, dir.path))).toBe(true);
  });

  it('Apex classes, the flow and the outbound message use that API version too', () => {
    for (const cls of ['Q2CDealCallout', 'Q2CDealCalloutTest']) {
      const meta = metadata(join(APP, 'classes', `${cls}.cls-meta.xml`), 'ApexClass');
      expect(meta.apiVersion).toBe(SALESFORCE_API_VERSION);
      expect(meta.status).toBe('Active');
    }
    expect(metadata(join(APP, 'flows', 'Q2C_Opportunity_Closed_Won.flow-meta.xml'), 'Flow').apiVersion).toBe(
      SALESFORCE_API_VERSION,
    );
    const wf = metadata(join(APP, 'workflows', 'Opportunity.workflow-meta.xml'), 'Workflow');
    expect(list(wf.outboundMessages)[0].apiVersion).toBe(SALESFORCE_API_VERSION);
  });
});

describe('custom fields = fields.ts', () => {
  type Spec =
    | { type: 'Text' | 'Url' | 'DateTime' | 'Date' | 'Number' | 'LongTextArea' }
    | { type: 'Picklist'; values: readonly string[] }
    | { type: 'Lookup'; referenceTo: string };
  // Keyed by fields.ts, so adding a field there without deciding its metadata fails to compile.
  const opportunity: Record<keyof typeof OPPORTUNITY_FIELDS, Spec> = {
    subscriptionId: { type: 'Text' },
    billingStatus: { type: 'Picklist', values: BILLING_STATUSES },
    billingLink: { type: 'Url' },
    lastSync: { type: 'DateTime' },
    syncError: { type: 'LongTextArea' },
    originalOpportunity: { type: 'Lookup', referenceTo: 'Opportunity' },
  };
  const account: Record<keyof typeof ACCOUNT_FIELDS, Spec> = {
    stripeCustomerId: { type: 'Text' },
    erpCustomerId: { type: 'Text' },
  };
  const quote: Record<keyof typeof QUOTE_FIELDS, Spec> = {
    subscriptionStart: { type: 'Date' },
    billingFrequency: { type: 'Picklist', values: BILLING_FREQUENCIES },
    trialDays: { type: 'Number' },
    termMonths: { type: 'Number' },
    coupon: { type: 'Text' },
    cancellation: { type: 'Picklist', values: CANCELLATION_MODES },
  };
  const objects = [
    ['Opportunity', OPPORTUNITY_FIELDS, opportunity],
    ['Account', ACCOUNT_FIELDS, account],
    ['Quote', QUOTE_FIELDS, quote],
  ] as const;

  it.each(objects)(
    '%s: exactly the custom fields of fields.ts, each with its type',
    (object, names, specs) => {
      expect(customFieldsIn(object).sort()).toEqual(Object.values(names).sort());
      for (const [key, apiName] of Object.entries(names)) {
        const spec = (specs as Record<string, Spec>)[key];
        const field = metadata(fieldFile(object, apiName), 'CustomField');
        expect(field.fullName).toBe(apiName);
        expect({ field: apiName, type: field.type }).toEqual({ field: apiName, type: spec.type });
        if (spec.type === 'Picklist') {
          const valueSet = field.valueSet as Node;
          expect(valueSet.restricted).toBe('true');
          const values = list((valueSet.valueSetDefinition as Node).value);
          expect(values.map((v) => v.fullName)).toEqual([...spec.values]);
          expect(values.map((v) => v.label)).toEqual([...spec.values]);
          expect(values.every((v) => v.default === 'false')).toBe(true);
        }
        if (spec.type === 'Lookup') {
          expect(field.referenceTo).toBe(spec.referenceTo);
          expect(field.relationshipName).toMatch(/^[A-Za-z][A-Za-z0-9_]*$/);
        }
        if (spec.type === 'Text') expect(Number(field.length)).toBeGreaterThanOrEqual(255);
        if (spec.type === 'LongTextArea') expect(Number(field.length)).toBe(32768);
      }
    },
  );

  it('the billing ids the integration looks records up by are external ids', () => {
    const external = (object: string, name: string) =>
      metadata(fieldFile(object, name), 'CustomField').externalId;
    expect(external('Opportunity', OPPORTUNITY_FIELDS.subscriptionId)).toBe('true');
    expect(external('Account', ACCOUNT_FIELDS.stripeCustomerId)).toBe('true');
    expect(external('Account', ACCOUNT_FIELDS.erpCustomerId)).toBe('true');
  });

  it('Opportunity Type offers every value the integration classifies (OPPORTUNITY_TYPE_EVENTS)', () => {
    const set = metadata(
      join(APP, 'standardValueSets', 'OpportunityType.standardValueSet-meta.xml'),
      'StandardValueSet',
    );
    const values = list(set.standardValue).map((v) => v.fullName);
    expect(values).toEqual(expect.arrayContaining(Object.keys(OPPORTUNITY_TYPE_EVENTS)));
    expect(values).toEqual(expect.arrayContaining(['Amendment', 'Renewal', 'Cancellation']));
    expect(new Set(values).size).toBe(values.length);
  });
});

describe('Outbound Message', () => {
  const wf = metadata(join(APP, 'workflows', 'Opportunity.workflow-meta.xml'), 'Workflow');
  const [message] = list(wf.outboundMessages);
  const webhook = metadata(
    join(APP, 'namedCredentials', 'Q2C_Webhook.namedCredential-meta.xml'),
    'NamedCredential',
  );
  const webhookUrl = list(webhook.namedCredentialParameters).find(
    (p) => p.parameterType === 'Url',
  )?.parameterValue;

  it('sends exactly OUTBOUND_MESSAGE_FIELDS, without a session id, to the outbound-message route', () => {
    expect(list<string>(message.fields)).toEqual([...OUTBOUND_MESSAGE_FIELDS]);
    expect(message.includeSessionId).toBe('false');
    // Same placeholder base URL as the Named Credential, so one replacement configures both.
    expect(message.endpointUrl).toBe(`${webhookUrl}/webhooks/salesforce/outbound-message`);
    expect(message.integrationUser).toMatch(/^\S+@\S+$/);
  });

  it('what the shipped message sends is what the integration’s SOAP endpoint parses into a won deal', () => {
    // Salesforce's notifications() envelope carrying exactly the fields the metadata selects.
    const sample: Record<string, string> = {
      Id: '0065g00000Q2CNWAA3',
      AccountId: '0015g00000Q2CNWAA3',
      StageName: 'Closed Won',
      IsWon: 'true',
      Type: 'Renewal',
      SystemModstamp: '2026-11-02T11:59:50.000Z',
    };
    const sObjectFields = list<string>(message.fields)
      .map((f) => `<sf:${f}>${sample[f]}</sf:${f}>`)
      .join('');
    const soap =
      `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ` +
      `xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>` +
      `<notifications xmlns="${OUTBOUND_MESSAGE_NAMESPACE}"><OrganizationId>00D5g000004Q2CQEA0</OrganizationId>` +
      `<ActionId>04k5g000000Q2CQAA0</ActionId><SessionId xsi:nil="true"/>` +
      `<EnterpriseUrl>https://quillstack.my.salesforce.com/services/Soap/c/${SALESFORCE_API_VERSION}/00D5g000004Q2CQ</EnterpriseUrl>` +
      `<PartnerUrl>https://quillstack.my.salesforce.com/services/Soap/u/${SALESFORCE_API_VERSION}/00D5g000004Q2CQ</PartnerUrl>` +
      `<Notification><Id>04l5g00000Q2CNWAA3</Id><sObject xsi:type="sf:Opportunity" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">` +
      `${sObjectFields}</sObject></Notification></notifications></soapenv:Body></soapenv:Envelope>`;
    const [event] = normaliseOutboundMessage(parseOutboundMessage(soap), new Date('2026-11-02T12:00:01Z'));
    expect(event).toMatchObject({
      eventType: OPPORTUNITY_TYPE_EVENTS.Renewal,
      channel: 'outbound-message',
      record: { id: sample.Id, accountId: sample.AccountId, isWon: true, type: 'Renewal' },
    });
  });

  it('the workflow rule (alternative trigger) fires it when the deal becomes won, and ships inactive', () => {
    const [rule] = list(wf.rules);
    expect(list(rule.actions)).toEqual([{ name: message.fullName, type: 'OutboundMessage' }]);
    expect(rule.active).toBe('false');
    expect(rule.triggerType).toBe('onAllChanges');
    expect(rule.formula).toMatch(/IsWon/);
    expect(rule.formula).toMatch(/ISCHANGED\(IsWon\)/);
    expect(rule.formula).toMatch(/Delivery_Channel__c = "outbound-message"/);
  });
});

describe('platform event (Event Relay)', () => {
  const dir = join(APP, 'objects', PLATFORM_EVENT.apiName);

  it(`${PLATFORM_EVENT.apiName} has exactly PLATFORM_EVENT.fields and is published after commit`, () => {
    const object = metadata(join(dir, `${PLATFORM_EVENT.apiName}.object-meta.xml`), 'CustomObject');
    expect(object.eventType).toBe('HighVolume');
    expect(object.publishBehavior).toBe('PublishAfterCommit');
    expect(customFieldsIn(PLATFORM_EVENT.apiName).sort()).toEqual(
      Object.values(PLATFORM_EVENT.fields).sort(),
    );
    const types = Object.fromEntries(
      Object.values(PLATFORM_EVENT.fields).map((f) => [
        f,
        metadata(fieldFile(PLATFORM_EVENT.apiName, f), 'CustomField').type,
      ]),
    );
    expect(types).toEqual({
      [PLATFORM_EVENT.fields.opportunityId]: 'Text',
      [PLATFORM_EVENT.fields.accountId]: 'Text',
      [PLATFORM_EVENT.fields.stageName]: 'Text',
      [PLATFORM_EVENT.fields.isWon]: 'Checkbox',
      [PLATFORM_EVENT.fields.type]: 'Text',
      [PLATFORM_EVENT.fields.systemModstamp]: 'DateTime',
    });
  });

  it('the relay channel carries the event, and the relay sample points at it through an AWS named credential', () => {
    const channel = metadata(
      join(APP, 'platformEventChannels', 'Q2C_Relay__chn.platformEventChannel-meta.xml'),
      'PlatformEventChannel',
    );
    expect(channel.channelType).toBe('event');
    const members = readdirSync(join(APP, 'platformEventChannelMembers')).map((f) =>
      metadata(join(APP, 'platformEventChannelMembers', f), 'PlatformEventChannelMember'),
    );
    expect(members).toEqual([
      expect.objectContaining({ eventChannel: 'Q2C_Relay__chn', selectedEntity: PLATFORM_EVENT.apiName }),
    ]);
    const relay = metadata(
      join(RELAY, 'eventRelays', 'Q2C_EventBridge_Relay.eventRelay-meta.xml'),
      'EventRelayConfig',
    );
    expect(relay.eventChannel).toBe('Q2C_Relay__chn');
    expect(JSON.parse(relay.relayOption as string)).toEqual({ ReplayRecovery: 'EARLIEST' });
    const credential = String(relay.destinationResourceName).replace(/^callout:/, '');
    const aws = metadata(
      join(RELAY, 'namedCredentials', `${credential}.namedCredential-meta.xml`),
      'NamedCredential',
    );
    expect(aws.endpoint).toMatch(/^arn:aws:[A-Z]{2}-[A-Z]+-\d:\d{12}$/);
  });
});

describe('record-triggered flow', () => {
  const flow = metadata(join(APP, 'flows', 'Q2C_Opportunity_Closed_Won.flow-meta.xml'), 'Flow');
  const start = flow.start as Node;
  const actions = list(flow.actionCalls);
  const decision = flow.decisions as Node;

  it('runs after save when an opportunity is created won or becomes won', () => {
    expect(flow.status).toBe('Active');
    expect(flow.processType).toBe('AutoLaunchedFlow');
    expect(start).toMatchObject({
      object: 'Opportunity',
      triggerType: 'RecordAfterSave',
      recordTriggerType: 'CreateAndUpdate',
      doesRequireRecordChangedToMeetCriteria: 'true',
    });
    expect(list(start.filters)).toEqual([
      { field: 'IsWon', operator: 'EqualTo', value: { booleanValue: 'true' } },
    ]);
    expect((start.connector as Node).targetReference).toBe(decision.name);
  });

  it('branches on Q2C_Settings__c.Delivery_Channel__c, one branch per CRM channel, each to its own element', () => {
    const formula = list(flow.formulas).find((f) => f.name === 'DeliveryChannel');
    expect(formula?.expression).toBe('{!$Setup.Q2C_Settings__c.Delivery_Channel__c}');
    const branches = Object.fromEntries(
      list(decision.rules).map((rule) => {
        const [condition] = list(rule.conditions);
        expect(condition.leftValueReference).toBe('DeliveryChannel');
        return [(condition.rightValue as Node).stringValue, (rule.connector as Node).targetReference];
      }),
    );
    expect(Object.keys(branches).sort()).toEqual([...CRM_CHANNELS].sort());
    const callout = actions.find((a) => a.name === branches.flow);
    expect(callout).toMatchObject({ actionType: 'apex', actionName: 'Q2CDealCallout' });
    expect(list(callout?.inputParameters)).toEqual([
      { name: 'opportunityId', value: { elementReference: '$Record.Id' } },
    ]);
    const om = actions.find((a) => a.name === branches['outbound-message']);
    const [message] = list(
      metadata(join(APP, 'workflows', 'Opportunity.workflow-meta.xml'), 'Workflow').outboundMessages,
    );
    expect(om).toMatchObject({
      actionType: 'outboundMessage',
      actionName: `Opportunity.${String(message.fullName)}`,
    });
    const publish = flow.recordCreates as Node;
    expect(publish.name).toBe(branches['event-relay']);
    expect(publish.object).toBe(PLATFORM_EVENT.apiName);
  });

  it('publishes every platform event field from the opportunity field of the same meaning', () => {
    const assigned = Object.fromEntries(
      list((flow.recordCreates as Node).inputAssignments).map((a) => [
        a.field,
        (a.value as Node).elementReference,
      ]),
    );
    const fromRecord: Record<keyof typeof PLATFORM_EVENT.fields, (typeof FLOW_OPPORTUNITY_FIELDS)[number]> = {
      opportunityId: 'Id',
      accountId: 'AccountId',
      stageName: 'StageName',
      isWon: 'IsWon',
      type: 'Type',
      systemModstamp: 'SystemModstamp',
    };
    expect(assigned).toEqual(
      Object.fromEntries(
        Object.entries(PLATFORM_EVENT.fields).map(([k, f]) => [
          f,
          `$Record.${fromRecord[k as keyof typeof fromRecord]}`,
        ]),
      ),
    );
  });
});

describe('Apex Flow callout = the integration’s Flow wire contract', () => {
  it('posts to the Named Credential’s flow route with the integration’s signature header', () => {
    expect(apexString(apex, 'SIGNATURE_HEADER')).toBe(FLOW_SIGNATURE_HEADER);
    const endpoint = apexString(apex, 'ENDPOINT');
    const [, credential, path] = /^callout:([A-Za-z0-9_]+)(\/.*)$/.exec(endpoint) ?? [];
    expect(path).toBe('/webhooks/salesforce/flow');
    const named = metadata(
      join(APP, 'namedCredentials', `${credential}.namedCredential-meta.xml`),
      'NamedCredential',
    );
    expect(named.namedCredentialType).toBe('SecuredEndpoint');
    const auth = list(named.namedCredentialParameters).find((p) => p.parameterType === 'Authentication');
    expect(
      existsSync(
        join(APP, 'externalCredentials', `${String(auth?.externalCredential)}.externalCredential-meta.xml`),
      ),
    ).toBe(true);
  });

  it('queries and writes exactly FLOW_OPPORTUNITY_FIELDS, in order, under "opportunity"', () => {
    const soql = /SELECT ([\w\s,]+?)\s+FROM Opportunity/
      .exec(apex)?.[1]
      .split(',')
      .map((s) => s.trim());
    expect(soql).toEqual([...FLOW_OPPORTUNITY_FIELDS]);
    const block = apex.slice(
      apex.indexOf("writeFieldName('opportunity')"),
      apex.indexOf('json.writeEndObject()'),
    );
    const written = [...block.matchAll(/(?:write\w+Field|writeNullableString)\((?:json, )?'(\w+)'/g)].map(
      (m) => m[1],
    );
    expect(written).toEqual([...FLOW_OPPORTUNITY_FIELDS]);
  });

  it('signs like the integration: Node HMAC-SHA256 of "<t>.<body>" equals the hex the Apex test asserts', () => {
    const [, t, hex] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(vector.expected) ?? [];
    expect(Number(t)).toBe(vector.timestamp);
    expect(hex).toBe(
      createHmac('sha256', vector.secret).update(`${vector.timestamp}.${vector.body}`, 'utf8').digest('hex'),
    );
    // A tampered body or another secret gives another signature (the vector is not vacuous).
    expect(hex).not.toBe(
      createHmac('sha256', `${vector.secret}x`).update(`${vector.timestamp}.${vector.body}`).digest('hex'),
    );
    expect(hex).not.toBe(
      createHmac('sha256', vector.secret).update(`${vector.timestamp}.${vector.body} `).digest('hex'),
    );
    // The Apex signer is the same formula: "<t>." + body, hmacSHA256, lower-case hex.
    expect(apex).toMatch(/String\.valueOf\(timestamp\) \+ '\.' \+ body/);
    expect(apex).toMatch(
      /Crypto\.generateMac\('hmacSHA256', Blob\.valueOf\(signedPayload\), Blob\.valueOf\(secret\)\)/,
    );
    expect(apex).toMatch(
      /'t=' \+ String\.valueOf\(timestamp\) \+ ',v1=' \+ EncodingUtil\.convertToHex\(mac\)/,
    );
  });

  it('the vector body is the Flow body: eventId, the scenario org id and FLOW_OPPORTUNITY_FIELDS', () => {
    const body = JSON.parse(vector.body) as {
      eventId: string;
      orgId: string;
      opportunity: Record<string, unknown>;
    };
    expect(Object.keys(body)).toEqual(['eventId', 'orgId', 'opportunity']);
    expect(body.orgId).toBe('00D5g000004Q2CQEA0');
    expect(Object.keys(body.opportunity)).toEqual([...FLOW_OPPORTUNITY_FIELDS]);
    expect(SalesforceId.safeParse(body.opportunity.Id).success).toBe(true);
    expect(body.eventId).toBe(
      `${String(body.opportunity.Id)}:${Date.parse(String(body.opportunity.SystemModstamp))}`,
    );
    expect(OPPORTUNITY_TYPE_EVENTS[String(body.opportunity.Type)]).toBe('crm.opportunity.closed_won');
  });
});

describe('the Apex test vector through the integration’s own Flow ingestion', () => {
  const body = Buffer.from(vector.body, 'utf8');

  it('verifies (inside the replay window) and normalises to a canonical closed-won event', () => {
    expect(verifyFlowSignature(vector.expected, body, vector.secret, vector.timestamp + 60)).toEqual({
      ok: true,
      timestamp: vector.timestamp,
    });
    const envelope = normaliseFlowCallout(parseFlowCallout(vector.body), new Date('2026-11-02T12:00:01Z'));
    expect(envelope).toMatchObject({
      eventType: 'crm.opportunity.closed_won',
      channel: 'flow',
      orgId: '00D5g000004Q2CQEA0',
      record: {
        sobject: 'Opportunity',
        id: '0065g00000Q2CNWAA3',
        accountId: '0015g00000Q2CNWAA3',
        isWon: true,
      },
    });
    expect(envelope.eventId).toBe(
      `sf:flow:${String((JSON.parse(vector.body) as { eventId: string }).eventId)}`,
    );
  });

  it('is refused with another secret, a changed body or outside the replay window', () => {
    expect(verifyFlowSignature(vector.expected, body, `${vector.secret}x`, vector.timestamp)).toMatchObject({
      ok: false,
      code: 'invalid_signature',
    });
    const tampered = Buffer.from(vector.body.replace('"IsWon":true', '"IsWon":false'), 'utf8');
    expect(verifyFlowSignature(vector.expected, tampered, vector.secret, vector.timestamp)).toMatchObject({
      ok: false,
      code: 'invalid_signature',
    });
    expect(verifyFlowSignature(vector.expected, body, vector.secret, vector.timestamp + 301)).toMatchObject({
      ok: false,
      code: 'timestamp_outside_tolerance',
    });
  });
});

describe('permission sets', () => {
  const integration = metadata(
    join(APP, 'permissionsets', 'Q2C_Integration.permissionset-meta.xml'),
    'PermissionSet',
  );
  const fieldAccess = new Map(
    list(integration.fieldPermissions).map((p) => [String(p.field), { read: p.readable, edit: p.editable }]),
  );

  it('the integration user reads every custom field and edits exactly the ones it writes back', () => {
    const expected: [string, string, boolean][] = [
      ...Object.entries(OPPORTUNITY_FIELDS).map(
        ([k, f]) => ['Opportunity', f, k !== 'originalOpportunity'] as [string, string, boolean],
      ),
      ...Object.values(ACCOUNT_FIELDS).map((f) => ['Account', f, true] as [string, string, boolean]),
      ...Object.values(QUOTE_FIELDS).map((f) => ['Quote', f, false] as [string, string, boolean]),
    ];
    for (const [object, field, edit] of expected) {
      expect({ field: `${object}.${field}`, ...fieldAccess.get(`${object}.${field}`) }).toEqual({
        field: `${object}.${field}`,
        read: 'true',
        edit: String(edit),
      });
    }
  });

  it('grants only fields the integration reads, and read access to every object it queries', () => {
    const custom = new Set([
      ...Object.values(OPPORTUNITY_FIELDS).map((f) => `Opportunity.${f}`),
      ...Object.values(ACCOUNT_FIELDS).map((f) => `Account.${f}`),
      ...Object.values(QUOTE_FIELDS).map((f) => `Quote.${f}`),
    ]);
    const standard = new Set(
      Object.entries(STANDARD_FIELDS).flatMap(([object, fields]) =>
        fields.map((f: string) => `${object}.${f}`),
      ),
    );
    for (const field of fieldAccess.keys())
      expect({ field, known: custom.has(field) || standard.has(field) }).toEqual({ field, known: true });
    const objects = Object.fromEntries(list(integration.objectPermissions).map((p) => [p.object, p]));
    // Quote line items follow their quote's access (no object permission of their own).
    for (const object of Object.keys(STANDARD_FIELDS).filter((o) => o !== 'QuoteLineItem')) {
      expect({ object, read: objects[object]?.allowRead }).toEqual({ object, read: 'true' });
      expect(objects[object]?.allowDelete).toBe('false');
    }
    expect([objects.Opportunity.allowEdit, objects.Account.allowEdit]).toEqual(['true', 'true']);
  });

  it('deal senders get the webhook principal, the callout class and the platform event', () => {
    const sender = metadata(
      join(APP, 'permissionsets', 'Q2C_Deal_Sender.permissionset-meta.xml'),
      'PermissionSet',
    );
    // The credential the callout's Named Credential authenticates with, and its named principal.
    const webhook = metadata(
      join(APP, 'namedCredentials', 'Q2C_Webhook.namedCredential-meta.xml'),
      'NamedCredential',
    );
    const ecName = String(
      list(webhook.namedCredentialParameters).find((p) => p.parameterType === 'Authentication')
        ?.externalCredential,
    );
    const ec = metadata(
      join(APP, 'externalCredentials', `${ecName}.externalCredential-meta.xml`),
      'ExternalCredential',
    );
    const principal = list(ec.externalCredentialParameters).find((p) => p.parameterType === 'NamedPrincipal');
    expect((sender.externalCredentialPrincipalAccesses as Node).externalCredentialPrincipal).toBe(
      `${ecName}-${String(principal?.parameterName)}`,
    );
    expect(sender.classAccesses).toEqual({ apexClass: 'Q2CDealCallout', enabled: 'true' });
    expect(list(sender.objectPermissions)[0]).toMatchObject({
      object: PLATFORM_EVENT.apiName,
      allowCreate: 'true',
    });
  });
});
