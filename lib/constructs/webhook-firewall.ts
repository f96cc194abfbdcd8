import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Aws, CfnRule, Fn, Stack, Token } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { acknowledge } from '../nag';
import { PROJECT_ROOT } from '../topology';

/**
 * config/deployment.json `waf` (absent or `enabled: false`: no firewall). API Gateway HTTP APIs cannot be
 * associated with AWS WAF (only REST APIs, CloudFront, ALB, AppSync, Cognito, App Runner, Verified Access), so
 * the firewall is a CloudFront distribution in front of the HTTP API with a WAFv2 web ACL of CLOUDFRONT scope.
 */
export interface WafSettings {
  enabled: boolean;
  /** Requests per source IP per 5 minutes before WAF blocks it (AWS WAF minimum: 10). */
  rateLimitPer5Min: number;
  /**
   * When given, only these IPv4 CIDRs reach the webhooks (e.g. Stripe's published webhook IPs and Salesforce's
   * IP ranges); everything else is blocked.
   */
  allowedCidrs?: string[];
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Validates the `waf` block of config/deployment.json; `undefined` when absent. */
export function wafSettings(raw: unknown): WafSettings | undefined {
  if (raw === undefined) return undefined;
  const fail = (why: string): never => {
    throw new Error(`config/deployment.json waf: ${why}`);
  };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail('must be an object');
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!['enabled', 'rateLimitPer5Min', 'allowedCidrs', '$comment'].includes(k)) fail(`unknown key ${k}`);
  }
  if (typeof o.enabled !== 'boolean') fail('enabled must be true or false');
  const rate = o.rateLimitPer5Min ?? 2000;
  if (typeof rate !== 'number' || !Number.isInteger(rate) || rate < 10 || rate > 2_000_000_000) {
    fail('rateLimitPer5Min must be an integer from 10 to 2,000,000,000 (AWS WAF rate-based rule limits)');
  }
  let allowedCidrs: string[] | undefined;
  if (o.allowedCidrs !== undefined) {
    if (!Array.isArray(o.allowedCidrs) || o.allowedCidrs.length === 0) {
      fail('allowedCidrs must be a non-empty array of IPv4 CIDRs (omit it to allow every source)');
    }
    allowedCidrs = (o.allowedCidrs as unknown[]).map((c) => {
      const m = typeof c === 'string' ? CIDR.exec(c) : null;
      if (!m || m.slice(1, 5).some((n) => Number(n) > 255) || Number(m[5]) > 32) {
        return fail(`allowedCidrs: ${JSON.stringify(c)} is not an IPv4 CIDR such as 3.18.12.63/32`);
      }
      return c as string;
    });
  }
  return { enabled: o.enabled as boolean, rateLimitPer5Min: rate as number, allowedCidrs };
}

/** The `waf` block of config/deployment.json (CDK only: the local runtime has no edge). */
export const DEPLOYMENT_WAF: WafSettings | undefined = wafSettings(
  (
    JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'config/deployment.json'), 'utf8')) as {
      waf?: unknown;
    }
  ).waf,
);

export interface WebhookFirewallProps {
  api: apigwv2.IHttpApi;
  settings: WafSettings;
}

/**
 * CloudFront (no caching, every method, all viewer headers but Host forwarded, so signatures verify exactly as
 * before) in front of the HTTP API, with a web ACL: a per-IP rate-based rule, AWS's known-bad-inputs managed
 * rules, and — with `allowedCidrs` — an allow-list (default action block).
 *
 * A CLOUDFRONT-scope web ACL can only be created in us-east-1: synthesis fails for another explicit region, and
 * an environment-agnostic stack carries a CloudFormation rule that stops the deployment before it starts
 * outside us-east-1. The execute-api URL stays reachable directly; the webhooks keep authenticating every
 * request by signature, and vendors are pointed at the CloudFront URL (stack output).
 */
