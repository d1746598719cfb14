"""The accessibility statement (deklaracja dostępności) as a plain HTML page at
/deklaracja-dostepnosci, filled from settings. Its sections and element ids follow the statement
template the act of 4 April 2019 on the digital accessibility of public bodies' websites and mobile
applications (art. 10) calls for, so monitoring tools read it: introduction with the body and the
site, dates, compliance status, inaccessible content, preparation, keyboard shortcuts, feedback and
contact, the request and complaint procedure, architectural accessibility, sign language, mobile apps.
Served by the server, not drawn by the app, so it reads without JavaScript."""

from __future__ import annotations

from html import escape

from litestar import Response, get

from backend.settings import Settings, SettingsDep

STATUS = {
    "full": "Serwis jest zgodny z ustawą z dnia 4 kwietnia 2019 r. o dostępności cyfrowej stron internetowych "
            "i aplikacji mobilnych podmiotów publicznych.",
    "partial": "Serwis jest częściowo zgodny z ustawą z dnia 4 kwietnia 2019 r. o dostępności cyfrowej stron "
               "internetowych i aplikacji mobilnych podmiotów publicznych z powodu niezgodności lub wyłączeń "
               "wymienionych poniżej.",
    "none": "Serwis jest niezgodny z ustawą z dnia 4 kwietnia 2019 r. o dostępności cyfrowej stron internetowych "
            "i aplikacji mobilnych podmiotów publicznych.",
}


def _day(iso: str) -> str:
    y, m, d = (iso.strip() + "--").split("-")[:3]
    return f"{d}.{m}.{y}" if d else iso


