/**
 * What `q2c` prints when a command fails: one line a person can act on, never a stack trace. Errors
 * the AWS SDK raises for a missing setup are turned into how to provide it.
 */
const AWS_CREDENTIALS_HELP =
  'no AWS credentials found for --target aws: run `aws configure` (or `aws sso login --profile <name>` ' +
  'and pass AWS_PROFILE=<name>), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY ' +
  '(and AWS_SESSION_TOKEN for temporary credentials)';

const AWS_REGION_HELP =
  'no AWS region for --target aws: pass --region <region> (e.g. --region eu-west-1) or set AWS_REGION';

export function explainError(err: unknown): string {
  const e = err as { name?: string; message?: string };
  const message = e?.message ?? String(err);
  if (e?.name === 'CredentialsProviderError' || /Could not load credentials/i.test(message))
    return AWS_CREDENTIALS_HELP;
  if (/Region is missing/i.test(message)) return AWS_REGION_HELP;
  return message;
}
