// The application shell: who is logged in, language, routes and the frame around views.
import { html, useCallback, useEffect, useMemo, useRef, useState } from './preact.js';
import { t, setLang, savedLang, loadLanguage } from './i18n.js';
import { api, getCached, remember, clearCache, endSessionHere, onUnauthenticated } from './api.js';
import { forgetData } from './resource.js';
import { AppContext } from './context.js';
import { navigate, queryParam, safeNext, useLocation } from './router.js';
import { Header, Nav, ContactBlock, HOME } from './components/layout.js';
import { UpdateBanner, useOnline } from './components/status.js';
import { LoginView } from './views/login.js';
import { DashboardView } from './views/dashboard.js';
import { flush as flushOutbox, setOwner as setOutboxOwner, unsentCount } from './outbox.js';
import { NotFoundView } from './views/notfound.js';

// Views other than the login and the dashboard load on first use (the service worker has them all
// precached, so this works offline too): the first load stays within the phone budget of 50 KB of
// gzipped JavaScript (tests/api/test_http.py).
function lazy(load, name) {
  let View = null;
  let loading = null;
  return function LazyView(props) {
    const [state, setState] = useState('loading');
    const start = useCallback(() => {
      setState('loading');
      loading = loading || load().then((module) => { View = module[name]; });
      loading.then(() => setState('ready'), () => {
        loading = null; // offline before the app was ever saved on this device: try again later
        setState('failed');
      });
    }, []);
    useEffect(() => { if (!View) start(); }, []);
    if (View) return html`<${View} ...${props} />`;
    if (state === 'failed') {
      return html`<div class="banner banner-error" role="alert"><p>${t('offline.noData')}</p>
        <button type="button" class="btn btn-secondary" onClick=${start}>${t('retry')}</button></div>`;
    }
    return html`<p class="loading" role="status">${t('app.loading')}</p>`;
  };
}

const ForgotView = lazy(() => import('./views/forgot.js'), 'ForgotView');
const ReadingsView = lazy(() => import('./views/readings.js'), 'ReadingsView');
const TokenView = lazy(() => import('./views/token.js'), 'TokenView');
const SettlementsView = lazy(() => import('./views/settlements.js'), 'SettlementsView');
const OutagesView = lazy(() => import('./views/outages.js'), 'OutagesView');
const AccountView = lazy(() => import('./views/account.js'), 'AccountView');
const StaffView = lazy(() => import('./views/staff.js'), 'StaffView');
const CaptureView = lazy(() => import('./views/capture.js'), 'CaptureView');
const HistoryView = lazy(() => import('./views/history.js'), 'HistoryView');
const SettlementDocumentView = lazy(() => import('./views/settlement-document.js'), 'SettlementDocumentView');
const PayView = lazy(() => import('./views/pay.js'), 'PayView');
const SandboxGatewayView = lazy(() => import('./views/sandbox-gateway.js'), 'SandboxGatewayView');
const BillingStaffView = lazy(() => import('./views/billing-staff.js'), 'BillingStaffView');
const ReviewView = lazy(() => import('./views/review.js'), 'ReviewView');
const RoutesView = lazy(() => import('./views/routes.js'), 'RoutesView');
const RouteView = lazy(() => import('./views/route.js'), 'RouteView');
const VisitView = lazy(() => import('./views/visit.js'), 'VisitView');
const StaffOutagesView = lazy(() => import('./views/staff-outages.js'), 'StaffOutagesView');
const DocumentsView = lazy(() => import('./views/documents.js'), 'DocumentsView');
const InformationView = lazy(() => import('./views/information.js'), 'InformationView');
const ContactView = lazy(() => import('./views/contact.js'), 'ContactView');
const ContactThreadView = lazy(() => import('./views/contact-thread.js'), 'ContactThreadView');
const MyDataView = lazy(() => import('./views/mydata.js'), 'MyDataView');
const RegisterView = lazy(() => import('./views/register.js'), 'RegisterView');
const EmailConfirmView = lazy(() => import('./views/email-confirm.js'), 'EmailConfirmView');
const StaffDocumentsView = lazy(() => import('./views/staff-docs.js'), 'StaffDocumentsView');
const StaffInformationView = lazy(() => import('./views/staff-docs.js'), 'StaffInformationView');
const StaffInboxView = lazy(() => import('./views/staff-inbox.js'), 'StaffInboxView');
const StaffDataView = lazy(() => import('./views/staff-inbox.js'), 'StaffDataView');
const IntegrationView = lazy(() => import('./views/integration.js'), 'IntegrationStaffView');
const PriceListView = lazy(() => import('./views/price-list.js'), 'PriceListView');
const KartotekaView = lazy(() => import('./views/kartoteka.js'), 'KartotekaView');
const ApplicationsView = lazy(() => import('./views/applications.js'), 'ApplicationsView');
const ApplicationView = lazy(() => import('./views/applications.js'), 'ApplicationView');
const StaffApplicationsView = lazy(() => import('./views/staff-applications.js'), 'StaffApplicationsView');
const AuditView = lazy(() => import('./views/staff-audit.js'), 'AuditView');
const CustomerView = lazy(() => import('./views/staff-customer.js'), 'CustomerView');

