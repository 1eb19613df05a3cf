"""docker-compose.yml, the Dockerfile, .dockerignore and deploy/ against the real code (Docker is
not available where the tests run): every command line and flag is parsed by the real CLI, every
environment name is a real setting, the URLs agree with each other and with the clients file,
and then the default profile runs as local processes and a person logs in through it
(compose_local.py says how the container world is mapped onto 127.0.0.1)."""
from __future__ import annotations

import fnmatch
import re
import socket
from dataclasses import fields
from urllib.parse import urlsplit

import pytest
import yaml
from compose_files import (COMPOSE_FILE, DOCKERIGNORE, ROOT, SHIPPED_CLIENTS, console_scripts,
                           dockerfile_instructions, enabled, exec_form, load_compose, nginx_conf, parse_with_real_cli,
                           services)
from compose_local import MALI_NAME, MALI_PID_SHOWN, LocalStack, login_through_lhr

from lhr_demo.settings import Settings as LHRSettings
from mock_thaid.settings import Settings as MockSettings
from mock_thaid.settings import setting_names
from rp_client.config import ThaiDConfig

COMPOSE = load_compose()
SERVICES = services(COMPOSE)
OURS = sorted(n for n, s in SERVICES.items() if s.ours)
MOCKS = sorted(n for n in OURS if SERVICES[n].command[:2] == ["mock-thaid", "serve"])
LHRS = sorted(n for n in OURS if SERVICES[n].command[:2] == ["lhr-demo", "serve"])
CALLBACK = "/auth/thaid/callback"


def env_names_read_by(program: str) -> set[str]:
    """What each program reads: the mock Settings (MOCK_THAID_*, and DATABASE_URL); the LHR demo's
    Settings (LHR_*). THAID_* (rp_client's ThaiDConfig.from_env) is not read by the LHR demo,
    which builds its ThaiDConfig from its LHR_* settings, so it would be silently ignored there."""
    return {"mock-thaid": {"MOCK_THAID_" + n.upper() for n in setting_names()} | {"DATABASE_URL"},
            "lhr-demo": {"LHR_" + f.name.upper() for f in fields(LHRSettings)}}[program]


def origin(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}"


def mock_settings(name: str, compose: dict | None = None) -> MockSettings:
    """The settings ``mock-thaid serve`` builds from the service's command line and environment
    (flags win over the environment). The issuer must be on the command line: without --issuer
    the CLI derives it from --host/--port (which is the container's view, not the browser's)."""
    svc = services(compose)[name] if compose else SERVICES[name]
    args = parse_with_real_cli(svc.command)
    overrides = {n: getattr(args, n) for n in setting_names() if getattr(args, n, None) is not None}
    assert "issuer" in overrides, f"{name}: pass --issuer (the browser's URL of the mock)"
    return MockSettings.from_env(svc.env, **overrides)


def mock_behind(lhr: str) -> tuple[str, str]:
    """(the mock service an LHR service talks to, the service its back-channel URL names)."""
    host = urlsplit(SERVICES[lhr].env["LHR_THAID_BACKCHANNEL_URL"]).hostname
    assert host in SERVICES, f"{lhr}: LHR_THAID_BACKCHANNEL_URL names no compose service ({host})"
    if host in MOCKS:
        return host, host
    conf = nginx_conf()
    assert SERVICES[host].spec.get("image", "").startswith("nginx:"), f"{host} is neither a mock nor the proxy"
    (server,) = [s for servers in conf.upstreams.values() for s in servers]
    return server[0].split(":")[0], host


def published(service: str, container_port: int) -> int:
    (port,) = [p.host_port for p in SERVICES[service].ports if p.container_port == container_port]
    return port


