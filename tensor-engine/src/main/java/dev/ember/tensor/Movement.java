package dev.ember.tensor;

import static dev.ember.autograd.Autograd.record;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.Node;
import dev.ember.backend.Backends;
import dev.ember.backend.Storage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Movement operators: views that share storage (view, transpose, permute, squeeze, expand,
 * narrow, slice, select, ...), and the copies that move elements (clone, flip, cat, stack,
 * device transfer). A view's backward places the gradient back where the view looked.
 */
final class Movement {
  private Movement() {}

  // ---------------------------------------------------------------------------------------------
  // Raw geometry helpers (no autograd)

  /** {@code t} broadcast to {@code shape} as a stride-0 view, without recording. */
  static Tensor expandRaw(Tensor t, int[] shape) {
    int[] ts = t.shapeRef();
    if (Arrays.equals(ts, shape)) {
      return t;
    }
    return t.viewAs(shape.clone(), expandedStrides(t, shape), t.storageOffset());
  }

  private static int[] expandedStrides(Tensor t, int[] shape) {
    int[] ts = t.shapeRef();
    int[] tst = t.stridesRef();
    if (shape.length < ts.length) {
      throw new IllegalArgumentException(
          "expand: the number of sizes provided (" + shape.length + ") must be greater or equal to"
              + " the number of dimensions in the tensor (" + ts.length + ")");
    }
    int lead = shape.length - ts.length;
    int[] st = new int[shape.length];
    for (int i = 0; i < shape.length; i++) {
      int d = i - lead;
      if (d < 0) {
        if (shape[i] < 0) {
          throw new IllegalArgumentException(
              "expand: -1 is not allowed in a leading, non-existing dimension (sizes "
                  + Shapes.str(shape) + ")");
        }
        st[i] = 0;
      } else if (ts[d] == shape[i]) {
        st[i] = tst[d];
      } else if (ts[d] == 1) {
        st[i] = 0;
      } else {
        throw new IllegalArgumentException(
            "the expanded size of the tensor (" + shape[i] + ") must match the existing size ("
                + ts[d] + ") at non-singleton dimension " + i + ". Target sizes: " + Shapes.str(shape)
                + ". Tensor sizes: " + Shapes.str(ts));
      }
    }
    return st;
  }

