// Polish first, English second, Ukrainian third. Keys are flat; `{name}` placeholders are filled by t().
import outages from './i18n/outages.js';
import account from './i18n/account.js';
import inspections from './i18n/inspections.js';
import billing from './i18n/billing.js';

const FEATURES = [outages, account, inspections, billing];
const pl = {
  'app.loading': 'Wczytywanie…',
  'app.skip': 'Przejdź do treści',
  'app.home': 'e-BOK — strona główna',
  'nav.label': 'Menu główne',
  'nav.dashboard': 'Pulpit',
  'nav.readings': 'Odczyty',
  'nav.settlements': 'Rozliczenia',
  'nav.outages': 'Awarie',
  'nav.account': 'Konto',
  'nav.staff': 'Biuro',
  'lang.group': 'Język / Language / Мова',
  'lang.changed': 'Wybrano język polski.',
  'logout': 'Wyloguj',
  'logout.done': 'Wylogowano.',
  'conn.offline': 'Offline — brak połączenia',
  'conn.backOnline': 'Połączenie z internetem przywrócone.',
  'conn.wentOffline': 'Brak połączenia z internetem. Pokazujemy zapisane dane.',
  'update.text': 'Dostępna jest nowa wersja aplikacji.',
  'update.button': 'Odśwież',
  'stale.text': 'Brak połączenia — dane z {date}.',
  'retry': 'Spróbuj ponownie',
  'offline.noData': 'Brak połączenia i brak zapisanych danych. Połącz się z internetem, aby je pobrać.',

  'contact.title': 'Kontakt',
  'contact.office': 'Biuro Obsługi Klienta',
  'contact.hours': 'Godziny otwarcia: {hours}',
  'contact.emergency': 'Awarie (całodobowo)',
  'contact.email': 'E-mail',
  'contact.unavailable': 'Dane kontaktowe pokażą się po pierwszym połączeniu z internetem.',

  'login.title': 'Logowanie',
  'login.intro': 'Zaloguj się do elektronicznego Biura Obsługi Klienta.',
  'login.login': 'E-mail lub numer klienta',
  'login.password': 'Hasło',
  'login.remember': 'Zapamiętaj mnie na tym urządzeniu (30 dni)',
  'login.submit': 'Zaloguj się',
  'login.forgot': 'Nie pamiętam hasła',
  'login.noAccount': 'Nie masz jeszcze konta? Załóż je sam z numerem klienta i numerem jednej z ostatnich faktur albo w Biurze Obsługi Klienta po złożeniu pisemnej zgody na przetwarzanie danych kontaktowych. Link aktywacyjny przyjdzie e-mailem.',
  'login.register': 'Zarejestruj się',
  'login.waiting': 'Na tym urządzeniu czekają na wysłanie — {what}. Zaloguj się, a wyślemy je od razu.',
  'login.waitingReadings': 'odczyty: {count}',
  'login.waitingVisits': 'wyniki wizyt: {count}',
  'login.waitingMessages': 'wiadomości: {count}',
  'login.waitingApplications': 'wnioski: {count}',

  'forgot.title': 'Nie pamiętam hasła',
  'forgot.intro': 'Podaj adres e-mail przypisany do konta. Wyślemy na niego link do ustawienia nowego hasła.',
  'forgot.email': 'E-mail',
  'forgot.submit': 'Wyślij link',
  'forgot.done': 'Jeśli konto istnieje, wysłaliśmy link do ustawienia nowego hasła na adres {email}. Sprawdź skrzynkę, także folder spam.',
  'forgot.back': 'Wróć do logowania',

  'activate.title': 'Aktywacja konta',
  'activate.intro': 'Ustaw hasło, aby aktywować konto w e-BOK.',
  'activate.done': 'Konto zostało aktywowane. Witamy w e-BOK!',
  'activate.invalidHelp': 'Poproś Biuro Obsługi Klienta o nowy link aktywacyjny.',
  'reset.title': 'Ustawianie nowego hasła',
  'reset.intro': 'Ustaw nowe hasło do konta.',
  'reset.done': 'Nowe hasło zostało ustawione.',
  'reset.invalidHelp': 'Możesz poprosić o nowy link.',
  'reset.newLink': 'Wyślij nowy link',
  'token.checking': 'Sprawdzamy link…',
  'token.callOffice': 'Telefon do Biura Obsługi Klienta:',
  'token.email': 'E-mail',
  'token.password': 'Nowe hasło',
  'token.repeat': 'Powtórz hasło',
  'token.submit': 'Ustaw hasło',
  'password.hint': 'Co najmniej 10 znaków. Najłatwiej zapamiętać kilka zwykłych słów.',

  'dash.title': 'Pulpit',
  'dash.customer': 'Klient nr {number} — {name}',
  'dash.noCustomers': 'Do tego konta nie jest przypisany żaden klient.',
  'dash.quick': 'Na skróty',
  'dash.toReadings': 'Stan wodomierzy',
  'dash.toSettlements': 'Saldo i dokumenty',
  'dash.toOutages': 'Przerwy w dostawie wody',
  'dash.toAccount': 'Dane konta i hasło',
  'dash.outages': 'Awarie i prace na Twoich ulicach',

  'meter.main': 'Wodomierz główny',
  'meter.sub': 'Podlicznik (ogrodowy)',
  'meter.serial': 'Nr {serial}',
  'meter.last': 'Ostatni odczyt',
  'meter.none': 'Brak odczytu',
  'meter.due': 'Legalizacja ważna do {date}',
  'meter.duePast': 'termin minął',
  'meter.noMeters': 'Brak wodomierzy w tym punkcie.',
  'meter.windowOpen': 'Podaj odczyt do {date}',
  'meter.windowOpens': 'Następny odczyt od {date}',
  'source.resident': 'odczyt klienta',
  'source.inspector': 'odczyt inkasenta',
  'source.estimate': 'odczyt szacunkowy',
  'source.import': 'odczyt z systemu rozliczeń',
  'source.office': 'odczyt wpisany przez biuro',
  'status.accepted': 'przyjęty',
  'status.flagged': 'do sprawdzenia przez wodociągi',
  'status.rejected': 'odrzucony',

  'balance.title': 'Saldo',
  'balance.owed': 'Do zapłaty',
  'balance.overpaid': 'Nadpłata',
  'balance.settled': 'Wszystko rozliczone',
  'balance.overdue': 'W tym po terminie: {amount}',
  'balance.pay': 'Zapłać',

  'outage.failure': 'Awaria',
  'outage.planned': 'Prace planowane',
  'outage.end': 'Przewidywane zakończenie: {date}',

  'readings.title': 'Odczyty',
  'readings.intro': 'Ostatni odczyt każdego wodomierza w Twoich punktach poboru.',
  'readings.none': 'Do konta nie są przypisane żadne wodomierze.',

  'settlements.title': 'Rozliczenia',
  'settlements.none': 'Brak dokumentów rozliczeniowych.',
  'settlements.noneHint': 'Faktury i saldo pokażą się tutaj po wystawieniu pierwszego dokumentu.',

  'outages.title': 'Awarie',
  'outages.none': 'Brak bieżących awarii na Twoich ulicach.',
  'outages.report': 'Awarię lub brak wody zgłoś pod numerem alarmowym (całodobowo):',

  'account.title': 'Konto',
  'account.data': 'Dane konta',
  'account.name': 'Imię i nazwisko',
  'account.email': 'E-mail',
  'account.role': 'Rola',
  'account.customers': 'Klienci',
  'account.customer': 'nr {number} — {name}',
  'account.language': 'Język aplikacji',
  'account.password': 'Zmiana hasła',
  'role.resident': 'Klient',
  'role.inspector': 'Inkasent',
  'role.staff': 'Pracownik biura',
  'pw.current': 'Obecne hasło',
  'pw.show': 'Pokaż hasło',
  'pw.new': 'Nowe hasło',
  'pw.repeat': 'Powtórz hasło',
  'pw.submit': 'Zmień hasło',
  'pw.done': 'Hasło zostało zmienione. Pozostałe urządzenia zostały wylogowane.',


  'nf.title': 'Nie znaleziono strony',
  'nf.text': 'Pod tym adresem nie ma żadnej strony. Sprawdź adres albo przejdź do pulpitu.',
  'nf.home': 'Przejdź do pulpitu',

  'error.required': 'To pole jest wymagane.',
  'error.passwords_mismatch': 'Hasła nie są takie same.',
  'error.invalid_credentials': 'Nieprawidłowy login lub hasło.',
  'error.too_many_attempts': 'Zbyt wiele nieudanych prób. Spróbuj ponownie za {minutes} min.',
  'error.too_many_attempts_later': 'Zbyt wiele nieudanych prób. Spróbuj ponownie później.',
  'error.too_many_attempts_seconds': 'Zbyt wiele nieudanych prób. Spróbuj ponownie za {seconds} s.',
  'error.not_authenticated': 'Sesja wygasła. Zaloguj się ponownie.',
  'error.csrf': 'Formularz wygasł. Odśwież stronę i spróbuj ponownie.',
  'error.token_invalid': 'Ten link jest nieprawidłowy, został już użyty lub wygasł.',
  'error.password_too_short': 'Hasło musi mieć co najmniej 10 znaków.',
  'error.password_too_common': 'To hasło jest zbyt popularne. Wybierz inne.',
  'error.password_contains_utility_name': 'Hasło nie może zawierać nazwy przedsiębiorstwa.',
  'error.password_too_long': 'Hasło może mieć najwyżej 200 znaków.',
  'error.wrong_password': 'Obecne hasło jest nieprawidłowe.',
  'error.invalid_request': 'Sprawdź poprawność wpisanych danych.',
  'error.consent_required': 'Konto można utworzyć dopiero po złożeniu przez klienta pisemnej zgody.',
  'error.email_taken': 'Ten adres e-mail jest już przypisany do innego konta.',
  'error.customer_has_account': 'Ten klient ma już konto w e-BOK.',
  'error.contact_data_withdrawn': 'Najpierw wyraź zgodę na przetwarzanie danych kontaktowych (Moje konto → Zgody): bez niej nie wysyłamy niczego e-mailem.',
  'error.forbidden': 'Nie masz uprawnień do tej operacji.',
  'error.not_found': 'Nie znaleziono.',
  'error.offline': 'Brak połączenia z internetem. Spróbuj ponownie, gdy połączenie wróci.',
  'error.server': 'Serwer jest chwilowo niedostępny. Spróbuj ponownie za chwilę.',
  'error.storage_unavailable': 'Plików nie można teraz zapisać. Spróbuj ponownie za chwilę.',
  'error.server_error': 'Wystąpił błąd serwera. Spróbuj ponownie za chwilę.',
  'error.field_required': 'To pole jest wymagane.',
  'error.too_large': 'Przesyłane dane są zbyt duże.',
  'error.too_many_requests': 'Zbyt wiele żądań. Spróbuj ponownie za chwilę.',
  'error.generic': 'Coś poszło nie tak. Spróbuj ponownie.',
  'readings.wanted': 'Czekamy na odczyt — najpóźniej {date}.',
  'readings.received': 'Odczyt w tym okresie już przekazany.',
  'readings.windowOpens': 'Następny odczyt: od {date}. Odczyt można podać w każdej chwili.',
  'readings.give': 'Podaj odczyt',
  'readings.giveFor': 'Podaj odczyt wodomierza nr {serial}',
  'readings.history': 'Historia',
  'readings.historyFor': 'Historia odczytów wodomierza nr {serial}',
  'outbox.title': 'Odczyty do wysłania',
  'outbox.unsent': 'Do wysłania: {count}. Wyślemy je, gdy tylko będzie połączenie.',
  'outbox.allSent': 'Wszystkie odczyty zostały wysłane.',
  'outbox.sendNow': 'Wyślij teraz',
  'outbox.visitTitle': 'Wyniki wizyt do wysłania',
  'outbox.visitUnsent': 'Do wysłania: {count}. Wyślemy je, gdy tylko będzie połączenie.',
  'outbox.visitAllSent': 'Wszystkie wyniki wizyt zostały wysłane.',
  'outbox.state.waiting': 'Czeka na wysłanie',
  'outbox.state.sending': 'Wysyłanie…',
  'outbox.state.sent': 'Wysłany',
  'outbox.state.attention': 'Wymaga Twojej uwagi',
  'outbox.offline': 'brak połączenia',
  'outbox.flagged': 'wodociągi sprawdzą ten odczyt',
  'outbox.loginAgain': 'Sesja wygasła. Zaloguj się ponownie — odczyt zostanie wysłany automatycznie.',
  'outbox.discard': 'Usuń ten odczyt',
  'outbox.discardConfirm': 'Usunąć ten odczyt z kolejki? Nie zostanie wysłany.',
  'outbox.logoutConfirm': 'Niewysłane odczyty: {count}. Zostaną na tym urządzeniu i wyślemy je, gdy znów zalogujesz się na to konto. Wylogować?',
  'outbox.others': 'Na tym urządzeniu czekają niewysłane dane innego konta ({count}). Wyślemy je dopiero, gdy zaloguje się ich właściciel.',
  'nav.unsent': { one: '{count} niewysłany odczyt', few: '{count} niewysłane odczyty', many: '{count} niewysłanych odczytów' },
  'capture.title': 'Podaj odczyt',
  'capture.back': '← Wróć do odczytów',
  'capture.checkSerial': 'Sprawdź, czy to ten wodomierz: nr {serial}',
  'capture.last': 'Ostatni odczyt: {value} ({date})',
  'capture.photo': 'Zdjęcie wodomierza',
  'capture.photoHint': 'Zrób zdjęcie tak, by było widać cyfry i numer wodomierza. Zdjęcie jest zmniejszane na telefonie.',
  'capture.preview': 'Podgląd zdjęcia wodomierza',
  'capture.value': 'Stan wodomierza (m³)',
  'capture.valueHint': 'Wpisz liczby z licznika, np. 123,456 (część po przecinku to litry). Cyfry przed przecinkiem: {count}.',
  'capture.comment': 'Uwagi (nieobowiązkowe)',
  'capture.when': 'Data odczytu: {date}',
  'capture.save': 'Zapisz odczyt',
  'capture.sendAnyway': 'Wyślij mimo to',
  'capture.checkTitle': 'Sprawdź wpisaną wartość:',
  'capture.checkHint': 'Jeśli wartość jest prawidłowa, możesz ją wysłać — dodaj uwagę, np. o wymianie wodomierza.',
  'capture.saved': 'Odczyt zapisany. Wyślemy go, gdy tylko będzie połączenie.',
  'flag.lower_than_last': 'Wartość jest niższa niż ostatni odczyt.',
  'flag.high_consumption': 'Zużycie jest ponad trzy razy większe niż zwykle.',
  'flag.above_hard_limit': 'Zużycie na dobę jest nierealnie wysokie.',
  'flag.too_many_digits': 'Wartość ma więcej cyfr niż licznik.',
  'flag.differs_from_confirmed': 'Wartość nie zgadza się z odczytem klienta, który potwierdzasz.',
  'error.implausible_unconfirmed': 'Zaznacz potwierdzenie albo popraw wartość.',
  'error.visit_sending': 'Wynik tej wizyty jest właśnie wysyłany. Spróbuj za chwilę.',
  'history.title': 'Historia odczytów',
  'history.chartTitle': 'Zużycie wody w miesiącach',
  'history.noChart': 'Za mało odczytów, by pokazać zużycie.',
  'history.asTable': 'Pokaż jako tabelę',
  'history.month': 'Miesiąc',
  'history.consumption': 'Zużycie',
  'history.csv': 'Pobierz historię (CSV)',
  'history.list': 'Odczyty',
  'history.since': 'Zużycie od poprzedniego odczytu: {value}',
  'history.note': 'Uwaga wodociągów:',
  'history.rejectedWhy': 'Odrzucony przez wodociągi, ponieważ:',
  'history.rejectedNoNote': 'biuro nie podało powodu — zadzwoń lub napisz do nas.',
  'history.noPhoto': 'bez zdjęcia',
  'history.photoOf': 'Zdjęcie wodomierza z {date}',
  'history.photoLarger': 'Powiększ zdjęcie',
  'history.photoSmaller': 'Zmniejsz zdjęcie',
  'error.value_not_number': 'Wpisz liczbę, np. 123,456.',
  'error.captured_in_future': 'Data odczytu jest w przyszłości. Sprawdź datę i godzinę w telefonie.',
  'error.captured_at_invalid': 'Nieprawidłowa data odczytu.',
  'error.captured_too_old': 'Odczyt jest zbyt stary, by go przyjąć.',
  'error.photo_not_image': 'To nie jest zdjęcie. Wybierz plik JPEG, PNG lub WebP.',
  'error.photo_unsupported_format': 'Ten format zdjęcia nie jest obsługiwany. Wybierz JPEG, PNG lub WebP.',
  'error.photo_too_large': 'Zdjęcie jest za duże (najwyżej 10 MB).',
  'error.photo_too_many_pixels': 'Zdjęcie ma zbyt dużą rozdzielczość.',
  'error.photo_corrupt': 'Plik zdjęcia jest uszkodzony.',
  'error.photo_empty': 'Plik zdjęcia jest pusty (0 bajtów). Zrób zdjęcie jeszcze raz.',
  'error.meter_removed': 'Ten wodomierz został wymontowany. Skontaktuj się z biurem obsługi.',
  'error.idempotency_key_reused': 'To zostało już wysłane wcześniej z inną treścią. Usuń to z kolejki i zapisz jeszcze raz.',
  'error.request_in_progress': 'Wysyłanie jeszcze trwa. Spróbujemy ponownie za chwilę.',
  'error.idempotency_key_required': 'Błąd aplikacji: brak identyfikatora odczytu.',
  'error.note_required': 'Podaj powód odrzucenia — klient go zobaczy.',
  'error.method_not_allowed': 'Ta operacja nie jest dostępna.',
  'error.bad_request': 'Nieprawidłowe żądanie. Odśwież stronę i spróbuj ponownie.',
  'error.conflict': 'Ktoś właśnie zmienił te dane. Odśwież stronę i spróbuj ponownie.',
  'error.notification_invalid': 'Powiadomienie o płatności jest nieprawidłowe.',
  'error.notification_unverified': 'Operator płatności nie potwierdził płatności.',
  'error.amount_mismatch': 'Kwota płatności nie zgadza się z zamówieniem.',
};

