"""S2, S4: CNIL 2022 entropy rule, common passwords refused, the forced change after a reset."""

import html

import pytest

from cabinet.auth import policy
from tests.conftest import AUTHENTICATORS, traces


@pytest.mark.parametrize(
    ("password", "at_least"),
    [
        ("Kx7#mPq2vL9@", 80),  # 12 characters of the 4 classes: case 1 (CNIL)
        ("aB3dE6gH9jK2mN", 80),  # 14 characters, upper, lower, digits: case 1
        ("kX#mP!qL", 50),  # 8 characters of 3 classes: case 2
        ("ab#7!x?q", 50),  # 8 characters, lower + digits + specials: case 2
        ("lune cactus violon marée tisane fourmi orage", 80),  # 7 words: case 1
        ("lune cactus violon marée", 50),  # 4 words: case 2
    ],
)
def test_entropy_follows_the_cnil_examples(password, at_least):
    assert policy.entropy_bits(password) >= at_least


def test_entropy_counts_only_the_classes_used():
    assert policy.entropy_bits("abcdefgh") == 38  # 8 × log2(26)
    assert policy.entropy_bits("") == 0
    assert policy.entropy_bits("12345678") == 27  # 8 × log2(10)


def test_repeated_words_do_not_count_twice():
    assert policy.entropy_bits("chat chat chat chat") < policy.entropy_bits("chat lune vent pied")


@pytest.mark.parametrize("password", ["azerty", "motdepasse", "Password123!", "azertyuiop12"])
def test_common_passwords_are_refused_whatever_their_length(password):
    assert any("courant ou prévisible" in p for p in policy.problems(password))


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Azerty2024!", "suite de touches du clavier (azerty) suivie d'une année"),
        ("Motdepasse1!", "mot de passe courant « motdepasse » suivi d'un chiffre"),
        ("Soleil2025!", "mot courant « soleil » suivi d'une année"),
        ("Qsdfgh2024!", "suite de touches du clavier (azerty) suivie d'une année"),
        ("Wxcvbn!2024", "suite de touches du clavier (azerty) suivie d'une année"),
        ("2024Soleil", "mot courant « soleil » précédé d'une année"),
        ("Été2024!", "mot courant « été » suivi d'une année"),
        ("M0tdep@sse!", "mot de passe courant « motdepasse » suivi d'un caractère spécial"),
        ("Nicolas01012000", "mot courant « nicolas » suivi d'une date"),
        ("&é\"'(-è", "suite de touches du clavier (azerty)"),
        ("Password123!", "mot de passe courant « password » suivi de chiffres"),
    ],
)
def test_french_keyboards_and_words_are_refused_with_the_pattern_named(password, reason):
    """Issue 18.5 (S2): "Azerty2024!" passed at 73 bits; the reason names the pattern."""
    predictable = [p for p in policy.problems(password) if "courant ou prévisible" in p]
    assert len(predictable) == 1 and reason in predictable[0], predictable


@pytest.mark.parametrize(
    ("walk", "layout"),
    [("azerty", "azerty"), ("aqwxsz", "azerty"), ("mlkjhg", "azerty"), ("zxcvbn", "qwerty")],
)
def test_keyboard_walks_of_both_layouts(walk, layout):
    assert policy.keyboard_walk(walk) == layout


@pytest.mark.parametrize("text", ["azr", "arbre", "kx7mpq", "tisane"])
def test_keys_that_do_not_touch_are_no_walk(text):
    assert policy.keyboard_walk(text) is None


@pytest.mark.parametrize(
    "password",
    [
        "Kx7#mPq2vL9@",
        "Soleil83920174!",  # a known word, but 8 digits that are not a date around it
        "Tisane-Fourmi-42!",
        "orage tisane fourmi cactus",
    ],
)
def test_a_word_with_enough_around_it_is_not_called_predictable(password):
    assert policy.predictable_pattern(password) is None


def test_the_french_lists_are_read_folded_and_without_comments():
    lists = policy.french_lists()
    assert lists["mots_de_passe_fr"][:3] == ["azerty", "azertyuiop", "motdepasse"]
    assert "ete" in lists["mots_fr"] and "fevrier" in lists["mots_fr"]
    assert not [w for words in lists.values() for w in words if w.startswith("#") or w != w.strip()]


def test_azerty2024_is_refused_at_a_forced_change_whatever_its_entropy(
    app, admin_client, anon_client
):
    one_time = _new_account(admin_client)
    anon_client.post("/connexion", data={"login": "nouvelle", "password": one_time})
    for password, reason in (
        ("Azerty2024!", "suite de touches du clavier (azerty)"),
        ("Motdepasse1!", "mot de passe courant « motdepasse »"),
        ("Soleil2025!", "mot courant « soleil » suivi d'une année"),
    ):
        assert policy.entropy_bits(password) >= 50  # only the pattern refuses it
        answer = anon_client.post(
            "/mot-de-passe", data={"password": password, "confirmation": password}
        )
        page = html.unescape(answer.get_data(as_text=True))
        assert answer.status_code == 422 and reason in page, password
        assert "Ce mot de passe convient." not in page
    from cabinet.auth.models import User

    with app.app_context():
        assert User.get(User.login == "nouvelle").must_change_password


