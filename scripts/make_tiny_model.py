"""Write a tiny randomly initialised GPT-2 (2 layers, byte-level vocab) in the layout Transformers.js loads.

Usage: python make_tiny_model.py DIR. Needs only `onnx` and `numpy` (no torch). The decoder takes and returns
past key values (input_ids, attention_mask, position_ids, past_key_values.N.key/value -> logits, present.N.*),
as Optimum exports gpt2, so generation uses the cache. Only printable ASCII can be generated, never
end-of-text, so generation always runs to max_tokens (tests count on it).
"""

import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

N_LAYER, N_HEAD, N_EMBD, N_POSITIONS = 2, 2, 32, 1024
HEAD_DIM = N_EMBD // N_HEAD
EOS = "<|endoftext|>"


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable character map."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def byte_token(b):
    """Token id of byte b: the vocab lists the 256 bytes in order."""
    return b


def write_tokenizer(out):
    vocab = {ch: byte_token(b) for b, ch in ((b, bytes_to_unicode()[b]) for b in range(256))}
    eos_id = len(vocab)
    vocab[EOS] = eos_id
    tokenizer = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": eos_id, "content": EOS, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": True, "special": True}
        ],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": []},
    }
    dump(out, "tokenizer.json", tokenizer)
    dump(out, "tokenizer_config.json", {
        "tokenizer_class": "GPT2Tokenizer", "model_max_length": N_POSITIONS, "add_bos_token": False,
        "add_prefix_space": False, "bos_token": EOS, "eos_token": EOS, "unk_token": EOS,
        "clean_up_tokenization_spaces": False,
    })
    return len(vocab), eos_id


def write_configs(out, vocab_size, eos_id):
    dump(out, "config.json", {
        "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": vocab_size,
        "n_positions": N_POSITIONS, "n_ctx": N_POSITIONS, "n_embd": N_EMBD, "n_layer": N_LAYER, "n_head": N_HEAD,
        "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5, "bos_token_id": eos_id,
        "eos_token_id": eos_id, "use_cache": True,
    })
    dump(out, "generation_config.json", {"bos_token_id": eos_id, "eos_token_id": eos_id})


