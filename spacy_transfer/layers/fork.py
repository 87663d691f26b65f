"""Keep torch usable in processes forked by `nlp.pipe(n_process=...)`."""

import os
import sys

_OWNER_PID = os.getpid()


def _one_torch_thread() -> None:
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


def avoid_fork_deadlock() -> None:
    """In a forked child, switch torch to one thread before its first parallel op.

    The OpenMP pool that torch and MKL started in the parent does not survive fork(): the
    first parallel region in the child waits forever for threads that do not exist. The
    at-fork hook below handles every fork after this module is imported; this check also
    covers a child forked before that. Call it at the start of every predict() that runs torch.
    """
    global _OWNER_PID
    if os.getpid() != _OWNER_PID:
        _one_torch_thread()
        _OWNER_PID = os.getpid()


os.register_at_fork(after_in_child=_one_torch_thread)
