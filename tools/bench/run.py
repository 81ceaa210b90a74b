"""`make bench`: performance figures of the provider under a real Terraform core (issue 2, §5).

Usage (scripts/bench.sh builds the release binaries and calls this):
    .tools/venv/bin/python tools/bench/run.py --provider logexaminer \
        --bin target/release/terraform-provider-logexaminer \
        --reference-bin target/release/terraform-provider-testkit --terraform .tools/bin/terraform

Prints, from one run:
  1. `terraform plan` wall time, median of N runs after one warm-up, of COUNT instances of the
     provider's data source against COUNT builtin `terraform_data` resources, in separate
     initialised working directories, and the ratio (goal <= 1.3x). Two more directories split
     the figure: the data source with count = 0 (provider started, nothing read) and an empty
     configuration (Terraform's own fixed cost).
  2. Provider start-to-handshake time, median and p95 of H spawns (goal <= 3 ms), next to the
     protocol layer alone (--reference-bin, the testkit provider) and the same loop on
     /bin/echo (the harness's floor).
  3. Peak RSS of every provider process Terraform starts during one plan of the COUNT-instance
     configuration (GNU time around the binary, from the kernel's rusage), and idle RSS after
     the handshake (goal <= 15 MB).
  4. Per-instance plan time, and the RPCs Terraform made in one `TF_LOG=TRACE` plan.
Everything runs on 127.0.0.1, in a temporary directory that is removed afterwards.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import handshake_bench
import measure
import terraform_bench as tb
from measure import Row, median, ms, megabytes, percentile, verdict

PLAN_RATIO_GOAL = 1.3
PLAN_RATIO_ANCHOR = 6.5
HANDSHAKE_GOAL_S = 0.003
RSS_GOAL_KB = 15_000_000 // 1024  # 15 MB in KiB (what the kernel calls kB)


def log(msg: str) -> None:
    """Progress on stderr (the report goes to stdout)."""
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def machine_info(terraform: Path, binary: Path) -> list[str]:
    """Lines describing the machine, Terraform and the binary."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    try:
        tf_version = subprocess.run(
            [str(terraform), "version"],
            capture_output=True,
            text=True,
            timeout=120,
            env=tb.base_env(Path(tempfile.gettempdir())),
        ).stdout.splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        tf_version = "unknown"
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"machine:   {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {cpu}, "
        f"{mem_kb / 1024 / 1024:.1f} GiB RAM, {platform.system()} {platform.release()}",
        f"load:      {load} (1/5/15 min) at start; other work on the machine skews wall times",
        f"terraform: {tf_version} ({terraform})",
        f"provider:  {binary} ({binary.stat().st_size / 1e6:.1f} MB)",
    ]


def time_plans(workdirs: list[tb.Workdir], runs: int) -> dict[str, list[tb.Timing]]:
    """One warm-up plan per directory, then `runs` rounds planning each directory once; the
    order rotates every round so that drift in machine load is spread over all of them."""
    times: dict[str, list[tb.Timing]] = {w.name: [] for w in workdirs}
    for w in workdirs:
        log(f"warm-up plan in {w.name}")
        w.plan()
    for i in range(runs):
        k = i % len(workdirs)
        for w in workdirs[k:] + workdirs[:k]:
            times[w.name].append(w.plan())
        log(f"round {i + 1}/{runs}: " + ", ".join(f"{n} {ms(t[-1].wall)}" for n, t in times.items()))
    return times


def wall(ts: list[tb.Timing]) -> float:
    """Median wall time."""
    return median([t.wall for t in ts])


def cpu(ts: list[tb.Timing]) -> float:
    """Median CPU time."""
    return median([t.cpu for t in ts])


def fastest(ts: list[tb.Timing]) -> float:
    """Minimum wall time."""
    return min(t.wall for t in ts)


