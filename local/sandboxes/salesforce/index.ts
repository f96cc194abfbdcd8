/** A local Salesforce org for the real `jsforce` client (see server.ts and README.md). */
export {
  DEMO_ORG_ID,
  startSalesforceSandbox,
  type RequestLogEntry,
  type SalesforceSandbox,
  type SalesforceSandboxOptions,
  type SandboxStore,
} from './server';
export { SalesforceApiError, type SalesforceError } from './errors';
export type { FaultHandle, FaultRequest, FaultSpec, FaultStatus } from './faults';
export { normalizeId, recordId } from './ids';
export { OBJECTS, objectDef, type FieldDef, type FieldValue, type ObjectDef } from './schema';
export type { QueryRecord, QueryResult } from './soql';
export { formatDateTime, type SObjectRecord } from './store';
