"""`runyard schedules list|create|show|pause|resume|delete` against a real server, as a subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.servers import ROOT, LiveServer, start_server, stop_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("cli-schedules")
    live = start_server(f"sqlite:///{folder / 'runyard.db'}", folder / "server.log", "--workers", "0")
    yield live
    stop_server(live)


def cli(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RUNYARD_URL": server.url, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "runyard", "schedules", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_create_shows_the_next_five_due_times_in_the_schedules_zone_and_in_utc(server: LiveServer) -> None:
    made = cli(server, "create", "demo", "0 9 * * 1-5", "--timezone", "Europe/Berlin", "--input", '{"n": 1}')
    assert made.returncode == 0, made.stderr
    assert "At 09:00 AM, Monday through Friday" in made.stdout
    due = re.findall(r"(\d{4}-\d\d-\d\d) 09:00 (CET|CEST) \(Europe/Berlin\) = \1 0[78]:00 UTC", made.stdout)
    assert len(due) == 5, made.stdout


def test_list_show_pause_resume_and_delete(server: LiveServer) -> None:
    created = json.loads(cli(server, "create", "demo", "*/5 * * * *", "--json").stdout)
    sid = created["id"]
    listed = cli(server, "list", "--job", "demo")
    assert sid in listed.stdout and "active" in listed.stdout
    listed_json = json.loads(cli(server, "list", "--json").stdout)
    assert sid in [s["id"] for s in listed_json["schedules"]]
    shown = cli(server, "show", sid)
    assert shown.returncode == 0 and "Every 5 minutes" in shown.stdout
    assert len(re.findall(r"UTC \(UTC\) = .* UTC", shown.stdout)) == 5
    paused = cli(server, "pause", sid)
    assert "paused" in paused.stdout and "no due times while paused" in paused.stdout
    assert json.loads(cli(server, "show", sid, "--json").stdout)["active"] is False
    assert "active" in cli(server, "resume", sid).stdout
    deleted = cli(server, "delete", sid)
    assert deleted.returncode == 0 and f"deleted {sid}" in deleted.stdout
    missing = cli(server, "show", sid)
    assert missing.returncode == 1
    assert missing.stderr.strip().endswith(f"404: Schedule not found: {sid}")


def test_a_bad_expression_is_one_clear_line_naming_the_field(server: LiveServer) -> None:
    refused = cli(server, "create", "demo", "0 25 * * *")
    assert refused.returncode == 1
    assert "400: Invalid cron expression '0 25 * * *': bad value in the hour field" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_bad_input_json_is_refused_before_any_request(tmp_path: Path) -> None:
    env = {**os.environ, "RUNYARD_URL": "http://127.0.0.1:9"}
    refused = subprocess.run(
        [sys.executable, "-m", "runyard", "schedules", "create", "demo", "* * * * *", "--input", "{nope"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 2 and "--input is not JSON" in refused.stderr
