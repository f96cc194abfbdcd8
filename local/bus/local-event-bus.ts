/**
 * EventBridge locally: a PutEvents endpoint (AWS JSON 1.1 protocol) for the real
 * @aws-sdk/client-eventbridge. It applies the same rule patterns CDK deploys (lib/topology.ts)
 * with the repo's pattern matcher, hands matches to their targets, and keeps an append-only
 * log of every event received (the local stand-in for the bus archive).
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import * as path from 'node:path';
import {
  BUS_NAME,
  PARTNER_RULES,
  type PartnerRuleDef,
  type PartnerRuleKey,
  RULES,
  type RuleDef,
  type RuleKey,
} from '../../lib/topology';
import { listenUrl, LOCAL_ACCOUNT, LOCAL_REGION, LOOPBACK } from '../services/local-aws';
import { matchesPattern } from './event-pattern';
import {
  claimCheckOf,
  EVENTBRIDGE_MAX_ENTRY_BYTES,
  putEventsEntrySize,
} from '../../lambdas/domain/claim-check';

/** An event as EventBridge delivers it to targets. */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export interface ArchivedEvent {
  id: string;
  time: string;
  receivedAt: string;
  source: string;
  detailType: string;
  sourceEventId: string | null;
  matchedRules: RuleKey[];
}

export type Deliver = (rule: RuleKey, event: BusEvent) => void;

/**
 * A partner event bus (Salesforce Event Relay) beside ours: PutEvents addressed to its name stands in
 * for the partner putting events on it; its own rules (PARTNER_RULES) and archive file apply.
 */
export interface LocalPartnerBus {
  name: string;
  deliver: (rule: PartnerRuleKey, event: BusEvent) => void;
}

/** Local-only fault injection: the next `times` PutEvents requests are throttled or their entries fail. */
export interface BusFault {
  mode: 'throttle' | 'failed-entry';
  times: number;
}

interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Resources?: string[];
  Time?: number | string;
}

const arnOf = (name: string): string => `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:event-bus/${name}`;
const busArn = arnOf(BUS_NAME);

export class LocalEventBus {
  private server?: Server;
  private readonly logFile: string;
  private readonly partnerLogFile: string;
  private fault?: BusFault;
  private url?: string;

  constructor(
    dataDir: string,
    private readonly deliver: Deliver,
    private readonly partner?: LocalPartnerBus,
  ) {
    this.logFile = path.join(dataDir, 'events.jsonl');
    this.partnerLogFile = path.join(dataDir, 'partner-events.jsonl');
  }

  /**
   * Awaited before a PutEvents request carrying a claim-check reference is accepted: the runtime makes the
   * referenced payload durable in the data dir first (in AWS, S3 already is), so nothing the bus archived
   * can point at a payload a crash lost.
   */
  beforeClaimCheckedEntries?: () => Promise<void>;

  /** Make the next PutEvents requests fail (times 0 clears): tests of "acknowledge only when on the bus". */
  injectFault(fault: BusFault): void {
    this.fault = fault.times > 0 ? { ...fault } : undefined;
  }

  private takeFault(): BusFault['mode'] | undefined {
    if (!this.fault) return undefined;
    const mode = this.fault.mode;
    if (--this.fault.times <= 0) this.fault = undefined;
    return mode;
  }