def clients_of(mock: str) -> list[dict]:
    """The clients file the mock service loads, as the mock reads it ({issuer} expanded)."""
    svc = SERVICES[mock]
    named = svc.env.get("MOCK_THAID_CLIENTS_FILE")
    if named:
        (src,) = [s for s, d in svc.volumes if d == named and s.startswith(".")]
        path = ROOT / src
    else:
        path = SHIPPED_CLIENTS
    issuer = mock_settings(mock).issuer
    text = path.read_text(encoding="utf-8").replace("{issuer}", issuer)
    return yaml.safe_load(text)["clients"]


# --- the compose file ------------------------------------------------------------------------------

def test_the_two_ways_to_start_it_are_documented_at_the_top():
    head = COMPOSE_FILE.read_text(encoding="utf-8").split("\nservices:", 1)[0]
    assert "docker compose up" in head
    assert re.search(r"docker compose --profile postgres up .*--scale mock-pg=\d", head)
    assert "TEST-ONLY" in head and "127.0.0.1:8000" in head and "127.0.0.1:5001" in head


def test_which_services_each_profile_starts():
    assert sorted(enabled(COMPOSE)) == ["lhr", "mock"]
    assert sorted(enabled(COMPOSE, "postgres")) == ["lhr", "lhr-pg", "mock", "mock-pg", "postgres", "proxy"]
    assert OURS == ["lhr", "lhr-pg", "mock", "mock-pg"] and MOCKS == ["mock", "mock-pg"] and LHRS == ["lhr", "lhr-pg"]
    for name in OURS:  # one image, built once from the Dockerfile here
        assert SERVICES[name].spec.get("build") in (".", {"context": "."}), name
        assert SERVICES[name].spec.get("init") is True, f"{name}: a real PID 1 passes SIGTERM on"


@pytest.mark.parametrize("name", OURS)
def test_every_command_line_parses_with_the_real_cli(name):
    svc = SERVICES[name]
    args = parse_with_real_cli(svc.command)
    assert args.cmd == "serve"
    assert (args.host, args.port) == ("0.0.0.0", svc.listen_port), "bind every interface inside the container"
    assert [p.container_port for p in svc.ports] in ([], [args.port])


@pytest.mark.parametrize("name", OURS)
def test_every_environment_name_is_a_real_setting(name):
    svc = SERVICES[name]
    program = svc.command[0]
    unknown = sorted(set(svc.env) - env_names_read_by(program))
    assert not unknown, f"{name}: {program} reads no such setting: {unknown}"


@pytest.mark.parametrize("name", MOCKS)
def test_the_mock_settings_take_the_values(name):
    env = SERVICES[name].env
    s = mock_settings(name)
    assert s.database_url == (env.get("MOCK_THAID_DATABASE_URL") or env["DATABASE_URL"])
    assert s.seed and s.auto_login


@pytest.mark.parametrize("name", LHRS)
def test_the_lhr_settings_take_the_values(name):
    env = SERVICES[name].env
    s = LHRSettings.from_env(env)
    assert (s.thaid_issuer, s.thaid_backchannel_url, s.redirect_uri, s.client_id) == (
        env["LHR_THAID_ISSUER"], env["LHR_THAID_BACKCHANNEL_URL"], env["LHR_REDIRECT_URI"], env["LHR_CLIENT_ID"])
    # what lhr_demo.auth builds from them
    ThaiDConfig(issuer=s.thaid_issuer, client_id=s.client_id, client_secret=s.client_secret,
                redirect_uri=s.redirect_uri, scopes=s.scopes, backchannel_url=s.thaid_backchannel_url)


@pytest.mark.parametrize("name", OURS)
def test_health_checks_ask_the_service_itself_for_healthz(name):
    svc = SERVICES[name]
    test = svc.healthcheck
    assert test[0] == "CMD", f"{name}: exec form (the image has no need for a shell)"
    args = parse_with_real_cli(test[1:])
    assert args.cmd == "wait", "mock-thaid wait polls {url}/healthz"
    assert args.url == f"http://127.0.0.1:{svc.listen_port}"
    timeout = svc.spec["healthcheck"]["timeout"]
    assert args.timeout < int(timeout.rstrip("s")), "the check must give up before Docker kills it"


