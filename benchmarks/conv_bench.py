"""How fast is cnnlab's NumPy conv2d next to torch's CPU F.conv2d? (`make bench`)

The first line says what ran: NumPy's BLAS library, its version and the kernel
it chose (threadpoolctl; ``OPENBLAS_CORETYPE`` when set) and torch's CPU
capability. Then two tables, in float32 on one thread each
(torch.set_num_threads(1); threadpoolctl limits NumPy's BLAS):

* lecture-size inputs (one small image): time(cnnlab) / time(SciPy, torch or
  NumPy) for correlate2d, convolve2d, conv2d, conv2d_backward, max_pool2d,
  avg_pool2d and pad2d, each call repeated so that the clock can see it;
* large layers: time(cnnlab) / time(torch), forward and forward + backward
  (conv2d_backward against torch autograd), and the memory of cnnlab's
  forward and backward (tracemalloc peak, work buffers included) next to the
  im2col matrix of one chunk of images.

Times are the process's CPU time (both sides run on one thread), so other jobs
on a shared machine do not count; cnnlab and the reference run alternately
inside each repeat, and the ratio is the median over repeats.
Targets (issue 18): lecture sizes within 3x; large layers median <= 1.3x, max <= 2.0x;
working memory (peak less the arrays returned) at most twice the chunk's im2col matrix.
The last line says whether each goal is met.

    python benchmarks/conv_bench.py [--repeats 15] [--only lecture|large]
"""

import argparse
import math
import os
import time
import tracemalloc

import numpy as np
import scipy.signal
import torch
import torch.nn.functional as F
from threadpoolctl import threadpool_info, threadpool_limits

import cnnlab as cl
from cnnlab._im2col import CHUNK_BYTES, band_rows, chunk_images, phase_shape, release_work_buffers
from cnnlab.backprop import conv2d_backward
from cnnlab.conv import conv2d

# (N, C, H, K, k, stride, padding): batch, channels, size (H = W), filters, kernel, stride, padding
SHAPES = [
    (32, 3, 32, 16, 3, 1, 1),
    (8, 64, 56, 64, 3, 1, 1),
    (16, 16, 28, 32, 5, 2, 2),
    (64, 1, 28, 6, 5, 1, 0),
    (16, 32, 14, 64, 1, 1, 0),
]


def what_ran():
    """One line: NumPy's BLAS (library, version, kernel), OPENBLAS_CORETYPE, torch's CPU capability."""
    blas = [f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture', '?')} kernel)"
            for i in threadpool_info() if i.get("user_api") == "blas"] or ["no BLAS found"]
    coretype = os.environ.get("OPENBLAS_CORETYPE", "unset")
    return (f"NumPy BLAS: {', '.join(blas)}; OPENBLAS_CORETYPE={coretype}; "
            f"torch {torch.__version__} CPU capability: {torch.backends.cpu.get_cpu_capability()}")


