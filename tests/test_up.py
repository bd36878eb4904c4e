"""`omslink up` as a real process on a fresh data dir: the whole demo, then a clean stop.

It runs on its embedded default (SQLite in the data dir), as a user starts it.
"""

from __future__ import annotations

import fcntl
import http.client
import json
import os
import re
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from omslink.oms_simulator.config import SimulatorConfig
from tests.webhooks.harness import wait_until

START_SECONDS = 120.0


@dataclass
class RunningUp:
    process: subprocess.Popen[bytes]
    log: Path
    url: str
    data_dir: Path

    @property
    def simulator_config(self) -> SimulatorConfig:
        return SimulatorConfig.load(self.data_dir / "oms-simulator.json")

    @property
    def simulator_url(self) -> str:
        return f"http://127.0.0.1:{self.simulator_config.port}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _request(
    url: str, *, method: str = "GET", body: str | None = None, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        connection.request(method, parts.path, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    return _request(url, headers=headers)


def _refuses(url: str) -> bool:
    try:
        _get(url)
    except OSError:
        return True
    return False


def _children(pid: int) -> dict[int, str]:
    """The up process's children and their command lines, from /proc."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
            found[int(child)] = cmdline.decode()
    return found


@contextmanager
def omslink_up(data_dir: Path, log: Path) -> Iterator[RunningUp]:
    port = _free_port()
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("OMSLINK_", "DJANGO_", "DATABASE_URL"))
    }
    environment["OMSLINK_DATA_DIR"] = str(data_dir)
    log.touch()
    started_before = log.read_text().count("Press Ctrl-C to stop.")
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "omslink", "up", "--port", str(port)],
            env=environment,
            cwd=data_dir.parent,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    running = RunningUp(process, log, f"http://127.0.0.1:{port}", data_dir)
    try:
        wait_until(
            lambda: (
                log.read_text().count("Press Ctrl-C to stop.") > started_before
                or process.poll() is not None
            ),
            what="omslink up to start",
            seconds=START_SECONDS,
        )
        assert process.poll() is None, log.read_text()
        yield running
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _stop_with_ctrl_c(up: RunningUp) -> int:
    up.process.send_signal(signal.SIGINT)
    return up.process.wait(60)


def test_up_runs_the_demo_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    log = tmp_path / "up.log"
    with omslink_up(data_dir, log) as up:
        banner = log.read_text()
        assert f"omslink is up at {up.url}/" in banner
        assert "sign in as admin or warehouse, password omslink-demo" in banner
        assert "demo OMS app for OU1: enabled" in banner

        status, login_page = _get(f"{up.url}/login/")
        assert status == 200 and b'name="password"' in login_page

        assert stat.S_IMODE((data_dir / "oms-simulator.json").stat().st_mode) == 0o600
        # Customer data at rest is the server user's alone (CONTRACT §10).
        assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
        database = data_dir / "omslink.sqlite3"
        reader = sqlite3.connect(database)  # holds the -wal and -shm files open while we look
        try:
            assert reader.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            for private in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
                assert stat.S_IMODE(private.stat().st_mode) == 0o600, private
        finally:
            reader.close()
        config = up.simulator_config
        status, ping = _get(f"{up.url}/api/v1/ping", {"Authorization": f"Bearer {config.api_key}"})
        answer = json.loads(ping)
        assert status == 200 and answer["org_unit"] == "OU1" and answer["app"]["enabled"]

        # The demo is alive: an order pushed from the simulator comes back as webhooks.
        page = _get(f"{up.simulator_url}/")[1].decode()
        token = re.search(r'name=token\s+value="([^"]+)"', page)
        assert token is not None
        pushed, _ = _request(
            f"{up.simulator_url}/push-order", method="POST", body=f"token={token.group(1)}"
        )
        assert pushed == 303

        def received() -> dict[str, Any]:
            return json.loads(_get(f"{up.simulator_url}/received.json")[1])

        wait_until(
            lambda: any(
                r["event"]["type"] == "order.reserved" and r["answered"] == 200
                for r in received()["received"]
            ),
            what="order.reserved at the simulator",
        )
        types = {r["event"]["type"] for r in received()["received"]}
        assert {"ping", "order.reserved"} <= types
        assert received()["rejected"] == []
        children = _children(up.process.pid)
        assert len(children) == 3

        assert _stop_with_ctrl_c(up) == 0
        assert log.read_text().rstrip().endswith("omslink stopped")
        assert _refuses(f"{up.url}/healthz") and _refuses(f"{up.simulator_url}/healthz")
        for child in children:
            assert (
                not Path(f"/proc/{child}").exists()
                or "zombie" in Path(f"/proc/{child}/status").read_text()
            )
        with (data_dir / "omslink.sqlite3.relay.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # no relay holds it any more


def test_up_restarts_with_the_same_demo_app_and_stops_when_a_child_dies(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    log = tmp_path / "up.log"
    with omslink_up(data_dir, log) as first:
        config = first.simulator_config
        assert _stop_with_ctrl_c(first) == 0
    with omslink_up(data_dir, log) as second:
        assert second.simulator_config == config.with_changes(erp_url=second.url)
        assert "demo OMS app for OU1: enabled" in log.read_text().rsplit("omslink is up", 1)[1]
        relay = next(
            pid
            for pid, command in _children(second.process.pid).items()
            if command.rstrip().endswith("omslink relay")
        )
        os.kill(relay, signal.SIGKILL)
        assert second.process.wait(60) == 1
        last_line = log.read_text().rstrip().splitlines()[-1]
        assert last_line == (
            "omslink: the relay exited unexpectedly with code -9; stopped the others"
        )
        assert _refuses(f"{second.url}/healthz") and _refuses(f"{second.simulator_url}/healthz")
    with sqlite3.connect(data_dir / "omslink.sqlite3") as database:
        assert database.execute("SELECT count(*) FROM connected_apps_omsapp").fetchone() == (1,)


def test_up_says_why_when_its_port_is_taken(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        environment = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("OMSLINK_", "DJANGO_", "DATABASE_URL"))
        }
        environment["OMSLINK_DATA_DIR"] = str(tmp_path / "data")
        finished = subprocess.run(
            [sys.executable, "-m", "omslink", "up", "--port", str(port)],
            env=environment,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert finished.returncode == 1
    assert finished.stderr.rstrip().splitlines()[-1] == (
        f"omslink: the web server exited with code 1 before it served "
        f"http://127.0.0.1:{port}/healthz (is its port in use?)"
    )
