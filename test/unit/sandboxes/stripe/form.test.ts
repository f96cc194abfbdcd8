import { coerceParams, parseForm } from '../../../../local/sandboxes/stripe/form';
import { newId } from '../../../../local/sandboxes/stripe/ids';
import { StripeApiError } from '../../../../local/sandboxes/stripe/errors';

describe('Stripe bracket-encoded form parsing', () => {
  it('parses what stripe-node sends: hashes, indexed arrays, nested hashes in arrays', () => {
    // The shape of utils.stringifyRequestData: brackets unencoded, arrays indexed.
    const body =
      'customer=cus_1&items[0][price]=price_1&items[0][quantity]=2&items[1][price]=price_2' +
      '&metadata[deal_id]=opp_1&metadata[note]=a%20b%26c&expand[0]=latest_invoice&expand[1]=customer';
    expect(parseForm(body)).toEqual({
      customer: 'cus_1',
      items: [{ price: 'price_1', quantity: '2' }, { price: 'price_2' }],
      metadata: { deal_id: 'opp_1', note: 'a b&c' },
      expand: ['latest_invoice', 'customer'],
    });
  });

  it('accepts curl-style `[]` appends, encoded brackets, `+` for spaces, and query strings', () => {
    expect(parseForm('?expand%5B%5D=data.source&expand[]=data.customer&description=two+words%2B')).toEqual({
      expand: ['data.source', 'data.customer'],
      description: 'two words+',
    });
    expect(parseForm('created[gte]=10&created[lt]=20&limit=3')).toEqual({
      created: { gte: '10', lt: '20' },
      limit: '3',
    });
  });

  it('keeps empty values (Stripe reads them as "unset") and orders sparse indices', () => {
    expect(parseForm('metadata[a]=&description=&items[2][price]=p2&items[0][price]=p0')).toEqual({
      metadata: { a: '' },
      description: '',
      items: [{ price: 'p0' }, { price: 'p2' }],
    });
  });

  it('rejects prototype keys and a key used both as a value and a hash', () => {
    expect(() => parseForm('__proto__[polluted]=1')).toThrow(StripeApiError);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(() => parseForm('metadata=x&metadata[a]=1')).toThrow(/both a value and a hash/);
  });

  it('coerces typed params and names nested ones in bracket form in errors', () => {
    const params = parseForm('amount=1200&items[0][quantity]=3&items[1][quantity]=&active=false');
    coerceParams(params, { amount: 'integer', 'items[].quantity': 'integer', active: 'boolean' });
    expect(params).toEqual({ amount: 1200, items: [{ quantity: 3 }, { quantity: '' }], active: false });

    const bad = parseForm('items[0][quantity]=1&items[1][quantity]=two');
    expect(() => coerceParams(bad, { 'items[].quantity': 'integer' })).toThrow(
      expect.objectContaining({
        status: 400,
        body: expect.objectContaining({ message: 'Invalid integer: two', param: 'items[1][quantity]' }),
      }),
    );
  });
});

describe('generated ids', () => {
  it('sort in creation order, so same-second objects list newest first', () => {
    const ids = Array.from({ length: 500 }, () => newId('cus'));
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]).toMatch(/^cus_[0-9A-Za-z]{24}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
