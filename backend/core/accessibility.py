"""The accessibility statement (deklaracja dostępności) as a plain HTML page at
/deklaracja-dostepnosci, filled from settings. Its sections and element ids follow the statement
template the act of 4 April 2019 on the digital accessibility of public bodies' websites and mobile
applications (art. 10) calls for, so monitoring tools read it: introduction with the body and the
site, dates, compliance status, inaccessible content, preparation, keyboard shortcuts, feedback and
contact, the request and complaint procedure, architectural accessibility, sign language, mobile apps.
Served by the server, not drawn by the app, so it reads without JavaScript; in Polish, English or
Ukrainian (?lang=pl|en|uk, else Accept-Language), with links to the others; the service worker keeps
each for offline."""

from __future__ import annotations

from html import escape
from typing import Any

from litestar import Request, Response, get

from backend.settings import Settings, SettingsDep

STATUS = {
    "pl": {
        "full": "Serwis jest zgodny z ustawą z dnia 4 kwietnia 2019 r. o dostępności cyfrowej stron internetowych "
                "i aplikacji mobilnych podmiotów publicznych.",
        "partial": "Serwis jest częściowo zgodny z ustawą z dnia 4 kwietnia 2019 r. o dostępności cyfrowej stron "
                   "internetowych i aplikacji mobilnych podmiotów publicznych z powodu niezgodności lub wyłączeń "
                   "wymienionych poniżej.",
        "none": "Serwis jest niezgodny z ustawą z dnia 4 kwietnia 2019 r. o dostępności cyfrowej stron "
                "internetowych i aplikacji mobilnych podmiotów publicznych.",
    },
    "en": {
        "full": "The service is fully compliant with the Act of 4 April 2019 on the digital accessibility of "
                "websites and mobile applications of public bodies.",
        "partial": "The service is partially compliant with the Act of 4 April 2019 on the digital accessibility "
                   "of websites and mobile applications of public bodies, due to the non-compliances or exemptions "
                   "listed below.",
        "none": "The service is not compliant with the Act of 4 April 2019 on the digital accessibility of "
                "websites and mobile applications of public bodies.",
    },
    "uk": {
        "full": "Сервіс повністю відповідає Закону Польщі від 4 квітня 2019 року про цифрову доступність "
                "вебсайтів і мобільних застосунків публічних органів.",
        "partial": "Сервіс частково відповідає Закону Польщі від 4 квітня 2019 року про цифрову доступність "
                   "вебсайтів і мобільних застосунків публічних органів через невідповідності або винятки, "
                   "наведені нижче.",
        "none": "Сервіс не відповідає Закону Польщі від 4 квітня 2019 року про цифрову доступність вебсайтів "
                "і мобільних застосунків публічних органів.",
    },
}
LANGUAGES = ("pl", "en", "uk")
# each language's version links to the others, named in their own language
_SWITCH = {"pl": "Wersja polska", "en": "English version", "uk": "Українська версія"}
DEFAULT_CONTACT_NAME = "Koordynator ds. dostępności"


def _day(iso: str) -> str:
    y, m, d = (iso.strip() + "--").split("-")[:3]
    return f"{d}.{m}.{y}" if d else iso


def statement_language(asked: str | None, accept_language: str | None) -> str:
    """pl, en or uk: ?lang= when it names one of them, else the one of them the browser prefers most
    (Accept-Language by its q-values; on a tie the one listed first), else Polish."""
    if asked in LANGUAGES:
        return asked
    best, best_q = "pl", 0.0
    for part in (accept_language or "").split(","):
        tag, *params = part.strip().split(";")
        q = 1.0
        for param in params:
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        base = tag.strip().lower().split("-")[0]
        if base in LANGUAGES and q > best_q:
            best, best_q = base, q
    return best


