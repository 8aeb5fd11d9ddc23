import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addAddress,
  deleteAddress,
  listAddresses,
  MAX_ADDRESSES_PER_USER,
  newAddressSchema,
  registerUser,
  updateAddress,
  type NewAddress,
} from '../../src/commerce/index.js';
import { createTestCompany, type TestCompany } from '../helpers/app.js';
import { openTestDb } from '../helpers/database.js';

let t: Awaited<ReturnType<typeof openTestDb>>;
let co: TestCompany;

beforeAll(async () => {
  t = await openTestDb();
  co = await createTestCompany(t.db);
});
afterAll(() => t.close());

const home: NewAddress = {
  label: 'Home',
  line1: '123 Main St',
  city: 'New York',
  state: 'NY',
  zip: '10001',
  country: 'US',
};

async function newUser(ext: string) {
  return (await registerUser(t.db, co.id, { externalUserId: ext })).user;
}

const defaults = async (userId: string) =>
  (await listAddresses(t.db, co.id, userId)).filter((a) => a.isDefault).map((a) => a.label);

describe('addresses', () => {
  it('makes the first address the default, and moves the default on request', async () => {
    const u = await newUser('u1');
    const a = await addAddress(t.db, co.id, u.id, home);
    expect(a.isDefault).toBe(true);
    const b = await addAddress(t.db, co.id, u.id, { ...home, label: 'Work' });
    expect(b.isDefault).toBe(false);
    await updateAddress(t.db, co.id, u.id, b.id, { is_default: true });
    expect(await defaults(u.id)).toEqual(['Work']);
    const c = await addAddress(t.db, co.id, u.id, { ...home, label: 'Cabin', is_default: true });
    expect(c.isDefault).toBe(true);
    expect(await defaults(u.id)).toEqual(['Cabin']);
    // The default is listed first.
    expect((await listAddresses(t.db, co.id, u.id))[0]?.label).toBe('Cabin');
  });

  it('promotes another address when the default is deleted', async () => {
    const u = await newUser('u2');
    const a = await addAddress(t.db, co.id, u.id, home);
    await addAddress(t.db, co.id, u.id, { ...home, label: 'Work' });
    await deleteAddress(t.db, co.id, u.id, a.id);
    expect(await defaults(u.id)).toEqual(['Work']);
  });

  it('keeps exactly one default under concurrent writes', async () => {
    const u = await newUser('u3');
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        addAddress(t.db, co.id, u.id, { ...home, label: `A${i}`, is_default: true }),
      ),
    );
    expect(await defaults(u.id)).toHaveLength(1);
  });

  it(`refuses more than ${MAX_ADDRESSES_PER_USER} addresses`, async () => {
    const u = await newUser('u4');
    for (let i = 0; i < MAX_ADDRESSES_PER_USER; i++) await addAddress(t.db, co.id, u.id, home);
    await expect(addAddress(t.db, co.id, u.id, home)).rejects.toMatchObject({ code: 'too_many_addresses' });
  });

  it('validates input: required fields, country codes, unknown fields', () => {
    expect(newAddressSchema.safeParse({ line1: 'x', city: 'y', country: 'gb' }).data?.country).toBe('GB');
    const missing = newAddressSchema.safeParse({ city: 'y', country: 'US' });
    expect(missing.error?.issues[0]?.path).toEqual(['line1']);
    expect(newAddressSchema.safeParse({ line1: 'x', city: 'y', country: 'ZZ' }).success).toBe(false);
    expect(newAddressSchema.safeParse({ line1: 'x', city: 'y', country: 'USA' }).success).toBe(false);
    expect(newAddressSchema.safeParse({ line1: 'x', city: 'y', country: 'US', planet: 'Mars' }).success).toBe(
      false,
    );
  });
});
