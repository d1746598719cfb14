// Every view starts with its <h1>: it names the page in the title bar and takes focus after navigation.
import { html, useEffect, useRef } from '../preact.js';
import { takeRouteFocus } from '../router.js';

export function Page({ title, className = '', children }) {
  const heading = useRef(null);
  useEffect(() => {
    document.title = `${title} · e-BOK`;
  }, [title]);
  useEffect(() => {
    if (takeRouteFocus() && heading.current) heading.current.focus();
  }, []);
  return html`<div class=${`page ${className}`}>
    <h1 tabindex="-1" ref=${heading}>${title}</h1>
    ${children}
  </div>`;
}
