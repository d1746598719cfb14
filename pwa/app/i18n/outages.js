// Outages (Awarie), push and e-mail alerts, and the office's outage management.
// Only what the first screen needs; the rest is in outages-views.js, loaded with the views.
export default {
  pl: {
    'nav.staffOutages': 'Komunikaty',
    'outage.quality': 'Ostrzeżenie o jakości wody',
    'outages.now': 'Trwa',
    'outages.upcoming': 'Planowane',
    'outages.closedBadge': 'Zakończona',
    'outages.start': 'Początek: {date}',
    'outages.area': 'Obszar: {area}',
    'outages.points': { one: '{count} wskazany adres', few: '{count} wskazane adresy', many: '{count} wskazanych adresów' },
    'outages.waterPoint': 'Woda zastępcza: {place}',
    'outages.yours': 'Dotyczy: {addresses}',
    'outages.closedAt': 'Zakończona {date}. Dostawa wody przywrócona.',
  },
  en: {
    'nav.staffOutages': 'Notices',
    'outage.quality': 'Water quality warning',
    'outages.now': 'Ongoing',
    'outages.upcoming': 'Planned',
    'outages.closedBadge': 'Over',
    'outages.start': 'Starts: {date}',
    'outages.area': 'Area: {area}',
    'outages.points': { one: '{count} listed address', other: '{count} listed addresses' },
    'outages.waterPoint': 'Replacement water: {place}',
    'outages.yours': 'Affects: {addresses}',
    'outages.closedAt': 'Over since {date}. Water supply is back.',
  },
};
