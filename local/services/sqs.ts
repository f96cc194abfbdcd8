/**
 * SQS locally: fauxqs (pure-Node emulator) reached by the real @aws-sdk/client-sqs. fauxqs keeps
 * queues in memory, so the queue contents are snapshotted to the data dir after every change
 * the runtime makes (and every second, for changes made by other clients such as a replay) and
 * restored on start: parked exceptions survive a restart.
 */
import { SQSClient, SendMessageCommand, type MessageAttributeValue } from '@aws-sdk/client-sqs';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { QUEUES, type QueueKey } from '../../lib/topology';
import { LOCAL_CREDENTIALS, LOCAL_REGION, LOOPBACK } from './local-aws';

export const localQueueName = (q: QueueKey): string => `q2c-${QUEUES[q].id}`;

interface SnapshotMessage {
  body: string;
  attributes: Record<string, MessageAttributeValue>;
}
type Snapshot = Record<string, SnapshotMessage[]>;

export interface QueueMessageView {
  messageId: string;
  body: string;
  attributes: Record<string, string>;
  state: 'ready' | 'delayed' | 'inflight';
  /** When the message was sent (SQS SentTimestamp), epoch ms. */
  sentAtMs: number;
}

export interface LocalSqs {
  endpoint: string;
  client: SQSClient;
  queueUrl(q: QueueKey): string;
  /** Non-destructive view of a queue (ready, delayed and in-flight messages). */
  inspect(q: QueueKey): QueueMessageView[];
  /** Writes the snapshot now (call after the runtime itself changed a queue). */
  persist(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSqs(dataDir: string): Promise<LocalSqs> {
  // fauxqs is ESM-only: load it with import(), which tsx keeps native (jest maps it, see jest.config.js).
  const { startFauxqs } = await import('fauxqs');
  // fauxqs 1.9.2 listens on 0.0.0.0 whatever `host` says (that only names its queue URLs): unauthenticated
  // queues and buckets open to the network. Its listen call is pointed at loopback instead.
  const server = await onLoopback(() => startFauxqs({ port: 0, host: 'localhost', logger: false }));
  const endpoint = `http://${LOOPBACK}:${server.port}`;
  const urls = new Map<QueueKey, string>();
  for (const q of Object.keys(QUEUES) as QueueKey[]) {
    const { queueUrl } = server.createQueue(localQueueName(q), {
      attributes: { MessageRetentionPeriod: '1209600' },
    });
    urls.set(q, queueUrl);
  }
  // fauxqs URLs use sqs.<region>.localhost, which does not resolve here: send to the endpoint.
  const client = new SQSClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    useQueueUrlAsEndpoint: false,
  });
  const file = path.join(dataDir, 'queues.json');

  const inspect = (q: QueueKey): QueueMessageView[] => {
    const view = server.inspectQueue(localQueueName(q));
    if (!view) return [];
    const toView = (
      m: (typeof view.messages.ready)[number],
      state: QueueMessageView['state'],
    ): QueueMessageView => ({
      messageId: m.messageId,
      body: m.body,
      attributes: Object.fromEntries(
        Object.entries(m.messageAttributes ?? {}).map(([k, v]) => [k, String(v.StringValue ?? '')]),
      ),
      state,
      sentAtMs: m.sentTimestamp,
    });
    return [
      ...view.messages.ready.map((m) => toView(m, 'ready')),
      ...view.messages.delayed.map((m) => toView(m, 'delayed')),
      ...view.messages.inflight.map((m) => toView(m.message, 'inflight')),
    ];
  };

  const snapshot = (): Snapshot => {
    const snap: Snapshot = {};
    for (const q of urls.keys()) {
      const view = server.inspectQueue(localQueueName(q));
      const all = view
        ? [...view.messages.ready, ...view.messages.delayed, ...view.messages.inflight.map((m) => m.message)]
        : [];
      snap[q] = all.map((m) => ({
        body: m.body,
        attributes: (m.messageAttributes ?? {}) as Record<string, MessageAttributeValue>,
      }));
    }
    return snap;
  };

  // Snapshots are serialised: concurrent writers (the timer, parks finishing together) would
  // otherwise race on the temp file, and a failed snapshot must never fail the send it follows.
  let lastWritten = '';
  let chain: Promise<void> = Promise.resolve();
  const writeSnapshot = async (): Promise<void> => {
    const text = JSON.stringify(snapshot(), null, 1);
    if (text === lastWritten) return;
    await fs.writeFile(`${file}.tmp`, text);
    await fs.rename(`${file}.tmp`, file);
    lastWritten = text;
  };
  const persist = (): Promise<void> => {
    chain = chain.then(writeSnapshot).catch((err: unknown) => {
      process.emitWarning(`could not snapshot local queues: ${(err as Error).message}`);
    });
    return chain;
  };

  await restore(file, client, urls);
  lastWritten = JSON.stringify(snapshot(), null, 1);
  const timer = setInterval(() => void persist(), 1000);
  timer.unref();

  return {
    endpoint,
    client,
    queueUrl: (q) => urls.get(q) ?? '',
    inspect,
    persist,
    stop: async () => {
      clearInterval(timer);
      await persist();
      client.destroy();
      await server.stop();
    },
  };
}

/**
 * Runs `start` with every wildcard-address listen (0.0.0.0, ::, none given) made in the meantime bound to
 * loopback instead. fauxqs offers no option for it; it listens through Node's net.Server like any server.
 */
export async function onLoopback<T>(start: () => Promise<T>): Promise<T> {
  const listen = net.Server.prototype.listen;
  const wildcard = (host: unknown) => host === undefined || host === '0.0.0.0' || host === '::';
  net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
    const [first] = args;
    if (typeof first === 'object' && first !== null && !('fd' in first) && !('path' in first)) {
      const options = first as net.ListenOptions;
      if (wildcard(options.host)) args[0] = { ...options, host: LOOPBACK };
    }
    return (listen as (...a: unknown[]) => net.Server).apply(this, args);
  } as typeof listen;
  try {
    return await start();
  } finally {
    net.Server.prototype.listen = listen;
  }
}

async function restore(file: string, client: SQSClient, urls: Map<QueueKey, string>): Promise<void> {
  let snap: Snapshot;
  try {
    snap = JSON.parse(await fs.readFile(file, 'utf8')) as Snapshot;
  } catch {
    return; // first start: nothing to restore
  }
  for (const [q, messages] of Object.entries(snap)) {
    const url = urls.get(q as QueueKey);
    if (!url) continue;
    for (const m of messages) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: m.body,
          MessageAttributes: Object.keys(m.attributes).length ? m.attributes : undefined,
        }),
      );
    }
  }
}
