"""The cotation engine's rules, with the worked examples of the sources (docs/cotation.md):
article 11B and its exceptions, majorations at their hour and day boundaries (DST, holidays,
Alsace-Moselle), IK after the deductible. Pure functions: no app, no database."""

import datetime
from decimal import Decimal as D

import pytest

from cabinet.billing import holidays
from cabinet.billing.pricing import (
    PickedAct,
    PricingError,
    Rate,
    VisitFacts,
    cumulate,
    price,
    sunday_reason,
)
from cabinet.config import TIMEZONE

# Nurses' tariffs in force in 2024 (arrêté du 17/10/2008, avenants 3 and 10).
NURSE = {
    "AMI": Rate("AMI", "key", "AMI", D("3.15")),
    "AIS": Rate("AIS", "key", "AIS", D("2.65")),
    "IFD": Rate("IFD", "travel", "Indemnité forfaitaire de déplacement", D("2.75")),
    "IKP": Rate("IKP", "mileage", "IK plaine", D("0.35")),
    "IKM": Rate("IKM", "mileage", "IK montagne", D("0.50")),
    "ABAT-P": Rate("ABAT-P", "deductible", "Abattement plaine", D("4")),
    "ABAT-M": Rate("ABAT-M", "deductible", "Abattement montagne", D("2")),
    "NUIT": Rate(
        "NUIT",
        "night",
        "Majoration de nuit",
        D("9.15"),
        starts=datetime.time(20),
        ends=datetime.time(8),
    ),
    "NUIT-P": Rate(
        "NUIT-P",
        "night",
        "Majoration de nuit profonde",
        D("18.30"),
        starts=datetime.time(23),
        ends=datetime.time(5),
    ),
    "DIM": Rate("DIM", "sunday", "Majoration de dimanche et jour férié", D("8.00")),
    "MAU": Rate("MAU", "single_act", "Majoration acte unique", D("1.35")),
    "MCI": Rate("MCI", "coordination", "Majoration de coordination infirmière", D("5.00")),
}
PHYSIO = {
    "AMK": Rate("AMK", "key", "AMK", D("2.15")),
    "AMS": Rate("AMS", "key", "AMS", D("2.15")),
}


def ami(coefficient, ident="acte", **kwargs):
    return PickedAct(ident, ident, "AMI", D(str(coefficient)), **kwargs)


def local(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TIMEZONE)


TUESDAY_NOON = local(2024, 3, 12, 12, 0)


def _amounts(steps):
    return [(s.code, s.amount) for s in steps]


# Article 11B ---------------------------------------------------------------------------------


def test_11b_first_full_second_half_others_not_paid():
    """NGAP art. 11B: AMI 4 + AMI 1,5 + AMI 1 -> AMI 4 + AMI 1,5/2, the third not paid."""
    steps = cumulate([ami(1, "inj"), ami(4, "pans"), ami("1.5", "pds")], NURSE)
    assert _amounts(steps) == [("AMI 4", D("12.60")), ("AMI 1,5", D("2.36")), ("AMI 1", None)]
    assert "à taux plein" in steps[0].text and "à 50 %" in steps[1].text
    assert "non facturé" in steps[2].text and "au-delà du deuxième acte" in steps[2].text


def test_11b_insulin_group_ranked_as_one_act():
    """Titre XVI chap. II art. 5 bis (CPAM worked example): surveillance AMI 1 + insulin
    AMI 1 + blood test AMI 1,5 -> (AMI 1 + AMI 1) + AMI 1,5/2: the group is the highest."""
    insulin = {"cumulation": "group:insuline", "rule": "titre XVI chap. II art. 5 bis"}
    steps = cumulate(
        [ami(1, "surv", **insulin), ami(1, "insu", **insulin), ami("1.5", "pds")], NURSE
    )
    assert _amounts(steps) == [
        ("AMI 1", D("3.15")),
        ("AMI 1", D("3.15")),
        ("AMI 1,5", D("2.36")),
    ]
    assert "cumulés entre eux" in steps[0].text and "5 bis" in steps[0].text


def test_11b_group_second_when_another_act_is_higher():
    """Same source: enteral feeding AMI 3 + surveillance AMI 1 + injection AMI 1 ->
    AMI 3 + (AMI 1 + AMI 1)/2."""
    insulin = {"cumulation": "group:insuline"}
    steps = cumulate([ami(1, "surv", **insulin), ami(1, "inj", **insulin), ami(3, "ent")], NURSE)
    assert _amounts(steps) == [("AMI 3", D("9.45")), ("AMI 1", D("1.58")), ("AMI 1", D("1.58"))]


