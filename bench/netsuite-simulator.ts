/**
 * The NetSuite simulator in a process of its own for the throughput benchmark: NetSuite is a remote
 * server, so its work must not share the adapter's event loop (in one process, each side's CPU
 * delays the other's timers and responses, and the benchmark would measure the host, not the
 * adapter). Speaks to the parent over the fork IPC channel: sends `{ url }` once listening, answers
 * `stats` with the simulator's counters and journal entry count, exits on `stop`.
 */
import { startNetSuiteSimulator, type StartNetSuiteSimulatorOptions } from '../local/sandboxes/netsuite';

const options = JSON.parse(process.argv[2] ?? '{}') as StartNetSuiteSimulatorOptions;

void (async () => {
  const ns = await startNetSuiteSimulator(options);
  process.on('message', (message: string) => {
    if (message === 'stats')
      process.send?.({ stats: ns.stats(), journalEntries: ns.records('journalEntry').length });
    if (message === 'stop') void ns.stop().then(() => process.exit(0));
  });
  process.send?.({ url: ns.url });
})();
