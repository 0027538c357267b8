"""Hidden tests: RoPE scaling on other sizes, bases, factors and options than the public ones."""

from __future__ import annotations

import pytest
import torch

from autograder.harness import StudentError
from autograder.harness.expect import assert_close

REL = 1e-5
REL_AF = 1e-9


def check(result, expected, what):
    inv_freq, attention_factor = result
    exp_inv, exp_af = expected
    assert isinstance(inv_freq, torch.Tensor) and inv_freq.dtype == torch.float32, f"{what}: float32 inv_freq"
    assert_close(inv_freq, exp_inv, rel=REL, abs=0.0, what=f"{what}: inv_freq")
    assert isinstance(attention_factor, float), f"{what}: attention factor type"
    assert_close(attention_factor, exp_af, rel=REL_AF, what=f"{what}: attention factor")


@pytest.mark.points(1)
def test_default_linear_other_sizes(student, oracle):
    """Unscaled and linear frequencies equal transformers' for other head sizes, bases and factors.

    dims 2 / 8 / 48 / 128, bases 10000 / 500000 / 1e6, factors 2.5 / 8.
    """
    for dim, base in ((2, 10000.0), (8, 10000.0), (48, 500000.0), (128, 1e6)):
        check(student.call("rope_default", dim, base), oracle.hf_rope(dim, base), f"default {dim}")
        for factor in (2.5, 8.0):
            check(student.call("rope_linear", dim, base, factor),
                  oracle.hf_rope(dim, base, {"rope_type": "linear", "factor": factor}), f"linear {dim} {factor}")


@pytest.mark.points(2)
def test_dynamic_ntk_other_lengths(student, oracle):
    """Dynamic NTK equals transformers' at, below and far beyond the original context, other factors and sizes.

    dim 32/64, factor 1.5/4, original 128/512, seq_len None, 100, exactly the original, 1000, 4096.
    """
    for dim, factor, original in ((32, 1.5, 128), (64, 4.0, 512)):
        scaling = {"rope_type": "dynamic", "factor": factor, "original_max_position_embeddings": original}
        for seq_len in (None, 100, original, 1000, 4096):
            check(student.call("rope_dynamic_ntk", dim, 10000.0, factor, original, seq_len),
                  oracle.hf_rope(dim, 10000.0, scaling, seq_len=seq_len), f"dynamic {dim} {seq_len}")


@pytest.mark.points(2)
def test_dynamic_ntk_grows_the_base(student, oracle):
    """Beyond the original context every frequency but the first strictly decreases, and more so for longer sequences.

    dim 16, factor 2, original 64; seq_len 128 then 512.
    """
    base_inv, _ = student.call("rope_dynamic_ntk", 16, 10000.0, 2.0, 64, 64)
    a, _ = student.call("rope_dynamic_ntk", 16, 10000.0, 2.0, 64, 128)
    b, _ = student.call("rope_dynamic_ntk", 16, 10000.0, 2.0, 64, 512)
    assert float(a[0]) == float(base_inv[0]) == 1.0, "the first frequency stays 1"
    assert bool((a[1:] < base_inv[1:]).all()) and bool((b[1:] < a[1:]).all()), "frequencies decrease with length"


@pytest.mark.points(2)
def test_llama3_other_parameters(student, oracle):
    """Llama 3 scaling equals transformers' for other factors, band limits, contexts and sizes.

    (dim 128, 500000, factor 8, low 1, high 4, 8192), (32, 10000, 4, 2, 8, 256), (64, 1e6, 16, 0.5, 2, 512).
    """
    for dim, base, factor, low, high, original in ((128, 500000.0, 8.0, 1.0, 4.0, 8192), (32, 10000.0, 4.0, 2.0, 8.0, 256),
                                                 (64, 1e6, 16.0, 0.5, 2.0, 512)):
        scaling = {"rope_type": "llama3", "factor": factor, "low_freq_factor": low, "high_freq_factor": high,
                   "original_max_position_embeddings": original}
        check(student.call("rope_llama3", dim, base, factor, low, high, original),
              oracle.hf_rope(dim, base, scaling), f"llama3 {dim}")


