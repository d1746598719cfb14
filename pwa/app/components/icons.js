// Line icons (24×24, stroke = currentColor). Decorative: the text next to them carries the meaning.
import { html } from '../preact.js';

const PATHS = {
  drop: 'M12 3c-.5.7-6.5 8-6.5 12a6.5 6.5 0 0 0 13 0C18.5 11 12.5 3.7 12 3z',
  home: 'M3 11l9-8 9 8M5 9.5V21h5v-6h4v6h5V9.5',
  gauge: 'M12 21a9 9 0 1 1 0-18 9 9 0 0 1 0 18zM12 12l4-4M7 14h.01M17 14h.01',
  document: 'M6 3h8l4 4v14H6zM14 3v4h4M9 12h6M9 16h6',
  alert: 'M12 3l10 18H2zM12 10v5M12 18h.01',
  user: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4 21a8 8 0 0 1 16 0',
  office: 'M4 21V8l8-5 8 5v13M9 21v-6h6v6M8 10h.01M12 10h.01M16 10h.01',
  logout: 'M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10',
  phone: 'M5 3h4l2 5-3 2a11 11 0 0 0 6 6l2-3 5 2v4a2 2 0 0 1-2 2A17 17 0 0 1 3 5a2 2 0 0 1 2-2z',
};

export function Icon({ name, className = 'icon' }) {
  return html`<svg class=${className} viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false"
    fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d=${PATHS[name]} /></svg>`;
}
