"""The optional cross-encoder step, with a tiny model the test builds itself."""

import pytest


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory):
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-reranker")
    vocab = {t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]"] + list("审批时间压减工作日电费节约人才"))}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
                                                       special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]")
    fast.save_pretrained(folder)
    torch.manual_seed(0)
    model = BertForSequenceClassification(BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1,
                                                     num_attention_heads=2, intermediate_size=32, num_labels=1))
    model.save_pretrained(folder)
    return str(folder)


def test_rerank_model_reorders_hits(retriever, tiny_cross_encoder):
    from retriever.search import HybridSearcher, SearchConfig
    from sentence_transformers import CrossEncoder

    question = retriever.prepare("审批时间压减到多少个工作日？")
    plain = retriever.search(question, k=10)
    assert all(h.rerank is None for h in plain)
    config = SearchConfig(rerank_model=tiny_cross_encoder)
    searcher = HybridSearcher(retriever.store, retriever.embedder, config)
    hits = searcher.search(question, k=10)
    assert all(h.rerank is not None for h in hits)
    reranks = [h.rerank for h in hits]
    assert reranks == sorted(reranks, reverse=True)
    expected = CrossEncoder(tiny_cross_encoder).predict([(question.text, hits[0].chunk.text)])
    assert abs(float(expected.reshape(-1)[0]) - hits[0].rerank) < 1e-4


def test_rerank_from_environment(monkeypatch, tiny_cross_encoder):
    from retriever.search import SearchConfig

    monkeypatch.setenv("RAG_RERANK_MODEL", tiny_cross_encoder)
    assert SearchConfig.from_env().rerank_model == tiny_cross_encoder
    monkeypatch.delenv("RAG_RERANK_MODEL")
    assert SearchConfig.from_env().rerank_model is None
