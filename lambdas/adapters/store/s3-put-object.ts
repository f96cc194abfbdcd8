/**
 * S3 PutObject as one Signature Version 4 signed HTTP PUT (docs.aws.amazon.com/AmazonS3/latest/API/
 * sig-v4-header-based-auth.html), for the webhook ingest's claim-check store. Why not @aws-sdk/client-s3:
 * its whole S3 model, XML protocol, flexible checksums and event streams (~150 KB) would sit in the ingest
 * bundle, on the webhook's cold-start path, for a call made only for the rare event too large for the
 * bus. The flows keep the SDK client for reading payloads back. Credentials come from the environment,
 * as Lambda provides them (and the local runtime sets them); the payload's SHA-256 is signed.
 */
import { createHash, createHmac } from 'node:crypto';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface PutObjectInput {
  bucket: string;
  key: string;
  body: Buffer;
  contentType: string;
}

export interface SigningContext {
  region: string;
  credentials: AwsCredentials;
  /** A custom endpoint (AWS_ENDPOINT_URL_S3, e.g. the local emulator): path-style addressing. */
  endpoint?: string;
  now: Date;
}

/** RFC 3986 encoding of one path segment, as SigV4 canonicalises S3 keys ('/' separates segments). */
const encodeSegment = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const hmac = (key: Buffer | string, data: string): Buffer =>
  createHmac('sha256', key).update(data, 'utf8').digest();
const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** The signed request: URL and headers (host included) for a PUT of `input.body`. */
export function signPutObject(
  input: PutObjectInput,
  ctx: SigningContext,
): { url: string; headers: Record<string, string> } {
  const base = ctx.endpoint
    ? new URL(ctx.endpoint)
    : new URL(`https://${input.bucket}.s3.${ctx.region}.amazonaws.com`);
  const keyPath = input.key.split('/').map(encodeSegment).join('/');
  const basePath = base.pathname.replace(/\/$/, '');
  const path = ctx.endpoint ? `${basePath}/${encodeSegment(input.bucket)}/${keyPath}` : `/${keyPath}`;
  const amzDate = ctx.now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    'content-type': input.contentType,
    host: base.host,
    'x-amz-content-sha256': sha256Hex(input.body),
    'x-amz-date': amzDate,
    ...(ctx.credentials.sessionToken ? { 'x-amz-security-token': ctx.credentials.sessionToken } : {}),
  };
  const names = Object.keys(headers).sort();
  const canonicalRequest = [
    'PUT',
    path,
    '',
    ...names.map((n) => `${n}:${headers[n].trim()}`),
    '',
    names.join(';'),
    headers['x-amz-content-sha256'],
  ].join('\n');
  const scope = `${day}/${ctx.region}/s3/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${ctx.credentials.secretAccessKey}`, day), ctx.region), 's3'),
    'aws4_request',
  );
  const signature = createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
  headers.authorization =
    `AWS4-HMAC-SHA256 Credential=${ctx.credentials.accessKeyId}/${scope}, ` +
    `SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return { url: `${base.protocol}//${base.host}${path}`, headers };
}

/** An S3 error, shaped like the SDK's (name, $metadata.httpStatusCode) so `retryable` classifies it. */
class S3RequestError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly $metadata: { httpStatusCode: number },
  ) {
    super(message);
  }
}

export async function putObject(input: PutObjectInput, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN } = env;
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!AWS_ACCESS_KEY_ID || !AWS_SECRET_ACCESS_KEY || !region)
    throw new Error(
      'S3 PutObject needs AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION (Lambda sets them)',
    );
  const { url, headers } = signPutObject(input, {
    region,
    credentials: {
      accessKeyId: AWS_ACCESS_KEY_ID,
      secretAccessKey: AWS_SECRET_ACCESS_KEY,
      sessionToken: AWS_SESSION_TOKEN,
    },
    endpoint: env.AWS_ENDPOINT_URL_S3,
    now: new Date(),
  });
  const { host: _host, ...sent } = headers; // fetch sets Host itself (from the URL, the value signed)
  const res = await fetch(url, { method: 'PUT', headers: sent, body: input.body });
  if (res.ok) return;
  const text = await res.text();
  const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? `HTTP${res.status}`;
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? text.slice(0, 200);
  throw new S3RequestError(code, `PutObject ${input.key}: ${message}`, { httpStatusCode: res.status });
}
