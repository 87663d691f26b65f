"""`python -m spacy_transfer.annotate`: the annotate command on its own.

The same command as `python -m spacy_transfer annotate`, without importing the other
components' commands (worker processes and tests start faster).
"""

import typer

from .commands import annotate_command

if __name__ == "__main__":
    typer.run(annotate_command)
