/**
 * docs/deploy.md is the first-deploy checklist: what it tells an operator to configure must be what the
 * stack needs — the Stripe event types the rules route, the Stripe key scope the code's calls require,
 * a command for every secret the stack creates.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import {
  handledDetailTypes,
  PROJECT_ROOT,
  type SecretKey,
  SECRETS,
  SOURCES,
  STRIPE_API_VERSION,
  STRIPE_KEY_SCOPE,
  stripeKeyScopeText,
} from '../../lib/topology';
import { resourcesOfType, synthTemplate, topologyResources } from './template';

const doc = readFileSync(path.join(PROJECT_ROOT, 'docs/deploy.md'), 'utf8');
const between = (marker: string): string => {
  const m = new RegExp(`<!-- ${marker} -->([\\s\\S]*?)<!-- /${marker} -->`).exec(doc);
  if (!m) throw new Error(`docs/deploy.md has no <!-- ${marker} --> block`);
  return m[1];
};

/** Stripe SDK resources the functions may call, and the methods that only read. */
const STRIPE_RESOURCES = [
  'customers',
  'subscriptions',
  'subscriptionSchedules',
  'creditNotes',
  'invoices',
  'invoiceItems',
  'charges',
  'refunds',
  'balanceTransactions',
  'payouts',
  'events',
  'prices',
  'products',
  'paymentIntents',
  'taxRates',
  'coupons',
];
const READ_METHODS = new Set(['retrieve', 'list', 'listLineItems', 'search', 'createPreview']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? sourceFiles(file) : file.endsWith('.ts') ? [file] : [];
  });
}

/** Every `.<resource>.<method>(` Stripe call in the deployed code (lambdas/), by resource. */
function stripeCalls(): Map<string, Set<string>> {
  const calls = new Map<string, Set<string>>();
  const re = new RegExp(`\\.(${STRIPE_RESOURCES.join('|')})\\.(\\w+)\\(`, 'g');
  for (const file of sourceFiles(path.join(PROJECT_ROOT, 'lambdas'))) {
    const text = readFileSync(file, 'utf8');
    // Only modules holding a Stripe client (config.products.find(…) is not a Stripe call).
    if (!/from 'stripe'/.test(text)) continue;
    for (const m of text.matchAll(re)) {
      if (!calls.has(m[1])) calls.set(m[1], new Set());
      calls.get(m[1])!.add(m[2]);
    }
  }
  return calls;
}

describe('docs/deploy.md', () => {
  test('lists exactly the Stripe event types the rules route to a flow', () => {
    const listed = [...between('stripe-event-types').matchAll(/^- `([a-z_.]+)`$/gm)].map((m) => m[1]);
    expect(listed.length).toBe(new Set(listed).size);
    expect(new Set(listed)).toEqual(handledDetailTypes(SOURCES.stripe));
  });

  test('names the pinned Stripe API version', () => {
    expect(doc).toContain(`**API version**: \`${STRIPE_API_VERSION}\``);
  });

  test("the Stripe key scope is what the code's Stripe calls need, and the doc, the output and the secret say it", () => {
    const calls = stripeCalls();
    const writes = [...calls]
      .filter(([, methods]) => [...methods].some((m) => !READ_METHODS.has(m)))
      .map(([r]) => r);
    const readsOnly = [...calls].filter(([r]) => !writes.includes(r)).map(([r]) => r);
    // The deal flow writes (creates customers, subscriptions, schedules, credit notes).
    expect(writes).toEqual(expect.arrayContaining(['customers', 'subscriptions', 'subscriptionSchedules']));
    expect(new Set(writes)).toEqual(new Set(STRIPE_KEY_SCOPE.write));
    expect(new Set(readsOnly)).toEqual(new Set(STRIPE_KEY_SCOPE.read));

    expect(between('stripe-key-scope')).toBe(stripeKeyScopeText());
    const { json } = synthTemplate();
    const output = (json.Outputs as Record<string, { Description?: string }>).StripeApiKeyArn;
    expect(output.Description).toContain(stripeKeyScopeText());
    const secrets = Object.values(resourcesOfType(json, 'AWS::SecretsManager::Secret'));
    expect(secrets.some((s) => String(s.Properties?.Description).includes(stripeKeyScopeText()))).toBe(true);
  });

  test('has the exact command for every secret the stack creates (put-secret-value, or get- for generated ones)', () => {
    const { json } = synthTemplate();
    const outputs = Object.entries(json.Outputs as Record<string, { Value: unknown }>);
    expect(Object.keys(resourcesOfType(json, 'AWS::SecretsManager::Secret'))).toHaveLength(5);
    const secrets = Object.entries(topologyResources(json, 'SECRETS')) as [
      SecretKey,
      { logicalId: string },
    ][];
    expect(secrets).toHaveLength(5);
    for (const [key, { logicalId: id }] of secrets) {
      const [outputName] =
        outputs.find(([, o]) => JSON.stringify(o.Value) === JSON.stringify({ Ref: id })) ?? [];
      expect({ id, outputName }).toEqual({ id, outputName: expect.any(String) });
      const verb = SECRETS[key].valueFrom === 'stack' ? 'get-secret-value' : 'put-secret-value';
      expect({
        id,
        command: doc.includes(`aws secretsmanager ${verb} --secret-id "$(out ${outputName})"`),
      }).toEqual({
        id,
        command: true,
      });
    }
  });

  test("is linked from the README's deploy section", () => {
    const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    const deploy = readme.slice(readme.indexOf('## Deploy to AWS'), readme.indexOf('## Salesforce setup'));
    expect(deploy).toContain('(docs/deploy.md)');
  });
});
