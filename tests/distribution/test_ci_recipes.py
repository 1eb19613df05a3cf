"""examples/ci/*.yml run as written: the shell steps of the GitHub Actions workflow (``run:``, in
order, honouring ``if: failure()`` / ``always()``) and of the GitLab job (``script:`` in one shell,
then ``after_script:``) are executed with bash in a scratch folder outside the checkout, against
a small relying party written for this test (toy_rp.py) and the example scenarios
(examples/ci/thaid-scenarios/). What differs from a real runner is only what the files leave to
variables: the ports (free ones here), THAID_SANDBOX_SPEC (the wheel just built) and START_RP
(the toy RP). Once with a correct RP (every scenario passes), once with an RP that skips the
nonce check (the pipeline fails and the JUnit report names the scenario that caught it)."""
from __future__ import annotations

import re
import shutil
import socket
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from conftest import free_port

pytestmark = pytest.mark.live

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = REPO_ROOT / "examples" / "ci"
SCENARIOS = EXAMPLES / "thaid-scenarios"
TOY_RP = Path(__file__).with_name("toy_rp.py")
SCENARIO_RUN = "mock-thaid scenario run"
DEFAULT_RP_PORT = "3000"
STEP_TIMEOUT = 150
GITHUB_IF = {None: "success", "success()": "success", "always()": "always", "failure()": "failure"}


@dataclass
class Step:
    name: str
    script: str
    env: dict[str, str] = field(default_factory=dict)
    when: str = "success"  # success | always | failure


@dataclass
class Ran:
    name: str
    rc: int
    output: str


@dataclass
class Pipeline:
    """The shell steps of one CI file, and what it names: scenario folder, JUnit file, published files."""
    env: dict[str, str]
    steps: list[Step]
    junit: str
    scenario_dir: str
    published_junit: str
    kind: str

    @property
    def scripts(self) -> str:
        return "\n".join(s.script for s in self.steps)


def _strings(mapping) -> dict[str, str]:
    out = {}
    for k, v in (mapping or {}).items():
        if isinstance(v, dict):  # GitLab's {value:, description:} form
            v = v.get("value", "")
        out[str(k)] = "" if v is None else str(v)
    return out


def _scenario_command(script: str) -> tuple[str, str]:
    flat = " ".join(script.replace("\\\n", " ").split())
    m = re.search(re.escape(SCENARIO_RUN) + r" (\S+) .*--junit (\S+)", flat)
    assert m, f"no `{SCENARIO_RUN} DIR ... --junit FILE` in:\n{script}"
    return m.group(1).rstrip("/"), m.group(2)


def github_pipeline(path: Path) -> Pipeline:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    jobs = [j for j in doc["jobs"].values() if any(SCENARIO_RUN in s.get("run", "") for s in j["steps"])]
    assert len(jobs) == 1, "one job runs the scenarios"
    job = jobs[0]
    shell = job.get("defaults", {}).get("run", {}).get("shell") or doc.get("defaults", {}).get("run", {}).get("shell")
    assert shell == "bash", "run steps should use `shell: bash` (bash -eo pipefail) on every runner"
    steps = []
    for s in job["steps"]:
        if "run" not in s:
            continue
        assert s.get("if") in GITHUB_IF, f"this test does not know the condition {s.get('if')!r}"
        name = s.get("name", s["run"].splitlines()[0])
        steps.append(Step(name, s["run"], _strings(s.get("env")), GITHUB_IF[s.get("if")]))
    scenario_dir, junit = _scenario_command(next(s.script for s in steps if SCENARIO_RUN in s.script))
    uploads = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    assert len(uploads) == 1 and uploads[0].get("if") == "always()", "the JUnit file is published, pass or fail"
    published = uploads[0]["with"]["path"].split()
    assert junit in published, (junit, published)
    return Pipeline({**_strings(doc.get("env")), **_strings(job.get("env"))}, steps, junit, scenario_dir,
                    junit, "github")