def test_11b_perfusion_stages_at_full_rate():
    """Titre XVI chap. I art. 9: the stages of a perfusion add up at full rate, outside the
    ranking; the other act is then the first of art. 11B."""
    perfusion = {"cumulation": "full_rate", "rule": "titre XVI chap. I art. 9"}
    steps = cumulate([ami(3, "prep", **perfusion), ami(3, "pose", **perfusion), ami(1)], NURSE)
    assert [s.amount for s in steps] == [D("9.45"), D("9.45"), D("3.15")]
    assert all("taux plein" in s.text for s in steps)


def test_11b_heavy_dressing_full_rate_with_a_care_session_only():
    """Titre XVI chap. I art. 11: the nursing-care session (AIS 3) is cumulated with a heavy,
    complex dressing (AMI 4) at full rate; with another AMI act art. 11B applies."""
    dressing = ami(4, "pansement lourd", full_rate_with="AIS")
    session = PickedAct("ais", "Séance de soins infirmiers", "AIS", D("3"))
    assert [s.amount for s in cumulate([session, dressing], NURSE)] == [D("12.60"), D("7.95")]
    assert [s.amount for s in cumulate([ami(1), dressing], NURSE)] == [D("12.60"), D("1.58")]


def test_11b_physiotherapy_two_pathologies():
    """Titre XIV (worked example): AMK 8 (respiratory, urgent) and AMS 7,5 (a limb) in one
    session -> AMK 8 + AMS 7,5/2, the only case where art. 11B applies to physiotherapy."""
    acts = [
        PickedAct("resp", "Respiratoire", "AMK", D("8")),
        PickedAct("membre", "Membre et racine", "AMS", D("7.5")),
    ]
    assert _amounts(cumulate(acts, PHYSIO)) == [("AMK 8", D("17.20")), ("AMS 7,5", D("8.06"))]


def test_unknown_letter_key_is_refused_in_french():
    with pytest.raises(PricingError, match="lettre clé AMX"):
        cumulate([PickedAct("x", "x", "AMX", D("1"))], NURSE)


def test_no_act_is_refused():
    with pytest.raises(PricingError, match="au moins un acte"):
        price(VisitFacts(TUESDAY_NOON, []), NURSE)


# Majorations by hour and day ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hour", "minute", "code"),
    [
        (7, 59, "NUIT"),
        (8, 0, None),
        (19, 59, None),
        (20, 0, "NUIT"),
        (22, 59, "NUIT"),
        (23, 0, "NUIT-P"),
        (4, 59, "NUIT-P"),
        (5, 0, "NUIT"),
    ],
)
def test_night_boundaries(hour, minute, code):
    """Nurses: night 20 h–23 h and 5 h–8 h, deep night 23 h–5 h (start included)."""
    quote = price(VisitFacts(local(2024, 3, 12, hour, minute), [ami(2)]), NURSE)
    night = [s.code for s in quote.steps if s.code.startswith("NUIT")]
    assert night == ([code] if code else [])


def test_night_follows_local_time_across_dst():
    """27/10/2024: 01:30 UTC is 02:30 local (CEST then CET): deep night; 04:30 UTC is
    05:30 local (CET): night. The same instants in July are one hour later."""
    for utc_hour, expected in ((1, "NUIT-P"), (4, "NUIT")):
        moment = datetime.datetime(2024, 10, 27, utc_hour, 30, tzinfo=datetime.UTC)
        quote = price(VisitFacts(moment.astimezone(TIMEZONE), [ami(2)]), NURSE)
        assert expected in [s.code for s in quote.steps], utc_hour
    spring = datetime.datetime(2024, 3, 31, 1, 30, tzinfo=datetime.UTC).astimezone(TIMEZONE)
    assert spring.hour == 3  # 02:00 local did not exist that night
    assert "NUIT-P" in [s.code for s in price(VisitFacts(spring, [ami(2)]), NURSE).steps]


def test_night_step_says_the_time():
    quote = price(VisitFacts(local(2024, 3, 12, 21, 10), [ami(4)], home=True), NURSE)
    texts = quote.summary()
    assert "Majoration de nuit : passage à 21 h 10 : 9,15 €" in texts
    assert "AMI 4 à taux plein" in texts and "déplacement : visite à domicile : 2,75 €" in texts


def test_sunday_and_holidays():
    assert sunday_reason(local(2024, 3, 10, 10), False, False) == "dimanche"
    assert sunday_reason(local(2024, 3, 11, 10), False, False) is None
    assert sunday_reason(local(2024, 5, 20, 10), False, False) == "jour férié (Lundi de Pentecôte)"
    assert sunday_reason(local(2024, 12, 25, 0, 0), False, False).startswith("jour férié")
    assert sunday_reason(local(2024, 12, 26, 10), False, False) is None
    assert sunday_reason(local(2024, 12, 26, 10), False, True).startswith("jour férié")


def test_saturday_counts_from_8_for_an_urgent_call_only():
    """The Sunday majoration applies from Saturday 8 h for urgent calls (arrêté 17/10/2008)."""
    assert sunday_reason(local(2024, 3, 9, 7, 59), True, False) is None
    assert sunday_reason(local(2024, 3, 9, 8, 0), True, False) == "samedi après 8 h, appel urgent"
    assert sunday_reason(local(2024, 3, 9, 8, 0), False, False) is None


