"""Keep torch usable in processes forked by `nlp.pipe(n_process=...)`."""
import os

_OWNER_PID = os.getpid()


def avoid_fork_deadlock() -> None:
    """In a forked child, switch torch to one thread before its first parallel op.

    The OpenMP pool that torch and MKL started in the parent does not survive fork(): the
    first parallel region in the child waits forever for threads that do not exist.
    Call this at the start of every predict() that runs torch.
    """
    global _OWNER_PID
    if os.getpid() != _OWNER_PID:
        import torch

        torch.set_num_threads(1)
        _OWNER_PID = os.getpid()
