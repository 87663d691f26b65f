"""Connecting the Ray engine to a cluster: fail fast, with E319, where no cluster answers.

Ray is passed in (imported by the engine), never imported here at module level.
"""

import socket
from typing import Optional

from ..errors import Errors

# Seconds to wait for the cluster's address to accept a connection; Ray itself retries for many minutes.
CONNECT_TIMEOUT = 10.0


def connect(ray, address: Optional[str]) -> None:
    """Start a local Ray (address None) or connect to a running cluster, failing fast with E319.

    Given an address where no cluster runs, `ray.init` retries for many minutes (an address that "auto" finds in
    a stale ray_current_cluster file included), so the address is first resolved as Ray does and probed.

    ray (module): the `ray` module.
    address (Optional[str]): "auto", "host:port", "ray://host:port" or None.
    """
    if address is None:
        ray.init(include_dashboard=False, log_to_driver=False)
        return
    try:
        _probe(_resolve_address(address))
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    except (ConnectionError, TimeoutError, ValueError) as err:
        raise RuntimeError(Errors.E319.format(address=address, detail=err)) from None


def _resolve_address(address: str) -> Optional[str]:
    if address.startswith("ray://"):
        return address[len("ray://") :]
    from ray._private.services import canonicalize_bootstrap_address

    try:
        return canonicalize_bootstrap_address(address)
    except ConnectionError:
        # Ray's own message ("auto" found nothing) names its flags, not ours.
        raise ConnectionError("no running Ray cluster found from this machine") from None


def _probe(host_port: Optional[str]) -> None:
    if host_port is None:
        return
    host, _, port = host_port.rpartition(":")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT).close()
    except OSError as err:
        raise ConnectionError(f"nothing answers at {host_port} ({err})") from None
