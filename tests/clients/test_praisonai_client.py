"""The real PraisonAI jobs client (praisonai 4.7.19 from PyPI) against a real runyard server.

The client lives in its own cached virtualenv (scripts/praisonai-venv) and is
driven by tests/clients/praisonai_driver.py, which calls
``praisonai_code.cli.features.jobs.handle_run_command`` -- the code behind
``praisonai run list|status`` -- and reports what it printed as JSON.

What the client does (read from praisonai-code 0.1.16, checked against a stub):
  list   -> GET /api/v1/runs?page=P&page_size=N[&status=S]; renders a rich table
            (ID, Status, Progress, Created) titled "Jobs (Page P/ceil(total/page_size))"
            and a "Total: T jobs" line, or "No jobs found" for an empty page.
  status -> GET /api/v1/runs/{id}; renders a "Job Status" panel with Job ID, Status,
            Progress, Step, Created, Started (and Error).
  --json -> the same rich output, then the response body as indented JSON.
  any HTTP error (e.g. 404) -> "✗ Failed to get status: Client error '404 Not Found'
            for url '...'" on stdout and exit code 1; the body's "detail" is not read.
  API keys -> none. JobsHandler._get_client() (praisonai_code/cli/features/jobs.py,
            line 48) is a bare ``httpx.Client(timeout=30.0)``; list_jobs() and status()
            (lines 240 and 157) pass no headers; no --api-key option, no environment
            variable is read (PRAISONAI_JOBS_API_KEY is read only by PraisonAI's jobs
            *server*, praisonai/jobs/server.py). So against ``runyard serve --require-keys``
            the client always gets 401, key or no key: it needs an open runyard or a proxy
            that adds ``Authorization: Bearer <key>`` / ``X-API-Key: <key>``.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # the real PraisonAI client in its own venv

httpx = pytest.importorskip("httpx")

REPO = Path(__file__).resolve().parents[2]
VENV_SCRIPT = REPO / "scripts" / "praisonai-venv"
DRIVER = Path(__file__).resolve().with_name("praisonai_driver.py")

# scripts/praisonai-venv exits with this when the package registry is unreachable.
EXIT_REGISTRY_UNREACHABLE = 75
SESSION = "project-alpha"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def praisonai_python() -> str:
    """Path of the python inside the cached praisonai==4.7.19 virtualenv."""
    try:
        proc = subprocess.run(
            ["bash", str(VENV_SCRIPT)],
            capture_output=True,
            text=True,
            timeout=20 * 60,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"scripts/praisonai-venv did not finish in {exc.timeout}s")
    if proc.returncode == EXIT_REGISTRY_UNREACHABLE:
        last = (proc.stderr.strip().splitlines() or [""])[-1]
        reason = (
            "praisonai==4.7.19 could not be installed because the package registry is "
            f"unreachable (scripts/praisonai-venv exit {proc.returncode}: {last})"
        )
        print(reason, file=sys.stderr)
        pytest.skip(reason)
    if proc.returncode != 0:
        pytest.fail(
            f"scripts/praisonai-venv failed with exit {proc.returncode}:\n{proc.stderr[-4000:]}"
        )
    lines = proc.stdout.strip().splitlines()
    assert lines, f"scripts/praisonai-venv printed no python path; stderr:\n{proc.stderr[-4000:]}"
    python = lines[-1].strip()
    assert os.access(python, os.X_OK), f"not an executable python: {python!r}"
    return python


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory):
    """A real runyard server on a free loopback port with its own SQLite file."""
    workdir = tmp_path_factory.mktemp("runyard-praisonai")
    with _serve(workdir / "runyard.sqlite3", workdir / "server.log") as url:
        yield url


@contextlib.contextmanager
def _serve(db_path: Path, log_path: Path, *extra_args: str):
    """Start `runyard serve` on a free loopback port, yield its URL once /health answers, stop it."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [
        sys.executable, "-m", "runyard", "serve",
        "--host", "127.0.0.1",
        "--port", str(port),
        "--database-url", f"sqlite:///{db_path}",
        # No embedded worker: the submitted runs stay queued, so what the client lists is stable.
        "--workers", "0",
        *extra_args,
    ]
    log = open(log_path, "wb")
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)

    def server_log() -> str:
        log.flush()
        return log_path.read_text(errors="replace")[-6000:]

    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"runyard exited early with {proc.returncode}: {cmd}\n{server_log()}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"runyard did not answer GET /health with 200 within 60s\n{server_log()}")
            time.sleep(0.2)
        yield url
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)
        log.close()


