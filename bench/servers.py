"""Server processes under test: start on a free loopback port, wait until ready, read memory, wait until idle, stop."""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
ROOT = Path(__file__).resolve().parent.parent  # the servers start here, so `python -m bench.floor` and runyard resolve


def raise_file_limit() -> None:
    """Soft limit of open files up to the hard one: a server holding 3,000 streams needs a socket for each."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 65_536
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def memory(self) -> dict[str, int]:
        """Peak and current resident memory in KiB (VmHWM is the high-water mark since the process started)."""
        out = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                out[key] = int(value.split()[0])
        return out

    def wait_idle(self, quiet_cpu: float = 0.02, interval: float = 0.25, limit: float = 120.0) -> float:
        """Wait until the server stops burning CPU (abandoned requests finished); returns the seconds waited.

        A server may still be working through requests the load generator gave up on
        at its deadline; measuring the next case meanwhile would charge it that work.
        """
        start = time.monotonic()
        before = self.cpu_seconds()
        while time.monotonic() - start < limit:
            time.sleep(interval)
            now = self.cpu_seconds()
            if now - before <= quiet_cpu:
                break
            before = now
        return time.monotonic() - start

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(
    name: str,
    argv: list[str],
    port: int,
    log: Path,
    *,
    ready_path: str = "/health",
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 120.0,
) -> Server:
    """Start a server and wait until `ready_path` answers 200 (a failure names the log to read)."""
    out = log.open("wb")
    process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, cwd=cwd, preexec_fn=raise_file_limit)
    server = Server(name, port, process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode} before it was ready; see {log}:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(server.url + ready_path, timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{name} did not answer {ready_path} within {timeout:.0f} s; see {log}")


def runyard_argv(port: int, url: str, *, workers: int = 0, jobs: Path | None = None, processes: int = 1) -> list[str]:
    """`runyard serve` on loopback with warnings only, as `processes` processes (named even for one:
    on PostgreSQL runyard's default is one per core)."""
    argv = [sys.executable, "-m", "runyard", "serve", "--host", "127.0.0.1", "--port", str(port), "--database-url", url]
    argv += ["--workers", str(workers), "--log-level", "warning", "--processes", str(processes)]
    if jobs is not None:
        argv += ["--jobs", str(jobs)]
    return argv
