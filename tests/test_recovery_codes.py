"""S5: one-time recovery codes: ten at the first enrolment, stored only as hashes, each
usable once (under the attempt limits of a password, S3), only after the password step;
replaced on demand."""

import re

from tests.auth_support import (
    failed_second_factors,
    is_signed_in,
)
from tests.conftest import (
    RECOVERY_CODES,
    password_step,
    traces,
)


def test_enrolment_gives_ten_recovery_codes_stored_only_as_hashes(app, user):
    from cabinet.auth.models import RecoveryCode
    from cabinet.db import database

    secretary = user("secretary")
    codes = RECOVERY_CODES["secretaire"]
    assert len(codes) == 10 and len(set(codes)) == 10
    with app.app_context():
        rows = list(RecoveryCode.select().where(RecoveryCode.user == secretary.id))
        raw_table = repr(database.execute_sql("SELECT * FROM recovery_code").fetchall())
    assert len(rows) == 10
    assert all(r.is_current and r.used_at is None for r in rows)
    for code in codes:
        bare = code.replace("-", "")
        assert code not in raw_table and bare not in raw_table
        assert bare.lower() not in raw_table.lower()
    hashes = {r.code_hash for r in rows}
    assert len(hashes) == 10
    assert all(len(h) >= 32 and h not in {c.replace("-", "") for c in codes} for h in hashes)


def test_recovery_code_completes_the_login_once(app, anon_client, user):
    from cabinet.auth import recovery

    code = RECOVERY_CODES["secretaire"][0]
    password_step(anon_client, "secretaire")
    response = anon_client.post("/code-de-secours", data={"code": code})
    assert response.headers["Location"] == "/securite"
    page = anon_client.get("/securite").get_data(as_text=True)
    assert "il vous en reste 9" in page and "<strong>9</strong>" in page
    with app.app_context():
        assert recovery.remaining(user("secretary")) == 9
    (used,) = traces(app, action="auth.recovery_code_used")
    assert used.detail == "9 code(s) restant(s)" and code not in used.detail
    assert traces(app, action="auth.login")[-1].detail == "code de secours"
    anon_client.post("/deconnexion")

    again = app.test_client()
    password_step(again, "secretaire")
    refused = again.post("/code-de-secours", data={"code": code})
    assert refused.status_code == 401
    assert "Code invalide ou déjà utilisé." in refused.get_data(as_text=True)
    assert not is_signed_in(again)
    assert len(failed_second_factors(app, "secretaire")) == 1

    # Another code, typed in lower case without the dashes, still works.
    other = RECOVERY_CODES["secretaire"][1].replace("-", "").lower()
    assert again.post("/code-de-secours", data={"code": other}).headers["Location"] == "/securite"
    with app.app_context():
        assert recovery.remaining(user("secretary")) == 8


def test_recovery_code_needs_the_password_step_first(app, anon_client):
    response = anon_client.post("/code-de-secours", data={"code": RECOVERY_CODES["secretaire"][0]})
    assert response.headers["Location"] == "/connexion"
    assert traces(app, action="auth.recovery_code_used") == []


def test_regenerated_codes_replace_the_old_ones(app, practitioner_client, user):
    """The security page's "new codes" (identity confirmed at login, a minute ago): ten new
    codes shown once, the old ones no longer accepted, the change traced."""
    from cabinet.auth.models import RecoveryCode

    doctor = user("practitioner")
    response = practitioner_client.post("/securite/codes-de-secours")
    assert response.headers["Location"] == "/codes-de-secours"
    page = practitioner_client.get("/codes-de-secours").get_data(as_text=True)
    fresh = re.findall(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\b", page)
    assert len(set(fresh)) == 10 and not set(fresh) & set(RECOVERY_CODES["praticien"])
    with app.app_context():
        rows = list(RecoveryCode.select().where(RecoveryCode.user == doctor.id))
    assert len(rows) == 20 and sum(r.is_current for r in rows) == 10
    generated = traces(app, action="auth.recovery_codes_generated", actor_id=doctor.id)
    assert len(generated) == 2  # the first enrolment's, then this one

    old = app.test_client()
    password_step(old, "praticien")
    assert (
        old.post("/code-de-secours", data={"code": RECOVERY_CODES["praticien"][0]}).status_code
        == 401
    )
    assert not is_signed_in(old)
    new = app.test_client()
    password_step(new, "praticien")
    assert new.post("/code-de-secours", data={"code": fresh[0]}).headers["Location"] == "/securite"
