"""Start-up time of the command line: `readouts --help` next to `python -c "import argparse, json"` (the
target: at most 4 times as long), plus two commands' `--help` for comparison. Each command runs
--runs times in a fresh process; the median wall time is shown. Prints the numbers; asserts nothing.

    python benchmarks/bench_cli_startup.py --runs 15"""

import argparse
import statistics
import subprocess
import sys
import time

REFERENCE = [sys.executable, "-c", "import argparse, json"]
READOUTS = [sys.executable, "-c", "import sys; from readouts.cli import main; sys.exit(main())"]


def measure(command: list[str], runs: int) -> float:
    """Median wall-clock seconds of ``command`` over ``runs`` runs."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    reference = measure(REFERENCE, args.runs)
    rows = [("python -c 'import argparse, json'", reference, None)]
    for extra in (["--help"], ["evaluate", "--help"], ["corpus", "--help"]):
        seconds = measure(READOUTS + extra, args.runs)
        rows.append((f"readouts {' '.join(extra)}", seconds, seconds / reference))
    print(f"{'command':<36}{'median s':>10}{'x python':>10}")
    for name, seconds, ratio in rows:
        print(f"{name:<36}{seconds:>10.3f}{'' if ratio is None else f'{ratio:>10.1f}'}")
    print(f"(median of {args.runs} runs each; target: readouts --help at most 4x python)")


if __name__ == "__main__":
    main()
