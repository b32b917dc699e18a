"""The cotation aid's engine: a visit's acts priced by the NGAP rules, each step said in French.

Pure functions: the tariffs in force (`Rate`, read from the versioned `Tariff` rows by
`tariffs.in_force`) and the visit's facts come in, a `Quote` comes out. Every rule and figure
is cited in docs/cotation.md; the worked examples of the sources are the unit tests
(tests/test_cotation_rules.py).

- Article 11B of the NGAP's general provisions: in one session, the act of the highest value
  at its full coefficient, the second at 50 %, the others not paid. Its exceptions are data on
  each act (`cumulation`): "full_rate" (perfusion stages, titre XVI chap. I art. 9 and chap. II
  art. 3), "group:<name>" (acts that add up at full rate among themselves and are ranked as
  one, e.g. chap. II art. 5 bis for an insulin-treated patient), and `full_rate_with` (the
  heavy dressing cumulated at full rate with a nursing-care session AIS, chap. I art. 11).
- Majorations by time and day (art. 14): the narrowest night window holding the local time
  (nurses: 20 h–23 h and 5 h–8 h, deep night 23 h–5 h), Sunday and public holidays (computed,
  Alsace-Moselle when set), Saturday from 8 h for an urgent call; night and Sunday are not
  added together (the higher one is kept).
- MAU (a single AMI act of coefficient 1 or 1.5), MCI (palliative care or a listed dressing),
  IFD for a home visit, IK by zone on the round trip after the deductible distance.

Amounts are Decimal, rounded half-up to the cent on each line, as each line of a care sheet.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from cabinet.billing.holidays import holiday_name

CENT = Decimal("0.01")
FULL, HALF, NONE = Decimal("1"), Decimal("0.5"), Decimal("0")
PROFESSIONS = {
    "nurse": "Infirmier·e",
    "physio": "Masseur-kinésithérapeute",
    "speech": "Orthophoniste",
}
ZONES = {"plain": "plaine", "mountain": "montagne", "foot": "à pied ou à ski"}
# Tariff codes of the IK rate and of its deductible distance, by zone.
MILEAGE_CODES = {"plain": "IKP", "mountain": "IKM", "foot": "IKS"}
DEDUCTIBLE_CODES = {"plain": "ABAT-P", "mountain": "ABAT-M", "foot": "ABAT-S"}


class PricingError(Exception):
    """A French message: why this visit cannot be priced (nothing is saved)."""


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def number(value) -> str:
    """A coefficient or a distance as French writes it: 1,5 ; 4 ; 0,35."""
    text = format(Decimal(value).normalize(), "f")
    return text.replace(".", ",")


def euros(value) -> str:
    return f"{money(value):.2f} €".replace(".", ",")


@dataclass(frozen=True)
class Rate:
    """A tariff in force on the visit's day: a letter key's value, a majoration, an allowance
    (€), or a deductible distance (km). `starts`/`ends` bound a night majoration."""

    code: str
    kind: str
    label: str
    amount: Decimal
    confirmed: bool = True
    starts: datetime.time | None = None
    ends: datetime.time | None = None


@dataclass(frozen=True)
class PickedAct:
    """An act of the nomenclature chosen for the visit, as in force on its day."""

    ident: str
    label: str
    key: str
    coefficient: Decimal
    cumulation: str = "11B"
    full_rate_with: str = ""
    opens_mci: bool = False
    rule: str = ""
    confirmed: bool = True

    @property
    def code(self) -> str:
        return f"{self.key} {number(self.coefficient)}"


@dataclass
class VisitFacts:
    at: datetime.datetime  # local wall-clock time of the visit (Europe/Paris)
    acts: list[PickedAct]
    home: bool = False
    km: Decimal = Decimal("0")  # one way, practice to the patient's home
    zone: str = "plain"
    urgent: bool = False  # an urgent call (Sunday majoration from Saturday 8 h)
    palliative: bool = False  # palliative care at home (MCI)
    alsace_moselle: bool = False


@dataclass
class Step:
    """One line of the explanation; a billed line when `amount` is not None."""

    text: str
    code: str = ""
    amount: Decimal | None = None
    quantity: Decimal = Decimal("1")
    rate: Decimal = FULL  # share of the coefficient billed (1, 0.5, 0)
    to_confirm: bool = False


@dataclass
class Quote:
    steps: list[Step] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((s.amount for s in self.steps if s.amount is not None), Decimal("0.00"))

    @property
    def lines(self) -> list[Step]:
        """The billed lines (an act not paid under art. 11B is explained, not billed)."""
        return [s for s in self.steps if s.amount]

    def summary(self) -> str:
        return " ; ".join(s.text for s in self.steps)


def _mark(text: str, confirmed: bool) -> str:
    return text if confirmed else f"{text} [à confirmer]"


# Article 11B ---------------------------------------------------------------------------------


@dataclass
class _Unit:
    """What art. 11B ranks: one act, or a group of acts that add up among themselves."""

    acts: list[PickedAct]
    group: str = ""

    def value(self, rates: dict[str, Rate]) -> Decimal:
        return sum((a.coefficient * rates[a.key].amount for a in self.acts), Decimal("0"))

    @property
    def coefficient(self) -> Decimal:
        return sum((a.coefficient for a in self.acts), Decimal("0"))

    def label(self) -> str:
        if len(self.acts) == 1:
            return self.acts[0].code
        return "(" + " + ".join(a.code for a in self.acts) + ")"


def _split(acts: list[PickedAct]) -> tuple[list[PickedAct], list[_Unit]]:
    """The acts at full rate whatever else is done, and the units art. 11B ranks."""
    full, units, groups = [], [], {}
    for index, act in enumerate(acts):
        others = {a.key for i, a in enumerate(acts) if i != index}
        if act.cumulation == "full_rate" or (act.full_rate_with and act.full_rate_with in others):
            full.append(act)
        elif act.cumulation.startswith("group:"):
            name = act.cumulation.split(":", 1)[1]
            if name not in groups:
                groups[name] = _Unit([], group=name)
                units.append(groups[name])
            groups[name].acts.append(act)
        else:
            units.append(_Unit([act]))
    return full, units


def _act_step(act: PickedAct, rates: dict[str, Rate], rate: Decimal, why: str) -> Step:
    key = rates[act.key]
    amount = money(act.coefficient * key.amount * rate)
    share = {FULL: "à taux plein", HALF: "à 50 %"}.get(rate, "non facturé")
    text = f"{act.code} {share} ({why})"
    if rate:
        text += f" : {euros(amount)}"
    confirmed = act.confirmed and key.confirmed
    return Step(
        _mark(text, confirmed),
        code=act.code,
        amount=amount if rate else None,
        rate=rate,
        to_confirm=not confirmed,
    )


def cumulate(acts: list[PickedAct], rates: dict[str, Rate]) -> list[Step]:
    """Art. 11B and its exceptions: each act's share, with the reason."""
    for act in acts:
        if act.key not in rates:
            raise PricingError(f"Aucun tarif en vigueur pour la lettre clé {act.key} à cette date.")
    full, units = _split(acts)
    steps = []
    for act in full:
        why = f"cumul à taux plein, {act.rule}" if act.rule else "cumul à taux plein"
        if act.cumulation != "full_rate":
            why = f"cumulé à taux plein avec {act.full_rate_with}, {act.rule}".rstrip(", ")
        steps.append(_act_step(act, rates, FULL, why))
    ranked = sorted(units, key=lambda u: (u.value(rates), u.coefficient), reverse=True)
    for position, unit in enumerate(ranked):
        rate, why = {
            0: (FULL, "art. 11B : acte le plus important"),
            1: (HALF, "art. 11B : deuxième acte"),
        }.get(position, (NONE, "art. 11B : au-delà du deuxième acte"))
        if unit.group:
            rule = unit.acts[0].rule
            why += f" ; {unit.label()} cumulés entre eux" + (f", {rule}" if rule else "")
        steps.extend(_act_step(act, rates, rate, why) for act in unit.acts)
    return steps


