/**
 * The cost model: its arithmetic on a tiny hand-made template (expected dollars worked out by hand in the
 * comments, as literals), and on the real synthesized stack that it prices every billed service present.
 */
import {
  costPerMillion,
  runsPerMonth,
  DEFAULT_ASSUMPTIONS,
  serviceOf,
  type CostAssumptions,
  type CostBreakdown,
  type PriceTable,
  type Service,
  type TemplateJson,
  US_EAST_1_PRICES,
  withStateMachineLogLevel,
  withStateMachineType,
  withoutSamplingRules,
  sampledFraction,
  samplingRuleFor,
  XRAY_DEFAULT_RULE,
} from '../../bench/cost';
import { EXPRESS_TRACE_SAMPLING } from '../../lib/constructs/posting-flow';
import { synthStack, synthTemplate } from '../infra/template';

// Round prices so the sums below can be done by hand.
const PRICES: PriceTable = {
  apiGatewayHttpPerMillionRequests: 1,
  apiGatewayHttpMeteringBytes: 512 * 1024,
  lambdaPerMillionRequests: 0.2,
  lambdaGbSecond: { arm64: 0.00001, x86_64: 0.00002 },
  eventBridgeCustomEventsPerMillion: 1,
  eventBridgeChunkBytes: 64 * 1024,
  eventBridgeArchivePerGbProcessed: 0.1,
  eventBridgeArchiveStorageGbMonth: 0.02,
  eventBridgeSchedulerPerMillionInvocations: 1,
  stepFunctionsExpressPerMillionRequests: 1,
  stepFunctionsExpressGbSecond: 0.00001,
  stepFunctionsExpressMemoryChunkMb: 64,
  stepFunctionsExpressRoundingMs: 100,
  stepFunctionsStandardPerThousandTransitions: 0.025,
  dynamoDbOnDemandPerMillionWru: 0.5,
  dynamoDbOnDemandPerMillionRru: 0.1,
  dynamoDbStorageGbMonth: 0.25,
  dynamoDbPitrGbMonth: 0.2,
  sqsStandardPerMillionRequests: 0.4,
  sqsChunkBytes: 64 * 1024,
  cloudWatchLogsIngestPerGb: 0.5,
  cloudWatchLogsStorageGbMonth: 0.03,
  cloudWatchCustomMetricMonth: 0.3,
  cloudWatchAlarmMonth: 0.1,
  cloudWatchDashboardMonth: 3,
  xrayPerMillionTracesRecorded: 5,
  kmsKeyMonth: 1,
  kmsPerMillionRequests: 3,
  secretsManagerSecretMonth: 0.4,
  secretsManagerPerMillionApiCalls: 5,
  s3PutPerThousand: 0.005,
  s3GetPerThousand: 0.0004,
  cloudFrontHttpsPerMillionRequests: 1,
  cloudFrontToOriginPerGb: 0.02,
  wafWebAclMonth: 5,
  wafRuleMonth: 1,
  wafPerMillionRequests: 0.6,
};

const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const topology = (tag: string) => ({ 'q2c:topology': tag });

/**
 * HTTP API `POST /hook` → Ingest (1024 MB arm64, traced, WARN, metrics off) → PutEvents on Bus (archived)
 * → rule {a, b} → Express Flow: Work (Task: Worker) → IsB (Choice on $.b) → [More (Task: Worker)] → Done.
 * Worker: 512 MB x86_64 (no Architectures), INFO, metrics on. A second rule matches nothing in the mix.
 */
