"""What tracing a read costs over HTTP (issue 20: "tracing a read costs < 10 % of that
page's time"): each page asked as itself and under `/sans-trace`, where the bench's server
(bench/wsgi.py, never the application) serves it with trace() a no-op — the same gunicorn,
the same workers and connections, in interleaved rounds.

Usage: python -m bench.trace_cost ["search,agenda day,patient page"] [--rounds 3 --seconds 5]
(the instance of bench/pages.py, seeded or reused at its default size). Prints, per page,
the requests/s traced and untraced in each round and the share of the page's time its
trace takes, 1 − traced/untraced; asserts nothing.
"""

import argparse
import statistics

from bench import pages as bench_pages
from bench.served import UNTRACED


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="?", default="search,agenda day,patient page")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    shares: dict[str, list[float]] = {}
    with bench_pages.served_pages() as (port, driven):
        for _ in range(args.rounds):
            for name in args.pages.split(","):
                traced = bench_pages.drive(port, driven[name], args.seconds)
                untraced = bench_pages.drive(port, driven[name], args.seconds, prefix=UNTRACED)
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
            f"{name:<14} the trace's share, median of {len(values)}: {statistics.median(values):.1%}"
        )


if __name__ == "__main__":
    main()
