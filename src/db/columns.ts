// Column helpers every table shares: prefixed text ids and timestamptz created/updated stamps.
import { text, timestamp } from 'drizzle-orm/pg-core';
import { newId, type IdPrefix } from '../ids.js';

export const idColumn = (prefix: IdPrefix) =>
  text('id')
    .primaryKey()
    .$defaultFn(() => newId(prefix));

export const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' })
    .notNull()
    .defaultNow()
    .$onUpdateFn(() => new Date()),
};
