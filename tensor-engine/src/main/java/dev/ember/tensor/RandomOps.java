package dev.ember.tensor;

import dev.ember.backend.RandomOp;

/**
 * Random tensors drawn from a {@link Generator}: through the backend's Philox primitive, or, for
 * a Mersenne Twister generator, on the host in row-major order (as PyTorch's CPU kernels draw a
 * contiguous tensor) and copied to the device. Either way the same generator state gives the same
 * numbers on every backend.
 */
final class RandomOps {
  private RandomOps() {}

  private static void checkFloat(String op, DType dtype) {
    if (!dtype.isFloatingPoint()) {
      throw new IllegalArgumentException(op + " is only defined for floating point dtypes, got " + dtype);
    }
  }

  /** The number of Philox blocks a fill of {@code n} elements of {@code dtype} consumes. */
  private static long blocks(int n, DType dtype) {
    int perBlock = dtype == DType.FLOAT64 ? 2 : 4;
    return ((long) n + perBlock - 1) / perBlock;
  }

  private static void draw(Tensor t, RandomOp op, double a, double b, Generator gen) {
    if (t.numel() == 0) {
      return;
    }
    int n = t.numel();
    boolean f32 = t.dtype() == DType.FLOAT32;
    Tensor host = gen.withMt(mt -> {
      if (f32) {
        float[] v = new float[n];
        if (op == RandomOp.UNIFORM) {
          for (int i = 0; i < n; i++) {
            v[i] = mt.uniformFloat((float) a, (float) b);
          }
        } else {
          mt.normalFloat(v, (float) a, (float) b);
        }
        return Tensor.of(v, t.shapeRef());
      }
      double[] v = new double[n];
      if (op == RandomOp.UNIFORM) {
        for (int i = 0; i < n; i++) {
          v[i] = mt.uniformDouble(a, b);
        }
      } else {
        mt.normalDouble(v, a, b);
      }
      return Tensor.of(v, t.shapeRef());
    });
    if (host != null) {
      t.backend().copy(t, host.to(t.device()));
      return;
    }
    long[] r = gen.reserve(blocks(n, t.dtype()));
    t.backend().random(op, t, r[0], r[1], a, b);
  }

  static Tensor rand(int[] shape, DType dtype, Device device, Generator gen) {
    checkFloat("rand", dtype);
    Tensor t = Tensor.allocate(dtype, device, shape);
    draw(t, RandomOp.UNIFORM, 0, 1, gen);
    return t;
  }

  static Tensor randn(int[] shape, DType dtype, Device device, Generator gen) {
    checkFloat("randn", dtype);
    Tensor t = Tensor.allocate(dtype, device, shape);
    draw(t, RandomOp.NORMAL, 0, 1, gen);
    return t;
  }

  static Tensor randint(long low, long high, int[] shape, DType dtype, Device device, Generator gen) {
    if (high <= low) {
      throw new IllegalArgumentException(
          "randint: random_ expects 'from' to be less than 'to', but got from=" + low + " >= to=" + high);
    }
    if (dtype == DType.BOOL) {
      throw new IllegalArgumentException("randint: bool is not an integer dtype");
    }
    int n = Shapes.numel(shape);
    long[] fromMt = gen.withMt(mt -> {
      long[] out = new long[n];
      for (int i = 0; i < n; i++) {
        out[i] = mt.intFromTo(high - low, low); // the range as unsigned: it may pass 2^63
      }
      return out;
    });
    if (fromMt != null) {
      return Tensor.of(fromMt, shape).to(dtype).to(device);
    }
    Tensor u = rand(shape, DType.FLOAT64, device, gen);
    double range = (double) high - (double) low;
    // floor(low + u * range), clamped because rounding can reach `high` for huge ranges.
    Tensor v = u.mul(range).add((double) low).floor().clampMax((double) (high - 1));
    return v.to(dtype);
  }

  static Tensor randperm(int n, Generator gen, Device device) {
    if (n < 0) {
      throw new IllegalArgumentException("randperm: n must be non-negative, got " + n);
    }
    long[] fromMt = gen.withMt(mt -> mt.randperm(n));
    if (fromMt != null) {
      return Tensor.of(fromMt, n).to(device);
    }
    long[] perm = new long[n];
    for (int i = 0; i < n; i++) {
      perm[i] = i;
    }
    if (n > 1) {
      double[] u = rand(new int[] {n - 1}, DType.FLOAT64, Device.CPU, gen).toDoubleArray();
      // Fisher-Yates, from the end.
      for (int i = n - 1; i > 0; i--) {
        int j = (int) Math.min(i, (long) Math.floor(u[n - 1 - i] * (i + 1)));
        long t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
      }
    }
    return Tensor.of(perm, n).to(device);
  }

  static Tensor bernoulli(Tensor p, Generator gen) {
    checkFloat("bernoulli", p.dtype());
    if (p.numel() > 0) {
      double lo = p.min().item();
      double hi = p.max().item();
      if (!(lo >= 0 && hi <= 1)) {
        throw new IllegalArgumentException(
            "bernoulli: probabilities must be in [0, 1], found values in [" + lo + ", " + hi + "]");
      }
    }
    Tensor u = rand(p.shapeRef(), p.dtype(), p.device(), gen);
    return u.lt(p.detach()).to(p.dtype());
  }

  static Tensor bernoulli_(Tensor self, double p, Generator gen) {
    checkFloat("bernoulli_", self.dtype());
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException("bernoulli_ expects p to be in [0, 1], but got p=" + p);
    }
    return Elementwise.inplace(self, x -> {
      int n = x.numel();
      double[] fromMt = gen.withMt(mt -> {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
          out[i] = mt.uniformDouble(0, 1) < p ? 1 : 0;
        }
        return out;
      });
      if (fromMt != null) {
        return Tensor.of(fromMt, x.shapeRef()).to(x.dtype()).to(x.device());
      }
      // bernoulli(fullLike(x, p))'s draws and comparison, without its range check of the
      // probabilities (p is checked above), whose min and max are two reads from a GPU.
      Tensor u = rand(x.shapeRef(), x.dtype(), x.device(), gen);
      return u.lt(Tensor.fullLike(x, p)).to(x.dtype());
    });
  }

  static Tensor fill_(Tensor self, RandomOp op, double a, double b, Generator gen) {
    checkFloat(op == RandomOp.UNIFORM ? "uniform_" : "normal_", self.dtype());
    if (op == RandomOp.NORMAL && !(b >= 0)) {
      throw new IllegalArgumentException("normal_: std must be >= 0, got " + b);
    }
    if (op == RandomOp.UNIFORM && !(a <= b)) {
      throw new IllegalArgumentException("uniform_: expects from <= to, got from=" + a + ", to=" + b);
    }
    return Elementwise.inplace(self, x -> {
      Tensor t = Tensor.allocate(x.dtype(), x.device(), x.shapeRef());
      draw(t, op, a, b, gen);
      return t;
    }, x -> draw(x, op, a, b, gen));
  }
}