def lecture_runs():
    """(name, cnnlab call, reference call) on lecture-size inputs, float32 where the reference allows."""
    rng = np.random.default_rng(0)
    x5, k3 = rng.standard_normal((5, 5)), rng.standard_normal((3, 3))
    x1, w1 = rng.standard_normal((1, 1, 5, 5), dtype=np.float32), rng.standard_normal((1, 1, 3, 3), dtype=np.float32)
    x7 = rng.standard_normal((1, 1, 7, 7), dtype=np.float32)
    x32 = rng.standard_normal((1, 3, 32, 32), dtype=np.float32)
    t1, tw, t7, t32 = (torch.from_numpy(a) for a in (x1, w1, x7, x32))
    dout = np.ones((1, 1, 3, 3), dtype=np.float32)
    leaf, weight = t1.clone().requires_grad_(True), tw.clone().requires_grad_(True)

    def torch_backward():
        F.conv2d(leaf, weight).backward(torch.from_numpy(dout))

    return [
        ("correlate2d 5x5 * 3x3 (SciPy)", lambda: cl.correlate2d(x5, k3), lambda: scipy.signal.correlate2d(x5, k3, "valid")),
        ("convolve2d 5x5 * 3x3 same (SciPy)", lambda: cl.convolve2d(x5, k3, "same"),
         lambda: scipy.signal.convolve2d(x5, k3, "same")),
        ("conv2d 1x1x5x5, 3x3 (torch)", lambda: conv2d(x1, w1), lambda: F.conv2d(t1, tw)),
        ("conv2d 1x1x7x7, 3x3, stride 2 (torch)", lambda: conv2d(x7, w1, stride=2), lambda: F.conv2d(t7, tw, stride=2)),
        ("conv2d_backward 1x1x5x5, 3x3 (autograd)", lambda: conv2d_backward(dout, x1, w1), torch_backward),
        ("max_pool2d 1x3x32x32 (torch)", lambda: cl.max_pool2d(x32, 2), lambda: F.max_pool2d(t32, 2)),
        ("avg_pool2d 1x3x32x32 (torch)", lambda: cl.avg_pool2d(x32, 2), lambda: F.avg_pool2d(t32, 2)),
        ("pad2d 1x3x32x32 by 1 (np.pad)", lambda: cl.pad2d(x32, 1), lambda: np.pad(x32, ((0, 0), (0, 0), (1, 1), (1, 1)))),
    ]


def repeated(run, calls=200):
    """``run`` called ``calls`` times: small calls take microseconds, below the clock's resolution."""
    def many():
        for _ in range(calls):
            run()
    return many


