/** A local Stripe API sandbox for the real `stripe` SDK (see server.ts). */
export {
  startStripeSandbox,
  maskKey,
  type RequestLogEntry,
  type SandboxStore,
  type StripeSandbox,
  type StripeSandboxOptions,
  type WebhookEndpointInfo,
  type WebhookEndpointSpec,
} from './server';
export { BillingEngine, cardFee, divRound, prorate, type ClockResult } from './billing';
export { signPayload, type WebhookDelivery, type WebhookRetryOptions } from './events';
export { StripeApiError, type StripeErrorBody, type StripeErrorType } from './errors';
export { parseForm, type FormObject, type FormValue, type ParamTypes } from './form';
export { bool, custom, eq, range, type ListFilter } from './list';
export { ResourceRegistry, STRIPE_RESOURCES } from './resources';
export type {
  CreateSpec,
  ListSpec,
  ResourceContext,
  ResourceDefinition,
  SubListSpec,
  UpdateSpec,
} from './resource-types';
export { StripeStore, type StoreFilter, type StripeObject } from './store';
export {
  DEFAULT_RATE_LIMIT_PER_SECOND,
  type FaultHandle,
  type FaultRequest,
  type FaultSpec,
  type FaultStatus,
} from './traffic';
