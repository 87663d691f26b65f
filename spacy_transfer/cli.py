"""Command line: `python -m spacy_transfer COMMAND`.

Each component keeps its commands in its own `commands.py` (coref: one in each of `corpora/` and `view/`), and data
tools that serve several components keep theirs in `training/commands.py`; all are registered here. The suite-wide
`demo` lives here because it runs every component's `demo.run_demo`.
"""

import typer
from wasabi import msg

from .annotate import commands as annotate_commands
from .coref import demo as coref_demo
from .coref.corpora import commands as coref_data_commands
from .coref.view import commands as coref_view_commands
from .fasttext_vectors import commands as fasttext_commands
from .fasttext_vectors import demo as fasttext_demo
from .neuralcoref import commands as neuralcoref_commands
from .neuralcoref import demo as neuralcoref_demo
from .torchmoji import commands as torchmoji_commands
from .torchmoji import demo as torchmoji_demo
from .training import commands as training_commands
from .transformer_encoder import demo as trf_demo
from .zero_shot_classifier import commands as zero_shot_commands
from .zero_shot_classifier import demo as zero_shot_demo

app = typer.Typer(
    name="spacy_transfer",
    help="spaCy transfer-learning components: setup, conversion and demos.",
    no_args_is_help=True,
    add_completion=False,
)
# Shown after the two coreference demos unless --only-coref, in this order.
OTHER_DEMOS = [torchmoji_demo, zero_shot_demo, fasttext_demo, trf_demo]


def load_english():
    """en_core_web_sm (official or PyPI re-upload); exits with the reason when neither is installed."""
    from .util import load_english as load

    try:
        return load()
    except OSError as e:
        msg.fail(str(e), exits=1)


def demo(
    only_coref: bool = typer.Option(False, "--only-coref", help="Skip the other components' demos"),
) -> None:
    """Print coreference clusters (and the other components' outputs) for sample texts."""
    neuralcoref_demo.run_demo(load_english())
    coref_demo.run_demo(load_english())
    if only_coref:
        return
    for module in OTHER_DEMOS:
        module.run_demo(load_english())


def _register() -> None:
    neuralcoref_commands.register(app)
    app.command(name="demo")(demo)  # listed where it always was, after neuralcoref's commands
    for commands in (
        fasttext_commands,
        coref_data_commands,
        coref_view_commands,
        annotate_commands,
        training_commands,
        torchmoji_commands,
        zero_shot_commands,
    ):
        commands.register(app)


_register()
