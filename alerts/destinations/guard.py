"""The SSRF guard: a webhook may only reach public http(s) addresses unless local use is allowed.

The host is resolved and every address it resolves to is checked: loopback, private,
link-local (which holds the cloud metadata service 169.254.169.254), multicast, reserved and
unspecified addresses are refused, and so are known metadata names. Redirects are never
followed by the senders, so a public URL cannot bounce a request inward.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from rasad.errors import BadInput

_METADATA_HOSTS = {
    "metadata.google.internal",
    "metadata",
    "instance-data",
    "instance-data.ec2.internal",
}
_METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("fd00:ec2::254"),
    ipaddress.ip_address("100.100.100.200"),
}


class Refused(BadInput):
    """The destination is not allowed; retrying will not help."""

    def __init__(self, message: str):
        super().__init__(message, reason="refused")


def check(url: str, allow_private: bool = False) -> list[str]:
    """Return the addresses ``url``'s host resolves to; raise ``Refused`` if any is off limits."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(f"only http:// and https:// URLs are allowed, not {url!r}")
    host = parts.hostname.rstrip(".").lower()
    if host in _METADATA_HOSTS:
        raise Refused(f"{host} is a cloud metadata service")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = [str(ipaddress.ip_address(host))]  # an address itself: nothing to resolve
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError, ValueError) as exc:
            raise Refused(f"cannot resolve {host!r}: {exc}") from exc
        addresses = sorted({str(info[4][0]) for info in infos})
    for text in addresses:
        problem = _problem(ipaddress.ip_address(text.split("%")[0]), allow_private)
        if problem:
            raise Refused(
                f"{host} resolves to {text}, a {problem} address "
                "(set RASAD_ALERTS_ALLOW_PRIVATE=true to allow local destinations)"
                if problem != "metadata"
                else f"{host} resolves to {text}, a cloud metadata address"
            )
    return addresses


def _problem(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, allow_private: bool
) -> str | None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address in _METADATA_ADDRESSES:
        return "metadata"  # refused even when local destinations are allowed
    if address.is_multicast or address.is_unspecified or address.is_reserved:
        return "reserved"
    if allow_private:
        return None
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_private or not address.is_global:
        return "private"
    return None