const TINY: TemplateJson = {
  Resources: {
    IngestRole: { Type: 'AWS::IAM::Role' },
    IngestPolicy: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        Roles: [{ Ref: 'IngestRole' }],
        PolicyDocument: {
          Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: getAtt('Bus') }],
        },
      },
    },
    Ingest: {
      Type: 'AWS::Lambda::Function',
      Metadata: topology('FUNCTIONS.ingest'),
      Properties: {
        MemorySize: 1024,
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Role: getAtt('IngestRole'),
        Environment: { Variables: { POWERTOOLS_LOG_LEVEL: 'WARN', POWERTOOLS_METRICS_DISABLED: 'true' } },
      },
    },
    Worker: {
      Type: 'AWS::Lambda::Function',
      Metadata: topology('FUNCTIONS.worker'),
      Properties: { MemorySize: 512 },
    },
    Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { ProtocolType: 'HTTP' } },
    Integration: { Type: 'AWS::ApiGatewayV2::Integration', Properties: { IntegrationUri: getAtt('Ingest') } },
    Route: {
      Type: 'AWS::ApiGatewayV2::Route',
      Properties: {
        RouteKey: 'POST /hook',
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'Integration' }]] },
      },
    },
    Stage: { Type: 'AWS::ApiGatewayV2::Stage', Properties: { AccessLogSettings: { Format: '{}' } } },
    Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'tiny' } },
    Archive: { Type: 'AWS::Events::Archive', Properties: { SourceArn: getAtt('Bus') } },
    Rule: {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventBusName: { Ref: 'Bus' },
        EventPattern: { source: ['test'], 'detail-type': ['a', 'b'] },
        Targets: [{ Arn: { Ref: 'Flow' } }],
      },
    },
    OtherRule: {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventBusName: { Ref: 'Bus' },
        EventPattern: { source: ['test'], 'detail-type': ['c'] },
        Targets: [{ Arn: getAtt('Worker') }],
      },
    },
    Flow: {
      Type: 'AWS::StepFunctions::StateMachine',
      Metadata: topology('STATE_MACHINES.flow'),
      Properties: {
        StateMachineType: 'EXPRESS',
        DefinitionString: JSON.stringify({
          StartAt: 'Work',
          States: {
            Work: { Type: 'Task', Resource: '${WorkerArn}', Next: 'IsB' },
            IsB: {
              Type: 'Choice',
              Choices: [{ Variable: '$.b', IsPresent: true, Next: 'More' }],
              Default: 'Done',
            },
            More: { Type: 'Task', Resource: '${WorkerArn}', Next: 'Done' },
            Done: { Type: 'Succeed' },
          },
        }),
        DefinitionSubstitutions: { WorkerArn: getAtt('Worker') },
        LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
      },
    },
    Table: { Type: 'AWS::DynamoDB::Table', Properties: { BillingMode: 'PAY_PER_REQUEST' } },
    Queue: { Type: 'AWS::SQS::Queue' },
  },
};

const ASSUMPTIONS: CostAssumptions = {
  eventSource: 'test',
  webhookRouteKey: 'POST /hook',
  webhookBodyBytes: 1000,
  busEventBytes: 1000,
  eventMix: [
    {
      detailType: 'a',
      share: 0.5,
      happyPathData: {},
      invocations: {
        ingest: { logLines: { INFO: 1, WARN: 1 }, emfBlobs: 1 },
        worker: { writeItemBytes: [1000, 2000], logLines: { DEBUG: 3, INFO: 1 }, emfBlobs: 1 },
      },
    },
    {
      detailType: 'b',
      share: 0.5,
      happyPathData: { b: 1 },
      invocations: { worker: { writeItemBytes: [500], readItemBytes: [5000] } },
    },
  ],
  lambda: {
    defaultDurationMs: 100,
    durationMs: { ingest: 50 },
    coldStartFraction: 0,
    initDurationMs: 0,
    platformLogBytes: 100,
    logLineBytes: 200,
    emfBlobBytes: 100,
  },
  stepFunctions: {
    taskOverheadMs: 10,
    stateOverheadMs: 5,
    expressMemoryMb: 64,
    historyEventBytes: 100,
    executionDataBytes: 1000,
  },
  apiAccessLogBytes: 100,
  parkedFraction: 0.01,
  parkedMessageBytes: 1000,
  // One event a second: Ingest's Active tracing (Lambda's fixed 1/s + 5 %) samples 1 − e⁻¹ + 5 % × e⁻¹.
  eventsPerSecond: 1,
  kmsRequestsPerEvent: 0,
  secretsManagerCallsPerEvent: 0,
  customMetrics: 10,
  dynamoDbRetainedBytesPerEvent: 1000,
  scheduledFlows: {},
};

