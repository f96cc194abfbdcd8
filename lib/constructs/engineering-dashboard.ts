import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { commonEnvironment, METRICS_NAMESPACE, stageNames } from '../topology';

/** The default stage's dashboard name. */
export const ENGINEERING_DASHBOARD_NAME = stageNames().engineeringDashboardName;

export interface EngineeringDashboardProps {
  /** The stage's dashboard name (default: the default stage's). */
  dashboardName?: string;
  functions: lambda.IFunction[];
  stateMachines: sfn.IStateMachine[];
  deadLetterQueues: sqs.IQueue[];
  api: apigwv2.IHttpApi;
}

/**
 * What the on-call engineer watches, next to the finance view: Lambda errors, throttles and duration,
 * state machine failures and timeouts, dead letters, API 4xx/5xx and the ERP's rate limiting (429s the
 * adapters absorbed — rising counts mean the ERP concurrency budget is too small for the volume).
 */
export class EngineeringDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: EngineeringDashboardProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    const sum = { period, statistic: cloudwatch.Stats.SUM };
    const perFunction = (metric: (fn: lambda.IFunction) => cloudwatch.IMetric) => props.functions.map(metric);

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? ENGINEERING_DASHBOARD_NAME,
      defaultInterval: Duration.hours(6),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Lambda errors',
        left: perFunction((fn) => fn.metricErrors(sum)),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Lambda throttles',
        left: perFunction((fn) => fn.metricThrottles(sum)),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Lambda duration p95 (ms)',
        left: perFunction((fn) => fn.metricDuration({ period, statistic: cloudwatch.Stats.p(95) })),
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'State machine executions failed / timed out',
        left: props.stateMachines.flatMap((sm) => [sm.metricFailed(sum), sm.metricTimedOut(sum)]),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queue depth',
        left: props.deadLetterQueues.map((q) =>
          q.metricApproximateNumberOfMessagesVisible({ period, statistic: cloudwatch.Stats.MAXIMUM }),
        ),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Webhook API 4xx / 5xx',
        left: [
          new cloudwatch.Metric({
            namespace: 'AWS/ApiGateway',
            metricName: '4xx',
            dimensionsMap: { ApiId: props.api.apiId },
            ...sum,
            label: '4xx',
          }),
          new cloudwatch.Metric({
            namespace: 'AWS/ApiGateway',
            metricName: '5xx',
            dimensionsMap: { ApiId: props.api.apiId },
            ...sum,
            label: '5xx',
          }),
        ],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'ERP rate limiting (429s absorbed; rate-limited work re-driven at a pace)',
        left: [
          new cloudwatch.Metric({
            namespace: METRICS_NAMESPACE,
            metricName: 'ErpThrottled',
            dimensionsMap: { service: commonEnvironment().POWERTOOLS_SERVICE_NAME },
            ...sum,
            label: 'ERP 429s',
          }),
        ],
        // Work a 429 storm outlived every retry for, parked as rate-limited, re-driven by the drain at a pace.
        right: [
          new cloudwatch.Metric({
            namespace: METRICS_NAMESPACE,
            metricName: 'RateLimitedRedriven',
            dimensionsMap: { service: commonEnvironment().POWERTOOLS_SERVICE_NAME },
            ...sum,
            label: 'rate-limited work re-driven (paced)',
          }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Dependency circuit breakers opened',
        left: [
          new cloudwatch.MathExpression({
            expression: `SEARCH('{${METRICS_NAMESPACE},dependency,service} MetricName="CircuitOpened"', 'Sum', 300)`,
            label: '',
            period,
          }),
        ],
        width: 12,
      }),
    );
  }
}