def spread(ts: list[tb.Timing]) -> str:
    """`min..max` of the wall times and the median CPU time."""
    walls = [t.wall for t in ts]
    return f"{ms(min(walls))}..{ms(max(walls))}, CPU {ms(cpu(ts))}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--provider", required=True, choices=["logexaminer", "testkit"])
    ap.add_argument("--bin", required=True, type=Path, help="release provider binary")
    ap.add_argument("--terraform", required=True, type=Path)
    ap.add_argument("--count", type=int, default=100, help="instances per configuration")
    ap.add_argument("--runs", type=int, default=5, help="timed plans per configuration")
    ap.add_argument("--handshake-runs", type=int, default=50)
    ap.add_argument("--reference-bin", type=Path,
                    help="testkit binary: its start-to-handshake time is shown as the protocol layer's alone")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    if args.runs < 1 or args.handshake_runs < 1 or args.count < 1:
        ap.error("--count, --runs and --handshake-runs must be at least 1")
    binary = args.bin.resolve()
    terraform = args.terraform.resolve()
    reference = args.reference_bin.resolve() if args.reference_bin else None
    for path in (binary, terraform, *([reference] if reference else [])):
        if not os.access(path, os.X_OK):
            ap.error(f"{path} is not an executable file")
    if not os.access("/usr/bin/time", os.X_OK):
        ap.error("/usr/bin/time (GNU time) is needed for the peak RSS figure")
    p = tb.profile(args.provider, binary)

    info = machine_info(terraform, binary)
    root = Path(tempfile.mkdtemp(prefix="lx-bench-"))
    try:
        rows = run_all(p, terraform, root, args, reference)
    except (tb.TerraformError, RuntimeError, OSError, subprocess.SubprocessError) as e:
        print(f"bench: ERROR: {e}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            log(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print()
    print(f"make bench: provider {p.source}, data source {p.data_source}")
    for line in info:
        print(line)
    print(f"load:      {load} at end")
    print()
    print(measure.render_table(rows))
    print()
    print(
        f"Ratio goal <= {PLAN_RATIO_GOAL}x; a rough anchor from an existing Rust protocol crate is "
        f"{PLAN_RATIO_ANCHOR}x. Plan times are medians of {args.runs} runs after one warm-up "
        "(min..max and median CPU time beside them), including the Terraform CLI shim's start "
        "(see `terraform version`). CPU time is Terraform's plus the provider processes'; it is "
        "less sensitive than wall time to other work on the machine."
    )
    return 0


def run_all(
    p: tb.ProviderUnderTest, terraform: Path, root: Path, args: argparse.Namespace, reference: Path | None
) -> list[Row]:
    """Runs every measurement and returns the report rows."""
    n = args.count
    rows: list[Row] = []

    # -- 2. start-to-handshake and idle memory (first: nothing else of ours is running)
    log(f"handshake: {args.handshake_runs} spawns of {p.binary.name}")
    cert = handshake_bench.make_client_cert(root)
    hs = handshake_bench.measure(p.binary, cert, args.handshake_runs)
    if not (hs.handshake.protocol == 6 and hs.handshake.has_cert):
        raise RuntimeError(f"unexpected handshake {hs.provider[0].line!r}")
    if not handshake_bench.MIN_PORT <= hs.handshake.port <= handshake_bench.MAX_PORT:
        raise RuntimeError(f"port {hs.handshake.port} outside PLUGIN_MIN_PORT..PLUGIN_MAX_PORT")
    hs_times = [s.seconds for s in hs.provider]
    floor_times = [s.seconds for s in hs.floor]
    idle_rss = [s.vm_rss_kb for s in hs.provider if s.vm_rss_kb is not None]
    idle_hwm = [s.vm_hwm_kb for s in hs.provider if s.vm_hwm_kb is not None]
    idle_pss = [s.pss_kb for s in hs.provider if s.pss_kb is not None]
    idle_anon = [s.anon_kb for s in hs.provider if s.anon_kb is not None]
    ref_times: list[float] = []
    if reference:
        log(f"handshake: {args.handshake_runs} spawns of {reference.name} (reference)")
        ref = handshake_bench.measure(reference, cert, args.handshake_runs)
        ref_times = [s.seconds for s in ref.provider]

    # -- 1. plan wall times
    mirror = root / "mirror"
    tb.install_binary(mirror, p)
    ds = tb.Workdir(terraform, root, "datasource", tb.data_source_config(p, n), mirror)
    tfdata = tb.Workdir(terraform, root, "terraform_data", tb.terraform_data_config(n), mirror)
    ds0 = tb.Workdir(terraform, root, "datasource0", tb.data_source_config(p, 0), mirror)
    empty = tb.Workdir(terraform, root, "empty", tb.EMPTY_CONFIG, mirror)
    workdirs = [ds, tfdata, ds0, empty]
    for w in workdirs:
        log(f"terraform init in {w.name}")
        w.init()
    version_times = [empty.run(["version"]) for _ in range(args.runs)]
    times = time_plans(workdirs, args.runs)
    t_ds, t_tfd = wall(times["datasource"]), wall(times["terraform_data"])
    t_ds0, t_empty = wall(times["datasource0"]), wall(times["empty"])

    # -- 4. which RPCs one plan makes (TRACE log; slower, not timed)
    log("one plan with TF_LOG=TRACE to count provider processes and RPCs")
    trace_log = root / "trace.log"
    ds.plan(extra_env={"TF_LOG": "TRACE", "TF_LOG_PATH": str(trace_log)})
    trace = trace_log.read_text(errors="replace")
    rpcs = measure.count_rpcs(trace)
    launches = measure.count_launches(trace)
    if rpcs.get("ReadDataSource", 0) != n:
        raise RuntimeError(
            f"the traced plan read the data source {rpcs.get('ReadDataSource', 0)} times, not {n}: "
            "the benchmark would not measure what it says"
        )

    # -- 3. peak RSS of the provider processes during a plan
    log("one plan with every provider process under GNU time (peak RSS)")
    rss_mirror = root / "mirror-rss"
    rss_log = root / "rss.log"
    tb.install_rss_wrapper(rss_mirror, p, p.binary, rss_log)
    rss_wd = tb.Workdir(terraform, root, "rss", tb.data_source_config(p, n), rss_mirror)
    rss_wd.init()
    rss_log.write_text("")  # records of `init` (if it started the provider) do not count
    rss_wd.plan()
    deadline = time.monotonic() + 10
    records = measure.parse_time_log(rss_log.read_text())
    while len(records) < max(launches, 1) and time.monotonic() < deadline:
        time.sleep(0.1)  # a provider may still be exiting after Terraform returned
        records = measure.parse_time_log(rss_log.read_text())
    if not records:
        raise RuntimeError("no provider process was recorded by the RSS wrapper")
    peak = max(r.max_rss_kb for r in records)

    # -- the report
    ratio = t_ds / t_tfd
    ratio_min = fastest(times["datasource"]) / fastest(times["terraform_data"])
    ratio_cpu = cpu(times["datasource"]) / cpu(times["terraform_data"])
    rows += [
        Row(f"plan, {n} x data {p.data_source}", ms(t_ds), note=spread(times["datasource"])),
        Row(f"plan, {n} x resource terraform_data", ms(t_tfd), note=spread(times["terraform_data"])),
        Row("  ratio data source / terraform_data (medians)", f"{ratio:.2f}x",
            f"<= {PLAN_RATIO_GOAL}x (anchor {PLAN_RATIO_ANCHOR}x)", verdict(ratio <= PLAN_RATIO_GOAL)),
        Row("  same, ratio of the fastest runs", f"{ratio_min:.2f}x"),
        Row("  same, ratio of CPU time (Terraform + providers)", f"{ratio_cpu:.2f}x"),
        Row("plan, data source with count = 0", ms(t_ds0), note=spread(times["datasource0"])),
        Row("plan, empty configuration", ms(t_empty), note=spread(times["empty"])),
        Row("terraform version (CLI shim + core load)", ms(wall(version_times)),
            note=spread(version_times)),
        Row("  provider fixed cost (count 0 - empty)", ms(t_ds0 - t_empty),
            note=f"{launches} provider processes; CPU {ms(cpu(times['datasource0']) - cpu(times['empty']))}"),
        Row("per data source instance (plan / N)", ms(t_ds / n)),
        Row("  marginal per instance ((N - count 0) / N)", ms((t_ds - t_ds0) / n),
            note=f"{rpcs.get('ValidateDataResourceConfig', 0) + rpcs.get('ReadDataSource', 0)} RPCs per plan; "
            f"CPU {ms((cpu(times['datasource']) - cpu(times['datasource0'])) / n)}"),
        Row("  terraform_data marginal ((N - empty) / N)", ms((t_tfd - t_empty) / n),
            note=f"CPU {ms((cpu(times['terraform_data']) - cpu(times['empty'])) / n)}"),
        Row("start-to-handshake, median", ms(median(hs_times)), f"<= {ms(HANDSHAKE_GOAL_S)}",
            verdict(median(hs_times) <= HANDSHAKE_GOAL_S)),
        Row(f"start-to-handshake, p95 of {len(hs_times)}", ms(percentile(hs_times, 95)),
            note=f"min {ms(min(hs_times))}"),
        *([Row("  protocol layer alone (testkit), median / p95",
               f"{ms(median(ref_times))} / {ms(percentile(ref_times, 95))}")] if ref_times else []),
        Row("  harness floor (/bin/echo), median / p95",
            f"{ms(median(floor_times))} / {ms(percentile(floor_times, 95))}"),
        Row(f"peak RSS during plan (max of {len(records)} processes)", megabytes(peak),
            f"<= {megabytes(RSS_GOAL_KB)}", verdict(peak <= RSS_GOAL_KB)),
        Row("  per provider process: peak / lifetime / CPU", "",
            note=", ".join(f"{r.max_rss_kb} kB / {r.elapsed_s:.2f} s / {r.cpu_s:.2f} s" for r in records)),
    ]
    if idle_rss:
        rows.append(Row("idle RSS after handshake (VmRSS median)", megabytes(int(median(idle_rss))),
                        f"<= {megabytes(RSS_GOAL_KB)}", verdict(median(idle_rss) <= RSS_GOAL_KB)))
        rows.append(Row("  idle VmHWM (max)", megabytes(max(idle_hwm))))
    if idle_pss and idle_anon:
        rows.append(Row("  idle PSS / anonymous (median)",
                        f"{megabytes(int(median(idle_pss)))} / {megabytes(int(median(idle_anon)))}",
                        note="the rest of RSS is clean pages of the mapped binary and libraries"))
    rows.append(Row("RPCs in one plan (TRACE)", "",
                    note=", ".join(f"{k} {v}" for k, v in sorted(rpcs.items())) or "none seen"))
    return rows


if __name__ == "__main__":
    sys.exit(main())
