"""The next-character distribution of a Recurrent Lens charlm checkpoint, computed directly in PyTorch (float64).

Reads the TF.js checkpoint (model.json + weights.bin) itself, runs the cell over the prompt from a zero state
with torch's own nn.LSTM / nn.RNN (the GRU by its equations: TF.js's GRU applies the reset gate before the
recurrent product, which torch.nn.GRU does not), then softmax((h D + c) / temperature).

usage: python3 charlm_next_char.py MODEL_JSON '[[PROMPT, TEMPERATURE], …]'  ->  JSON list of probability lists on stdout
"""
import json
import os
import sys

import numpy as np
import torch

model_json, queries = sys.argv[1], json.loads(sys.argv[2])
with open(model_json) as f:
    m = json.load(f)
meta = m["userDefinedMetadata"]["recurrentLens"]
vocab = meta["vocab"]
layer = m["modelTopology"]["config"]["layers"][0]
cls, N = layer["class_name"], layer["config"]["units"]
raw = np.fromfile(os.path.join(os.path.dirname(model_json), "weights.bin"), dtype="<f4")
w, o = {}, 0
for spec in m["weightsManifest"][0]["weights"]:
    n = int(np.prod(spec["shape"]))
    layer_name, tensor = spec["name"].split("/")[-2:]
    key = f"readout_{tensor}" if layer_name == "readout" else tensor
    w[key] = torch.tensor(raw[o:o + n].reshape(spec["shape"]), dtype=torch.float64)
    o += n
K, R, b, D, c = w["kernel"], w["recurrent_kernel"], w["bias"], w["readout_kernel"], w["readout_bias"]
V = len(vocab)


def next_char(prompt, temperature):
    ids = [vocab.index(ch) for ch in prompt]
    x = torch.zeros(1, len(ids), V, dtype=torch.float64)
    for t, k in enumerate(ids):
        x[0, t, k] = 1.0
    h = torch.zeros(1, N, dtype=torch.float64)
    with torch.no_grad():
        if ids and cls == "LSTM":
            # Keras's gate order i, f, c, o is PyTorch's i, f, g, o; weight_ih = Kᵀ, weight_hh = Rᵀ
            lstm = torch.nn.LSTM(V, N, batch_first=True).double()
            lstm.weight_ih_l0.copy_(K.T); lstm.weight_hh_l0.copy_(R.T); lstm.bias_ih_l0.copy_(b); lstm.bias_hh_l0.zero_()
            out, _ = lstm(x)
            h = out[:, -1, :]
        elif ids and cls == "SimpleRNN":
            assert layer["config"]["activation"] == "tanh"
            rnn = torch.nn.RNN(V, N, nonlinearity="tanh", batch_first=True).double()
            rnn.weight_ih_l0.copy_(K.T); rnn.weight_hh_l0.copy_(R.T); rnn.bias_ih_l0.copy_(b); rnn.bias_hh_l0.zero_()
            out, _ = rnn(x)
            h = out[:, -1, :]
        elif ids and cls == "GRU":
            for t in range(len(ids)):
                a = x[:, t, :] @ K + b
                z = torch.sigmoid(a[:, :N] + h @ R[:, :N])
                r = torch.sigmoid(a[:, N:2 * N] + h @ R[:, N:2 * N])
                hh = torch.tanh(a[:, 2 * N:] + (r * h) @ R[:, 2 * N:])
                h = z * h + (1 - z) * hh
        y = (h @ D + c)[0]
        p = torch.softmax(y / temperature, dim=0)
    return p.tolist()


print(json.dumps([next_char(prompt, float(temperature)) for prompt, temperature in queries]))