@pytest.mark.points(2)
def test_llama3_bands(student, oracle):
    """Llama 3: short wavelengths keep their frequency exactly, long ones are divided by the factor exactly.

    dim 64, base 500000, factor 8, low 1, high 4, original 64; then dim 8, base 10000, factor 8,
    original 13176795 with the first pair's wavelength exactly on the low edge (low 2**21, high 2**22)
    and exactly on the high edge (low 2**20, high 2**21).
    """
    import math
    inv, _ = student.call("rope_llama3", 64, 500000.0, 8.0, 1.0, 4.0, 64)
    plain, _ = oracle.hf_rope(64, 500000.0)
    wavelen = 2 * math.pi / plain
    short, long_ = wavelen < 64 / 4.0, wavelen > 64 / 1.0
    assert bool(short.any()) and bool(long_.any())
    assert_close(inv[short], plain[short], rel=1e-6, abs=0.0, what="high-frequency band")
    assert_close(inv[long_], plain[long_] / 8.0, rel=1e-6, abs=0.0, what="low-frequency band")
    # Pair 0 (inv_freq 1, wavelength float32(2π) = 13176795 / 2**21) placed exactly on each band
    # edge: both bounds are inclusive and the ramp meets the bands there (σ = 0 gives inv/factor,
    # σ = 1 gives inv), so the frequency is continuous; a band test that also scales the ramp's
    # input would divide by the factor twice at the low edge.
    for low, high in ((2.0 ** 21, 2.0 ** 22), (2.0 ** 20, 2.0 ** 21)):
        scaling = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": low, "high_freq_factor": high,
                   "original_max_position_embeddings": 13176795}
        expected = oracle.hf_rope(8, 10000.0, scaling)
        check(student.call("rope_llama3", 8, 10000.0, 8.0, low, high, 13176795), expected,
              f"llama3 band edge (low {low:g}, high {high:g})")


@pytest.mark.points(3)
def test_yarn_other_parameters(student, oracle):
    """YaRN equals transformers' for other sizes, factors, betas, explicit attention factors and without truncation.

    (dim 32, factor 8, context 2048), betas 16/2, attention_factor 1.5, truncate False, mscale pairs, factor 1.
    """
    cases = [
        (32, 10000.0, 8.0, 2048, {}),
        (64, 500000.0, 16.0, 8192, {"beta_fast": 16.0, "beta_slow": 2.0}),
        (64, 10000.0, 4.0, 4096, {"attention_factor": 1.5}),
        (64, 10000.0, 4.0, 4096, {"truncate": False}),
        (128, 10000.0, 40.0, 4096, {"mscale": 1.0, "mscale_all_dim": 1.0}),
        (32, 10000.0, 32.0, 4096, {"mscale": 2.0, "mscale_all_dim": 0.0}),
        (48, 10000.0, 2.0, 1024, {"mscale": 2.0, "mscale_all_dim": 0.5, "truncate": False}),
        (32, 10000.0, 1.0, 512, {}),
    ]
    for dim, base, factor, original, extra in cases:
        scaling = {"rope_type": "yarn", "factor": factor, "original_max_position_embeddings": original, **extra}
        check(student.call("rope_yarn", dim, base, factor, original, **extra),
              oracle.hf_rope(dim, base, scaling), f"yarn {dim} {factor} {sorted(extra)}")


