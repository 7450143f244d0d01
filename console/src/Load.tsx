import { Alert, Button, Empty, Result, Spin } from 'antd';
import { useEffect, useState, type ReactNode } from 'react';
import { ApiError } from './api.js';
import { useI18n } from './i18n.js';

export interface Loaded<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
}

/** Load once (and again on `deps` or reload()); errors are kept as ApiErrors for <Loading>. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: ApiError | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (err: unknown) =>
        live &&
        setState({
          data: null,
          error: err instanceof ApiError ? err : new ApiError(0, 'client_error', String(err)),
          loading: false,
        }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((n) => n + 1) };
}

/** The message a person reads for an API error. */
export function useErrorText(): (err: unknown) => string {
  const { t } = useI18n();
  return (err) =>
    !(err instanceof ApiError)
      ? String(err)
      : err.code === 'network_error'
        ? t.common.networkError
        : err.message;
}

/** Loading spinner, error with retry, permission denial, empty state, or the content. */
export function Loading<T>({
  state,
  empty,
  children,
}: {
  state: Loaded<T>;
  empty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
}) {
  const { t } = useI18n();
  const text = useErrorText();
  if (state.loading && state.data === null)
    return (
      <div style={{ padding: 48, textAlign: 'center' }}>
        <Spin tip={t.common.loading}>
          <div style={{ minHeight: 40 }} />
        </Spin>
      </div>
    );
  if (state.error) {
    if (state.error.status === 403)
      return <Result status="403" title="403" subTitle={t.common.forbidden} />;
    return (
      <Alert
        type="error"
        showIcon
        message={t.common.error}
        description={`${text(state.error)} (${state.error.code})`}
        action={<Button onClick={state.reload}>{t.common.retry}</Button>}
      />
    );
  }
  if (state.data === null) return null;
  if (empty?.(state.data)) return <Empty description={t.common.empty} />;
  return <>{children(state.data)}</>;
}
