"""R1–R3 boundaries: the day before, the day of, leap years, minors, deceased, suspended."""

import datetime

import pytest

from cabinet.retention.policy import Facts, Policy, add_years, dates, due

D = datetime.date
ADULT = D(1960, 5, 10)


def test_add_years_keeps_the_day_and_folds_29_february():
    assert add_years(D(2020, 2, 29), 5) == D(2025, 2, 28)
    assert add_years(D(2020, 2, 29), 4) == D(2024, 2, 29)
    assert add_years(D(2021, 3, 1), 5) == D(2026, 3, 1)


@pytest.mark.parametrize(
    ("today", "action"),
    [
        (D(2031, 6, 14), "keep"),  # the day before the 5 years
        (D(2031, 6, 15), "archive"),  # the day of
        (D(2046, 6, 14), "archive"),  # the day before the 20 years
        (D(2046, 6, 15), "delete"),  # the day of
    ],
)
def test_active_five_years_then_archive_fifteen(today, action):
    facts = Facts(last_care=D(2026, 6, 15), birth_date=ADULT)
    assert due(facts, today).action == action


def test_leap_day_last_care():
    facts = Facts(last_care=D(2024, 2, 29), birth_date=ADULT)
    assert due(facts, D(2029, 2, 27)).action == "keep"
    assert due(facts, D(2029, 2, 28)).action == "archive"
    assert dates(facts) == (D(2029, 2, 28), D(2044, 2, 29))


def test_a_minor_is_kept_until_the_28th_birthday():
    facts = Facts(last_care=D(2026, 1, 10), birth_date=D(2020, 9, 1))
    archive_on, delete_on = dates(facts)
    assert archive_on == D(2031, 1, 10)
    assert delete_on == D(2048, 9, 1)  # 28th birthday, later than 2046-01-10
    assert due(facts, D(2048, 8, 31)).action == "archive"
    assert due(facts, D(2048, 9, 1)).action == "delete"
    without = Policy(minor_until_28=False)
    assert dates(facts, without)[1] == D(2046, 1, 10)


def test_a_deceased_patient_ends_ten_years_after_death_if_earlier():
    facts = Facts(last_care=D(2026, 1, 10), birth_date=ADULT, deceased_on=D(2026, 2, 1))
    assert dates(facts) == (D(2031, 1, 10), D(2036, 2, 1))
    assert due(facts, D(2036, 1, 31)).action == "archive"
    assert due(facts, D(2036, 2, 1)).action == "delete"
    # Never before the archive date, even for a death long ago.
    old = Facts(last_care=D(2026, 1, 10), birth_date=ADULT, deceased_on=D(2010, 1, 1))
    assert dates(old)[1] == D(2031, 1, 10)


def test_a_suspended_file_waits():
    facts = Facts(last_care=D(2000, 1, 1), birth_date=ADULT, suspended=True)
    assert due(facts, D(2050, 1, 1)).action == "suspended"


def test_durations_are_settings():
    facts = Facts(last_care=D(2026, 1, 1), birth_date=ADULT)
    assert dates(facts, Policy(active_years=3, archive_years=7)) == (D(2029, 1, 1), D(2036, 1, 1))


def test_reasons_are_french_and_dated():
    facts = Facts(last_care=D(2026, 6, 15), birth_date=ADULT)
    assert "15/06/2026" in due(facts, D(2031, 6, 15)).reason
    assert "Fin de conservation" in due(facts, D(2046, 6, 15)).reason
