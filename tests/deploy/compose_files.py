"""docker-compose.yml, the Dockerfile and deploy/nginx.conf read as data (with compose's variable
substitution), and command lines parsed by the real console scripts' own argparse parsers."""
from __future__ import annotations

import json
import re
import shlex
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
SHIPPED_CLIENTS = ROOT / "thaid_sandbox_data" / "clients.yaml"
IMAGE = "thaid-sandbox:local"

# --- reading the files ---------------------------------------------------------------------------

_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's variable substitution: ``$$``, ``$VAR``, ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``."""
    def sub(m: re.Match) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group(1) or m.group(4)
        op, arg = m.group(2), m.group(3) or ""
        have = env.get(name)
        if op == ":-":
            return have if have else arg
        if op == "-":
            return arg if have is None else have
        if op in (":?", "?"):
            if (have is None) or (op == ":?" and not have):
                raise ValueError(f"{name} must be set: {arg}")
            return have
        return have or ""
    return _VAR.sub(sub, value)


def _walk(node: Any, env: dict[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [_walk(x, env) for x in node]
    if isinstance(node, dict):
        return {k: _walk(v, env) for k, v in node.items()}
    return node


def load_compose(env: dict[str, str] | None = None) -> dict:
    """docker-compose.yml as compose sees it with ``env`` as the shell's variables (none by default)."""
    return _walk(yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8")), env or {})


@dataclass(frozen=True)
class Port:
    host_ip: str
    host_port: int
    container_port: int


@dataclass
class Service:
    name: str
    spec: dict

    @property
    def ours(self) -> bool:
        return self.spec.get("image") == IMAGE

    @property
    def profiles(self) -> list[str]:
        return list(self.spec.get("profiles") or [])

    @property
    def command(self) -> list[str]:
        cmd = self.spec.get("command")
        return shlex.split(cmd) if isinstance(cmd, str) else list(cmd or [])

    @property
    def env(self) -> dict[str, str]:
        raw = self.spec.get("environment") or {}
        if isinstance(raw, list):
            raw = dict(item.split("=", 1) if "=" in item else (item, "") for item in raw)
        return {k: "" if v is None else str(v) for k, v in raw.items()}

    @property
    def ports(self) -> list[Port]:
        out = []
        for p in self.spec.get("ports") or []:
            parts = str(p).split(":")
            ip = parts[0] if len(parts) == 3 else "0.0.0.0"
            out.append(Port(ip, int(parts[-2]), int(parts[-1])))
        return out

    @property
    def volumes(self) -> list[tuple[str, str]]:
        """(source, target) pairs; a source starting with . or / is a bind mount, otherwise a named volume."""
        out = []
        for v in self.spec.get("volumes") or []:
            parts = str(v).split(":")
            out.append((parts[0], parts[1]))
        return out

    @property
    def healthcheck(self) -> list[str]:
        test = (self.spec.get("healthcheck") or {}).get("test") or []
        if isinstance(test, str):
            return ["CMD-SHELL", test]
        return list(test)

    def flag(self, name: str, argv: list[str] | None = None) -> str | None:
        argv = self.command if argv is None else argv
        for i, a in enumerate(argv):
            if a == name and i + 1 < len(argv):
                return argv[i + 1]
            if a.startswith(name + "="):
                return a.split("=", 1)[1]
        return None

    @property
    def listen_port(self) -> int:
        """The port the service listens on inside its container."""
        if self.ours:
            return int(self.flag("--port"))
        if self.name == "postgres":
            return 5432
        conf = nginx_conf()
        return conf.listen


def services(compose: dict) -> dict[str, Service]:
    return {name: Service(name, spec) for name, spec in (compose.get("services") or {}).items()}


def enabled(compose: dict, profile: str | None = None) -> dict[str, Service]:
    """The services ``docker compose [--profile P] up`` starts: those without profiles, and P's."""
    return {n: s for n, s in services(compose).items() if not s.profiles or (profile and profile in s.profiles)}


def console_scripts() -> dict[str, str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with comments dropped and continuation lines joined."""
    out, buf = [], ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        if not buf and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if buf and line.lstrip().startswith("#"):
            continue
        if line.rstrip().endswith("\\"):
            buf += line.rstrip()[:-1] + " "
            continue
        buf += line
        word, _, rest = buf.strip().partition(" ")
        out.append((word.upper(), rest.strip()))
        buf = ""
    return out


def exec_form(args: str) -> list[str]:
    """A Dockerfile CMD/HEALTHCHECK argument: JSON exec form, or shell form split like sh would."""
    args = args.strip()
    return json.loads(args) if args.startswith("[") else ["/bin/sh", "-c", args]


@dataclass
class NginxConf:
    text: str
    resolver: list[str]
    upstreams: dict[str, list[list[str]]]  # name -> its `server` lines (words)
    upstream_zone: dict[str, str]
    listen: int
    proxy_pass: list[str]


def nginx_conf() -> NginxConf:
    text = "\n".join(line.split("#", 1)[0] for line in NGINX_CONF.read_text(encoding="utf-8").splitlines())
    resolver = (re.search(r"^\s*resolver\s+([^;]+);", text, re.M) or [None, ""])[1].split()
    upstreams, zones = {}, {}
    for m in re.finditer(r"upstream\s+(\w+)\s*\{([^}]*)\}", text):
        body = m.group(2)
        upstreams[m.group(1)] = [s.split() for s in re.findall(r"^\s*server\s+([^;]+);", body, re.M)]
        z = re.search(r"^\s*zone\s+([^;]+);", body, re.M)
        if z:
            zones[m.group(1)] = z.group(1).strip()
    listen = int(re.search(r"^\s*listen\s+(\d+)", text, re.M).group(1))
    return NginxConf(text, resolver, upstreams, zones, listen, re.findall(r"proxy_pass\s+([^;]+);", text))


# --- the real CLIs -------------------------------------------------------------------------------

class _Parsed(Exception):
    def __init__(self, namespace, parser) -> None:
        self.namespace, self.parser = namespace, parser


def _options_of(parser, argv: list[str]) -> set[str]:
    """The option strings of the (sub)command ``argv`` selects, e.g. ``serve``'s for ``["serve", ...]``."""
    import argparse

    for token in argv:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs or token not in subs[0].choices:
            break
        parser = subs[0].choices[token]
    return set(parser._option_string_actions)


def parse_with_real_cli(argv: list[str]):
    """The argparse namespace the console script ``argv[0]`` builds from ``argv[1:]`` — its own
    parser, stopped right after parsing (nothing runs). AssertionError when it refuses them, or
    when a flag is only an abbreviation that argparse happens to accept (``--worker``)."""
    import argparse
    import importlib
    import io
    from contextlib import redirect_stderr
    from unittest import mock

    scripts = console_scripts()
    assert argv and argv[0] in scripts, f"{argv[:1]} is not a console script of pyproject.toml ({sorted(scripts)})"
    module, func = scripts[argv[0]].split(":")
    main = getattr(importlib.import_module(module), func)
    original = argparse.ArgumentParser.parse_args

    def parse_args(self, args=None, namespace=None):
        raise _Parsed(original(self, args, namespace), self)

    err = io.StringIO()
    with mock.patch.object(argparse.ArgumentParser, "parse_args", parse_args), redirect_stderr(err):
        try:
            main(list(argv[1:]))
        except _Parsed as done:
            parsed = done
        except SystemExit as e:
            raise AssertionError(f"`{shlex.join(argv)}` is refused by {argv[0]}'s parser ({e.code}): "
                                 f"{err.getvalue().strip()}") from None
        else:
            raise AssertionError(f"{argv[0]}'s main() never parsed its arguments")
    options = _options_of(parsed.parser, argv[1:])
    flags = [t.split("=", 1)[0] for t in argv[1:] if t.startswith("-")]
    inexact = [f for f in flags if f not in options]
    assert not inexact, f"`{shlex.join(argv)}`: not spelled as {argv[0]} spells them: {inexact}"
    return parsed.namespace
