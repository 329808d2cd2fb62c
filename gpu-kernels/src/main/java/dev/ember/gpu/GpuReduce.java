package dev.ember.gpu;

import dev.ember.backend.ReduceOp;
import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.util.Arrays;
import java.util.Locale;

/**
 * Reductions, scans and softmax on a GPU: the kernels of {@code reduce.c}, whose header comment
 * has the math and the launch layout.
 *
 * <p>A reduction splits src into kept dims (one output each) and reduced dims (each output's
 * row), both coalesced here so that kernels compute few offsets. Each output gets a power of two
 * of work items ("lanes"), enough that each lane reads about {@link #PER_LANE} elements, at most a
 * work group; the lanes combine in a fixed tree, so the order of float additions depends on the
 * shapes and the local size only, never on timing. Fewer than {@link #FEW_OUTPUTS} outputs with
 * long rows (a sum of a whole tensor) take two launches: fixed pieces of each row in parallel,
 * then each row's partials in order. Scans run one work item per line, sequentially; softmax
 * lays its lines out like reduction outputs.
 *
 * <p>float32 sums and products accumulate in double (the CPU adds float blocks of 1,024 into a
 * double), then round once: results differ from the CPU's only by the CPU's float rounding.
 *
 * <p>The argument checks and the empty cases are {@code CpuReduce}'s, with its messages.
 */
final class GpuReduce {
  private static final String FAMILY = "reduce";
  /** Elements one lane reads at least before a row gets more lanes. */
  private static final int PER_LANE = 16;
  /**
   * Neighbouring outputs a group takes at most when rows are columns of memory: enough adjacent
   * work items on adjacent addresses for coalesced reads, while each output keeps some lanes.
   */
  private static final int COLUMN_SLOTS = 32;
  /**
   * Reductions with fewer outputs than this (about the work groups a large GPU runs at once) and
   * rows of at least two chunks run in two launches, so that a long row keeps more than one
   * group busy.
   */
  private static final int FEW_OUTPUTS = 1024;
  /** A chunk of a row in a two-launch reduction: this many elements per work item of a group. */
  private static final int CHUNK_LANES = 64;

  private GpuReduce() {}

  // ---------------------------------------------------------------------------------------------
  // reduce

