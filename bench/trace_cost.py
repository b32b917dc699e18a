"""What tracing a read costs over HTTP (issue 20: "tracing a read costs < 10 % of that
page's time"): each page asked as itself and under `/sans-trace`, where the bench's server
(bench/wsgi.py, never the application) serves it with trace() a no-op — the same gunicorn,
the same workers and connections, in interleaved rounds.

Usage: python -m bench.trace_cost ["search,agenda day,patient page"] [--rounds 3 --seconds 5]
(the instance of bench/pages.py, seeded or reused at its default size). Prints, per page,
the requests/s traced and untraced in each round and the share of the page's time its
trace takes, 1 − traced/untraced, then the median and the range of those shares; asserts
nothing. Each round drives a page traced then untraced, and the next round the other way
round: always asked second, one side had a warmer cache and paid the other's checkpoints.

`--in-process`: the same pages through Flask's test client, one request at a time, traced
and untraced in turn (ABAB…), and the share from the two medians. The windows of wrk,
seconds apart, move by more than a trace costs on this machine (one run's shares spread
over 30 points); requests alternated one by one see the same machine, so this figure is
the steadier one. It leaves out gunicorn and the socket, which makes the page's time
shorter and the share a little larger than over HTTP.
"""

import argparse
import statistics
import time

from bench import pages as bench_pages
from bench.served import UNTRACED, instance_app, with_untraced_prefix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="?", default="search,agenda day,patient page")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--in-process", action="store_true", help="test client, ABAB")
    parser.add_argument("--pairs", type=int, default=400, help="with --in-process")
    args = parser.parse_args()
    if args.in_process:
        in_process(args.pages.split(","), args.pairs)
        return
    shares: dict[str, list[float]] = {}
    with bench_pages.served_pages() as (port, driven):
        for round_ in range(args.rounds):
            for name in args.pages.split(","):
                traced, untraced = _pair(port, driven[name], args.seconds, round_ % 2 == 1)
                assert not (traced["non_2xx"] or untraced["non_2xx"]), (traced, untraced)
                share = 1 - traced["rps"] / untraced["rps"]
                shares.setdefault(name, []).append(share)
                print(
                    f"{name:<14} traced {traced['rps']:7.1f} req/s (p50 {traced['p50_ms']:5.1f})"
                    f"  untraced {untraced['rps']:7.1f} req/s (p50 {untraced['p50_ms']:5.1f})"
                    f"  trace {share:6.1%}",
                    flush=True,
                )
    for name, values in shares.items():
        print(
            f"{name:<14} the trace's share, median of {len(values)}: "
            f"{statistics.median(values):.1%} ({min(values):.1%} to {max(values):.1%})"
        )


def _pair(port: int, page: dict, seconds: int, untraced_first: bool) -> tuple[dict, dict]:
    """(traced, untraced) results of one round, the side asked first as told."""
    sides = [("traced", ""), ("untraced", UNTRACED)]
    if untraced_first:
        sides.reverse()
    results = {
        side: bench_pages.drive(port, page, seconds, prefix=prefix) for side, prefix in sides
    }
    return results["traced"], results["untraced"]


def in_process(names: list[str], pairs: int) -> None:
    """Each page asked `pairs` times traced and untraced in turn, one request at a time."""
    from bench.__main__ import _client

    folder, facts = bench_pages.prepare(100_000, 1_000_000, 3_000_000)
    app = with_untraced_prefix(instance_app(folder))
    client, headers = _client(app)
    day, ref = facts["day"], facts["patient_ref"]
    pages = {
        "search": ("POST", "/patients/recherche", {"q": "mar"}, {"HX-Request": "true"}),
        "agenda day": ("GET", f"/agenda/?jour={day}", None, {}),
        "patient page": ("GET", f"/patients/{ref}", None, {}),
    }

    def ask(name: str, prefix: str) -> float:
        method, path, data, extra = pages[name]
        started = time.perf_counter()
        response = client.open(prefix + path, method=method, data=data, headers=headers | extra)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, (name, prefix, response.status_code)
        return elapsed

    for name in names:
        for _ in range(30):  # warm both sides
            ask(name, "")
            ask(name, UNTRACED)
        traced, untraced = [], []
        for _ in range(pairs):
            traced.append(ask(name, ""))
            untraced.append(ask(name, UNTRACED))
        with_trace, without = statistics.median(traced), statistics.median(untraced)
        print(
            f"{name:<14} traced {with_trace * 1000:6.3f} ms  untraced {without * 1000:6.3f} ms"
            f"  the trace {(with_trace - without) * 1000:5.3f} ms, "
            f"{1 - without / with_trace:.1%} of the page (medians of {pairs} pairs)",
            flush=True,
        )


if __name__ == "__main__":
    main()