def statement_html(s: Settings) -> str:
    e = escape
    email = s.a11y_contact_email or s.office_email
    phone = s.a11y_contact_phone or s.utility_phone
    exceptions = s.a11y_exceptions.strip() or (
        "Nie są znane treści niedostępne. Zdjęcia wodomierzy przesyłane przez klientów nie mają opisów "
        "alternatywnych: służą wyłącznie do sprawdzenia odczytu.")
    building = s.a11y_building.strip() or (
        f"Informacje o dostępności architektonicznej Biura Obsługi Klienta ({s.utility_address}) można uzyskać "
        f"pod numerem telefonu {phone}. Do budynku można wejść z psem asystującym.")
    status = STATUS.get(s.a11y_status, STATUS["partial"])

    def when(id_: str, iso: str) -> str:
        return f'<time id="{id_}" datetime="{e(iso)}">{e(_day(iso))}</time>'

    return f"""<!doctype html>
<html lang="pl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Deklaracja dostępności · {e(s.utility_name)} · e-BOK</title>
<link rel="stylesheet" href="/static/styles/app.css">
</head>
<body>
<a class="skip-link" href="#main">Przejdź do treści</a>
<header class="app-header"><a class="brand" href="/"><span class="brand-name">e-BOK</span>
<span class="brand-utility">{e(s.utility_name)}</span></a></header>
<main id="main" class="statement">
<h1 id="a11y-wstep">Deklaracja dostępności</h1>
<p><span id="a11y-podmiot">{e(s.utility_name)}</span> zobowiązuje się zapewnić dostępność swojej strony internetowej
zgodnie z ustawą z dnia 4 kwietnia 2019 r. o dostępności cyfrowej stron internetowych i aplikacji mobilnych
podmiotów publicznych. Deklaracja dostępności dotyczy serwisu
<a id="a11y-url" href="{e(s.base_url)}/">elektroniczne Biuro Obsługi Klienta (e-BOK)</a>.</p>
<ul>
<li>Data publikacji strony internetowej: {when("a11y-data-publikacja", s.a11y_published)}.</li>
<li>Data ostatniej istotnej aktualizacji: {when("a11y-data-aktualizacja", s.a11y_updated)}.</li>
</ul>

<h2>Stan dostępności cyfrowej</h2>
<p id="a11y-status">{e(status)}</p>
<h3>Treści niedostępne</h3>
<p>{e(exceptions)}</p>

<h2>Przygotowanie deklaracji dostępności</h2>
<p>Deklarację sporządzono dnia {when("a11y-data-sporzadzenie", s.a11y_prepared)}
na podstawie samooceny przeprowadzonej przez podmiot publiczny (testy automatyczne narzędziem axe-core według WCAG 2.1
na poziomie AA na ekranach telefonu i komputera oraz obsługa samą klawiaturą). Deklarację ostatnio poddano przeglądowi
i aktualizacji dnia {e(_day(s.a11y_updated))}.</p>

<h2>Skróty klawiaturowe</h2>
<p>Serwis nie ma własnych skrótów klawiaturowych. Działają standardowe skróty przeglądarki; pierwszy klawisz Tab
pokazuje łącze „Przejdź do treści”.</p>

<h2 id="a11y-kontakt">Informacje zwrotne i dane kontaktowe</h2>
<p>W przypadku problemów z dostępnością strony internetowej prosimy o kontakt. Osobą kontaktową jest
<span id="a11y-osoba">{e(s.a11y_contact_name)}</span>, adres poczty elektronicznej
<a id="a11y-email" href="mailto:{e(email)}">{e(email)}</a>. Kontaktować można się także dzwoniąc na numer
telefonu <a id="a11y-telefon" href="tel:{e(''.join(c for c in phone if c.isdigit() or c == '+'))}">{e(phone)}</a>.
Tą samą drogą można składać wnioski o udostępnienie informacji niedostępnej i składać żądania zapewnienia
dostępności.</p>

<h2 id="a11y-procedura">Procedura wnioskowo-skargowa</h2>
<p>Każdy ma prawo do wystąpienia z żądaniem zapewnienia dostępności cyfrowej strony internetowej, aplikacji mobilnej
lub jakiegoś ich elementu. Można także zażądać udostępnienia informacji za pomocą alternatywnego sposobu dostępu,
na przykład przez odczytanie niedostępnego cyfrowo dokumentu, opisanie zawartości filmu bez audiodeskrypcji itp.
Żądanie powinno zawierać dane osoby zgłaszającej żądanie, wskazanie, o którą stronę internetową lub aplikację
mobilną chodzi, oraz sposób kontaktu. Jeżeli osoba żądająca zgłasza potrzebę otrzymania informacji za pomocą
alternatywnego sposobu dostępu, powinna także określić dogodny dla niej sposób przedstawienia tej informacji.</p>
<p>Podmiot publiczny powinien zrealizować żądanie niezwłocznie, nie później niż w ciągu 7 dni od dnia wystąpienia
z żądaniem. Jeżeli dotrzymanie tego terminu nie jest możliwe, podmiot publiczny niezwłocznie informuje o tym
wnoszącego żądanie, kiedy realizacja żądania będzie możliwa, przy czym termin ten nie może być dłuższy niż 2 miesiące
od dnia wystąpienia z żądaniem. Jeżeli zapewnienie dostępności cyfrowej nie jest możliwe, podmiot publiczny może
zaproponować alternatywny sposób dostępu do informacji.</p>
<p>W przypadku, gdy podmiot publiczny odmówi realizacji żądania zapewnienia dostępności lub alternatywnego sposobu
dostępu do informacji, wnoszący żądanie może złożyć skargę w sprawie zapewnienia dostępności cyfrowej strony
internetowej, aplikacji mobilnej lub elementu strony internetowej lub aplikacji mobilnej. Po wyczerpaniu
wskazanej wyżej procedury można także złożyć wniosek do
<a href="https://bip.brpo.gov.pl/">Rzecznika Praw Obywatelskich</a>.</p>

<h2 id="a11y-architektura">Dostępność architektoniczna</h2>
<p>{e(building)}</p>

<h2 id="a11y-jezyk-migowy">Dostępność tłumacza języka migowego</h2>
<p>Osoby uprawnione mogą skorzystać z pomocy tłumacza polskiego języka migowego (PJM), systemu językowo-migowego
(SJM) lub sposobu komunikowania się osób głuchoniewidomych (SKOGN) w Biurze Obsługi Klienta. Usługę należy zgłosić
co najmniej 3 dni robocze przed wizytą: telefonicznie, e-mailem na adres
<a href="mailto:{e(email)}">{e(email)}</a> lub przez wiadomość w e-BOK.</p>

<h2 id="a11y-aplikacje">Aplikacje mobilne</h2>
<p>e-BOK działa w przeglądarce telefonu i można go zainstalować na ekranie głównym (aplikacja internetowa,
PWA) bez sklepu z aplikacjami. Ta deklaracja obejmuje również tę wersję.</p>
<p><a href="/">Wróć do e-BOK</a> · <a href="/informacje">Informacje: cenniki, wzory umów, formularze</a></p>
</main>
</body>
</html>
"""


@get("/deklaracja-dostepnosci", include_in_schema=False)
async def accessibility_statement(settings: SettingsDep) -> Response[str]:
    return Response(statement_html(settings), media_type="text/html; charset=utf-8",
                    headers={"cache-control": "no-cache"})


controllers = [accessibility_statement]
