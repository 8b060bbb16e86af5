#!/usr/bin/env python3
"""Fine-tunes the tail of MobileNetV2-int8 into the overflowing-bin classifier (offline; run by
`npm run train:overflow`, which writes the inputs and reads the outputs; see docs/analytics.md).

The frozen part (input .. the cut tensor, e.g. `426` = block 13's output, [96, 14, 14] at 224 px)
runs in the int8 ONNX graph; tools/overflow/cut-cache.ts caches its outputs per photo and view
(0 plain, 1 mirrored, 2.. augmented) as uint8. The QOperator nodes after the cut, up to `627`
(the 1280-channel conv), are rebuilt here in float — weights (w - zp) * w_scale, biases
int32 * x_scale * w_scale, each conv / add output clamped to its uint8 range
[(0 - zp) * s, (255 - zp) * s], which is where the int8 file keeps ReLU6 — and a new
Linear(1280, 1) sits on the global-average-pooled `627`. Everything after the cut is trained.

Steps: grouped k-fold CV inside the training part (folds from the split file) gives out-of-fold
logits (mean of plain and mirrored); the operating point is the lowest logit at which the
out-of-fold photos at or above it are overflowing with precision >= --min-precision. Then one
model per seed is trained on the whole training part; their mean logit is exported as ONNX
(input `x` = dequantized cut tensor [N, C, H, W], output `logit` [N]). The hold-out is not read.

Needs Debian's python3-torch and python3-onnx (training only; the runtime is onnxruntime-node).
Label 1 = dirty / overflowing.
"""
import argparse, json, math, os, time
import numpy as np
import onnx
from onnx import numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F


class FloatTail(nn.Module):
    """The QLinearConv / QLinearAdd nodes from the cut tensor to `end`, in float."""

    def __init__(self, model_path, cut, end='627'):
        super().__init__()
        m = onnx.load(model_path)
        init = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
        nodes = list(m.graph.node)
        start = next(k for k, n in enumerate(nodes) if f'{cut}_quantized' in n.input)
        stop = next(k for k, n in enumerate(nodes) if f'{end}_quantized' in n.output)
        self.cut, self.end = cut, end
        self.ops = []  # (kind, conv index or None, input names, output name)
        self.convs = nn.ModuleList()
        self.lo, self.hi = [], []
        name = lambda t: t.replace('_quantized', '')
        for n in nodes[start:stop + 1]:
            # QLinearConv: x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, bias; QLinearAdd: a, a_s, a_zp, b, b_s, b_zp, y_scale, y_zp.
            ys, yz = float(init[n.input[6]]), int(init[n.input[7]])
            if n.op_type == 'QLinearConv':
                xs = float(init[n.input[1]])
                w = init[n.input[3]].astype(np.float32); ws = init[n.input[4]].astype(np.float32); wz = init[n.input[5]].astype(np.float32)
                shp = (-1,) + (1,) * (w.ndim - 1)
                wf = (w - (wz.reshape(shp) if wz.ndim else wz)) * (ws.reshape(shp) if ws.ndim else ws)
                b = init[n.input[8]].astype(np.float64) * xs * (ws.astype(np.float64) if ws.ndim else float(ws))
                a = {x.name: onnx.helper.get_attribute_value(x) for x in n.attribute}
                pads, group = a.get('pads', [0, 0, 0, 0]), a.get('group', 1)
                conv = nn.Conv2d(wf.shape[1] * group, wf.shape[0], tuple(wf.shape[2:]), stride=tuple(a.get('strides', [1, 1])),
                                 padding=(pads[0], pads[1]), groups=group, bias=True)
                conv.weight.data = torch.from_numpy(np.ascontiguousarray(wf)).float()
                conv.bias.data = torch.from_numpy(b).float()
                self.ops.append(('conv', len(self.convs), [name(n.input[0])], name(n.output[0])))
                self.convs.append(conv)
            elif n.op_type == 'QLinearAdd':
                self.ops.append(('add', None, [name(n.input[0]), name(n.input[3])], name(n.output[0])))
            else:
                raise ValueError(f'unexpected {n.op_type} after the cut')
            self.lo.append((0 - yz) * ys); self.hi.append((255 - yz) * ys)

    def forward(self, x):
        t = {self.cut: x}
        for k, (kind, ci, ins, out) in enumerate(self.ops):
            y = self.convs[ci](t[ins[0]]) if kind == 'conv' else t[ins[0]] + t[ins[1]]
            t[out] = torch.clamp(y, self.lo[k], self.hi[k])
        return t[self.end]


