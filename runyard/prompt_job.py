"""The built-in prompt job: runs a PraisonAI prompt submission with the `praisonai` command-line program.

A submission with a `prompt` and no `job` (PraisonAI's request) runs the server's prompt job
(`--prompt-job`, default this one, named `praisonai`). Like any job it reads the run's input as JSON
on stdin: every field submitted (prompt, agent_file, agent_yaml, recipe_name, recipe_config,
framework, config, session_id, ...). It runs `praisonai run --output json` (the program looked up
beside the worker's Python first, then on PATH) with `--framework` and the agent file (or the
inline YAML, written to a temporary file) or the prompt; the answer it prints becomes the run's result. Without `praisonai`
the run fails at once, saying how to install it or choose another prompt job.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from typing import Any

from runyard.domain import JobDefinition

NAME = "praisonai"
PROMPT_TIMEOUT_SECONDS = 3600  # PraisonAI's default `timeout`
# Model providers' keys the prompt job takes from the worker's environment by name (a job's
# environment is otherwise clean: see JobSpec.env_from).
MODEL_KEYS = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_MODEL_NAME",
    "ANTHROPIC_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "GROQ_API_KEY",
    "MISTRAL_API_KEY",
)
NOT_INSTALLED = (
    "The prompt job needs the `praisonai` program beside the worker: install it into the worker's Python "
    "environment (`pip install praisonai`), or run prompts with another job (`runyard serve --prompt-job NAME`, "
    'or `prompt_job = "NAME"` in runyard.toml)'
)


def definition() -> JobDefinition:
    """The built-in prompt job (PraisonAI's default timeout; one attempt: an agent run is not repeated unasked)."""
    return JobDefinition(name=NAME, command=(sys.executable, "-m", "runyard.prompt_job"), timeout_seconds=float(PROMPT_TIMEOUT_SECONDS), env_from=MODEL_KEYS)


def find_praisonai() -> str | None:
    beside = os.path.dirname(sys.executable)
    return shutil.which("praisonai", path=os.pathsep.join([beside, os.environ.get("PATH", os.defpath)]))


def command(program: str, request: dict[str, Any], agent_file: str | None) -> list[str]:
    """`praisonai run --output json [--framework F] TARGET`: in praisonai 4.7.19 options must come before
    the target (after it they exit 2), and `--output json` prints one line {"result", "status"}."""
    argv = [program, "run", "--output", "json"]
    if request.get("framework"):
        argv += ["--framework", str(request["framework"])]
    return [*argv, agent_file or str(request.get("prompt", ""))]


def answer(stdout: str) -> Any:
    """The run's result from praisonai's output: the `result` of its JSON line, else the text itself."""
    lines = stdout.strip().splitlines()
    try:
        printed = json.loads(lines[-1]) if lines else None
    except ValueError:
        return stdout.strip()
    return printed.get("result") if isinstance(printed, dict) and "result" in printed else stdout.strip()


def main() -> int:
    request = json.load(sys.stdin)
    if not isinstance(request, dict) or not request.get("prompt"):
        print("The prompt job's input is a prompt submission: a JSON object with `prompt`", file=sys.stderr)
        return 2
    program = find_praisonai()
    if program is None:
        print(NOT_INSTALLED, file=sys.stderr)
        return 127
    print("::progress 10 Initializing agent", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        agent_file = request.get("agent_file")
        if request.get("agent_yaml"):
            agent_file = os.path.join(folder, "agents.yaml")
            with open(agent_file, "w") as handle:
                handle.write(str(request["agent_yaml"]))
        environment = {**os.environ, "PRAISONAI_NO_UPDATE_CHECK": "1"}
        done = subprocess.run(command(program, request, agent_file), stdin=subprocess.DEVNULL, capture_output=True, text=True, env=environment)
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        return done.returncode
    print("::result " + json.dumps(answer(done.stdout)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