# Majorations, allowances ----------------------------------------------------------------------


def _window_minutes(rate: Rate) -> int:
    start = rate.starts.hour * 60 + rate.starts.minute
    end = rate.ends.hour * 60 + rate.ends.minute
    return (end - start) % (24 * 60)


def _in_window(rate: Rate, moment: datetime.time) -> bool:
    if rate.starts <= rate.ends:
        return rate.starts <= moment < rate.ends
    return moment >= rate.starts or moment < rate.ends  # across midnight


def night_rate(rates: dict[str, Rate], moment: datetime.time) -> Rate | None:
    """The narrowest night window holding this local time (deep night before night)."""
    windows = [r for r in rates.values() if r.kind == "night" and r.starts and r.ends is not None]
    holding = [r for r in windows if _in_window(r, moment)]
    return min(holding, key=_window_minutes) if holding else None


def sunday_reason(at: datetime.datetime, urgent: bool, alsace_moselle: bool) -> str | None:
    """Why the Sunday and holiday majoration applies, or None."""
    day = at.date()
    holiday = holiday_name(day, alsace_moselle)
    if holiday:
        return f"jour férié ({holiday})"
    if day.weekday() == 6:
        return "dimanche"
    if day.weekday() == 5 and urgent and at.time() >= datetime.time(8):
        return "samedi après 8 h, appel urgent"
    return None