class Net(nn.Module):
    def __init__(self, model_path, cut, dropout):
        super().__init__()
        self.tail = FloatTail(model_path, cut)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(1280, 1)

    def forward(self, x):  # x: dequantized cut tensor [N, C, H, W]
        return self.head(self.drop(self.tail(x).mean(dim=(2, 3)))).squeeze(1)


class Ensemble(nn.Module):
    """Mean logit of several trained nets, exported as one graph."""

    def __init__(self, nets):
        super().__init__()
        self.nets = nn.ModuleList(nets)

    def forward(self, x):
        return torch.stack([n(x) for n in self.nets]).mean(0)


def threshold_for_precision(scores, ys, min_prec):
    """Lowest score at which the photos at or above it have precision >= min_prec (inf if none)."""
    order = sorted(zip(scores, ys), key=lambda p: -p[0])
    tp, best = 0, math.inf
    for i, (s, y) in enumerate(order):
        tp += y
        if i + 1 < len(order) and order[i + 1][0] == s:
            continue
        if tp / (i + 1) >= min_prec:
            best = s
    return best


def metrics(scores, ys, thr):
    s, y = np.asarray(scores), np.asarray(ys)
    p = s >= thr
    tp = int((p & (y == 1)).sum()); fp = int((p & (y == 0)).sum()); fn = int((~p & (y == 1)).sum()); tn = int((~p & (y == 0)).sum())
    return dict(n=len(y), accuracy=(tp + tn) / len(y), precision=tp / max(1, tp + fp), recall=tp / max(1, tp + fn), tp=tp, fp=fp, tn=tn, fn=fn)


def fmt(m):
    return f"accuracy {m['accuracy']*100:.1f} %, precision {m['precision']*100:.1f} %, recall {m['recall']*100:.1f} % (tp/fp/tn/fn {m['tp']}/{m['fp']}/{m['tn']}/{m['fn']})"


def train_one(data, idx, ys, a, seed):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = Net(a.model, a.cut, a.dropout)
    opt = torch.optim.AdamW([{'params': list(net.tail.parameters()), 'lr': a.lr_body}, {'params': list(net.head.parameters()), 'lr': a.lr_head}], weight_decay=a.wd)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[a.lr_body, a.lr_head], total_steps=a.epochs * math.ceil(len(idx) / a.batch))
    y = torch.tensor([ys[i] for i in idx], dtype=torch.float32)
    pos_weight = torch.tensor((y == 0).sum().item() / max(1, (y == 1).sum().item()))  # class-balanced loss
    idx = np.asarray(idx)
    net.train()
    for _ in range(a.epochs):
        perm = rng.permutation(len(idx))
        for b0 in range(0, len(idx), a.batch):
            bi = perm[b0:b0 + a.batch]
            v = rng.integers(0, data['views'], size=len(bi))  # any cached view: plain, mirrored or augmented
            x = data['deq'](data['arr'][torch.as_tensor(idx[bi]), torch.as_tensor(v)])
            loss = F.binary_cross_entropy_with_logits(net(x), y[bi], pos_weight=pos_weight)
            opt.zero_grad(); loss.backward(); opt.step(); sched.step()
    net.eval()
    return net


