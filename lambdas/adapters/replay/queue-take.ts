/**
 * Takes one message off an SQS queue by its id (`q2c exceptions discard`): SQS deletes only by receipt
 * handle, so the queue is scanned — every other message is kept invisible during the scan, so each is
 * seen once, and made visible again at the end. The same code against AWS and the local emulator.
 * `archive` runs before the delete: a message is never lost between the queue and its audit record.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export async function takeMessage(
  sqs: SQSClient,
  queueUrl: string,
  messageId: string,
  archive: (message: Message) => Promise<void>,
  options: { waitTimeSeconds?: number } = {},
): Promise<Message | undefined> {
  const release: string[] = [];
  const seen = new Set<string>();
  let found: Message | undefined;
  let empty = 0;
  try {
    while (!found && empty < 2) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: options.waitTimeSeconds ?? 1,
          VisibilityTimeout: 300,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['SentTimestamp'],
        }),
      );
      const fresh = Messages.filter((m) => m.MessageId && m.ReceiptHandle && !seen.has(m.MessageId));
      if (fresh.length === 0) empty++;
      else empty = 0;
      for (const m of fresh) {
        seen.add(m.MessageId as string);
        if (!found && m.MessageId === messageId) found = m;
        else release.push(m.ReceiptHandle as string);
      }
    }
    if (found) {
      await archive(found);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: found.ReceiptHandle }));
    }
  } catch (err) {
    if (found?.ReceiptHandle) release.push(found.ReceiptHandle);
    throw err;
  } finally {
    for (let i = 0; i < release.length; i += 10) {
      const Entries = release
        .slice(i, i + 10)
        .map((ReceiptHandle, j) => ({ Id: String(j), ReceiptHandle, VisibilityTimeout: 0 }));
      await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries }));
    }
  }
  return found;
}