@pytest.mark.points(2)
def test_yarn_high_frequency_dims_unscaled(student, oracle):
    """YaRN leaves the dimensions below the correction range exactly unscaled and divides those above by the factor.

    dim 64, base 10000, factor 4, context 4096: dims 0..9 bit-equal to the unscaled ones, 23.. scaled.
    """
    inv, _ = student.call("rope_yarn", 64, 10000.0, 4.0, 4096)
    plain, _ = oracle.hf_rope(64, 10000.0)
    assert torch.equal(inv[:10], plain[:10]), "high-frequency dimensions must be unscaled"
    assert_close(inv[23:], plain[23:] / 4.0, rel=1e-6, abs=0.0, what="low-frequency dimensions")
    assert bool((inv[11:23] < plain[11:23]).all()) and bool((inv[11:23] > plain[11:23] / 4.0).all()), "ramp"


@pytest.mark.points(1)
def test_yarn_equal_bounds_and_helpers(student, oracle):
    """YaRN with a collapsed correction range (low == high) and the helper functions agree with transformers.

    betas 8 and 14 on dim 16, context 256 make floor/ceil meet; get_mscale below 1 and with mscale.
    """
    import math
    lo, hi = student.call("yarn_correction_range", 8.0, 14.0, 16, 10000.0, 256)
    assert lo == hi, "this case collapses the range"
    scaling = {"rope_type": "yarn", "factor": 3.0, "original_max_position_embeddings": 256, "beta_fast": 8.0, "beta_slow": 14.0}
    check(student.call("rope_yarn", 16, 10000.0, 3.0, 256, 8.0, 14.0), oracle.hf_rope(16, 10000.0, scaling), "collapsed")
    assert_close(student.call("yarn_get_mscale", 0.5), 1.0, rel=1e-12, what="get_mscale below 1")
    assert_close(student.call("yarn_get_mscale", 10.0, 0.5), 0.05 * math.log(10.0) + 1.0, rel=1e-12, what="get_mscale")
    lo, hi = student.call("yarn_correction_range", 1000.0, 1e-9, 32, 10000.0, 64)
    assert (lo, hi) == (0, 31), "clamped to [0, dim - 1]"


@pytest.mark.points(2)
def test_rope_inv_freq_dispatch_other_cases(student, oracle):
    """rope_inv_freq dispatches every type with optional keys; an unknown type or an odd dim raises ValueError (also from rope_default, as does dim 0).

    "default" explicitly, dynamic without seq_len, yarn with every optional key.
    """
    check(student.call("rope_inv_freq", 24, 500000.0, {"rope_type": "default"}), oracle.hf_rope(24, 500000.0), "default")
    cases = [
        ({"rope_type": "dynamic", "factor": 2.0, "original_max_position_embeddings": 256}, None),
        ({"rope_type": "dynamic", "factor": 3.0, "original_max_position_embeddings": 64}, 500),
        ({"rope_type": "linear", "factor": 6.0}, None),
        ({"rope_type": "llama3", "factor": 4.0, "low_freq_factor": 2.0, "high_freq_factor": 8.0,
          "original_max_position_embeddings": 256}, None),
        ({"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 1024, "beta_fast": 24.0,
          "beta_slow": 1.5, "mscale": 1.0, "mscale_all_dim": 0.5, "truncate": False}, None),
        ({"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 1024, "attention_factor": 0.9}, None),
        ({"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 1024, "truncate": False}, None),
    ]
    for scaling, seq_len in cases:
        check(student.call("rope_inv_freq", 24, 10000.0, scaling, seq_len),
              oracle.hf_rope(24, 10000.0, scaling, seq_len=seq_len), scaling["rope_type"])
    for args in ((24, 10000.0, {"rope_type": "longrope", "factor": 2.0}), (15, 10000.0, None)):
        with pytest.raises(StudentError) as err:
            student.call("rope_inv_freq", *args)
        assert err.value.exc_type == "ValueError", "expected ValueError"
    for dim in (0, 15):
        with pytest.raises(StudentError) as err:
            student.call("rope_default", dim, 10000.0)
        assert err.value.exc_type == "ValueError", f"expected ValueError from rope_default for dim {dim}"
