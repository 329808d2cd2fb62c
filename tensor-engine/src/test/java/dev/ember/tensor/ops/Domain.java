package dev.ember.tensor.ops;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradMode;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;

/**
 * Where an op's input is drawn from for gradcheck: maps standard normal float64 values {@code raw}
 * (more draws from {@code gen} allowed) into a region where the op is smooth, so that central
 * differences with step 1e-6 measure the derivative (away from poles, kinks, ties and jumps).
 */
@FunctionalInterface
interface Domain {
  Tensor map(Tensor raw, Generator gen);

  /** Anything: the op is smooth everywhere. */
  Domain ANY = (x, g) -> x;

  /** At least 0.5: log, sqrt, rsqrt, a base of a real power. */
  Domain POSITIVE = (x, g) -> x.abs().add(0.5);

  /** At least 0.5 away from 0: denominators, and the kink of abs/relu/sign at 0. */
  Domain NONZERO = (x, g) -> x.sign().mul(x.abs().add(0.5));

  /** Pairwise at least 0.5 apart: no ties for max/min/argmax. */
  Domain DISTINCT = (x, g) -> spread(x, g, 0.7, 0);

  /**
   * Near even integers, paired with {@link #ODD} for the two inputs of maximum/minimum, so no two
   * elements of the two inputs are within 0.6 of each other (no ties, even after broadcasting).
   */
  Domain EVEN = (x, g) -> spread(x, g, 2, 0);

  /** Near odd integers; see {@link #EVEN}. */
  Domain ODD = (x, g) -> spread(x, g, 2, 1);

  /** Distinct absolute values at least 0.5 from 0, random signs: the inf-norm's maximum is unique. */
  Domain DISTINCT_ABS = (x, g) -> spread(x, g, 1, x.numel() / 2.0 + 0.5).mul(x.sign());

  /** Fractional parts in [0.25, 0.45]: away from the jumps of floor, ceil and round. */
  Domain FRACTIONAL = (x, g) -> x.mul(2).floor().add(0.25).add(uniform(x, g).mul(0.2));

  /** Values at least 0.1 away from each of {@code kinks} (e.g. clamp's bounds). */
  static Domain awayFrom(double... kinks) {
    return (x, g) -> {
      Tensor y = x;
      for (double k : kinks) {
        Tensor d = y.sub(k);
        Tensor pushed = Tensor.where(d.ge(0), k + 0.1, Tensor.full(y.shape(), k - 0.1, DType.FLOAT64,
            Device.CPU));
        y = Tensor.where(d.abs().lt(0.1), pushed, y);
      }
      return y;
    };
  }

  /** {@code step * (a random permutation of 0..n-1 - n/2) + shift}, plus up to 0.2 of noise. */
  private static Tensor spread(Tensor x, Generator g, double step, double shift) {
    int n = x.numel();
    try (GradMode m = Autograd.noGrad()) {
      Tensor p = Tensor.randperm(n, g).to(DType.FLOAT64).sub(n / 2.0).mul(step).add(shift);
      return p.add(uniform(x, g).reshape(n).mul(0.2)).reshape(x.shape());
    }
  }

  private static Tensor uniform(Tensor x, Generator g) {
    return Tensor.rand(g, DType.FLOAT64, Device.CPU, x.shape());
  }
}
