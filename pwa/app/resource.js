// Data for views: the last answer in memory is shown at once when moving between views, then
// refreshed from the network (or IndexedDB when offline) via getCached.
import { useCallback, useEffect, useState } from './preact.js';
import { getCached } from './api.js';

const memory = new Map();

export function forgetData() {
  memory.clear();
}

export function useCachedData(url) {
  const [state, setState] = useState(() => memory.get(url) || { loading: true });

  const reload = useCallback(async () => {
    setState((s) => ({ ...s, loading: true }));
    try {
      const result = await getCached(url);
      memory.set(url, result);
      setState(result);
    } catch (error) {
      setState((s) => ({ ...s, loading: false, error }));
    }
  }, [url]);

  useEffect(() => {
    reload();
    window.addEventListener('online', reload);
    return () => window.removeEventListener('online', reload);
  }, [reload]);

  return { ...state, reload };
}