def test_the_proxy_health_check_goes_through_to_a_replica():
    proxy = SERVICES["proxy"]
    assert proxy.healthcheck[0] == "CMD" and proxy.healthcheck[1] == "wget"  # busybox in nginx:alpine; no curl
    assert proxy.healthcheck[-1] == f"http://127.0.0.1:{nginx_conf().listen}/healthz"
    assert "pg_isready" in " ".join(SERVICES["postgres"].healthcheck)


def test_the_mock_issuer_is_what_the_browser_reaches_and_the_lhr_uses_it():
    for lhr in LHRS:
        mock, front = mock_behind(lhr)
        lhr_env = SERVICES[lhr].env
        settings = mock_settings(mock)
        issuer = settings.issuer
        assert lhr_env["LHR_THAID_ISSUER"] == issuer, f"{lhr} checks iss against another issuer than {mock}'s"
        port = published(front, SERVICES[front].listen_port)
        assert issuer == f"http://127.0.0.1:{port}", f"{mock}'s issuer is not the URL {front} is published at"
        assert lhr_env["LHR_THAID_BACKCHANNEL_URL"] == f"http://{front}:{SERVICES[front].listen_port}"
        assert settings.phone_base_url == issuer  # phones: the same URL unless MOCK_PUBLIC_URL says otherwise


def test_the_lhr_redirect_uri_is_registered_for_its_client():
    for lhr in LHRS:
        env, mock = SERVICES[lhr].env, mock_behind(lhr)[0]
        redirect = env["LHR_REDIRECT_URI"]
        assert redirect == f"http://127.0.0.1:{published(lhr, SERVICES[lhr].listen_port)}{CALLBACK}"
        (client,) = [c for c in clients_of(mock) if c["client_id"] == env["LHR_CLIENT_ID"]]
        assert redirect in client["redirect_uris"], f"{mock} would refuse {lhr}'s redirect URI"
        assert client["client_secret"] == env["LHR_CLIENT_SECRET"]
        assert set(LHRSettings.from_env(env).scopes) <= set(client["scopes"])


def test_the_postgres_clients_file_is_the_shipped_one_plus_the_profile_lhr():
    shipped = yaml.safe_load(SHIPPED_CLIENTS.read_text(encoding="utf-8"))["clients"]
    deploy = yaml.safe_load((ROOT / "deploy" / "clients-postgres.yaml").read_text(encoding="utf-8"))["clients"]
    added = [f"http://127.0.0.1:5101{CALLBACK}", f"http://localhost:5101{CALLBACK}"]
    for c in shipped:
        if c["client_id"] == "lhr-demo":
            c["redirect_uris"] = c["redirect_uris"] + added
    assert deploy == shipped, "deploy/clients-postgres.yaml drifted from thaid_sandbox_data/clients.yaml"


def test_host_ports_are_distinct_and_on_loopback_unless_asked():
    ports = [(n, p) for n, s in SERVICES.items() for p in s.ports]
    assert len({p.host_port for _, p in ports}) == len(ports), "both profiles run side by side"
    assert all(p.host_ip == "127.0.0.1" for _, p in ports), ports
    lan = load_compose({"MOCK_BIND": "0.0.0.0", "MOCK_PUBLIC_URL": "http://192.0.2.7:8000"})
    assert services(lan)["mock"].ports[0].host_ip == "0.0.0.0"
    assert mock_settings("mock", lan).phone_base_url == "http://192.0.2.7:8000"
    assert mock_settings("mock", lan).issuer == "http://127.0.0.1:8000"


