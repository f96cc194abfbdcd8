/**
 * The local runtime's side of `q2c replay --target local` and of the outage drain: ops routes and
 * actions the runtime mounts beside its own (local/runtime.ts), and the drain timer.
 *
 *   GET  /ops/endpoints          where the real SQS, EventBridge and DynamoDB clients reach the local emulators
 *   GET  /ops/executions         execution records (executions.jsonl), `?status=FAILED&redriven=false`
 *   POST /ops/executions/start   {stateMachine, input, redriveOf?}: start (or re-run) a state machine
 *   POST /ops/archive/replay     {since, until}: re-deliver the bus log's events of a window (StartReplay)
 *   POST /ops/functions/invoke   {function, payload}: invoke a partner-bus rule's target function
 *                                synchronously (Lambda Invoke, RequestResponse); 502 on a function error
 *   POST /ops/erp/faults         {fault} | {clear: true}: NetSuite simulator faults (outage drills)
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  BUS_NAME,
  type FunctionKey,
  PARTNER_RULES,
  type PartnerRuleDef,
  QUEUES,
  STATE_MACHINES,
  type QueueKey,
  type StateMachineKey,
  type TableKey,
} from '../../lib/topology';
import { machineKeyOf } from './machines';
import type { LocalEventBus } from '../bus/local-event-bus';
import type { ActionHandler, OpsHandler } from '../http-server';
import type { FaultSpec, NetSuiteSimulator } from '../sandboxes/netsuite';
import type { LocalSqs } from '../services/sqs';
import { LOCAL_REGION } from '../services/local-aws';
import type { ExecutionRecord, LocalStateMachine } from '../stepfunctions';

/** An execution record as logged, with the execution it re-ran when it was a redrive. */
export type LoggedExecution = ExecutionRecord & { redriveOf?: string };

export interface LocalEndpoints {
  region: string;
  sqs: { endpoint: string; queues: Record<QueueKey, string> };
  eventBridge: { endpoint: string; busName: string };
  /**
   * dynalite and the topology tables' local names (q2c smoke reads the ledger and the crosswalk; q2c
   * replay releases the parked markers in the idempotency table).
   */
  dynamodb?: { endpoint: string; tables: Record<TableKey, string> };
  stateMachines: { key: StateMachineKey; name: string; arn: string; type: 'EXPRESS' | 'STANDARD' }[];
}

export interface ReplayOpsDeps {
  dataDir: string;
  sqs: LocalSqs;
  bus: LocalEventBus;
  busEndpoint: string;
  /** dynalite and the local table names (passed in: importing services/dynamodb would load dynalite into the CLI). */
  dynamodb?: { endpoint: string; tables: Record<TableKey, string> };
  machines: ReadonlyMap<StateMachineKey, LocalStateMachine>;
  /** Starts an execution through the runtime's tracker (so it is counted and logged). */
  run: (key: StateMachineKey, input: unknown, redriveOf?: string) => Promise<ExecutionRecord>;
  /** Invokes a function in-process as Lambda would (resolves with its result, rejects with its error). */
  invoke?: (key: FunctionKey, payload: unknown) => Promise<unknown>;
  netsuite?: NetSuiteSimulator;
}

const bad = (code: string, message: string) => ({ status: 400, body: { error: { code, message } } });

