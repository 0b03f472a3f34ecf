"""Grade a whole class: many jobs in parallel, each result saved the moment it finishes.

Nothing is lost: results/<student>.json is written atomically per submission, so a batch that is
interrupted (Ctrl-C, or killed outright) resumes where it stopped; the class outputs are always
rebuilt from every saved result. A failure of ours (Docker, image) is retried once, then saved as
an `error` marked `infrastructure` — never a zero that looks earned — and graded again next run.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sandbox import submissions
from sandbox.atomic import write_atomic
from sandbox.errors import (
    BrokerUnavailable,
    DockerUnavailable,
    InfrastructureError,
    SubmissionRejected,
    UsageError,
)
from sandbox.exercises import Exercise
from sandbox.reports.gradebook import gradebook_csv
from sandbox.reports.gradescope import to_gradescope
from sandbox.reports.html import render_report
from sandbox.reports.junit import to_junit
from sandbox.results import Result, Status
from sandbox.runners import Job, Preparing, Runner

RETRIES = 1


@dataclass(frozen=True)
class Options:
    jobs: int = os.cpu_count() or 1
    regrade: bool = False
    roster: Path | None = None
    # Start each next container while the current jobs grade (Docker): start-up, the main cost
    # of a grading, overlaps the grading instead of adding to it.
    prepare_ahead: bool = True


@dataclass(frozen=True)
class Finished:
    """One submission done (or skipped because an earlier run finished it)."""

    student: str
    result: Result
    reused: bool = False


@dataclass(frozen=True)
class Plan:
    entries: list[submissions.Entry]
    missing: list[str] = field(default_factory=list)  # on the roster, nothing submitted
    not_on_roster: list[str] = field(default_factory=list)  # graded all the same
    duplicates: list[str] = field(default_factory=list)  # entries whose id another entry has
    roster: set[str] | None = None

    @property
    def students(self) -> list[str]:
        return sorted({e.student for e in self.entries} | set(self.missing))


@dataclass
class Summary:
    outdir: Path
    rows: list[tuple[str, Result]]
    graded_now: int
    reused: int
    plan: Plan

    def count(self, status: Status) -> int:
        return sum(1 for _, r in self.rows if r.status is status)

    @property
    def infrastructure_errors(self) -> int:
        return sum(1 for _, r in self.rows if r.infrastructure)


OnEvent = Callable[[Finished], None]


class Batch:
    def __init__(
        self,
        exercise: Exercise,
        submissions_dir: Path,
        outdir: Path,
        runner: Runner,
        options: Options,
    ) -> None:
        self.exercise = exercise
        self.submissions_dir = submissions_dir
        self.outdir = outdir
        self.runner = runner
        self.options = options
        self._stop = threading.Event()
        self._plan: Plan | None = None
        self._ahead: Ahead | None = None

    @property
    def results_dir(self) -> Path:
        return self.outdir / "results"

    def plan(self) -> Plan:
        """Who is in this batch: one entry per student id, the roster's missing and strangers.

        Read once: the folder and the roster as they were when the batch first looked.
        """
        if self._plan is None:
            self._plan = self._read_plan()
        return self._plan

    def _read_plan(self) -> Plan:
        entries: list[submissions.Entry] = []
        duplicates: list[str] = []
        seen: set[str] = set()
        for entry in submissions.discover(self.submissions_dir):
            if entry.student in seen:  # one results/<id>.json each: the first (stageable) wins
                duplicates.append(entry.path.name)
            else:
                seen.add(entry.student)
                entries.append(entry)
        if self.options.roster is None:
            return Plan(entries, duplicates=duplicates)
        roster = submissions.read_roster(self.options.roster)
        present = {e.student for e in entries}
        return Plan(
            entries,
            missing=[s for s in roster if s not in present],
            not_on_roster=sorted(present - set(roster)),
            duplicates=duplicates,
            roster=set(roster),
        )

    def run(self, on_event: OnEvent = lambda _e: None) -> Summary:
        self.results_dir.mkdir(parents=True, exist_ok=True)
        plan = self.plan()
        todo: list[submissions.Entry] = []
        reused = 0
        for entry in plan.entries:
            saved = None if self.options.regrade else self._saved(entry.student)
            if saved is not None:
                reused += 1
                on_event(Finished(entry.student, saved, reused=True))
            else:
                todo.append(entry)
        for student in plan.missing:
            result = self._ungraded(
                student,
                Status.MISSING,
                "No submission from this student (on the roster, nothing in the folder).",
            )
            self._save(student, result)
            on_event(Finished(student, result))
        graded = self._grade_all(todo, on_event)
        summary = Summary(self.outdir, self._collect(plan.students), graded, reused, plan)
        self.write_outputs(summary)
        return summary

    def _grade_all(self, todo: list[submissions.Entry], on_event: OnEvent) -> int:
        if not todo:
            return 0
        done = 0
        jobs = max(1, self.options.jobs)
        if isinstance(self.runner, Preparing) and self.options.prepare_ahead:
            self._ahead = Ahead(
                self.runner, self.exercise, depth=min(jobs, len(todo)), total=len(todo)
            )
        pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="grade")
        pending: set[Future[Finished | None]] = {pool.submit(self._grade_one, e) for e in todo}
        try:
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    event = future.result()  # re-raises DockerUnavailable: the batch stops
                    if event is not None:
                        done += 1
                        on_event(event)
        except BaseException:
            self._stop.set()
            for future in pending:
                future.cancel()
            self.runner.cancel()  # running jobs end now; their results are discarded, graded next run
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            if self._ahead is not None:
                self._ahead.close()  # prepared containers no job took are removed
                self._ahead = None
        return done

    def _grade_one(self, entry: submissions.Entry) -> Finished | None:
        if self._stop.is_set():
            return None
        staging = Path(tempfile.mkdtemp(prefix="sandbox-stage-"))
        try:
            result = self._attempt(entry, staging)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        if self._stop.is_set():
            return None  # interrupted: save nothing half-made; the next run grades it
        result.submission = entry.student
        self._save(entry.student, result)
        return Finished(entry.student, result)

    def _attempt(self, entry: submissions.Entry, staging: Path) -> Result:
        try:
            folder = submissions.stage(entry, staging)
        except SubmissionRejected as exc:
            return self._ungraded(entry.student, Status.REJECTED, str(exc))
        problem = ""
        for attempt in range(1 + RETRIES):
            if self._stop.is_set():
                break
            try:
                job = Job(self.exercise, folder, entry.student)
                ahead = self._ahead if attempt == 0 else None  # a retry starts afresh
                result = ahead.run(job) if ahead is not None else self.runner.run(job)
            except BrokerUnavailable:
                raise  # the batch stops; what finished is saved, a rerun grades the rest
            except InfrastructureError as exc:
                problem = str(exc)
            else:
                if not result.infrastructure:
                    return result
                problem = result.message
            if not self.runner.alive():
                self._stop.set()
                raise DockerUnavailable(
                    "Docker stopped answering in the middle of the batch. Results finished so far "
                    f"are saved in {self.results_dir}; start Docker again and rerun the same command "
                    "to grade the rest."
                )
        return self._ungraded(
            entry.student,
            Status.ERROR,
            f"Could not grade (a problem on our side, not the student's): {problem}",
            infrastructure=True,
        )

    def _ungraded(
        self, student: str, status: Status, message: str, infrastructure: bool = False
    ) -> Result:
        return Result.without_tests(
            self.exercise.slug,
            student,
            status,
            self.exercise.points,
            message,
            infrastructure=infrastructure,
        )

    def _result_path(self, student: str) -> Path:
        return self.results_dir / f"{student}.json"

    def _saved(self, student: str) -> Result | None:
        """A finished result from an earlier run, or None (absent, damaged, or ours to retry)."""
        path = self._result_path(student)
        if not path.is_file() or path.is_symlink():
            return None
        try:
            result = Result.from_json(path.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            return None
        if (
            result.exercise != self.exercise.slug
            or result.infrastructure
            or result.status is Status.MISSING
        ):
            return None
        return result

    def _save(self, student: str, result: Result) -> None:
        write_atomic(self._result_path(student), result.to_json())

    def _collect(self, students: list[str]) -> list[tuple[str, Result]]:
        rows: list[tuple[str, Result]] = []
        for student in students:
            path = self._result_path(student)
            try:
                rows.append((student, Result.from_json(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError):
                continue  # not graded yet (interrupted before it): absent, not invented
        return rows

    def write_outputs(self, summary: Summary) -> None:
        """Rebuild every class output from the saved results, each file replaced atomically."""
        out = self.outdir
        rows = summary.rows
        write_atomic(out / "gradebook.csv", gradebook_csv(rows, summary.plan.roster))
        for student, result in rows:
            target = out / "gradescope" / student / "results.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, json.dumps(to_gradescope(result), indent=2))
        write_atomic(out / "junit.xml", to_junit([(s, r) for s, r in rows]))
        generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        write_atomic(out / "report.html", render_report(self.exercise.title, rows, generated))


class Ahead:
    """Containers started ahead of their jobs: `depth` at most waiting, `total` in all.

    Each job takes a prepared container (or, if none is ready yet, waits for the one being
    started) and its taking starts the next, so a container's start-up runs while other jobs
    grade. Prepared containers no job took are removed by `close`.
    """

    def __init__(self, runner: Preparing, exercise: Exercise, depth: int, total: int) -> None:
        self.runner, self.exercise = runner, exercise
        self._pool = ThreadPoolExecutor(max_workers=max(1, depth), thread_name_prefix="prepare")
        self._lock = threading.Lock()
        self._ready: list[Future[Any]] = []
        self._left = total
        for _ in range(max(1, depth)):
            self._start_one()

    def _start_one(self) -> None:
        with self._lock:
            if self._left <= 0:
                return
            self._left -= 1
            self._ready.append(self._pool.submit(self.runner.prepare, self.exercise))

    def run(self, job: Job) -> Result:
        with self._lock:
            future = self._ready.pop(0) if self._ready else None
        self._start_one()
        warm = None
        if future is not None:
            try:
                warm = future.result()
            except Exception:  # any failure to prepare: the cold path says what is wrong, if
                warm = None  # anything still is (an engine gone raises DockerUnavailable there)
        return self.runner.run(job, warm) if warm is not None else self.runner.run(job)

    def close(self) -> None:
        with self._lock:
            self._left = 0
            left, self._ready = self._ready, []
        for future in left:
            future.cancel()
        self._pool.shutdown(wait=True)
        for future in left:
            if future.done() and not future.cancelled() and future.exception() is None:
                with contextlib.suppress(Exception):  # an engine gone: orphans are reaped later
                    self.runner.discard(future.result())


def check_outdir(outdir: Path, submissions_dir: Path) -> None:
    if (
        outdir.resolve() == submissions_dir.resolve()
        or submissions_dir.resolve() in outdir.resolve().parents
    ):
        raise UsageError("OUTDIR must not be inside SUBMISSIONS: choose another -o folder")


__all__ = ["Batch", "Finished", "Options", "Plan", "Summary", "check_outdir"]
