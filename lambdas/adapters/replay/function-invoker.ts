/**
 * Re-invokes a deployed function with a parked event, with the real Lambda client: how `q2c replay
 * --from dlq` re-drives a partner-bus rule's dead letters (a partner event bus takes no PutEvents from
 * us, so the event goes back to the function the rule targets, which normalises it onto our bus).
 *
 * Synchronous (RequestResponse): the caller deletes the dead letter only once this resolves, i.e. the
 * function ran to the end without a function error. Kept apart from queue-redrive.ts so the functions
 * that bundle the redrive core (the outage drain) do not carry the Lambda client.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';

export function lambdaInvoker(
  client: LambdaClient,
  functionName: string,
): (payload: unknown) => Promise<void> {
  return async (payload) => {
    const out = await client.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: Buffer.from(JSON.stringify(payload)),
      }),
    );
    if (out.FunctionError) {
      const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
      let message = text;
      try {
        const error = JSON.parse(text) as { errorType?: string; errorMessage?: string };
        message = [error.errorType, error.errorMessage].filter(Boolean).join(': ') || text;
      } catch {
        // not JSON: keep the raw payload text
      }
      throw new Error(`${functionName} failed (${out.FunctionError}): ${message}`.trim());
    }
    if (out.StatusCode !== undefined && out.StatusCode !== 200)
      throw new Error(`${functionName} invocation answered status ${out.StatusCode}`);
  };
}
