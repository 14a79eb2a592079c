// Live data: a counter per event type, bumped by the server-sent events; views refetch when the
// counters they depend on move (and every 15 s regardless, in case the stream is down).
import { createContext, useContext, useEffect, useState } from 'react';

export type Ticks = Record<string, number>;
export const LiveCtx = createContext<Ticks>({});
export const useTicks = () => useContext(LiveCtx);

export function useData<T>(
  load: () => Promise<T>,
  keys: readonly unknown[],
): { data: T | null; error: string | null; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [n, setN] = useState(0);
  const [slow, setSlow] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setSlow((x) => x + 1), 15_000);
    return () => clearInterval(t);
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: keys are the caller's dependencies
  useEffect(() => {
    let stale = false;
    load().then(
      (d) => {
        if (!stale) {
          setData(d);
          setError(null);
        }
      },
      (e: Error) => {
        if (!stale) setError(e.message);
      },
    );
    return () => {
      stale = true;
    };
  }, [...keys, n, slow]);
  return { data, error, reload: () => setN((x) => x + 1) };
}

export const fmtTime = (ms: number | string | null) =>
  ms === null ? '—' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19).concat('Z');
