"""Command line: `python -m spacy_transfer COMMAND`.

Each component keeps its commands in its own `commands.py`; they are registered here.
"""
import typer

app = typer.Typer(
    name="spacy_transfer",
    help="spaCy transfer-learning components: setup, conversion and demos.",
    no_args_is_help=True,
    add_completion=False,
)


def _register() -> None:
    from .neuralcoref import commands as neuralcoref_commands

    neuralcoref_commands.register(app)
    from .fasttext_vectors import commands as fasttext_commands; fasttext_commands.register(app)
    from .coref import commands as coref_commands; coref_commands.register(app)
    from .annotate import commands as annotate_commands; annotate_commands.register(app)
    from .transformer_encoder import commands as trf_commands; trf_commands.register(app)
    from .torchmoji import commands as torchmoji_commands; torchmoji_commands.register(app)
    from .zero_shot_classifier import commands as zero_shot_commands; zero_shot_commands.register(app)
    # Other components register here, one line each.


_register()