const dollars = (b: CostBreakdown, service: Service, item: string): number => {
  const found = b.lines.filter((l) => l.service === service && l.item.startsWith(item));
  if (found.length !== 1) throw new Error(`${found.length} lines for ${service} ${item}`);
  return found[0].dollars;
};

describe('costPerMillion on a hand-made template', () => {
  const b = costPerMillion(TINY, PRICES, ASSUMPTIONS);

  it('walks the happy path of each event type through the ASL', () => {
    expect(b.flows.map((f) => [f.detailType, f.states, f.lambdaInvocations, f.historyEvents])).toEqual([
      // execution 2 + Task 5 + Choice 2 + Succeed 2
      ['a', ['Work', 'IsB', 'Done'], ['Worker'], 11],
      ['b', ['Work', 'IsB', 'More', 'Done'], ['Worker', 'Worker'], 16],
    ]);
  });

  it('prices each service by hand', () => {
    // 1M requests × ceil(1000 B / 512 KB) = 1M × $1
    expect(b.byService['API Gateway']).toBeCloseTo(1.0, 9);
    // Ingest: 1M × $0.20/M + 1M × 1 GB × 0.05 s × $0.00001 = 0.20 + 0.50
    // Worker: a → 1 call, b → 2 calls: 1.5M × $0.20/M + 1.5M × 0.5 GB × 0.1 s × $0.00002 (x86) = 0.30 + 1.50
    expect(dollars(b, 'Lambda', 'ingest duration')).toBeCloseTo(0.5, 9);
    expect(dollars(b, 'Lambda', 'worker duration')).toBeCloseTo(1.5, 9);
    expect(b.byService.Lambda).toBeCloseTo(2.5, 9);
    // PutEvents 1M × 1 chunk × $1/M; archive 1e9 B = 0.931322574615479 GiB × $0.10
    expect(b.byService.EventBridge).toBeCloseTo(1.0931322574615479, 9);
    // 1M requests × $1/M; duration a: 100 + 1×10 + 2×5 = 120 → 200 ms, b: 200 + 2×10 + 2×5 = 230 → 300 ms;
    // 0.5M × 0.0625 GB × 0.2 s + 0.5M × 0.0625 GB × 0.3 s = 15,625 GB-s × $0.00001 = 0.15625
    expect(b.byService['Step Functions']).toBeCloseTo(1.15625, 9);
    // a: 1 + 2 WRU; b: 2 calls × (1 WRU + ceil(5000/4096) = 2 RRU) → 1.5M + 1M = 2.5M WRU × $0.5, 2M RRU × $0.1
    expect(b.byService.DynamoDB).toBeCloseTo(1.45, 9);
    // 1M × 1 % parked × (send + receive + delete) = 30,000 × $0.40/M
    expect(b.byService.SQS).toBeCloseTo(0.012, 9);
    // Lambda logs: ingest (WARN, no EMF) a: 100 + 200 = 300, b: 100 → 200e6 B; worker (INFO, EMF) a: 100 + 200
    // + 100 = 400, b: 2 × 100 → 300e6 B. Step Functions ALL, no data: a 11 × 100, b 16 × 100 → 1.35e9 B.
    // Access logs 1M × 100 B. 1.95e9 B = 1.816079020500183 GiB × $0.50
    expect(b.byService.CloudWatch).toBeCloseTo(0.9080395102500916, 9);
    // Ingest is the Active trace root: 1M × (0.6321205588285577 + 0.05 × 0.36787944117144233) × $5/M
    expect(b.byService['X-Ray']).toBeCloseTo(3.2525726545, 9);
    expect(Object.keys(b.byService).sort()).toEqual(
      [
        'API Gateway',
        'CloudWatch',
        'DynamoDB',
        'EventBridge',
        'Lambda',
        'SQS',
        'Step Functions',
        'X-Ray',
      ].sort(),
    );
    expect(b.total).toBeCloseTo(11.37199442221164, 9);
  });

  it('keeps storage and fixed monthly charges out of the per-event total', () => {
    // archive 0.931322574615479 GiB × $0.02 + DynamoDB 0.931322574615479 GiB × $0.25 (no PITR)
    // + logs 1.816079020500183 GiB × $0.03
    expect(b.storagePerMonth).toBeCloseTo(0.3059394657611848, 9);
    // Worker publishes EMF: 10 metrics × $0.30
    expect(b.fixedPerMonth).toBeCloseTo(3.0, 9);
  });

  it('prices a Standard state machine by its state transitions', () => {
    const standard = costPerMillion(withStateMachineType(TINY, 'STANDARD'), PRICES, ASSUMPTIONS);
    // 0.5M × 3 + 0.5M × 4 = 3.5M transitions = 3,500 k × $0.025
    expect(standard.byService['Step Functions']).toBeCloseTo(87.5, 9);
  });

  it('ships execution data and honours the log level of state machines', () => {
    const withData = costPerMillion(
      {
        ...TINY,
        Resources: {
          ...TINY.Resources,
          Flow: {
            ...TINY.Resources.Flow,
            Properties: {
              ...TINY.Resources.Flow.Properties,
              LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
            },
          },
        },
      },
      PRICES,
      ASSUMPTIONS,
    );
    // + data events: a: 2 + 4 + 2 + 2 = 10, b: 2 + 4 + 2 + 4 + 2 = 14 → 0.5M × (10 + 14) × 1000 B = 12e9 B
    // = 11.175870895385742 GiB × $0.50
    expect(withData.byService.CloudWatch! - b.byService.CloudWatch!).toBeCloseTo(5.587935447692871, 9);
    const quiet = costPerMillion(withStateMachineLogLevel(TINY, 'ERROR'), PRICES, ASSUMPTIONS);
    // no history on the happy path: minus 1.35e9 B = 1.257285475730896 GiB × $0.50
    expect(b.byService.CloudWatch! - quiet.byService.CloudWatch!).toBeCloseTo(0.628642737865448, 9);
  });

  it('refuses what it cannot price instead of leaving it out', () => {
    expect(() => serviceOf('AWS::EC2::Instance')).toThrow(/no pricing/);
    const provisioned = {
      Resources: { ...TINY.Resources, Table: { Type: 'AWS::DynamoDB::Table', Properties: {} } },
    };
    expect(() => costPerMillion(provisioned, PRICES, ASSUMPTIONS)).toThrow(/provisioned/);
    const badMix = { ...ASSUMPTIONS, eventMix: [{ ...ASSUMPTIONS.eventMix[0], share: 0.7 }] };
    expect(() => costPerMillion(TINY, PRICES, badMix)).toThrow(/shares/);
  });
});

