/** The mapping configuration (config/mapping.json), validated so a bad file fails loudly at start. */
import { z } from 'zod';
import { BusinessError } from './errors';

const Subsidiary = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  functionalCurrency: z.string().regex(/^[a-z]{3}$/),
  currencies: z.array(z.string().regex(/^[a-z]{3}$/)).min(1),
});

export const MappingConfig = z
  .object({ $comment: z.string().optional(), subsidiaries: z.array(Subsidiary).min(1) })
  .superRefine((cfg, ctx) => {
    const seen = new Map<string, string>();
    for (const s of cfg.subsidiaries) {
      for (const c of s.currencies) {
        const other = seen.get(c);
        if (other)
          ctx.addIssue({ code: 'custom', message: `currency ${c} is booked by both ${other} and ${s.id}` });
        seen.set(c, s.id);
      }
    }
  });
export type MappingConfig = z.infer<typeof MappingConfig>;

export function parseMappingConfig(raw: unknown): MappingConfig {
  const result = MappingConfig.safeParse(raw);
  if (!result.success) {
    throw new Error(`Invalid mapping configuration: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}

/** The subsidiary that books a currency; unmapped currencies are a business error (fix config, replay). */
export function subsidiaryFor(config: MappingConfig, currency: string): string {
  const found = config.subsidiaries.find((s) => s.currencies.includes(currency.toLowerCase()));
  if (!found) {
    const known = config.subsidiaries.flatMap((s) => s.currencies).join(', ');
    throw new BusinessError(
      'unmapped_currency',
      `no subsidiary books ${currency.toUpperCase()} invoices (configured: ${known}); add it to config/mapping.json and replay`,
    );
  }
  return found.id;
}