export function readExecutions(dataDir: string): LoggedExecution[] {
  const file = path.join(dataDir, 'executions.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LoggedExecution);
}

/** Which state machine a name, ARN or topology key refers to (deployed names contain the topology id). */
export { machineKeyOf };

export function replayOps(deps: ReplayOpsDeps): {
  routes: Record<string, OpsHandler>;
  actions: Record<string, ActionHandler>;
} {
  const routes: Record<string, OpsHandler> = {
    '/ops/endpoints': async (): Promise<LocalEndpoints> => ({
      region: LOCAL_REGION,
      sqs: {
        endpoint: deps.sqs.endpoint,
        queues: Object.fromEntries(
          (Object.keys(QUEUES) as QueueKey[]).map((q) => [q, deps.sqs.queueUrl(q)]),
        ) as Record<QueueKey, string>,
      },
      eventBridge: { endpoint: deps.busEndpoint, busName: BUS_NAME },
      ...(deps.dynamodb ? { dynamodb: deps.dynamodb } : {}),
      stateMachines: [...deps.machines.entries()].map(([key, m]) => ({
        key,
        name: m.name,
        arn: m.arn,
        type: STATE_MACHINES[key].type,
      })),
    }),
    '/ops/executions': async (url) => {
      const all = readExecutions(deps.dataDir);
      const redriven = new Set(all.map((e) => e.redriveOf).filter(Boolean));
      const status = url.searchParams.get('status');
      const onlyNotRedriven = url.searchParams.get('redriven') === 'false';
      const executions = all
        .filter((e) => !status || e.status === status)
        .filter((e) => !onlyNotRedriven || !redriven.has(e.executionArn))
        .map((e) => ({ ...e, redriven: redriven.has(e.executionArn) }));
      return { executions };
    },
  };

  const actions: Record<string, ActionHandler> = {
    '/ops/executions/start': async (body) => {
      const { stateMachine, input, redriveOf } = body as {
        stateMachine?: unknown;
        input?: unknown;
        redriveOf?: unknown;
      };
      if (typeof stateMachine !== 'string')
        return bad('missing_state_machine', 'give {"stateMachine": <name, ARN or key>, "input": {…}}');
      const key = machineKeyOf(stateMachine);
      if (!key) return bad('unknown_state_machine', `no state machine ${stateMachine}`);
      if (input === undefined) return bad('missing_input', 'give the execution input');
      const record = await deps.run(key, input, typeof redriveOf === 'string' ? redriveOf : undefined);
      return { status: 200, body: record };
    },
    '/ops/archive/replay': async (body) => {
      const { since, until } = body as { since?: unknown; until?: unknown };
      const from = new Date(String(since));
      const to = new Date(String(until));
      if (!Number.isFinite(from.getTime()) || !Number.isFinite(to.getTime()) || from >= to)
        return bad('bad_window', 'give {"since": ISO time, "until": ISO time} with since < until');
      const replayName = `local-replay-${randomUUID().slice(0, 8)}`;
      const counts = deps.bus.replayArchive(from, to, replayName);
      return { status: 200, body: { replayName, ...counts } };
    },
    '/ops/functions/invoke': async (body) => {
      const { function: fn, payload } = body as { function?: unknown; payload?: unknown };
      // Only what replay re-drives: the targets of the partner-bus rules (their dead letters).
      const invocable = new Set<string>(
        (Object.values(PARTNER_RULES) as PartnerRuleDef[]).map((r) => r.targetFunction),
      );
      if (typeof fn !== 'string' || !invocable.has(fn))
        return bad('not_invocable', `give {"function": one of ${[...invocable].join(', ')}, "payload": {…}}`);
      if (payload === undefined || payload === null)
        return bad('missing_payload', 'give the event to invoke with');
      if (!deps.invoke) return bad('no_functions', 'this runtime invokes no functions');
      try {
        const result = await deps.invoke(fn as FunctionKey, payload);
        return { status: 200, body: { function: fn, result } };
      } catch (err) {
        const e = err as Error;
        return {
          status: 502,
          body: { error: { code: 'function_error', message: `${fn}: ${e.name}: ${e.message}` } },
        };
      }
    },
    '/ops/erp/faults': async (body) => {
      if (!deps.netsuite)
        return bad('no_fault_target', 'ERP faults need the NetSuite simulator (q2c serve --erp netsuite)');
      const { fault, clear } = body as { fault?: FaultSpec; clear?: unknown };
      if (clear === true) {
        deps.netsuite.clearFaults();
        return { status: 200, body: { cleared: true } };
      }
      if (!fault || typeof fault !== 'object' || !['status', 'throttle', 'timeout'].includes(fault.kind))
        return bad(
          'bad_fault',
          'give {"fault": {"kind": "status"|"throttle"|"timeout", "times": n, …}} or {"clear": true}',
        );
      const handle = deps.netsuite.injectFault(fault);
      return { status: 200, body: { injected: fault, remaining: handle.remaining() } };
    },
  };
  return { routes, actions };
}

/**
 * The local stand-in for the drain schedule: invokes the drain function every `intervalMs`, one run
 * at a time. Returns a stop function.
 */
export function startOutageDrain(invoke: () => Promise<unknown>, intervalMs: number): () => Promise<void> {
  if (!(intervalMs > 0)) return async () => undefined;
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = invoke()
      .catch((err: unknown) => process.emitWarning(`outage drain failed: ${(err as Error).message}`))
      .finally(() => (running = undefined));
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