def _majoration(rate: Rate, why: str) -> Step:
    text = f"{rate.label} : {why} : {euros(rate.amount)}"
    return Step(_mark(text, rate.confirmed), rate.code, rate.amount, to_confirm=not rate.confirmed)


def time_majorations(facts: VisitFacts, rates: dict[str, Rate]) -> tuple[list[Step], list[str]]:
    """Night or Sunday/holiday majoration (not both: the higher is kept), and the note why."""
    at = facts.at
    night = night_rate(rates, at.time())
    sunday = next((r for r in rates.values() if r.kind == "sunday"), None)
    reason = sunday_reason(at, facts.urgent, facts.alsace_moselle) if sunday else None
    candidates = []
    if night:
        candidates.append((night, f"passage à {at:%H} h {at:%M}"))
    if reason:
        candidates.append((sunday, reason))
    if not candidates:
        return [], []
    chosen, why = max(candidates, key=lambda c: c[0].amount)
    notes = []
    if len(candidates) == 2:
        notes.append(
            "Majorations de nuit et de dimanche non cumulées : la plus élevée est retenue "
            "(NGAP art. 14) [à confirmer]."
        )
    return [_majoration(chosen, why)], notes


def _single_act(facts: VisitFacts, rates: dict[str, Rate]) -> list[Step]:
    """MAU: one act only, an AMI of coefficient 1 or 1.5 (NGAP art. 23.1)."""
    if "MAU" not in rates or len(facts.acts) != 1:
        return []
    act = facts.acts[0]
    if act.key != "AMI" or act.coefficient > Decimal("1.5"):
        return []
    return [_majoration(rates["MAU"], f"acte unique {act.code}")]


def _coordination(facts: VisitFacts, rates: dict[str, Rate]) -> list[Step]:
    """MCI: palliative care at home, or a dressing that opens it; once per visit."""
    if "MCI" not in rates:
        return []
    opening = next((a for a in facts.acts if a.opens_mci), None)
    if facts.palliative and facts.home:
        return [_majoration(rates["MCI"], "soins palliatifs à domicile")]
    if opening:
        return [_majoration(rates["MCI"], opening.label.lower())]
    return []


def travel(facts: VisitFacts, rates: dict[str, Rate]) -> list[Step]:
    """IFD for a home visit; IK by zone on the round trip minus the deductible (art. 13)."""
    if not facts.home:
        return []
    steps = []
    if "IFD" in rates:
        steps.append(_majoration(rates["IFD"], "visite à domicile"))
    km = Decimal(facts.km or 0)
    if km <= 0:
        return steps
    rate = rates.get(MILEAGE_CODES.get(facts.zone, ""))
    deductible = rates.get(DEDUCTIBLE_CODES.get(facts.zone, ""))
    if rate is None or deductible is None:
        raise PricingError(f"Aucun tarif d'IK en {ZONES.get(facts.zone, facts.zone)} à cette date.")
    billable = max(Decimal("0"), 2 * km - deductible.amount)
    head = (
        f"IK {ZONES[facts.zone]} : 2 × {number(km)} km − {number(deductible.amount)} km "
        f"d'abattement = {number(billable)} km"
    )
    confirmed = rate.confirmed and deductible.confirmed
    if billable == 0:
        steps.append(Step(_mark(f"{head} : pas d'IK", confirmed), to_confirm=not confirmed))
        return steps
    amount = money(billable * rate.amount)
    text = f"{head} × {euros(rate.amount).replace(' €', '')} € = {euros(amount)}"
    steps.append(
        Step(_mark(text, confirmed), "IK", amount, quantity=billable, to_confirm=not confirmed)
    )
    return steps


def price(facts: VisitFacts, rates: dict[str, Rate]) -> Quote:
    """The visit priced step by step: acts (art. 11B), majorations, travel."""
    if not facts.acts:
        raise PricingError("Choisissez au moins un acte.")
    quote = Quote(steps=cumulate(facts.acts, rates))
    majorations, notes = time_majorations(facts, rates)
    quote.steps += majorations + _single_act(facts, rates) + _coordination(facts, rates)
    quote.steps += travel(facts, rates)
    quote.notes += notes
    return quote