def test_the_postgres_profile():
    pg, mock_pg, proxy = SERVICES["postgres"], SERVICES["mock-pg"], SERVICES["proxy"]
    assert pg.spec["image"] == "postgres:16" and not pg.ports
    url = urlsplit(mock_pg.env["DATABASE_URL"])
    assert url.scheme == "postgresql" and url.hostname == "postgres" and url.port in (None, 5432)
    assert (url.username, url.password, url.path.lstrip("/")) == (
        pg.env["POSTGRES_USER"], pg.env["POSTGRES_PASSWORD"], pg.env["POSTGRES_DB"])
    assert f"-U {pg.env['POSTGRES_USER']}" in " ".join(pg.healthcheck)
    # scalable: several containers, no fixed name, no host port; gunicorn workers in each
    assert "container_name" not in mock_pg.spec and not mock_pg.ports
    assert int(parse_with_real_cli(mock_pg.command).workers) >= 2
    assert mock_pg.spec["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert proxy.spec["depends_on"]["mock-pg"]["condition"] == "service_healthy"
    assert SERVICES["lhr-pg"].spec["depends_on"]["proxy"]["condition"] == "service_healthy"
    assert SERVICES["lhr"].spec["depends_on"]["mock"]["condition"] == "service_healthy"
    assert ("./deploy/nginx.conf", "/etc/nginx/conf.d/default.conf") in proxy.volumes


def test_nginx_sends_the_issuer_url_to_every_replica():
    conf = nginx_conf()
    assert conf.resolver[:1] == ["127.0.0.11"], "Docker's DNS: it answers mock-pg with every replica"
    ((name, servers),) = conf.upstreams.items()
    ((host_port, *params),) = servers
    host, port = host_port.split(":")
    assert host in SERVICES and "postgres" in SERVICES[host].profiles and SERVICES[host].ours
    assert int(port) == SERVICES[host].listen_port
    assert "resolve" in params and name in conf.upstream_zone, "re-resolved while running (needs a zone)"
    assert conf.proxy_pass == [f"http://{name}"]
    assert conf.listen == SERVICES["proxy"].ports[0].container_port
    image, tag = SERVICES["proxy"].spec["image"].split(":")
    version = tuple(int(x) for x in re.match(r"(\d+)\.(\d+)", tag).groups())
    assert image == "nginx" and version >= (1, 27), "`server ... resolve` needs open-source nginx 1.27.3+"


# --- the Dockerfile --------------------------------------------------------------------------------

DOCKERFILE = dockerfile_instructions()


def instructions(word: str) -> list[str]:
    return [args for w, args in DOCKERFILE if w == word]


def test_the_image_runs_as_an_unprivileged_user():
    (user,) = instructions("USER")
    name = user.split(":")[0]
    assert name not in ("root", "0"), user
    run = " ".join(instructions("RUN"))
    assert re.search(rf"useradd\b[^&]*--uid {name}\b", run), "the user exists in /etc/passwd"
    users_at = [i for i, (w, _) in enumerate(DOCKERFILE) if w == "USER"][0]
    assert all(w not in ("RUN", "COPY", "ADD") for w, _ in DOCKERFILE[users_at:]), "nothing after USER needs root"


def test_the_working_directory_has_a_writable_var():
    assert instructions("WORKDIR")[-1] == "/srv"
    run = " ".join(instructions("RUN"))
    assert "mkdir -p /srv/var" in run and re.search(r"chown \S+ /srv/var", run)
    for name in OURS:  # what a service keeps under /srv/var (SQLite, uploads) is on a volume
        if any("/srv/var" in v for v in SERVICES[name].env.values()):
            assert any(dst == "/srv/var" and not src.startswith((".", "/"))
                       for src, dst in SERVICES[name].volumes), name


def test_the_base_image_and_what_is_installed():
    (base,) = instructions("FROM")
    m = re.fullmatch(r"python:3\.(\d+)-slim", base)
    assert m and int(m.group(1)) >= 11, base  # pyproject: requires-python >= 3.11
    run = " ".join(instructions("RUN"))
    assert 'pip install --no-cache-dir ".[postgres]"' in run  # the PostgreSQL driver of the postgres profile
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert any(d.startswith("psycopg[binary]") for d in extras["postgres"])


def test_the_copied_files_are_what_the_wheel_is_built_from():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    copied = [args.split()[:-1] for args in instructions("COPY")]
    sources = {s.rstrip("/") for srcs in copied for s in srcs}
    assert {"pyproject.toml", project["project"]["readme"]} <= sources
    for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]:
        assert pattern.rstrip("*") in sources, f"package {pattern} is not copied into the image"
    ignored = [p for p in DOCKERIGNORE.read_text().split("\n") if p.strip() and not p.startswith("#")]
    for src in sources:
        assert (ROOT / src).exists(), src
        assert not any(fnmatch.fnmatch(src, p) for p in ignored), f"{src} is excluded by .dockerignore"