@pytest.fixture(scope="module")
def submitted(server_url: str) -> dict[str, str]:
    """Three runs submitted through the native API; two share session "project-alpha"."""
    bodies = {
        "alpha-1": {"job": "demo", "input": {"n": 1}, "session_id": SESSION},
        "alpha-2": {"job": "demo", "input": {"n": 2}, "session_id": SESSION},
        "solo": {"job": "demo", "input": {"n": 3}},
    }
    ids: dict[str, str] = {}
    with httpx.Client(base_url=server_url, timeout=10) as client:
        for name, body in bodies.items():
            resp = client.post("/api/v1/runs", json=body)
            assert resp.status_code == 202, f"POST /api/v1/runs {body} -> {resp.status_code} {resp.text}"
            data = resp.json()
            assert data["job_id"].startswith("run_"), data
            ids[name] = data["job_id"]
    return ids


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory):
    """A second runyard, started with --require-keys, with a key made by `runyard keys create`
    in its database and one run submitted with that key.

    Returns {"url", "key", "job_id"}.
    """
    workdir = tmp_path_factory.mktemp("runyard-praisonai-secured")
    db_path = workdir / "runyard.sqlite3"
    made = subprocess.run(
        [sys.executable, "-m", "runyard", "keys", "create", "--env", "dev",
         "--database-url", f"sqlite:///{db_path}"],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )
    assert made.returncode == 0, f"runyard keys create failed ({made.returncode}):\n{made.stderr}"
    key = made.stdout.strip().splitlines()[-1].strip()
    assert key, f"runyard keys create printed no secret; stderr:\n{made.stderr}"
    with _serve(db_path, workdir / "server.log", "--require-keys") as url:
        with httpx.Client(base_url=url, timeout=10) as client:
            resp = client.post("/api/v1/runs", json={"job": "demo", "input": {"n": 1}},
                               headers={"Authorization": f"Bearer {key}"})
            assert resp.status_code == 202, f"POST /api/v1/runs with the key -> {resp.status_code} {resp.text}"
        yield {"url": url, "key": key, "job_id": resp.json()["job_id"]}


def run_client(python: str, api_url: str, *args: str, env: Mapping[str, str | None] | None = None) -> tuple[int, dict]:
    """Run the PraisonAI jobs client through the driver; returns (exit code, report).

    `env` entries are added to (or, with value None, removed from) the driver's environment.
    """
    proc_env = None
    if env is not None:
        proc_env = dict(os.environ)
        for name, value in env.items():
            if value is None:
                proc_env.pop(name, None)
            else:
                proc_env[name] = value
    proc = subprocess.run(
        [python, str(DRIVER), *args, "--api-url", api_url],
        capture_output=True,
        text=True,
        timeout=120,
        env=proc_env,
    )
    lines = proc.stdout.strip().splitlines()
    assert lines, f"driver printed nothing (exit {proc.returncode}); stderr:\n{proc.stderr}"
    report = json.loads(lines[-1])
    assert report["exit_code"] == proc.returncode, report
    return proc.returncode, report


def _describe(report: dict) -> str:
    return f"client stdout:\n{report['stdout']}\nclient stderr:\n{report['stderr']}"


def _rows(report: dict) -> list[dict]:
    parsed = report["parsed"]
    assert parsed and parsed["kind"] == "list", _describe(report)
    return parsed["rows"]


# --------------------------------------------------------------------------- tests


def test_venv_holds_the_pinned_praisonai_release(praisonai_python, server_url):
    code, report = run_client(praisonai_python, server_url, "list")
    assert report["versions"]["praisonai"] == "4.7.19", report["versions"]


def test_list_shows_all_submitted_job_ids(praisonai_python, server_url, submitted):
    code, report = run_client(praisonai_python, server_url, "list")
    assert code == 0, _describe(report)
    shown = {row["id"] for row in _rows(report)}
    assert set(submitted.values()) <= shown, _describe(report)
    for job_id in submitted.values():
        assert job_id in report["stdout"]


def test_list_reports_the_server_total(praisonai_python, server_url, submitted):
    code, report = run_client(praisonai_python, server_url, "list")
    assert code == 0, _describe(report)
    assert report["parsed"]["total"] == 3, _describe(report)
    assert report["parsed"]["title"] == "Jobs (Page 1/1)", _describe(report)


