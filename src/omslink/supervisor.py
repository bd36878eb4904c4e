"""`omslink up`: the whole demo from one command (CONTRACT §1).

Migrate, load the demo data into an empty database, then start the web server, the bundled
OMS simulator and the webhook relay as child processes, connect a demo OMS app for OU1 to the
simulator through the same services the OMS Apps page uses, print where to look, and run until
Ctrl-C or SIGTERM, which stops every child. A child that dies stops the rest, and `up` exits
non-zero saying which one.

The simulator's secrets and its ERP API key live in a 0600 JSON file in the data dir, so a
restart reuses them and the OMS app made for the simulator keeps working.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connections

from omslink.connected_apps.models import ApiKey, OmsApp
from omslink.connected_apps.schemas import OmsAppIn
from omslink.connected_apps.services import api_key_issue, oms_app_create
from omslink.core.crypto import token_hash
from omslink.core.errors import ApplicationError
from omslink.core.operations import ADMINISTRATOR
from omslink.core.validation import validate_as
from omslink.demo import DEMO_LOGIN, load_demo_if_empty
from omslink.oms_simulator.config import SimulatorConfig
from omslink.oms_simulator.server import WEBHOOK_PATH

SIMULATOR_CONFIG_FILE = "oms-simulator.json"
DEMO_ORG_UNIT = "OU1"
DEMO_APP_NAME = "Demo OMS (bundled simulator)"
START_TIMEOUT_SECONDS = 60.0
# The relay lets deliveries on the wire finish (its grace is 5 s) before it exits.
STOP_TIMEOUT_SECONDS = 15.0
WATCH_INTERVAL_SECONDS = 0.5


class UpFailed(Exception):
    """`up` cannot go on; the message is the one line the operator sees."""


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]


def _local_host(host: str) -> str:
    """Where this machine reaches a server bound to `host` (a wildcard means loopback)."""
    return {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)  # noqa: S104


def _base_url(host: str, port: int) -> str:
    local = _local_host(host)
    return f"http://[{local}]:{port}" if ":" in local else f"http://{local}:{port}"


def _free_port(preferred: int) -> int:
    """The preferred port if nothing listens there now, else one the kernel picks."""
    for candidate in (preferred, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise UpFailed("no free local port for the OMS simulator")


def _start(name: str, *arguments: str, environment: dict[str, str]) -> Child:
    command = [sys.executable, "-m", "omslink", *arguments]
    return Child(name, subprocess.Popen(command, env=environment))  # noqa: S603 - our own CLI


def _wait_until_serving(child: Child, url: str, stop: threading.Event) -> bool:
    """True once `url` answers 200; False if a stop was asked for meanwhile."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not stop.is_set():
        code = child.process.poll()
        if code is not None:
            raise UpFailed(
                f"the {child.name} exited with code {code} before it served {url}"
                " (is its port in use?)"
            )
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:  # noqa: S310 - our own URL
                if answer.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise UpFailed(
                f"the {child.name} did not answer {url} within {START_TIMEOUT_SECONDS:g} s"
            )
        stop.wait(0.2)
    return False


def _demo_owner() -> User | None:
    """The demo administrator, else any active administrator, to own the demo app."""
    return (
        User.objects.filter(username=DEMO_LOGIN.admin, is_active=True).first()
        or User.objects.filter(groups__name=ADMINISTRATOR, is_active=True).order_by("pk").first()
    )


def _simulator_config(path: Path, *, erp_url: str, erp_port: int) -> SimulatorConfig:
    """Reuse the saved simulator settings, with a live API key and today's ERP URL."""
    if path.exists():
        try:
            config = SimulatorConfig.load(path)
        except (ValueError, KeyError, TypeError) as exc:
            raise UpFailed(f"{path} is unreadable ({exc}); delete it to start afresh") from exc
    else:
        config = SimulatorConfig.fresh(
            org_unit=DEMO_ORG_UNIT, erp_url=erp_url, port=_free_port(erp_port + 1)
        )
    config = config.with_changes(erp_url=erp_url)
    live = (
        config.api_key
        and ApiKey.objects.filter(
            key_hash=token_hash(config.api_key), revoked_at__isnull=True
        ).exists()
    )
    if not live:
        issued = api_key_issue(org_unit=config.org_unit, created_by=_demo_owner())
        config = config.with_changes(api_key=issued.key)
    config.save(path)
    return config