describe('scheduled flows', () => {
  it('counts the runs of a schedule expression in a 30-day month', () => {
    expect(runsPerMonth('cron(0 3 1 * ? *)')).toBe(1);
    expect(runsPerMonth('rate(1 hour)')).toBe(720);
    expect(runsPerMonth('cron(0/15 * * * ? *)')).toBe(2880);
    // November 2026 starts on a Sunday: 21 weekdays
    expect(runsPerMonth('cron(0 9 ? * MON-FRI *)')).toBe(21);
    expect(runsPerMonth('at(2026-12-01T00:00:00)')).toBe(0);
    // L: the last day of the month (November 2026 has 30 days)
    expect(runsPerMonth('cron(0 20 L * ? *)')).toBe(1);
    expect(() => runsPerMonth('cron(0 9 LW * ? *)')).toThrow(/unsupported/);
  });

  it('charges a scheduled run monthly and the work it does per event by hand', () => {
    // cron on the 1st → 1 run: Plan (Task) → Fan (Map, 3 items of Shard: Task) → Done = 6 transitions, 4 calls.
    const template: TemplateJson = {
      Resources: {
        ...TINY.Resources,
        Close: {
          Type: 'AWS::StepFunctions::StateMachine',
          Metadata: topology('STATE_MACHINES.close'),
          Properties: {
            StateMachineType: 'STANDARD',
            DefinitionString: JSON.stringify({
              StartAt: 'Plan',
              States: {
                Plan: { Type: 'Task', Resource: '${WorkerArn}', Next: 'Fan' },
                Fan: {
                  Type: 'Map',
                  ItemProcessor: {
                    StartAt: 'Shard',
                    States: { Shard: { Type: 'Task', Resource: '${WorkerArn}', End: true } },
                  },
                  Next: 'Done',
                },
                Done: { Type: 'Succeed' },
              },
            }),
            DefinitionSubstitutions: { WorkerArn: getAtt('Worker') },
          },
        },
        CloseSchedule: {
          Type: 'AWS::Scheduler::Schedule',
          Properties: { ScheduleExpression: 'cron(0 3 1 * ? *)', Target: { Arn: { Ref: 'Close' } } },
        },
      },
    };
    const assumptions: CostAssumptions = {
      ...ASSUMPTIONS,
      scheduledFlows: {
        close: {
          happyPathData: {},
          mapItems: { Fan: 3 },
          workPerEvent: {
            worker: {
              itemsPerEvent: 0.5,
              msPerItem: 10,
              writeItemBytes: [1000],
              readItemBytes: [100],
              logLines: { INFO: 1 },
            },
          },
        },
      },
    };
    const b = costPerMillion(template, PRICES, assumptions);
    expect(
      b.scheduled.map((f) => [f.states, f.transitions, f.lambdaInvocations.length, f.runsPerMonth]),
    ).toEqual([[['Plan', 'Fan', 'Shard', 'Shard', 'Shard', 'Done'], 6, 4, 1]]);
    // Fixed: 1 Scheduler invocation × $1/M + 6 transitions × $0.025/k + 4 Lambda requests × $0.20/M
    // + (as before) 10 custom metrics × $0.30 = 0.000001 + 0.00015 + 0.0000008 + 3
    expect(b.fixedPerMonth).toBeCloseTo(3.0001518, 9);
    // Per event: 0.5M items × 0.5 GB × 0.01 s × $0.00002 = 0.05; 0.5M WRU × $0.5/M = 0.25; 0.5M RRU × $0.1/M
    // = 0.05; 0.5M × 200 B of INFO lines = 0.09313225746154785 GiB × $0.5 = 0.046566128730773926
    expect(b.total - 11.37199442221164).toBeCloseTo(0.3965661287307739, 9);
    // a schedule without an assumption is an error, not a silent zero
    expect(() => costPerMillion(template, PRICES, ASSUMPTIONS)).toThrow(/scheduledFlows/);
  });
});

