/**
 * How each request proves who it is. Two strategies behind one interface:
 *
 * - Token-Based Authentication: OAuth 1.0a, HMAC-SHA256, `realm` = account id, signed per request
 *   with the integration's consumer key/secret and the access token id/secret. The signature base
 *   string comes from `oauth-1.0a` (RFC 5849), checked against NetSuite's documented example in
 *   test/unit/netsuite/oauth-signature.test.ts.
 * - OAuth 2.0 client credentials (machine to machine): a JWT assertion signed with the private key
 *   of the certificate mapped in NetSuite buys a bearer token, cached until shortly before expiry.
 */
import {
  constants,
  createHmac,
  createPrivateKey,
  randomBytes,
  sign as signWith,
  type KeyObject,
} from 'node:crypto';
import OAuth from 'oauth-1.0a';
import * as z from 'zod';
import { NetSuiteTransientError, networkError, parseRetryAfter } from './errors';

export interface NetSuiteAuth {
  /** The `Authorization` header value for this request (the URL includes its query string). */
  authorization(request: { method: string; url: string }): Promise<string>;
  /** NetSuite answered 401: drop whatever is cached so the next attempt starts fresh. */
  invalidate(): void;
}

/** `1234567_SB1` and `1234567-sb1` are the same account: realm upper case with `_`, host lower case with `-`. */
export const realmOf = (accountId: string): string => accountId.toUpperCase().replaceAll('-', '_');
export const hostOf = (accountId: string): string => accountId.toLowerCase().replaceAll('_', '-');
export const defaultBaseUrl = (accountId: string): string =>
  `https://${hostOf(accountId)}.suitetalk.api.netsuite.com`;

// ---------------------------------------------------------------------------------------------
// Token-Based Authentication (OAuth 1.0a)
// ---------------------------------------------------------------------------------------------

export const TbaCredentials = z.object({
  consumerKey: z.string().min(1),
  consumerSecret: z.string().min(1),
  tokenId: z.string().min(1),
  tokenSecret: z.string().min(1),
});
export type TbaCredentials = z.infer<typeof TbaCredentials>;

