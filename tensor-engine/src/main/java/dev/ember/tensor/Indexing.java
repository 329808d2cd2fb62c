package dev.ember.tensor;

import static dev.ember.autograd.Autograd.record;

import dev.ember.autograd.SavedTensor;

/**
 * Indexing operators on the backend's gather, scatter and masked-select primitives: indexSelect,
 * gather, scatter/scatterAdd, maskedFill, maskedSelect, take, oneHot.
 */
final class Indexing {
  private Indexing() {}

  /** An integer index tensor as int64. */
  private static Tensor index64(String op, Tensor index) {
    if (!index.dtype().isIntegral()) {
      throw new IllegalArgumentException(
          op + "(): expected an int64 or int32 index tensor, got " + index.describe());
    }
    return Elementwise.castRaw(index, DType.INT64);
  }

  static Tensor indexSelect(Tensor self, int dim, Tensor index) {
    if (index.dim() > 1) {
      throw new IllegalArgumentException(
          "index_select(): index must be a 0-d or 1-d tensor, got " + index.describe());
    }
    Elementwise.sameDevice("index_select", self, index);
    Tensor idx = index64("index_select", index).reshape(-1);
    int nd = self.dim();
    int d = Shapes.dim(dim, nd, self.shapeRef());
    if (nd == 0) {
      // PyTorch: the result of indexing a 0-d tensor is 0-d, so the index holds one entry.
      if (idx.numel() != 1) {
        throw new IllegalArgumentException(
            "index_select(): index to a 0-d tensor must have exactly 1 entry, got " + index.describe());
      }
      return gather(self.reshape(1), 0, idx).reshape(Shapes.SCALAR);
    }
    int[] shape = self.shapeRef().clone();
    shape[d] = idx.numel();
    int[] st = new int[nd];
    st[d] = idx.stridesRef()[0];
    Tensor expanded = idx.viewAs(shape, st, idx.storageOffset());
    return gather(self, d, expanded);
  }

  static Tensor gather(Tensor self, int dim, Tensor index) {
    Elementwise.sameDevice("gather", self, index);
    Tensor idx = index64("gather", index);
    int nd = self.dim();
    int d = Shapes.dim(dim, nd, self.shapeRef());
    checkIndexShape("gather", self, d, idx, null);
    Tensor out = Tensor.allocate(self.dtype(), self.device(), idx.shapeRef());
    if (out.numel() > 0) {
      if (nd == 0) {
        out.backend().gather(out.reshape(1), self.reshape(1), 0, idx.reshape(1));
      } else {
        out.backend().gather(out, self, d, idx);
      }
    }
    SavedTensor si = SavedTensor.of(idx);
    int[] in = self.shapeRef();
    record("GatherBackward", out, (g, n) -> new Tensor[] {
        Tensor.zeros(g.dtype(), g.device(), in).scatterAdd(d, si.get(), g)}, self);
    return out;
  }

  /**
   * PyTorch's rule for gather/scatter: index has the same number of dims as self, and index.size(k)
   * <= self.size(k) for k != dim (and <= src.size(k) for every k when src is given).
   */
  private static void checkIndexShape(String op, Tensor self, int d, Tensor idx, Tensor src) {
    int nd = self.dim();
    if (idx.dim() != nd && !(nd == 0 && idx.dim() <= 1)) {
      throw new IllegalArgumentException(
          op + "(): index tensor must have the same number of dimensions as the input: index "
              + idx.describe() + ", input " + self.describe());
    }
    for (int k = 0; k < idx.dim(); k++) {
      int is = idx.shapeRef()[k];
      if (k != d && nd > 0 && is > self.shapeRef()[k]) {
        throw new IllegalArgumentException(
            op + "(): size of index " + Shapes.str(idx.shapeRef()) + " exceeds the input "
                + Shapes.str(self.shapeRef()) + " at dimension " + k + " (dim is " + d + ")");
      }
      if (src != null && src.dim() > 0 && is > src.shapeRef()[k]) {
        throw new IllegalArgumentException(
            op + "(): size of index " + Shapes.str(idx.shapeRef()) + " exceeds the source "
                + Shapes.str(src.shapeRef()) + " at dimension " + k);
      }
    }
  }

  /** The part of src that index addresses (PyTorch uses only that region). */
  private static Tensor srcRegion(Tensor src, Tensor idx) {
    if (java.util.Arrays.equals(src.shapeRef(), idx.shapeRef())) {
      return src;
    }
    Tensor r = src;
    for (int k = 0; k < idx.dim(); k++) {
      r = r.narrow(k, 0, idx.shapeRef()[k]);
    }
    return r;
  }

  static Tensor scatter(Tensor self, int dim, Tensor index, Tensor src, boolean accumulate) {
    String op = accumulate ? "scatter_add" : "scatter";
    Elementwise.sameDevice(op, self, index);
    Elementwise.sameDevice(op, self, src);
    if (src.dtype() != self.dtype()) {
      throw new IllegalArgumentException(
          op + "(): expected self and src to have the same dtype, got " + self.dtype() + " and "
              + src.dtype());
    }
    Tensor idx = index64(op, index);
    int d = Shapes.dim(dim, self.dim(), self.shapeRef());
    checkIndexShape(op, self, d, idx, src);
    Tensor region = srcRegion(src, idx);
    Tensor out = Tensor.allocate(self.dtype(), self.device(), self.shapeRef());
    out.backend().copy(out, self);
    if (idx.numel() > 0) {
      out.backend().scatter(out, d, idx, region, accumulate);
    }
    SavedTensor si = SavedTensor.of(idx);
    record(accumulate ? "ScatterAddBackward" : "ScatterBackward", out, (g, n) -> {
      Tensor i = si.get();
      Tensor gSelf = null;
      if (n[0]) {
        gSelf = accumulate ? g : g.scatter(d, i, 0.0);
      }
      return new Tensor[] {gSelf, n[1] ? g.gather(d, i) : null};
    }, self, region);
    return out;
  }

