"""X3, X9: the instance's own certificate authority and the server certificate gunicorn
serves — chained to the authority, carrying the names, renewed when near expiry, private
keys 0600 — and the WebAuthn relying party derived from how Cabinet is served."""

import datetime
import ipaddress
import plistlib
import stat

import pytest
from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from cabinet import config, tls

NOW = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)
LAN = ["192.168.1.20"]


def _server_certificate(folder):
    return x509.load_pem_x509_certificate((folder / "server.pem").read_bytes())


def _verify(folder, name, now=NOW):
    """Path building and checks as a browser does them (RFC 5280 and the CA/B profile)."""
    ca = tls.ca_certificate(folder)
    subject = (
        x509.IPAddress(ipaddress.ip_address(name))
        if name[0].isdigit() or ":" in name
        else x509.DNSName(name)
    )
    verifier = PolicyBuilder().store(Store([ca])).time(now).build_server_verifier(subject)
    return verifier.verify(_server_certificate(folder), [])


def test_first_start_creates_the_authority_and_a_certificate_chained_to_it(tmp_path):
    folder = tmp_path / "tls"
    done = tls.ensure(folder, "cabinet.local", LAN, now=NOW)
    assert len(done) == 2
    for name in ("cabinet.local", "localhost", "127.0.0.1", "192.168.1.20"):
        chain = _verify(folder, name)
        assert chain[-1] == tls.ca_certificate(folder)
    with pytest.raises(VerificationError):
        _verify(folder, "autre.local")


def test_private_keys_are_0600_and_the_folder_0700(tmp_path):
    folder = tmp_path / "tls"
    tls.ensure(folder, "cabinet.local", LAN, now=NOW)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in ("ca.key", "server.pem", "ca.crt"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600, name
    assert b"PRIVATE KEY" not in (folder / "ca.crt").read_bytes()


def test_the_certificate_is_kept_while_valid_then_renewed_before_expiry(tmp_path):
    folder = tmp_path / "tls"
    tls.ensure(folder, "cabinet.local", LAN, now=NOW)
    first, authority = _server_certificate(folder), tls.ca_certificate(folder)
    assert tls.ensure(folder, "cabinet.local", LAN, now=NOW + datetime.timedelta(days=300)) == []
    expiry = first.not_valid_after_utc
    near = expiry - tls.RENEW_BEFORE + datetime.timedelta(days=1)
    (done,) = tls.ensure(folder, "cabinet.local", LAN, now=near)
    assert "expires soon" in done
    renewed = _server_certificate(folder)
    assert renewed.serial_number != first.serial_number
    assert renewed.not_valid_after_utc > expiry
    _verify(folder, "cabinet.local", now=expiry + datetime.timedelta(days=1))
    # The authority itself was kept: enrolled tablets still trust the new certificate.
    assert tls.ca_certificate(folder) == authority


def test_a_new_lan_address_or_another_authority_gets_a_new_certificate(tmp_path):
    folder = tmp_path / "tls"
    tls.ensure(folder, "cabinet.local", LAN, now=NOW)
    (done,) = tls.ensure(folder, "cabinet.local", ["10.0.0.7"], now=NOW)
    assert "names changed" in done
    _verify(folder, "10.0.0.7")
    other = tmp_path / "other"
    tls.ensure(other, "cabinet.local", LAN, now=NOW)
    (folder / "server.pem").write_bytes((other / "server.pem").read_bytes())
    (done,) = tls.ensure(folder, "cabinet.local", LAN, now=NOW)
    assert "another authority" in done
    _verify(folder, "cabinet.local")


def test_public_addresses_are_never_certified(tmp_path):
    folder = tmp_path / "tls"
    tls.ensure(folder, "cabinet.local", ["203.0.113.5", *LAN], now=NOW)
    names = _server_certificate(folder).extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    )
    assert "203.0.113.5" not in {str(ip) for ip in names.value.get_values_for_type(x509.IPAddress)}


