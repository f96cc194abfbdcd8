/**
 * The three Salesforce ingestion channels through the local runtime (a real `q2c serve` child process):
 * Outbound Message → SOAP Ack only once every notification is on the bus (and a SOAP fault, no Ack, when
 * the bus refuses — redelivery then loses nothing); signed Flow callouts; Event Relay events put on the
 * partner bus with the real EventBridge client; bad input answered with clear errors.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DEPLOYMENT, MAX_WEBHOOK_BODY_BYTES, SOURCES } from '../../lib/topology';
import type { ArchivedEvent } from '../../local/bus/local-event-bus';
import {
  deliverOutboundMessage,
  flowCalloutBody,
  type OpportunityChange,
  opportunityNotification,
  outboundMessageXml,
  platformEventPayload,
  putRelayEvent,
  sendFlowCallout,
} from '../../local/scenarios/salesforce-deliveries';
import { type RunningRuntime, startRuntimeProcess } from './harness';

const ORG = DEPLOYMENT.salesforce.orgId;
const FLOW_SECRET = 'sfflow_integration_test_secret';
let runtime: RunningRuntime;
let dir: string;

beforeAll(async () => {
  process.env.SALESFORCE_FLOW_SIGNING_SECRET = FLOW_SECRET;
  dir = mkdtempSync(path.join(tmpdir(), 'q2c-sf-ingest-'));
  runtime = await startRuntimeProcess(dir, [], { faultInjection: true });
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
  rmSync(dir, { recursive: true, force: true });
});

let serial = 0;
/** A fresh 18-char opportunity id per call (test isolation on one bus). */
function opportunity(overrides: Partial<OpportunityChange> = {}): OpportunityChange {
  const n = (serial++).toString().padStart(9, '0');
  return {
    Id: `0065g00000${n.slice(-5)}QAA`.padEnd(18, 'A').slice(0, 18),
    AccountId: '0015g00000NWINDAAA',
    StageName: 'Closed Won',
    IsWon: true,
    Type: 'New Business',
    SystemModstamp: `2026-11-02T10:${String(serial % 60).padStart(2, '0')}:00.000Z`,
    ...overrides,
  };
}

async function events(bus?: string): Promise<ArchivedEvent[]> {
  const res = await fetch(`${runtime.url}/ops/events${bus ? `?bus=${encodeURIComponent(bus)}` : ''}`);
  return ((await res.json()) as { events: ArchivedEvent[] }).events;
}

const bySourceEventId = (list: ArchivedEvent[]) => new Map(list.map((e) => [e.sourceEventId, e]));

async function busFault(mode: 'throttle' | 'failed-entry', times: number): Promise<void> {
  const res = await runtime.ops.action('/ops/bus/fault', { mode, times });
  expect(res.status).toBe(200);
}