def test_list_status_filter_queued_shows_the_queued_runs(praisonai_python, server_url, submitted):
    code, report = run_client(praisonai_python, server_url, "list", "--status", "queued")
    assert code == 0, _describe(report)
    rows = _rows(report)
    assert {row["id"] for row in rows} == set(submitted.values()), _describe(report)
    assert {row["status"] for row in rows} == {"queued"}, _describe(report)


def test_list_status_filter_for_another_status_shows_no_jobs(praisonai_python, server_url, submitted):
    code, report = run_client(praisonai_python, server_url, "list", "--status", "succeeded")
    assert code == 0, _describe(report)
    assert report["parsed"]["empty"] is True, _describe(report)
    assert "No jobs found" in report["stdout"]


def test_list_page_size_2_shows_two_runs(praisonai_python, server_url, submitted):
    code, report = run_client(praisonai_python, server_url, "list", "--page-size", "2")
    assert code == 0, _describe(report)
    rows = _rows(report)
    assert len(rows) == 2, _describe(report)
    assert {row["id"] for row in rows} <= set(submitted.values()), _describe(report)
    assert report["parsed"]["title"] == "Jobs (Page 1/2)", _describe(report)
    assert report["parsed"]["total"] == 3, _describe(report)


def test_list_second_page_shows_the_remaining_run(praisonai_python, server_url, submitted):
    _, first = run_client(praisonai_python, server_url, "list", "--page-size", "2")
    code, second = run_client(praisonai_python, server_url, "list", "--page", "2", "--page-size", "2")
    assert code == 0, _describe(second)
    first_ids = {row["id"] for row in _rows(first)}
    second_ids = {row["id"] for row in _rows(second)}
    assert len(second_ids) == 1, _describe(second)
    assert first_ids | second_ids == set(submitted.values()), _describe(second)
    assert second["parsed"]["title"] == "Jobs (Page 2/2)", _describe(second)


def test_list_json_flag_prints_the_server_page(praisonai_python, server_url, submitted):
    code, report = run_client(praisonai_python, server_url, "list", "--json")
    assert code == 0, _describe(report)
    doc = report["json"]
    assert doc is not None, _describe(report)
    assert {job["job_id"] for job in doc["jobs"]} == set(submitted.values())
    assert (doc["total"], doc["page"], doc["page_size"]) == (3, 1, 20)
    sessions = {job["job_id"]: job.get("session_id") for job in doc["jobs"]}
    assert sessions[submitted["alpha-1"]] == SESSION
    assert sessions[submitted["alpha-2"]] == SESSION


def test_status_shows_the_job_id_and_queued(praisonai_python, server_url, submitted):
    job_id = submitted["alpha-1"]
    code, report = run_client(praisonai_python, server_url, "status", job_id)
    assert code == 0, _describe(report)
    fields = report["parsed"]["fields"]
    assert fields["Job ID"] == job_id, _describe(report)
    assert fields["Status"] == "queued", _describe(report)


def test_status_shows_zero_progress_for_a_queued_run(praisonai_python, server_url, submitted):
    code, report = run_client(praisonai_python, server_url, "status", submitted["solo"])
    assert code == 0, _describe(report)
    fields = report["parsed"]["fields"]
    assert fields["Progress"] == "0%", _describe(report)
    assert fields["Started"] == "-", _describe(report)


def test_status_json_flag_prints_the_status_document(praisonai_python, server_url, submitted):
    job_id = submitted["alpha-2"]
    code, report = run_client(praisonai_python, server_url, "status", job_id, "--json")
    assert code == 0, _describe(report)
    doc = report["json"]
    assert doc is not None, _describe(report)
    assert doc["job_id"] == job_id
    assert doc["status"] == "queued"
    assert isinstance(doc["progress"], dict)


def test_status_of_unknown_id_reports_not_found(praisonai_python, server_url, submitted):
    missing = "run_doesnotexist0000000000000"
    code, report = run_client(praisonai_python, server_url, "status", missing)
    # The client turns any HTTP error into a "✗ Failed to get status: ..." line and exit 1;
    # it does not print the body's "detail".
    assert code == 1, _describe(report)
    parsed = report["parsed"]
    assert parsed and parsed["kind"] == "error", _describe(report)
    assert parsed["message"].startswith("Failed to get status:"), _describe(report)
    assert "404 Not Found" in parsed["message"], _describe(report)
    assert f"/api/v1/runs/{missing}" in parsed["message"], _describe(report)


