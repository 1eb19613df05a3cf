"""The address phones in the room use to reach this machine, for classroom mode. Found from
this machine's own interface list (`hostname -I`, then the resolver); nothing is sent anywhere."""
from __future__ import annotations

import ipaddress
import socket
import subprocess


def _usable(addr: str) -> bool:
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    return ip.version == 4 and not (ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast)


def candidates() -> list[str]:
    """This machine's IPv4 addresses that a phone on the same network could use, private first."""
    found: list[str] = []
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=5).stdout
        found += out.split()
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        found += [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)]
    except OSError:
        pass
    usable = list(dict.fromkeys(a for a in found if _usable(a)))
    return sorted(usable, key=lambda a: not ipaddress.ip_address(a).is_private)


def lan_address() -> str | None:
    found = candidates()
    return found[0] if found else None
