"""Tiny random RoBERTa model built locally (no hub); the BERT one, tiny_bert_dir, is in tests/conftest.py."""

from pathlib import Path

import pytest

CORPUS = [
    "The cat sat on the mat. I love this movie, it is great!",
    "I hate this movie. It is bad. Don't stop, unbelievably good dogs.",
    "Hello world! Supercalifragilistic words split into many pieces.",
]


def build_tiny_roberta(path: Path, max_positions: int = 66) -> Path:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import RobertaConfig, RobertaModel

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=300,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(CORPUS, trainer=trainer)
    tok.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0), trim_offsets=True)
    path.mkdir(parents=True, exist_ok=True)
    tok.save(str(path / "tokenizer.json"))
    (path / "tokenizer_config.json").write_text(
        '{"tokenizer_class": "RobertaTokenizer", "model_max_length": %d}' % (max_positions - 2)
    )
    config = RobertaConfig(
        vocab_size=tok.get_vocab_size(),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=max_positions,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
    )
    import torch

    torch.manual_seed(0)
    RobertaModel(config).save_pretrained(str(path))
    return path


@pytest.fixture(scope="session")
def tiny_roberta_dir(tmp_path_factory) -> Path:
    return build_tiny_roberta(tmp_path_factory.mktemp("tiny_roberta"))


@pytest.fixture(scope="session", params=["bert", "roberta"])
def tiny_model_dir(request, tiny_bert_dir, tiny_roberta_dir) -> Path:
    return tiny_bert_dir if request.param == "bert" else tiny_roberta_dir


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread(single_torch_thread):
    """Tiny models: see tests/conftest.py's single_torch_thread."""
    yield
