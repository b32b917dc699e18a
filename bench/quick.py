"""A quick look over HTTP at a few pages, for comparing two trees one after the other.

Usage: python -m bench.quick "agenda day,patient page" [--rounds 2 --seconds 5]
(the instance of bench/pages.py, seeded or reused at its default size). gunicorn with one
sync worker per core as `bench.pages` runs it, each page driven by `wrk` with 8
connections and interleaved with the bare route; prints, per page, each round's requests/s,
p50, p95 and its ratio to the bare route of the same round. `bench.pages` stays the
reference (all pages, three rounds of 10 s, the unencrypted copy, bench/results.json);
this one takes a minute, so that two commits can be alternated on a noisy machine
(docs/operations.md, "Speed at a practice's size").
"""

import argparse

from bench import pages as bench_pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", help='pages of bench.pages, comma-separated: "agenda day,search"')
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    names = args.pages.split(",")
    runs: dict[str, list[dict]] = {}
    with bench_pages.served_pages() as (port, driven):
        for _ in range(args.rounds):
            for name in ["bare route", *names]:
                runs.setdefault(name, []).append(
                    bench_pages.drive(port, driven[name], args.seconds)
                )
    bare = runs["bare route"]
    for name, rounds in runs.items():
        figures = "  ".join(
            f"{r['rps']:7.1f} req/s p50 {r['p50_ms']:5.1f} p95 {r['p95_ms']:5.1f} "
            f"× {r['rps'] / b['rps']:.3f}"
            for r, b in zip(rounds, bare, strict=True)
        )
        print(f"{name:<14} {figures}")


if __name__ == "__main__":
    main()
