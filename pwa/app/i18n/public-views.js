// Texts of the public information views (Cennik, Deklaracja dostępności), which import this file:
// they join the dictionaries when such a view first loads, so the app's first load does not carry them.
import { DICTIONARIES } from '../i18n.js';

const TEXTS = {
  pl: {
    'prices.title': 'Cennik',
    'prices.intro': 'Ceny dostawy wody i odprowadzania ścieków według taryfy zatwierdzonej przez Wody Polskie. Ceny netto i brutto (z VAT).',
    'prices.current': 'Ceny obowiązujące',
    'prices.future': 'Ceny zapowiedziane',
    'prices.past': 'Wcześniejsze taryfy',
    'prices.validFrom': 'obowiązuje od {from}',
    'prices.validRange': 'obowiązywała od {from} do {to}',
    'prices.validUntil': 'obowiązuje od {from} do {to}',
    'prices.willApply': 'będzie obowiązywać od {from}',
    'prices.item': 'Pozycja',
    'prices.net': 'Cena netto',
    'prices.vat': 'VAT',
    'prices.gross': 'Cena brutto',
    'prices.water': 'Dostarczona woda',
    'prices.sewage': 'Odprowadzone ścieki',
    'prices.fee': 'Opłata abonamentowa',
    'prices.perM3': 'za 1 m³',
    'prices.perMeterMonth': 'za wodomierz na miesiąc',
    'prices.none': 'Cennik nie został jeszcze opublikowany. Zapytaj w Biurze Obsługi Klienta.',
    'prices.example': 'Przykład: zużycie 10 m³ wody w miesiącu to {amount} brutto razem z opłatą abonamentową.',
    'prices.link': 'Cennik — ceny wody i ścieków',
    'prices.fromInvoice': 'Ceny na fakturze pochodzą z cennika.',
  },
  en: {
    'prices.title': 'Price list',
    'prices.intro': 'Prices of water supply and sewage disposal under the tariff approved by Wody Polskie. Net and gross (with VAT) prices.',
    'prices.current': 'Prices in force',
    'prices.future': 'Announced prices',
    'prices.past': 'Earlier tariffs',
    'prices.validFrom': 'in force from {from}',
    'prices.validRange': 'was in force from {from} to {to}',
    'prices.validUntil': 'in force from {from} to {to}',
    'prices.willApply': 'will apply from {from}',
    'prices.item': 'Item',
    'prices.net': 'Net price',
    'prices.vat': 'VAT',
    'prices.gross': 'Gross price',
    'prices.water': 'Water supplied',
    'prices.sewage': 'Sewage disposed of',
    'prices.fee': 'Subscription fee',
    'prices.perM3': 'per 1 m³',
    'prices.perMeterMonth': 'per meter per month',
    'prices.none': 'The price list has not been published yet. Ask the Customer Service Office.',
    'prices.example': 'Example: using 10 m³ of water in a month costs {amount} gross including the subscription fee.',
    'prices.link': 'Price list — water and sewage prices',
    'prices.fromInvoice': 'The prices on the invoice come from the price list.',
  },
};

for (const [lang, texts] of Object.entries(TEXTS)) Object.assign(DICTIONARIES[lang] ??= {}, texts);

export default TEXTS;