describe('costPerMillion on the synthesized stack', () => {
  const { json } = synthTemplate();
  const template = json as TemplateJson;
  const b = costPerMillion(template, US_EAST_1_PRICES, DEFAULT_ASSUMPTIONS);

  it('has a line for every billed service present in the template, and X-Ray for the traced path', () => {
    const present = new Set(Object.values(template.Resources).map((r) => serviceOf(r.Type)));
    present.delete(null);
    for (const service of present) expect(b.byService).toHaveProperty([service as string]);
    expect(b.byService['X-Ray']).toBeGreaterThan(0);
    for (const [service, usd] of Object.entries(b.byService)) {
      expect({ service, usd: Number.isFinite(usd) && usd >= 0 }).toEqual({ service, usd: true });
    }
  });

  it('routes both invoice event types to a state machine and prices every function they invoke', () => {
    const routed = new Set(b.flows.map((f) => f.detailType));
    for (const e of DEFAULT_ASSUMPTIONS.eventMix) expect(routed).toContain(e.detailType);
    const invoked = new Set(b.flows.flatMap((f) => f.lambdaInvocations));
    const functionKeys = Object.entries(template.Resources)
      .filter(([id]) => invoked.has(id))
      .map(([, r]) => String(r.Metadata?.['q2c:topology']).split('.')[1]);
    for (const key of functionKeys) {
      expect(b.lines.some((l) => l.service === 'Lambda' && l.item.startsWith(`${key} duration`))).toBe(true);
    }
    expect(b.total).toBeGreaterThan(0);
  });

  it("ships no platform lines: every function logs JSON at system level WARN, and INFO would cost each invocation's", () => {
    const fns = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(fns.length).toBeGreaterThan(10);
    for (const fn of fns)
      expect(fn.Properties?.LoggingConfig).toMatchObject({ LogFormat: 'JSON', SystemLogLevel: 'WARN' });
    const info = JSON.parse(JSON.stringify(template)) as TemplateJson;
    for (const r of Object.values(info.Resources))
      if (r.Type === 'AWS::Lambda::Function')
        (r.Properties?.LoggingConfig as Record<string, unknown>).SystemLogLevel = 'INFO';
    const withPlatform = costPerMillion(info, US_EAST_1_PRICES, DEFAULT_ASSUMPTIONS);
    // Per event: ingest + map + post, + apply for the paid half = 3.5 invocations × 450 B, ingested at $0.50/GiB.
    const invocations = 3.5e6;
    const gib = (invocations * DEFAULT_ASSUMPTIONS.lambda.platformLogBytes) / 2 ** 30;
    expect((withPlatform.byService.CloudWatch ?? 0) - (b.byService.CloudWatch ?? 0)).toBeCloseTo(
      gib * 0.5,
      6,
    );
  });

  it('the daily reconciliation reads one day (one billing task, no ERP segment); the pre-close run the month', () => {
    const daily = b.scheduled.find((f) => f.detailType === 'schedule dailyReconciliation');
    const preClose = b.scheduled.find((f) => f.detailType === 'schedule preCloseReconciliation');
    const key = (id: string) => String(template.Resources[id].Metadata?.['q2c:topology']).split('.')[1];
    const count = (f: typeof daily, fn: string) => f?.lambdaInvocations.filter((id) => key(id) === fn).length;
    expect(daily?.runsPerMonth).toBe(30);
    expect(count(daily, 'extractBillingFacts')).toBe(1);
    expect(count(daily, 'extractErpFacts')).toBe(0);
    expect(count(daily, 'reconcileShard')).toBe(64);
    expect(preClose?.runsPerMonth).toBe(1);
    expect(count(preClose, 'extractBillingFacts')).toBe(65);
    expect(count(preClose, 'extractErpFacts')).toBe(16);
  });
});