def gitlab_pipeline(path: Path) -> Pipeline:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    jobs = [j for j in doc.values() if isinstance(j, dict) and any(SCENARIO_RUN in str(x) for x in j.get("script", []))]
    assert len(jobs) == 1, "one job runs the scenarios"
    job = jobs[0]
    default = doc.get("default", {})
    script = [*default.get("before_script", []), *job.get("before_script", []), *job["script"]]
    after = job.get("after_script", default.get("after_script", []))
    steps = [Step("script", "\n".join(script)), Step("after_script", "\n".join(after), when="always")]
    scenario_dir, junit = _scenario_command(steps[0].script)
    artifacts = job["artifacts"]
    assert artifacts.get("when") == "always", "the JUnit report is kept, pass or fail"
    return Pipeline({**_strings(doc.get("variables")), **_strings(job.get("variables"))}, steps, junit, scenario_dir,
                    artifacts["reports"]["junit"], "gitlab")


LOADERS = {"github-actions.yml": github_pipeline, "gitlab-ci.yml": gitlab_pipeline}


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def run_bash(script: str, env: dict[str, str], cwd: Path, steps_dir: Path, n: int, groups) -> tuple[int, str]:
    """One step as a runner does it: ``bash --noprofile --norc -eo pipefail FILE``, in its own
    process group (remembered, so what it leaves in the background is ended with the test).
    Output goes to a file, never a pipe: a background server cannot hold the step open."""
    file, out = steps_dir / f"step-{n}.sh", steps_dir / f"step-{n}.out"
    file.write_text(script, encoding="utf-8")
    with open(out, "wb") as sink:
        proc = subprocess.Popen(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(file)], cwd=cwd, env=env,
                                stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    groups.add(proc)
    try:
        rc = proc.wait(STEP_TIMEOUT)
    except subprocess.TimeoutExpired:
        groups.stop_all()
        rc = -1
    return rc, out.read_text(encoding="utf-8", errors="replace")


def execute(pipeline: Pipeline, env: dict[str, str], cwd: Path, steps_dir: Path, groups) -> list[Ran]:
    ran: list[Ran] = []
    failed = False
    for n, step in enumerate(pipeline.steps):
        if (step.when == "success" and failed) or (step.when == "failure" and not failed):
            continue
        step_env = {**env, **step.env}
        if pipeline.kind == "gitlab" and step.name == "after_script":
            step_env["CI_JOB_STATUS"] = "failed" if failed else "success"
        rc, output = run_bash(step.script, step_env, cwd, steps_dir, n, groups)
        ran.append(Ran(step.name, rc, output))
        failed = failed or rc != 0
    return ran


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def transcript(ran: list[Ran]) -> str:
    return "\n".join(f"===== {r.name} (exit {r.rc})\n{r.output[-4000:]}" for r in ran)


