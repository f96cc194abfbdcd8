import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge, ACKNOWLEDGEMENTS } from '../nag';
import { QUEUES, type QueueKey } from '../topology';
import { keysOf, markTopology } from './topology-metadata';

export interface ExceptionQueuesProps {
  key: kms.IKey;
  /** Queue names are `<prefix>-<queue id>` (the stack name, so per stage). */
  namePrefix: string;
}

/**
 * The SQS queues of `QUEUES`: the posting-rule dead-letter queue (delivery failures after the
 * rule's retry policy) and the exception queue (classified business/technical posting failures).
 * Both hold events nobody has posted yet, so they keep messages for the SQS maximum of 14 days,
 * are encrypted with the data-protection key and refuse non-TLS requests.
 *
 * A construct of its own because the posting flows, the functions (via `FunctionDef.queues`) and
 * the finance-ops dashboard all consume the same queues.
 */
export class ExceptionQueues extends Construct {
  readonly queues: Record<QueueKey, sqs.Queue>;
  /** Physical names, known at synth: key policies build queue ARNs from them without a reference cycle. */
  readonly queueNames = {} as Record<QueueKey, string>;

  constructor(scope: Construct, id: string, props: ExceptionQueuesProps) {
    super(scope, id);
    const queues = {} as Record<QueueKey, sqs.Queue>;
    for (const key of keysOf(QUEUES)) {
      this.queueNames[key] = `${props.namePrefix}-${QUEUES[key].id}`;
      const queue = new sqs.Queue(this, QUEUES[key].id, {
        queueName: this.queueNames[key],
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: props.key,
        // Cache data keys for 5 minutes: fewer KMS calls (cost, throttling) at the same protection level.
        dataKeyReuse: Duration.minutes(5),
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      markTopology(queue, 'QUEUES', key);
      queues[key] = queue;
    }
    acknowledge(queues.postingDlq, ACKNOWLEDGEMENTS.postingDeadLetterQueue);
    acknowledge(queues.exceptions, ACKNOWLEDGEMENTS.exceptionParkingQueue);
    acknowledge(queues.scheduleDlq, ACKNOWLEDGEMENTS.scheduleDeadLetterQueue);
    acknowledge(queues.salesforceRelayDlq, ACKNOWLEDGEMENTS.salesforceRelayDeadLetterQueue);
    for (const q of ['postingDlq', 'scheduleDlq', 'salesforceRelayDlq'] as const)
      acknowledge(queues[q], ACKNOWLEDGEMENTS.deadLetterQueueRedrive);
    acknowledge(queues.exceptions, ACKNOWLEDGEMENTS.exceptionQueueRedrive);
    this.queues = queues;
  }
}
