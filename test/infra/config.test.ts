import { buildApp } from '../../lib/app';

describe('cdk synth validates the mapping configuration the functions bundle', () => {
  it('refuses an invalid configuration with a readable error before building anything', () => {
    expect(() =>
      buildApp({
        bundling: false,
        nag: false,
        mappingConfig: {
          subsidiaries: [{ id: 'US', name: 'US', functionalCurrency: 'USD', currencies: ['usd'] }],
        },
      }),
    ).toThrow(/is not a valid mapping configuration[\s\S]*functionalCurrency/);
  });
});
