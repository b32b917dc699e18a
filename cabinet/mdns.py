"""The practice's host name on the local network by mDNS (`cabinet.local`), so that iPads
and recent Android tablets reach `https://cabinet.local` without anyone touching the router.

One process per instance announces (the holder of `instance/mdns.lock`, see `locks`), and
only when Cabinet serves the network itself: HTTPS by gunicorn, bound to an address other
than the loopback, a host name ending in `.local`, and `CABINET_MDNS` not set to 0. Where
mDNS is blocked (some Wi-Fi routers filter multicast), docs/tablets.md gives the fallbacks.
"""

import atexit
import ipaddress
import socket
import threading
from pathlib import Path

from cabinet import locks, tls

SERVICE = "_https._tcp.local."
_zeroconf = None


def should_announce(config: dict, host: str) -> bool:
    """Announce only a `.local` name served over our own TLS to the network, never from a
    server listening on the loopback (nobody else could reach it)."""
    if not (config.get("MDNS") and config.get("TLS")):
        return False
    if not config["HOSTNAME"].endswith(".local"):
        return False
    return host not in {"localhost", ""} and not _is_loopback(host)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def addresses_for(host: str) -> list[str]:
    """The addresses to announce: the bound one, or every private one for 0.0.0.0."""
    if host in {"0.0.0.0", "::", "[::]"}:  # noqa: S104 - what gunicorn was told to bind
        return tls.lan_addresses()
    return [host]


def service_info(hostname: str, port: int, addresses: list[str]):
    """The announcement: an HTTPS service on `port`, whose server is `hostname` at these
    addresses (zeroconf also answers plain address queries for that name)."""
    from zeroconf import ServiceInfo

    return ServiceInfo(
        SERVICE,
        f"Cabinet ({hostname.removesuffix('.local')}).{SERVICE}",
        port=port,
        server=f"{hostname}.",
        addresses=[socket.inet_pton(_family(a), a) for a in addresses],
        properties={"path": "/"},
    )


def _family(address: str) -> int:
    return socket.AF_INET6 if ":" in address else socket.AF_INET


def start(config: dict, host: str, port: int, log) -> bool:
    """Announce from this process if it should and no other process does; True if so.
    Registration probes the network for a second or two: done in a thread, so a worker
    boots at once."""
    global _zeroconf
    if not should_announce(config, host):
        return False
    if not locks.hold(Path(config["INSTANCE_PATH"]) / "mdns.lock"):
        return False
    addresses = addresses_for(host)
    if not addresses:
        log.warning("mDNS: no private address to announce %s on", config["HOSTNAME"])
        return False
    from zeroconf import Zeroconf

    _zeroconf = Zeroconf(interfaces=addresses)
    info = service_info(config["HOSTNAME"], port, addresses)

    def register():
        try:
            _zeroconf.register_service(info)
            log.info("mDNS: %s announced at %s", config["HOSTNAME"], ", ".join(addresses))
        except Exception:
            log.exception("mDNS: announcement of %s failed", config["HOSTNAME"])

    threading.Thread(target=register, name="mdns", daemon=True).start()
    atexit.register(_zeroconf.close)  # says goodbye, so tablets forget the address at once
    return True
