/**
 * Relay normalisation against the documented shape: the partner event source
 * `aws.partner/salesforce.com/<orgId>/<channelId>`, detail-type = the event's API name,
 * detail = { payload, schemaId, id }, Avro date/times as epoch milliseconds; CDC payloads with a
 * ChangeEventHeader (entityName, recordIds, changeType, commitTimestamp) and only the changed fields.
 */
import { PLATFORM_EVENT } from '../../../../lambdas/adapters/crm/salesforce/fields';
import { normaliseRelayedEvent, relayOrgId } from '../../../../lambdas/domain/crm/event-relay';
import { isUnrouted } from '../../../../lambdas/domain/crm/inbound';

const ORG = '00D5g000004Q2CQEA0';
const SOURCE = `aws.partner/salesforce.com/${ORG}/0YL5g00000Q2CRELAY`;
const RECEIVED = new Date('2026-11-02T12:00:00Z');

const platformEvent = (payload: Record<string, unknown>) => ({
  version: '0',
  id: '5c42b99e-c214-4a9c-8fbd-1a41e5faa44a',
  'detail-type': PLATFORM_EVENT.apiName,
  source: SOURCE,
  account: '123456789012',
  time: '2026-11-02T10:15:01Z',
  region: 'us-east-1',
  resources: [],
  detail: { payload, schemaId: 'q2cOpportunityEventSchema01', id: 'e981ef28-3b8f-4d5d-9f6c-1f3c2b0a1c11' },
});

describe('normaliseRelayedEvent', () => {
  it('reads the org id from the partner event source', () => {
    expect(relayOrgId(SOURCE)).toBe(ORG);
    expect(relayOrgId('q2c.salesforce')).toBeNull();
  });

  it('turns the relayed platform event into the canonical envelope (epoch-ms SystemModstamp)', () => {
    const [envelope] = normaliseRelayedEvent(
      platformEvent({
        Opportunity_Id__c: '0065g00000NWIND1AA',
        Account_Id__c: '0015g00000NWINDAAA',
        Stage_Name__c: 'Closed Won',
        Is_Won__c: true,
        Type__c: 'New Business',
        System_Modstamp__c: Date.parse('2026-11-02T10:15:00Z'),
        CreatedDate: Date.parse('2026-11-02T10:15:01Z'),
        CreatedById: '0055g00000Q2CQAAA0',
      }),
      ORG,
      RECEIVED,
    );
    expect(envelope).toEqual({
      schemaVersion: 'v1',
      source: 'salesforce',
      eventId: 'sf:relay:e981ef28-3b8f-4d5d-9f6c-1f3c2b0a1c11',
      eventType: 'crm.opportunity.closed_won',
      channel: 'event-relay',
      orgId: ORG,
      created: '2026-11-02T10:15:00.000Z',
      receivedAt: '2026-11-02T12:00:00.000Z',
      correlationId: 'sf:0065g00000NWIND1AA',
      record: {
        sobject: 'Opportunity',
        id: '0065g00000NWIND1AA',
        accountId: '0015g00000NWINDAAA',
        version: '2026-11-02T10:15:00.000Z',
        stageName: 'Closed Won',
        type: 'New Business',
        isWon: true,
      },
    });
  });

  it('fans an Opportunity change event out per record id, versioned by the commit timestamp', () => {
    const envelopes = normaliseRelayedEvent(
      {
        ...platformEvent({
          ChangeEventHeader: {
            entityName: 'Opportunity',
            recordIds: ['0065g00000NWIND1AA', '0065g00000KSTRL1AA'],
            changeType: 'UPDATE',
            changedFields: ['StageName', 'IsWon'],
            changeOrigin: 'com/salesforce/api/soap/62.0;client=SfdcInternalAPI/',
            transactionKey: '0001ade9-3f74-0b99-dbc4-42e73424b774',
            sequenceNumber: 1,
            commitTimestamp: 1_793_614_500_000,
            commitUser: '0055g00000Q2CQAAA0',
            commitNumber: 11_753_024_537_880,
          },
          StageName: { string: 'Closed Won' },
          IsWon: true,
        }),
        'detail-type': 'OpportunityChangeEvent',
      },
      ORG,
      RECEIVED,
    );
    expect(envelopes.map((e) => [e.eventId, e.eventType, !isUnrouted(e) && e.record.version])).toEqual([
      [
        'sf:relay:e981ef28-3b8f-4d5d-9f6c-1f3c2b0a1c11:0065g00000NWIND1AA',
        'crm.opportunity.closed_won',
        new Date(1_793_614_500_000).toISOString(),
      ],
      [
        'sf:relay:e981ef28-3b8f-4d5d-9f6c-1f3c2b0a1c11:0065g00000KSTRL1AA',
        'crm.opportunity.closed_won',
        new Date(1_793_614_500_000).toISOString(),
      ],
    ]);
  });

  it('a DELETE change carries no state: crm.opportunity.updated', () => {
    const [e] = normaliseRelayedEvent(
      {
        ...platformEvent({
          ChangeEventHeader: {
            entityName: 'Opportunity',
            recordIds: ['0065g00000NWIND1AA'],
            changeType: 'DELETE',
            commitTimestamp: 1_793_614_500_000,
          },
          IsWon: true,
        }),
        'detail-type': 'OpportunityChangeEvent',
      },
      ORG,
      RECEIVED,
    );
    expect(e.eventType).toBe('crm.opportunity.updated');
  });

  it.each([
    ['an unknown detail-type', { 'detail-type': 'Other_Event__e' }, 'crm.other_event__e.updated'],
    [
      'another org',
      { source: 'aws.partner/salesforce.com/00D000000000001AAA/0YL5g00000Q2CRELAY' },
      `crm.${PLATFORM_EVENT.apiName.toLowerCase()}.updated`,
    ],
    [
      'a payload without an opportunity id',
      { detail: { payload: {}, id: 'x' } },
      `crm.${PLATFORM_EVENT.apiName.toLowerCase()}.updated`,
    ],
  ])('keeps %s as an unrouted event carrying the detail', (_label, override, eventType) => {
    const [e] = normaliseRelayedEvent(
      { ...platformEvent({ Opportunity_Id__c: '0065g00000NWIND1AA', System_Modstamp__c: 1 }), ...override },
      ORG,
      RECEIVED,
    );
    expect(isUnrouted(e)).toBe(true);
    expect(e.eventType).toBe(eventType);
    expect(isUnrouted(e) && e.fields.detail).toBeTruthy();
  });
});
