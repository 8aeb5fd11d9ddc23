// Users' shipping addresses. At most one default per user; the first address saved becomes it.
import { and, asc, count, desc, eq, ne } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';
import { addresses, users, type AddressRow } from './schema.js';

export const MAX_ADDRESSES_PER_USER = 50;

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'UN', 'ZZ', 'QO']);

function isCountryCode(code: string): boolean {
  if (!/^[A-Z]{2}$/.test(code) || NOT_COUNTRIES.has(code)) return false;
  const name = regionNames.of(code);
  return name !== undefined && name !== code && name !== 'Unknown Region';
}

const text = (max: number) => z.string().trim().max(max);

export const addressFields = {
  label: text(100).describe('A short name for the address, e.g. "Home" or "Work".'),
  recipient_name: text(200).describe('Who receives the parcel, if not the user.'),
  line1: text(200).min(1, 'must not be empty').describe('Street address, e.g. "123 Main St".'),
  line2: text(200).describe('Apartment, suite, floor; may be empty.'),
  city: text(100).min(1, 'must not be empty').describe('City or town.'),
  state: text(100).describe('State, province or region, e.g. "NY".'),
  zip: text(20).describe('ZIP or postal code, e.g. "10001".'),
  country: z
    .string()
    .trim()
    .transform((v) => v.toUpperCase())
    .refine(isCountryCode, 'must be an ISO 3166-1 alpha-2 country code such as "US", "GB" or "DE"')
    .describe('Two-letter ISO 3166-1 country code, e.g. "US".'),
  phone: text(40).describe('A phone number for the carrier; may be empty.'),
  is_default: z.boolean().describe('Make this the default shipping address.'),
};

const { line1, city, country, ...optionalFields } = addressFields;

export const newAddressSchema = z
  .object({ line1, city, country, ...z.object(optionalFields).partial().shape })
  .strict();
export const addressPatchSchema = z
  .object(addressFields)
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'name at least one field to change');

export type NewAddress = z.infer<typeof newAddressSchema>;
export type AddressPatch = z.infer<typeof addressPatchSchema>;

export const addressViewSchema = z
  .object({
    id: z.string().describe('Address id ("addr_…").'),
    label: z.string(),
    recipient_name: z.string(),
    line1: z.string(),
    line2: z.string(),
    city: z.string(),
    state: z.string(),
    zip: z.string(),
    country: z.string(),
    phone: z.string(),
    is_default: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .describe('Address');

export type AddressView = z.infer<typeof addressViewSchema>;

export function toAddressView(row: AddressRow): AddressView {
  return {
    id: row.id,
    label: row.label,
    recipient_name: row.recipientName,
    line1: row.line1,
    line2: row.line2,
    city: row.city,
    state: row.state,
    zip: row.zip,
    country: row.country,
    phone: row.phone,
    is_default: row.isDefault,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

function toColumns(input: AddressPatch) {
  return {
    ...(input.label !== undefined && { label: input.label }),
    ...(input.recipient_name !== undefined && { recipientName: input.recipient_name }),
    ...(input.line1 !== undefined && { line1: input.line1 }),
    ...(input.line2 !== undefined && { line2: input.line2 }),
    ...(input.city !== undefined && { city: input.city }),
    ...(input.state !== undefined && { state: input.state }),
    ...(input.zip !== undefined && { zip: input.zip }),
    ...(input.country !== undefined && { country: input.country }),
    ...(input.phone !== undefined && { phone: input.phone }),
    ...(input.is_default !== undefined && { isDefault: input.is_default }),
  };
}

/** The user's addresses, the default first, then oldest first. */
export async function listAddresses(db: Db, companyId: string, userId: string): Promise<AddressRow[]> {
  return db
    .select()
    .from(addresses)
    .where(and(eq(addresses.companyId, companyId), eq(addresses.userId, userId)))
    .orderBy(desc(addresses.isDefault), asc(addresses.createdAt), asc(addresses.id));
}

export async function getAddress(
  db: Db,
  companyId: string,
  userId: string,
  addressId: string,
): Promise<AddressRow> {
  const [row] = await db
    .select()
    .from(addresses)
    .where(and(eq(addresses.companyId, companyId), eq(addresses.userId, userId), eq(addresses.id, addressId)))
    .limit(1);
  if (!row) {
    throw new AppError('not_found', `This user has no address "${addressId}".`, {
      code: 'address_not_found',
      title: 'Address not found',
    });
  }
  return row;
}

// Address writes for one user take the user's row lock first, so concurrent writes cannot leave two defaults.
async function lockUser(tx: Db, userId: string) {
  await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('update');
}

async function clearDefault(tx: Db, userId: string) {
  await tx
    .update(addresses)
    .set({ isDefault: false })
    .where(and(eq(addresses.userId, userId), eq(addresses.isDefault, true)));
}

export async function addAddress(
  db: Db,
  companyId: string,
  userId: string,
  input: NewAddress,
): Promise<AddressRow> {
  return db.transaction(async (tx) => {
    await lockUser(tx, userId);
    const [existing] = await tx.select({ n: count() }).from(addresses).where(eq(addresses.userId, userId));
    const n = existing?.n ?? 0;
    if (n >= MAX_ADDRESSES_PER_USER) {
      throw new AppError(
        'bad_request',
        `A user can keep at most ${MAX_ADDRESSES_PER_USER} addresses; delete one first.`,
        {
          code: 'too_many_addresses',
        },
      );
    }
    const isDefault = input.is_default ?? n === 0;
    if (isDefault) await clearDefault(tx, userId);
    const [row] = await tx
      .insert(addresses)
      .values({
        ...toColumns(input),
        companyId,
        userId,
        line1: input.line1,
        city: input.city,
        country: input.country,
        isDefault,
      })
      .returning();
    return row!;
  });
}

export async function updateAddress(
  db: Db,
  companyId: string,
  userId: string,
  addressId: string,
  patch: AddressPatch,
): Promise<AddressRow> {
  return db.transaction(async (tx) => {
    await lockUser(tx, userId);
    const current = await getAddress(tx, companyId, userId, addressId);
    if (patch.is_default === true && !current.isDefault) await clearDefault(tx, userId);
    const [row] = await tx
      .update(addresses)
      .set(toColumns(patch))
      .where(eq(addresses.id, current.id))
      .returning();
    if (patch.is_default === false && current.isDefault) await promoteNewestToDefault(tx, userId, current.id);
    return row!;
  });
}

export async function deleteAddress(
  db: Db,
  companyId: string,
  userId: string,
  addressId: string,
): Promise<void> {
  await db.transaction(async (tx) => {
    await lockUser(tx, userId);
    const current = await getAddress(tx, companyId, userId, addressId);
    await tx.delete(addresses).where(eq(addresses.id, current.id));
    if (current.isDefault) await promoteNewestToDefault(tx, userId, current.id);
  });
}

// A user with addresses always has a default, so checkout never has to guess.
async function promoteNewestToDefault(tx: Db, userId: string, exceptId: string) {
  const [next] = await tx
    .select({ id: addresses.id })
    .from(addresses)
    .where(and(eq(addresses.userId, userId), ne(addresses.id, exceptId)))
    .orderBy(desc(addresses.createdAt), desc(addresses.id))
    .limit(1);
  if (next) await tx.update(addresses).set({ isDefault: true }).where(eq(addresses.id, next.id));
}
