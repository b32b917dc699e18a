"""P1, T1: a larger practice's day view pages through its agendas six at a time (issue 20) —
the group asked for (kept within range), a practitioner's own group by default, the other
groups one link away, each page traced with the agendas it showed; a small practice and the
week view are unchanged."""

import re
import secrets

import pytest

from cabinet.appointments import agenda, services
from tests.appointment_helpers import FUTURE, booking
from tests.conftest import traces

DAY = FUTURE.isoformat()


@pytest.fixture
def colleagues(app):
    """Six more practitioners, named to sort before the test accounts: with "Dr Paul
    Soignant" and "Léa Remplaçante", eight agendas — a first group of six, then those two."""
    from cabinet.users.services import create_user

    with app.test_request_context():
        return [
            create_user(
                f"collegue{n}",
                "practitioner",
                secrets.token_urlsafe(16),
                display_name=f"Dr Agenda {n:02}",
            )
            for n in range(1, 7)
        ]


def _columns(page: str) -> list[str]:
    return re.findall(r'<section class="agenda-column[^"]*">\s*<h2>([^<]+)</h2>', page)


def test_the_secretary_sees_six_agendas_then_the_others_one_link_away(
    app, secretary_client, colleagues, user, make_patient, kinds
):
    patient = make_patient(birth_name="Groupé")
    with app.test_request_context():
        services.book(
            booking(user("practitioner"), patient, kinds["Séance"], FUTURE, 10), user("secretary")
        )

    first = secretary_client.get(f"/agenda/?jour={DAY}").get_data(as_text=True)
    assert _columns(first) == [f"Dr Agenda {n:02}" for n in range(1, 7)]
    assert "Agendas 1 à 6 sur 8" in first and "GROUPÉ" not in first
    assert f"/agenda/?jour={DAY}&amp;groupe=2" in first and "Agendas précédents" not in first

    second = secretary_client.get(f"/agenda/?jour={DAY}&groupe=2").get_data(as_text=True)
    assert _columns(second) == ["Dr Paul Soignant", "Léa Remplaçante"]
    assert "Agendas 7 à 8 sur 8" in second and "GROUPÉ" in second
    assert "Agendas suivants" not in second
    # The day's navigation keeps the group: the next day opens on the same agendas.
    following = re.search(r'href="([^"]+)"[^>]*aria-label="Suivant"', second).group(1)
    assert following.endswith("groupe=2")

    details = [t.detail for t in traces(app, action="appointment.agenda_view")]
    assert details[-2:] == [
        f"jour du {FUTURE:%d/%m/%Y}, agendas 1 à 6 sur 8, 0 rendez-vous",
        f"jour du {FUTURE:%d/%m/%Y}, agendas 7 à 8 sur 8, 1 rendez-vous",
    ]


@pytest.mark.parametrize(
    ("asked", "shown"),
    [("99", ["Dr Paul Soignant", "Léa Remplaçante"]), ("0", None), ("deux", None), ("-3", None)],
)
def test_a_group_out_of_range_or_not_a_number_shows_the_nearest(
    secretary_client, colleagues, asked, shown
):
    page = secretary_client.get(f"/agenda/?jour={DAY}&groupe={asked}")
    assert page.status_code == 200
    assert _columns(page.get_data(as_text=True)) == (
        shown or [f"Dr Agenda {n:02}" for n in range(1, 7)]
    )


def test_a_practitioner_lands_on_the_group_holding_her_own_agenda(practitioner_client, colleagues):
    page = practitioner_client.get(f"/agenda/?jour={DAY}").get_data(as_text=True)
    assert _columns(page) == ["Dr Paul Soignant", "Léa Remplaçante"]
    assert "Agendas 7 à 8 sur 8" in page


def test_a_chosen_practitioner_and_the_week_view_show_no_groups(secretary_client, colleagues, user):
    ref = user("locum").ref
    for path in (f"/agenda/?jour={DAY}&praticien={ref}", f"/agenda/?jour={DAY}&vue=semaine"):
        page = secretary_client.get(path).get_data(as_text=True)
        assert "Agendas 1 à" not in page and "groupe=" not in page


def test_a_small_practice_sees_every_agenda_side_by_side_as_before(secretary_client):
    page = secretary_client.get(f"/agenda/?jour={DAY}").get_data(as_text=True)
    assert _columns(page) == ["Dr Paul Soignant", "Léa Remplaçante"]
    assert "agenda-groups" not in page and agenda.AGENDAS_PER_PAGE == 6


def test_the_agenda_views_list_the_same_agendas_as_the_booking_forms(app, colleagues, user):
    """Issue 20: the day and week views read their agendas as plain rows; they list exactly
    the accounts `practitioners()` lists — a disabled account and a locum past her last
    day hold none, a secretary never does."""
    import datetime

    from cabinet.auth.models import User

    gone, ended = colleagues[0], colleagues[1]
    with app.test_request_context():
        User.update(disabled_at=datetime.datetime(2026, 1, 1)).where(User.id == gone.id).execute()
        yesterday = datetime.date.today() - datetime.timedelta(days=1)
        User.update(end_date=yesterday).where(User.id == ended.id).execute()
        today = datetime.date.today()
        User.update(end_date=today).where(User.id == user("locum").id).execute()
        holders = agenda.agenda_holders()
        expected = [(p.id, p.ref, p.display_name) for p in agenda.practitioners()]
    assert [(h.id, h.ref, h.display_name) for h in holders] == expected
    ids = {h.id for h in holders}
    assert gone.id not in ids and ended.id not in ids and user("secretary").id not in ids
    assert user("locum").id in ids  # her last day is today: she still holds it
    assert len(holders) == 6  # four colleagues left, Dr Paul Soignant, Léa Remplaçante


def test_a_week_without_a_chosen_agenda_says_whose_it_is(secretary_client, user):
    """Found in a walk-through: "Tous les praticiens" stayed selected over one practitioner's
    week, and nothing on the page said whose week it was. The week of the first agenda
    names its practitioner in the title and in the filter."""
    page = secretary_client.get(f"/agenda/?jour={DAY}&vue=semaine").get_data(as_text=True)
    first = user("practitioner")
    heading = re.search(r"<h1>([^<]+)</h1>", page).group(1)
    assert heading.endswith(f" · {first.display_name}"), heading
    assert re.search(rf'<option value="{first.ref}" selected>', page)
    assert not re.search(r'<option value="" selected>', page)
    day = secretary_client.get(f"/agenda/?jour={DAY}").get_data(as_text=True)
    assert re.search(r"<h1>[^<·]+</h1>", day)  # the day view names no one in its title
