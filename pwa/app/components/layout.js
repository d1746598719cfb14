// The frame around every view: header (brand, connection, language, logout), navigation
// (bottom tab bar on phones, side column on wide screens) and the public contact block.
import { html } from '../preact.js';
import { t, getLang, LANGUAGES } from '../i18n.js';
import { telHref } from '../format.js';
import { Icon } from './icons.js';
import { ConnectionPill } from './status.js';
import { useOutbox, unsentCount } from '../outbox.js';

// each language named in itself; the header's buttons show a short form, the login page the whole name
export const LANGUAGE_NAMES = { pl: 'Polski', en: 'English', uk: 'Українська' };
const SHORT = { uk: 'УКР' };

// Each role has its own tabs, at most five (a phone's bottom bar): staff and inspectors have no
// meters or invoices of their own, so the residents' tabs would only show them empty pages.
const ACCOUNT = { path: '/konto', key: 'nav.account', icon: 'user', also: ['/dokumenty', '/kontakt', '/wnioski', '/moje-dane'] };
export const NAV_ITEMS = {
  resident: [
    { path: '/', key: 'nav.dashboard', icon: 'home' },
    { path: '/odczyty', key: 'nav.readings', icon: 'gauge' },
    { path: '/rozliczenia', key: 'nav.settlements', icon: 'document' },
    { path: '/awarie', key: 'nav.outages', icon: 'alert' },
    // Dokumenty, Kontakt and Moje dane open from Konto
    ACCOUNT,
  ],
  staff: [
    // the office's other screens (inbox, documents, routes, ...) open from Biuro
    { path: '/biuro', key: 'nav.staff', icon: 'office' },
    { path: '/biuro/odczyty', key: 'nav.review', icon: 'gauge' },
    { path: '/biuro/awarie', key: 'nav.staffOutages', icon: 'alert' },
    { path: '/biuro/rozliczenia', key: 'nav.billing', icon: 'document' },
    ACCOUNT,
  ],
  inspector: [
    { path: '/trasa', key: 'nav.route', icon: 'gauge' },
    { path: '/awarie', key: 'nav.outages', icon: 'alert' },
    ACCOUNT,
  ],
};

// Where "/" (the logo, the login's default target) leads each role.
export const HOME = { staff: '/biuro', inspector: '/trasa' };

export function LanguageSwitch({ lang, onChange, full }) {
  return html`<div class=${full ? 'lang-switch lang-full' : 'lang-switch'} role="group" aria-label=${t('lang.group')}>
    ${LANGUAGES.map((code) => html`<button type="button" class="lang-btn" lang=${code} title=${LANGUAGE_NAMES[code]}
      aria-pressed=${code === lang ? 'true' : 'false'} onClick=${() => code !== lang && onChange(code)}
      >${full ? LANGUAGE_NAMES[code] : SHORT[code] || code.toUpperCase()}</button>`)}
  </div>`;
}

export function Header({ config, me, lang, online, onLanguage, onLogout }) {
  const utility = config && config.utility;
  return html`<header class="app-header">
    <a class="brand" href="/" aria-label=${t('app.home')}>
      <${Icon} name="drop" className="brand-icon" />
      <span class="brand-name">e-BOK</span>
      ${utility && html`<span class="brand-utility">${utility.name}</span>`}
    </a>
    <${ConnectionPill} online=${online} />
    <div class="header-tools">
      <${LanguageSwitch} lang=${lang} onChange=${onLanguage} />
      ${me && html`<button type="button" class="btn-header" title=${t('logout')} onClick=${onLogout}>
        <${Icon} name="logout" /><span>${t('logout')}</span>
      </button>`}
    </div>
  </header>`;
}

function isCurrent(itemPath, path) {
  return itemPath === '/' ? path === '/' : path === itemPath || path.startsWith(`${itemPath}/`);
}

// The count of readings not yet sent, on the Odczyty tab, wherever the person is in the app.
function UnsentBadge() {
  const count = unsentCount(useOutbox());
  if (!count) return null;
  return html`<span class="nav-badge" data-testid="unsent-badge"><span aria-hidden="true">${count}</span>
    <span class="visually-hidden">${t('nav.unsent', { count })}</span></span>`;
}

export function Nav({ me, path }) {
  const items = NAV_ITEMS[me.role] || NAV_ITEMS.resident;
  // the most specific item is the current one (/biuro/awarie, not also /biuro)
  const current = items.filter((item) => [item.path, ...(item.also || [])].some((p) => isCurrent(p, path))).sort((a, b) => b.path.length - a.path.length)[0];
  return html`<nav class="app-nav" aria-label=${t('nav.label')}>
    <ul>
      ${items.map((item) => html`<li>
        <a href=${item.path} aria-current=${item === current ? 'page' : undefined}>
          <${Icon} name=${item.icon} /><span>${t(item.key)}</span>
          ${item.path === '/odczyty' && html`<${UnsentBadge} />`}
        </a>
      </li>`)}
    </ul>
  </nav>`;
}

export function ContactBlock({ config, me }) {
  const u = config && config.utility;
  return html`<footer class="app-footer" data-testid="contact-block">
    <h2>${t('contact.title')}</h2>
    ${u
      ? html`<div class="contact-grid">
          <section>
            <h3>${t('contact.office')}</h3>
            <p><a class="tel" href=${telHref(u.phone)}><${Icon} name="phone" />${u.phone}</a></p>
            ${u.hours && html`<p>${t('contact.hours', { hours: u.hours })}</p>`}
          </section>
          <section>
            <h3>${t('contact.emergency')}</h3>
            <p><a class="tel tel-emergency" href=${telHref(u.emergency_phone)}><${Icon} name="phone" />${u.emergency_phone}</a></p>
          </section>
          <section>
            <h3>${t('contact.email')}</h3>
            <p><a href=${`mailto:${u.email}`}>${u.email}</a></p>
          </section>
        </div>
        <p class="utility-name">${u.name}</p>
        <p><a href="/informacje">${t('footer.information')}</a>${!me && html` · <a href="/rejestracja">${t('footer.register')}</a>`}</p>`
      : html`<p>${t('contact.unavailable')}</p>`}
    <p><a href=${`/deklaracja-dostepnosci?lang=${getLang()}`} target="_self" lang="pl">Deklaracja dostępności</a></p>
  </footer>`;
}
