"""Pure helpers of `make bench`: statistics, parsers and the report table. No I/O here.

Everything the benchmark reads from the outside world (GNU time's output, `/proc/<pid>/status`,
the go-plugin handshake line, Terraform's TRACE log) is parsed by a function of this module,
so that `test_measure.py` can check the parsing on fixed inputs.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass


def median(values: list[float]) -> float:
    """The median of a non-empty list (mean of the two middle values for an even count)."""
    if not values:
        raise ValueError("median of no values")
    s = sorted(values)
    mid = len(s) // 2
    if len(s) % 2:
        return s[mid]
    return (s[mid - 1] + s[mid]) / 2


def percentile(values: list[float], pct: float) -> float:
    """The nearest-rank percentile (`pct` in 0..100] of a non-empty list: the smallest value
    with at least `pct` percent of the values at or below it."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 < pct <= 100:
        raise ValueError(f"percentile {pct} is not in (0, 100]")
    s = sorted(values)
    rank = math.ceil(pct / 100 * len(s))
    return s[max(rank, 1) - 1]


# --------------------------------------------------------------------------- go-plugin handshake

HANDSHAKE_RE = re.compile(
    r"^1\|(?P<proto>\d+)\|tcp\|(?P<host>127\.0\.0\.1):(?P<port>\d+)\|grpc(?:\|(?P<cert>[A-Za-z0-9+/]+))?$"
)


@dataclass(frozen=True)
class Handshake:
    """A parsed go-plugin handshake line."""

    protocol: int
    port: int
    has_cert: bool


def parse_handshake(line: str) -> Handshake:
    """Parses `1|6|tcp|127.0.0.1:PORT|grpc|<cert>`; raises ValueError on anything else
    (another address than 127.0.0.1 included)."""
    m = HANDSHAKE_RE.match(line.strip())
    if not m:
        raise ValueError(f"not a go-plugin handshake line on 127.0.0.1: {line!r}")
    return Handshake(int(m["proto"]), int(m["port"]), m["cert"] is not None)


# --------------------------------------------------------------------------- memory figures


def parse_proc_kb(text: str) -> dict[str, int]:
    """The `Name: N kB` lines of `/proc/<pid>/status` or `/proc/<pid>/smaps_rollup`, in kB
    (e.g. `{"VmHWM": 5120, "Pss": 4000, ...}`)."""
    out: dict[str, int] = {}
    for line in text.splitlines():
        m = re.match(r"^(\w+):\s+(\d+)\s+kB$", line.strip())
        if m:
            out[m[1]] = int(m[2])
    return out


@dataclass(frozen=True)
class TimeRecord:
    """One provider process as GNU time reported it after the process ended."""

    max_rss_kb: int
    elapsed_s: float
    cpu_s: float
    exit_code: int | None
    signal: int | None


TIME_FORMAT = "maxrss_kb=%M elapsed_s=%e user_s=%U sys_s=%S exit=%x"
TIME_LINE_RE = re.compile(
    r"^maxrss_kb=(\d+) elapsed_s=([\d.]+) user_s=([\d.]+) sys_s=([\d.]+) exit=(-?\d+)$"
)
TIME_SIGNAL_RE = re.compile(r"^Command terminated by signal (\d+)$")


def parse_time_log(text: str) -> list[TimeRecord]:
    """Parses the file the RSS wrapper's `/usr/bin/time -a -o FILE -f TIME_FORMAT` appended
    to: one record per process. GNU time puts a line
    `Command terminated by signal N` (or `Command exited with non-zero status N`) before a
    record; the signal is kept, the exit status is taken from the record."""
    records: list[TimeRecord] = []
    pending_signal: int | None = None
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        m = TIME_SIGNAL_RE.match(line)
        if m:
            pending_signal = int(m[1])
            continue
        m = TIME_LINE_RE.match(line)
        if m:
            code = int(m[5])
            records.append(
                TimeRecord(
                    max_rss_kb=int(m[1]),
                    elapsed_s=float(m[2]),
                    cpu_s=float(m[3]) + float(m[4]),
                    exit_code=None if pending_signal is not None else code,
                    signal=pending_signal,
                )
            )
            pending_signal = None
    return records


# --------------------------------------------------------------------------- Terraform TRACE log

RPC_RE = re.compile(r"\[TRACE\] GRPCProvider\.v6: (\w+)\s*$")
LAUNCH_RE = re.compile(r"\[(?:DEBUG|INFO|TRACE)\] provider: starting plugin: path=")
TIMESTAMP_RE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)")


def count_rpcs(log: str) -> Counter[str]:
    """How many times Terraform core called each tfplugin6 RPC of a provider
    (`[TRACE] GRPCProvider.v6: <Rpc>` lines of a `TF_LOG=TRACE` log)."""
    c: Counter[str] = Counter()
    for line in log.splitlines():
        m = RPC_RE.search(line)
        if m:
            c[m[1]] += 1
    return c


def count_launches(log: str) -> int:
    """How many provider processes Terraform started (`provider: starting plugin` lines)."""
    return sum(1 for line in log.splitlines() if LAUNCH_RE.search(line))


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class Row:
    """One line of the report: what was measured, the figure, its goal, a verdict and a note
    (e.g. the min..max of the runs)."""

    what: str
    value: str
    goal: str = ""
    verdict: str = ""
    note: str = ""


def verdict(ok: bool | None) -> str:
    """`ok`, `MISSED` or empty (no goal)."""
    if ok is None:
        return ""
    return "ok" if ok else "MISSED"


def render_table(rows: list[Row]) -> str:
    """A plain-text table with a header and aligned columns (values right-aligned)."""
    fields = ("what", "value", "goal", "verdict", "note")
    header = Row("measure", "value", "goal", "", "note")
    all_rows = [header, *rows]
    width = {f: max(len(getattr(r, f)) for r in all_rows) for f in fields}
    lines = []
    for i, r in enumerate(all_rows):
        cells = [
            f"{r.what:<{width['what']}}",
            f"{r.value:>{width['value']}}",
            f"{r.goal:<{width['goal']}}",
            f"{r.verdict:<{width['verdict']}}",
            r.note,
        ]
        lines.append("  ".join(cells).rstrip())
        if i == 0:
            lines.append("-" * len(lines[0]))
    return "\n".join(lines)


def ms(seconds: float) -> str:
    """Seconds as milliseconds with 2 decimals below 10 ms, otherwise none."""
    v = seconds * 1000
    return f"{v:.2f} ms" if v < 10 else f"{v:.0f} ms"


def megabytes(kib: int) -> str:
    """KiB (what the kernel and GNU time call kB) as decimal megabytes, the unit of the goal."""
    return f"{kib * 1024 / 1e6:.1f} MB"