describe('Outbound Message', () => {
  it('acknowledges with a SOAP Ack and puts every notification on the bus as its crm.* event', async () => {
    const won = opportunity();
    const amended = opportunity({ Type: 'Amendment' });
    const open = opportunity({ StageName: 'Negotiation/Review', IsWon: false, Type: 'New Business' });
    const notifications = [won, amended, open].map(opportunityNotification);
    const delivery = await deliverOutboundMessage(runtime.url, outboundMessageXml(ORG, notifications));

    expect(delivery).toMatchObject({ acknowledged: true, status: 200 });
    expect(delivery.body).toContain(
      '<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">',
    );
    const onBus = bySourceEventId(await events());
    expect(notifications.map((n) => onBus.get(`sf:om:${n.id}`)?.detailType)).toEqual([
      'crm.opportunity.closed_won',
      'crm.opportunity.amended',
      'crm.opportunity.updated',
    ]);
    for (const n of notifications) expect(onBus.get(`sf:om:${n.id}`)?.source).toBe(SOURCES.salesforce);
  });

  it('acknowledges a message of 100 notifications only with all 100 on the bus', async () => {
    const notifications = Array.from({ length: 100 }, () => opportunityNotification(opportunity()));
    const delivery = await deliverOutboundMessage(runtime.url, outboundMessageXml(ORG, notifications));
    expect(delivery.acknowledged).toBe(true);
    const onBus = bySourceEventId(await events());
    expect(notifications.filter((n) => !onBus.has(`sf:om:${n.id}`))).toEqual([]);
  });

  it('retries entries PutEvents failed and still acknowledges once all are on the bus', async () => {
    const notifications = Array.from({ length: 25 }, () => opportunityNotification(opportunity()));
    await busFault('failed-entry', 1); // the first batch of 10 fails as FailedEntryCount = 10
    const delivery = await deliverOutboundMessage(runtime.url, outboundMessageXml(ORG, notifications));
    expect(delivery.acknowledged).toBe(true);
    const onBus = bySourceEventId(await events());
    expect(notifications.filter((n) => !onBus.has(`sf:om:${n.id}`))).toEqual([]);
  });

  it('withholds the Ack (SOAP fault, HTTP 500) while the bus refuses, and loses nothing on redelivery', async () => {
    const notifications = Array.from({ length: 12 }, () => opportunityNotification(opportunity()));
    const xml = outboundMessageXml(ORG, notifications);
    await busFault('throttle', 1_000);
    const refused = await deliverOutboundMessage(runtime.url, xml);
    expect(refused.acknowledged).toBe(false);
    expect(refused.status).toBe(500);
    expect(refused.body).toMatch(/<faultcode>soapenv:Server<\/faultcode>/);
    expect(refused.body).not.toContain('<Ack>');
    const before = bySourceEventId(await events());
    expect(notifications.filter((n) => before.has(`sf:om:${n.id}`))).toEqual([]);

    await busFault('throttle', 0); // the bus recovers; Salesforce resends the same message
    const redelivered = await deliverOutboundMessage(runtime.url, xml, { attempts: 3, retryDelayMs: 100 });
    expect(redelivered.acknowledged).toBe(true);
    const after = bySourceEventId(await events());
    expect(notifications.filter((n) => !after.has(`sf:om:${n.id}`))).toEqual([]);
  }, 60_000);

  it('acknowledges a notification for another sObject and archives it as unrouted crm.account.updated', async () => {
    const account = {
      id: '04l5g00000ACCT1AAA',
      sobject: 'Account',
      fields: {
        Id: '0015g00000NWINDAAA',
        Name: 'Northwind Traders',
        SystemModstamp: '2026-11-02T09:00:00.000Z',
      },
    };
    const delivery = await deliverOutboundMessage(runtime.url, outboundMessageXml(ORG, [account]));
    expect(delivery.acknowledged).toBe(true);
    const archived = bySourceEventId(await events()).get(`sf:om:${account.id}`);
    expect(archived).toMatchObject({ detailType: 'crm.account.updated', matchedRules: [] });
  });

  it.each([
    ['malformed XML', '<soapenv:Envelope><soapenv:Body>', 400, 'malformed_xml'],
    ['not a SOAP envelope', '<?xml version="1.0"?><hello/>', 400, 'not_soap_envelope'],
    ['a DTD', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', 400, 'dtd_not_allowed'],
  ])('refuses %s with a SOAP Client fault (400)', async (_label, body, status, code) => {
    const res = await deliverOutboundMessage(runtime.url, body);
    expect(res.status).toBe(status);
    expect(res.body).toContain('<faultcode>soapenv:Client</faultcode>');
    expect(res.body).toContain(code);
  });

  it('refuses another org with a SOAP fault (403) and publishes nothing', async () => {
    const n = opportunityNotification(opportunity());
    const res = await deliverOutboundMessage(runtime.url, outboundMessageXml('00D000000000001AAA', [n]));
    expect(res.status).toBe(403);
    expect(res.body).toContain('wrong_org');
    expect(bySourceEventId(await events()).has(`sf:om:${n.id}`)).toBe(false);
  });

  it('refuses an oversized message with 413', async () => {
    const n = opportunityNotification(opportunity({ StageName: 'x'.repeat(MAX_WEBHOOK_BODY_BYTES) }));
    const res = await deliverOutboundMessage(runtime.url, outboundMessageXml(ORG, [n]));
    expect(res.status).toBe(413);
    expect(res.body).toContain('payload_too_large');
  });
});

describe('Flow callout', () => {
  it('accepts a correctly signed callout (200) and publishes the canonical event', async () => {
    const o = opportunity({ Type: 'Renewal' });
    const res = await sendFlowCallout(runtime.url, flowCalloutBody(ORG, o, `flow-${o.Id}`), FLOW_SECRET);
    expect(res).toMatchObject({
      status: 200,
      body: { received: true, eventId: `sf:flow:flow-${o.Id}`, eventType: 'crm.opportunity.renewed' },
    });
    expect(bySourceEventId(await events()).get(`sf:flow:flow-${o.Id}`)?.detailType).toBe(
      'crm.opportunity.renewed',
    );
  });

  it.each([
    ['a wrong secret', { secret: 'not-the-secret' }, 401, 'invalid_signature'],
    [
      'a stale timestamp',
      { timestamp: Math.floor(Date.now() / 1000) - 301 },
      401,
      'timestamp_outside_tolerance',
    ],
    ['no signature', { signature: null }, 401, 'missing_signature'],
    ['a malformed signature', { signature: 't=abc,v1=zz' }, 401, 'malformed_signature'],
  ])('refuses %s with %s', async (_label, opts, status, code) => {
    const o = opportunity();
    const { secret, ...options } = opts as { secret?: string; timestamp?: number; signature?: string | null };
    const res = await sendFlowCallout(runtime.url, flowCalloutBody(ORG, o), secret ?? FLOW_SECRET, options);
    expect(res.status).toBe(status);
    expect((res.body.error as { code: string }).code).toBe(code);
  });

  it('refuses another org with 403 and a malformed body with 400', async () => {
    const wrongOrg = await sendFlowCallout(
      runtime.url,
      flowCalloutBody('00D000000000001AAA', opportunity()),
      FLOW_SECRET,
    );
    expect(wrongOrg).toMatchObject({ status: 403, body: { error: { code: 'wrong_org' } } });
    const malformed = await sendFlowCallout(runtime.url, null, FLOW_SECRET, { rawBody: '{"eventId":' });
    expect(malformed).toMatchObject({ status: 400, body: { error: { code: 'malformed_json' } } });
    const wrongShape = await sendFlowCallout(runtime.url, { eventId: 'x', orgId: ORG }, FLOW_SECRET);
    expect(wrongShape).toMatchObject({ status: 400, body: { error: { code: 'malformed_callout' } } });
  });
});

describe('Event Relay', () => {
  async function endpoints(): Promise<{ eventBridge: string; partnerEventBus: string }> {
    return (await (await fetch(`${runtime.url}/ops/salesforce/relay`)).json()) as {
      eventBridge: string;
      partnerEventBus: string;
    };
  }

  async function waitFor(eventId: string): Promise<ArchivedEvent> {
    for (let i = 0; i < 100; i++) {
      const found = bySourceEventId(await events()).get(eventId);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${eventId} never reached the bus`);
  }

  it('a relayed platform event on the partner bus arrives on our bus as the canonical event', async () => {
    const { eventBridge, partnerEventBus } = await endpoints();
    expect(partnerEventBus).toMatch(new RegExp(`^aws\\.partner/salesforce\\.com/${ORG}/0YL`));
    const o = opportunity({ Type: 'Cancellation' });
    await putRelayEvent({
      endpoint: eventBridge,
      partnerEventBus,
      payload: platformEventPayload(o),
      eventUuid: 'b2c1f7de-6d1e-4c55-9d61-000000000001',
    });
    const arrived = await waitFor('sf:relay:b2c1f7de-6d1e-4c55-9d61-000000000001');
    expect(arrived).toMatchObject({ source: SOURCES.salesforce, detailType: 'crm.opportunity.cancelled' });
    const partner = await events(partnerEventBus);
    expect(partner.find((e) => e.sourceEventId === null && e.matchedRules.length === 1)).toBeDefined();
  });

  it('an Opportunity change data capture event is normalised per record id', async () => {
    const { eventBridge, partnerEventBus } = await endpoints();
    const [a, b] = [opportunity(), opportunity()];
    await putRelayEvent({
      endpoint: eventBridge,
      partnerEventBus,
      detailType: 'OpportunityChangeEvent',
      eventUuid: 'b2c1f7de-6d1e-4c55-9d61-000000000002',
      payload: {
        ChangeEventHeader: {
          entityName: 'Opportunity',
          recordIds: [a.Id, b.Id],
          changeType: 'UPDATE',
          changedFields: ['StageName', 'IsWon'],
          commitTimestamp: Date.parse('2026-11-02T11:00:00Z'),
          transactionKey: '0001ade9-3f74-0b99-dbc4-42e73424b774',
          sequenceNumber: 1,
          commitUser: '0055g00000Q2CQAAA0',
        },
        StageName: 'Closed Won',
        IsWon: true,
      },
    });
    for (const id of [a.Id, b.Id]) {
      const arrived = await waitFor(`sf:relay:b2c1f7de-6d1e-4c55-9d61-000000000002:${id}`);
      expect(arrived.detailType).toBe('crm.opportunity.closed_won');
    }
  });

  it('an event no partner rule matches stays on the partner bus archive, unrouted', async () => {
    const { eventBridge, partnerEventBus } = await endpoints();
    const before = (await events(partnerEventBus)).length;
    await putRelayEvent({
      endpoint: eventBridge,
      partnerEventBus,
      detailType: 'Other_Event__e',
      payload: {},
    });
    const partner = await events(partnerEventBus);
    expect(partner).toHaveLength(before + 1);
    expect(partner[partner.length - 1]).toMatchObject({ detailType: 'Other_Event__e', matchedRules: [] });
  });
});
