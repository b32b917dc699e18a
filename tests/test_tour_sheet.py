"""A6: the home-visit tour sheet holds time, name, address, phone and access only, and
printing it is traced for each patient on it."""

from cabinet.appointments import services
from tests.appointment_helpers import FUTURE, booking
from tests.conftest import traces


def test_tour_sheet_holds_only_the_allowed_fields_and_is_traced(
    app, ctx, practitioner_client, user, make_patient, kinds
):
    doctor = user("practitioner")
    home = make_patient(
        birth_name="Domicile",
        phone="06 11 22 33 44",
        address="12 rue du Port",
        postcode="13002",
        city="Marseille",
        nir="253072B07300470",
        profession="Boulanger",
    )
    services.book(
        booking(
            doctor,
            home,
            kinds["Soin à domicile"],
            FUTURE,
            9,
            location="home",
            access_info="Code 1234B",
            note="Sonner deux fois",
        ),
        doctor,
    )
    services.book(
        booking(doctor, make_patient(birth_name="Cabinet"), kinds["Séance"], FUTURE, 11), doctor
    )
    page = practitioner_client.get(
        f"/agenda/tournee?praticien={doctor.ref}&jour={FUTURE.isoformat()}"
    )
    text = page.get_data(as_text=True)
    assert "DOMICILE" in text and "12 rue du Port, 13002 Marseille" in text
    assert "06 11 22 33 44" in text and "Code 1234B" in text
    for forbidden in [
        "CABINET",
        "253072B07300470",
        "Boulanger",
        "Sonner deux fois",
        "Soin à domicile",
    ]:
        assert forbidden not in text
    (printed,) = traces(app, action="appointment.tour_print")
    assert printed.patient_ref == home.ref
