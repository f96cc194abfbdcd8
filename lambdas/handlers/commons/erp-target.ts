/**
 * Which ERP the postings go to (ERP_TARGET). On its own, so a handler that only needs to know (the
 * reconciliation planner) does not bundle the ERP adapters.
 */
export type ErpTarget = 'ledger' | 'netsuite';

export function erpTarget(): ErpTarget {
  const target = process.env.ERP_TARGET ?? 'ledger';
  if (target !== 'ledger' && target !== 'netsuite')
    throw new Error(`ERP_TARGET must be ledger or netsuite, got ${target}`);
  return target;
}