@torch.no_grad()
def predict(nets, data, idx, bs=64):
    """Mean over nets of the mean of the plain (view 0) and mirrored (view 1) logits."""
    out = []
    for b0 in range(0, len(idx), bs):
        ii = torch.as_tensor(idx[b0:b0 + bs])
        lg = sum((n(data['deq'](data['arr'][ii, 0])) + n(data['deq'](data['arr'][ii, 1]))) / 2 for n in nets)
        out.append(lg / len(nets))
    return torch.cat(out).tolist()


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--cache', required=True, help='index .json written by tools/overflow/cut-cache.ts')
    p.add_argument('--split', required=True, help='split .json: rows {file, label, holdout, cvFold}, in the cache order')
    p.add_argument('--model', required=True, help='the int8 MobileNetV2 .onnx the cache was made with')
    p.add_argument('--out', required=True, help='folder for overflow-tail.onnx and result.json')
    p.add_argument('--epochs', type=int, default=8)
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--lr-body', type=float, default=3e-4)
    p.add_argument('--lr-head', type=float, default=3e-3)
    p.add_argument('--wd', type=float, default=0.01)
    p.add_argument('--dropout', type=float, default=0.2)
    p.add_argument('--seeds', type=int, nargs='+', default=[1])
    p.add_argument('--min-precision', type=float, default=0.97)
    p.add_argument('--threads', type=int, default=int(os.environ.get('HUIYAN_THREADS', '2')))
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    index = json.load(open(a.cache))
    a.cut = index['cut']
    rows = json.load(open(a.split))['rows']
    if [r['file'] for r in rows] != index['files']:
        raise SystemExit('split rows and cache files differ: re-run npm run train:overflow')
    raw = np.fromfile(a.cache[:-len('.json')] + '.u8', dtype=np.uint8)
    arr = torch.from_numpy(raw.reshape(len(rows), index['views'], *index['shape']))
    s, zp = index['scale'], index['zeroPoint']
    data = {'arr': arr, 'views': index['views'], 'deq': lambda q: (q.float() - zp) * s}
    ys = [r['label'] for r in rows]
    train = [i for i, r in enumerate(rows) if not r['holdout']]
    folds = sorted({rows[i]['cvFold'] for i in train})
    t0 = time.time()
    oof = {}
    for f in folds:
        tr = [i for i in train if rows[i]['cvFold'] != f]
        te = [i for i in train if rows[i]['cvFold'] == f]
        sc = predict([train_one(data, tr, ys, a, seed) for seed in a.seeds], data, te)
        oof.update(zip(te, sc))
        print(f'  CV fold {f}: {fmt(metrics(sc, [ys[i] for i in te], 0))} at logit 0 ({time.time() - t0:.0f} s)', flush=True)
    idx = sorted(oof)
    sc, yy = [oof[i] for i in idx], [ys[i] for i in idx]
    thr = threshold_for_precision(sc, yy, a.min_precision)
    if not math.isfinite(thr):
        raise SystemExit(f'no logit reaches precision {a.min_precision} out of fold')
    cv = {'folds': len(folds), 'atZero': metrics(sc, yy, 0), 'atOperatingPoint': metrics(sc, yy, thr)}
    print(f"  CV, {len(idx)} photos out of fold: logit 0: {fmt(cv['atZero'])}; operating point logit {thr:.3f}: {fmt(cv['atOperatingPoint'])}", flush=True)
    nets = [train_one(data, train, ys, a, seed) for seed in a.seeds]
    final = nets[0] if len(nets) == 1 else Ensemble(nets)
    final.eval()
    shape = index['shape']
    onnx_path = os.path.join(a.out, 'overflow-tail.onnx')
    torch.onnx.export(final, torch.zeros(1, *shape), onnx_path, opset_version=13, input_names=['x'], output_names=['logit'],
                      dynamic_axes={'x': {0: 'N', 2: 'H', 3: 'W'}, 'logit': {0: 'N'}}, do_constant_folding=True)
    train_sc = predict(nets, data, train)
    result = {
        'threshold': thr, 'cv': cv, 'train': metrics(train_sc, [ys[i] for i in train], thr),
        'hyper': {k: getattr(a, k) for k in ['epochs', 'batch', 'lr_body', 'lr_head', 'wd', 'dropout', 'seeds', 'min_precision']},
        'trainableParams': sum(q.numel() for q in nets[0].parameters()), 'seconds': round(time.time() - t0),
        'torch': torch.__version__,
    }
    json.dump(result, open(os.path.join(a.out, 'result.json'), 'w'), indent=1)
    print(f"  trained {len(nets)} net(s) on {len(train)} photos; {onnx_path} ({os.path.getsize(onnx_path)} bytes), {time.time() - t0:.0f} s", flush=True)


if __name__ == '__main__':
    main()