// English and Ukrainian are filled by loadLanguage() from i18n/en.js and i18n/uk.js, so a Polish
// first load does not carry them.
export const DICTIONARIES = { pl, en: {}, uk: {} };
export const LANGUAGES = ['pl', 'en', 'uk'];

// Each later feature keeps its texts in pwa/app/i18n/<feature>.js as { pl: {...}, en: {...} } and
// is listed here; one file per feature keeps the dictionaries easy to review side by side. The views'
// files merge the same way: any language a file has joins that language's dictionary.
for (const feature of FEATURES) {
  for (const [lang, texts] of Object.entries(feature)) Object.assign(DICTIONARIES[lang] ??= {}, texts);
}
const STORAGE_KEY = 'ebok.lang';

let current = 'pl';

export function getLang() {
  return current;
}

export function savedLang() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (LANGUAGES.includes(saved)) return saved;
  } catch {
    // storage blocked (private mode): fall through to Polish
  }
  return 'pl';
}

const LOADERS = { en: () => import('./i18n/en.js'), uk: () => import('./i18n/uk.js') };
const loaded = new Set(['pl']);

// Fetches a language's shell texts before it is shown (the service worker has them offline).
export async function loadLanguage(lang) {
  if (loaded.has(lang) || !LOADERS[lang]) return;
  const { default: texts } = await LOADERS[lang]();
  Object.assign(DICTIONARIES[lang] ??= {}, texts);
  loaded.add(lang);
}

