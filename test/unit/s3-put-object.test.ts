/**
 * The claim-check store's own SigV4 PutObject against the AWS SDK's signer (@smithy/signature-v4, what
 * @aws-sdk/client-s3 signs with: service s3, no double path-encoding, signed payload hash): for any key,
 * body, region, time, credentials with or without a session token, and both addressing styles, the
 * Authorization header is the same. And putObject sends exactly the signed request, mapping S3 errors.
 */
import fc from 'fast-check';
import { createHash, createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import { putObject, signPutObject } from '../../lambdas/adapters/store/s3-put-object';
import { asTransientIfRetryable } from '../../lambdas/adapters/store/aws-errors';
import { TransientError } from '../../lambdas/domain/errors';

const toBytes = (d: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof d === 'string'
    ? d
    : d instanceof ArrayBuffer
      ? new Uint8Array(d)
      : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

/** node:crypto as the SDK's Sha256 checksum constructor (hash, or HMAC when given a secret). */
class NodeSha256 {
  private readonly h;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

async function sdkAuthorization(
  signed: { url: string; headers: Record<string, string> },
  region: string,
  creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  now: Date,
  body: Buffer,
) {
  const url = new URL(signed.url);
  const signer = new SignatureV4({
    service: 's3',
    region,
    credentials: creds,
    sha256: NodeSha256,
    uriEscapePath: false,
    applyChecksum: true,
  });
  const { authorization: _a, 'x-amz-date': _d, 'x-amz-security-token': _t, ...unsigned } = signed.headers;
  const request = await signer.sign(
    {
      method: 'PUT',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: {},
      headers: { ...unsigned },
      body,
    },
    { signingDate: now },
  );
  return request.headers.authorization;
}

describe('S3 PutObject signature (SigV4) agrees with the AWS SDK signer', () => {
  it('for any key, body, region, time and credentials, virtual-hosted or path-style', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Dot segments are left out: a URL normalises them away (our keys are payloads/<sha256>.json).
        fc.array(
          fc.stringMatching(/^[A-Za-z0-9._~ !'()*+-]{1,12}$/).filter((s) => s !== '.' && s !== '..'),
          { minLength: 1, maxLength: 3 },
        ),
        fc.uint8Array({ maxLength: 300 }),
        fc.constantFrom('us-east-1', 'eu-west-1', 'ap-southeast-2'),
        fc.date({
          min: new Date('2020-01-01T00:00:00Z'),
          max: new Date('2030-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.option(fc.stringMatching(/^[A-Za-z0-9/+=]{20,40}$/), { nil: undefined }),
        fc.option(fc.constantFrom('http://127.0.0.1:4566', 'http://localhost:9000/base'), { nil: undefined }),
        async (segments, bytes, region, now, sessionToken, endpoint) => {
          const credentials = {
            accessKeyId: 'AKIDEXAMPLE',
            secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
            sessionToken,
          };
          const body = Buffer.from(bytes);
          const input = {
            bucket: 'q2c-claim-checks-123456789012',
            key: segments.join('/'),
            body,
            contentType: 'application/json',
          };
          const signed = signPutObject(input, { region, credentials, endpoint, now });
          expect(signed.headers.authorization).toBe(
            await sdkAuthorization(signed, region, credentials, now, body),
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it('sends the signed PUT with the body; maps a 503 SlowDown to a TransientError and a 403 to its S3 code', async () => {
    const seen: { method?: string; url?: string; headers: Record<string, unknown>; body: string }[] = [];
    let status = 200;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        if (status === 200) return res.writeHead(200).end();
        const code = status === 503 ? 'SlowDown' : 'AccessDenied';
        res
          .writeHead(status, { 'content-type': 'application/xml' })
          .end(
            `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>nope</Message></Error>`,
          );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const env = {
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_S3: endpoint,
    };
    const input = {
      bucket: 'b',
      key: 'payloads/abc.json',
      body: Buffer.from('{"a":1}'),
      contentType: 'application/json',
    };
    try {
      await putObject(input, env);
      expect(seen[0]).toMatchObject({ method: 'PUT', url: '/b/payloads/abc.json', body: '{"a":1}' });
      expect(seen[0].headers['x-amz-content-sha256']).toBe(
        createHash('sha256').update('{"a":1}').digest('hex'),
      );
      expect(String(seen[0].headers.authorization)).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/s3\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
      );
      status = 503;
      const slow = await putObject(input, env).catch((e: unknown) => e);
      expect(asTransientIfRetryable(slow)).toBeInstanceOf(TransientError);
      status = 403;
      const denied = await putObject(input, env).catch((e: unknown) => e);
      expect(denied).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      expect(asTransientIfRetryable(denied)).toBe(denied);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