# --------------------------------------------------------------------------- secured runyard (--require-keys)
#
# PraisonAI's jobs client sends no API key (see the module docstring), so these tests pin down
# what a PraisonAI user sees against a secured runyard rather than a key that "works".

# Every environment variable a PraisonAI user might expect the client to read a key from.
KEY_ENV_VARS = ("PRAISONAI_JOBS_API_KEY", "PRAISONAI_API_KEY")


def _assert_unauthorized(report: dict, action: str, path: str) -> None:
    parsed = report["parsed"]
    assert parsed and parsed["kind"] == "error", _describe(report)
    assert parsed["message"].startswith(f"Failed to {action}:"), _describe(report)
    assert "401 Unauthorized" in parsed["message"], _describe(report)
    assert path in parsed["message"], _describe(report)


def test_secured_server_accepts_the_key_as_a_bearer_header(secured):
    # Control: the key made by `runyard keys create` is valid, so any 401 below is the
    # client not sending it, not a bad key.
    with httpx.Client(base_url=secured["url"], timeout=10) as client:
        assert client.get("/api/v1/runs").status_code == 401
        for headers in ({"Authorization": f"Bearer {secured['key']}"}, {"X-API-Key": secured["key"]}):
            resp = client.get("/api/v1/runs", headers=headers)
            assert resp.status_code == 200, resp.text
            assert secured["job_id"] in {job["job_id"] for job in resp.json()["jobs"]}


@pytest.mark.parametrize("sub", ["list", "status"])
def test_secured_server_without_key_client_reports_401(praisonai_python, secured, sub):
    args = ["list"] if sub == "list" else ["status", secured["job_id"]]
    code, report = run_client(praisonai_python, secured["url"], *args,
                              env={name: None for name in KEY_ENV_VARS})
    assert code == 1, _describe(report)
    if sub == "list":
        _assert_unauthorized(report, "list jobs", "/api/v1/runs?page=1&page_size=20")
    else:
        _assert_unauthorized(report, "get status", f"/api/v1/runs/{secured['job_id']}")


@pytest.mark.parametrize("env_var", KEY_ENV_VARS)
@pytest.mark.parametrize("sub", ["list", "status"])
def test_secured_server_key_in_env_is_not_sent_by_the_client(praisonai_python, secured, sub, env_var):
    # PRAISONAI_JOBS_API_KEY is how PraisonAI's jobs *server* is given its key; the client
    # (praisonai-code 0.1.16) reads no variable and adds no header, so a valid key there
    # still gets 401 -- the client needs an open runyard or a proxy that adds the header.
    args = ["list"] if sub == "list" else ["status", secured["job_id"]]
    env: dict[str, str | None] = {name: None for name in KEY_ENV_VARS}
    env[env_var] = secured["key"]
    code, report = run_client(praisonai_python, secured["url"], *args, env=env)
    assert code == 1, _describe(report)
    if sub == "list":
        _assert_unauthorized(report, "list jobs", "/api/v1/runs?page=1&page_size=20")
    else:
        _assert_unauthorized(report, "get status", f"/api/v1/runs/{secured['job_id']}")


# --------------------------------------------------------------------------- submitting prompts
#
# A second server executes what it is sent: its prompt job (--prompt-job) is a short Python script
# that answers every prompt, so PraisonAI's client can submit, wait, stream, cancel and list as a
# user would, without a model. (The built-in `praisonai` prompt job needs PraisonAI itself.)

ECHO_PROMPT = """\
import json, sys, time
request = json.load(sys.stdin)
print("::progress 50 Thinking", flush=True)
if request["prompt"].startswith("slow"):
    time.sleep(60)
print("::result " + json.dumps("Echo: " + request["prompt"]), flush=True)
"""


@pytest.fixture(scope="module")
def prompts(tmp_path_factory: pytest.TempPathFactory):
    workdir = tmp_path_factory.mktemp("runyard-praisonai-prompts")
    jobs = workdir / "runyard.toml"
    jobs.write_text(f'prompt_job = "echo-prompt"\n\n[jobs.echo-prompt]\ncommand = {json.dumps([sys.executable, "-c", ECHO_PROMPT])}\n')
    with _serve(workdir / "runyard.sqlite3", workdir / "server.log", "--workers", "2", "--jobs", str(jobs), "--webhook-allow-private") as url:
        yield url


