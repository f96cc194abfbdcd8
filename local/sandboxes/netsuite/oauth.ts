/**
 * The simulator's side of authentication, written independently of the adapter's signing library so
 * that one cannot hide the other's mistakes: it recomputes the OAuth 1.0a signature (RFC 5849 §3.4)
 * from what arrived on the wire, refuses replayed nonces and stale timestamps, and, for OAuth 2.0
 * client credentials, verifies the JWT assertion against the mapped certificate and issues tokens.
 */
import {
  createHmac,
  createPublicKey,
  constants,
  randomBytes,
  timingSafeEqual,
  verify,
  type KeyObject,
} from 'node:crypto';

/** RFC 3986 unreserved characters stay, everything else is %XX (RFC 5849 §3.6). */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** `OAuth realm="…", oauth_consumer_key="…", …` → decoded parameters; undefined if not OAuth. */
export function parseOAuthHeader(header: string | undefined): Record<string, string> | undefined {
  const m = header ? /^OAuth\s+(.*)$/is.exec(header.trim()) : null;
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const part of m[1].matchAll(/([A-Za-z0-9_%.-]+)\s*=\s*"([^"]*)"/g)) {
    params[decodeURIComponent(part[1])] = decodeURIComponent(part[2]);
  }
  return params;
}

/**
 * RFC 5849 §3.4.1: METHOD & base string URI & normalized parameters, where the parameters are the
 * query string's plus the oauth_* ones (never `realm` or `oauth_signature`), each percent-encoded,
 * sorted by name then value. JSON bodies are not parameters.
 */
export function signatureBaseString(
  method: string,
  url: URL,
  oauthParams: Record<string, string>,
  /** Form-encoded body parameters (RFC 5849 §3.4.1.3.1); NetSuite's JSON bodies have none. */
  formParams: [string, string][] = [],
): string {
  const defaultPort =
    (url.protocol === 'http:' && url.port === '80') || (url.protocol === 'https:' && url.port === '443');
  const host = url.hostname.toLowerCase() + (url.port && !defaultPort ? `:${url.port}` : '');
  const baseUri = `${url.protocol.toLowerCase()}//${host}${url.pathname}`;
  const pairs: [string, string][] = [];
  for (const [k, v] of url.searchParams) pairs.push([percentEncode(k), percentEncode(v)]);
  for (const [k, v] of formParams) pairs.push([percentEncode(k), percentEncode(v)]);
  for (const [k, v] of Object.entries(oauthParams)) {
    if (k === 'realm' || k === 'oauth_signature') continue;
    pairs.push([percentEncode(k), percentEncode(v)]);
  }
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  const normalized = pairs.map(([k, v]) => `${k}=${v}`).join('&');
  return [method.toUpperCase(), percentEncode(baseUri), percentEncode(normalized)].join('&');
}

export function hmacSha256Signature(baseString: string, consumerSecret: string, tokenSecret: string): string {
  const key = `${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`;
  return createHmac('sha256', key).update(baseString).digest('base64');
}

export interface TbaVerifierOptions {
  realm: string;
  consumer: { key: string; secret: string };
  token: { id: string; secret: string };
  /** Accepted clock difference, seconds. */
  skewSeconds: number;
  now: () => number;
}

export type AuthResult = { ok: true } | { ok: false; reason: string };

/** Token-Based Authentication as NetSuite checks it, one reason per failure (for stats; never sent). */
export class TbaVerifier {
  private readonly nonces = new Map<string, number>();

  constructor(private readonly options: TbaVerifierOptions) {}

  verify(method: string, url: URL, header: string | undefined): AuthResult {
    const p = parseOAuthHeader(header);
    if (!p) return { ok: false, reason: 'no OAuth authorization header' };
    const o = this.options;
    if (p.realm !== o.realm) return { ok: false, reason: `realm ${p.realm ?? '(none)'} is not ${o.realm}` };
    if (p.oauth_signature_method !== 'HMAC-SHA256') {
      return {
        ok: false,
        reason: `signature method ${p.oauth_signature_method ?? '(none)'} (only HMAC-SHA256)`,
      };
    }
    if (p.oauth_version !== undefined && p.oauth_version !== '1.0')
      return { ok: false, reason: 'oauth_version' };
    if (p.oauth_consumer_key !== o.consumer.key) return { ok: false, reason: 'unknown consumer key' };
    if (p.oauth_token !== o.token.id) return { ok: false, reason: 'unknown token' };
    const nowSeconds = Math.floor(o.now() / 1000);
    const timestamp = Number(p.oauth_timestamp);
    if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > o.skewSeconds) {
      return { ok: false, reason: `timestamp ${p.oauth_timestamp} outside ±${o.skewSeconds}s` };
    }
    if (!p.oauth_nonce) return { ok: false, reason: 'no nonce' };
    const expected = hmacSha256Signature(
      signatureBaseString(method, url, p),
      o.consumer.secret,
      o.token.secret,
    );
    const given = Buffer.from(p.oauth_signature ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected))) {
      return { ok: false, reason: 'signature mismatch' };
    }
    // Checked after the signature, so a forged request cannot burn a legitimate client's nonce.
    this.pruneNonces(nowSeconds);
    const nonceKey = `${p.oauth_timestamp}:${p.oauth_nonce}`;
    if (this.nonces.has(nonceKey)) return { ok: false, reason: 'nonce replayed' };
    this.nonces.set(nonceKey, timestamp + o.skewSeconds);
    return { ok: true };
  }

  private pruneNonces(nowSeconds: number): void {
    if (this.nonces.size < 10_000) return;
    for (const [k, until] of this.nonces) if (until < nowSeconds) this.nonces.delete(k);
  }
}