def test_the_users_own_name_is_refused():
    problems = policy.problems("Dupont-Marie-2024!", personal=("mdupont", "Marie Dupont"))
    assert any("votre nom" in p for p in problems)


def test_too_long_is_refused_never_truncated():
    problems = policy.problems("a" * 129)
    assert problems == ["Au plus 128 caractères (le mot de passe n'est jamais tronqué)."]
    assert policy.problems("lune cactus violon marée tisane fourmi " + "x" * 80) == []


def test_weak_password_says_what_is_missing_in_french():
    (problem,) = [p for p in policy.problems("abcdefgh") if "Trop faible" in p]
    assert "38 bits" in problem and "majuscules" in problem and "chiffres" in problem


def test_case_one_can_be_required():
    assert policy.problems("kX#mP!qL", minimum_bits=80)
    assert not policy.problems("kX#mP!qL", minimum_bits=50)


def _new_account(admin_client):
    response = admin_client.post(
        "/comptes/nouveau",
        data={"login": "nouvelle", "display_name": "Inès Nouvelle", "role": "secretary"},
    )
    assert response.status_code == 302
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    import re

    password = re.search(r"<p class=\"big\"><code>([^<]+)</code>", page).group(1)
    # Shown once: the next visit no longer shows it.
    assert password not in admin_client.get(response.headers["Location"]).get_data(as_text=True)
    return password


def test_first_login_forces_a_new_password_then_enrolment(app, admin_client, anon_client):
    one_time = _new_account(admin_client)
    response = anon_client.post("/connexion", data={"login": "nouvelle", "password": one_time})
    assert response.headers["Location"] == "/mot-de-passe"
    # Nothing else is reachable before the new password.
    assert anon_client.get("/patients/").headers["Location"] == "/connexion"
    assert anon_client.get("/enregistrement").headers["Location"] == "/mot-de-passe"
    weak = anon_client.post("/mot-de-passe", data={"password": "soleil", "confirmation": "soleil"})
    assert weak.status_code == 422 and "Trop faible" in weak.get_data(as_text=True)
    mismatch = anon_client.post(
        "/mot-de-passe",
        data={"password": "lune cactus violon marée", "confirmation": "lune cactus violon"},
    )
    assert "ne correspondent pas" in mismatch.get_data(as_text=True)
    done = anon_client.post(
        "/mot-de-passe",
        data={"password": "lune cactus violon marée", "confirmation": "lune cactus violon marée"},
    )
    assert done.headers["Location"] == "/enregistrement"
    from tests.soft_webauthn import SoftAuthenticator

    key = SoftAuthenticator()
    options = anon_client.post("/webauthn/enregistrement/options").get_json()
    result = anon_client.post(
        "/webauthn/enregistrement", json={"credential": key.create(options), "name": "Clé"}
    )
    assert result.get_json() == {"status": "ok", "next": "/codes-de-secours"}
    codes = anon_client.get("/codes-de-secours").get_data(as_text=True)
    assert codes.count("<code>") == 10
    assert anon_client.get("/codes-de-secours").headers["Location"] == "/securite"  # once
    assert anon_client.get("/").status_code == 200
    assert [t.action for t in traces(app, actor_name="Inès Nouvelle")][-4:] == [
        "auth.password_changed",
        "auth.authenticator_added",
        "auth.recovery_codes_generated",
        "auth.login",
    ]


def test_admin_reset_forces_a_change_at_next_login(app, admin_client, anon_client, user):
    target = user("practitioner")
    response = admin_client.post(f"/comptes/{target.ref}/mot-de-passe")
    assert response.status_code == 302
    import re

    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    one_time = re.search(r"<p class=\"big\"><code>([^<]+)</code>", page).group(1)
    answer = anon_client.post("/connexion", data={"login": "praticien", "password": one_time})
    assert answer.headers["Location"] == "/mot-de-passe"
    anon_client.post(
        "/mot-de-passe",
        data={
            "password": "orage tisane fourmi cactus",
            "confirmation": "orage tisane fourmi cactus",
        },
    )
    # The account already has an authenticator: the second factor is still required.
    step = anon_client.get("/connexion")
    assert step.status_code in (200, 302)
    options = anon_client.post("/webauthn/connexion/options").get_json()
    verified = anon_client.post(
        "/webauthn/connexion", json={"credential": AUTHENTICATORS["praticien"].get(options)}
    )
    assert verified.get_json()["status"] == "ok"
    assert traces(app, action="user.password_reset")[-1].target == f"user:{target.id}"
    assert traces(app, action="auth.password_changed")


def test_inline_check_answers_as_you_type(app, anon_client, admin_client):
    one_time = _new_account(admin_client)
    anon_client.post("/connexion", data={"login": "nouvelle", "password": one_time})
    fragment = anon_client.post(
        "/mot-de-passe/verifier", data={"password": "azerty"}, headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="password-feedback"')
    assert "Trop faible" in fragment and "<html" not in fragment
    good = anon_client.post(
        "/mot-de-passe/verifier", data={"password": "lune cactus violon marée"}
    ).get_data(as_text=True)
    assert "Ce mot de passe convient." in good
