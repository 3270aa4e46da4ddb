"""How fast is cnnlab's NumPy conv2d next to torch's CPU F.conv2d? (`make bench`)

For each layer shape it prints time(cnnlab) / time(torch), forward and forward +
backward (cnnlab.backprop.conv2d_backward against torch autograd), in float32 on
one thread each (torch.set_num_threads(1); threadpoolctl limits NumPy's BLAS).
Times are the process's CPU time (both sides run on one thread), so other
jobs on a shared machine do not count; cnnlab and torch run alternately inside
each repeat, and the ratio is the median over repeats.
Target: median ratio <= 1.5x over the shapes, none above 2.5x.

    python benchmarks/conv_bench.py [--repeats 15]
"""

import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F
from threadpoolctl import threadpool_limits

from cnnlab.conv import conv2d

# (N, C, H, K, k, stride, padding): batch, channels, size (H = W), filters, kernel, stride, padding
SHAPES = [
    (32, 3, 32, 16, 3, 1, 1),
    (8, 64, 56, 64, 3, 1, 1),
    (16, 16, 28, 32, 5, 2, 2),
    (64, 1, 28, 6, 5, 1, 0),
    (16, 32, 14, 64, 1, 1, 0),
]


def load_backward():
    """cnnlab's conv2d_backward, or None while backprop.py does not exist yet."""
    try:
        from cnnlab.backprop import conv2d_backward
    except ImportError:
        return None
    return conv2d_backward


def seconds(run):
    """CPU time of one call (on one thread: the time it computed, not the time it waited)."""
    start = time.process_time()
    run()
    return time.process_time() - start


def median_ratio(ours, theirs, repeats):
    """Median of time(ours) / time(theirs), the two timed back to back; and our median time."""
    ours(), theirs()  # warm up caches and torch's kernel choice
    ratios, times = [], []
    for _ in range(repeats):
        mine, reference = seconds(ours), seconds(theirs)
        ratios.append(mine / reference)
        times.append(mine)
    return float(np.median(ratios)), float(np.median(times))


def layer_runs(shape, backward):
    """Forward and forward+backward callables for cnnlab and torch on one layer shape."""
    n, c, size, k, kernel, stride, padding = shape
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, size, size), dtype=np.float32)
    w = rng.standard_normal((k, c, kernel, kernel), dtype=np.float32)
    b = rng.standard_normal(k, dtype=np.float32)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    out = conv2d(x, w, b, stride=stride, padding=padding)
    dout = rng.standard_normal(out.shape, dtype=np.float32)
    doutt = torch.from_numpy(dout)

    def ours_forward():
        return conv2d(x, w, b, stride=stride, padding=padding)

    def torch_forward():
        with torch.no_grad():
            return F.conv2d(xt, wt, bt, stride, padding)

    def ours_both():
        conv2d(x, w, b, stride=stride, padding=padding)
        return backward(dout, x, w, stride, padding)

    def torch_both():
        F.conv2d(xt, wt, bt, stride, padding).backward(doutt)

    return (ours_forward, torch_forward), (ours_both, torch_both)


def summary(label, ratios):
    """One line: the median and the largest ratio over the shapes, against the target."""
    median, largest = float(np.median(ratios)), max(ratios)
    verdict = "ok" if median <= 1.5 and largest <= 2.5 else "MISSES target (median <= 1.5, max <= 2.5)"
    return f"{label:<17} median ratio {median:.2f}x, max {largest:.2f}x: {verdict}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    repeats = parser.parse_args().repeats
    torch.set_num_threads(1)
    backward = load_backward()
    header = f"{'N, C, H, K, k, s, p':<26}{'cnnlab fwd':>12}{'fwd ratio':>11}{'fwd+bwd ratio':>15}"
    print(header)
    print("-" * len(header))
    forward_ratios, both_ratios = [], []
    with threadpool_limits(1):
        for shape in SHAPES:
            forward, both = layer_runs(shape, backward)
            ratio, mine = median_ratio(*forward, repeats)
            forward_ratios.append(ratio)
            row = f"{str(shape):<26}{mine * 1e3:>10.2f}ms{ratio:>10.2f}x"
            if backward is not None:
                both_ratios.append(median_ratio(*both, repeats)[0])
                row += f"{both_ratios[-1]:>14.2f}x"
            print(row)
    print()
    print(summary("forward:", forward_ratios))
    if backward is None:
        print("forward+backward: skipped, cnnlab.backprop.conv2d_backward does not exist yet")
    else:
        print(summary("forward+backward:", both_ratios))


if __name__ == "__main__":
    main()
