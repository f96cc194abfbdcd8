/**
 * cdk-nag AwsSolutions is active on the app, the stack has zero unacknowledged findings, and every
 * acknowledgement is specific: placed on the construct that owns the finding, with a real reason,
 * and still needed (removing it would surface the finding again).
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { buildApp } from '../../lib/app';
import { ACKNOWLEDGEMENTS, NAG_PACKS } from '../../lib/nag';
import { cdkJsonContext, synthStack, synthTemplate, type Synthesized } from './template';

interface Ack {
  path: string;
  id: string;
  reason: string;
  construct: IConstruct;
}

function acknowledgementsIn(root: IConstruct): Ack[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([qualifiedId, reason]) => ({
          path: construct.node.path,
          // aws-cdk-lib records ids as `Annotation::<id>`; cdk-nag strips that prefix when matching.
          id: qualifiedId.replace(/^annotation::/i, ''),
          reason,
          construct,
        })),
      ),
  );
}

let synthesized: Synthesized;
beforeAll(() => {
  synthesized = synthTemplate();
});

describe('cdk-nag AwsSolutions', () => {
  test('the stack synthesizes with the rule pack active and zero unacknowledged findings', () => {
    // synthTemplate() ran Template.fromStack, which throws on any finding; re-check directly,
    // warnings included, so the assertion does not depend on how synthesis reports them.
    const report = new AwsSolutionsChecks().validateScope(synthesized.app);
    expect(report.violations).toEqual([]);
    expect(report.success).toBe(true);
  });

  test('the Serverless pack runs beside it, also with zero unacknowledged findings', () => {
    expect(NAG_PACKS).toContain(ServerlessChecks);
    const report = new ServerlessChecks().validateScope(synthesized.app);
    expect(report.violations).toEqual([]);
    expect(report.success).toBe(true);
  });

  test('negative control (Serverless): a function without a DLQ, tracing or acknowledgement fails synthesis', () => {
    expect(() =>
      synthStack({}, (stack) => {
        new lambda.Function(stack, 'UntracedFunction', {
          runtime: lambda.Runtime.NODEJS_22_X,
          handler: 'index.handler',
          code: lambda.Code.fromInline('exports.handler = async () => 1;'),
        });
      }),
    ).toThrow(/Serverless-LambdaDLQ|Serverless-LambdaTracing/);
  });

  test('every acknowledgement is narrow and carries a specific reason', () => {
    const acks = acknowledgementsIn(synthesized.app);
    expect(acks.length).toBeGreaterThan(0);
    const catalogue = new Set(Object.values(ACKNOWLEDGEMENTS).map((a) => `${a.id}|${a.reason}`));
    for (const ack of acks) {
      expect(ack.id).toMatch(/^(AwsSolutions-[A-Z]+\d+(\[[^\]]+\])?|Serverless-[A-Za-z]+)$/);
      expect(ack.reason.length).toBeGreaterThanOrEqual(80);
      // From the reviewed catalogue in lib/nag.ts, not ad-hoc strings.
      expect(catalogue.has(`${ack.id}|${ack.reason}`)).toBe(true);
      // Never on the App or the whole stack.
      expect(ack.construct instanceof App || Stack.isStack(ack.construct)).toBe(false);
      // IAM5 only per finding (e.g. Resource::*), never the whole rule.
      // …or one key prefix of one named bucket (objects named per run at run time).
      if (ack.id.startsWith('AwsSolutions-IAM5'))
        expect(ack.id).toMatch(/^AwsSolutions-IAM5\[Resource::(\*|<[A-Za-z0-9]+\.Arn>\/[a-z]+\/\*)\]$/);
    }
  });

  test('no stale acknowledgement: each one silences a finding that exists without it', () => {
    const acks = acknowledgementsIn(synthesized.app);
    // Rebuild with acknowledge() disabled and without the plugin, synthesize, then run the pack by hand.
    const spy = jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined);
    let bare: ReturnType<typeof buildApp>;
    try {
      bare = buildApp({
        bundling: false,
        cloudFormationValidation: false,
        nag: false,
        context: cdkJsonContext(),
      });
      bare.app.synth();
    } finally {
      spy.mockRestore();
    }
    const findings = NAG_PACKS.flatMap((Pack) =>
      new Pack()
        .validateScope(bare.app)
        .violations.flatMap((v) =>
          v.violatingResources.map((r) => ({ id: v.ruleName, path: r.constructPath })),
        ),
    );

    // Every finding is covered by an acknowledgement on it or an ancestor...
    for (const finding of findings) {
      const covered = acks.some((a) => a.id === finding.id && `${finding.path}/`.startsWith(`${a.path}/`));
      expect({ finding, covered }).toEqual({ finding, covered: true });
    }
    // ...and every acknowledgement covers at least one finding.
    for (const ack of acks) {
      const used = findings.some((f) => f.id === ack.id && `${f.path}/`.startsWith(`${ack.path}/`));
      expect({ ack: `${ack.path} ${ack.id}`, used }).toEqual({ ack: `${ack.path} ${ack.id}`, used: true });
    }
  });

  test('negative control: an unencrypted queue without TLS enforcement fails synthesis', () => {
    expect(() =>
      synthStack({}, (stack) => {
        new sqs.Queue(stack, 'UnencryptedQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
      }),
    ).toThrow(/AwsSolutions-SQS2[\s\S]*AwsSolutions-SQS4|AwsSolutions-SQS4[\s\S]*AwsSolutions-SQS2/);
  });

  test('negative control: a table without point-in-time recovery fails synthesis', () => {
    expect(() =>
      synthStack({}, (stack) => {
        new dynamodb.Table(stack, 'TableWithoutPitr', {
          partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
          encryption: dynamodb.TableEncryption.AWS_MANAGED,
        });
      }),
    ).toThrow(/AwsSolutions-DDB3/);
  });
});
