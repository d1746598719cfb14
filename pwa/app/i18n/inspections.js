// Texts of the review queue (office), routes (office) and the inspector's route and visits.
// Only what the first screen needs; the rest is in inspections-views.js, loaded with the views.
export default {
  pl: {
    'nav.review': 'Kontrola odczytów',
    'nav.route': 'Moja trasa',
  },
  en: {
    'nav.review': 'Reading review',
    'nav.route': 'My route',
  },
};