  static void reduce(GpuBackend b, ReduceOp op, Tensor dst, Tensor src, int[] dims) {
    int[] shape = src.shape();
    int nd = shape.length;
    boolean[] reduced = new boolean[nd];
    for (int i = 0; i < dims.length; i++) {
      int d = dims[i];
      if (d < 0 || d >= nd || (i > 0 && d <= dims[i - 1])) {
        throw new IllegalArgumentException("reduce dims must be sorted, distinct and in [0, "
            + nd + "), got " + Arrays.toString(dims));
      }
      reduced[d] = true;
    }
    int[] expected = shape.clone();
    for (int d : dims) {
      expected[d] = 1;
    }
    if (!Arrays.equals(expected, dst.shape())) {
      throw new IllegalArgumentException("reduce " + op + " of " + Arrays.toString(shape)
          + " over " + Arrays.toString(dims) + " needs a dst of shape "
          + Arrays.toString(expected) + ", got " + Arrays.toString(dst.shape()));
    }
    boolean arg = op == ReduceOp.ARGMAX || op == ReduceOp.ARGMIN;
    if (arg && dims.length != 1) {
      throw new IllegalArgumentException(op + " reduces exactly one dim, got "
          + Arrays.toString(dims));
    }
    for (int d : dims) {
      if (shape[d] == 0) {
        if (arg || op == ReduceOp.MAX || op == ReduceOp.MIN) {
          throw new IllegalArgumentException("cannot reduce over a zero-size dimension (dim " + d
              + " of shape " + Arrays.toString(shape) + ") with "
              + op.name().toLowerCase(Locale.ROOT));
        }
        b.fill(dst, op == ReduceOp.PROD || op == ReduceOp.ALL ? 1 : 0);
        return;
      }
    }
    DType out = resultType(op, src.dtype());
    if (dst.dtype() != out) {
      // The kernels write the SPI's result dtype; any other dst gets it through a cast copy.
      try (var scope = Tensor.scope()) {
        Tensor tmp = Tensor.empty(out, b.device(), dst.shape());
        reduce(b, op, tmp, src, dims);
        b.copy(dst, tmp);
      }
      return;
    }
    int nKept = nd - dims.length;
    int[] keptShape = new int[nKept];
    int[] keptSrc = new int[nKept];
    int[] keptDst = new int[nKept];
    int[] redShape = new int[dims.length];
    int[] redSrc = new int[dims.length];
    int[] srcStrides = src.stride();
    int[] dstStrides = dst.stride();
    for (int d = 0, k = 0, r = 0; d < nd; d++) {
      if (reduced[d]) {
        redShape[r] = shape[d];
        redSrc[r++] = srcStrides[d];
      } else {
        keptShape[k] = shape[d];
        keptSrc[k] = srcStrides[d];
        keptDst[k++] = dstStrides[d];
      }
    }
    Space kept = Space.of(keptShape, keptSrc, keptDst);
    Space red = Space.of(redShape, redSrc);
    int outputs = kept.numel();
    if (outputs == 0) {
      return;
    }
    int len = red.numel();
    String name = op.name().toLowerCase(Locale.ROOT);
    String suffix = GpuBackend.suffix(src.dtype());
    int chunk = CHUNK_LANES * b.localSize();
    int chunks = (int) (((long) len + chunk - 1) / chunk);
    if (outputs >= FEW_OUTPUTS || chunks < 2) {
      launch(b, "reduce_" + name + "_" + suffix, dst, src, kept, red, 1, len);
      return;
    }
    // Few long rows: the pieces of each row in parallel, then the partials in order.
    int[] dense = rowMajor(kept.shape());
    if (arg) {
      try (var scope = Tensor.scope()) {
        Tensor parts = Tensor.empty(DType.INT64, b.device(), chunks * outputs);
        launch(b, "reduce_" + name + "_" + suffix, parts, src,
            new Space(kept.shape(), new int[][] {kept.strides()[0], dense}), red, chunks, chunk);
        // The winners' values are read from src again: meta for the outputs of src and dst.
        Layout layout = Layout.of(b, outputs, chunks, outputs > 1);
        b.launch(FAMILY, "reduce_" + name + "_" + suffix + "_merge", layout.items, b.slab(dst),
            b.offset(dst), b.slab(src), b.offset(src), b.slab(parts), b.offset(parts), outputs,
            chunks, meta(kept, red), layout.lanes, outputs > 1 ? 1 : 0);
      }
      return;
    }
    boolean f32 = src.dtype() == DType.FLOAT32 && (op == ReduceOp.SUM || op == ReduceOp.PROD);
    DType partType = f32 ? DType.FLOAT64 : out;
    try (var scope = Tensor.scope()) {
      Tensor parts = Tensor.empty(partType, b.device(), chunks * outputs);
      launch(b, "reduce_" + name + "_" + suffix + (f32 ? "_part" : ""), parts, src,
          new Space(kept.shape(), new int[][] {kept.strides()[0], dense}), red, chunks, chunk);
      // float32: the double partials' total is rounded once into dst as it is stored, as a
      // one-launch reduction rounds it (reduce_<op>_f64_f32).
      launch(b, "reduce_" + name + "_" + GpuBackend.suffix(partType) + (f32 ? "_f32" : ""),
          dst, parts, new Space(kept.shape(), new int[][] {dense, kept.strides()[1]}),
          new Space(new int[] {chunks}, new int[][] {{outputs}}), 1, chunks);
    }
  }

  /**
   * One launch of a reduction kernel: outputs over {@code kept} (src and dst strides),
   * rows over {@code red}, each row cut into {@code chunks} pieces of {@code chunk} positions.
   */
  private static void launch(GpuBackend b, String kernel, Tensor dst, Tensor src, Space kept,
      Space red, int chunks, int chunk) {
    int outputs = kept.numel();
    boolean columns = kept.innerUnit(0) && !red.innerUnit(0) && outputs > 1;
    Layout layout = Layout.of(b, outputs * chunks, Math.min(chunk, red.numel()), columns);
    b.launch(FAMILY, kernel, layout.items, b.slab(dst), b.offset(dst), b.slab(src),
        b.offset(src), outputs, chunks, chunk, red.numel(), meta(kept, red), layout.lanes,
        columns ? 1 : 0);
  }

