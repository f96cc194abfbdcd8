/**
 * A port already taken is found before anything is written: `q2c serve` would otherwise seed the data
 * dir (DynamoDB, queues, sandboxes) and take its lock, then fail at the last step, listen.
 */
import { createServer } from 'node:net';

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
}

export async function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return; // any free port
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new PortInUseError(
              `port ${port} on ${host} is in use (another q2c serve?): pass --port <free port>, or --port 0 for any free port`,
            )
          : err,
      ),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
