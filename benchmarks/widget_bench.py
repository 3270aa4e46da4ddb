"""How long does one control change take until the figure is redrawn? (`python benchmarks/widget_bench.py`)

For each explorer it cycles through a list of control changes on a 32x32
input (a 256x256 photo for FilterExplorer). One sample is: set the control
(cnnlab recomputes, the artists update) and then draw the canvas the way the
front-end's redraw request does (Agg render of what changed, blitted on the
kept background, PNG diff, sent on the widget's comm). The canvas is told a
front-end is attached ("initialized"), as in a live notebook. Reported:
median and p95 of the wall time and of the process CPU time (on a shared
machine the CPU time is the fairer number).
Target: median <= 30 ms, p95 <= 80 ms.

``--scale 1.6 --pixel-ratio 2`` measures what a lecturer's ``make demo`` draws
on a high-density screen (2.6 x 4 times the pixels), ``--numbers`` with the
"numbers as text" tables shown.

    python benchmarks/widget_bench.py [--repeats 40] [--scale S] [--pixel-ratio R] [--numbers]
"""

import argparse
import time

import numpy as np

TARGET_MEDIAN_MS, TARGET_P95_MS = 30.0, 80.0


def conv_explorer(scale=1.0):
    from cnnlab.widgets import ConvExplorer

    explorer = ConvExplorer(scale=scale)
    explorer.input.value = "random 32x32 integers"
    return explorer, [("stride", 2), ("cell", 40), ("dilation", 2), ("mode", "same"), ("padding_mode", "reflect"),
                      ("kernel", "sobel x"), ("stride", 1), ("dilation", 1), ("mode", "valid"), ("cell", 0),
                      ("padding_mode", "zeros"), ("kernel", "C2 lecture kernel")]


def padding_explorer(scale=1.0):
    from cnnlab.widgets import PaddingExplorer

    explorer = PaddingExplorer(scale=scale)
    explorer.source.value = "camera 32x32"
    return explorer, [("amount", 3), ("amount", 5), ("amount", 1), ("amount", 2)]


def filter_explorer(scale=1.0):
    from cnnlab.widgets import FilterExplorer

    explorer = FilterExplorer(size=256, scale=scale)
    return explorer, [("kernel", "gaussian"), ("kernel_size", 7), ("sigma", 2.0), ("kernel", "sobel x"),
                      ("kernel", "magnitude"), ("kernel", "laplace"), ("kernel", "mean"), ("kernel_size", 3),
                      ("sigma", 1.0)]


def pooling_explorer(scale=1.0):
    from cnnlab.widgets import PoolingExplorer

    explorer = PoolingExplorer(scale=scale)
    explorer.input.value = "random 32x32 integers"
    return explorer, [("cell", 20), ("kernel_size", 3), ("stride", 3), ("kind", "avg"), ("backward", True),
                      ("cell", 5), ("kind", "max"), ("backward", False), ("kernel_size", 2), ("stride", 2)]


def receptive_field_explorer(scale=1.0):
    from cnnlab.widgets import ReceptiveFieldExplorer

    explorer = ReceptiveFieldExplorer(scale=scale)
    explorer.input_size.value = 32
    layer = explorer.layers[1]
    return explorer, [("unit_row", 3), ("unit_col", 20), (layer.dilation, 2), (layer.stride, 2), ("unit_row", 1),
                      (layer.dilation, 1), (layer.stride, 1), ("unit_col", 4)]


def feature_map_explorer(scale=1.0):
    from cnnlab.widgets import FeatureMapExplorer
    from cnnlab.widgets._inputs import camera

    explorer = FeatureMapExplorer(x=camera(32)[None] / 255, scale=scale)
    return explorer, [("layer", "3"), ("channel", 5), ("layer", "1"), ("channel", 2), ("layer", "5"),
                      ("channel", 0), ("layer", "0")]


EXPLORERS = [conv_explorer, padding_explorer, filter_explorer, pooling_explorer, receptive_field_explorer,
             feature_map_explorer]


def control(explorer, name):
    return getattr(explorer, name) if isinstance(name, str) else name


def measure(explorer, changes, repeats, pixel_ratio=1.0):
    """Wall and CPU milliseconds of ``repeats`` control changes, each followed by a canvas draw."""
    canvas = explorer.canvas
    canvas._handle_message(canvas, {"type": "initialized"}, [])  # what a live front-end sends first
    if pixel_ratio != 1:
        canvas._handle_message(canvas, {"type": "set_device_pixel_ratio", "device_pixel_ratio": pixel_ratio}, [])
    explorer.render()
    wall, cpu = [], []
    for index in range(repeats + 3):
        name, value = changes[index % len(changes)]
        widget = control(explorer, name)
        if widget.value == value:  # make every step a real change
            continue
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        widget.value = value
        explorer.render()
        if index >= 3:  # the first few warm caches
            wall.append(1000 * (time.perf_counter() - start_wall))
            cpu.append(1000 * (time.process_time() - start_cpu))
    return np.array(wall), np.array(cpu)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--scale", type=float, default=1.0, help="the explorers' scale (make demo: 1.6)")
    parser.add_argument("--pixel-ratio", type=float, default=1.0, help="the screen's device pixel ratio")
    parser.add_argument("--numbers", action="store_true", help="with the numbers-as-text tables shown")
    args = parser.parse_args()
    print(f"scale {args.scale:g}, device pixel ratio {args.pixel_ratio:g}, numbers as text "
          f"{'shown' if args.numbers else 'hidden'}")
    print(f"{'explorer':<26} {'wall median':>11} {'wall p95':>9} {'cpu median':>11} {'cpu p95':>8}  target")
    failures = 0
    for build in EXPLORERS:
        explorer, changes = build(scale=args.scale)
        explorer.show_numbers.value = args.numbers
        wall, cpu = measure(explorer, changes, args.repeats, args.pixel_ratio)
        median, p95 = np.median(cpu), np.percentile(cpu, 95)
        ok = median <= TARGET_MEDIAN_MS and p95 <= TARGET_P95_MS
        failures += not ok
        print(f"{type(explorer).__name__:<26} {np.median(wall):9.1f}ms {np.percentile(wall, 95):7.1f}ms "
              f"{median:9.1f}ms {p95:6.1f}ms  {'ok' if ok else 'MISSED'}")
    print(f"target: median <= {TARGET_MEDIAN_MS:.0f} ms, p95 <= {TARGET_P95_MS:.0f} ms (CPU time); "
          f"{len(EXPLORERS) - failures}/{len(EXPLORERS)} explorers meet it")


if __name__ == "__main__":
    main()
