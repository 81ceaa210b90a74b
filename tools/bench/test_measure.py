"""Unit tests of tools/bench/measure.py (run by `make tools-test`)."""

import pytest

import measure
from measure import Row, TimeRecord


@pytest.mark.parametrize(
    "values, expected",
    [([3.0], 3.0), ([5.0, 1.0, 3.0], 3.0), ([4.0, 1.0, 3.0, 2.0], 2.5), ([2.0, 2.0], 2.0)],
)
def test_median(values, expected):
    assert measure.median(values) == expected


@pytest.mark.parametrize(
    "values, pct, expected",
    [
        (list(range(1, 51)), 95, 48),  # ceil(0.95 * 50) = 48th smallest
        (list(range(1, 51)), 50, 25),
        (list(range(1, 101)), 95, 95),
        ([7.0], 95, 7.0),
        ([3.0, 1.0, 2.0], 100, 3.0),
    ],
)
def test_percentile_nearest_rank(values, pct, expected):
    assert measure.percentile(values, pct) == expected


@pytest.mark.parametrize("func", [measure.median, lambda v: measure.percentile(v, 95)])
def test_statistics_of_nothing_are_errors(func):
    with pytest.raises(ValueError):
        func([])


def test_percentile_out_of_range():
    with pytest.raises(ValueError):
        measure.percentile([1.0], 0)


@pytest.mark.parametrize(
    "line, expected",
    [
        ("1|6|tcp|127.0.0.1:10042|grpc|MIIBxTCCAW\n", measure.Handshake(6, 10042, True)),
        ("1|6|tcp|127.0.0.1:25000|grpc", measure.Handshake(6, 25000, False)),
    ],
)
def test_parse_handshake(line, expected):
    assert measure.parse_handshake(line) == expected


@pytest.mark.parametrize(
    "line",
    ["", "1|6|tcp|0.0.0.0:10042|grpc|AAAA", "1|6|unix|/tmp/x|grpc", "This is a Terraform plugin"],
)
def test_parse_handshake_rejects(line):
    with pytest.raises(ValueError):
        measure.parse_handshake(line)


def test_parse_proc_kb():
    status = "Name:\tprov\nVmPeak:\t  20000 kB\nVmHWM:\t    6144 kB\nVmRSS:\t    5120 kB\nThreads:\t3\n"
    assert measure.parse_proc_kb(status) == {"VmPeak": 20000, "VmHWM": 6144, "VmRSS": 5120}
    rollup = "55d0-7ffd ---p 00000000 00:00 0  [rollup]\nRss:   11316 kB\nPss:    9435 kB\nAnonymous:   1580 kB\n"
    assert measure.parse_proc_kb(rollup) == {"Rss": 11316, "Pss": 9435, "Anonymous": 1580}


def test_parse_time_log():
    text = (
        "maxrss_kb=7000 elapsed_s=0.31 user_s=0.01 sys_s=0.02 exit=0\n"
        "Command terminated by signal 9\n"
        "maxrss_kb=8000 elapsed_s=1.02 user_s=0.50 sys_s=0.25 exit=0\n"
        "Command exited with non-zero status 1\n"
        "maxrss_kb=6500 elapsed_s=0.05 user_s=0.00 sys_s=0.00 exit=1\n"
        "garbage\n"
    )
    assert measure.parse_time_log(text) == [
        TimeRecord(7000, 0.31, 0.03, 0, None),
        TimeRecord(8000, 1.02, 0.75, None, 9),
        TimeRecord(6500, 0.05, 0.0, 1, None),
    ]


def test_count_rpcs_and_launches():
    log = (
        "2026-01-01T00:00:00.000Z [DEBUG] provider: starting plugin: path=.terraform/providers/x args=[x]\n"
        "2026-01-01T00:00:00.001Z [TRACE] GRPCProvider.v6: GetProviderSchema\n"
        "2026-01-01T00:00:00.002Z [TRACE] GRPCProvider.v6: ReadDataSource\n"
        "2026-01-01T00:00:00.003Z [TRACE] GRPCProvider.v6: ReadDataSource\n"
        "2026-01-01T00:00:00.004Z [TRACE] provider.stdio: waiting for stdio data\n"
        "2026-01-01T00:00:00.005Z [DEBUG] provider: starting plugin: path=.terraform/providers/x args=[x]\n"
    )
    assert measure.count_rpcs(log) == {"GetProviderSchema": 1, "ReadDataSource": 2}
    assert measure.count_launches(log) == 2


def test_render_table_aligns_columns():
    out = measure.render_table([Row("a", "1 ms", "<= 3 ms", "ok"), Row("longer name", "10 ms")])
    lines = out.splitlines()
    assert lines[0].startswith("measure")
    assert set(lines[1]) == {"-"}
    assert lines[2].index("1 ms") + len("1 ms") == lines[3].index("10 ms") + len("10 ms")
    assert lines[2].endswith("ok")


@pytest.mark.parametrize(
    "func, arg, expected",
    [
        (measure.ms, 0.0015, "1.50 ms"),
        (measure.ms, 1.2345, "1234 ms"),
        (measure.megabytes, 14648, "15.0 MB"),
        (measure.verdict, True, "ok"),
        (measure.verdict, False, "MISSED"),
        (measure.verdict, None, ""),
    ],
)
def test_formatting(func, arg, expected):
    assert func(arg) == expected