def _connect_demo_app(config: SimulatorConfig, *, erp_url: str) -> str:
    """Make sure an OMS app links the demo OU to the simulator; say how it stands."""
    app = OmsApp.objects.filter(api_key__key_hash=token_hash(config.api_key)).first()
    if app is not None:
        return (
            "enabled"
            if app.enabled
            else "disabled (enable it on the OMS Apps page to receive webhooks)"
        )
    other = OmsApp.objects.filter(org_unit__code=config.org_unit, enabled=True).first()
    if other is not None:
        return f"not connected: {config.org_unit} already has an enabled OMS app ({other})"
    owner = _demo_owner()
    if owner is None:
        return "not connected: there is no administrator to own it"
    try:
        settings_entered = {
            "name": DEMO_APP_NAME,
            "org_unit": config.org_unit,
            "webhook_url": f"http://127.0.0.1:{config.port}{WEBHOOK_PATH}",
            "webhook_secret": config.webhook_secret,
            "encryption_key": config.encryption_key,
            "api_url": erp_url,
            "api_key": config.api_key,
        }
        oms_app_create(created_by=owner, payload=validate_as(OmsAppIn, settings_entered))
    except ApplicationError as exc:
        return f"not connected: {exc.message}"
    return "enabled"


def _demo_login_works() -> bool:
    user = User.objects.filter(username=DEMO_LOGIN.admin, is_active=True).first()
    return user is not None and user.check_password(DEMO_LOGIN.password)


def _stop(children: list[Child]) -> None:
    """Stop the relay first, so nothing is sent to a simulator that is going away."""
    for group in (
        [c for c in children if c.name == "relay"],
        [c for c in children if c.name != "relay"],
    ):
        running = [child for child in group if child.process.poll() is None]
        for child in running:
            child.process.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for child in running:
            try:
                child.process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()


def _watch(children: list[Child], stop: threading.Event) -> None:
    while not stop.is_set():
        for child in children:
            code = child.process.poll()
            if code is not None:
                raise UpFailed(
                    f"the {child.name} exited unexpectedly with code {code}; stopped the others"
                )
        stop.wait(WATCH_INTERVAL_SECONDS)


def _start_everything(
    host: str, port: int, children: list[Child], stop: threading.Event, environment: dict[str, str]
) -> None:
    call_command("migrate", interactive=False, verbosity=0)
    if load_demo_if_empty():
        print("loaded the demo data set", flush=True)
    erp_url = _base_url(host, port)
    children.append(
        _start("web server", "serve", "--host", host, "--port", str(port), environment=environment)
    )
    if not _wait_until_serving(children[-1], f"{erp_url}/healthz", stop):
        return
    config_path = Path(settings.DATA_DIR) / SIMULATOR_CONFIG_FILE
    config = _simulator_config(config_path, erp_url=erp_url, erp_port=port)
    simulator_url = f"http://127.0.0.1:{config.port}"
    children.append(
        _start("OMS simulator", "simulator", "--config", str(config_path), environment=environment)
    )
    if not _wait_until_serving(children[-1], f"{simulator_url}/healthz", stop):
        return
    app_state = _connect_demo_app(config, erp_url=erp_url)
    children.append(_start("relay", "relay", environment=environment))
    login = (
        f"sign in as {DEMO_LOGIN.admin} or {DEMO_LOGIN.warehouse}, password {DEMO_LOGIN.password}"
        if _demo_login_works()
        else "sign in with your own user"
    )
    connections.close_all()
    print(
        f"\nomslink is up at {erp_url}/  ({login})\n"
        f"  API docs:      {erp_url}/api/v1/docs\n"
        f"  OMS simulator: {simulator_url}/  (demo OMS app for {config.org_unit}: {app_state})\n"
        "Press Ctrl-C to stop.\n",
        flush=True,
    )


def run_up(*, host: str, port: int) -> int:
    """Run the demo until Ctrl-C or SIGTERM; 0 after a clean stop, 1 if anything failed."""
    # The demo's webhook target and API test both live on this machine.
    settings.OMSLINK_ALLOW_PRIVATE_WEBHOOK_TARGETS = True
    environment = {**os.environ, "OMSLINK_ALLOW_PRIVATE_WEBHOOK_TARGETS": "1"}
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, request_stop)
    children: list[Child] = []
    failure = None
    try:
        _start_everything(host, port, children, stop, environment)
        _watch(children, stop)
    except UpFailed as exc:
        failure = str(exc)
    finally:
        _stop(children)
    # Said last, after the children's own shutdown lines, so it is what the operator sees.
    if failure is not None:
        print(f"omslink: {failure}", file=sys.stderr)
        return 1
    print("omslink stopped", flush=True)
    return 0