const ActivationView = () => html`<${TokenView} purpose="activation" />`;
const ResetView = () => html`<${TokenView} purpose="reset" />`;

// access: "guest" (only when logged out), "public", "user", or a role name.
const ROUTES = {
  '/logowanie': { view: LoginView, access: 'guest' },
  '/nie-pamietam-hasla': { view: ForgotView, access: 'public' },
  '/aktywacja': { view: ActivationView, access: 'public' },
  '/reset-hasla': { view: ResetView, access: 'public' },
  '/': { view: DashboardView, access: 'user' },
  '/odczyty': { view: ReadingsView, access: 'user' },
  '/odczyty/nowy': { view: CaptureView, access: 'user' },
  '/odczyty/historia': { view: HistoryView, access: 'user' },
  '/rozliczenia': { view: SettlementsView, access: 'user' },
  '/rozliczenia/dokument': { view: SettlementDocumentView, access: 'user' },
  '/rozliczenia/zaplac': { view: PayView, access: 'user' },
  '/platnosc-testowa': { view: SandboxGatewayView, access: 'public' }, // the demo gateway's page
  '/biuro/rozliczenia': { view: BillingStaffView, access: 'staff' },
  '/awarie': { view: OutagesView, access: 'public' }, // public list; residents' own addresses first
  '/konto': { view: AccountView, access: 'user' },
  '/biuro': { view: StaffView, access: 'staff' },
  '/biuro/odczyty': { view: ReviewView, access: 'staff' },
  '/biuro/trasy': { view: RoutesView, access: 'staff' },
  '/trasa': { view: RouteView, access: 'inspector' },
  '/trasa/wizyta': { view: VisitView, access: 'inspector' },
  '/biuro/awarie': { view: StaffOutagesView, access: 'staff' },
  '/dokumenty': { view: DocumentsView, access: 'user' },
  '/informacje': { view: InformationView, access: 'public' },
  '/cennik': { view: PriceListView, access: 'public' },
  '/kontakt': { view: ContactView, access: 'user' },
  '/kontakt/watek': { view: ContactThreadView, access: 'user' },
  '/wnioski': { view: ApplicationsView, access: 'user' },
  '/wnioski/wniosek': { view: ApplicationView, access: 'user' },
  '/biuro/wnioski': { view: StaffApplicationsView, access: 'staff' },
  '/moje-dane': { view: MyDataView, access: 'user' },
  '/rejestracja': { view: RegisterView, access: 'guest' },
  '/potwierdz-email': { view: EmailConfirmView, access: 'public' },
  '/biuro/dokumenty': { view: StaffDocumentsView, access: 'staff' },
  '/biuro/informacje': { view: StaffInformationView, access: 'staff' },
  '/biuro/kontakt': { view: StaffInboxView, access: 'staff' },
  '/biuro/dane': { view: StaffDataView, access: 'staff' },
  '/biuro/integracja': { view: IntegrationView, access: 'staff' },
  '/biuro/kartoteka': { view: KartotekaView, access: 'staff' },
  '/biuro/dziennik': { view: AuditView, access: 'staff' },
  '/biuro/klient': { view: CustomerView, access: 'staff' },
};
const NOT_FOUND = { view: NotFoundView, access: 'public' };