  /**
   * Strides that view (shape, strides) as {@code newShape} without copying, or null if the layout
   * does not allow it (ATen's computeStride).
   */
  static int[] viewStrides(int[] shape, int[] strides, int[] newShape) {
    int[] ns = new int[newShape.length];
    if (Shapes.numel(shape) == 0 || shape.length == 0) {
      return Shapes.contiguousStrides(newShape);
    }
    int viewD = newShape.length - 1;
    long chunkBase = strides[strides.length - 1];
    long tensorNumel = 1;
    long viewNumel = 1;
    for (int td = shape.length - 1; td >= 0; td--) {
      tensorNumel *= shape[td];
      if (td == 0 || (shape[td - 1] != 1 && strides[td - 1] != tensorNumel * chunkBase)) {
        while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1)) {
          ns[viewD] = (int) (viewNumel * chunkBase);
          viewNumel *= newShape[viewD];
          viewD--;
        }
        if (viewNumel != tensorNumel) {
          return null;
        }
        if (td > 0) {
          chunkBase = strides[td - 1];
          tensorNumel = 1;
          viewNumel = 1;
        }
      }
    }
    return viewD == -1 ? ns : null;
  }

  /** A view recorded for autograd with the given backward. */
  private static Tensor viewOp(String name, Tensor self, int[] shape, int[] strides, int offset,
      UnaryOperator<Tensor> backward) {
    Tensor out = self.viewAs(shape, strides, offset);
    record(name, out, (g, n) -> new Tensor[] {backward.apply(g)}, self);
    return out;
  }

  /**
   * The backward of views that pick a region: zeros of the input's shape with the gradient
   * written into the same region (differentiable: the write goes through the in-place rules).
   */
  private static Tensor scatterBack(Tensor g, int[] inShape, UnaryOperator<Tensor> region) {
    if (g.numel() == Shapes.numel(inShape)) {
      // The region is the whole input (a select along a dim of size 1, a full slice): the
      // gradient is g itself, reshaped, without a zero fill and a copy.
      return g.reshape(inShape);
    }
    Tensor z = Tensor.zeros(g.dtype(), g.device(), inShape);
    region.apply(z).copy_(g);
    return z;
  }

  // ---------------------------------------------------------------------------------------------
  // Views

  static Tensor view(Tensor self, int[] newShape) {
    int[] shape = Shapes.inferView(newShape, self.numel(), self.shapeRef());
    int[] st = viewStrides(self.shapeRef(), self.stridesRef(), shape);
    if (st == null) {
      throw new IllegalArgumentException(
          "view size " + Shapes.str(shape) + " is not compatible with the input's size and stride "
              + "(shape " + Shapes.str(self.shapeRef()) + ", strides " + Shapes.str(self.stridesRef())
              + "): at least one dimension spans across two contiguous subspaces; use reshape()");
    }
    int[] in = self.shapeRef();
    return viewOp("ViewBackward", self, shape, st, self.storageOffset(), g -> g.reshape(in));
  }

  static Tensor reshape(Tensor self, int[] newShape) {
    int[] shape = Shapes.inferView(newShape, self.numel(), self.shapeRef());
    if (viewStrides(self.shapeRef(), self.stridesRef(), shape) != null) {
      return view(self, shape);
    }
    return view(clone(self), shape);
  }

  static Tensor transpose(Tensor self, int dim0, int dim1) {
    int nd = self.dim();
    int a = Shapes.dim(dim0, nd, self.shapeRef());
    int b = Shapes.dim(dim1, nd, self.shapeRef());
    if (nd == 0 || a == b) {
      return viewOp("TransposeBackward", self, self.shapeRef().clone(), self.stridesRef().clone(),
          self.storageOffset(), g -> g);
    }
    int[] shape = self.shapeRef().clone();
    int[] st = self.stridesRef().clone();
    swap(shape, a, b);
    swap(st, a, b);
    return viewOp("TransposeBackward", self, shape, st, self.storageOffset(), g -> g.transpose(a, b));
  }

  private static void swap(int[] x, int i, int j) {
    int t = x[i];
    x[i] = x[j];
    x[j] = t;
  }

  static Tensor permute(Tensor self, int[] dims) {
    int nd = self.dim();
    if (dims.length != nd) {
      throw new IllegalArgumentException(
          "permute: number of dims don't match: tensor has " + nd + " dims (shape "
              + Shapes.str(self.shapeRef()) + "), permutation " + Arrays.toString(dims) + " has "
              + dims.length);
    }
    int[] shape = new int[nd];
    int[] st = new int[nd];
    int[] inverse = new int[nd];
    boolean[] seen = new boolean[nd];
    for (int i = 0; i < nd; i++) {
      int d = Shapes.dim(dims[i], nd, self.shapeRef());
      if (seen[d]) {
        throw new IllegalArgumentException("permute: repeated dim " + dims[i] + " in " + Arrays.toString(dims));
      }
      seen[d] = true;
      shape[i] = self.shapeRef()[d];
      st[i] = self.stridesRef()[d];
      inverse[d] = i;
    }
    return viewOp("PermuteBackward", self, shape, st, self.storageOffset(), g -> g.permute(inverse));
  }

  static Tensor squeeze(Tensor self, int[] dims) {
    int nd = self.dim();
    int[] in = self.shapeRef();
    boolean[] drop = new boolean[nd];
    if (dims == null) {
      for (int i = 0; i < nd; i++) {
        drop[i] = in[i] == 1;
      }
    } else {
      for (int d : dims) {
        int k = Shapes.dim(d, nd, in);
        if (nd > 0) {
          drop[k] = in[k] == 1;
        }
      }
    }
    List<Integer> keep = new ArrayList<>();
    for (int i = 0; i < nd; i++) {
      if (!drop[i]) {
        keep.add(i);
      }
    }
    int[] shape = new int[keep.size()];
    int[] st = new int[keep.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = in[keep.get(i)];
      st[i] = self.stridesRef()[keep.get(i)];
    }
    return viewOp("SqueezeBackward", self, shape, st, self.storageOffset(), g -> g.reshape(in));
  }

  static Tensor unsqueeze(Tensor self, int dim) {
    int nd = self.dim();
    int d = Shapes.dim(dim, nd + 1, self.shapeRef());
    int[] in = self.shapeRef();
    int[] shape = new int[nd + 1];
    int[] st = new int[nd + 1];
    for (int i = 0, j = 0; i <= nd; i++) {
      if (i == d) {
        shape[i] = 1;
        st[i] = j < nd ? self.stridesRef()[j] * in[j] : 1;
      } else {
        shape[i] = in[j];
        st[i] = self.stridesRef()[j];
        j++;
      }
    }
    return viewOp("UnsqueezeBackward", self, shape, st, self.storageOffset(), g -> g.reshape(in));
  }

  static Tensor expand(Tensor self, int[] sizes) {
    int[] in = self.shapeRef();
    int lead = sizes.length - in.length;
    int[] shape = sizes.clone();
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] == -1 && i >= lead) {
        shape[i] = in[i - lead];
      }
    }
    int[] st = expandedStrides(self, shape);
    return viewOp("ExpandBackward", self, shape, st, self.storageOffset(),
        g -> Elementwise.sumTo(g, in));
  }

  static Tensor narrow(Tensor self, int dim, int start, int length) {
    int nd = self.dim();
    if (nd == 0) {
      throw new IllegalArgumentException("narrow() cannot be applied to a 0-dim tensor");
    }
    int d = Shapes.dim(dim, nd, self.shapeRef());
    int size = self.shapeRef()[d];
    int s = start < 0 ? start + size : start;
    if (s < 0 || s > size || length < 0 || s + length > size) {
      throw new IndexOutOfBoundsException(
          "narrow: start " + start + " and length " + length + " are out of range for dimension "
              + d + " of size " + size + " (shape " + Shapes.str(self.shapeRef()) + ")");
    }
    return slice(self, d, s, s + length, 1);
  }

  static Tensor slice(Tensor self, int dim, int start, int end, int step) {
    int nd = self.dim();
    if (nd == 0) {
      throw new IllegalArgumentException("slice() cannot be applied to a 0-dim tensor");
    }
    if (step <= 0) {
      throw new IllegalArgumentException("slice step must be positive, got " + step);
    }
    int d = Shapes.dim(dim, nd, self.shapeRef());
    int size = self.shapeRef()[d];
    int s = clampIndex(start, size);
    int e = Math.max(s, clampIndex(end, size));
    int len = (e - s + step - 1) / step;
    int[] shape = self.shapeRef().clone();
    int[] st = self.stridesRef().clone();
    shape[d] = len;
    int offset = self.storageOffset() + (len == 0 ? 0 : s * st[d]);
    st[d] *= step;
    int[] in = self.shapeRef();
    int fs = s;
    int fe = e;
    return viewOp("SliceBackward", self, shape, st, offset,
        g -> scatterBack(g, in, z -> z.slice(d, fs, fe, step)));
  }

  private static int clampIndex(int i, int size) {
    if (i < 0) {
      i += size;
    }
    return Math.max(0, Math.min(i, size));
  }

  static Tensor select(Tensor self, int dim, int index) {
    int nd = self.dim();
    if (nd == 0) {
      throw new IllegalArgumentException("select() cannot be applied to a 0-dim tensor");
    }
    int d = Shapes.dim(dim, nd, self.shapeRef());
    int size = self.shapeRef()[d];
    if (index < -size || index >= size) {
      throw new IndexOutOfBoundsException(
          "select(): index " + index + " out of range for dimension " + d + " with size " + size
              + " (shape " + Shapes.str(self.shapeRef()) + ")");
    }
    int i = index < 0 ? index + size : index;
    int[] shape = new int[nd - 1];
    int[] st = new int[nd - 1];
    for (int k = 0, j = 0; k < nd; k++) {
      if (k != d) {
        shape[j] = self.shapeRef()[k];
        st[j] = self.stridesRef()[k];
        j++;
      }
    }
    int[] in = self.shapeRef();
    return viewOp("SelectBackward", self, shape, st, self.storageOffset() + i * self.stridesRef()[d],
        g -> scatterBack(g, in, z -> z.select(d, i)));
  }

  static Tensor flatten(Tensor self, int startDim, int endDim) {
    int nd = self.dim();
    if (nd == 0) {
      return self.reshape(1);
    }
    int s = Shapes.dim(startDim, nd, self.shapeRef());
    int e = Shapes.dim(endDim, nd, self.shapeRef());
    if (s > e) {
      throw new IllegalArgumentException(
          "flatten() has invalid args: start_dim " + startDim + " cannot come after end_dim " + endDim);
    }
    int[] in = self.shapeRef();
    int[] shape = new int[nd - (e - s)];
    int k = 0;
    for (int i = 0; i < s; i++) {
      shape[k++] = in[i];
    }
    int merged = 1;
    for (int i = s; i <= e; i++) {
      merged *= in[i];
    }
    shape[k++] = merged;
    for (int i = e + 1; i < nd; i++) {
      shape[k++] = in[i];
    }
    return reshape(self, shape);
  }

  static Tensor unflatten(Tensor self, int dim, int[] sizes) {
    int nd = self.dim();
    int d = Shapes.dim(dim, nd, self.shapeRef());
    int[] in = self.shapeRef();
    int[] part = Shapes.inferView(sizes, in[d], new int[] {in[d]});
    int[] shape = new int[nd - 1 + part.length];
    System.arraycopy(in, 0, shape, 0, d);
    System.arraycopy(part, 0, shape, d, part.length);
    System.arraycopy(in, d + 1, shape, d + part.length, nd - d - 1);
    return view(self, shape);
  }

  static List<Tensor> chunk(Tensor self, int chunks, int dim) {
    if (chunks <= 0) {
      throw new IllegalArgumentException("chunk expects chunks to be greater than 0, got " + chunks);
    }
    int d = Shapes.dim(dim, self.dim(), self.shapeRef());
    int size = self.shapeRef()[d];
    int splitSize = Math.max(1, (size + chunks - 1) / chunks);
    return split(self, splitSize, d);
  }

  static List<Tensor> split(Tensor self, int splitSize, int dim) {
    if (splitSize <= 0) {
      throw new IllegalArgumentException("split expects split_size to be positive, got " + splitSize);
    }
    int d = Shapes.dim(dim, self.dim(), self.shapeRef());
    int size = self.shapeRef()[d];
    List<Tensor> out = new ArrayList<>();
    if (size == 0) {
      out.add(narrow(self, d, 0, 0));
      return out;
    }
    for (int s = 0; s < size; s += splitSize) {
      out.add(narrow(self, d, s, Math.min(splitSize, size - s)));
    }
    return out;
  }

  static List<Tensor> split(Tensor self, int[] sizes, int dim) {
    int d = Shapes.dim(dim, self.dim(), self.shapeRef());
    int size = self.shapeRef()[d];
    long total = 0;
    for (int s : sizes) {
      if (s < 0) {
        throw new IllegalArgumentException("split sizes must be non-negative, got " + Arrays.toString(sizes));
      }
      total += s;
    }
    if (total != size) {
      throw new IllegalArgumentException(
          "split sizes " + Arrays.toString(sizes) + " sum to " + total + " but dimension " + d
              + " has size " + size);
    }
    List<Tensor> out = new ArrayList<>();
    int start = 0;
    for (int s : sizes) {
      out.add(narrow(self, d, start, s));
      start += s;
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Copies

  static Tensor clone(Tensor self) {
    Tensor out = Tensor.allocate(self.dtype(), self.device(), self.shapeRef());
    out.backend().copy(out, self);
    record("CloneBackward", out, (g, n) -> new Tensor[] {g}, self);
    return out;
  }

  static Tensor flip(Tensor self, int[] dims) {
    int nd = self.dim();
    int[] ds = Shapes.dims(dims, nd, self.shapeRef());
    if (dims.length == 0) {
      ds = new int[0];
    }
    int[] st = self.stridesRef().clone();
    int[] shape = self.shapeRef();
    int offset = self.storageOffset();
    for (int d : ds) {
      if (shape[d] > 0) {
        offset += (shape[d] - 1) * st[d];
      }
      st[d] = -st[d];
    }
    Tensor flipped = self.viewAs(shape.clone(), st, offset);
    Tensor out = Tensor.allocate(self.dtype(), self.device(), shape);
    out.backend().copy(out, flipped);
    int[] fd = ds;
    record("FlipBackward", out, (g, n) -> new Tensor[] {g.flip(fd)}, self);
    return out;
  }

  static Tensor toDevice(Tensor self, Device device) {
    if (self.device().equals(device)) {
      return self;
    }
    Object host = self.backend().download(self);
    Storage s = Backends.get(device).upload(host, self.dtype());
    Tensor out = Tensor.wrap(s, self.shapeRef());
    Device from = self.device();
    record("ToCopyBackward", out, (g, n) -> new Tensor[] {g.to(from)}, self);
    return out;
  }

  static Tensor cat(List<Tensor> tensors, int dim) {
    if (tensors.isEmpty()) {
      throw new IllegalArgumentException("cat expects a non-empty list of tensors");
    }
    Tensor first = tensors.get(0);
    int nd = first.dim();
    if (nd == 0) {
      throw new IllegalArgumentException("zero-dimensional tensor (at position 0) cannot be concatenated");
    }
    int d = Shapes.dim(dim, nd, first.shapeRef());
    DType dtype = first.dtype();
    int total = 0;
    for (int i = 0; i < tensors.size(); i++) {
      Tensor t = tensors.get(i);
      if (t.dim() != nd) {
        throw new IllegalArgumentException(
            "tensors must have same number of dimensions: got " + nd + " and " + t.dim()
                + " (tensor number " + i + ", shape " + Shapes.str(t.shapeRef()) + ")");
      }
      Elementwise.sameDevice("cat", first, t);
      for (int k = 0; k < nd; k++) {
        if (k != d && t.shapeRef()[k] != first.shapeRef()[k]) {
          throw new IllegalArgumentException(
              "sizes of tensors must match except in dimension " + d + ". Expected size "
                  + first.shapeRef()[k] + " but got size " + t.shapeRef()[k] + " for tensor number "
                  + i + " in the list");
        }
      }
      dtype = DType.promote(dtype, t.dtype());
      total += t.shapeRef()[d];
    }
    int[] shape = first.shapeRef().clone();
    shape[d] = total;
    Tensor out = Tensor.allocate(dtype, first.device(), shape);
    int[] offsets = new int[tensors.size()];
    int[] lengths = new int[tensors.size()];
    int off = 0;
    for (int i = 0; i < tensors.size(); i++) {
      Tensor t = tensors.get(i);
      int len = t.shapeRef()[d];
      offsets[i] = off;
      lengths[i] = len;
      if (len > 0) {
        int[] ps = shape.clone();
        ps[d] = len;
        Tensor part = out.viewAs(ps, out.stridesRef().clone(), off * out.stridesRef()[d]);
        out.backend().copy(part, t);
      }
      off += len;
    }
    Tensor[] inputs = tensors.toArray(new Tensor[0]);
    record("CatBackward", out, (g, n) -> {
      Tensor[] gs = new Tensor[inputs.length];
      for (int i = 0; i < gs.length; i++) {
        if (n[i]) {
          gs[i] = g.narrow(d, offsets[i], lengths[i]);
        }
      }
      return gs;
    }, inputs);
    return out;
  }

  static Tensor stack(List<Tensor> tensors, int dim) {
    if (tensors.isEmpty()) {
      throw new IllegalArgumentException("stack expects a non-empty list of tensors");
    }
    int[] s0 = tensors.get(0).shapeRef();
    int d = Shapes.dim(dim, s0.length + 1, s0);
    List<Tensor> parts = new ArrayList<>(tensors.size());
    for (int i = 0; i < tensors.size(); i++) {
      Tensor t = tensors.get(i);
      if (!Arrays.equals(t.shapeRef(), s0)) {
        throw new IllegalArgumentException(
            "stack expects each tensor to be equal size, but got " + Shapes.str(s0) + " at entry 0"
                + " and " + Shapes.str(t.shapeRef()) + " at entry " + i);
      }
      parts.add(unsqueeze(t, d));
    }
    return cat(parts, d);
  }

  // ---------------------------------------------------------------------------------------------
  // History of views after in-place writes (see Elementwise.inplace)

  /**
   * The node of a base tensor after an in-place write through one of its views: the gradient of
   * the old base is the incoming gradient with the view's region zeroed, and the gradient of the
   * written value {@code src} is that region. Positions are matched in storage coordinates, so any
   * base and view geometry works.
   */
  static Node copySlicesNode(Tensor base, Tensor view, Tensor src) {
    int storageSize = base.storage().size();
    Geometry bg = new Geometry(base);
    Geometry vg = new Geometry(view);
    return Autograd.node("CopySlices", (g, n) -> {
      Tensor z = Tensor.zeros(g.dtype(), g.device(), storageSize);
      z.backend().copy(bg.on(z), g);
      Tensor gSrc = null;
      if (n[1]) {
        gSrc = Tensor.allocate(g.dtype(), g.device(), vg.shape);
        z.backend().copy(gSrc, vg.on(z));
      }
      Tensor gBase = null;
      if (n[0]) {
        z.backend().fill(vg.on(z), 0);
        gBase = Tensor.allocate(g.dtype(), g.device(), bg.shape);
        z.backend().copy(gBase, bg.on(z));
      }
      return new Tensor[] {gBase, gSrc};
    }, base, src);
  }

  /**
   * The node of a view whose base was rewritten in place: the view reads the base's new values,
   * so its gradient is scattered into the base's positions (broadcast dims summed first).
   */
  static Node asStridedNode(Tensor base, Tensor view) {
    int storageSize = base.storage().size();
    Geometry bg = new Geometry(base);
    Geometry vg = new Geometry(view);
    return Autograd.node("AsStridedBackward", (g, n) -> {
      Tensor gv = g;
      int[] shape = vg.shape.clone();
      for (int i = 0; i < shape.length; i++) {
        if (vg.strides[i] == 0 && shape[i] > 1) {
          gv = gv.sum(i, true);
          shape[i] = 1;
        }
      }
      Tensor z = Tensor.zeros(g.dtype(), g.device(), storageSize);
      z.backend().copy(z.viewAs(shape, vg.strides.clone(), vg.offset), gv);
      Tensor gBase = Tensor.allocate(g.dtype(), g.device(), bg.shape);
      z.backend().copy(gBase, bg.on(z));
      return new Tensor[] {gBase};
    }, base);
  }

  /** A tensor's geometry in its storage. */
  private static final class Geometry {
    final int[] shape;
    final int[] strides;
    final int offset;

    Geometry(Tensor t) {
      this.shape = t.shapeRef().clone();
      this.strides = t.stridesRef().clone();
      this.offset = t.storageOffset();
    }

    /** The same geometry over another storage-sized 1-D tensor. */
    Tensor on(Tensor flat) {
      return flat.viewAs(shape.clone(), strides.clone(), offset);
    }
  }
}
