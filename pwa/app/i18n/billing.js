// Settlements (Rozliczenia): documents, balances, paying, e-Faktura, the sandbox gateway, office billing.
// Only what the first screen needs; the rest is in billing-views.js, loaded with the views.
export default {
  pl: {
    'nav.billing': 'Fakturowanie',
    'source.install': 'stan przy montażu',
  },
  en: {
    'nav.billing': 'Billing',
    'source.install': 'value at installation',
  },
};