  /** The partner bus name, or undefined if this bus runs none. */
  partnerBusName(): string | undefined {
    return this.partner?.name;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, LOOPBACK, resolve));
    this.url = listenUrl(this.server);
    return this.url;
  }

  /** The PutEvents endpoint (after start). */
  endpoint(): string | undefined {
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The rules this bus applies (the topology's, as CDK deploys them). */
  rules(): Record<RuleKey, RuleDef> {
    return RULES;
  }

  /** Everything the bus (or the named partner bus) has received, oldest first (survives restarts). */
  archive(bus?: string): ArchivedEvent[] {
    const file = bus && bus === this.partner?.name ? this.partnerLogFile : this.logFile;
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        // Each line also stores the whole event (for archive replay); the listing shows the summary.
        const { event: _event, ...archived } = JSON.parse(l) as ArchivedEvent & { event?: BusEvent };
        return archived;
      });
  }

  /**
   * Archive replay, as EventBridge StartReplay does: every event this bus received in [since, until)
   * is delivered again to the rules that match it now, with `replay-name` set, and not archived again.
   * Events archived before whole events were stored cannot be replayed and are counted as such.
   */
  replayArchive(
    since: Date,
    until: Date,
    replayName: string,
  ): { replayed: number; unmatched: number; notStored: number } {
    const counts = { replayed: 0, unmatched: 0, notStored: 0 };
    if (!existsSync(this.logFile)) return counts;
    for (const line of readFileSync(this.logFile, 'utf8').split('\n')) {
      if (!line) continue;
      const archived = JSON.parse(line) as ArchivedEvent & { event?: BusEvent };
      const at = Date.parse(archived.receivedAt);
      if (!(at >= since.getTime() && at < until.getTime())) continue;
      if (!archived.event) {
        counts.notStored++;
        continue;
      }
      const event = { ...archived.event, 'replay-name': replayName } as BusEvent;
      const matched = (Object.entries(this.rules()) as [RuleKey, RuleDef][]).filter(([, rule]) =>
        matchesPattern(rule.pattern, event),
      );
      if (matched.length === 0) counts.unmatched++;
      else counts.replayed++;
      for (const [key] of matched) this.deliver(key, event);
    }
    return counts;
  }

  /** Accepts one PutEvents entry; returns the event id or an error code, as the API does. */
  putEvent(entry: PutEventsEntry): { EventId?: string; ErrorCode?: string; ErrorMessage?: string } {
    const partner =
      this.partner &&
      (entry.EventBusName === this.partner.name || entry.EventBusName === arnOf(this.partner.name))
        ? this.partner
        : undefined;
    if (!partner && entry.EventBusName && entry.EventBusName !== BUS_NAME && entry.EventBusName !== busArn) {
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: `Event bus ${entry.EventBusName} does not exist.`,
      };
    }
    if (!entry.Source || !entry.DetailType || !entry.Detail) {
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameters Source, DetailType and Detail are required.',
      };
    }
    // Sized as EventBridge sizes an entry (UTF-8 of Source, DetailType, Detail, Resources; Time 14 bytes).
    if (putEventsEntrySize(entry) > EVENTBRIDGE_MAX_ENTRY_BYTES) {
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Entry size exceeds 256 KB.' };
    }
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail must be a JSON object.' };
    }
    const event: BusEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: LOCAL_ACCOUNT,
      time: eventTime(entry.Time),
      region: LOCAL_REGION,
      resources: entry.Resources ?? [],
      detail: detail as Record<string, unknown>,
    };
    if (partner) {
      const matchedPartner = (Object.entries(PARTNER_RULES) as [PartnerRuleKey, PartnerRuleDef][])
        .filter(([, rule]) => matchesPattern(rule.pattern, event))
        .map(([key]) => key);
      this.record(event, matchedPartner as unknown as RuleKey[], this.partnerLogFile);
      for (const rule of matchedPartner) partner.deliver(rule, event);
      return { EventId: event.id };
    }
    const matched = (Object.entries(this.rules()) as [RuleKey, RuleDef][])
      .filter(([, rule]) => matchesPattern(rule.pattern, event))
      .map(([key]) => key);
    this.record(event, matched);
    for (const rule of matched) this.deliver(rule, event);
    return { EventId: event.id };
  }

  private record(event: BusEvent, matchedRules: RuleKey[], file = this.logFile): void {
    const archived: ArchivedEvent = {
      id: event.id,
      time: event.time,
      receivedAt: new Date().toISOString(),
      source: event.source,
      detailType: event['detail-type'],
      sourceEventId: typeof event.detail.eventId === 'string' ? event.detail.eventId : null,
      matchedRules,
    };
    appendFileSync(file, JSON.stringify({ ...archived, event }) + '\n');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(body));
    };
    if (target !== 'AWSEvents.PutEvents') {
      return reply(400, {
        __type: 'UnknownOperationException',
        message: `${target} is not supported locally`,
      });
    }
    let request: { Entries?: PutEventsEntry[] };
    try {
      request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Entries?: PutEventsEntry[] };
    } catch {
      return reply(400, { __type: 'SerializationException', message: 'Request body is not valid JSON' });
    }
    const entries = request.Entries ?? [];
    if (entries.length === 0 || entries.length > 10) {
      return reply(400, { __type: 'ValidationException', message: 'Entries must contain 1 to 10 items' });
    }
    const fault = this.takeFault();
    if (fault === 'throttle') {
      return reply(400, { __type: 'ThrottlingException', message: 'Rate exceeded (local fault injection)' });
    }
    if (
      this.beforeClaimCheckedEntries &&
      entries.some((e) => e.Detail?.includes('"claimCheck"') && claimCheckOf(parseDetail(e.Detail)))
    ) {
      await this.beforeClaimCheckedEntries();
    }
    const results =
      fault === 'failed-entry'
        ? entries.map(() => ({ ErrorCode: 'InternalFailure', ErrorMessage: 'local fault injection' }))
        : entries.map((e) => this.putEvent(e));
    reply(200, { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results });
  }
}

function parseDetail(detail: string | undefined): unknown {
  try {
    return detail === undefined ? undefined : (JSON.parse(detail) as unknown);
  } catch {
    return undefined;
  }
}

/** The SDK sends Time as epoch seconds; EventBridge delivers it as an ISO timestamp without millis. */
function eventTime(time: number | string | undefined): string {
  const date = time === undefined ? new Date() : new Date(typeof time === 'number' ? time * 1000 : time);
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
