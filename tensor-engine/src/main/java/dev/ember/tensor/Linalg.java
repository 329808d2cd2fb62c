package dev.ember.tensor;

import static dev.ember.autograd.Autograd.record;

import dev.ember.autograd.SavedTensor;

/**
 * Matrix products on the backend's batched GEMM primitive: {@code mm}, {@code bmm}, {@code
 * addmm}, and {@code matmul}/{@code dot}/{@code outer} composed from them. The backward of a
 * product is two products: {@code dA = dC B^T}, {@code dB = A^T dC}.
 */
final class Linalg {
  private Linalg() {}

  private static void checkPair(String op, Tensor a, Tensor b) {
    Elementwise.sameDevice(op, a, b);
    if (a.dtype() != b.dtype()) {
      throw new IllegalArgumentException(
          op + ": expected both operands to have the same dtype, but got " + a.dtype() + " and "
              + b.dtype());
    }
    if (a.dtype() == DType.BOOL) {
      throw new IllegalArgumentException(op + " is not defined for bool tensors");
    }
  }

  /** {@code a @ b} for (B, n, k) x (B, k, m) (batch strides may be 0), raw. */
  private static Tensor bmmRaw(Tensor a, Tensor b) {
    int[] as = a.shapeRef();
    int[] bs = b.shapeRef();
    Tensor out = Tensor.allocate(a.dtype(), a.device(), new int[] {as[0], as[1], bs[2]});
    if (out.numel() > 0) {
      out.backend().matmul(out, a, b, 1, 0);
    }
    return out;
  }

  static Tensor mm(Tensor a, Tensor b) {
    checkPair("mm", a, b);
    if (a.dim() != 2 || b.dim() != 2) {
      throw new IllegalArgumentException(
          "mm: expected two matrices, got " + a.describe() + " and " + b.describe());
    }
    if (a.shapeRef()[1] != b.shapeRef()[0]) {
      throw new IllegalArgumentException(
          "mm: shapes " + Shapes.str(a.shapeRef()) + " and " + Shapes.str(b.shapeRef())
              + " cannot be multiplied (" + a.shapeRef()[1] + " != " + b.shapeRef()[0] + ")");
    }
    int[] as = a.shapeRef();
    int[] bs = b.shapeRef();
    Tensor out3 = bmmRaw(Movement.expandRaw(a, new int[] {1, as[0], as[1]}),
        Movement.expandRaw(b, new int[] {1, bs[0], bs[1]}));
    Tensor out = Tensor.wrap(out3.storage(), new int[] {as[0], bs[1]});
    recordProduct("MmBackward", out, a, b);
    return out;
  }

  static Tensor bmm(Tensor a, Tensor b) {
    checkPair("bmm", a, b);
    if (a.dim() != 3 || b.dim() != 3) {
      throw new IllegalArgumentException(
          "bmm: expected two 3-D tensors, got " + a.describe() + " and " + b.describe());
    }
    int[] as = a.shapeRef();
    int[] bs = b.shapeRef();
    if (as[0] != bs[0] || as[2] != bs[1]) {
      throw new IllegalArgumentException(
          "bmm: shapes " + Shapes.str(as) + " and " + Shapes.str(bs) + " cannot be multiplied");
    }
    Tensor out = bmmRaw(a, b);
    recordProduct("BmmBackward", out, a, b);
    return out;
  }

  private static void recordProduct(String name, Tensor out, Tensor a, Tensor b) {
    SavedTensor sa = SavedTensor.of(a);
    SavedTensor sb = SavedTensor.of(b);
    record(name, out, (g, n) -> new Tensor[] {
        n[0] ? g.matmul(sb.get().mT()) : null, n[1] ? sa.get().mT().matmul(g) : null}, a, b);
  }

  static Tensor addmm(Tensor input, Tensor m1, Tensor m2, double beta, double alpha) {
    checkPair("addmm", m1, m2);
    if (m1.dim() != 2 || m2.dim() != 2 || m1.shapeRef()[1] != m2.shapeRef()[0]) {
      throw new IllegalArgumentException(
          "addmm: shapes " + Shapes.str(m1.shapeRef()) + " and " + Shapes.str(m2.shapeRef())
              + " cannot be multiplied");
    }
    Elementwise.sameDevice("addmm", input, m1);
    int[] shape = {m1.shapeRef()[0], m2.shapeRef()[1]};
    int[] b = Shapes.broadcast(input.shapeRef(), shape);
    if (!java.util.Arrays.equals(b, shape)) {
      throw new IllegalArgumentException(
          "addmm: input of shape " + Shapes.str(input.shapeRef()) + " cannot be broadcast to the"
              + " product's shape " + Shapes.str(shape));
    }
    Tensor out = Tensor.allocate(m1.dtype(), m1.device(), shape);
    if (out.numel() > 0) {
      int[] s1 = m1.shapeRef();
      int[] s2 = m2.shapeRef();
      int[] s3 = {1, shape[0], shape[1]};
      Tensor out3 = Movement.expandRaw(out, s3);
      Tensor a3 = Movement.expandRaw(m1, new int[] {1, s1[0], s1[1]});
      Tensor b3 = Movement.expandRaw(m2, new int[] {1, s2[0], s2[1]});
      if (beta != 0) {
        // The broadcast input is read by the GEMM itself (a GPU adds it as the tile is stored).
        out.backend().matmulAdd(out3, a3, b3,
            Movement.expandRaw(Movement.expandRaw(input, shape), s3), alpha, beta);
      } else {
        out.backend().matmul(out3, a3, b3, alpha, 0);
      }
    }
    SavedTensor s1 = SavedTensor.of(m1);
    SavedTensor s2 = SavedTensor.of(m2);
    int[] in = input.shapeRef();
    record("AddmmBackward", out, (g, n) -> new Tensor[] {
        n[0] ? Elementwise.sumTo(beta == 1 ? g : g.mul(beta), in) : null,
        n[1] ? scaled(g.matmul(s2.get().t()), alpha) : null,
        n[2] ? scaled(s1.get().t().matmul(g), alpha) : null}, input, m1, m2);
    return out;
  }