describe('X-Ray traces derived from the template', () => {
  it('samples a Poisson stream through a rule reservoir by hand', () => {
    // λ = 1: E[min(N, 1)] = 1 − e⁻¹; plus 5 % of the remaining e⁻¹
    expect(sampledFraction(XRAY_DEFAULT_RULE, 1)).toBeCloseTo(0.6505145308871298, 12);
    // λ = 0.5, R = 2: E[min(N, 2)] = 2 − 2·e^-0.5 − 1·0.5·e^-0.5 = 0.4836734; no fixed rate → / 0.5
    expect(sampledFraction({ name: 'r', reservoirSize: 2, fixedRate: 0 }, 0.5)).toBeCloseTo(0.9673467, 6);
    expect(sampledFraction({ name: 'r', reservoirSize: 0, fixedRate: 0.05 }, 123)).toBeCloseTo(0.05, 12);
  });

  it('takes the root from an untraced ingest to the state machine and its matching rule', () => {
    const flowRule = {
      Type: 'AWS::XRay::SamplingRule',
      Properties: {
        SamplingRule: {
          RuleName: 'flow',
          ServiceName: { 'Fn::GetAtt': ['Flow', 'Name'] },
          ServiceType: 'AWS::StepFunctions::StateMachine',
          Host: '*',
          HTTPMethod: '*',
          URLPath: '*',
          ResourceARN: '*',
          Priority: 10,
          FixedRate: 0.1,
          ReservoirSize: 0,
        },
      },
    };
    const otherMachine = {
      ...flowRule,
      Properties: {
        SamplingRule: {
          ...flowRule.Properties.SamplingRule,
          RuleName: 'other',
          Priority: 1,
          ServiceName: { 'Fn::GetAtt': ['Elsewhere', 'Name'] },
          FixedRate: 0,
        },
      },
    };
    const passThrough = (t: TemplateJson): TemplateJson => ({
      Resources: {
        ...t.Resources,
        Ingest: {
          ...t.Resources.Ingest,
          Properties: { ...t.Resources.Ingest.Properties, TracingConfig: { Mode: 'PassThrough' } },
        },
        Flow: {
          ...t.Resources.Flow,
          Properties: { ...t.Resources.Flow.Properties, TracingConfiguration: { Enabled: true } },
        },
      },
    });
    const sampled = passThrough({
      Resources: { ...TINY.Resources, FlowRule: flowRule, OtherRule2: otherMachine },
    });
    expect(samplingRuleFor(sampled, 'Flow').name).toBe('flow');
    // 1M × 10 % × $5/M
    expect(costPerMillion(sampled, PRICES, ASSUMPTIONS).byService['X-Ray']).toBeCloseTo(0.5, 9);
    // without the rule, X-Ray's default rule: the state machine sees 1 execution/s → 0.6505145308871298
    const unsampled = withoutSamplingRules(sampled);
    expect(samplingRuleFor(unsampled, 'Flow')).toBe(XRAY_DEFAULT_RULE);
    expect(costPerMillion(unsampled, PRICES, ASSUMPTIONS).byService['X-Ray']).toBeCloseTo(3.2525726545, 9);
    // nothing traced at all: no X-Ray line
    const untraced = passThrough(TINY);
    untraced.Resources.Flow.Properties!.TracingConfiguration = { Enabled: false };
    expect(costPerMillion(untraced, PRICES, ASSUMPTIONS).byService['X-Ray']).toBeUndefined();
  });

  it('the synthesized stack samples the per-event state machine by its rule, and costs more without it', () => {
    const template = synthTemplate().json as TemplateJson;
    const b = costPerMillion(template, US_EAST_1_PRICES, DEFAULT_ASSUMPTIONS);
    const xray = b.lines.find((l) => l.service === 'X-Ray')!;
    expect(xray.quantity).toBeCloseTo(EXPRESS_TRACE_SAMPLING.fixedRate, 9);
    const without = costPerMillion(withoutSamplingRules(template), US_EAST_1_PRICES, DEFAULT_ASSUMPTIONS);
    // ~0.39 events/s through the default 1/s + 5 %: most events traced
    expect(without.lines.find((l) => l.service === 'X-Ray')!.quantity).toBeGreaterThan(0.8);
    expect(without.total - b.total).toBeGreaterThan(3.5);
  });
});

