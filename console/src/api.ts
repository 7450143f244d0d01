/**
 * The management API as the console calls it: JSON over fetch with the session token. Every
 * failure becomes an ApiError carrying the hub's stable error code (docs/errors.md), so pages
 * branch on codes, never on messages.
 */

const TOKEN_KEY = 'zs.session';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Codes after which the session is gone and the user must log in again. */
export const SESSION_ENDED = new Set(['invalid_session', 'session_expired', 'unauthenticated']);

export const sessionToken = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

type Listener = (err: ApiError) => void;
let onSessionEnded: Listener = () => {};
/** The session provider listens here to send the user back to the login page. */
export const setSessionEndedListener = (listener: Listener) => {
  onSessionEnded = listener;
};

export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  init: { token?: string | null } = {},
): Promise<T> {
  const token = init.token === undefined ? sessionToken.get() : init.token;
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network_error', 'network_error');
  }
  const text = await res.text();
  const parsed: unknown = text ? safeJson(text) : null;
  if (!res.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
    const err = new ApiError(
      res.status,
      error?.code ?? 'http_error',
      error?.message ?? `HTTP ${res.status}`,
    );
    if (res.status === 401 && token && SESSION_ENDED.has(err.code)) onSessionEnded(err);
    throw err;
  }
  return parsed as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
