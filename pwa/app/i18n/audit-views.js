// Texts of the audit log view and of the customer screen's trail (staff-audit.js, staff-customer.js):
// they join the dictionaries when one of those views first loads.
import { DICTIONARIES } from '../i18n.js';

const ACTIONS = {
  pl: {
    'customer.update': 'Zmiana danych klienta', 'customer.add': 'Nowy klient', 'customer.end': 'Koniec umowy',
    'point.add': 'Nowy punkt poboru', 'point.update': 'Zmiana punktu poboru', 'point.end': 'Koniec punktu poboru',
    'meter.add': 'Nowy wodomierz', 'meter.update': 'Zmiana wodomierza', 'meter.end': 'Zdjęcie wodomierza',
    'meter.exchange': 'Wymiana wodomierza', 'registry.import': 'Import kartoteki',
    'reading.accept': 'Odczyt zaakceptowany', 'reading.reject': 'Odczyt odrzucony',
    'visits.plan': 'Zlecenie wizyt inkasenta', 'route.create': 'Nowa trasa inkasenta',
    'billing.run': 'Naliczenie faktur', 'tariff.create': 'Nowa taryfa', 'tariff.remove': 'Usunięcie taryfy',
    'invoice.correct': 'Korekta faktury', 'statement.import': 'Import wyciągu bankowego',
    'payment.assign': 'Przypisanie wpłaty', 'outage.create': 'Nowa awaria', 'outage.update': 'Zmiana awarii',
    'outage.publish': 'Publikacja awarii', 'outage.close': 'Zakończenie awarii',
    'document.upload': 'Dodanie dokumentu', 'document.remove': 'Usunięcie dokumentu',
    'information.upload': 'Dodanie informacji', 'information.remove': 'Usunięcie informacji',
    'account.create': 'Założenie konta', 'data.export': 'Eksport danych (RODO)',
    'deletion.complete': 'Usunięcie konta na wniosek', 'audit.purge': 'Usunięcie starych wpisów dziennika',
  },
  en: {
    'customer.update': 'Customer data changed', 'customer.add': 'New customer', 'customer.end': 'Contract ended',
    'point.add': 'New service point', 'point.update': 'Service point changed', 'point.end': 'Service point ended',
    'meter.add': 'New meter', 'meter.update': 'Meter changed', 'meter.end': 'Meter removed',
    'meter.exchange': 'Meter exchanged', 'registry.import': 'Registry import',
    'reading.accept': 'Reading accepted', 'reading.reject': 'Reading rejected',
    'visits.plan': 'Inspector visits ordered', 'route.create': 'New inspector route',
    'billing.run': 'Billing run', 'tariff.create': 'New tariff', 'tariff.remove': 'Tariff removed',
    'invoice.correct': 'Invoice corrected', 'statement.import': 'Bank statement imported',
    'payment.assign': 'Payment assigned', 'outage.create': 'New outage', 'outage.update': 'Outage changed',
    'outage.publish': 'Outage published', 'outage.close': 'Outage closed',
    'document.upload': 'Document added', 'document.remove': 'Document removed',
    'information.upload': 'Information added', 'information.remove': 'Information removed',
    'account.create': 'Account created', 'data.export': 'Data export (GDPR)',
    'deletion.complete': 'Account deleted on request', 'audit.purge': 'Old log entries removed',
  },
};

const TEXTS = {
  pl: {
    'audit.title': 'Dziennik zmian',
    'audit.intro': 'Kto, kiedy i co zmienił: działania pracowników biura i importy. Wpisów nie można zmieniać ani usuwać.',
    'audit.actor': 'Kto (e-mail)',
    'audit.action': 'Działanie',
    'audit.anyAction': 'wszystkie',
    'audit.object': 'Identyfikator obiektu',
    'audit.since': 'Od dnia',
    'audit.until': 'Do dnia',
    'audit.search': 'Szukaj',
    'audit.when': 'Kiedy',
    'audit.what': 'Co',
    'audit.on': 'Obiekt',
    'audit.before': 'Przed',
    'audit.after': 'Po',
    'audit.none': 'Brak wpisów.',
    'audit.count': 'Wpisy: {count}',
    'audit.more': 'Pokaż starsze',
    'audit.system': 'system',
    'audit.trail': 'Historia zmian',
    'staffnav.audit': 'Dziennik zmian',
    'error.too_long': 'Za długi tekst w tym polu.',
  },
  en: {
    'audit.title': 'Change log',
    'audit.intro': 'Who changed what and when: office staff actions and imports. Entries cannot be changed or deleted.',
    'audit.actor': 'Who (e-mail)',
    'audit.action': 'Action',
    'audit.anyAction': 'all',
    'audit.object': 'Object id',
    'audit.since': 'From',
    'audit.until': 'To',
    'audit.search': 'Search',
    'audit.when': 'When',
    'audit.what': 'What',
    'audit.on': 'Object',
    'audit.before': 'Before',
    'audit.after': 'After',
    'audit.none': 'No entries.',
    'audit.count': 'Entries: {count}',
    'audit.more': 'Show older',
    'audit.system': 'system',
    'audit.trail': 'Change history',
    'staffnav.audit': 'Change log',
    'error.too_long': 'The text in this field is too long.',
  },
};

for (const lang of ['pl', 'en']) {
  Object.assign(DICTIONARIES[lang], TEXTS[lang]);
  for (const [action, text] of Object.entries(ACTIONS[lang])) DICTIONARIES[lang][`audit.do.${action}`] = text;
}

export default TEXTS;
