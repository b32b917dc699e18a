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
import os
import statistics

from bench import pages as bench_pages
from bench.served import UNTRACED, gunicorn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="?", default="search,agenda day,patient page")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    folder, facts = bench_pages.prepare(100_000, 1_000_000, 3_000_000)
    accounts = bench_pages._accounts(folder, facts)
    shares: dict[str, list[float]] = {}
    with gunicorn(folder, workers=os.cpu_count() or 2, wsgi="bench.wsgi:app") as port:
        driven = bench_pages._pages(port, facts, accounts)
        for _ in range(args.rounds):
            for name in args.pages.split(","):
                page = driven[name]
                options = {key: value for key, value in page.items() if key != "path"}
                traced = bench_pages._wrk(port, page["path"], args.seconds, **options)
                untraced = bench_pages._wrk(port, UNTRACED + page["path"], args.seconds, **options)
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