def test_the_dockerignore_leaves_out_what_the_image_does_not_need():
    ignored = {p.strip() for p in DOCKERIGNORE.read_text().splitlines() if p.strip() and not p.startswith("#")}
    assert {".git", ".venv", "var", "tests/node/node_modules", "docs/screenshots"} <= ignored
    assert "**/node_modules" in ignored or "node_modules" in ignored


def test_the_default_command_is_the_compose_mock_and_the_health_check_is_real():
    (cmd,) = instructions("CMD")
    argv = exec_form(cmd)
    mock = SERVICES["mock"].command
    assert mock[:len(argv)] == argv, "`docker run` of the image is the compose file's mock (without its URLs)"
    assert {a for a in mock[len(argv):] if a.startswith("--")} == {"--issuer", "--public-url"}
    args = parse_with_real_cli(argv)
    assert (args.cmd, args.host, args.port) == ("serve", "0.0.0.0", 8000)
    (health,) = instructions("HEALTHCHECK")
    options, _, test = health.partition(" CMD ")
    assert "--timeout=" in options
    probe = parse_with_real_cli(exec_form(test))
    assert (probe.cmd, probe.url) == ("wait", f"http://127.0.0.1:{args.port}")
    assert probe.timeout < float(re.search(r"--timeout=(\d+)s", options).group(1))
    exposed = {int(p) for p in " ".join(instructions("EXPOSE")).split()}
    assert exposed == {SERVICES[n].listen_port for n in OURS}


def test_the_console_scripts_the_image_calls_exist():
    scripts = console_scripts()
    used = {SERVICES[n].command[0] for n in OURS} | {SERVICES[n].healthcheck[1] for n in OURS}
    assert used <= set(scripts), used - set(scripts)


# --- the default profile, as local processes -------------------------------------------------------

@pytest.mark.live
def test_the_default_profile_runs_and_a_person_logs_in_through_the_lhr(tmp_path):
    stack = LocalStack(COMPOSE, tmp_path)
    try:
        mock = stack.start("mock")
        lhr = stack.start("lhr")
        stack.wait_healthy(mock)
        stack.wait_healthy(lhr)
        issuer = stack.browser_origin(mock_settings("mock").issuer)
        lhr_url = origin(stack.browser_origin(SERVICES["lhr"].env["LHR_REDIRECT_URI"]))
        # The browser's issuer is a published port: the LHR server cannot use it, only its back channel.
        assert lhr.env["LHR_THAID_ISSUER"] == issuer and mock.argv[mock.argv.index("--issuer") + 1] == issuer
        assert lhr.env["LHR_THAID_BACKCHANNEL_URL"] == f"http://127.0.0.1:{mock.replica.port}" != issuer
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", urlsplit(issuer).port), timeout=2).close()

        browser, page = login_through_lhr(stack, lhr_url, issuer)
        assert MALI_NAME in page and MALI_PID_SHOWN in page, page[:3000]
        discovery = browser.get(issuer + "/.well-known/openid-configuration").json()
        assert discovery["issuer"] == issuer
        for p in stack.procs:
            assert "Traceback" not in p.output(), p.output()[-3000:]
    except BaseException:
        print(stack.logs())
        raise
    finally:
        stack.close()