def peak_memory(run):
    """The largest extra memory ``run`` holds at once, in bytes (tracemalloc: NumPy reports to it).

    cnnlab keeps its work buffers between calls; they are released first, so
    that the call allocates (and the peak counts) them again.
    """
    release_work_buffers()
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def chunk_bytes(shape, backward=False):
    """Size of the im2col matrix of one step (a chunk of images), as cnnlab's fast path sizes its steps.

    Columns per image: ``C * k * k`` rows (plus the row of ones for the bias
    in the forward) by ``H_out * row`` (output rows in the stride-phase
    layout); the forward takes an image's output rows in bands when one
    image's columns exceed the chunk. A 1x1 layer without padding multiplies
    the input itself (its "columns" are ``C`` rows by ``H * W``, nothing is copied).
    """
    n, c, size, k, kernel, stride, padding = shape
    out = (size + 2 * padding - kernel) // stride + 1
    if kernel == 1 and padding == 0:
        rows, span = c, out * out
    else:
        rows, span = c * kernel * kernel + (not backward), out * -(-(size + 2 * padding) // stride)
    per_image = rows * span * 4
    if backward or per_image <= CHUNK_BYTES:
        return chunk_images(n, per_image) * per_image
    phases = 4 * math.prod(phase_shape((1, c, size, size), ((padding,) * 2,) * 2, (stride, stride)))
    return band_rows(out, per_image, phases) * per_image // out


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


def layer_runs(shape):
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

    def ours_backward():
        return conv2d_backward(dout, x, w, stride=stride, padding=padding)

    def torch_forward():
        with torch.no_grad():
            return F.conv2d(xt, wt, bt, stride=stride, padding=padding)

    def ours_both():
        conv2d(x, w, b, stride=stride, padding=padding)
        return conv2d_backward(dout, x, w, stride=stride, padding=padding)

    def torch_both():
        F.conv2d(xt, wt, bt, stride=stride, padding=padding).backward(doutt)

    # what forward and backward return; the forward's output is a view that holds its whole buffer
    results = ((out if out.base is None else out.base).nbytes, x.nbytes + w.nbytes + b.nbytes)
    return (ours_forward, torch_forward), (ours_both, torch_both), ours_backward, results


def summary(label, ratios):
    """One line: the median and the largest ratio over the shapes, against the target."""
    median, largest = float(np.median(ratios)), max(ratios)
    verdict = "ok" if median <= 1.3 and largest <= 2.0 else "MISSES target (median <= 1.3, max <= 2.0)"
    return f"{label:<17} median ratio {median:.2f}x, max {largest:.2f}x: {verdict}"


def verdict(value, limit):
    return f"{value:.2f}x <= {limit} {'ok' if value <= limit else 'MISSED'}"


def goals(lecture, forward, both, memory):
    """The last line: each goal of issue 18 with the measured value and whether it is met."""
    parts = []
    if lecture:
        parts.append(f"lecture max {verdict(max(lecture), 3)}")
    if forward:
        parts.append(f"large fwd median {verdict(float(np.median(forward)), 1.3)}, max {verdict(max(forward), 2.0)}")
        parts.append(f"fwd+bwd median {verdict(float(np.median(both)), 1.3)}, max {verdict(max(both), 2.0)}")
        parts.append(f"memory max {verdict(max(memory), 2)} of the chunk")
    return "goals: " + "; ".join(parts)


def lecture_table(repeats):
    """The lecture-size table; returns the ratios."""
    header = f"{'lecture-size input (reference)':<42}{'cnnlab':>10}{'ratio':>9}"
    print(header)
    print("-" * len(header))
    lecture = []
    for name, ours, theirs in lecture_runs():
        ratio, mine = median_ratio(repeated(ours), repeated(theirs), repeats)
        lecture.append(ratio)
        print(f"{name:<42}{mine / 200 * 1e6:>8.1f}us{ratio:>8.1f}x" + ("" if ratio <= 3 else "  > 3x"))
    print(f"lecture sizes: {sum(r <= 3 for r in lecture)} of {len(lecture)} within 3x")
    return lecture


def large_table(repeats):
    """The large-layer table; returns forward ratios, forward+backward ratios, working memory / chunk."""
    header = (f"{'N, C, H, K, k, s, p':<26}{'cnnlab fwd':>12}{'fwd ratio':>11}{'fwd+bwd ratio':>15}"
              f"{'chunk MB':>10}{'fwd peak':>10}{'bwd peak':>10}{'work/chunk':>12}")
    print(header)
    print("-" * len(header))
    forward_ratios, both_ratios, memory = [], [], []
    for shape in SHAPES:
        forward, both, backward, (out_bytes, grad_bytes) = layer_runs(shape)
        ratio, mine = median_ratio(*forward, repeats)
        forward_ratios.append(ratio)
        both_ratios.append(median_ratio(*both, repeats)[0])
        forward_peak, backward_peak = peak_memory(forward[0]), peak_memory(backward)
        chunks = chunk_bytes(shape), chunk_bytes(shape, backward=True)
        memory.append(max((forward_peak - out_bytes) / chunks[0], (backward_peak - grad_bytes) / chunks[1]))
        print(f"{str(shape):<26}{mine * 1e3:>10.2f}ms{ratio:>10.2f}x{both_ratios[-1]:>14.2f}x"
              f"{chunks[0] / 2**20:>10.2f}{forward_peak / 2**20:>10.2f}{backward_peak / 2**20:>10.2f}"
              f"{memory[-1]:>11.2f}x")
    print("(MB; peaks by tracemalloc, work buffers and the returned arrays included; work/chunk: the larger of")
    print(" forward and backward of (peak less what the call returns) / the im2col matrix of one step)")
    print()
    print(summary("forward:", forward_ratios))
    print(summary("forward+backward:", both_ratios))
    return forward_ratios, both_ratios, memory


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--only", choices=("lecture", "large"), help="run one of the two tables")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(what_ran())
    lecture, forward, both, memory = [], [], [], []
    with threadpool_limits(1):
        if args.only != "large":
            print()
            lecture = lecture_table(args.repeats)
        if args.only != "lecture":
            print()
            forward, both, memory = large_table(args.repeats)
    print(goals(lecture, forward, both, memory))


if __name__ == "__main__":
    main()
