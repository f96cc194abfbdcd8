/**
 * GET /ops/health: up, and whether anything needs a person. "degraded" while work is parked (the
 * exception queue or a dead-letter queue holds messages) or executions failed since the runtime started —
 * each reason said in words, so a script can alert on the status and a person can read why.
 */
import type { ExceptionCensus } from '../lambdas/domain/exception-census';

export interface HealthView {
  status: 'ok' | 'degraded';
  reasons: string[];
}

export function pipelineHealth(input: {
  parked: ExceptionCensus;
  deadLetters: { queue: string; depth: number }[];
  executionsFailed: number;
}): HealthView {
  const reasons: string[] = [];
  const parked = Object.entries(input.parked).filter(([, c]) => c.parked > 0);
  const total = parked.reduce((n, [, c]) => n + c.parked, 0);
  if (total > 0)
    reasons.push(
      `${total} exception${total === 1 ? '' : 's'} parked (${parked.map(([k, c]) => `${k} ${c.parked}`).join(', ')})`,
    );
  for (const q of input.deadLetters)
    if (q.depth > 0) reasons.push(`${q.depth} dead letter${q.depth === 1 ? '' : 's'} on ${q.queue}`);
  if (input.executionsFailed > 0)
    reasons.push(
      `${input.executionsFailed} execution${input.executionsFailed === 1 ? '' : 's'} failed since start`,
    );
  return { status: reasons.length ? 'degraded' : 'ok', reasons };
}