def statement_html(s: Settings, lang: str = "pl") -> str:
    e = escape
    lang = lang if lang in LANGUAGES else "pl"
    texts = _TEXTS[lang]
    email = s.a11y_contact_email or s.office_email
    phone = s.a11y_contact_phone or s.utility_phone
    tel = "".join(c for c in phone if c.isdigit() or c == "+")
    # the office's own texts are written in Polish: in the other versions they keep lang="pl"
    own = ' lang="pl"' if lang != "pl" else ""
    exceptions = f"<p{own}>{e(s.a11y_exceptions.strip())}</p>" if s.a11y_exceptions.strip() \
        else f"<p>{e(texts['exceptions'])}</p>"
    building = f"<p{own}>{e(s.a11y_building.strip())}</p>" if s.a11y_building.strip() \
        else f"<p>{e(texts['building'].format(address=s.utility_address, phone=phone))}</p>"
    contact_name = s.a11y_contact_name
    contact = (f'<span id="a11y-osoba">{e(texts["coordinator"])}</span>'
               if lang != "pl" and contact_name == DEFAULT_CONTACT_NAME
               else f'<span id="a11y-osoba"{own}>{e(contact_name)}</span>')
    status = STATUS[lang].get(s.a11y_status, STATUS[lang]["partial"])

    def when(id_: str, iso: str) -> str:
        return f'<time id="{id_}" datetime="{e(iso)}">{e(_day(iso))}</time>'

    v = {
        "utility": e(s.utility_name), "url": e(s.base_url), "email": e(email), "phone": e(phone), "tel": e(tel),
        "status": e(status), "exceptions": exceptions, "building": building, "contact": contact,
        "published": when("a11y-data-publikacja", s.a11y_published),
        "updated": when("a11y-data-aktualizacja", s.a11y_updated),
        "prepared": when("a11y-data-sporzadzenie", s.a11y_prepared), "reviewed": e(_day(s.a11y_updated)),
    }
    body = texts["body"].format(**v)
    others = [code for code in LANGUAGES if code != lang]
    title, skip = texts["title"], texts["skip"]
    switch = " · ".join(
        f'<a href="/deklaracja-dostepnosci?lang={code}" hreflang="{code}" lang="{code}"'
        f'{" id=" + chr(34) + "a11y-lang" + chr(34) if i == 0 else ""}>{_SWITCH[code]}</a>'
        for i, code in enumerate(others))
    alternates = "\n".join(f'<link rel="alternate" hreflang="{code}" href="/deklaracja-dostepnosci?lang={code}">'
                           for code in others)
    return f"""<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · {v["utility"]} · e-BOK</title>
<link rel="stylesheet" href="/static/styles/app.css">
{alternates}
</head>
<body>
<a class="skip-link" href="#main">{skip}</a>
<header class="app-header"><a class="brand" href="/"><span class="brand-name">e-BOK</span>
<span class="brand-utility">{v["utility"]}</span></a></header>
<main id="main" class="statement">
<p class="statement-lang">{switch}</p>
{body}</main>
</body>
</html>
"""