  /** {@code [nk, keptShape, keptSrc, keptDst, nr, redShape, redSrc]}: see reduce.c. */
  private static int[] meta(Space kept, Space red) {
    int nk = kept.nd();
    int nr = red.nd();
    int[] meta = new int[2 + 3 * nk + 2 * nr];
    meta[0] = nk;
    kept.write(meta, 1);
    meta[1 + 3 * nk] = nr;
    red.write(meta, 2 + 3 * nk);
    return meta;
  }

  /** Row-major strides of a dense shape. */
  private static int[] rowMajor(int[] shape) {
    int[] strides = new int[shape.length];
    int s = 1;
    for (int d = shape.length - 1; d >= 0; d--) {
      strides[d] = s;
      s *= shape[d];
    }
    return strides;
  }

  /** The dst dtype the SPI gives each reduction (see {@code Backend#reduce}). */
  private static DType resultType(ReduceOp op, DType src) {
    return switch (op) {
      case SUM, PROD -> src.isFloatingPoint() ? src : DType.INT64;
      case ANY, ALL -> DType.BOOL;
      case ARGMAX, ARGMIN -> DType.INT64;
      case MAX, MIN -> src;
    };
  }

  // ---------------------------------------------------------------------------------------------
  // scan

  static void scan(GpuBackend b, ReduceOp op, Tensor dst, Tensor src, int dim) {
    if (op != ReduceOp.SUM && op != ReduceOp.PROD) {
      throw new IllegalArgumentException("scan supports SUM and PROD, got " + op);
    }
    sameShape("scan " + op, dst, src);
    if (src.dim() == 0) {
      b.copy(dst, src);
      return;
    }
    checkDim(dim, src);
    DType out = src.dtype().isFloatingPoint() ? src.dtype() : DType.INT64;
    if (dst.dtype() != out) {
      try (var scope = Tensor.scope()) {
        Tensor tmp = Tensor.empty(out, b.device(), dst.shape());
        scan(b, op, tmp, src, dim);
        b.copy(dst, tmp);
      }
      return;
    }
    Lines lines = Lines.of(dst, src, dim);
    if (lines.count == 0 || lines.length == 0) {
      return;
    }
    b.launch(FAMILY, "scan_" + GpuBackend.suffix(src.dtype()), lines.count, b.slab(dst),
        b.offset(dst), b.slab(src), b.offset(src), lines.count, lines.length, lines.srcStride,
        lines.dstStride, lines.meta, op == ReduceOp.PROD ? 1 : 0);
  }

  // ---------------------------------------------------------------------------------------------
  // softmax