function routeFor(path) {
  const clean = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return ROUTES[clean] || NOT_FOUND;
}

// Polite announcements of things not written on the page (connectivity, language change).
function useAnnouncer() {
  const [message, setMessage] = useState('');
  const announce = useCallback((text) => {
    setMessage('');
    setTimeout(() => setMessage(text), 50); // a change of text is what gets read
  }, []);
  return [message, announce];
}

// A message for the next page: shown on the page it was meant for, gone once the person moves on.
// tone: 'ok' (done as asked) or 'warn' (something the person did not ask for, e.g. an ended session)
function useNotice(path) {
  const [notice, setNotice] = useState(null); // {text, path, tone}
  const notify = useCallback((text, target = location.pathname, tone = 'ok') => setNotice({ text, path: target, tone }), []);
  useEffect(() => {
    setNotice((n) => (n && n.path !== path ? null : n));
  }, [path]);
  return [notice && notice.path === path ? notice : null, notify];
}

// Public contact data: from the network, else the copy in IndexedDB; refreshed after reconnecting.
// Connectivity changes are announced, not on first render.
function useConfig(online, announce) {
  const [config, setConfig] = useState(null);
  const loadConfig = useCallback(() => getCached('/api/config').then((r) => setConfig(r.data), () => {}), []);
  useEffect(() => {
    loadConfig();
  }, []);
  const firstOnline = useRef(true);
  useEffect(() => {
    if (firstOnline.current) {
      firstOnline.current = false;
      return;
    }
    announce(online ? t('conn.backOnline') : t('conn.wentOffline'));
    if (online) loadConfig();
  }, [online]);
  return config;
}

// Who is logged in: undefined while not known yet, null when logged out.
function useSession(notify, applyLanguage, online) {
  const [me, setMe] = useState(undefined);
  const meRef = useRef(me);
  meRef.current = me;

  const dropUser = useCallback(() => {
    forgetData();
    import('./prefetch.js').then((m) => m.forgetPrefetch()).catch(() => {});
    setMe(null);
    return clearCache();
  }, []);

  // The outbox sends only the items of whoever is logged in here.
  useEffect(() => {
    if (me !== undefined) setOutboxOwner(me ? me.id : null);
  }, [me && me.id, me === null]);

  useEffect(() => {
    onUnauthenticated(() => {
      if (meRef.current) notify(t('error.not_authenticated'), '/logowanie', 'warn');
      dropUser();
    });
    getCached('/api/me').then(
      (r) => {
        setMe(r.data);
        if (r.data.language) applyLanguage(r.data.language);
      },
      () => setMe((current) => (current === undefined ? null : current)),
    );
  }, []);

  // A resident's main screens work offline from the first login, even those not opened yet.
  useEffect(() => {
    // loaded when needed: it is not part of the first load's budget (docs/DESIGN.md)
    if (me && me.role === 'resident' && online) import('./prefetch.js').then((m) => m.prefetchResidentData(me)).catch(() => {});
  }, [me && me.id, online]);

  // The browser may have replaced this device's push subscription while the app was closed.
  useEffect(() => {
    if (me && me.role === 'resident') import('./push.js').then((m) => m.syncPushSubscription()).catch(() => {});
  }, [me && me.id]);

  return { me, setMe, meRef, dropUser };
}

// The view for this address and person, or null while they are sent elsewhere (the login, away
// from guest pages, their role's home). Role pages are simply not there for other roles.
function useRouteView(me, loc) {
  const route = routeFor(loc.path);
  const needsUser = route.access === 'user' || route.access === 'staff' || route.access === 'inspector';

  useEffect(() => {
    if (me === null && needsUser) {
      navigate(`/logowanie?next=${encodeURIComponent(loc.path + loc.search)}`, { replace: true });
    } else if (me && route.access === 'guest') {
      navigate(safeNext(queryParam(loc.search, 'next')), { replace: true });
    } else if (me && loc.path === '/' && HOME[me.role]) {
      navigate(HOME[me.role], { replace: true });
    }
  }, [me, loc.path, loc.search]);

  const goingHome = me && loc.path === '/' && HOME[me.role]; // the effect above redirects: fetch nothing here
  if (me === undefined || (me === null && needsUser) || (me && route.access === 'guest') || goingHome) return null;
  const allowed = !['staff', 'inspector'].includes(route.access) || (me && me.role === route.access);
  return allowed ? route.view : NotFoundView;
}

