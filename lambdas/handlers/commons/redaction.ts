/**
 * Log redaction: what the handlers log goes to CloudWatch Logs for a year (and to whoever can read the
 * log groups), so customer PII and secrets must never reach it, whatever a log call is handed.
 *
 * Two rules, applied to every log item (message, persistent and temporary keys, extra objects, errors):
 *  1. the value of a sensitive key (email, name, phone, address lines, postal code, card fingerprint and
 *     last4, secrets, tokens, passwords, signature and authorization headers) is replaced wholesale,
 *     however deep the key sits and whatever the value is (an `address` object goes as a whole);
 *  2. any string, under any key, has email addresses, Stripe secrets (`whsec_…`, `sk_…`, `rk_…`), bearer
 *     and basic credentials and Stripe signature hashes (`v1=<hex>`) masked — so an id field that happens
 *     to carry an email or an echoed secret (a correlation id read from vendor metadata) is caught too.
 *
 * Keys are compared case- and separator-insensitively (`customer_email`, `customerEmail`, `Customer-Email`).
 */
import { LogFormatter, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';

export const REDACTED = '[REDACTED]';

const normalise = (key: string): string => key.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Keys whose values are personal data or secrets, normalised. */
const SENSITIVE_KEYS = new Set(
  [
    // people
    'name',
    'customer_name',
    'full_name',
    'first_name',
    'last_name',
    'given_name',
    'family_name',
    'contact_name',
    'billing_name',
    'shipping_name',
    'cardholder_name',
    'account_holder_name',
    'individual_name',
    'email',
    'phone',
    'phone_number',
    'mobile',
    'fax',
    'tax_id',
    'tax_ids',
    'customer_tax_ids',
    'date_of_birth',
    'dob',
    'ssn',
    // addresses
    'address',
    'customer_address',
    'billing_address',
    'shipping_address',
    'customer_shipping',
    'shipping',
    'billing_details',
    'line1',
    'line2',
    'address_line1',
    'address_line2',
    'street',
    'city',
    'postal_code',
    'postcode',
    'zip',
    'zip_code',
    // cards and bank accounts
    'fingerprint',
    'last4',
    'dynamic_last4',
    'exp_month',
    'exp_year',
    'cvc',
    'number',
    'iban',
    'account_number',
    'routing_number',
    // secrets and credentials
    'secret',
    'client_secret',
    'signing_secret',
    'webhook_secret',
    'secret_string',
    'password',
    'api_key',
    'x_api_key',
    'token',
    'access_token',
    'refresh_token',
    'private_key',
    'authorization',
    'proxy_authorization',
    'cookie',
    'set_cookie',
    'signature',
    'stripe_signature',
    'x_amz_security_token',
  ].map(normalise),
);

/** Suffixes that make any key sensitive (`receipt_email`, `customer_phone`, `webhookSignature`…). */
const SENSITIVE_SUFFIXES = [
  'email',
  'phone',
  'address',
  'line1',
  'line2',
  'postalcode',
  'secret',
  'password',
  'token',
  'signature',
  'fingerprint',
  'apikey',
];

export function isSensitiveKey(key: string): boolean {
  const k = normalise(key);
  return SENSITIVE_KEYS.has(k) || SENSITIVE_SUFFIXES.some((s) => k.endsWith(s));
}

/** Patterns masked inside any string, with what replaces them. */
const STRING_PATTERNS: [RegExp, string][] = [
  // Stripe secret keys, restricted keys and webhook signing secrets (test and live), even inside longer ids.
  [/(?<![A-Za-z0-9])(whsec|sk|rk)_[A-Za-z0-9_]{4,}/g, `$1_${REDACTED}`],
  [/[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g, REDACTED],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  // The hashes of a Stripe-Signature header (t=…,v1=<64 hex>,v0=…).
  [/\b(v[01])=[0-9a-fA-F]{16,}/g, `$1=${REDACTED}`],
];

export function redactString(value: string): string {
  let out = value;
  for (const [pattern, replacement] of STRING_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/**
 * A redacted deep copy of `value`, as it would be serialised: errors become `{name, message, stack, …}`
 * (through `formatError` when given), objects with `toJSON` are serialised first, cycles are dropped.
 */
export function redact(value: unknown, formatError?: (e: Error) => LogAttributes): unknown {
  const ancestors = new Set<object>();
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') return redactString(v);
    if (v === null || typeof v !== 'object') return v;
    if (ancestors.has(v)) return undefined; // as Powertools does with circular references
    if (v instanceof Error) {
      const formatted = formatError ? formatError(v) : { name: v.name, message: v.message, stack: v.stack };
      return visitError(formatted);
    }
    if (v instanceof Date) return v;
    const json = (v as { toJSON?: () => unknown }).toJSON;
    if (typeof json === 'function') return visit(json.call(v));
    ancestors.add(v);
    try {
      if (Array.isArray(v)) return v.map(visit);
      const out: Record<string, unknown> = {};
      for (const [k, child] of Object.entries(v)) {
        // A missing value stays visible (null / undefined tell an operator something, and leak nothing).
        out[k] = isSensitiveKey(k) && child !== null && child !== undefined ? REDACTED : visit(child);
      }
      return out;
    } finally {
      ancestors.delete(v);
    }
  };
  // An error's `name` (BusinessError, TypeError) is what operators search for: keep it, mask the rest.
  const visitError = (e: Record<string, unknown>): Record<string, unknown> => {
    const { name, ...rest } = e;
    return { name, ...(visit(rest) as Record<string, unknown>) };
  };
  return visit(value);
}

/**
 * The Powertools log structure (same standard keys, same order as the default formatter), with every
 * attribute and the message redacted. Errors logged anywhere are formatted, then redacted.
 */
export class RedactingLogFormatter extends LogFormatter {
  override formatAttributes(
    attributes: UnformattedAttributes,
    additionalLogAttributes: LogAttributes,
  ): LogItem {
    const context = attributes.lambdaContext as
      (typeof attributes.lambdaContext & { tenantId?: string }) | undefined;
    const base: LogAttributes = {
      level: attributes.logLevel,
      message: redactString(String(attributes.message ?? '')),
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
      cold_start: context?.coldStart,
      function_arn: context?.invokedFunctionArn,
      function_memory_size: context?.memoryLimitInMB,
      function_name: context?.functionName,
      function_request_id: context?.awsRequestId,
      sampling_rate: attributes.sampleRateValue,
      xray_trace_id: attributes.xRayTraceId,
      tenant_id: context?.tenantId,
    };
    const extra = redact(additionalLogAttributes, (e) => super.formatError(e)) as LogAttributes;
    return new LogItem({ attributes: base }).addAttributes(extra);
  }

  /** Used by the logger's serializer for errors nested where formatAttributes did not reach. */
  override formatError(error: Error): LogAttributes {
    return redact(error, (e) => super.formatError(e)) as LogAttributes;
  }
}
