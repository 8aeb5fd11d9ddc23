// How an admin CLI command reaches the data: straight on the database, or, when a running server holds the embedded
// database, through that server's operator API with the token it left in the data folder.
import type { Config } from '../config.js';
import { databaseTarget, openDatabase, type Database } from '../db/client.js';
import { migrateDatabase } from '../db/migrate.js';
import { DatabaseLockedError } from '../db/pglite-lock.js';
import { AppError, type ErrorKind } from '../errors.js';
import { readLocalServerInfo } from './local-server.js';

export type ServerCall = <T>(
  method: string,
  path: string,
  body?: { json: unknown } | { ndjson: string },
) => Promise<T>;

export type AdminAccess =
  | { via: 'database'; database: Database; close(): Promise<void> }
  | { via: 'server'; url: string; call: ServerCall; close(): Promise<void> };

export async function openAdminAccess(config: Config): Promise<AdminAccess> {
  let database: Database;
  try {
    database = await openDatabase(databaseTarget(config));
  } catch (err) {
    if (!(err instanceof DatabaseLockedError)) throw err;
    const server = await readLocalServerInfo(config.dataDir);
    if (!server) throw err;
    return {
      via: 'server',
      url: server.url,
      call: serverCaller(server.url, server.admin_token),
      close: async () => {},
    };
  }
  try {
    await migrateDatabase(database);
  } catch (err) {
    await database.close();
    throw err;
  }
  return { via: 'database', database, close: () => database.close() };
}

function kindOf(status: number): ErrorKind {
  if (status === 404) return 'not_found';
  if (status === 400 || status === 413 || status === 415) return 'bad_request';
  if (status === 401) return 'unauthorized';
  return 'internal';
}

function serverCaller(baseUrl: string, token: string): ServerCall {
  return async (method, path, body) => {
    const res = await fetch(new URL(`/api/admin${path}`, baseUrl), {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body && { 'content-type': 'json' in body ? 'application/json' : 'application/x-ndjson' }),
      },
      body: body && ('json' in body ? JSON.stringify(body.json) : body.ndjson),
    });
    const json = (await res.json()) as { detail?: string; code?: string };
    if (!res.ok) {
      throw new AppError(kindOf(res.status), json.detail ?? `The server answered ${res.status}.`, {
        code: json.code,
      });
    }
    return json as never;
  };
}
