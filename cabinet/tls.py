"""The instance's own certificate authority and the certificate gunicorn serves (X3, X9).

A practice has no IT department and no public name: Cabinet makes a small certificate
authority of its own in `instance/tls/` the first time gunicorn starts, and issues the
server certificate from it. A tablet trusts that authority once (the page "Installer une
tablette"); from then on every certificate Cabinet issues to itself is trusted.

- `ca.crt` is the public certificate the tablets install; `ca.key` never leaves the folder.
- The authority is *name-constrained* to the practice's host name, `localhost` and the
  private address ranges: whoever steals `ca.key` still cannot impersonate another site to
  a tablet that trusts it.
- `server.pem` holds the server's private key and certificate in one file, replaced
  atomically: gunicorn's sync workers read it for every connection, so a renewal never
  meets a key and a certificate from two different issues.
- The server certificate lives 397 days (the longest every browser accepts) and is issued
  again at start-up, and each night, when fewer than 60 days remain, when it no longer
  names this host or one of its current addresses, or when it was not issued by `ca.key`.

Every file is written 0600 in a 0700 folder (the process umask, `create_app`).
"""

import datetime
import hashlib
import ipaddress
import os
import plistlib
import uuid
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_LIFETIME = datetime.timedelta(days=3650)
SERVER_LIFETIME = datetime.timedelta(days=397)
RENEW_BEFORE = datetime.timedelta(days=60)
# A clock a little behind on a tablet must not see a certificate "from the future".
BACKDATE = datetime.timedelta(hours=1)
# The only addresses the authority may ever certify: the machine itself and private networks.
PERMITTED_NETWORKS = [
    ipaddress.ip_network(net)
    for net in (
        "127.0.0.0/8",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "::1/128",
        "fc00::/7",
    )
]


class TlsError(Exception):
    """The certificates cannot be used as they are; the message is French and holds no key."""


@dataclass(frozen=True)
class TlsFiles:
    folder: Path

    @property
    def ca_certificate(self) -> Path:
        return self.folder / "ca.crt"

    @property
    def ca_key(self) -> Path:
        return self.folder / "ca.key"

    @property
    def server(self) -> Path:
        """Private key then certificate: gunicorn's `certfile` (no separate `keyfile`)."""
        return self.folder / "server.pem"


def lan_addresses() -> list[str]:
    """The machine's own private IPv4 addresses (no loopback, no link-local), for the
    certificate's names. Read from the interfaces: nothing is sent on the network."""
    import ifaddr

    found = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if not isinstance(ip.ip, str):
                continue  # IPv6 entries come as tuples; tablets reach the server over IPv4
            address = ipaddress.ip_address(ip.ip)
            if address.is_loopback or address.is_link_local or not _permitted(address):
                continue
            found.append(str(address))
    return sorted(set(found))


def wanted_names(hostname: str, addresses: list[str]) -> tuple[list[str], list[str]]:
    """DNS names and IP addresses the server certificate must carry."""
    ips = ["127.0.0.1", "::1", *(a for a in addresses if _permitted(ipaddress.ip_address(a)))]
    return sorted({hostname, "localhost"}), sorted(set(ips))


def _permitted(address) -> bool:
    return any(address in network for network in PERMITTED_NETWORKS)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _write_private(path: Path, data: bytes) -> None:
    """Write through a temporary file and rename: readers see the old file or the new one."""
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


def _key_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _create_ca(files: TlsFiles, hostname: str, now: datetime.datetime) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    # iPadOS lists an authority under "Réglages des certificats" only if it has a common name.
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"Cabinet - autorité locale ({hostname})"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Cabinet"),
        ]
    )
    constraints = x509.NameConstraints(
        permitted_subtrees=[
            x509.DNSName(hostname),
            x509.DNSName("localhost"),
            *(x509.IPAddress(network) for network in PERMITTED_NETWORKS),
        ],
        excluded_subtrees=None,
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(constraints, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    files.folder.mkdir(parents=True, exist_ok=True)
    files.folder.chmod(0o700)
    # The key first: a certificate without its key would be an authority nobody can use.
    _write_private(files.ca_key, _key_pem(key))
    _write_private(files.ca_certificate, certificate.public_bytes(serialization.Encoding.PEM))


def _load_ca(files: TlsFiles):
    try:
        certificate = x509.load_pem_x509_certificate(files.ca_certificate.read_bytes())
        key = serialization.load_pem_private_key(files.ca_key.read_bytes(), password=None)
    except (OSError, ValueError) as error:
        raise TlsError(
            f"L'autorité de certification du cabinet ({files.folder}) est illisible ou "
            "incomplète. Restaurez ca.crt et ca.key depuis une sauvegarde, ou supprimez le "
            "dossier pour en créer une nouvelle (chaque tablette devra alors réinstaller le "
            "certificat)."
        ) from error
    if certificate.public_key().public_numbers() != key.public_key().public_numbers():
        raise TlsError(f"ca.crt et ca.key ({files.folder}) ne vont pas ensemble.")
    return certificate, key


def _permits_host(ca_certificate, hostname: str) -> bool:
    constraints = ca_certificate.extensions.get_extension_for_class(x509.NameConstraints).value
    permitted = [s.value for s in constraints.permitted_subtrees if isinstance(s, x509.DNSName)]
    return any(hostname == name or hostname.endswith(f".{name}") for name in permitted)


def renewal_reason(files: TlsFiles, ca_certificate, dns: list[str], ips: list[str], now) -> str:
    """Why the server certificate must be issued again, or "" when it is still good."""
    try:
        certificate = x509.load_pem_x509_certificate(files.server.read_bytes())
        serialization.load_pem_private_key(files.server.read_bytes(), password=None)
    except (OSError, ValueError):
        return "absent"
    try:
        ca_certificate.public_key().verify(
            certificate.signature,
            certificate.tbs_certificate_bytes,
            ec.ECDSA(certificate.signature_hash_algorithm),
        )
    except (InvalidSignature, TypeError):
        return "issued by another authority"
    if certificate.not_valid_after_utc - now < RENEW_BEFORE:
        return "expires soon"
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    carried_dns = set(names.get_values_for_type(x509.DNSName))
    carried_ips = {str(ip) for ip in names.get_values_for_type(x509.IPAddress)}
    if not set(dns) <= carried_dns or not set(ips) <= carried_ips:
        return "names changed"
    return ""


def _issue_server(files: TlsFiles, ca_certificate, ca_key, dns, ips, now) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns[0])])
    names = [x509.DNSName(name) for name in dns] + [
        x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips
    ]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(min(now + SERVER_LIFETIME, ca_certificate.not_valid_after_utc))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write_private(
        files.server, _key_pem(key) + certificate.public_bytes(serialization.Encoding.PEM)
    )