// ---------------------------------------------------------------------------------------------
// OAuth 2.0 client credentials
// ---------------------------------------------------------------------------------------------

export interface ClientCredentialsOptions {
  clientId: string;
  certificateId: string;
  /** PEM public key or certificate mapped in "OAuth 2.0 Client Credentials (M2M) Setup". */
  publicKey: string | KeyObject;
}

const HASH = { '256': 'sha256', '384': 'sha384', '512': 'sha512' } as const;
const TOKEN_LIFETIME_S = 3600;

export interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

export class ClientCredentialsIssuer {
  private readonly key: KeyObject;
  private readonly tokens = new Map<string, number>();
  tokensIssued = 0;

  constructor(
    private readonly options: ClientCredentialsOptions,
    private readonly tokenUrl: () => string,
    private readonly now: () => number,
  ) {
    this.key = typeof options.publicKey === 'string' ? createPublicKey(options.publicKey) : options.publicKey;
  }

  /** POST /services/rest/auth/oauth2/v1/token with a form body. */
  issue(form: URLSearchParams): TokenAnswer {
    const refuse = (error: string, description: string): TokenAnswer => ({
      status: 400,
      body: { error, error_description: description },
    });
    if (form.get('grant_type') !== 'client_credentials')
      return refuse('unsupported_grant_type', 'grant_type');
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
      return refuse('invalid_request', 'client_assertion_type');
    }
    const parts = (form.get('client_assertion') ?? '').split('.');
    if (parts.length !== 3) return refuse('invalid_request', 'client_assertion is not a JWS');
    let header: { alg?: string; kid?: string; typ?: string };
    let claims: { iss?: string; aud?: string; scope?: string | string[]; iat?: number; exp?: number };
    try {
      header = JSON.parse(Buffer.from(parts[0], 'base64url').toString());
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
    } catch {
      return refuse('invalid_request', 'client_assertion is not JSON');
    }
    const alg = header.alg ?? '';
    const hash = HASH[alg.slice(2) as keyof typeof HASH];
    if (!/^(PS|ES)(256|384|512)$/.test(alg) || !hash)
      return refuse('invalid_request', `alg ${alg} not accepted`);
    if (header.kid !== this.options.certificateId)
      return refuse('invalid_client', 'unknown certificate id (kid)');
    const input = Buffer.from(`${parts[0]}.${parts[1]}`);
    const signature = Buffer.from(parts[2], 'base64url');
    const valid = alg.startsWith('PS')
      ? verify(
          hash,
          input,
          {
            key: this.key,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: constants.RSA_PSS_SALTLEN_AUTO,
          },
          signature,
        )
      : verify(hash, input, { key: this.key, dsaEncoding: 'ieee-p1363' }, signature);
    if (!valid) return refuse('invalid_client', 'signature does not verify with the mapped certificate');
    const nowS = Math.floor(this.now() / 1000);
    if (claims.iss !== this.options.clientId) return refuse('invalid_client', 'iss is not the client id');
    if (claims.aud !== this.tokenUrl()) return refuse('invalid_grant', 'aud is not the token endpoint');
    const scopes = Array.isArray(claims.scope) ? claims.scope : String(claims.scope ?? '').split(',');
    if (!scopes.map((s) => s.trim()).includes('rest_webservices'))
      return refuse('invalid_scope', 'rest_webservices');
    if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number')
      return refuse('invalid_grant', 'iat/exp');
    if (claims.exp <= nowS || claims.iat > nowS + 300 || claims.exp - claims.iat > 3600) {
      return refuse('invalid_grant', 'assertion expired or too long-lived');
    }
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, this.now() + TOKEN_LIFETIME_S * 1000);
    this.tokensIssued++;
    return {
      status: 200,
      body: { access_token: token, expires_in: String(TOKEN_LIFETIME_S), token_type: 'bearer' },
    };
  }

  verifyBearer(header: string | undefined): AuthResult {
    const token = header && /^Bearer\s+(\S+)$/i.exec(header.trim())?.[1];
    if (!token) return { ok: false, reason: 'no bearer token' };
    const until = this.tokens.get(token);
    if (until === undefined) return { ok: false, reason: 'unknown bearer token' };
    if (until <= this.now()) return { ok: false, reason: 'bearer token expired' };
    return { ok: true };
  }
}
