"""gunicorn on a free port of 127.0.0.1, for the benchmark's HTTP rows and for the load test.

Started and stopped by its own process id; ready once a page answers 200.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HOST = "127.0.0.1"
BASE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def no_control_socket() -> list[str]:
    """Newer gunicorns open a control socket at one fixed path per user: not ours, so that
    they cannot take the socket of another gunicorn running on the machine."""
    from gunicorn.config import Config

    return ["--no-control-socket"] if "control_socket_disable" in Config().settings else []


class Gunicorn:
    """`app` served by gunicorn with `workers` workers; `env` is added to this process's."""

    def __init__(
        self,
        app: str,
        *,
        workers: int,
        env: dict,
        options: tuple[str, ...] = (),
        log: Path | None = None,
    ):
        self.port = free_port()
        self.command = [sys.executable, "-m", "gunicorn", app, "--bind", f"{HOST}:{self.port}"]
        self.command += ["--workers", str(workers), *no_control_socket(), *options]
        self.env = {**os.environ, **env}
        self.log_path = log
        self.log = None
        self.process: subprocess.Popen | None = None

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def start(self) -> None:
        if self.log_path is not None:
            self.log = self.log_path.open("w", encoding="utf-8")
        output = {"stdout": self.log, "stderr": subprocess.STDOUT} if self.log else {}
        self.process = subprocess.Popen(self.command, cwd=BASE_DIR, env=self.env, **output)

    def wait_until_ready(self, path: str, headers: dict | None = None, timeout=60.0) -> None:
        """Until GET `path` answers 200; RuntimeError when gunicorn stops or time runs out."""
        deadline = time.monotonic() + timeout
        request = urllib.request.Request(self.url(path), headers=headers or {})
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                where = f"; see {self.log_path}" if self.log_path else ""
                raise RuntimeError(f"gunicorn stopped with status {self.process.returncode}{where}")
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{request.full_url} did not answer 200 within {timeout:g} s")

    def stop(self) -> None:
        """SIGTERM, so that the workers finish their requests; killed after 20 s."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.log is not None:
            self.log.close()
            self.log = None
