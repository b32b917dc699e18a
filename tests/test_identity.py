"""Unit: NIR control key (D2, Corsica included) and search normalisation."""

import pytest

from cabinet.patients.identity import clean_nir, make_nir, nir_key, nir_problem, search_key


@pytest.mark.parametrize(
    "nir",
    ["253072B07300470", "253072A07300443", "2 53 07 2B 073 004 70", "1 85 05 78 006 084 91"],
)
def test_valid_nirs_are_accepted(nir):
    assert nir_problem(nir) is None


def test_corsican_departments_read_as_19_and_18():
    assert nir_key("253072A073004") == 43
    assert nir_key("253072B073004") == 70
    assert nir_key("253071907300" + "4") == 43  # 2A is computed as 19


@pytest.mark.parametrize(
    ("nir", "expected"),
    [
        ("253072B07300471", "clé"),
        ("253072A07300470", "clé"),
        ("25307", "15 caractères"),
        ("953072B07300470", "format"),
        ("253132B07300470", "format"),
        ("2530X2B07300470", "format"),
    ],
)
def test_invalid_nirs_say_why_in_french(nir, expected):
    assert expected in nir_problem(nir)


def test_make_nir_appends_the_right_key():
    assert make_nir("253072B073004") == "253072B07300470"


def test_clean_nir_drops_separators_and_uppercases_corsica():
    assert clean_nir(" 2.53-07 2b 073 004 70 ") == "253072B07300470"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("HELOISE", "heloise"),
        ("Héloïse", "heloise"),
        ("  Œdipe   D'ÉTÉ-Lœw ", "oedipe d ete loew"),
        ("Ærø Straße", "aero strasse"),
        ("ÇA", "ca"),
    ],
)
def test_search_key_is_lowercase_unaccented_and_single_spaced(text, key):
    assert search_key(text) == key
