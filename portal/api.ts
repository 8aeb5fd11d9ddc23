// Every call the pages make goes to /portal/api/* (same origin, the session cookie rides along) with the session's
// CSRF token on changes. Errors come back as {error, detail, status, code}, like the REST API's.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    detail: string,
  ) {
    super(detail);
  }
}

let csrf: string | null = null;
let accountId: string | null = null;
let onSignedOut: () => void = () => {};

/** The session's CSRF token (from GET /me, sign-in or sign-up) and whose session it is. */
export function setCsrf(token: string | null, account: string | null = null) {
  csrf = token;
  accountId = token ? account : null;
}

/** Called when the server says the session is gone (expired, or signed out elsewhere). */
export function whenSignedOut(fn: () => void) {
  onSignedOut = fn;
}

export async function api<T>(
  method: 'GET' | 'POST' | 'PATCH',
  path: string,
  body?: unknown,
  retried = false,
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  let res: Response;
  try {
    res = await fetch(`/portal/api${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(
      0,
      'network',
      'No connection',
      'Could not reach the server. Check your connection and try again.',
    );
  }
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  if (!res.ok) {
    const code = typeof data?.code === 'string' ? data.code : 'error';
    if (res.status === 401 && code === 'not_signed_in') onSignedOut();
    if (res.status === 403 && code === 'csrf_failed' && !retried) {
      // Signed in again in another tab: this page's token is stale. Same account: take the new one and retry;
      // another account: start over with it.
      const me = await api<{ account: { id: string } | null; csrf: string | null }>('GET', '/me');
      if (me.account && me.account.id === accountId) {
        setCsrf(me.csrf, me.account.id);
        return api<T>(method, path, body, true);
      }
      location.reload();
    }
    throw new ApiError(
      res.status,
      code,
      typeof data?.error === 'string' ? data.error : `Error ${res.status}`,
      typeof data?.detail === 'string' ? data.detail : 'Something went wrong. Please try again.',
    );
  }
  return data as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body);
export const patch = <T>(path: string, body?: unknown) => api<T>('PATCH', path, body);

/** A query string from the defined values: qs({page: 2, q: ''}) = "?page=2". */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') search.set(k, String(v));
  const s = search.toString();
  return s ? `?${s}` : '';
}
