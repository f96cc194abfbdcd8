/**
 * Optional AWS WAF for the webhooks (config/deployment.json `waf`): off by default (nothing in the template);
 * enabled, a CloudFront distribution in front of the HTTP API with a CLOUDFRONT-scope web ACL (per-IP rate
 * limit, known bad inputs, optional allow-list), guarded to us-east-1. Both variants pass cdk-nag (synthStack
 * throws on any unacknowledged finding).
 */
import { buildApp } from '../../lib/app';
import { wafSettings } from '../../lib/constructs/webhook-firewall';
import { QuoteToCashStack } from '../../lib/quote-to-cash-stack';
import { type CfnTemplate, resourcesOfType, synthStack, synthTemplate } from './template';

/** CloudFormation rules other than CDK's bootstrap-version check. */
const regionRules = (t: CfnTemplate): Record<string, { Assertions: { Assert: unknown }[] }> =>
  Object.fromEntries(
    Object.entries(
      (t as { Rules?: Record<string, { Assertions: { Assert: unknown }[] }> }).Rules ?? {},
    ).filter(([id]) => id !== 'CheckBootstrapVersion'),
  );

const STRIPE_IPS = ['3.18.12.63/32', '3.130.192.231/32'];

describe('webhook firewall settings', () => {
  test('absent means off; a valid block is read with its default rate', () => {
    expect(wafSettings(undefined)).toBeUndefined();
    expect(wafSettings({ enabled: true })).toEqual({ enabled: true, rateLimitPer5Min: 2000 });
    expect(wafSettings({ enabled: true, rateLimitPer5Min: 500, allowedCidrs: STRIPE_IPS })).toEqual({
      enabled: true,
      rateLimitPer5Min: 500,
      allowedCidrs: STRIPE_IPS,
    });
  });

  test.each([
    [{ enabled: 'yes' }, /enabled must be true or false/],
    [{ enabled: true, rateLimitPer5Min: 5 }, /rateLimitPer5Min/],
    [{ enabled: true, allowedCidrs: [] }, /non-empty/],
    [{ enabled: true, allowedCidrs: ['10.0.0.300/8'] }, /not an IPv4 CIDR/],
    [{ enabled: true, rateLimit: 100 }, /unknown key rateLimit/],
  ])('rejects %j', (raw, message) => {
    expect(() => wafSettings(raw)).toThrow(message);
  });
});

describe('webhook firewall in the template', () => {
  let off: CfnTemplate;
  let on: CfnTemplate;
  beforeAll(() => {
    off = synthTemplate().json;
    on = synthStack({ waf: { enabled: true, rateLimitPer5Min: 500, allowedCidrs: STRIPE_IPS } }).json;
  });

  test('off by default: no distribution, web ACL or region rule', () => {
    expect(Object.keys(resourcesOfType(off, 'AWS::CloudFront::Distribution'))).toHaveLength(0);
    expect(Object.keys(resourcesOfType(off, 'AWS::WAFv2::WebACL'))).toHaveLength(0);
    expect(Object.keys(regionRules(off))).toHaveLength(0);
  });

  test('enabled: CloudFront forwards every method uncached to the HTTP API, with the web ACL attached', () => {
    const [dist] = Object.values(resourcesOfType(on, 'AWS::CloudFront::Distribution'));
    const [aclId] = Object.keys(resourcesOfType(on, 'AWS::WAFv2::WebACL'));
    const config = dist.Properties?.DistributionConfig as {
      WebACLId: unknown;
      DefaultCacheBehavior: Record<string, unknown>;
      Origins: { DomainName: unknown; CustomOriginConfig: unknown }[];
    };
    expect(config.WebACLId).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
    expect(config.DefaultCacheBehavior.AllowedMethods).toEqual(
      expect.arrayContaining(['POST', 'GET', 'OPTIONS', 'PUT', 'PATCH', 'DELETE', 'HEAD']),
    );
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('https-only');
    // Managed CachingDisabled policy; AllViewerExceptHostHeader origin request policy
    expect(config.DefaultCacheBehavior.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad');
    expect(config.DefaultCacheBehavior.OriginRequestPolicyId).toBe('b689b0a8-53d0-40ab-baf2-68738e2966ac');
    const [origin] = config.Origins;
    expect(origin.CustomOriginConfig).toMatchObject({
      OriginProtocolPolicy: 'https-only',
      OriginSSLProtocols: ['TLSv1.2'],
    });
    // the domain of the HTTP API's endpoint
    const [apiId] = Object.keys(resourcesOfType(on, 'AWS::ApiGatewayV2::Api'));
    expect(JSON.stringify(origin.DomainName)).toContain(apiId);
  });

  test('enabled: rate limit per IP, known bad inputs, and with allowedCidrs an allow-list with default block', () => {
    const [acl] = Object.values(resourcesOfType(on, 'AWS::WAFv2::WebACL'));
    const p = acl.Properties as {
      Scope: string;
      DefaultAction: unknown;
      Rules: { Name: string; Statement: unknown }[];
    };
    expect(p.Scope).toBe('CLOUDFRONT');
    expect(p.DefaultAction).toEqual({ Block: {} });
    const rules = p.Rules;
    expect(rules.find((r) => r.Name === 'RateLimitPerSourceIp')?.Statement).toEqual({
      RateBasedStatement: { Limit: 500, AggregateKeyType: 'IP' },
    });
    expect(rules.map((r) => r.Name)).toContain('AWSManagedRulesKnownBadInputsRuleSet');
    const [ipSetId, ipSet] = Object.entries(resourcesOfType(on, 'AWS::WAFv2::IPSet'))[0];
    expect(ipSet.Properties).toMatchObject({ Scope: 'CLOUDFRONT', Addresses: STRIPE_IPS });
    expect(rules.find((r) => r.Name === 'AllowWebhookSenders')).toMatchObject({
      Action: { Allow: {} },
      Statement: { IPSetReferenceStatement: { Arn: { 'Fn::GetAtt': [ipSetId, 'Arn'] } } },
    });
    const open = synthStack({ waf: { enabled: true, rateLimitPer5Min: 2000 } }).json;
    const [openAcl] = Object.values(resourcesOfType(open, 'AWS::WAFv2::WebACL'));
    expect(openAcl.Properties?.DefaultAction).toEqual({ Allow: {} });
    expect(Object.keys(resourcesOfType(open, 'AWS::WAFv2::IPSet'))).toHaveLength(0);
  });

  test('enabled: a region-agnostic stack refuses to deploy outside us-east-1, an explicit other region refuses to synthesize', () => {
    const [rule] = Object.values(regionRules(on));
    expect(JSON.stringify(rule.Assertions)).toContain('us-east-1');
    expect(rule.Assertions[0].Assert).toEqual({ 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] });

    const { app } = buildApp({ bundling: false, cloudFormationValidation: false, nag: false });
    expect(
      () =>
        new QuoteToCashStack(app, 'Frankfurt', {
          env: { account: '123456789012', region: 'eu-central-1' },
          waf: { enabled: true, rateLimitPer5Min: 2000 },
        }),
    ).toThrow(/only be created in us-east-1.*eu-central-1/s);
  });

  test('enabled: the firewall URL is a stack output', () => {
    expect(on.Outputs?.WebhookFirewallUrl).toBeDefined();
    expect(off.Outputs?.WebhookFirewallUrl).toBeUndefined();
  });
});
