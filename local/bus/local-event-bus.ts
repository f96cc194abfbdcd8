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
import { BUS_NAME, RULES, type RuleDef, type RuleKey } from '../../lib/topology';
import { listenUrl, LOCAL_ACCOUNT, LOCAL_REGION, LOOPBACK } from '../services/local-aws';
import { matchesPattern } from './event-pattern';

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

interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Resources?: string[];
  Time?: number | string;
}

const MAX_ENTRY_BYTES = 256 * 1024;
const busArn = `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:event-bus/${BUS_NAME}`;

export class LocalEventBus {
  private server?: Server;
  private readonly logFile: string;

  constructor(
    dataDir: string,
    private readonly deliver: Deliver,
  ) {
    this.logFile = path.join(dataDir, 'events.jsonl');
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, LOOPBACK, resolve));
    return listenUrl(this.server);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The rules this bus applies (the topology's, as CDK deploys them). */
  rules(): Record<RuleKey, RuleDef> {
    return RULES;
  }

  /** Everything the bus has received, oldest first (survives restarts). */
  archive(): ArchivedEvent[] {
    if (!existsSync(this.logFile)) return [];
    return readFileSync(this.logFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ArchivedEvent);
  }

  /** Accepts one PutEvents entry; returns the event id or an error code, as the API does. */
  putEvent(entry: PutEventsEntry): { EventId?: string; ErrorCode?: string; ErrorMessage?: string } {
    if (entry.EventBusName && entry.EventBusName !== BUS_NAME && entry.EventBusName !== busArn) {
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
    if (Buffer.byteLength(JSON.stringify(entry)) > MAX_ENTRY_BYTES) {
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
    const matched = (Object.entries(this.rules()) as [RuleKey, RuleDef][])
      .filter(([, rule]) => matchesPattern(rule.pattern, event))
      .map(([key]) => key);
    this.record(event, matched);
    for (const rule of matched) this.deliver(rule, event);
    return { EventId: event.id };
  }

  private record(event: BusEvent, matchedRules: RuleKey[]): void {
    const archived: ArchivedEvent = {
      id: event.id,
      time: event.time,
      receivedAt: new Date().toISOString(),
      source: event.source,
      detailType: event['detail-type'],
      sourceEventId: typeof event.detail.eventId === 'string' ? event.detail.eventId : null,
      matchedRules,
    };
    appendFileSync(this.logFile, JSON.stringify(archived) + '\n');
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
    const results = entries.map((e) => this.putEvent(e));
    reply(200, { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results });
  }
}

/** The SDK sends Time as epoch seconds; EventBridge delivers it as an ISO timestamp without millis. */
function eventTime(time: number | string | undefined): string {
  const date = time === undefined ? new Date() : new Date(typeof time === 'number' ? time * 1000 : time);
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
