import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
  type ReactNode,
} from 'react';
import { api, ApiError, sessionToken, setSessionEndedListener } from './api.js';
import type { Me } from './types.js';

interface Session {
  /** Null until logged in (or while the stored token is being checked). */
  me: Me | null;
  checking: boolean;
  /** Why the user is on the login page again (the session timed out), if so. */
  ended: boolean;
  login: (token: string) => Promise<Me>;
  logout: () => Promise<void>;
  refresh: () => Promise<void>;
}

const Context = createContext<Session | null>(null);

/**
 * The console session: the hub's session token in sessionStorage (gone with the tab), the
 * caller's name and roles from /api/v1/me. The hub enforces idle timeout and lockout; when it
 * says the session ended, the console returns to the login page.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(() => sessionToken.get() !== null);
  const [ended, setEnded] = useState(false);

  const load = useCallback(async () => {
    const next = await api<Me>('GET', '/api/v1/me');
    setMe(next);
    return next;
  }, []);

  useEffect(() => {
    setSessionEndedListener(() => {
      sessionToken.clear();
      setMe(null);
      setEnded(true);
    });
    if (!sessionToken.get()) return;
    load()
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 401) sessionToken.clear();
      })
      .finally(() => setChecking(false));
  }, [load]);

  const value = useMemo<Session>(
    () => ({
      me,
      checking,
      ended,
      login: async (token) => {
        sessionToken.set(token);
        setEnded(false);
        return load();
      },
      logout: async () => {
        await api('POST', '/api/v1/auth/logout').catch(() => {});
        sessionToken.clear();
        setMe(null);
      },
      refresh: async () => {
        await load();
      },
    }),
    [me, checking, ended, load],
  );
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useSession(): Session {
  const value = useContext(Context);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}
