/** The published JSON Schemas (schemas/v1/*.schema.json), generated from the zod definitions. */
import * as z from 'zod';
import { EventEnvelope } from '../lambdas/domain/envelope';
import {
  CreditMemo,
  Customer,
  Dispute,
  Invoice,
  JournalEntry,
  Payment,
  Payout,
  Product,
  Refund,
  Subscription,
  WriteOff,
} from '../lambdas/domain/model';

export const SCHEMA_VERSION = 'v1';

export const SCHEMAS: Record<string, z.ZodType> = {
  'event-envelope': EventEnvelope,
  invoice: Invoice,
  payment: Payment,
  'journal-entry': JournalEntry,
  customer: Customer,
  product: Product,
  subscription: Subscription,
  'credit-memo': CreditMemo,
  refund: Refund,
  dispute: Dispute,
  payout: Payout,
  'write-off': WriteOff,
};

export function jsonSchema(name: string): Record<string, unknown> {
  const schema = z.toJSONSchema(SCHEMAS[name], { target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $id: `urn:quote-to-cash:schema:${SCHEMA_VERSION}:${name}`,
    title: name,
    ...schema,
  };
}

export const schemaFile = (name: string) => `${SCHEMA_VERSION}/${name}.schema.json`;
