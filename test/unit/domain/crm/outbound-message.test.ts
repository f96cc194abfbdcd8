import fc from 'fast-check';
import { OUTBOUND_MESSAGE_NAMESPACE } from '../../../../lambdas/adapters/crm/salesforce/fields';
import { CrmInputError, isUnrouted } from '../../../../lambdas/domain/crm/inbound';
import {
  ackResponse,
  faultResponse,
  normaliseOutboundMessage,
  parseOutboundMessage,
} from '../../../../lambdas/domain/crm/outbound-message';
import {
  notificationId,
  opportunityNotification,
  outboundMessageXml,
  type OpportunityChange,
} from '../../../../local/scenarios/salesforce-deliveries';

const ORG = '00D5g000004Q2CQEA0';
const RECEIVED = new Date('2026-11-02T12:00:00.000Z');
const opp = (i: number, extra: Partial<OpportunityChange> = {}): OpportunityChange => ({
  Id: `0065g0000${String(i).padStart(6, '0')}AAA`,
  AccountId: '0015g00000NWINDAAA',
  StageName: 'Closed Won',
  IsWon: true,
  Type: 'New Business',
  SystemModstamp: '2026-11-02T10:15:00.000Z',
  ...extra,
});

const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    if (err instanceof CrmInputError) return err.code;
    throw err;
  }
  return 'no error';
};

