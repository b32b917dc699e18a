"""Issue 13: the host name is announced by mDNS from exactly one process, and only when
Cabinet serves the network itself. No test sends multicast: the announcement is built and
its refusals checked, the network is never touched (a real announcement would reach the
machine's LAN)."""

import socket
import subprocess
import sys
import textwrap

import pytest

from cabinet import mdns

ALL = "0.0.0.0"  # noqa: S104 - the bind address under test, nothing is bound
SERVING = {"MDNS": True, "TLS": True, "HOSTNAME": "cabinet.local"}


@pytest.mark.parametrize(
    ("change", "host", "expected"),
    [
        ({}, ALL, True),
        ({}, "192.168.1.20", True),
        ({}, "127.0.0.1", False),  # nobody else can reach a server on the loopback
        ({}, "localhost", False),
        ({"MDNS": False}, ALL, False),  # CABINET_MDNS=0
        ({"TLS": False}, ALL, False),  # behind a proxy, or plain HTTP
        ({"HOSTNAME": "cabinet.example.fr"}, ALL, False),  # a real DNS name
    ],
)
def test_announce_only_a_local_name_served_to_the_network(change, host, expected):
    assert mdns.should_announce({**SERVING, **change}, host) is expected


def test_the_announcement_names_the_host_at_its_addresses():
    info = mdns.service_info("cabinet.local", 443, ["192.168.1.20"])
    assert info.type == "_https._tcp.local."
    assert info.server == "cabinet.local."
    assert info.port == 443
    assert info.addresses == [socket.inet_aton("192.168.1.20")]


def test_a_second_process_does_not_announce(tmp_path, monkeypatch):
    lock = tmp_path / "mdns.lock"
    with subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys
                from pathlib import Path
                from cabinet import locks
                assert locks.hold(Path({str(lock)!r}))
                print("held", flush=True)
                sys.stdin.read()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdout.readline().strip() == "held"

        def never(*args, **kwargs):
            raise AssertionError("this process must not announce")

        # A safety net, not the subject: were the lock ignored, nothing would be sent.
        monkeypatch.setattr("zeroconf.Zeroconf", never)
        config = {**SERVING, "INSTANCE_PATH": tmp_path}
        assert mdns.start(config, "192.168.1.20", 443, log=None) is False
        holder.stdin.close()
