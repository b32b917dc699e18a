"""`python -m bench.audit_verify [--traces N]`: `audit verify` over N sealed traces (issue
20 target: 3,000,000 under 15 s), beside the reference single Python pass it replaced."""

import argparse
import json
import tempfile
from pathlib import Path

from bench.__main__ import _instance, bench_audit_verify


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--traces", type=int, default=3_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = _instance(Path(tmp) / "instance")
        print(json.dumps(bench_audit_verify(app, args.traces), indent=1))


if __name__ == "__main__":
    main()
