"""Word lists for the demo data: Polish names, the streets of one town, firm names."""

from __future__ import annotations

import unicodedata

TOWN = "Olecko"
POSTCODE = "19-400"

# Real street names of Olecko; the house numbers and residents are invented.
STREETS = (
    "ul. Lipowa",
    "ul. Kolejowa",
    "ul. Gołdapska",
    "ul. Słowiańska",
    "ul. Zielona",
    "ul. Mazurska",
    "al. Zwycięstwa",
    "ul. Kościuszki",
    "ul. Armii Krajowej",
    "ul. Grunwaldzka",
    "ul. Kasprowicza",
    "ul. Wojska Polskiego",
)

FEMALE_FIRST_NAMES = (
    "Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Krystyna",
    "Elżbieta", "Zofia", "Joanna", "Magdalena", "Monika", "Danuta", "Teresa", "Aleksandra",
    "Natalia", "Irena", "Beata", "Dorota", "Jadwiga", "Halina", "Karolina", "Marta",
    "Grażyna", "Janina", "Justyna", "Iwona", "Renata", "Paulina", "Urszula", "Wiesława",
    "Helena", "Julia", "Weronika", "Zuzanna", "Alicja", "Bożena", "Jolanta", "Kinga",
)  # fmt: skip

MALE_FIRST_NAMES = (
    "Jan", "Piotr", "Krzysztof", "Andrzej", "Tomasz", "Paweł", "Michał", "Marcin",
    "Stanisław", "Józef", "Marek", "Grzegorz", "Łukasz", "Adam", "Zbigniew", "Jerzy",
    "Tadeusz", "Mateusz", "Dariusz", "Mariusz", "Wojciech", "Ryszard", "Jakub", "Henryk",
    "Robert", "Kazimierz", "Jacek", "Maciej", "Kamil", "Rafał", "Sławomir", "Bartosz",
    "Władysław", "Mirosław", "Janusz", "Dawid", "Szymon", "Bogdan", "Leszek", "Wiesław",
)  # fmt: skip

# Masculine forms; feminine() derives the other (Kowalski -> Kowalska, Nowak -> Nowak).
SURNAMES = (
    "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
    "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur",
    "Wojciechowski", "Kwiatkowski", "Krawczyk", "Kaczmarek", "Piotrowski", "Grabowski",
    "Zając", "Pawłowski", "Michalski", "Król", "Wieczorek", "Jabłoński", "Wróbel",
    "Nowakowski", "Majewski", "Olszewski", "Stępień", "Malinowski", "Jaworski", "Adamczyk",
    "Dudek", "Nowicki", "Pawlak", "Górski", "Witkowski", "Walczak", "Sikora", "Baran",
    "Rutkowski", "Michalak", "Szewczyk", "Ostrowski", "Tomaszewski", "Pietrzak", "Wasilewski",
    "Zalewski", "Jakubowski", "Jasiński", "Zawadzki", "Sadowski", "Bąk", "Chmielewski",
    "Czarnecki", "Sawicki", "Sokołowski", "Kulesza", "Głowacki", "Wysocki", "Borkowski",
    "Sobolewski",
)  # fmt: skip

# Adjectival endings that agree in gender; every other surname is the same for both.
_ADJECTIVAL = ("ski", "cki", "dzki")


def feminine(surname: str) -> str:
    """The surname a woman bears: Kowalski -> Kowalska, Zawadzki -> Zawadzka, Nowak -> Nowak."""
    if surname.endswith(_ADJECTIVAL):
        return surname[:-1] + "a"
    return surname


# Firms are a few percent of the customers; "{s}" is a (masculine) surname.
FIRM_TEMPLATES = (
    "Piekarnia {s} s.c.",
    "Zakład Usługowy {s} Sp. z o.o.",
    "Warsztat Samochodowy {s} s.c.",
    "Przedsiębiorstwo Handlowe {s} Sp.j.",
    "Sklep Spożywczy {s}",
    "Usługi Remontowo-Budowlane {s}",
)
FIRM_NAMES = (
    "Piekarnia Kłos s.c.",
    "Pensjonat Nad Jeziorem Sp. z o.o.",
    "Gospodarstwo Ogrodnicze Zielony Zakątek",
    "Myjnia Samochodowa Mazury s.c.",
    "Apteka Pod Lipami Sp. z o.o.",
    "Przychodnia Rodzinna Zdrowie Sp. z o.o.",
)


def ascii_fold(text: str) -> str:
    """Lower-case ASCII for e-mail local parts: "Łukasz Wiśniewski" -> "lukasz wisniewski"."""
    text = text.replace("ł", "l").replace("Ł", "L")
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()
