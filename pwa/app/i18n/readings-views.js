// Texts of the reading capture (the day of the reading), which imports this file with the readings
// view: they join the dictionaries when such a view first loads, not with the app's first load.
import { DICTIONARIES } from '../i18n.js';

const TEXTS = {
  pl: {
    'capture.date': 'Data odczytu',
    'history.perDayTitle': 'Średnie zużycie wody na dobę w kolejnych miesiącach',
    'history.perDayHint': 'Zużycie między dwoma odczytami jest rozłożone równo na dni między nimi.',
    'history.unitL': 'litry na dobę',
    'history.unitM3': 'm³ na dobę',
    'history.estimatedLegend': 'szacunek: w tym miesiącu nie było odczytu',
    'history.gap': 'brak danych',
    'history.perDay': 'Na dobę',
    'history.inMonth': 'W miesiącu',
    'history.peak': 'Najwięcej: {value} w miesiącu {month}.',
    'capture.takePhoto': 'Zrób zdjęcie',
    'capture.fromGallery': 'Wybierz z galerii',
    'capture.retake': 'Zrób ponownie',
    'capture.removePhoto': 'Usuń zdjęcie',
    'capture.photoReady': 'Zdjęcie dodane. Sprawdź na podglądzie, czy widać cyfry.',
    'capture.dateHint': 'Jeśli stan licznika spisano wcześniej, np. na kartce, wybierz dzień odczytu: od {from} do dziś.',
    'error.reading_date_future': 'Data odczytu nie może być późniejsza niż dzisiejsza.',
    'error.reading_date_outside_window': 'Data odczytu jest sprzed bieżącego okresu odczytów. Wybierz dzień z tego okresu.',
    'error.reading_date_before_last': 'Data odczytu jest wcześniejsza niż ostatni odczyt tego wodomierza.',
  },
  en: {
    'capture.date': 'Reading date',
    'history.perDayTitle': 'Average water use per day, month by month',
    'history.perDayHint': 'The use between two readings is spread evenly over the days between them.',
    'history.unitL': 'litres per day',
    'history.unitM3': 'm³ per day',
    'history.estimatedLegend': 'estimate: no reading in this month',
    'history.gap': 'no data',
    'history.perDay': 'Per day',
    'history.inMonth': 'In the month',
    'history.peak': 'Highest: {value} in {month}.',
    'capture.takePhoto': 'Take a photo',
    'capture.fromGallery': 'Choose from gallery',
    'capture.retake': 'Take again',
    'capture.removePhoto': 'Remove photo',
    'capture.photoReady': 'Photo added. Check in the preview that the digits are readable.',
    'capture.dateHint': 'If the meter was read earlier, e.g. noted on paper, choose the day it was read: from {from} to today.',
    'error.reading_date_future': 'The reading date cannot be later than today.',
    'error.reading_date_outside_window': 'The reading date is before the current reading period. Choose a day in this period.',
    'error.reading_date_before_last': 'The reading date is earlier than this meter\'s last reading.',
  },
};

for (const [lang, texts] of Object.entries(TEXTS)) Object.assign(DICTIONARIES[lang] ??= {}, texts);

export default TEXTS;