  static Tensor scatterValue(Tensor self, int dim, Tensor index, Number value) {
    Tensor idx = index64("scatter", index);
    Tensor src = Tensor.full(idx.shapeRef(), value.doubleValue(), self.dtype(), self.device());
    return scatter(self, dim, idx, src, false);
  }

  static Tensor scatter_(Tensor self, int dim, Tensor index, Tensor src, boolean accumulate) {
    Tensor s = Elementwise.separate(self, src);
    return Elementwise.inplace(self, x -> scatter(x, dim, index, s, accumulate), null, s);
  }

  private static void checkMask(String op, Tensor mask) {
    if (mask.dtype() != DType.BOOL) {
      throw new IllegalArgumentException(
          op + " only supports boolean masks, but got mask " + mask.describe());
    }
  }

  static Tensor maskedFill(Tensor self, Tensor mask, Number value) {
    checkMask("masked_fill", mask);
    int[] shape = self.shapeRef();
    int[] b = Shapes.broadcast(mask.shapeRef(), shape);
    if (!java.util.Arrays.equals(b, shape)) {
      throw new IllegalArgumentException(
          "masked_fill: mask of shape " + Shapes.str(mask.shapeRef()) + " cannot be broadcast to "
              + "the tensor's shape " + Shapes.str(shape));
    }
    Tensor v = Tensor.full(Shapes.SCALAR, value.doubleValue(), self.dtype(), self.device());
    return Elementwise.where(mask, v, self);
  }

  static Tensor maskedFill_(Tensor self, Tensor mask, Number value) {
    checkMask("masked_fill_", mask);
    return Elementwise.inplace(self, x -> maskedFill(x, mask, value), null, mask);
  }

  static Tensor maskedSelect(Tensor self, Tensor mask) {
    checkMask("masked_select", mask);
    Elementwise.sameDevice("masked_select", self, mask);
    int[] shape = Shapes.broadcast(self.shapeRef(), mask.shapeRef());
    Tensor m = Movement.expandRaw(mask, shape);
    int count = (int) m.sum().itemLong();
    Tensor out = Tensor.allocate(self.dtype(), self.device(), new int[] {count});
    if (count > 0) {
      out.backend().maskedSelect(out, Movement.expandRaw(self, shape), m);
    }
    SavedTensor sm = SavedTensor.of(mask);
    int[] in = self.shapeRef();
    int total = Shapes.numel(shape);
    record("MaskedSelectBackward", out, (g, n) -> {
      Tensor positions = Tensor.arange(total).to(g.device())
          .maskedSelect(Movement.expandRaw(sm.get(), shape).reshape(-1));
      Tensor flat = Tensor.zeros(g.dtype(), g.device(), total).scatterAdd(0, positions, g);
      return new Tensor[] {Elementwise.sumTo(flat.reshape(shape), in)};
    }, self);
    return out;
  }

  static Tensor take(Tensor self, Tensor index) {
    Tensor idx = index64("take", index);
    int n = self.numel();
    if (idx.numel() > 0) {
      // Checked here so that the message names the index as given, before negatives wrap.
      long min = idx.min().itemLong();
      long max = idx.max().itemLong();
      if (min < -n || max >= n) {
        throw new IndexOutOfBoundsException(
            "take(): index " + (min < -n ? min : max) + " is out of range for a tensor of " + n
                + " elements (shape " + Shapes.str(self.shapeRef()) + ")");
      }
    }
    Tensor wrapped = Tensor.where(idx.lt(0), idx.add(n), idx);
    return indexSelect(self.reshape(-1), 0, wrapped.reshape(-1)).reshape(index.shapeRef());
  }

  static Tensor oneHot(Tensor self, int numClasses) {
    if (self.dtype() != DType.INT64) {
      throw new IllegalArgumentException(
          "one_hot is only applicable to int64 index tensors, got " + self.describe());
    }
    int classes = numClasses;
    if (self.numel() > 0) {
      long min = self.min().itemLong();
      long max = self.max().itemLong();
      if (min < 0) {
        throw new IllegalArgumentException("one_hot: class values must be non-negative, found " + min);
      }
      if (classes == -1) {
        classes = (int) max + 1;
      } else if (max >= classes) {
        throw new IllegalArgumentException(
            "one_hot: class values must be smaller than numClasses (" + classes + "), found " + max);
      }
    } else if (classes == -1) {
      throw new IllegalArgumentException("one_hot: cannot infer the number of classes of an empty tensor");
    }
    if (classes < 0) {
      throw new IllegalArgumentException("one_hot: numClasses must be -1 or >= 0, got " + numClasses);
    }
    int[] shape = java.util.Arrays.copyOf(self.shapeRef(), self.dim() + 1);
    shape[self.dim()] = classes;
    Tensor out = Tensor.zeros(DType.INT64, self.device(), shape);
    if (self.numel() > 0) {
      Tensor ones = Tensor.ones(DType.INT64, self.device(), self.unsqueeze(-1).shapeRef());
      out.backend().scatter(out, self.dim(), self.unsqueeze(-1), ones, false);
    }
    return out;
  }
}
