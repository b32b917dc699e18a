"""T1, T3, T4: what each patient-data route traces, the journal viewer and its export,
and the patient's access report."""

import pytest

from tests.conftest import traces
from tests.test_patients import VALID


def _new_traces(app, since: int):
    """The traces of both journals written after the first `since` (in time order)."""
    return [(t.action, t.patient_ref) for t in traces(app)[since:]]


def _last_seq(app) -> int:
    return len(traces(app))


@pytest.mark.parametrize("role", ["admin", "practitioner", "secretary"])
def test_each_patient_route_writes_exactly_the_expected_traces(
    app, role_client, role, make_patient
):
    client = role_client(role)
    patient = make_patient(phone="01 02 03 04 05")
    ref = patient.ref
    edit = {
        **VALID,
        "birth_name": patient.birth_name,
        "first_names": patient.first_names,
        "birth_date": "1950-03-14",
        "nir": "",
        "phone": "06 00 00 00 01",
        "address": patient.address,
        "postcode": patient.postcode,
        "city": patient.city,
        "birthplace_code": "",
        "family_situation": "",
    }
    walk = [
        ("GET", "/patients/", None, [("patient.list", None)]),
        ("POST", "/patients/recherche", {"q": patient.birth_name}, [("patient.search", None)]),
        ("GET", f"/patients/{ref}", None, [("patient.view", ref)]),
        ("GET", f"/patients/{ref}/modifier", None, [("patient.view", ref)]),
        (
            "POST",
            f"/patients/{ref}/modifier",
            edit,
            [("patient.view", ref), ("patient.update", ref)],
        ),
    ]
    if role in ("admin", "practitioner"):
        walk.append(("GET", f"/patients/{ref}/acces", None, [("patient.access_report", ref)]))
    for method, url, data, expected in walk:
        since = _last_seq(app)
        response = client.open(url, method=method, data=data)
        assert response.status_code in (200, 302), (url, response.status_code)
        assert _new_traces(app, since) == expected, url
    since = _last_seq(app)
    response = client.post("/patients/nouveau", data=VALID)
    (created,) = _new_traces(app, since)
    assert created[0] == "patient.create" and response.status_code == 302


def test_traces_hold_who_when_where_and_no_content(app, secretary_client, make_patient):
    patient = make_patient(phone="01 02 03 04 05", birth_name="Contenu")
    secretary_client.get(f"/patients/{patient.ref}")
    (view,) = traces(app, action="patient.view")
    assert view.actor_name == "Sophie Accueil" and view.role == "secretary"
    assert view.client_address == "127.0.0.1" and view.at is not None and len(view.seal) == 64
    for trace in traces(app):
        text = " ".join(str(v) for v in trace.__data__.values())
        assert "Contenu" not in text and "01 02 03 04 05" not in text


def test_access_report_lists_every_role_and_nothing_of_other_patients(
    app, secretary_client, practitioner_client, admin_client, make_patient
):
    mine = make_patient(birth_name="Mienne")
    other = make_patient(birth_name="Autre")
    secretary_client.get(f"/patients/{mine.ref}")
    practitioner_client.get(f"/patients/{mine.ref}")
    practitioner_client.get(f"/patients/{other.ref}")
    page = admin_client.get(f"/patients/{mine.ref}/acces").get_data(as_text=True)
    assert "Sophie Accueil" in page and "Dr Paul Soignant" in page
    assert "Secrétaire" in page and "Praticien" in page
    assert "Consultation de la fiche administrative" in page
    assert "Relevé des accès au dossier" in page
    # The other patient's accesses do not appear: one line per access to this file only,
    # from both journals (the readings' and the main one, where the report itself is).
    count = len(traces(app, patient_ref=mine.ref))
    assert {t.journal for t in traces(app, patient_ref=mine.ref)} == {"principal", "consultations"}
    assert page.count("<tr><td>") == count
    assert traces(app, action="patient.access_report")[-1].patient_ref == mine.ref


def test_access_report_refuses_a_reversed_period(admin_client, make_patient):
    patient = make_patient()
    response = admin_client.get(f"/patients/{patient.ref}/acces?start=2026-05-01&end=2026-04-01")
    assert response.status_code == 422
    assert "précède son début" in response.get_data(as_text=True)


def test_secretary_cannot_produce_the_access_report(secretary_client, make_patient):
    patient = make_patient()
    assert secretary_client.get(f"/patients/{patient.ref}/acces").status_code == 403


