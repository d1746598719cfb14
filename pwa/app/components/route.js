// What the inspector's route page and a visit share: where the route comes from, the residents'
// photo thumbnails, and showing one from the copy kept on the device for the field.
import { html, useEffect, useState } from '../preact.js';
import { readCache } from '../db.js';

export const ROUTE_URL = '/api/inspector/routes';
export const thumbUrl = (readingId) => `/api/readings/${readingId}/thumb`;

// A photo from the device's copy when there is one, else from the network.
export function CachedImage({ url, alt, className }) {
  const [src, setSrc] = useState(null);
  useEffect(() => {
    let objectUrl = null;
    readCache(url).then((hit) => {
      if (hit && hit.data && hit.data.buffer) {
        objectUrl = URL.createObjectURL(new Blob([hit.data.buffer], { type: hit.data.type || 'image/jpeg' }));
        setSrc(objectUrl);
      } else setSrc(url);
    }, () => setSrc(url));
    return () => objectUrl && URL.revokeObjectURL(objectUrl);
  }, [url]);
  return src ? html`<img src=${src} alt=${alt} class=${className} />` : null;
}
