// After a resident logs in (or the app starts with their session), their main screens' data is
// fetched once into the offline cache, so the dashboard, meters and settlements open offline
// even if they were never opened on this device.
import { getCached } from './api.js';

export const RESIDENT_DATA = ['/api/dashboard', '/api/meters', '/api/settlements'];

let done = null; // the user whose data was fetched in this page's life

export async function prefetchResidentData(user) {
  if (!user || user.role !== 'resident' || done === user.id) return;
  done = user.id;
  // one at a time: the current view's own request goes first and the phone's link is not flooded
  for (const url of RESIDENT_DATA) {
    if (done !== user.id) return; // logged out (or another person logged in) meanwhile
    try {
      await getCached(url);
    } catch {
      done = null; // offline or refused: try again at the next start or login
      return;
    }
  }
}

export function forgetPrefetch() {
  done = null;
}