def _submitted_json(report: dict) -> dict:
    assert report["json"] is not None, _describe(report)
    return report["json"]


def test_submit_a_prompt_and_wait_prints_the_result(praisonai_python, prompts):
    code, report = run_client(praisonai_python, prompts, "submit", "Say hello", "--wait")
    assert code == 0, _describe(report)
    assert "Echo: Say hello" in report["stdout"], _describe(report)


def test_submit_with_every_flag_the_client_has_is_accepted_and_runs(praisonai_python, prompts):
    args = ["submit", "Summarise", "--session-id", "s-1", "--idempotency-key", "k-1", "--idempotency-scope", "session"]
    args += ["--webhook-url", "http://127.0.0.1:9/hook", "--timeout", "120", "--framework", "praisonai", "--json"]
    code, report = run_client(praisonai_python, prompts, *args)
    assert code == 0, _describe(report)
    first = _submitted_json(report)
    assert first["poll_url"] == f"{prompts}/api/v1/runs/{first['job_id']}"
    again = _submitted_json(run_client(praisonai_python, prompts, *args)[1])
    assert again["job_id"] == first["job_id"]  # the same key in the same session: the same run
    status = httpx.get(first["poll_url"], timeout=10).json()
    assert status["session_id"] == "s-1"
    assert status["webhook"]["url"] == "http://127.0.0.1:9/hook"


def test_status_result_and_list_of_a_finished_prompt_show_its_result_and_full_progress(praisonai_python, prompts):
    code, report = run_client(praisonai_python, prompts, "submit", "Finish me", "--json")
    job_id = _submitted_json(report)["job_id"]
    deadline = time.monotonic() + 30
    while httpx.get(f"{prompts}/api/v1/runs/{job_id}", timeout=10).json()["status"] != "succeeded":
        assert time.monotonic() < deadline, "the prompt did not finish"
        time.sleep(0.2)
    code, report = run_client(praisonai_python, prompts, "status", job_id)
    assert code == 0 and report["parsed"]["fields"]["Status"] == "succeeded", _describe(report)
    code, report = run_client(praisonai_python, prompts, "result", job_id)
    assert code == 0 and "Echo: Finish me" in report["stdout"], _describe(report)
    code, report = run_client(praisonai_python, prompts, "stream", job_id)
    assert code == 0, _describe(report)
    rows = {row["id"]: row for row in _rows(run_client(praisonai_python, prompts, "list", "--page-size", "100")[1])}
    assert rows[job_id]["progress"] == "100%"


def test_cancel_a_running_prompt(praisonai_python, prompts):
    job_id = _submitted_json(run_client(praisonai_python, prompts, "submit", "slow thinking", "--json")[1])["job_id"]
    deadline = time.monotonic() + 30
    while httpx.get(f"{prompts}/api/v1/runs/{job_id}", timeout=10).json()["status"] != "running":
        assert time.monotonic() < deadline, "the prompt did not start"
        time.sleep(0.2)
    code, report = run_client(praisonai_python, prompts, "cancel", job_id)
    assert code == 0, _describe(report)
    deadline = time.monotonic() + 30
    while httpx.get(f"{prompts}/api/v1/runs/{job_id}", timeout=10).json()["status"] != "cancelled":
        assert time.monotonic() < deadline, "the prompt was not cancelled"
        time.sleep(0.2)


def test_without_praisonai_installed_a_prompt_fails_at_once_saying_how_to_install_it(tmp_path):
    """The built-in prompt job, on a worker whose Python has no `praisonai` program (runyard's own venv)."""
    import shutil as _shutil

    if _shutil.which("praisonai", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])):
        pytest.skip("praisonai is installed beside this Python")
    with _serve(tmp_path / "runyard.sqlite3", tmp_path / "server.log", "--workers", "1") as url:
        job_id = httpx.post(f"{url}/api/v1/runs", json={"prompt": "Say hello"}, timeout=10).json()["job_id"]
        deadline = time.monotonic() + 30
        while (status := httpx.get(f"{url}/api/v1/runs/{job_id}", timeout=10).json())["status"] not in ("failed", "succeeded"):
            assert time.monotonic() < deadline, "the prompt neither failed nor succeeded"
            time.sleep(0.2)
    assert status["status"] == "failed"
    assert "pip install praisonai" in status["error"] and "--prompt-job" in status["error"]
