"""Schedules declared on jobs in runyard.toml (`schedule`, `timezone`, `schedule_environment`): made
at start, changed when the line changes, removed when it goes; changed only there, not through an API."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from runyard.jobs import InvalidJob, load_declared_schedules, load_jobs_file
from runyard.web.app import create_app
from tests.support.keys import with_key_store
from tests.support.servers import ROOT

REPORT = """
[jobs.report]
command = ["true"]
schedule = "{cron}"
timezone = "Europe/Berlin"
schedule_environment = "prod"
"""


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "runyard.toml"
    path.write_text(text)
    return path


def _app(url: str, jobs_file: Path) -> TestClient:
    return TestClient(create_app(url, jobs=load_jobs_file(jobs_file), worker=None, declared_schedules=load_declared_schedules(jobs_file)))


def test_a_schedule_line_on_a_job_is_a_declarative_schedule_in_its_environment(sqlite_url: str, tmp_path: Path) -> None:
    jobs_file = _file(tmp_path, REPORT.format(cron="0 9 * * 1-5"))
    with _app(sqlite_url, jobs_file) as client:
        listed = client.get("/api/v1/schedules").json()["schedules"]
        assert len(listed) == 1
        schedule = listed[0]
        assert (schedule["job"], schedule["cron"], schedule["timezone"], schedule["environment"]) == ("report", "0 9 * * 1-5", "Europe/Berlin", "prod")
        assert schedule["declarative"] is True
        _, secret = with_key_store(sqlite_url, lambda store: store.create_key("prod"))
        shown = client.get(f"/trigger/api/v1/schedules/{schedule['id']}", headers={"Authorization": f"Bearer {secret}"}).json()
        assert shown["type"] == "DECLARATIVE"


def test_a_changed_line_changes_the_same_schedule_and_a_removed_one_removes_it(sqlite_url: str, tmp_path: Path) -> None:
    with _app(sqlite_url, _file(tmp_path, REPORT.format(cron="0 9 * * 1-5"))) as client:
        first = client.get("/api/v1/schedules").json()["schedules"][0]
    with _app(sqlite_url, _file(tmp_path, REPORT.format(cron="0 10 * * *"))) as client:
        second = client.get("/api/v1/schedules").json()["schedules"]
    assert [(s["id"], s["cron"]) for s in second] == [(first["id"], "0 10 * * *")]
    without = '[jobs.report]\ncommand = ["true"]\n'
    with _app(sqlite_url, _file(tmp_path, without)) as client:
        assert client.get("/api/v1/schedules").json()["total"] == 0


def test_schedules_made_through_the_api_stay_when_the_jobs_file_is_applied(sqlite_url: str, tmp_path: Path) -> None:
    jobs_file = _file(tmp_path, REPORT.format(cron="0 9 * * 1-5"))
    with _app(sqlite_url, jobs_file) as client:
        assert client.post("/api/v1/schedules", json={"job": "report", "cron": "0 12 * * *"}).status_code == 201
    with _app(sqlite_url, jobs_file) as client:
        assert client.get("/api/v1/schedules").json()["total"] == 2


def test_a_declarative_schedule_is_changed_in_the_file_not_through_an_api(sqlite_url: str, tmp_path: Path) -> None:
    with _app(sqlite_url, _file(tmp_path, REPORT.format(cron="0 9 * * 1-5"))) as client:
        sid = client.get("/api/v1/schedules").json()["schedules"][0]["id"]
        native = client.put(f"/api/v1/schedules/{sid}", json={"job": "report", "cron": "* * * * *"})
        assert native.status_code == 409 and "jobs file" in native.json()["detail"]
        assert client.delete(f"/api/v1/schedules/{sid}").status_code == 409
        _, admin = with_key_store(sqlite_url, lambda store: store.create_key("prod", admin=True))
        bearer = {"Authorization": f"Bearer {admin}"}
        refused = client.put(f"/trigger/api/v1/schedules/{sid}", json={"task": "report", "cron": "* * * * *"}, headers=bearer)
        assert (refused.status_code, refused.json()) == (422, {"error": "Cannot update a declarative schedule"})
        assert client.post(f"/trigger/api/v1/schedules/{sid}/deactivate", headers=bearer).status_code == 422


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ('schedule = "0 25 * * *"', "job 'report': schedule: Invalid cron expression '0 25 * * *': bad value in the hour field"),
        ('schedule = "0 9 * * *"\ntimezone = "Mars/Olympus"', "job 'report': timezone: Unknown time zone 'Mars/Olympus'"),
        ('timezone = "UTC"', "job 'report': timezone and schedule_environment go with a `schedule`"),
        ('schedule = "0 9 * * *"\nschedule_environment = "Prod!"', "job 'report': schedule_environment 'Prod!'"),
        ("schedule = 5", "job 'report': schedule must be a string"),
    ],
)
def test_a_bad_schedule_line_is_refused_naming_the_job(tmp_path: Path, table: str, says: str) -> None:
    jobs_file = _file(tmp_path, f'[jobs.report]\ncommand = ["true"]\n{table}\n')
    with pytest.raises(InvalidJob) as refused:
        load_declared_schedules(jobs_file)
    assert str(refused.value).startswith(says)


def test_serve_refuses_to_start_with_a_bad_schedule_line(tmp_path: Path) -> None:
    jobs_file = _file(tmp_path, '[jobs.report]\ncommand = ["true"]\nschedule = "0 9 * *"\n')
    proc = subprocess.run(
        [sys.executable, "-m", "runyard", "serve", "--jobs", str(jobs_file), "--database-url", f"sqlite:///{tmp_path / 'r.db'}", "--port", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "job 'report': schedule: A cron expression has 5 fields" in proc.stderr
