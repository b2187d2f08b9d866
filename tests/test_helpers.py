"""The suite's own helpers: what the load test and the benchmark's smoke run rely on."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.postgres import run_own_servers


def alive(pid: int) -> bool:
    """The process exists and is not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_a_command_s_output_and_exit_code_come_back():
    completed = run_own_servers(
        [sys.executable, "-c", "import sys; print('out'); print('err', file=sys.stderr); exit(3)"],
        timeout=30,
    )
    assert (completed.returncode, completed.stdout, completed.stderr) == (3, "out\n", "err\n")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_a_command_that_runs_out_of_time_is_killed_with_the_workers_it_started(tmp_path):
    pid_file = tmp_path / "worker.pid"
    script = (
        "import subprocess, sys, time\n"
        "worker = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(worker.pid))\n"
        "time.sleep(120)\n"
    )
    with pytest.raises(subprocess.TimeoutExpired):
        run_own_servers([sys.executable, "-c", script], timeout=3)
    worker = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while alive(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(worker), f"worker {worker} outlived its command"
