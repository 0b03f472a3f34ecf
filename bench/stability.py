"""Flakiness: grade each exercise's reference and starter N times and report any test whose
outcome changed between runs (a grader that holds under load holds every time).

Runs `-j` gradings at once (default: the cores), so the parallel bursts of the concurrency tests
(rate limits, idempotency, cache stampedes) run on a busy machine, as they would in a class.
Usage: python bench/stability.py [SLUG ...] [-n 20] [-j 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sandbox import exercises, images
from sandbox.docker_client import connect
from sandbox.results import Result
from sandbox.runners import Job
from sandbox.runners.docker import DockerRunner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slugs", nargs="*")
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("-j", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    chosen = [exercises.load(s) for s in args.slugs] if args.slugs else exercises.load_all()
    client = connect()
    runner = DockerRunner(client, images.ensure_runner(client, print))
    work = [
        (ex, kind, folder)
        for ex in chosen
        for kind, folder in (("solution", ex.solution), ("starter", ex.starter))
        for _ in range(args.n)
    ]

    def grade(item: tuple[exercises.Exercise, str, Path]) -> Result:
        ex, kind, folder = item
        return runner.run(Job(ex, folder, f"{ex.slug}-{kind}"))

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, args.j)) as pool:
        results = list(pool.map(grade, work))
    elapsed = time.monotonic() - started

    flaky = 0
    print(f"{args.n} gradings each of reference and starter, {args.j} at once, {elapsed:.0f} s")
    print(f"{'exercise':<20}{'kind':<10}{'scores':<22}{'median s':>9}  varying tests")
    by_run: dict[tuple[str, str], list[Result]] = defaultdict(list)
    rare: list[str] = []
    for (ex, kind, _), result in zip(work, results, strict=True):
        by_run[(ex.slug, kind)].append(result)
    for (slug, kind), runs in by_run.items():
        scores = Counter(f"{r.score:g}/{r.max_score:g}" for r in runs)
        outcomes: dict[str, Counter[str]] = defaultdict(Counter)
        for r in runs:
            for t in r.tests:
                outcomes[t.name][t.status.value] += 1
        varying = [f"{n} {dict(c)}" for n, c in outcomes.items() if len(c) > 1]
        infra = sum(r.infrastructure for r in runs)
        flaky += len(varying) + (len(scores) > 1 and not varying) + infra
        median = statistics.median(r.duration_s for r in runs)
        shown = ", ".join(f"{s} x{n}" for s, n in scores.most_common())
        notes = "; ".join(varying) + (f"; {infra} infrastructure failures" if infra else "")
        print(f"{slug:<20}{kind:<10}{shown:<22}{median:>9.1f}  {notes or '-'}")
        rare.extend(_rarest_failures(slug, kind, runs, outcomes))
    for line in rare:  # what the odd runs said: the place to start diagnosing
        print(line)
    print("flaky: none" if not flaky else f"flaky: {flaky} (see above)")
    sys.exit(1 if flaky else 0)


def _rarest_failures(
    slug: str, kind: str, runs: list[Result], outcomes: dict[str, Counter[str]]
) -> list[str]:
    """For each test whose outcome varied, the message of one run with its rarer outcome."""
    lines = []
    for name, counts in outcomes.items():
        if len(counts) < 2:
            continue
        rarer = counts.most_common()[-1][0]
        for r in runs:
            odd = [t for t in r.tests if t.name == name and t.status.value == rarer]
            if odd:
                message = " ".join(odd[0].message.split())[:600]
                lines.append(f"{slug} {kind} {name} ({rarer}): {message or '(no message)'}")
                break
    return lines


if __name__ == "__main__":
    main()
