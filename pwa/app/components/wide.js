// Whether the screen is wide (from 1024 px): lists are tables there, cards on a phone. One of the
// two is drawn at a time, so each row, link and test id exists once.
import { useEffect, useState } from '../preact.js';

const QUERY = '(min-width: 1024px)';

export function useWide() {
  const [wide, setWide] = useState(() => window.matchMedia(QUERY).matches);
  useEffect(() => {
    const media = window.matchMedia(QUERY);
    const changed = () => setWide(media.matches);
    media.addEventListener('change', changed);
    changed(); // a resize between the first render and this effect sends no event of its own
    return () => media.removeEventListener('change', changed);
  }, []);
  return wide;
}