  static void softmax(GpuBackend b, Tensor dst, Tensor src, int dim, boolean log) {
    if (!src.dtype().isFloatingPoint() || dst.dtype() != src.dtype()) {
      throw new IllegalArgumentException("softmax needs floating-point src and dst of one dtype,"
          + " got " + src.dtype() + " and " + dst.dtype());
    }
    sameShape(log ? "log_softmax" : "softmax", dst, src);
    Lines lines;
    if (src.dim() == 0) {
      // One line of one element.
      lines = new Lines(1, 1, 0, 0, new int[] {0});
    } else {
      checkDim(dim, src);
      lines = Lines.of(dst, src, dim);
    }
    if (lines.count == 0 || lines.length == 0) {
      return;
    }
    boolean columns = lines.sideBySide && Math.abs(lines.srcStride) != 1 && lines.count > 1;
    Layout layout = Layout.of(b, lines.count, lines.length, columns);
    b.launch(FAMILY, "softmax_" + GpuBackend.suffix(src.dtype()), layout.items, b.slab(dst),
        b.offset(dst), b.slab(src), b.offset(src), lines.count, lines.length, lines.srcStride,
        lines.dstStride, lines.meta, layout.lanes, columns ? 1 : 0, log ? 1 : 0);
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  private static void sameShape(String op, Tensor dst, Tensor src) {
    if (!Arrays.equals(dst.shape(), src.shape())) {
      throw new IllegalArgumentException(op + ": operand shape " + Arrays.toString(src.shape())
          + " differs from dst shape " + Arrays.toString(dst.shape())
          + " (operands arrive broadcast)");
    }
  }

  private static void checkDim(int dim, Tensor src) {
    if (dim < 0 || dim >= src.dim()) {
      throw new IllegalArgumentException("dim " + dim + " is out of range for shape "
          + Arrays.toString(src.shape()));
    }
  }

  /**
   * How many work items each output (or line) gets, and the launch size: {@code lanes} is a
   * power of two, at most the local size, so that a group holds {@code local / lanes} outputs.
   */
  private record Layout(int lanes, int items) {
    static Layout of(GpuBackend b, int outputs, int len, boolean columns) {
      int local = b.localSize();
      int lanes = 1;
      while (lanes * 2 <= local && (long) lanes * PER_LANE < len) {
        lanes *= 2;
      }
      if (columns) {
        int slots = Math.min(COLUMN_SLOTS, Integer.highestOneBit(outputs));
        lanes = Math.max(1, Math.min(lanes, Integer.highestOneBit(local / slots)));
      }
      int slots = local / lanes;
      long items = ((long) outputs + slots - 1) / slots * local;
      if (items > Integer.MAX_VALUE - local) {
        throw new IllegalArgumentException(outputs + " outputs of " + len
            + " elements each need more work items than a 1-D launch has");
      }
      return new Layout(lanes, (int) items);
    }
  }

  /** The 1-D lines of a tensor along one dim, for scans and softmax. */
  private record Lines(int count, int length, int srcStride, int dstStride, int[] meta,
      boolean sideBySide) {
    Lines(int count, int length, int srcStride, int dstStride, int[] meta) {
      this(count, length, srcStride, dstStride, meta, false);
    }

    /**
     * The lines of src and dst along {@code dim}: the other dims, coalesced, give the lines'
     * offsets; {@code meta} is {@code [nk, shape[nk], srcStrides[nk], dstStrides[nk]]}.
     */
    static Lines of(Tensor dst, Tensor src, int dim) {
      int nd = src.dim();
      int[] shape = new int[nd - 1];
      int[] ss = new int[nd - 1];
      int[] ds = new int[nd - 1];
      for (int d = 0, k = 0; d < nd; d++) {
        if (d != dim) {
          shape[k] = src.shape()[d];
          ss[k] = src.stride()[d];
          ds[k++] = dst.stride()[d];
        }
      }
      Space lines = Space.of(shape, ss, ds);
      int[] meta = new int[1 + 3 * lines.nd()];
      meta[0] = lines.nd();
      lines.write(meta, 1);
      return new Lines(lines.numel(), src.shape()[dim], src.stride()[dim], dst.stride()[dim],
          meta, lines.innerUnit(0));
    }
  }

  /**
   * An index space (row-major over {@code shape}) with one stride array per operand, coalesced:
   * size-1 dims dropped and neighbouring dims merged wherever every operand steps over them as
   * over one dim. Offsets and the row-major order are unchanged.
   */
  private record Space(int[] shape, int[][] strides) {
    static Space of(int[] shape, int[]... strides) {
      int n = strides.length;
      int[] outShape = new int[shape.length];
      int[][] out = new int[n][shape.length];
      int nd = 0;
      boolean empty = false;
      for (int s : shape) {
        empty |= s == 0;
      }
      for (int d = 0; d < shape.length; d++) {
        if (shape[d] == 1 && !empty) {
          continue;
        }
        boolean merge = nd > 0 && !empty;
        for (int k = 0; k < n && merge; k++) {
          merge = out[k][nd - 1] == strides[k][d] * shape[d];
        }
        if (merge) {
          outShape[nd - 1] *= shape[d];
          for (int k = 0; k < n; k++) {
            out[k][nd - 1] = strides[k][d];
          }
        } else {
          outShape[nd] = shape[d];
          for (int k = 0; k < n; k++) {
            out[k][nd] = strides[k][d];
          }
          nd++;
        }
      }
      int[][] trimmed = new int[n][];
      for (int k = 0; k < n; k++) {
        trimmed[k] = Arrays.copyOf(out[k], nd);
      }
      return new Space(Arrays.copyOf(outShape, nd), trimmed);
    }

    int nd() {
      return shape.length;
    }

    int numel() {
      int p = 1;
      for (int s : shape) {
        p *= s;
      }
      return p;
    }

    /** Whether operand k steps by one element (either way) along the innermost dim. */
    boolean innerUnit(int k) {
      return nd() > 0 && Math.abs(strides[k][nd() - 1]) == 1;
    }

    /** Writes shape, then each operand's strides, into {@code meta} from {@code at}. */
    void write(int[] meta, int at) {
      int nd = nd();
      System.arraycopy(shape, 0, meta, at, nd);
      for (int k = 0; k < strides.length; k++) {
        System.arraycopy(strides[k], 0, meta, at + nd * (1 + k), nd);
      }
    }
  }
}