def test_the_authority_is_constrained_to_the_practice_names(tmp_path):
    """A stolen ca.key cannot mint a certificate a tablet would accept for another site."""
    folder = tmp_path / "tls"
    tls.ensure(folder, "cabinet.local", LAN, now=NOW)
    ca = tls.ca_certificate(folder)
    constraints = ca.extensions.get_extension_for_class(x509.NameConstraints)
    assert constraints.critical
    dns = {s.value for s in constraints.value.permitted_subtrees if isinstance(s, x509.DNSName)}
    assert dns == {"cabinet.local", "localhost"}
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0
    # iPadOS lists an authority in "Réglages des certificats" only with a common name.
    assert ca.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)


def test_another_host_name_is_refused_with_a_french_message(tmp_path):
    folder = tmp_path / "tls"
    tls.ensure(folder, "cabinet.local", LAN, now=NOW)
    with pytest.raises(tls.TlsError, match="n'est pas couvert par l'autorité du cabinet"):
        tls.ensure(folder, "accueil.local", LAN, now=NOW)
    (folder / "ca.key").write_text("abîmé")
    with pytest.raises(tls.TlsError, match="illisible ou incomplète"):
        tls.ensure(folder, "cabinet.local", LAN, now=NOW)


def test_the_profile_holds_only_the_public_certificate(tmp_path):
    folder = tmp_path / "tls"
    tls.ensure(folder, "cabinet.local", LAN, now=NOW)
    ca = tls.ca_certificate(folder)
    raw = tls.mobileconfig(ca, "cabinet.local")
    profile = plistlib.loads(raw)
    assert profile["PayloadType"] == "Configuration"
    (payload,) = profile["PayloadContent"]
    assert payload["PayloadType"] == "com.apple.security.root"
    assert payload["PayloadContent"] == tls.der(ca)
    assert b"PRIVATE" not in raw
    key_body = b"".join((folder / "ca.key").read_bytes().splitlines()[1:-1])
    assert key_body not in raw
    # The same certificate gives the same profile: installing it again replaces it.
    assert tls.mobileconfig(ca, "cabinet.local") == raw


def _load(monkeypatch, **env):
    for name in ("CABINET_TLS", "CABINET_BEHIND_PROXY", "CABINET_RP_ID", "CABINET_ORIGINS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("CABINET_HOSTNAME", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return config.load()


def test_relying_party_and_origin_are_derived_from_how_cabinet_is_served(monkeypatch):
    plain = _load(monkeypatch, PORT="5000")
    assert (plain["RP_ID"], plain["ORIGINS"]) == ("localhost", ["http://localhost:5000"])
    served = _load(monkeypatch, PORT="5000", CABINET_TLS="1")
    assert (served["RP_ID"], served["ORIGINS"]) == ("cabinet.local", ["https://cabinet.local:5000"])
    on_443 = _load(monkeypatch, PORT="443", CABINET_TLS="1", CABINET_HOSTNAME="Accueil.Local")
    assert (on_443["RP_ID"], on_443["ORIGINS"]) == ("accueil.local", ["https://accueil.local"])
    proxied = _load(monkeypatch, CABINET_BEHIND_PROXY="1", CABINET_HOSTNAME="soins.example.fr")
    assert (proxied["RP_ID"], proxied["ORIGINS"]) == (
        "soins.example.fr",
        ["https://soins.example.fr"],
    )
    typed = _load(
        monkeypatch, CABINET_TLS="1", CABINET_RP_ID="x.local", CABINET_ORIGINS="https://x.local"
    )
    assert (typed["RP_ID"], typed["ORIGINS"]) == ("x.local", ["https://x.local"])


@pytest.mark.parametrize("bad", ["192.168.1.20", "cabinet_local", "-cabinet.local", ""])
def test_a_host_name_that_is_not_a_name_stops_with_a_french_message(monkeypatch, bad):
    with pytest.raises(SystemExit, match="doit être un nom d'hôte"):
        _load(monkeypatch, CABINET_HOSTNAME=bad)