def test_night_and_sunday_not_added_together():
    quote = price(VisitFacts(local(2024, 3, 10, 21, 0), [ami(2)]), NURSE)
    codes = [s.code for s in quote.steps]
    assert "NUIT" in codes and "DIM" not in codes
    assert quote.notes and "non cumulées" in quote.notes[0]
    sunday_day = price(VisitFacts(local(2024, 3, 10, 10, 0), [ami(2)]), NURSE)
    assert "DIM" in [s.code for s in sunday_day.steps] and not sunday_day.notes


def test_easter_dates():
    assert holidays.easter(2024) == datetime.date(2024, 3, 31)
    assert holidays.easter(2025) == datetime.date(2025, 4, 20)
    assert holidays.easter(2038) == datetime.date(2038, 4, 25)
    days = holidays.holidays(2025)
    assert days[datetime.date(2025, 4, 21)] == "Lundi de Pâques"
    assert days[datetime.date(2025, 5, 29)] == "Ascension"
    assert days[datetime.date(2025, 6, 9)] == "Lundi de Pentecôte"
    assert len(days) == 11
    alsace = holidays.holidays(2025, alsace_moselle=True)
    assert alsace[datetime.date(2025, 4, 18)].startswith("Vendredi saint") and len(alsace) == 13


# MAU, MCI, travel -----------------------------------------------------------------------------


def test_mau_only_for_one_small_ami_act():
    """NGAP art. 23.1: a single act coded AMI 1 or AMI 1,5."""
    assert "MAU" in [s.code for s in price(VisitFacts(TUESDAY_NOON, [ami("1.5")]), NURSE).steps]
    assert "MAU" not in [s.code for s in price(VisitFacts(TUESDAY_NOON, [ami(2)]), NURSE).steps]
    two = price(VisitFacts(TUESDAY_NOON, [ami(1), ami(1)]), NURSE)
    assert "MAU" not in [s.code for s in two.steps]


def test_mci_for_palliative_care_or_listed_dressing():
    palliative = price(VisitFacts(TUESDAY_NOON, [ami(2)], home=True, palliative=True), NURSE)
    assert [s.amount for s in palliative.steps if s.code == "MCI"] == [D("5.00")]
    dressing = price(VisitFacts(TUESDAY_NOON, [ami(4, "Pansement", opens_mci=True)]), NURSE)
    assert "MCI" in [s.code for s in dressing.steps]
    assert "MCI" not in [s.code for s in price(VisitFacts(TUESDAY_NOON, [ami(4)]), NURSE).steps]


def test_ik_after_the_deductible():
    """Art. 13: round trip minus 4 km in the plain, 2 km in the mountain."""
    plain = price(VisitFacts(TUESDAY_NOON, [ami(4)], home=True, km=D("7")), NURSE)
    ik = [s for s in plain.steps if s.code == "IK"][0]
    assert ik.quantity == D("10") and ik.amount == D("3.50")
    assert "2 × 7 km − 4 km d'abattement = 10 km" in ik.text
    mountain = price(
        VisitFacts(TUESDAY_NOON, [ami(4)], home=True, km=D("7"), zone="mountain"), NURSE
    )
    assert [s.amount for s in mountain.steps if s.code == "IK"] == [D("6.00")]
    near = price(VisitFacts(TUESDAY_NOON, [ami(4)], home=True, km=D("2")), NURSE)
    assert not [s for s in near.steps if s.code == "IK"]
    assert "pas d'IK" in near.summary()


def test_practice_visit_has_no_travel():
    quote = price(VisitFacts(TUESDAY_NOON, [ami(4)], km=D("12")), NURSE)
    assert [s.code for s in quote.lines] == ["AMI 4"] and quote.total == D("12.60")


def test_night_home_visit_total():
    """AMI 4 + AMI 1 at 21:10 at home, 7 km in the plain: 12.60 + 1.58 + 9.15 + 2.75 + 3.50."""
    quote = price(
        VisitFacts(local(2024, 3, 12, 21, 10), [ami(4), ami(1)], home=True, km=D("7")), NURSE
    )
    assert quote.total == D("29.58")
    assert [s.code for s in quote.lines] == ["AMI 4", "AMI 1", "NUIT", "IFD", "IK"]


def test_unconfirmed_figure_is_marked():
    rates = {**NURSE, "MCI": Rate("MCI", "coordination", "MCI", D("5.00"), confirmed=False)}
    quote = price(VisitFacts(TUESDAY_NOON, [ami(2)], home=True, palliative=True), rates)
    step = [s for s in quote.steps if s.code == "MCI"][0]
    assert step.to_confirm and step.text.endswith("[à confirmer]")
