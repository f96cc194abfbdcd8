/**
 * The Stripe event types the money-event flow maps (the money-event rule routes exactly these).
 * A module of constants only: lib/topology.ts imports it, and every Lambda bundle imports the topology.
 */
export const MONEY_EVENT_TYPES = [
  'invoice.voided',
  'invoice.marked_uncollectible',
  'credit_note.created',
  'credit_note.voided',
  'refund.created',
  'refund.updated',
  'charge.refunded',
  'charge.dispute.created',
  'charge.dispute.closed',
  'payout.paid',
  'payout.failed',
  'customer.created',
  'customer.updated',
] as const;