_BODY_PL = """<h1 id="a11y-wstep">Deklaracja dostępności</h1>
<p><span id="a11y-podmiot">{utility}</span> zobowiązuje się zapewnić dostępność swojej strony internetowej
zgodnie z ustawą z dnia 4 kwietnia 2019 r. o dostępności cyfrowej stron internetowych i aplikacji mobilnych
podmiotów publicznych. Deklaracja dostępności dotyczy serwisu
<a id="a11y-url" href="{url}/">elektroniczne Biuro Obsługi Klienta (e-BOK)</a>.</p>
<ul>
<li>Data publikacji strony internetowej: {published}.</li>
<li>Data ostatniej istotnej aktualizacji: {updated}.</li>
</ul>

<h2>Stan dostępności cyfrowej</h2>
<p id="a11y-status">{status}</p>
<h3>Treści niedostępne</h3>
{exceptions}

<h2>Przygotowanie deklaracji dostępności</h2>
<p>Deklarację sporządzono dnia {prepared}
na podstawie samooceny przeprowadzonej przez podmiot publiczny (testy automatyczne narzędziem axe-core według WCAG 2.1
na poziomie AA na ekranach telefonu i komputera oraz obsługa samą klawiaturą). Deklarację ostatnio poddano przeglądowi
i aktualizacji dnia {reviewed}.</p>

<h2>Skróty klawiaturowe</h2>
<p>Serwis nie ma własnych skrótów klawiaturowych. Działają standardowe skróty przeglądarki; pierwszy klawisz Tab
pokazuje łącze „Przejdź do treści”.</p>

<h2 id="a11y-kontakt">Informacje zwrotne i dane kontaktowe</h2>
<p>W przypadku problemów z dostępnością strony internetowej prosimy o kontakt. Osobą kontaktową jest
{contact}, adres poczty elektronicznej
<a id="a11y-email" href="mailto:{email}">{email}</a>. Kontaktować można się także dzwoniąc na numer
telefonu <a id="a11y-telefon" href="tel:{tel}">{phone}</a>.
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
{building}

<h2 id="a11y-jezyk-migowy">Dostępność tłumacza języka migowego</h2>
<p>Osoby uprawnione mogą skorzystać z pomocy tłumacza polskiego języka migowego (PJM), systemu językowo-migowego
(SJM) lub sposobu komunikowania się osób głuchoniewidomych (SKOGN) w Biurze Obsługi Klienta. Usługę należy zgłosić
co najmniej 3 dni robocze przed wizytą: telefonicznie, e-mailem na adres
<a href="mailto:{email}">{email}</a> lub przez wiadomość w e-BOK.</p>

<h2 id="a11y-aplikacje">Aplikacje mobilne</h2>
<p>e-BOK działa w przeglądarce telefonu i można go zainstalować na ekranie głównym (aplikacja internetowa,
PWA) bez sklepu z aplikacjami. Ta deklaracja obejmuje również tę wersję.</p>
<p><a href="/">Wróć do e-BOK</a> · <a href="/informacje">Informacje: cenniki, wzory umów, formularze</a></p>
"""

_BODY_EN = """<h1 id="a11y-wstep">Accessibility statement</h1>
<p><span id="a11y-podmiot">{utility}</span> is committed to making its website accessible in accordance with the
Act of 4 April 2019 on the digital accessibility of websites and mobile applications of public bodies. This
accessibility statement applies to
<a id="a11y-url" href="{url}/">the electronic Customer Service Office (e-BOK)</a>.</p>
<ul>
<li>Date of publication of the website: {published}.</li>
<li>Date of the last significant update: {updated}.</li>
</ul>

<h2>Digital accessibility status</h2>
<p id="a11y-status">{status}</p>
<h3>Inaccessible content</h3>
{exceptions}

<h2>Preparation of this accessibility statement</h2>
<p>This statement was prepared on {prepared}
on the basis of a self-assessment carried out by the public body (automated tests with axe-core against WCAG 2.1
level AA on phone and desktop screens, and use with the keyboard alone). The statement was last reviewed and
updated on {reviewed}.</p>

<h2>Keyboard shortcuts</h2>
<p>The service has no keyboard shortcuts of its own. The browser's standard shortcuts work; the first press of Tab
shows the “Skip to content” link.</p>

<h2 id="a11y-kontakt">Feedback and contact information</h2>
<p>If you have problems with the accessibility of the website, please contact us. The contact person is
{contact}, e-mail address
<a id="a11y-email" href="mailto:{email}">{email}</a>. You can also call
<a id="a11y-telefon" href="tel:{tel}">{phone}</a>.
The same way you can request information that is not accessible and demand that accessibility be ensured.</p>

<h2 id="a11y-procedura">Request and complaint procedure</h2>
<p>Everyone has the right to demand that a website, a mobile application or any of their elements be made
digitally accessible. You can also ask for the information to be made available in an alternative form, for
example by reading out a document that is not digitally accessible or describing a film without audio
description. The demand should include the details of the person making it, the website or mobile application
concerned, and a way to contact them. If the person asks for the information in an alternative form, they should
also say which form suits them.</p>
<p>The public body should fulfil the demand without delay and no later than 7 days from the day it was made. If
this deadline cannot be met, the public body informs the person without delay when the demand can be fulfilled;
this may not be later than 2 months from the day it was made. If digital accessibility cannot be ensured, the
public body may offer an alternative way of accessing the information.</p>
<p>If the public body refuses to ensure accessibility or an alternative way of accessing the information, the
person may file a complaint about ensuring the digital accessibility of the website, the mobile application or
their element. After this procedure, a request may also be filed with the
<a href="https://bip.brpo.gov.pl/" lang="pl">Rzecznik Praw Obywatelskich</a> (the Polish Ombudsman).</p>

<h2 id="a11y-architektura">Architectural accessibility</h2>
{building}

<h2 id="a11y-jezyk-migowy">Sign language interpreting</h2>
<p>Eligible persons can use an interpreter of Polish Sign Language (PJM), sign-language system (SJM) or the
communication method for deafblind people (SKOGN) at the Customer Service Office. Please book the service at least
3 working days before the visit: by phone, by e-mail to
<a href="mailto:{email}">{email}</a> or by a message in e-BOK.</p>

<h2 id="a11y-aplikacje">Mobile applications</h2>
<p>e-BOK runs in the phone's browser and can be installed on the home screen (a web application, PWA) without an
app store. This statement covers that version too.</p>
<p><a href="/">Back to e-BOK</a> · <a href="/informacje">Information: price lists, contract templates, forms</a></p>
"""