export function setLang(lang) {
  current = LANGUAGES.includes(lang) ? lang : 'pl';
  try {
    localStorage.setItem(STORAGE_KEY, current);
  } catch {
    // not persisted; the choice still applies to this visit
  }
  if (typeof document !== 'undefined') document.documentElement.lang = current;
  return current;
}

// A counted message holds its plural forms (pl: one/few/many, en: one/other, uk: one/few/many/other);
// Intl.PluralRules picks one.
const rules = {};
const pluralForm = (forms, n) => forms[(rules[current] ??= new Intl.PluralRules(current)).select(n)] ?? forms.many;

export function t(key, params) {
  let text = DICTIONARIES[current][key] ?? pl[key] ?? key;
  if (typeof text === 'object') text = pluralForm(text, Number(params && params.count));
  return params ? text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m)) : text;
}

export function hasText(key) {
  return key in pl;
}

// An API or client error (anything with .code and optional .params) as a sentence for the user.
export function errorText(err) {
  let code = err && err.code;
  // without a Retry-After header there is no number of minutes to show
  if (code === 'too_many_attempts' && err.params && err.params.seconds) code = 'too_many_attempts_seconds';
  else if (code === 'too_many_attempts' && !(err.params && err.params.minutes)) code = 'too_many_attempts_later';
  let params = err && err.params;
  // a date the server names ("2026-11-12") in the one date format people read, DD.MM.YYYY
  const day = params && /^(\d{4})-(\d{2})-(\d{2})$/.exec(params.date);
  if (day) params = { ...params, date: `${day[3]}.${day[2]}.${day[1]}` };
  // an outbox entry stored before refusals kept their params: the sentence without the date
  else if (code && hasText(`error.${code}_undated`)) code = `${code}_undated`;
  if (code && hasText(`error.${code}`)) return t(`error.${code}`, params);
  return t('error.generic');
}
