/**
 * Secrets Manager reads of the functions (lambdas/adapters/store/secrets.ts) against the mocked SDK:
 * GetSecretValue once per secret per 5 minutes (the cache Powertools' getSecret gave with maxAge 300),
 * a failed read not cached, an empty value refused, and the local variable used when no ARN is set.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { secretValue } from '../../lambdas/adapters/store/secrets';

const sm = mockClient(SecretsManagerClient);
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:StripeWebhookSigningSecret-AbCdEf';

beforeEach(() => {
  sm.reset();
  jest.useFakeTimers({ now: new Date('2026-12-01T00:00:00Z'), doNotFake: ['nextTick', 'setImmediate'] });
});
afterEach(() => {
  jest.useRealTimers();
  delete process.env.TEST_SECRET_ARN;
  delete process.env.TEST_SECRET_LOCAL;
});

it('reads a secret once per 5 minutes', async () => {
  process.env.TEST_SECRET_ARN = ARN;
  sm.on(GetSecretValueCommand, { SecretId: ARN })
    .resolvesOnce({ SecretString: 'whsec_one' })
    .resolves({ SecretString: 'whsec_two' });
  expect(await secretValue('TEST_SECRET_ARN', 'TEST_SECRET_LOCAL')).toBe('whsec_one');
  jest.advanceTimersByTime(299_000);
  expect(await secretValue('TEST_SECRET_ARN', 'TEST_SECRET_LOCAL')).toBe('whsec_one');
  expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  jest.advanceTimersByTime(2_000);
  expect(await secretValue('TEST_SECRET_ARN', 'TEST_SECRET_LOCAL')).toBe('whsec_two');
  expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
});

it('does not cache a failed read, and refuses a secret without a string value', async () => {
  process.env.TEST_SECRET_ARN = `${ARN}-2`;
  sm.on(GetSecretValueCommand)
    .rejectsOnce(new Error('throttled'))
    .resolvesOnce({})
    .resolves({ SecretString: 'whsec_ok' });
  await expect(secretValue('TEST_SECRET_ARN', 'TEST_SECRET_LOCAL')).rejects.toThrow('throttled');
  await expect(secretValue('TEST_SECRET_ARN', 'TEST_SECRET_LOCAL')).rejects.toThrow(
    'TEST_SECRET_ARN has no string value',
  );
  expect(await secretValue('TEST_SECRET_ARN', 'TEST_SECRET_LOCAL')).toBe('whsec_ok');
  expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(3);
});

it('uses the local variable when no ARN is set, and says which are missing otherwise', async () => {
  process.env.TEST_SECRET_LOCAL = 'whsec_local';
  expect(await secretValue('TEST_SECRET_ARN', 'TEST_SECRET_LOCAL')).toBe('whsec_local');
  delete process.env.TEST_SECRET_LOCAL;
  await expect(secretValue('TEST_SECRET_ARN', 'TEST_SECRET_LOCAL')).rejects.toThrow(
    'neither TEST_SECRET_ARN nor TEST_SECRET_LOCAL is set',
  );
  expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
});