const NONCE_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** 20 alphanumeric characters from the CSPRNG (oauth-1.0a's default nonce uses Math.random). */
export function secureNonce(length = 20): string {
  return Array.from(randomBytes(length), (b) => NONCE_ALPHABET[b % NONCE_ALPHABET.length]).join('');
}

export interface TokenBasedAuthOptions {
  accountId: string;
  /** Read per request; providers cache (Secrets Manager via Powertools, 5 min). */
  credentials: () => Promise<TbaCredentials>;
  /** Seconds since the epoch; injectable for the documented test vector. */
  timestamp?: () => number;
  nonce?: () => string;
}

export class TokenBasedAuth implements NetSuiteAuth {
  private readonly realm: string;

  constructor(private readonly options: TokenBasedAuthOptions) {
    this.realm = realmOf(options.accountId);
  }

  async authorization(request: { method: string; url: string }): Promise<string> {
    const c = await this.options.credentials();
    const oauth = new OAuth({
      consumer: { key: c.consumerKey, secret: c.consumerSecret },
      signature_method: 'HMAC-SHA256',
      realm: this.realm,
      hash_function: (base, key) => createHmac('sha256', key).update(base).digest('base64'),
    });
    oauth.getNonce = this.options.nonce ?? (() => secureNonce());
    oauth.getTimeStamp = this.options.timestamp ?? (() => Math.floor(Date.now() / 1000));
    // JSON bodies are not form parameters: only the query string and oauth_* are signed.
    const signed = oauth.authorize(
      { url: request.url, method: request.method.toUpperCase() },
      { key: c.tokenId, secret: c.tokenSecret },
    );
    return oauth.toHeader(signed).Authorization;
  }

  invalidate(): void {
    // Nothing cached here; the credentials provider owns its cache.
  }
}

// ---------------------------------------------------------------------------------------------
// OAuth 2.0 client credentials (JWT assertion)
// ---------------------------------------------------------------------------------------------

export const ClientCredentials = z.object({
  /** The integration record's client id (the JWT `iss`). */
  clientId: z.string().min(1),
  /** The certificate id NetSuite assigned when the certificate was mapped (the JWT `kid`). */
  certificateId: z.string().min(1),
  /** PEM private key of that certificate. */
  privateKey: z.string().min(1),
  algorithm: z.enum(['PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512']).default('PS256'),
});
export type ClientCredentials = z.input<typeof ClientCredentials>;

export interface ClientCredentialsAuthOptions {
  accountId: string;
  baseUrl?: string;
  credentials: () => Promise<ClientCredentials>;
  scope?: string[];
  now?: () => number;
  fetch?: typeof fetch;
  requestTimeoutMs?: number;
}

const TOKEN_PATH = '/services/rest/auth/oauth2/v1/token';
/** Refresh this long before NetSuite's expiry so a token never dies mid-request. */
const EXPIRY_MARGIN_MS = 60_000;
/** Lifetime of the assertion itself (NetSuite accepts at most 60 minutes). */
const ASSERTION_LIFETIME_S = 300;

const TokenResponse = z.object({
  access_token: z.string().min(1),
  expires_in: z.union([z.string(), z.number()]).transform(Number),
  token_type: z.string(),
});

export class ClientCredentialsAuth implements NetSuiteAuth {
  private readonly tokenUrl: string;
  private cached: { token: string; expiresAt: number } | undefined;
  private inFlight: Promise<string> | undefined;

  constructor(private readonly options: ClientCredentialsAuthOptions) {
    this.tokenUrl = (options.baseUrl ?? defaultBaseUrl(options.accountId)) + TOKEN_PATH;
  }

  async authorization(): Promise<string> {
    const now = this.now();
    if (this.cached && this.cached.expiresAt - EXPIRY_MARGIN_MS > now) return `Bearer ${this.cached.token}`;
    // One token request however many postings need a token at the same moment.
    this.inFlight ??= this.fetchToken().finally(() => (this.inFlight = undefined));
    return `Bearer ${await this.inFlight}`;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private async fetchToken(): Promise<string> {
    const credentials = ClientCredentials.parse(await this.options.credentials());
    const assertion = signAssertion(credentials, {
      aud: this.tokenUrl,
      scope: this.options.scope ?? ['rest_webservices'],
      nowSeconds: Math.floor(this.now() / 1000),
    });
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
    let res: Response;
    try {
      res = await (this.options.fetch ?? fetch)(this.tokenUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 30_000),
      });
    } catch (err) {
      throw networkError('POST token', err);
    }
    const text = await res.text();
    if (!res.ok) {
      // invalid_client / invalid_grant: a certificate or mapping problem, technical not business.
      throw new NetSuiteTransientError(
        `NetSuite POST token: HTTP ${res.status}: ${text.slice(0, 300)}`,
        res.status,
        'OAUTH2_TOKEN',
        parseRetryAfter(res.headers.get('retry-after')),
      );
    }
    const body = TokenResponse.parse(JSON.parse(text));
    this.cached = { token: body.access_token, expiresAt: this.now() + body.expires_in * 1000 };
    return body.access_token;
  }
}

const HASH_OF = { '256': 'sha256', '384': 'sha384', '512': 'sha512' } as const;

/** A compact JWS (RFC 7515) of NetSuite's client-credentials assertion, signed with node:crypto. */
export function signAssertion(
  credentials: z.output<typeof ClientCredentials>,
  claims: { aud: string; scope: string[]; nowSeconds: number },
  privateKey: string | KeyObject = credentials.privateKey,
): string {
  const header = { typ: 'JWT', alg: credentials.algorithm, kid: credentials.certificateId };
  const payload = {
    iss: credentials.clientId,
    scope: claims.scope,
    aud: claims.aud,
    iat: claims.nowSeconds,
    exp: claims.nowSeconds + ASSERTION_LIFETIME_S,
  };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  const hash = HASH_OF[credentials.algorithm.slice(2) as keyof typeof HASH_OF];
  const signature = credentials.algorithm.startsWith('PS')
    ? signWith(hash, Buffer.from(input), {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      })
    : signWith(hash, Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

const base64url = (text: string): string => Buffer.from(text).toString('base64url');
