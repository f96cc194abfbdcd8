/** PlanClose task: which period to close ('previous' = the month before now) and its release shards. */
import * as z from 'zod';
import { CLOSE_SHARDS } from '../../lib/topology';
import { BusinessError } from '../domain/errors';
import { isPeriod, periodHasEnded, periodOf } from '../domain/revenue/periods';
import { closeNowMs } from './commons/clock';
import { logger } from './commons/powertools';

const Input = z.object({ period: z.string().default('previous') });

export interface ClosePlan {
  period: string;
  shards: number[];
}

export const handler = async (event: unknown): Promise<ClosePlan> => {
  const { period: requested } = Input.parse(event ?? {});
  const period = requested === 'previous' ? previousPeriod(new Date()) : requested;
  if (!isPeriod(period))
    throw new BusinessError('invalid_period', `period must be YYYY-MM or "previous", got ${requested}`);
  // Releasing a month's revenue before the month is over would recognise revenue not yet earned.
  if (!periodHasEnded(period, closeNowMs()))
    throw new BusinessError(
      'period_not_ended',
      `${period} has not ended yet: close it once its last day is over`,
    );
  logger.info('month-end close planned', { period });
  return { period, shards: Array.from({ length: CLOSE_SHARDS }, (_, i) => i) };
};

function previousPeriod(now: Date): string {
  const firstOfMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  return periodOf(new Date(firstOfMonth - 1).toISOString());
}