def dump(out, name, value):
    with open(os.path.join(out, name), "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, indent=1)


class Graph:
    """Collects nodes and initializers; `op` returns the output name."""

    def __init__(self, rng):
        self.nodes, self.inits, self.rng, self.n = [], [], rng, 0

    def weight(self, name, shape, scale=1.0, value=None):
        data = value if value is not None else (self.rng.standard_normal(shape) * scale).astype(np.float32)
        self.inits.append(numpy_helper.from_array(np.asarray(data), name))
        return name

    def op(self, kind, inputs, out=None, **attrs):
        self.n += 1
        out = out or f"{kind.lower()}_{self.n}"
        self.nodes.append(helper.make_node(kind, inputs, [out], **attrs))
        return out


def layer_norm(g, x, name):
    scale = g.weight(f"{name}.weight", [N_EMBD], value=np.ones(N_EMBD, np.float32))
    bias = g.weight(f"{name}.bias", [N_EMBD], value=np.zeros(N_EMBD, np.float32))
    return g.op("LayerNormalization", [x, scale, bias], axis=-1, epsilon=1e-5)


def linear(g, x, name, n_in, n_out):
    w = g.weight(f"{name}.weight", [n_in, n_out])
    b = g.weight(f"{name}.bias", [n_out], value=np.zeros(n_out, np.float32))
    return g.op("Add", [g.op("MatMul", [x, w]), b])


def heads(g, x):
    """[b, s, embd] -> [b, heads, s, head_dim]."""
    shaped = g.op("Reshape", [x, "shape_heads"])
    return g.op("Transpose", [shaped], perm=[0, 2, 1, 3])


def attention(g, x, i, mask):
    qkv = linear(g, x, f"h.{i}.attn.c_attn", N_EMBD, 3 * N_EMBD)
    n = g.n
    g.nodes.append(helper.make_node("Split", [qkv, "split_qkv"], [f"q_{n}", f"k_{n}", f"v_{n}"], axis=2))
    q, k, v = heads(g, f"q_{n}"), heads(g, f"k_{n}"), heads(g, f"v_{n}")
    key = g.op("Concat", [f"past_key_values.{i}.key", k], f"present.{i}.key", axis=2)
    value = g.op("Concat", [f"past_key_values.{i}.value", v], f"present.{i}.value", axis=2)
    scores = g.op("Mul", [g.op("MatMul", [q, g.op("Transpose", [key], perm=[0, 1, 3, 2])]), "inv_sqrt_d"])
    probs = g.op("Softmax", [g.op("Where", [mask, scores, "neg_inf"])], axis=-1)
    merged = g.op("Reshape", [g.op("Transpose", [g.op("MatMul", [probs, value])], perm=[0, 2, 1, 3]), "shape_embd"])
    return linear(g, merged, f"h.{i}.attn.c_proj", N_EMBD, N_EMBD)


def mlp(g, x, i):
    h = linear(g, x, f"h.{i}.mlp.c_fc", N_EMBD, 4 * N_EMBD)
    erf = g.op("Erf", [g.op("Mul", [h, "inv_sqrt_2"])])
    gelu = g.op("Mul", [g.op("Mul", [h, "half"]), g.op("Add", [erf, "one"])])
    return linear(g, gelu, f"h.{i}.mlp.c_proj", 4 * N_EMBD, N_EMBD)


def causal_mask(g):
    """[b, 1, s, total]: a query at position past+j sees keys 0..past+j that the attention mask keeps."""
    total = g.op("Gather", [g.op("Shape", ["attention_mask"]), "one_i"], axis=0)
    seq = g.op("Gather", [g.op("Shape", ["input_ids"]), "one_i"], axis=0)
    keys = g.op("Range", ["zero_i", total, "one_i"])
    queries = g.op("Range", [g.op("Sub", [total, seq]), total, "one_i"])
    causal = g.op("LessOrEqual", [g.op("Unsqueeze", [keys, "axes_0"]), g.op("Unsqueeze", [queries, "axes_1"])])
    kept = g.op("Unsqueeze", [g.op("Cast", ["attention_mask"], to=TensorProto.BOOL), "axes_1_2"])
    return g.op("And", [causal, kept])


def constants(g, vocab_size, eos_id):
    f32 = lambda v: np.array(v, np.float32)  # noqa: E731
    i64 = lambda v: np.array(v, np.int64)  # noqa: E731
    for name, value in {
        "inv_sqrt_d": f32(1 / np.sqrt(HEAD_DIM)), "inv_sqrt_2": f32(1 / np.sqrt(2)), "half": f32(0.5),
        "one": f32(1.0), "neg_inf": f32(-1e9), "zero_i": i64(0), "one_i": i64(1), "axes_0": i64([0]),
        "axes_1": i64([1]), "axes_1_2": i64([1, 2]), "split_qkv": i64([N_EMBD] * 3),
        "shape_heads": i64([0, 0, N_HEAD, HEAD_DIM]), "shape_embd": i64([0, 0, N_EMBD]),
    }.items():
        g.weight(name, None, value=value)
    # Only printable ASCII is ever generated (readable test output); end-of-text never is.
    bias = np.full(vocab_size, -100.0, np.float32)
    bias[[byte_token(b) for b in range(0x20, 0x7F)]] = 0.0
    g.weight("lm_head.bias", None, value=bias)


def build_model(vocab_size, eos_id, seed):
    g = Graph(np.random.default_rng(seed))
    constants(g, vocab_size, eos_id)
    wte = g.weight("wte", [vocab_size, N_EMBD], scale=1.0)
    wpe = g.weight("wpe", [N_POSITIONS, N_EMBD], scale=0.5)
    x = g.op("Add", [g.op("Gather", [wte, "input_ids"]), g.op("Gather", [wpe, "position_ids"])])
    mask = causal_mask(g)
    for i in range(N_LAYER):
        x = g.op("Add", [x, attention(g, layer_norm(g, x, f"h.{i}.ln_1"), i, mask)])
        x = g.op("Add", [x, mlp(g, layer_norm(g, x, f"h.{i}.ln_2"), i)])
    wte_t = g.op("Transpose", [wte], perm=[1, 0])
    g.op("Add", [g.op("MatMul", [layer_norm(g, x, "ln_f"), wte_t]), "lm_head.bias"], "logits")
    return g


def io(vocab_size):
    ids = lambda name, dims: helper.make_tensor_value_info(name, TensorProto.INT64, dims)  # noqa: E731
    cache = lambda name, past: helper.make_tensor_value_info(  # noqa: E731
        name, TensorProto.FLOAT, ["batch_size", N_HEAD, past, HEAD_DIM])
    inputs = [ids("input_ids", ["batch_size", "sequence_length"]),
              ids("attention_mask", ["batch_size", "past_sequence_length + sequence_length"]),
              ids("position_ids", ["batch_size", "sequence_length"])]
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch_size", "sequence_length", vocab_size])]
    for i in range(N_LAYER):
        for kind in ("key", "value"):
            inputs.append(cache(f"past_key_values.{i}.{kind}", "past_sequence_length"))
            outputs.append(cache(f"present.{i}.{kind}", "past_sequence_length + sequence_length"))
    return inputs, outputs


def main(out, seed=0):
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    vocab_size, eos_id = write_tokenizer(out)
    write_configs(out, vocab_size, eos_id)
    g = build_model(vocab_size, eos_id, seed)
    inputs, outputs = io(vocab_size)
    graph = helper.make_graph(g.nodes, "tiny-gpt2", inputs, outputs, g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="make-tiny-model")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, os.path.join(out, "onnx", "model.onnx"))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_tiny_model.py DIR")
    main(sys.argv[1])
