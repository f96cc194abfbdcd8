/**
 * TBA signatures against known vectors, on both sides of the wire (the adapter signs with
 * oauth-1.0a, the simulator verifies with its own RFC 5849 code):
 *
 * - NetSuite's documented example ("The Signature for Web Services and RESTlets": account 1234567,
 *   the RESTlet URL with script/deploy/customParam/testParam, nonce fjaLirsIcCGVZWzBX0pg, timestamp
 *   1508242306, HMAC-SHA256). The base string and signature are those the LedgerSync NetSuite client
 *   pins in its spec/token_spec.rb for the same inputs.
 * - RFC 5849 §3.4.1.1's example signature base string (parameter encoding, sorting, duplicates).
 */
import OAuth from 'oauth-1.0a';
import { realmOf, TokenBasedAuth } from '../../../lambdas/adapters/erp/netsuite/auth';
import {
  hmacSha256Signature,
  parseOAuthHeader,
  signatureBaseString,
  TbaVerifier,
} from '../../../local/sandboxes/netsuite/oauth';

const netsuiteDoc = {
  accountId: '1234567',
  url: 'https://1234567.restlets.api.netsuite.com/app/site/hosting/restlet.nl?script=6&deploy=1&customParam=someValue&testParam=someOtherValue',
  method: 'POST',
  consumerKey: 'ef40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4',
  consumerSecret: 'd26ad321a4b2f23b0741c8d38392ce01c3e23e109df6c96eac6d099e9ab9e8b5',
  tokenId: '2b0ce516420110bcbd36b69e99196d1b7f6de3c6234c5afb799b73d87569f5cc',
  tokenSecret: 'c29a677df7d5439a458c063654187e3d678d73aca8e3c9d8bea1478a3eb0d295',
  nonce: 'fjaLirsIcCGVZWzBX0pg',
  timestamp: 1508242306,
  baseString:
    'POST&https%3A%2F%2F1234567.restlets.api.netsuite.com%2Fapp%2Fsite%2Fhosting%2Frestlet.nl&customParam%3DsomeValue' +
    '%26deploy%3D1%26oauth_consumer_key%3Def40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4%26' +
    'oauth_nonce%3DfjaLirsIcCGVZWzBX0pg%26oauth_signature_method%3DHMAC-SHA256%26oauth_timestamp%3D1508242306%26' +
    'oauth_token%3D2b0ce516420110bcbd36b69e99196d1b7f6de3c6234c5afb799b73d87569f5cc%26oauth_version%3D1.0%26script' +
    '%3D6%26testParam%3DsomeOtherValue',
  signature: 'i7MEtGwhCTIZbTsTrNGw9LdcERn4wsjt5C7TxmKWIfU=',
};

const docAuth = () =>
  new TokenBasedAuth({
    accountId: netsuiteDoc.accountId,
    credentials: async () => netsuiteDoc,
    nonce: () => netsuiteDoc.nonce,
    timestamp: () => netsuiteDoc.timestamp,
  });

describe('Token-Based Authentication signature (NetSuite documented example)', () => {
  it('signs with HMAC-SHA256 to the documented signature, realm = account id, in the header NetSuite expects', async () => {
    const header = await docAuth().authorization({ method: 'POST', url: netsuiteDoc.url });
    expect(header).toBe(
      'OAuth realm="1234567", ' +
        `oauth_consumer_key="${netsuiteDoc.consumerKey}", oauth_nonce="fjaLirsIcCGVZWzBX0pg", ` +
        'oauth_signature="i7MEtGwhCTIZbTsTrNGw9LdcERn4wsjt5C7TxmKWIfU%3D", oauth_signature_method="HMAC-SHA256", ' +
        `oauth_timestamp="1508242306", oauth_token="${netsuiteDoc.tokenId}", oauth_version="1.0"`,
    );
  });

  it('builds the documented base string (query parameters signed, realm not)', () => {
    const oauth = new OAuth({
      consumer: { key: netsuiteDoc.consumerKey, secret: netsuiteDoc.consumerSecret },
      signature_method: 'HMAC-SHA256',
      hash_function: () => '',
    });
    const data = {
      oauth_consumer_key: netsuiteDoc.consumerKey,
      oauth_nonce: netsuiteDoc.nonce,
      oauth_signature_method: 'HMAC-SHA256',
      oauth_timestamp: netsuiteDoc.timestamp,
      oauth_version: '1.0',
      oauth_token: netsuiteDoc.tokenId,
    };
    expect(oauth.getBaseString({ url: netsuiteDoc.url, method: 'POST', data: {} }, data)).toBe(
      netsuiteDoc.baseString,
    );
  });

  it('the simulator recomputes the same base string and signature independently, and accepts the header', async () => {
    const header = await docAuth().authorization({ method: 'POST', url: netsuiteDoc.url });
    const params = parseOAuthHeader(header)!;
    expect(signatureBaseString('POST', new URL(netsuiteDoc.url), params)).toBe(netsuiteDoc.baseString);
    expect(
      hmacSha256Signature(netsuiteDoc.baseString, netsuiteDoc.consumerSecret, netsuiteDoc.tokenSecret),
    ).toBe(netsuiteDoc.signature);
    const verifier = new TbaVerifier({
      realm: realmOf(netsuiteDoc.accountId),
      consumer: { key: netsuiteDoc.consumerKey, secret: netsuiteDoc.consumerSecret },
      token: { id: netsuiteDoc.tokenId, secret: netsuiteDoc.tokenSecret },
      skewSeconds: 300,
      now: () => netsuiteDoc.timestamp * 1000,
    });
    expect(verifier.verify('POST', new URL(netsuiteDoc.url), header)).toEqual({ ok: true });
    expect(verifier.verify('POST', new URL(netsuiteDoc.url), header)).toEqual({
      ok: false,
      reason: 'nonce replayed',
    });
    expect(verifier.verify('GET', new URL(netsuiteDoc.url), header)).toEqual({
      ok: false,
      reason: 'signature mismatch',
    });
  });

  it('writes sandbox realms the way NetSuite wants them: upper case, underscore', () => {
    expect(realmOf('1234567-sb1')).toBe('1234567_SB1');
    expect(realmOf('tstdrv1234567')).toBe('TSTDRV1234567');
  });
});

describe('RFC 5849 §3.4.1.1 signature base string', () => {
  it('encodes, merges and sorts query, body and oauth parameters (duplicate names sorted by value)', () => {
    const url = new URL('http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b');
    const oauthParams = {
      realm: 'Example',
      oauth_consumer_key: '9djdj82h48djs9d2',
      oauth_token: 'kkk9d7dh3k39sjv7',
      oauth_signature_method: 'HMAC-SHA1',
      oauth_timestamp: '137131201',
      oauth_nonce: '7d8f3e4a',
      oauth_signature: 'ignored',
    };
    const body: [string, string][] = [
      ['c2', ''],
      ['a3', '2 q'],
    ];
    expect(signatureBaseString('POST', url, oauthParams, body)).toBe(
      'POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26' +
        'c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26' +
        'oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7',
    );
  });
});
