/** The mapping configuration bundled with the functions (esbuild inlines the JSON), validated once. */
import { readFileSync } from 'node:fs';
import raw from '../../../config/mapping.json';
import { InvalidConfigError, parseMappingConfig } from '../../domain/config';
import type { StripeMode } from '../../domain/mapping/stripe-mode';
import { DEPLOYMENT, stripeSettings } from '../../../lib/topology';

/**
 * Local runs only: `Q2C_MAPPING_FILE=<file> q2c serve` reads another mapping file, e.g.
 * to park events under an incomplete mapping, fix it, restart and replay. Never set in AWS, where
 * fixing the mapping means deploying the corrected config/mapping.json.
 */
const override = process.env.Q2C_MAPPING_FILE;
export const mappingConfig = override
  ? parseMappingConfig(readMappingFile(override), override)
  : parseMappingConfig(raw);

function readMappingFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidConfigError(
      `Q2C_MAPPING_FILE=${file} cannot be read (${(err as NodeJS.ErrnoException).code}): give the path of a mapping file`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InvalidConfigError(
      `${file} is not valid JSON: ${(err as Error).message}. Fix the file and start again.`,
    );
  }
}

/**
 * The Stripe mode this deployment books (config/deployment.json `stripe.mode`, passed as STRIPE_MODE by
 * lib/topology.ts to CDK and the local runtime alike); validated like the file itself.
 */
export const stripeMode: StripeMode = stripeSettings({
  mode: process.env.STRIPE_MODE ?? DEPLOYMENT.stripe.mode,
}).mode;
