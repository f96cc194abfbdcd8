/**
 * Salesforce Outbound Messaging (SOAP 1.1). Salesforce POSTs a `notifications` element (namespace
 * OUTBOUND_MESSAGE_NAMESPACE) holding OrganizationId, ActionId, SessionId, EnterpriseUrl, PartnerUrl and
 * 1–100 `Notification`s, each an `Id` (the notification id, stable across Salesforce's retries) and an
 * `sObject` whose `xsi:type` names the object (`sf:Opportunity`) and whose children (namespace
 * `urn:sobject.enterprise.soap.sforce.com`) are the selected fields — the record's LATEST state, not the
 * change that triggered the message. Salesforce retries a message it gets no `<Ack>true</Ack>` for, with
 * back-off, for up to 24 hours, and messages may arrive out of order: the envelope's record.version
 * (SystemModstamp) is what lets downstream ignore stale ones.
 *
 * Parsing is namespace-aware (prefixes are resolved, not guessed) and refuses DTDs (SOAP forbids them;
 * they are also the entity-expansion attack surface).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  OUTBOUND_MESSAGE_MAX_NOTIFICATIONS,
  OUTBOUND_MESSAGE_NAMESPACE,
} from '../../adapters/crm/salesforce/fields';
import {
  CrmInputError,
  type DeliveryMeta,
  type InboundCrmEvent,
  isSalesforceId,
  opportunityEnvelope,
  salesforceBoolean,
  unroutedEnvelope,
} from './inbound';

export const SOAP_ENVELOPE_NAMESPACE = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOBJECT_NAMESPACE = 'urn:sobject.enterprise.soap.sforce.com';
const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';

export interface OutboundNotification {
  /** Notification Id (04l…): the same on every retry of this notification. */
  id: string;
  /** Local name of the sObject's xsi:type, e.g. `Opportunity`. */
  sobject: string;
  /** Field local name → text, or null for `xsi:nil="true"`. */
  fields: Record<string, string | null>;
}

export interface OutboundMessage {
  organizationId: string;
  actionId: string | null;
  notifications: OutboundNotification[];
}

// ───────────── a small namespace-aware view over fast-xml-parser's object tree ─────────────

type XmlValue = string | XmlObject;
interface XmlObject {
  [key: string]: XmlValue | XmlValue[] | undefined;
}
interface Element {
  ns: string | null;
  local: string;
  value: XmlValue;
  scope: Map<string, string>;
}

const ATTR = '@';

function scopeOf(value: XmlValue, parent: Map<string, string>): Map<string, string> {
  if (typeof value !== 'object') return parent;
  let scope = parent;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') continue;
    if (k === `${ATTR}xmlns` || k.startsWith(`${ATTR}xmlns:`)) {
      if (scope === parent) scope = new Map(parent);
      scope.set(k === `${ATTR}xmlns` ? '' : k.slice(`${ATTR}xmlns:`.length), v);
    }
  }
  return scope;
}

function resolve(qname: string, scope: Map<string, string>): { ns: string | null; local: string } {
  const colon = qname.indexOf(':');
  const prefix = colon < 0 ? '' : qname.slice(0, colon);
  return { ns: scope.get(prefix) ?? null, local: colon < 0 ? qname : qname.slice(colon + 1) };
}

function children(parent: Element): Element[] {
  if (typeof parent.value !== 'object') return [];
  const out: Element[] = [];
  for (const [key, raw] of Object.entries(parent.value)) {
    if (key.startsWith(ATTR) || key === '#text' || key.startsWith('?') || raw === undefined) continue;
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      const scope = scopeOf(value, parent.scope);
      out.push({ ...resolve(key, scope), value, scope });
    }
  }
  return out;
}

function attribute(el: Element, ns: string, local: string): string | undefined {
  if (typeof el.value !== 'object') return undefined;
  for (const [k, v] of Object.entries(el.value)) {
    if (!k.startsWith(ATTR) || typeof v !== 'string') continue;
    const name = resolve(k.slice(ATTR.length), el.scope);
    if (name.ns === ns && name.local === local) return v;
  }
  return undefined;
}

