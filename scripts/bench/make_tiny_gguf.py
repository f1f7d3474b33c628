"""Write a tiny randomly initialised llama-architecture GGUF for benchmarking node-llama-cpp.

Usage: python make_tiny_gguf.py OUT.gguf. Needs the `gguf` and `numpy` packages (PyPI). Sized like
scripts/make_tiny_model.py's GPT-2 (2 layers, 2 heads, 32 wide, 1024 positions, MLP 4x), f32 weights,
with a byte-fallback SentencePiece-style vocab (<unk>, <s>, </s> and the 256 byte tokens <0x00>..<0xFF>).
"""

import sys

import numpy as np
from gguf import GGUFWriter, TokenType

N_LAYER, N_HEAD, N_EMBD, N_CTX = 2, 2, 32, 1024
N_FF = 4 * N_EMBD


def main(out, seed=0):
    rng = np.random.default_rng(seed)
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    types = [TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL] + [TokenType.BYTE] * 256
    n_vocab = len(tokens)

    w = GGUFWriter(out, "llama")
    w.add_name("tiny-random-llama")
    w.add_context_length(N_CTX)
    w.add_embedding_length(N_EMBD)
    w.add_block_count(N_LAYER)
    w.add_feed_forward_length(N_FF)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD)
    w.add_rope_dimension_count(N_EMBD // N_HEAD)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_vocab_size(n_vocab)
    w.add_file_type(0)  # all f32
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores([0.0] * n_vocab)
    w.add_token_types(types)
    w.add_unk_token_id(0)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)

    def t(name, *shape, value=None):  # numpy shape is (rows=out, cols=in); GGUF stores it reversed
        a = np.full(shape, value, np.float32) if value is not None else (rng.standard_normal(shape) * 0.02).astype(np.float32)
        w.add_tensor(name, a)

    t("token_embd.weight", n_vocab, N_EMBD)
    for i in range(N_LAYER):
        t(f"blk.{i}.attn_norm.weight", N_EMBD, value=1.0)
        for p in ("q", "k", "v", "output"):
            t(f"blk.{i}.attn_{p}.weight", N_EMBD, N_EMBD)
        t(f"blk.{i}.ffn_norm.weight", N_EMBD, value=1.0)
        t(f"blk.{i}.ffn_gate.weight", N_FF, N_EMBD)
        t(f"blk.{i}.ffn_up.weight", N_FF, N_EMBD)
        t(f"blk.{i}.ffn_down.weight", N_EMBD, N_FF)
    t("output_norm.weight", N_EMBD, value=1.0)
    t("output.weight", n_vocab, N_EMBD)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_tiny_gguf.py OUT.gguf")
    main(sys.argv[1])