_BODY_UK = """<h1 id="a11y-wstep">Декларація доступності</h1>
<p><span id="a11y-podmiot" lang="pl">{utility}</span> зобов’язується забезпечити доступність свого вебсайту
відповідно до Закону Польщі від 4 квітня 2019 року про цифрову доступність вебсайтів і мобільних застосунків
публічних органів. Ця декларація доступності стосується сервісу
<a id="a11y-url" href="{url}/">електронне Бюро обслуговування клієнтів (e-BOK)</a>.</p>
<ul>
<li>Дата публікації вебсайту: {published}.</li>
<li>Дата останнього суттєвого оновлення: {updated}.</li>
</ul>

<h2>Стан цифрової доступності</h2>
<p id="a11y-status">{status}</p>
<h3>Недоступний вміст</h3>
{exceptions}

<h2>Підготовка декларації доступності</h2>
<p>Декларацію складено {prepared}
на підставі самооцінки, проведеної публічним органом (автоматичні тести інструментом axe-core за WCAG 2.1
на рівні AA на екранах телефона й комп’ютера та користування лише клавіатурою). Останній перегляд і оновлення
декларації — {reviewed}.</p>

<h2>Сполучення клавіш</h2>
<p>Сервіс не має власних сполучень клавіш. Діють стандартні сполучення клавіш браузера; перше натискання Tab
показує посилання «Перейти до вмісту».</p>

<h2 id="a11y-kontakt">Зворотний зв’язок і контактні дані</h2>
<p>Якщо у вас виникли проблеми з доступністю вебсайту, зв’яжіться з нами. Контактна особа —
{contact}, адреса електронної пошти
<a id="a11y-email" href="mailto:{email}">{email}</a>. Можна також зателефонувати за номером
<a id="a11y-telefon" href="tel:{tel}">{phone}</a>.
Так само можна подати запит про надання недоступної інформації та вимогу забезпечити доступність.</p>

<h2 id="a11y-procedura">Порядок подання вимог і скарг</h2>
<p>Кожен має право вимагати забезпечення цифрової доступності вебсайту, мобільного застосунку або будь-якого їх
елемента. Можна також вимагати надання інформації в альтернативний спосіб, наприклад зачитування цифрово
недоступного документа, опису змісту фільму без аудіодескрипції тощо. Вимога повинна містити дані особи, яка її
подає, зазначення, якого вебсайту чи мобільного застосунку вона стосується, і спосіб зв’язку. Якщо особа
просить надати інформацію в альтернативний спосіб, вона повинна також зазначити зручну для неї форму.</p>
<p>Публічний орган повинен виконати вимогу невідкладно, не пізніше ніж протягом 7 днів від дня її подання. Якщо
дотримати цього строку неможливо, публічний орган невідкладно повідомляє заявника, коли вимогу буде виконано,
причому цей строк не може перевищувати 2 місяців від дня подання вимоги. Якщо забезпечити цифрову доступність
неможливо, публічний орган може запропонувати альтернативний спосіб доступу до інформації.</p>
<p>Якщо публічний орган відмовить у забезпеченні доступності або альтернативного способу доступу до інформації,
заявник може подати скаргу щодо забезпечення цифрової доступності вебсайту, мобільного застосунку або їх
елемента. Після цієї процедури можна також звернутися до
<a href="https://bip.brpo.gov.pl/" lang="pl">Rzecznik Praw Obywatelskich</a> (Уповноважений з прав людини
Польщі).</p>

<h2 id="a11y-architektura">Архітектурна доступність</h2>
{building}

<h2 id="a11y-jezyk-migowy">Перекладач мови жестів</h2>
<p>Особи, які мають на це право, можуть скористатися допомогою перекладача польської мови жестів (PJM),
жестово-мовної системи (SJM) або способу комунікації сліпоглухих осіб (SKOGN) у Бюро обслуговування клієнтів.
Послугу слід замовити щонайменше за 3 робочі дні до візиту: телефоном, електронною поштою на адресу
<a href="mailto:{email}">{email}</a> або повідомленням у e-BOK.</p>

<h2 id="a11y-aplikacje">Мобільні застосунки</h2>
<p>e-BOK працює в браузері телефона, і його можна встановити на головний екран (вебзастосунок, PWA) без магазину
застосунків. Ця декларація охоплює і цю версію.</p>
<p><a href="/">Повернутися до e-BOK</a> · <a href="/informacje">Інформація: тарифи, зразки договорів, бланки</a></p>
"""