export class WebhookFirewall extends Construct {
  readonly distribution: cloudfront.Distribution;
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: WebhookFirewallProps) {
    super(scope, id);
    const { api, settings } = props;
    const region = Stack.of(this).region;
    if (!Token.isUnresolved(region) && region !== 'us-east-1') {
      throw new Error(
        `waf.enabled: a CloudFront web ACL (WAFv2 scope CLOUDFRONT) can only be created in us-east-1, and this ` +
          `stack deploys to ${region}. Deploy the stack to us-east-1, or create the web ACL in a us-east-1 stack ` +
          `and associate it with this distribution, or set waf.enabled to false.`,
      );
    }
    if (Token.isUnresolved(region)) {
      new CfnRule(this, 'WebAclRegion', {
        assertions: [
          {
            assert: Fn.conditionEquals(Aws.REGION, 'us-east-1'),
            assertDescription:
              'waf.enabled: a CloudFront web ACL (WAFv2 scope CLOUDFRONT) can only be created in us-east-1. ' +
              'Deploy to us-east-1 or set waf.enabled to false in config/deployment.json.',
          },
        ],
      });
    }

    const visibility = (name: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: name,
    });
    const rules: wafv2.CfnWebACL.RuleProperty[] = [
      {
        name: 'RateLimitPerSourceIp',
        priority: 0,
        action: { block: {} },
        statement: { rateBasedStatement: { limit: settings.rateLimitPer5Min, aggregateKeyType: 'IP' } },
        visibilityConfig: visibility('WebhookRateLimit'),
      },
      {
        name: 'AWSManagedRulesKnownBadInputsRuleSet',
        priority: 1,
        overrideAction: { none: {} },
        statement: {
          managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesKnownBadInputsRuleSet' },
        },
        visibilityConfig: visibility('WebhookKnownBadInputs'),
      },
    ];
    if (settings.allowedCidrs) {
      const allowed = new wafv2.CfnIPSet(this, 'AllowedSources', {
        scope: 'CLOUDFRONT',
        ipAddressVersion: 'IPV4',
        addresses: settings.allowedCidrs,
        description: 'Webhook senders allowed through (config/deployment.json waf.allowedCidrs).',
      });
      rules.push({
        name: 'AllowWebhookSenders',
        priority: 2,
        action: { allow: {} },
        statement: { ipSetReferenceStatement: { arn: allowed.attrArn } },
        visibilityConfig: visibility('WebhookAllowedSources'),
      });
    }
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      description: 'Quote-to-cash webhooks: per-IP rate limit, known bad inputs, optional source allow-list.',
      defaultAction: settings.allowedCidrs ? { block: {} } : { allow: {} },
      rules,
      visibilityConfig: visibility('WebhookFirewall'),
    });

    // https://<api id>.execute-api.<region>.amazonaws.com, the HTTP API's $default stage.
    const apiDomain = Fn.select(2, Fn.split('/', api.apiEndpoint));
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Quote-to-cash webhooks behind AWS WAF',
      webAclId: this.webAcl.attrArn,
      defaultBehavior: {
        origin: new origins.HttpOrigin(apiDomain, {
          protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
          originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        // The origin must see its own Host; everything else (signature headers, content type) passes through.
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      },
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
    });
    acknowledge(this.distribution, {
      id: 'AwsSolutions-CFR1',
      reason:
        'No geo restriction: Stripe and Salesforce send webhooks from their own, worldwide IP ranges; use ' +
        'waf.allowedCidrs to restrict sources precisely instead of by country.',
    });
    acknowledge(this.distribution, {
      id: 'AwsSolutions-CFR3',
      reason:
        'No CloudFront access logs: every request reaching the webhooks is already in the HTTP API access log ' +
        '(KMS-encrypted, one year) and WAF keeps sampled requests and per-rule metrics of the blocked ones.',
    });
    acknowledge(this.distribution, {
      id: 'AwsSolutions-CFR4',
      reason:
        'The default *.cloudfront.net certificate: CloudFront then allows TLSv1 for viewers whatever the ' +
        'security policy; vendors connect with TLS 1.2+. Attach a custom domain and ACM certificate to enforce ' +
        'TLSv1.2_2021.',
    });
  }

  get url(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }
}
