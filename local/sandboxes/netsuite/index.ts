/**
 * A contract-faithful local NetSuite for tests, benchmarks and `q2c serve --erp netsuite`:
 *
 *   const ns = await startNetSuiteSimulator({ accountId: '1234567', consumer, token, concurrencyLimit: 5 });
 *   new NetSuiteAdapter({ accountId: '1234567', baseUrl: ns.url, … });
 *   ns.stats().maxInFlight; ns.records('invoice'); await ns.stop();
 */
import raw from '../../../config/mapping.json';
import { parseMappingConfig, type MappingConfig } from '../../../lambdas/domain/config';
import type { FaultHandle, FaultSpec } from './faults';
import type { SimRecordType } from './records';
import {
  NetSuiteSimulatorServer,
  type NetSuiteSimulatorOptions,
  type SimRecord,
  type SimulatorStats,
} from './server';

export type { FaultSpec, FaultHandle } from './faults';
export type { SimRecordType } from './records';
export type { SimulatorStats, SimRecord } from './server';

export type StartNetSuiteSimulatorOptions = Omit<NetSuiteSimulatorOptions, 'seed'> & { seed?: MappingConfig };

export interface NetSuiteSimulator {
  /** `http://127.0.0.1:<port>`: the adapter's baseUrl. */
  readonly url: string;
  readonly accountId: string;
  stats(): SimulatorStats;
  injectFault(spec: FaultSpec): FaultHandle;
  clearFaults(): void;
  setLatency(ms: number): void;
  closePeriod(period: string): void;
  openPeriod(period: string): void;
  /** Records written through the API, by REST record type, in internal id order. */
  records(type: SimRecordType): SimRecord[];
  /** Direct SQL over the simulated account (tests; the API only takes SuiteQL SELECTs). */
  sql(query: string, ...params: unknown[]): Record<string, unknown>[];
  stop(): Promise<void>;
}

export async function startNetSuiteSimulator(
  options: StartNetSuiteSimulatorOptions,
): Promise<NetSuiteSimulator> {
  const server = new NetSuiteSimulatorServer({ ...options, seed: options.seed ?? parseMappingConfig(raw) });
  await server.listen();
  return {
    url: server.url,
    accountId: options.accountId,
    stats: () => server.stats(),
    injectFault: (spec) => server.injectFault(spec),
    clearFaults: () => server.clearFaults(),
    setLatency: (ms) => server.setLatency(ms),
    closePeriod: (p) => server.store.setPeriodClosed(p, true),
    openPeriod: (p) => server.store.setPeriodClosed(p, false),
    records: (type) => server.records(type),
    sql: (query, ...params) => server.store.db.prepare(query).all(...params) as Record<string, unknown>[],
    stop: () => server.stop(),
  };
}
