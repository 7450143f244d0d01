import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';
import { en } from './messages/en-US.js';
import { zh, type Messages } from './messages/zh-CN.js';

export type Locale = 'zh-CN' | 'en-US';
const LOCALE_KEY = 'zs.locale';
const MESSAGES: Record<Locale, Messages> = { 'zh-CN': zh, 'en-US': en };

interface I18n {
  locale: Locale;
  setLocale: (locale: Locale) => void;
  t: Messages;
}

const Context = createContext<I18n | null>(null);

/** zh-CN by default; the choice is kept in this browser. */
export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(() =>
    localStorage.getItem(LOCALE_KEY) === 'en-US' ? 'en-US' : 'zh-CN',
  );
  const value = useMemo<I18n>(
    () => ({
      locale,
      t: MESSAGES[locale],
      setLocale: (next) => {
        localStorage.setItem(LOCALE_KEY, next);
        document.documentElement.lang = next;
        setLocaleState(next);
      },
    }),
    [locale],
  );
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(Context);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}

const SHANGHAI = 'Asia/Shanghai';
const formatters = new Map<Locale, Intl.DateTimeFormat>();

/** A time as people in the hub's region read it: Asia/Shanghai, whatever the browser's zone. */
export function formatTime(value: string | Date | null | undefined, locale: Locale): string {
  if (!value) return '—';
  let f = formatters.get(locale);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, {
      timeZone: SHANGHAI,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    });
    formatters.set(locale, f);
  }
  return f.format(new Date(value));
}

/** Today in Shanghai as YYYY-MM-DD, and the day `days` before it. */
export function shanghaiDay(offsetDays = 0): string {
  const t = Date.now() + 8 * 3_600_000 - offsetDays * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/** A message with `{name}` placeholders filled from `values`. */
export const fill = (template: string, values: Record<string, string | number | null>) =>
  template.replace(/\{(\w+)\}/g, (_m, k: string) => String(values[k] ?? ''));
