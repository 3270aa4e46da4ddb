"""pad2d against np.pad for every mode, on both of its ways: gathered rows and columns (small inputs) and np.pad."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnlab import padding
from cnnlab.padding import pad2d

NUMPY_MODES = {"zeros": "constant", "reflect": "reflect", "symmetric": "symmetric",
               "replicate": "edge", "circular": "wrap"}
LIMITS = {"zeros": 10, "reflect": -1, "symmetric": 0, "replicate": 10, "circular": 0}  # pad <= size + limit


@pytest.mark.parametrize("small_pad", [0, 10**9], ids=["np.pad", "gather"])
@pytest.mark.parametrize("mode", list(NUMPY_MODES))
@given(lead=st.sampled_from([(), (2,), (2, 3)]), size=st.tuples(st.integers(1, 6), st.integers(1, 6)),
       pads=st.tuples(*[st.integers(0, 4)] * 4), dtype=st.sampled_from([np.float32, np.float64, np.uint8]))
def test_pad2d_matches_np_pad(small_pad, mode, lead, size, pads, dtype):
    pads = tuple(min(p, s + LIMITS[mode]) for p, s in zip(pads, np.repeat(size, 2)))
    x = (np.arange(np.prod(lead + size)) % 7).reshape(lead + size).astype(dtype)
    widths = [(0, 0)] * len(lead) + [pads[:2], pads[2:]]
    expected = np.pad(x.astype(np.float64 if dtype == np.uint8 else dtype), widths, mode=NUMPY_MODES[mode])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(padding, "SMALL_PAD", small_pad)
        got = pad2d(x, (pads[:2], pads[2:]), mode)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)