def test_example_scenarios_are_valid_and_name_the_recipes_port(installed, outside):
    files = sorted(SCENARIOS.glob("*.yaml"))
    assert len(files) >= 3
    for f in files:
        assert f"127.0.0.1:{DEFAULT_RP_PORT}/callback" in f.read_text(encoding="utf-8"), f
    r = subprocess.run([installed.exe("mock-thaid"), "scenario", "check", *map(str, files)], cwd=outside,
                       env=installed.env(), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and f"{len(files)} scenario files are valid" in r.stdout, r.stdout + r.stderr


@pytest.mark.parametrize("recipe", sorted(LOADERS))
def test_recipe_uses_its_port_variables(recipe):
    pipeline = LOADERS[recipe](EXAMPLES / recipe)
    assert pipeline.env.get("RP_PORT") == DEFAULT_RP_PORT and pipeline.env.get("MOCK_PORT")
    code = "\n".join(line for line in pipeline.scripts.splitlines() if not line.lstrip().startswith("#"))
    assert not re.search(r"\b(8000|3000)\b", code), "ports come from MOCK_PORT and RP_PORT only"
    for needed in ('mock-thaid serve --port "$MOCK_PORT"', 'mock-thaid wait "http://127.0.0.1:$MOCK_PORT"',
                   'mock-thaid wait "http://127.0.0.1:$RP_PORT"', '"${THAID_SANDBOX_SPEC:-thaid-sandbox}"',
                   "${START_RP:-./start-your-app.sh}", "> mock-thaid.log 2>&1 &"):
        assert needed in code, f"{recipe}: {needed!r} not found"
    assert pipeline.junit == pipeline.published_junit


@pytest.mark.parametrize("rp", ["correct-rp", "rp-skips-nonce-check"])
@pytest.mark.parametrize("recipe", sorted(LOADERS))
def test_recipe_runs_the_scenarios_against_an_rp(recipe, rp, installed, outside, process_groups):
    pipeline = LOADERS[recipe](EXAMPLES / recipe)
    broken = rp == "rp-skips-nonce-check"
    scratch, steps_dir = outside / "project", outside / "steps"
    (scratch / pipeline.scenario_dir).mkdir(parents=True)
    steps_dir.mkdir()
    mock_port, rp_port = free_port(), free_port()
    while rp_port == mock_port:
        rp_port = free_port()
    scenarios = sorted(SCENARIOS.glob("*.yaml"))
    for f in scenarios:  # the team's scenarios, with the port this run gives the RP
        text = f.read_text(encoding="utf-8").replace(f"127.0.0.1:{DEFAULT_RP_PORT}/", f"127.0.0.1:{rp_port}/")
        (scratch / pipeline.scenario_dir / f.name).write_text(text, encoding="utf-8")
    shutil.copyfile(TOY_RP, scratch / "toy_rp.py")

    env = installed.env(**pipeline.env)
    env.update(MOCK_PORT=str(mock_port), RP_PORT=str(rp_port), THAID_SANDBOX_SPEC=str(installed.wheel),
               START_RP="python toy_rp.py")
    if broken:
        env["RP_SKIP_NONCE_CHECK"] = "1"
    try:
        ran = execute(pipeline, env, scratch, steps_dir, process_groups)
        log = transcript(ran)
        mock_log = read(scratch / "mock-thaid.log")
        assert f"mock-thaid: serving http://127.0.0.1:{mock_port}" in mock_log, log
        assert "toy-rp: serving" in read(scratch / "app.log"), log
        junit = scratch / pipeline.junit
        assert junit.is_file(), log
        suite = ET.parse(junit).getroot()
        cases = suite.findall("testcase")
        assert len(cases) == int(suite.get("tests")) == len(scenarios), log
        failed_cases = [c.get("classname") for c in cases if c.find("failure") is not None]
        scenario_step = next(r for r in ran if SCENARIO_RUN in
                             next(s.script for s in pipeline.steps if s.name == r.name))
        if not broken:
            assert all(r.rc == 0 for r in ran), log
            assert suite.get("failures") == "0" and failed_cases == [], log
            assert not any("mock-thaid: serving" in r.output for r in ran), "logs are shown on failure only"
        else:
            assert scenario_step.rc != 0, log
            assert failed_cases == ["03-id-token-wrong-nonce"], log
            assert suite.get("failures") == "1"
            failure = next(c for c in cases if c.find("failure") is not None).find("failure")
            assert "logged in as" in failure.text, failure.text  # the broken RP let a replayed token in
            shown = ran[-1]  # GitHub: the on-failure logs step; GitLab: after_script
            assert shown.rc == 0 and f"mock-thaid: serving http://127.0.0.1:{mock_port}" in shown.output, log
            assert "toy-rp: serving" in shown.output, log
    finally:
        process_groups.stop_all()
    assert not port_open(mock_port) and not port_open(rp_port), "a background server outlived the pipeline"