describe('the optional WAF', () => {
  it('prices CloudFront and WAF per request and the web ACL and its rules monthly', () => {
    const withWaf: TemplateJson = {
      Resources: {
        ...TINY.Resources,
        Distribution: { Type: 'AWS::CloudFront::Distribution', Properties: {} },
        Acl: { Type: 'AWS::WAFv2::WebACL', Properties: { Rules: [{}, {}, {}] } },
      },
    };
    const b = costPerMillion(TINY, PRICES, ASSUMPTIONS);
    const w = costPerMillion(withWaf, PRICES, ASSUMPTIONS);
    // 1M × $1/M + 1M × 1000 B = 0.931322574615479 GiB × $0.02 to the origin; WAF 1M × $0.60/M
    expect(w.byService.CloudFront).toBeCloseTo(1.01862645149231, 9);
    expect(w.byService.WAF).toBeCloseTo(0.6, 9);
    expect(w.total - b.total).toBeCloseTo(1.61862645149231, 9);
    // $5 web ACL + 3 rules × $1
    expect(w.fixedPerMonth - b.fixedPerMonth).toBeCloseTo(8, 9);
  });

  it('prices the synthesized enabled variant', () => {
    const on = synthStack({ waf: { enabled: true, rateLimitPer5Min: 2000 } }).json as TemplateJson;
    const b = costPerMillion(on, US_EAST_1_PRICES, DEFAULT_ASSUMPTIONS);
    expect(b.byService.WAF).toBeCloseTo(0.6, 9);
    expect(b.byService.CloudFront).toBeGreaterThan(1);
  });
});
