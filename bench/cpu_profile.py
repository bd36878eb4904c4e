"""Where a server's CPU goes under load: py-spy on every `omslink serve` worker, summarised.

Used by `./bench/run intake --profile` during one load run. py-spy samples each worker's
threads that hold the GIL (`--gil`: Python work, not threads waiting on the database or on
locks) and writes collapsed stacks; the summary gives the share of samples that pass through
each part of an intake (inclusive: nested parts overlap), and the functions that are on top
of the stack most often (exclusive).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

from bench.harness import BIN, table

# What each share means, the frames that put a sample in it (a regular expression over
# py-spy's "Class.function (file:line)") and, for some, frames that keep it out.
OUTSIDE_VIEW = r"^(push_order|resolve_bearer) \("
PARTS: list[tuple[str, str] | tuple[str, str, str]] = [
    ("the whole intake request (ninja handler `push_order`)", r"^push_order \("),
    ("authentication (`resolve_bearer`: key, app, rate limit)", r"^resolve_bearer \("),
    ("request body parsing and validation (pydantic)", r"pydantic"),
    (
        "order and lines stored, stock and event included (`_store_and_reserve`)",
        r"^_store_and_reserve \(",
    ),
    ("stock moved (`stock_apply`)", r"^stock_apply \("),
    (
        "order event rendered and written (`_publish`, since issue 8 `order_event_publish`)",
        r"^(_publish|order_event_publish) \(",
    ),
    ("event written (`event_publish`)", r"^event_publish \("),
    ("Django building SQL (`SQLCompiler.as_sql`)", r"^SQLCompiler\.as_sql \("),
    (
        "Django running SQL, building included (`SQLCompiler.execute_sql`)",
        r"^SQLCompiler\.execute_sql \(",
    ),
    ("psycopg (client side, all calls)", r"psycopg/"),
    ("opening database connections (psycopg connect)", r"_connect_gen \("),
    ("JSON encoding of answers", r"^(JSONEncoder\.)?(dumps|encode|iterencode) \(.*json/"),
    ("omslink middleware, outside the view", r"omslink/core/middleware", OUTSIDE_VIEW),
    (
        "everything outside the view and authentication (gunicorn, Django, middleware)",
        r"gunicorn/workers",
        OUTSIDE_VIEW,
    ),
]


def worker_pids(master: int) -> list[int]:
    """The gunicorn workers of `omslink serve`: the master's child processes."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def record(pids: list[int], seconds: int, scratch: Path) -> list[subprocess.Popen[bytes]]:
    """Start py-spy on each process for `seconds`; wait on the returned processes."""
    spy = shutil.which("py-spy") or str(BIN / "py-spy")
    return [
        subprocess.Popen(
            [
                spy,
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(seconds),
                "--rate",
                "200",
                "--gil",
                "--nonblocking",
                "--format",
                "raw",
                "--output",
                str(scratch / f"profile-{pid}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for pid in pids
    ]


def _frames(stack: str) -> list[str]:
    # py-spy raw lines: "process;thread;outer (file:line);…;inner (file:line) COUNT"
    return [frame for frame in stack.split(";") if "(" in frame]


def summarise(scratch: Path) -> str:
    """The two tables of docs/benchmarks.md's "where the time goes", from py-spy's output."""
    samples = 0
    inclusive: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    for path in scratch.glob("profile-*.txt"):
        for line in path.read_text().splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not count_text.isdigit():
                continue
            count = int(count_text)
            frames = _frames(stack)
            samples += count
            for name, pattern, *unless in PARTS:
                if any(re.search(pattern, frame) for frame in frames) and not any(
                    re.search(excluded, frame) for excluded in unless for frame in frames
                ):
                    inclusive[name] += count
            if frames:
                leaves[re.sub(r":\d+\)$", ")", frames[-1].strip())] += count
    if not samples:
        return "no samples: py-spy needs ptrace (root, or kernel.yama.ptrace_scope=0)"
    parts = table(
        ["part of the work (inclusive; parts nest)", "share of GIL-holding samples"],
        [[part[0], f"{inclusive[part[0]] / samples:.0%}"] for part in PARTS],
    )
    top = table(
        ["function on top of the stack (exclusive)", "share"],
        [[f"`{name[:110]}`", f"{count / samples:.1%}"] for name, count in leaves.most_common(15)],
    )
    return f"{samples:,} samples\n\n{parts}\n\n{top}"