// The frame around every view.
function Frame({ ctx, online, path, notice, message, View }) {
  const { config, me, lang } = ctx;
  return html`<a class="skip-link" href="#main">${t('app.skip')}</a>
    <div class=${`layout ${me ? 'with-nav' : ''}`}>
      <${Header} config=${config} me=${me} lang=${lang} online=${online}
        onLanguage=${ctx.setLanguage} onLogout=${ctx.logout} />
      <${UpdateBanner} />
      ${me && html`<${Nav} me=${me} path=${path} />`}
      <main id="main" tabindex="-1">
        <div role="status" class="notice">
          ${notice && html`<div class=${`banner banner-${notice.tone === 'warn' ? 'warn' : 'ok'}`}
            data-testid="notice"><p>${notice.text}</p></div>`}
        </div>
        ${View ? html`<${View} key=${path} />` : html`<p class="loading" role="status">${t('app.loading')}</p>`}
      </main>
      <${ContactBlock} config=${config} me=${me} />
    </div>
    <div class="visually-hidden" aria-live="polite" aria-atomic="true">${message}</div>`;
}

export function App() {
  const loc = useLocation();
  const online = useOnline();
  const [lang, setLangState] = useState(() => setLang(savedLang()));
  const [message, announce] = useAnnouncer();
  const [notice, notify] = useNotice(loc.path);
  const config = useConfig(online, announce);
  // a language's texts load first (a failed load keeps the current language)
  const applyLanguage = useCallback((code) => loadLanguage(code).then(() => setLangState(setLang(code)), () => {}), []);
  const { me, setMe, meRef, dropUser } = useSession(notify, applyLanguage, online);
  const View = useRouteView(me, loc);

  const picked = useRef(null); // a language chosen while logged out
  const saveLanguage = (code) => api.patch('/api/me', { language: code }).then((updated) => {
    setMe(updated);
    remember('/api/me', updated);
  }, () => {}); // offline: the choice still holds on this device

  const ctx = useMemo(() => ({
    config,
    me,
    lang,
    setMe,
    notify,
    setLanguage(code) {
      applyLanguage(code).then(() => announce(t('lang.changed')));
      if (meRef.current) saveLanguage(code);
      else picked.current = code; // on the login page: the account takes it at login
    },
    signedIn(user, { to, notice: text, language } = {}) {
      remember('/api/me', user);
      const code = language || picked.current;
      picked.current = null;
      if (code && code !== user.language) saveLanguage(code);
      else if (user.language) applyLanguage(user.language);
      const target = to || safeNext(queryParam(location.search, 'next'));
      if (text) notify(text, new URL(target, location.href).pathname);
      setMe(user);
      navigate(target, { replace: true });
      // this account's readings queued while the session was gone go now (setOwner sends them too)
      setOutboxOwner(user.id).then(() => flushOutbox({ force: true, retry: ['session_expired'] }));
    },
    async logout() {
      const unsent = unsentCount();
      if (unsent && !window.confirm(t('outbox.logoutConfirm', { count: unsent }))) return;
      // Logged out on this device at once, with or without signal: the session cookie stops working
      // here, the saved personal data goes; the server ends the session now or at the first request
      // that reaches it.
      endSessionHere();
      await setOutboxOwner(null);
      await dropUser();
      notify(t('logout.done'), '/logowanie');
      navigate('/logowanie');
      api.del('/api/session').catch(() => {});
    },
  }), [config, me, lang]);

  return html`<${AppContext.Provider} value=${ctx}>
    <${Frame} ctx=${ctx} online=${online} path=${loc.path} notice=${notice} message=${message} View=${View} />
  <//>`;
}