/** A message exactly as Salesforce writes it (prefixes, nil SessionId, whitespace between elements). */
const SALESFORCE_SAMPLE = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>00D5g000004Q2CQEA0</OrganizationId>
   <ActionId>04k5g000000Q2CQAA0</ActionId>
   <SessionId xsi:nil="true"/>
   <EnterpriseUrl>https://quillstack.my.salesforce.com/services/Soap/c/62.0/00D5g000004Q2CQ</EnterpriseUrl>
   <PartnerUrl>https://quillstack.my.salesforce.com/services/Soap/u/62.0/00D5g000004Q2CQ</PartnerUrl>
   <Notification>
    <Id>04l5g00000AbCdEAAX</Id>
    <sObject xsi:type="sf:Opportunity" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
     <sf:Id>0065g00000NWIND1AA</sf:Id>
     <sf:AccountId>0015g00000NWINDAAA</sf:AccountId>
     <sf:IsWon>true</sf:IsWon>
     <sf:StageName>Closed Won</sf:StageName>
     <sf:SystemModstamp>2026-11-02T10:15:00.000Z</sf:SystemModstamp>
     <sf:Type>Existing Customer - Upgrade</sf:Type>
    </sObject>
   </Notification>
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>`;

describe('parseOutboundMessage', () => {
  it('reads a single Notification as Salesforce sends it', () => {
    const message = parseOutboundMessage(SALESFORCE_SAMPLE);
    expect(message).toEqual({
      organizationId: ORG,
      actionId: '04k5g000000Q2CQAA0',
      notifications: [
        {
          id: '04l5g00000AbCdEAAX',
          sobject: 'Opportunity',
          fields: {
            Id: '0065g00000NWIND1AA',
            AccountId: '0015g00000NWINDAAA',
            IsWon: 'true',
            StageName: 'Closed Won',
            SystemModstamp: '2026-11-02T10:15:00.000Z',
            Type: 'Existing Customer - Upgrade',
          },
        },
      ],
    });
    const [envelope] = normaliseOutboundMessage(message, RECEIVED);
    expect(envelope).toMatchObject({
      eventId: 'sf:om:04l5g00000AbCdEAAX',
      eventType: 'crm.opportunity.amended',
      channel: 'outbound-message',
      orgId: ORG,
      correlationId: 'sf:0065g00000NWIND1AA',
      created: '2026-11-02T10:15:00.000Z',
      record: { version: '2026-11-02T10:15:00.000Z', isWon: true, stageName: 'Closed Won' },
    });
  });

  it('reads 100 notifications, in order, one envelope each', () => {
    const changes = Array.from({ length: 100 }, (_, i) => opp(i));
    const xml = outboundMessageXml(ORG, changes.map(opportunityNotification));
    const envelopes = normaliseOutboundMessage(parseOutboundMessage(xml), RECEIVED);
    expect(envelopes.map((e) => !isUnrouted(e) && e.record.id)).toEqual(changes.map((c) => c.Id));
    expect(new Set(envelopes.map((e) => e.eventId)).size).toBe(100);
  });

  it('refuses 101 notifications', () => {
    const xml = outboundMessageXml(
      ORG,
      Array.from({ length: 101 }, (_, i) => opportunityNotification(opp(i))),
    );
    expect(codeOf(() => parseOutboundMessage(xml))).toBe('too_many_notifications');
  });

  it('resolves namespaces by URI, not by prefix', () => {
    const renamed = SALESFORCE_SAMPLE.replace(/soapenv:/g, 'S:')
      .replace('xmlns:soapenv=', 'xmlns:S=')
      .replace(/sf:/g, 'q:')
      .replace('xmlns:sf=', 'xmlns:q=');
    expect(parseOutboundMessage(renamed).notifications[0].fields.Type).toBe('Existing Customer - Upgrade');
    // The right local names in the wrong namespace are not an Outbound Message.
    const wrongNs = SALESFORCE_SAMPLE.replace(OUTBOUND_MESSAGE_NAMESPACE, 'http://example.com/other');
    expect(codeOf(() => parseOutboundMessage(wrongNs))).toBe('not_outbound_message');
  });

  it('reads xsi:nil fields as null and unescapes entities', () => {
    const xml = outboundMessageXml(ORG, [
      {
        id: notificationId('0065g00000NWIND1AA', 'x'),
        sobject: 'Opportunity',
        fields: { ...opp(1), Type: null, StageName: 'Won & <done>' },
      },
    ]);
    const { fields } = parseOutboundMessage(xml).notifications[0];
    expect(fields.Type).toBeNull();
    expect(fields.StageName).toBe('Won & <done>');
  });

  it.each([
    ['empty', '', 'malformed_xml'],
    ['not XML', 'hello', 'malformed_xml'],
    ['unclosed', SALESFORCE_SAMPLE.slice(0, 400), 'malformed_xml'],
    ['a DTD', '<!DOCTYPE lol [<!ENTITY a "aaaa">]><a>&a;</a>', 'dtd_not_allowed'],
    ['another root', '<?xml version="1.0"?><notifications/>', 'not_soap_envelope'],
    ['deep nesting', `${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}`, 'malformed_xml'],
    [
      'no notifications',
      SALESFORCE_SAMPLE.replace(/<Notification>[\s\S]*<\/Notification>/, ''),
      'no_notifications',
    ],
    [
      'no OrganizationId',
      SALESFORCE_SAMPLE.replace(/<OrganizationId>.*<\/OrganizationId>/, ''),
      'missing_organization_id',
    ],
    ['no xsi:type', SALESFORCE_SAMPLE.replace(' xsi:type="sf:Opportunity"', ''), 'malformed_notification'],
    [
      'a bad notification id',
      SALESFORCE_SAMPLE.replace('04l5g00000AbCdEAAX', 'nope'),
      'malformed_notification',
    ],
  ])('refuses %s', (_label, xml, code) => {
    expect(codeOf(() => parseOutboundMessage(xml))).toBe(code);
  });

  it('refuses an Opportunity notification without a usable SystemModstamp or Id (the message is misconfigured)', () => {
    const noVersion = SALESFORCE_SAMPLE.replace(/<sf:SystemModstamp>.*<\/sf:SystemModstamp>/, '');
    expect(codeOf(() => normaliseOutboundMessage(parseOutboundMessage(noVersion), RECEIVED))).toBe(
      'malformed_notification',
    );
    const badId = SALESFORCE_SAMPLE.replace('<sf:Id>0065g00000NWIND1AA</sf:Id>', '<sf:Id>006!</sf:Id>');
    expect(codeOf(() => normaliseOutboundMessage(parseOutboundMessage(badId), RECEIVED))).toBe(
      'malformed_notification',
    );
  });

  it('turns another sObject into an unrouted crm.<object>.updated event carrying its fields', () => {
    const xml = outboundMessageXml(ORG, [
      {
        id: '04l5g00000ACCT1AAA',
        sobject: 'Account',
        fields: { Id: '0015g00000NWINDAAA', Name: 'Northwind' },
      },
      { id: '04l5g00000CUST1AAA', sobject: 'Invoice__c', fields: { Id: 'a015g00000INV01AAA' } },
    ]);
    const [account, custom] = normaliseOutboundMessage(parseOutboundMessage(xml), RECEIVED);
    expect(account).toMatchObject({
      eventType: 'crm.account.updated',
      routed: false,
      record: { sobject: 'Account', id: '0015g00000NWINDAAA', version: null },
      fields: { Id: '0015g00000NWINDAAA', Name: 'Northwind' },
    });
    expect(custom.eventType).toBe('crm.invoice__c.updated');
  });

  it('never throws anything but CrmInputError on arbitrary or mutated input (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc
            .tuple(fc.nat(SALESFORCE_SAMPLE.length), fc.nat(40), fc.string({ maxLength: 8 }))
            .map(
              ([at, del, ins]) => SALESFORCE_SAMPLE.slice(0, at) + ins + SALESFORCE_SAMPLE.slice(at + del),
            ),
        ),
        (xml) => {
          try {
            normaliseOutboundMessage(parseOutboundMessage(xml), RECEIVED);
          } catch (err) {
            expect(err).toBeInstanceOf(CrmInputError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('SOAP responses', () => {
  it('the Ack is a notificationsResponse with Ack true that parses as XML', () => {
    expect(ackResponse()).toContain(
      `<notificationsResponse xmlns="${OUTBOUND_MESSAGE_NAMESPACE}"><Ack>true</Ack>`,
    );
  });
  it('faults escape their message', () => {
    expect(faultResponse('Client', 'bad', '<x> & "y"')).toContain(
      '<faultstring>bad: &lt;x&gt; &amp; &quot;y&quot;</faultstring>',
    );
  });
});
