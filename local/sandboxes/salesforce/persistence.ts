/**
 * The sandbox org on disk, so a restarted local runtime keeps what the pipeline wrote back. Written
 * through on every change, synchronously and atomically (temp file + rename): a response only leaves
 * once its effect is durable, and a crash mid-write leaves the previous file intact.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SObjectRecord } from './store';

const FORMAT = 'q2c-salesforce-sandbox/1';

export interface Session {
  token: string;
  issuedAt: string;
}

export interface PersistedOrg {
  orgId: string;
  records: SObjectRecord[];
  /** Issued access tokens: sessions survive a restart, as they do on Salesforce. */
  sessions: Session[];
}

export function loadOrg(file: string): PersistedOrg | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = JSON.parse(text) as Partial<PersistedOrg> & { format?: string };
  if (parsed.format !== FORMAT || !Array.isArray(parsed.records) || typeof parsed.orgId !== 'string') {
    throw new Error(`${file} is not a Salesforce sandbox data file (expected format ${FORMAT})`);
  }
  return { orgId: parsed.orgId, records: parsed.records, sessions: parsed.sessions ?? [] };
}

export function saveOrg(file: string, org: PersistedOrg): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ format: FORMAT, ...org }));
  renameSync(tmp, file);
}
