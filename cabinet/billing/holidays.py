"""French public holidays (jours fériés, art. L3133-1 du code du travail), computed: the fixed
days, and those that follow Easter (computed with the Anonymous Gregorian algorithm, also
called Meeus/Jones/Butcher). Alsace-Moselle adds Good Friday and 26 December (art. L3134-13);
the practice says whether it is there (setting `alsace_moselle`).

Pure functions: no I/O, so each boundary is unit-tested (tests/test_cotation_rules.py).
"""

import datetime

FIXED = {
    (1, 1): "Jour de l'an",
    (5, 1): "Fête du travail",
    (5, 8): "Victoire 1945",
    (7, 14): "Fête nationale",
    (8, 15): "Assomption",
    (11, 1): "Toussaint",
    (11, 11): "Armistice 1918",
    (12, 25): "Noël",
}


def easter(year: int) -> datetime.date:
    """Easter Sunday of the Gregorian calendar."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday) // 451
    month, day = divmod(h + weekday - 7 * m + 114, 31)
    return datetime.date(year, month, day + 1)


def holidays(year: int, alsace_moselle: bool = False) -> dict[datetime.date, str]:
    """Every public holiday of the year, with its French name."""
    days = {datetime.date(year, month, day): name for (month, day), name in FIXED.items()}
    sunday = easter(year)
    days[sunday + datetime.timedelta(days=1)] = "Lundi de Pâques"
    days[sunday + datetime.timedelta(days=39)] = "Ascension"
    days[sunday + datetime.timedelta(days=50)] = "Lundi de Pentecôte"
    if alsace_moselle:
        days[sunday - datetime.timedelta(days=2)] = "Vendredi saint (Alsace-Moselle)"
        days[datetime.date(year, 12, 26)] = "Saint-Étienne (Alsace-Moselle)"
    return days


def holiday_name(day: datetime.date, alsace_moselle: bool = False) -> str | None:
    """The holiday's name when `day` is a public holiday, else None."""
    return holidays(day.year, alsace_moselle).get(day)