def ensure(
    folder: Path,
    hostname: str,
    addresses: list[str] | None = None,
    now: datetime.datetime | None = None,
) -> list[str]:
    """Create the authority if missing, issue the server certificate when due.

    Returns what was done, for the start-up log (English, like every log line). Raises
    `TlsError` when the existing authority cannot certify `hostname` (created for another
    name): replacing it silently would leave every enrolled tablet distrusting the server."""
    now = now or _now()
    files = TlsFiles(folder)
    done = []
    if not files.ca_certificate.exists() and not files.ca_key.exists():
        _create_ca(files, hostname, now)
        done.append(f"TLS: certificate authority created in {folder}")
    ca_certificate, ca_key = _load_ca(files)
    if not _permits_host(ca_certificate, hostname):
        raise TlsError(
            f"Le nom « {hostname} » n'est pas couvert par l'autorité du cabinet, créée pour "
            f"un autre nom ({ca_certificate.subject.rfc4514_string()}). Remettez l'ancien "
            f"CABINET_HOSTNAME, ou supprimez {folder} pour créer une nouvelle autorité puis "
            "réinstallez le certificat sur chaque tablette."
        )
    dns, ips = wanted_names(hostname, lan_addresses() if addresses is None else addresses)
    reason = renewal_reason(files, ca_certificate, dns, ips, now)
    if reason:
        _issue_server(files, ca_certificate, ca_key, dns, ips, now)
        done.append(f"TLS: server certificate issued ({reason}) for {', '.join(dns + ips)}")
    return done


def ca_certificate(folder: Path):
    """The authority's public certificate, or None when it was never created."""
    path = TlsFiles(folder).ca_certificate
    if not path.exists():
        return None
    return x509.load_pem_x509_certificate(path.read_bytes())


def fingerprint(certificate) -> str:
    """SHA-256 fingerprint as iPadOS and Android show it (pairs of hex digits)."""
    digest = certificate.fingerprint(hashes.SHA256()).hex().upper()
    return " ".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def der(certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def mobileconfig(certificate, hostname: str) -> bytes:
    """An iPadOS configuration profile holding the authority's public certificate, nothing
    else. Its identifiers derive from the certificate, so installing it twice replaces the
    first copy instead of adding a second one."""
    digest = hashlib.sha256(der(certificate)).hexdigest()
    namespace = uuid.UUID(digest[:32])
    identifier = f"local.cabinet.{digest[:16]}"
    payload = {
        "PayloadCertificateFileName": "cabinet-ca.crt",
        "PayloadContent": der(certificate),
        "PayloadDescription": "Certificat public de l'autorité du cabinet.",
        "PayloadDisplayName": certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[
            0
        ].value,
        "PayloadIdentifier": f"{identifier}.ca",
        "PayloadType": "com.apple.security.root",
        "PayloadUUID": str(uuid.uuid5(namespace, "ca")).upper(),
        "PayloadVersion": 1,
    }
    profile = {
        "PayloadContent": [payload],
        "PayloadDescription": (
            f"Permet à cette tablette de reconnaître le logiciel Cabinet du cabinet "
            f"(https://{hostname}). Ne contient aucune donnée et aucun secret."
        ),
        "PayloadDisplayName": f"Cabinet ({hostname})",
        "PayloadIdentifier": identifier,
        "PayloadOrganization": "Cabinet",
        "PayloadRemovalDisallowed": False,
        "PayloadType": "Configuration",
        "PayloadUUID": str(uuid.uuid5(namespace, "profile")).upper(),
        "PayloadVersion": 1,
    }
    return plistlib.dumps(profile, fmt=plistlib.FMT_XML)
