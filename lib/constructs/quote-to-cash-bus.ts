import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { markTopology } from './topology-metadata';

export interface QuoteToCashBusProps {
  /** Encrypts the archive: it holds a year of customer invoices and payments. */
  key: kms.IKey;
  /** How long archived events stay replayable. */
  archiveRetention?: Duration;
  /** The stage's bus name (lib/topology.ts stageNames). */
  busName: string;
}

/**
 * The custom EventBridge bus every normalised vendor event lands on, with an archive of every
 * event so `q2c replay` can re-drive a time window after a fix (idempotency makes that safe).
 */
export class QuoteToCashBus extends Construct {
  readonly bus: events.EventBus;
  readonly archive: events.Archive;
  /** How long archived events stay replayable (claim-checked payloads are kept at least as long). */
  readonly archiveRetention: Duration;

  constructor(scope: Construct, id: string, props: QuoteToCashBusProps) {
    super(scope, id);
    this.archiveRetention = props.archiveRetention ?? Duration.days(365);
    this.bus = new events.EventBus(this, 'Bus', { eventBusName: props.busName });
    markTopology(this.bus, 'BUS', props.busName);

    this.archive = new events.Archive(this, 'Archive', {
      sourceEventBus: this.bus,
      description: `Every event published to ${props.busName}, replayable by time window.`,
      // Archives require a pattern; every event on the bus carries this account id, so this matches all.
      eventPattern: { account: [Stack.of(this).account] },
      retention: this.archiveRetention,
      kmsKey: props.key,
    });
  }
}