  private static Tensor scaled(Tensor t, double alpha) {
    return alpha == 1 ? t : t.mul(alpha);
  }

  static Tensor dot(Tensor a, Tensor b) {
    checkPair("dot", a, b);
    if (a.dim() != 1 || b.dim() != 1 || a.numel() != b.numel()) {
      throw new IllegalArgumentException(
          "dot: expected two 1-D tensors of the same size, got " + a.describe() + " and " + b.describe());
    }
    return mm(a.unsqueeze(0), b.unsqueeze(1)).reshape();
  }

  static Tensor outer(Tensor a, Tensor b) {
    if (a.dim() != 1 || b.dim() != 1) {
      throw new IllegalArgumentException(
          "outer: expected two 1-D tensors, got " + a.describe() + " and " + b.describe());
    }
    return a.unsqueeze(1).mul(b.unsqueeze(0));
  }

  /** {@code torch.matmul}: the product's kind follows the operands' numbers of dims. */
  static Tensor matmul(Tensor a, Tensor b) {
    checkPair("matmul", a, b);
    int da = a.dim();
    int db = b.dim();
    if (da == 0 || db == 0) {
      throw new IllegalArgumentException(
          "matmul: both arguments need at least 1 dimension, got " + a.describe() + " and " + b.describe());
    }
    if (da == 1 && db == 1) {
      return dot(a, b);
    }
    if (da == 2 && db == 2) {
      return mm(a, b);
    }
    if (da == 1 && db == 2) {
      return mm(a.unsqueeze(0), b).squeeze(0);
    }
    if (da == 2 && db == 1) {
      return mm(a, b.unsqueeze(1)).squeeze(1);
    }
    int k = a.shapeRef()[da - 1];
    if (db >= 2 ? b.shapeRef()[db - 2] != k : b.shapeRef()[0] != k) {
      throw new IllegalArgumentException(
          "matmul: shapes " + Shapes.str(a.shapeRef()) + " and " + Shapes.str(b.shapeRef())
              + " cannot be multiplied (" + k + " != " + (db >= 2 ? b.shapeRef()[db - 2] : b.shapeRef()[0]) + ")");
    }
    if (db <= 2) {
      // (..., n, k) @ (k, m): fold the batch into the rows, one GEMM (as PyTorch does).
      Tensor bm = db == 1 ? b.unsqueeze(1) : b;
      int[] lead = java.util.Arrays.copyOf(a.shapeRef(), da - 1);
      Tensor r = mm(a.reshape(-1, k), bm);
      int[] shape = java.util.Arrays.copyOf(lead, da);
      shape[da - 1] = bm.shapeRef()[1];
      Tensor out = r.reshape(shape);
      return db == 1 ? out.squeeze(-1) : out;
    }
    // Batched with broadcasting of the batch dims.
    Tensor a2 = da == 1 ? a.unsqueeze(0) : a;
    Tensor b2 = db == 1 ? b.unsqueeze(1) : b;
    int[] as = a2.shapeRef();
    int[] bs = b2.shapeRef();
    int n = as[as.length - 2];
    int m = bs[bs.length - 1];
    int[] batch = Shapes.broadcast(java.util.Arrays.copyOf(as, as.length - 2),
        java.util.Arrays.copyOf(bs, bs.length - 2));
    int bsz = Shapes.numel(batch);
    int[] ea = concat(batch, n, k);
    int[] eb = concat(batch, k, m);
    Tensor a3 = a2.expand(ea).reshape(bsz, n, k);
    Tensor b3 = b2.expand(eb).reshape(bsz, k, m);
    Tensor out = bmm(a3, b3).reshape(concat(batch, n, m));
    if (da == 1) {
      out = out.squeeze(-2);
    }
    if (db == 1) {
      out = out.squeeze(-1);
    }
    return out;
  }

  private static int[] concat(int[] batch, int x, int y) {
    int[] s = java.util.Arrays.copyOf(batch, batch.length + 2);
    s[batch.length] = x;
    s[batch.length + 1] = y;
    return s;
  }
}