/** Text content; null for xsi:nil; an element with child elements is not text. */
function text(el: Element): string | null {
  if (typeof el.value === 'string') return el.value;
  if (attribute(el, XSI_NAMESPACE, 'nil') === 'true') return null;
  if (children(el).length > 0)
    throw new CrmInputError('malformed_notification', `${el.local} is not a simple field`);
  const t = el.value['#text'];
  return typeof t === 'string' ? t : '';
}

function only(parent: Element, ns: string | null, local: string, what: string): Element {
  const found = children(parent).filter((c) => c.ns === ns && c.local === local);
  if (found.length !== 1) {
    throw new CrmInputError('not_outbound_message', `expected exactly one ${what}, found ${found.length}`);
  }
  return found[0];
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: ATTR,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/** Nesting deeper than any Outbound Message (Envelope/Body/notifications/Notification/sObject/field = 6). */
const MAX_XML_DEPTH = 32;

function xmlDepthWithin(xml: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < xml.length; i++) {
    if (xml.charCodeAt(i) !== 60 /* < */) continue;
    const next = xml[i + 1];
    if (next === '/') depth--;
    else if (next !== '?' && next !== '!') {
      const close = xml.indexOf('>', i);
      if (close < 0) return true; // unterminated: the validator reports it
      if (xml[close - 1] !== '/') depth++;
      if (depth > limit) return false;
      i = close;
    }
  }
  return true;
}

/** Parses and validates an Outbound Message; throws CrmInputError (→ SOAP Fault 400) otherwise. */
export function parseOutboundMessage(xml: string): OutboundMessage {
  if (xml.trim().length === 0) throw new CrmInputError('malformed_xml', 'body is empty');
  if (/<!DOCTYPE/i.test(xml))
    throw new CrmInputError('dtd_not_allowed', 'SOAP messages must not contain a DTD');
  if (!xmlDepthWithin(xml, MAX_XML_DEPTH)) {
    throw new CrmInputError('malformed_xml', `XML nests deeper than ${MAX_XML_DEPTH} levels`);
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new CrmInputError(
      'malformed_xml',
      `body is not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`,
    );
  }
  let tree: XmlObject;
  try {
    tree = parser.parse(xml) as XmlObject;
  } catch (err) {
    throw new CrmInputError('malformed_xml', `body is not well-formed XML (${(err as Error).message})`);
  }
  const root: Element = { ns: null, local: '#document', value: tree, scope: new Map() };
  const top = children(root);
  if (top.length !== 1 || top[0].ns !== SOAP_ENVELOPE_NAMESPACE || top[0].local !== 'Envelope') {
    throw new CrmInputError('not_soap_envelope', 'body is not a SOAP 1.1 Envelope');
  }
  const body = only(top[0], SOAP_ENVELOPE_NAMESPACE, 'Body', 'soap:Body');
  const notifications = only(body, OUTBOUND_MESSAGE_NAMESPACE, 'notifications', 'notifications element');
  const fieldOf = (local: string): string | null => {
    const found = children(notifications).filter(
      (c) => c.ns === OUTBOUND_MESSAGE_NAMESPACE && c.local === local,
    );
    return found.length === 1 ? text(found[0]) : null;
  };
  const organizationId = fieldOf('OrganizationId');
  if (!organizationId) throw new CrmInputError('missing_organization_id', 'OrganizationId is required');

  const items = children(notifications).filter(
    (c) => c.ns === OUTBOUND_MESSAGE_NAMESPACE && c.local === 'Notification',
  );
  if (items.length === 0) throw new CrmInputError('no_notifications', 'the message holds no Notification');
  if (items.length > OUTBOUND_MESSAGE_MAX_NOTIFICATIONS) {
    throw new CrmInputError(
      'too_many_notifications',
      `${items.length} notifications; Salesforce sends at most ${OUTBOUND_MESSAGE_MAX_NOTIFICATIONS}`,
    );
  }
  return {
    organizationId,
    actionId: fieldOf('ActionId'),
    notifications: items.map((n, i) => parseNotification(n, i)),
  };
}