_TEXTS: dict[str, dict[str, str]] = {
    "pl": {
        "title": "Deklaracja dostępności", "skip": "Przejdź do treści", "body": _BODY_PL,
        "coordinator": DEFAULT_CONTACT_NAME,
        "exceptions": "Nie są znane treści niedostępne. Zdjęcia wodomierzy przesyłane przez klientów nie mają "
                      "opisów alternatywnych: służą wyłącznie do sprawdzenia odczytu.",
        "building": "Informacje o dostępności architektonicznej Biura Obsługi Klienta ({address}) można uzyskać "
                    "pod numerem telefonu {phone}. Do budynku można wejść z psem asystującym.",
    },
    "en": {
        "title": "Accessibility statement", "skip": "Skip to content", "body": _BODY_EN,
        "coordinator": "Accessibility coordinator",
        "exceptions": "No inaccessible content is known. Meter photos sent by customers have no text "
                      "alternatives: they serve only to check the reading.",
        "building": "Information on the physical accessibility of the Customer Service Office ({address}) is "
                    "available by phone at {phone}. Assistance dogs are welcome in the building.",
    },
    "uk": {
        "title": "Декларація доступності", "skip": "Перейти до вмісту", "body": _BODY_UK,
        "coordinator": "Координатор з питань доступності",
        "exceptions": "Недоступний вміст невідомий. Фотографії водомірів, які надсилають клієнти, не мають "
                      "текстових описів: вони служать лише для перевірки показання.",
        "building": "Інформацію про архітектурну доступність Бюро обслуговування клієнтів ({address}) можна "
                    "отримати за телефоном {phone}. До будівлі можна заходити із собакою-поводирем.",
    },
}


@get("/deklaracja-dostepnosci", include_in_schema=False)
async def accessibility_statement(request: Request[Any, Any, Any], settings: SettingsDep) -> Response[str]:
    lang = statement_language(request.query_params.get("lang"), request.headers.get("accept-language"))
    # the service worker keeps the last one seen per language for offline reading (service-worker/sw.js)
    return Response(statement_html(settings, lang), media_type="text/html; charset=utf-8",
                    headers={"cache-control": "no-cache", "content-language": lang, "vary": "Accept-Language"})


controllers = [accessibility_statement]