def test_journal_filters_by_user_patient_and_action(
    app, admin_client, secretary_client, practitioner_client, user, make_patient
):
    patient = make_patient()
    secretary_client.get(f"/patients/{patient.ref}")
    practitioner_client.get("/patients/")
    secretary_id = user("secretary").id

    def table(url):
        page = admin_client.get(url).get_data(as_text=True)
        return page[page.index('<table class="table traces">') :]

    page = table(f"/journal/?actor={secretary_id}")
    assert "Sophie Accueil" in page and "Dr Paul Soignant" not in page
    page = table(f"/journal/?patient={patient.ref}")
    assert "Consultation de la fiche administrative" in page
    assert "Consultation de la liste des patients" not in page
    page = table("/journal/?action=patient.list")
    assert "Dr Paul Soignant" in page and "Consultation de la fiche administrative" not in page
    assert traces(app, action="audit.view")


def test_journal_pages_with_load_more(app, admin_client, secretary_client, make_patient):
    patient = make_patient()
    for _ in range(60):
        secretary_client.get(f"/patients/{patient.ref}")
    first = admin_client.get(f"/journal/?patient={patient.ref}").get_data(as_text=True)
    assert first.count('class="outcome-ok"') == 50
    import re

    more = re.search(r'hx-get="([^"]+)"', first).group(1).replace("&amp;", "&")
    rest = admin_client.get(more, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in rest
    assert rest.count('class="outcome-ok"') == 61 - 50  # 60 views + the creation


def test_journal_refuses_a_reversed_period(admin_client):
    response = admin_client.get("/journal/?start=2026-05-01&end=2026-04-01")
    assert "Filtres invalides" in response.get_data(as_text=True)


def test_export_is_csv_of_the_selection_and_is_traced(
    app, admin_client, secretary_client, make_patient
):
    patient = make_patient()
    secretary_client.get(f"/patients/{patient.ref}")
    response = admin_client.get(f"/journal/export.csv?patient={patient.ref}")
    assert response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    lines = body.strip().splitlines()
    assert lines[0].lstrip("\ufeff").startswith("journal;seq;at;actor_id")
    assert len(lines) == 1 + 2  # view and creation, newest first: one from each journal
    assert all(patient.ref in line for line in lines[1:])
    assert lines[1].startswith("consultations;") and lines[2].startswith("principal;")
    (export,) = traces(app, action="audit.export")
    assert export.patient_ref == patient.ref and export.detail == "un patient"


def test_no_route_can_change_or_delete_traces(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("audit."):
            assert rule.methods - {"GET", "HEAD", "OPTIONS"} == set(), rule.endpoint


def test_policy_page_reads_the_retention_setting(app, admin_client, anon_client):
    from cabinet import settings

    with app.app_context():
        settings.put("trace_retention_days", 730)
    assert "730 jours" in anon_client.get("/politique-utilisation").get_data(as_text=True)
    assert "730 jours" in anon_client.get("/connexion").get_data(as_text=True)


def test_retention_setting_is_bounded():
    from cabinet import settings

    with pytest.raises(settings.SettingError):
        settings.validate("trace_retention_days", 90)
    with pytest.raises(settings.SettingError):
        settings.validate("trace_retention_days", 2000)
    assert settings.validate("trace_retention_days", 183) == 183


def test_the_benchs_untraced_pages_are_not_the_applications(secretary_client, app):
    """T1: bench/wsgi.py serves pages without their trace under /sans-trace to measure what a
    trace costs; the application has no such path, and a page's reading is traced whatever
    its URL or its environment asks."""
    from cabinet.audit.models import ReadingTrace

    with app.app_context():
        before = ReadingTrace.select().count()
    assert secretary_client.get("/sans-trace/agenda/").status_code == 404
    page = secretary_client.get("/agenda/", environ_overrides={"bench.untraced": True})
    assert page.status_code == 200
    with app.app_context():
        assert ReadingTrace.select().count() == before + 1


def test_a_page_refused_to_a_signed_in_account_is_traced(
    app, secretary_client, practitioner_client, anon_client, make_patient
):
    """T1 (technical traces), found in a walk-through: the secretary typing a care record's
    address got the refusal page and left nothing in the journal. Each refusal is traced,
    with the patient the address names; an anonymous visitor is sent to the login, as
    before, and traced as nothing."""
    patient = make_patient()
    assert secretary_client.get(f"/soins/{patient.ref}").status_code == 403
    hx = secretary_client.get(f"/soins/{patient.ref}", headers={"HX-Request": "true"})
    assert hx.status_code == 403
    assert practitioner_client.get("/comptes/").status_code == 403
    assert anon_client.get(f"/soins/{patient.ref}").status_code == 302
    assert secretary_client.get("/soins/pas-un-patient").status_code == 403
    refused = traces(app, action="access.refused")
    assert [(t.role, t.patient_ref, t.outcome) for t in refused] == [
        ("secretary", patient.ref, "refused"),
        ("secretary", patient.ref, "refused"),
        ("practitioner", None, "refused"),
        ("secretary", None, "refused"),  # an address naming no one names no one
    ]
    assert refused[0].target == refused[1].target == refused[3].target != refused[2].target
    assert refused[0].journal == "principal" and refused[0].detail == "page demandée"