function parseNotification(n: Element, index: number): OutboundNotification {
  const id = text(only(n, OUTBOUND_MESSAGE_NAMESPACE, 'Id', `Notification[${index}].Id`));
  if (!isSalesforceId(id)) {
    throw new CrmInputError('malformed_notification', `Notification[${index}].Id is not a Salesforce id`);
  }
  const sObject = only(n, OUTBOUND_MESSAGE_NAMESPACE, 'sObject', `Notification[${index}].sObject`);
  const xsiType = attribute(sObject, XSI_NAMESPACE, 'type');
  if (!xsiType)
    throw new CrmInputError('malformed_notification', `Notification[${index}].sObject has no xsi:type`);
  const type = resolve(xsiType, sObject.scope);
  if (type.ns !== SOBJECT_NAMESPACE || !/^[A-Za-z][A-Za-z0-9_]{0,79}$/.test(type.local)) {
    throw new CrmInputError(
      'malformed_notification',
      `Notification[${index}].sObject xsi:type "${xsiType}" is not an sObject type`,
    );
  }
  const fields: Record<string, string | null> = {};
  for (const field of children(sObject)) {
    if (field.ns !== SOBJECT_NAMESPACE) continue;
    if (Object.prototype.hasOwnProperty.call(fields, field.local)) {
      throw new CrmInputError(
        'malformed_notification',
        `Notification[${index}] repeats field ${field.local}`,
      );
    }
    fields[field.local] = text(field);
  }
  return { id, sobject: type.local, fields };
}

/**
 * One envelope per notification. Opportunities → the canonical envelope (classified, version =
 * SystemModstamp); any other sObject → an unrouted `crm.<object>.updated` event carrying its fields, so
 * it is acknowledged (Salesforce would otherwise retry it for 24 h) and kept on the bus archive.
 */
export function normaliseOutboundMessage(message: OutboundMessage, receivedAt: Date): InboundCrmEvent[] {
  return message.notifications.map((n, index) => {
    const meta: DeliveryMeta = {
      eventId: `sf:om:${n.id}`,
      channel: 'outbound-message',
      orgId: message.organizationId,
      created: receivedAt,
      receivedAt,
    };
    const f = n.fields;
    if (n.sobject !== 'Opportunity') {
      return unroutedEnvelope(
        meta,
        { sobject: n.sobject, id: f.Id ?? null, version: f.SystemModstamp },
        f,
        `Outbound Message for ${n.sobject}: only Opportunity notifications are routed`,
      );
    }
    try {
      const envelope = opportunityEnvelope(meta, {
        id: f.Id ?? '',
        accountId: f.AccountId || null,
        stageName: f.StageName ?? null,
        isWon: salesforceBoolean(f.IsWon),
        type: f.Type || null,
        version: f.SystemModstamp,
      });
      return { ...envelope, created: envelope.record.version };
    } catch (err) {
      if (err instanceof CrmInputError) {
        throw new CrmInputError('malformed_notification', `Notification[${index}] (${n.id}): ${err.message}`);
      }
      throw err;
    }
  });
}

// ───────────── responses ─────────────

const escapeXml = (s: string): string =>
  s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );

/** The acknowledgement Salesforce waits for; anything else (or a non-2xx) makes it retry. */
export function ackResponse(): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<soapenv:Envelope xmlns:soapenv="${SOAP_ENVELOPE_NAMESPACE}">` +
    `<soapenv:Body><notificationsResponse xmlns="${OUTBOUND_MESSAGE_NAMESPACE}">` +
    '<Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>'
  );
}

/** A SOAP 1.1 Fault: `Client` for input Salesforce must not resend unchanged, `Server` for our failures. */
export function faultResponse(faultCode: 'Client' | 'Server', code: string, message: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<soapenv:Envelope xmlns:soapenv="${SOAP_ENVELOPE_NAMESPACE}"><soapenv:Body><soapenv:Fault>` +
    `<faultcode>soapenv:${faultCode}</faultcode><faultstring>${escapeXml(`${code}: ${message}`)}</faultstring>` +
    '</soapenv:Fault></soapenv:Body></soapenv:Envelope>'
  );
}
