package dev.ember.backend.cpu;

import dev.ember.backend.ReduceOp;
import dev.ember.backend.cpu.CpuLoops.CType;
import dev.ember.backend.cpu.CpuLoops.Plan;
import dev.ember.backend.cpu.CpuLoops.View;
import dev.ember.tensor.DType;
import java.util.Arrays;
import java.util.Locale;

/**
 * Reductions, scans and softmax on the CPU.
 *
 * <p>Reductions split src into kept dims (one output each) and reduced dims (one row each),
 * coalesced separately. Two paths, chosen by layout:
 *
 * <ul>
 *   <li><b>rows</b>: each output's elements are one contiguous run (reduced dims innermost); the
 *       run is read from the storage array directly. Any other layout or a dtype that needs a cast
 *       gathers the row into {@link #BLOCK}-element tiles and takes the same code, with the same
 *       results.
 *   <li><b>columns</b>: SUM/MAX/MIN where the innermost kept dim is contiguous (for example a sum
 *       over the batch dim): whole source rows are accumulated into a row of accumulators.
 * </ul>
 *
 * <p>Scans and softmax work on lines along their dim: contiguous lines directly, lines that lie
 * side by side (the dim is an outer one) a row of neighbouring lines at a time, any other layout
 * through blocks of lines gathered into a buffer.
 *
 * <p>Results never depend on the thread count: float sums add {@link #BLOCK}-element blocks
 * (eight float accumulators each) into a double, rows longer than {@link #CHUNK} are cut into
 * fixed chunks whose partials are combined in order, and column sums combine fixed groups of
 * {@link #GROUP} rows in order; each of these orders is the same whether or not the pieces ran in
 * parallel.
 */
final class CpuReduce {
  /** Elements per float-accumulated block of a row sum. */
  static final int BLOCK = 1024;
  /** Elements per independently reduced chunk of a long row. */
  static final int CHUNK = 32 * BLOCK;
  /** Source rows per independently reduced group of a column reduction. */
  static final int GROUP = 1024;
  /** Columns per accumulator tile of a column reduction. */
  private static final int COLUMNS = 1024;
  /** Lines per block of a softmax along an outer dim. */
  private static final int SOFTMAX_COLUMNS = 256;
  /** At most this many lines of a scan or softmax are moved to a buffer together... */
  private static final int BLOCK_LINES = 16;
  /** ...and at most this many elements. */
  private static final int BLOCK_ELEMENTS = 256 * 1024;
  /** The float32 block sums and softmax kernels (SIMD when available). */
  private static final FloatMath MATH = FloatMath.get();

  private CpuReduce() {}

  // ---------------------------------------------------------------------------------------------
  // reduce

  /** Reduces {@code src} over {@code dims} into {@code dst}; see {@code Backend#reduce}. */
  static void reduce(ReduceOp op, View dst, View src, int[] dims) {
    int nd = src.dim();
    boolean[] reduced = new boolean[nd];
    for (int i = 0; i < dims.length; i++) {
      int d = dims[i];
      if (d < 0 || d >= nd || (i > 0 && d <= dims[i - 1])) {
        throw new IllegalArgumentException("reduce dims must be sorted, distinct and in [0, "
            + nd + "), got " + Arrays.toString(dims));
      }
      reduced[d] = true;
    }
    boolean arg = op == ReduceOp.ARGMAX || op == ReduceOp.ARGMIN;
    if (arg && dims.length != 1) {
      throw new IllegalArgumentException(op + " reduces exactly one dim, got "
          + Arrays.toString(dims));
    }
    int[] shape = src.shape();
    for (int d : dims) {
      if (shape[d] == 0) {
        if (arg || op == ReduceOp.MAX || op == ReduceOp.MIN) {
          throw new IllegalArgumentException("cannot reduce over a zero-size dimension (dim " + d
              + " of shape " + Arrays.toString(shape) + ") with "
              + op.name().toLowerCase(Locale.ROOT));
        }
        CpuElementwise.fill(dst, identity(op));
        return;
      }
    }
    int nKept = nd - dims.length;
    int[] keptShape = new int[nKept];
    int[] keptSrc = new int[nKept];
    int[] keptDst = new int[nKept];
    int[] redShape = new int[dims.length];
    int[] redSrc = new int[dims.length];
    int k = 0;
    int r = 0;
    for (int d = 0; d < nd; d++) {
      if (reduced[d]) {
        redShape[r] = shape[d];
        redSrc[r++] = src.strides()[d];
      } else {
        keptShape[k] = shape[d];
        keptSrc[k] = src.strides()[d];
        keptDst[k++] = dst.strides()[d];
      }
    }
    Plan kept = Plan.of(keptShape, new int[][] {keptSrc, keptDst},
        new int[] {src.offset(), dst.offset()});
    if (kept.numel == 0) {
      return;
    }
    Plan red = Plan.of(redShape, new int[][] {redSrc}, new int[] {0});
    CType t = op == ReduceOp.ANY || op == ReduceOp.ALL ? CType.BOOL : CType.arith(src.dtype());
    boolean direct = CType.storage(src.dtype()) == t;
    if (direct && t != CType.BOOL && red.numel > 1 && kept.innerStride(0) == 1
        && (op == ReduceOp.SUM || op == ReduceOp.MAX || op == ReduceOp.MIN)
        && !(red.ndim() == 1 && red.innerStride(0) == 1)) {
      new Columns(op, t, dst, src, kept, red).run();
    } else {
      boolean contiguous = red.numel == 1 || (red.ndim() == 1 && red.innerStride(0) == 1);
      rows(op, t, dst, src, kept, red, direct && contiguous);
    }
  }

  private static double identity(ReduceOp op) {
    return switch (op) {
      case SUM, ANY -> 0;
      case PROD, ALL -> 1;
      default -> throw new AssertionError(op + " has no identity");
    };
  }

  /**
   * The row path: output by output, each row read directly ({@code contiguous}) or gathered
   * through tiles along the reduced plan.
   */
  private static void rows(ReduceOp op, CType t, View dst, View src, Plan kept, Plan red,
      boolean contiguous) {
    int outputs = kept.numel;
    int len = red.numel;
    Row row = new Row(src, red, t, contiguous);
    if (outputs >= Parallel.numThreads() || len <= CHUNK) {
      Parallel.forRange(outputs, Math.max(1, CpuLoops.GRAIN / len), (s, e) -> {
        Acc acc = Acc.of(op, t);
        Acc part = Acc.of(op, t);
        Object tile = t.newArray(BLOCK);
        CpuLoops.walk(kept, s, e, (pos, base, n) -> {
          int ss = kept.innerStride(0);
          int ds = kept.innerStride(1);
          for (int i = 0; i < n; i++) {
            acc.reset();
            if (len <= CHUNK) {
              row.feed(acc, base[0] + i * ss, 0, len, tile);
            } else {
              for (int c = 0; c < len; c += CHUNK) {
                part.reset();
                row.feed(part, base[0] + i * ss, c, Math.min(CHUNK, len - c), tile);
                acc.merge(part);
              }
            }
            acc.store(dst.array(), dst.dtype(), base[1] + i * ds);
          }
        });
      });
      return;
    }
    // Few long rows: split each row into chunks, reduced in parallel and combined in order.
    int chunks = (len + CHUNK - 1) / CHUNK;
    Acc[] parts = new Acc[chunks];
    Acc acc = Acc.of(op, t);
    CpuLoops.walk(kept, 0, outputs, (pos, base, n) -> {
      for (int i = 0; i < n; i++) {
        int rowBase = base[0] + i * kept.innerStride(0);
        Parallel.forRange(chunks, 1, (s, e) -> {
          Object tile = t.newArray(BLOCK);
          for (int c = s; c < e; c++) {
            Acc part = parts[c] != null ? parts[c] : Acc.of(op, t);
            part.reset();
            row.feed(part, rowBase, c * CHUNK, Math.min(CHUNK, len - c * CHUNK), tile);
            parts[c] = part;
          }
        });
        acc.reset();
        for (Acc part : parts) {
          acc.merge(part);
        }
        acc.store(dst.array(), dst.dtype(), base[1] + i * kept.innerStride(1));
      }
    });
  }

  /** Reads the elements of one output's row, in order, into an accumulator. */
  private static final class Row {
    private final View src;
    private final Plan red;
    private final CType type;
    private final boolean contiguous;

    Row(View src, Plan red, CType type, boolean contiguous) {
      this.src = src;
      this.red = red;
      this.type = type;
      this.contiguous = contiguous;
    }

    /**
     * Feeds row positions {@code [start, start + n)} of the row at {@code base} into {@code acc},
     * in pieces that start at multiples of {@link #BLOCK} ({@code start} is one).
     */
    void feed(Acc acc, int base, int start, int n, Object tile) {
      if (contiguous) {
        acc.add(src.array(), base + start, n, start);
        return;
      }
      int stride = red.innerStride(0);
      for (int p = start; p < start + n; p += BLOCK) {
        int first = p;
        int m = Math.min(BLOCK, start + n - p);
        CpuLoops.walk(red, p, p + m, (pos, b, len) -> CpuLoops.load(src.array(), src.dtype(),
            base + b[0], stride, tile, type, pos - first, len));
        acc.add(tile, 0, m, p);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Accumulators

  /**
   * A reduction in progress over the pieces of one row, fed in order. Pieces passed to {@link
   * #add} start at row positions that are multiples of {@link #BLOCK}, so that a float sum's
   * blocks are the same however the row was cut.
   */
  abstract static class Acc {
    final ReduceOp op;

    Acc(ReduceOp op) {
      this.op = op;
    }

    static Acc of(ReduceOp op, CType t) {
      return switch (t) {
        case F32 -> new F32Acc(op);
        case F64 -> new F64Acc(op);
        case I64 -> new I64Acc(op);
        case BOOL -> new BoolAcc(op);
      };
    }

    /** Starts a new row. */
    abstract void reset();

    /** Consumes {@code n} elements {@code array[off ..]}, at row positions {@code pos ..}. */
    abstract void add(Object array, int off, int n, int pos);

    /** Combines the result of the pieces that follow this one's (same op and type). */
    abstract void merge(Acc next);

    /** Writes the result, cast to {@code dtype}. */
    abstract void store(Object array, DType dtype, int off);
  }

  private static final class F32Acc extends Acc {
    /** The sum or product, accumulated in double. */
    private double acc;
    private float value;
    private int index;

    F32Acc(ReduceOp op) {
      super(op);
    }

    @Override
    void reset() {
      acc = op == ReduceOp.PROD ? 1 : 0;
      value = op == ReduceOp.MAX ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
      index = -1;
    }

    @Override
    void add(Object array, int off, int n, int pos) {
      float[] x = (float[]) array;
      switch (op) {
        case SUM -> {
          for (int b = 0; b < n; b += BLOCK) {
            acc += sum(x, off + b, Math.min(BLOCK, n - b));
          }
        }
        case PROD -> {
          double p = acc;
          for (int i = 0; i < n; i++) {
            p *= x[off + i];
          }
          acc = p;
        }
        case MAX -> value = max(x, off, n, value);
        case MIN -> value = min(x, off, n, value);
        case ARGMAX, ARGMIN -> {
          if (index >= 0 && Float.isNaN(value)) {
            return;
          }
          int i = op == ReduceOp.ARGMAX ? argmax(x, off, n) : argmin(x, off, n);
          take(x[off + i], pos + i);
        }
        default -> throw new AssertionError(op);
      }
    }

    /** Takes a later candidate if it beats the current one (first NaN, else strictly better). */
    private void take(float v, int i) {
      boolean better = op == ReduceOp.ARGMAX ? v > value : v < value;
      if (index < 0 || !Float.isNaN(value) && (Float.isNaN(v) || better)) {
        value = v;
        index = i;
      }
    }

    @Override
    void merge(Acc next) {
      F32Acc o = (F32Acc) next;
      switch (op) {
        case SUM -> acc += o.acc;
        case PROD -> acc *= o.acc;
        case MAX -> value = Math.max(value, o.value);
        case MIN -> value = Math.min(value, o.value);
        default -> {
          if (o.index >= 0) {
            take(o.value, o.index);
          }
        }
      }
    }

    @Override
    void store(Object array, DType dtype, int off) {
      switch (op) {
        case SUM, PROD -> CpuLoops.setDouble(array, dtype, off, (float) acc);
        case MAX, MIN -> CpuLoops.setDouble(array, dtype, off, value);
        default -> CpuLoops.setLong(array, dtype, off, index);
      }
    }

    /** A block sum in FloatMath's fixed order (eight float partials; SIMD when available). */
    static float sum(float[] x, int off, int n) {
      return MATH.blockSum(x, off, n);
    }

    static float max(float[] x, int off, int n, float m) {
      for (int i = 0; i < n; i++) {
        m = Math.max(m, x[off + i]);
      }
      return m;
    }

    static float min(float[] x, int off, int n, float m) {
      for (int i = 0; i < n; i++) {
        m = Math.min(m, x[off + i]);
      }
      return m;
    }

    /** The index of the first NaN, else of the first maximum. */
    static int argmax(float[] x, int off, int n) {
      int best = 0;
      float b = x[off];
      if (Float.isNaN(b)) {
        return 0;
      }
      for (int i = 1; i < n; i++) {
        float v = x[off + i];
        if (v > b) {
          b = v;
          best = i;
        } else if (Float.isNaN(v)) {
          return i;
        }
      }
      return best;
    }

    /** The index of the first NaN, else of the first minimum. */
    static int argmin(float[] x, int off, int n) {
      int best = 0;
      float b = x[off];
      if (Float.isNaN(b)) {
        return 0;
      }
      for (int i = 1; i < n; i++) {
        float v = x[off + i];
        if (v < b) {
          b = v;
          best = i;
        } else if (Float.isNaN(v)) {
          return i;
        }
      }
      return best;
    }
  }

  private static final class F64Acc extends Acc {
    private double acc;
    private double value;
    private int index;

    F64Acc(ReduceOp op) {
      super(op);
    }

    @Override
    void reset() {
      acc = op == ReduceOp.PROD ? 1 : 0;
      value = op == ReduceOp.MAX ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
      index = -1;
    }

    @Override
    void add(Object array, int off, int n, int pos) {
      double[] x = (double[]) array;
      switch (op) {
        case SUM -> {
          for (int b = 0; b < n; b += BLOCK) {
            acc += sum(x, off + b, Math.min(BLOCK, n - b));
          }
        }
        case PROD -> {
          double p = acc;
          for (int i = 0; i < n; i++) {
            p *= x[off + i];
          }
          acc = p;
        }
        case MAX -> value = max(x, off, n, value);
        case MIN -> value = min(x, off, n, value);
        case ARGMAX, ARGMIN -> {
          if (index >= 0 && Double.isNaN(value)) {
            return;
          }
          int i = op == ReduceOp.ARGMAX ? argmax(x, off, n) : argmin(x, off, n);
          take(x[off + i], pos + i);
        }
        default -> throw new AssertionError(op);
      }
    }

    private void take(double v, int i) {
      boolean better = op == ReduceOp.ARGMAX ? v > value : v < value;
      if (index < 0 || !Double.isNaN(value) && (Double.isNaN(v) || better)) {
        value = v;
        index = i;
      }
    }

    @Override
    void merge(Acc next) {
      F64Acc o = (F64Acc) next;
      switch (op) {
        case SUM -> acc += o.acc;
        case PROD -> acc *= o.acc;
        case MAX -> value = Math.max(value, o.value);
        case MIN -> value = Math.min(value, o.value);
        default -> {
          if (o.index >= 0) {
            take(o.value, o.index);
          }
        }
      }
    }

    @Override
    void store(Object array, DType dtype, int off) {
      switch (op) {
        case SUM, PROD -> CpuLoops.setDouble(array, dtype, off, acc);
        case MAX, MIN -> CpuLoops.setDouble(array, dtype, off, value);
        default -> CpuLoops.setLong(array, dtype, off, index);
      }
    }

    static double sum(double[] x, int off, int n) {
      double s0 = 0;
      double s1 = 0;
      double s2 = 0;
      double s3 = 0;
      double s4 = 0;
      double s5 = 0;
      double s6 = 0;
      double s7 = 0;
      int i = 0;
      for (; i + 8 <= n; i += 8) {
        int j = off + i;
        s0 += x[j];
        s1 += x[j + 1];
        s2 += x[j + 2];
        s3 += x[j + 3];
        s4 += x[j + 4];
        s5 += x[j + 5];
        s6 += x[j + 6];
        s7 += x[j + 7];
      }
      double s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
      for (; i < n; i++) {
        s += x[off + i];
      }
      return s;
    }

    static double max(double[] x, int off, int n, double m) {
      for (int i = 0; i < n; i++) {
        m = Math.max(m, x[off + i]);
      }
      return m;
    }

    static double min(double[] x, int off, int n, double m) {
      for (int i = 0; i < n; i++) {
        m = Math.min(m, x[off + i]);
      }
      return m;
    }

    static int argmax(double[] x, int off, int n) {
      int best = 0;
      double b = x[off];
      if (Double.isNaN(b)) {
        return 0;
      }
      for (int i = 1; i < n; i++) {
        double v = x[off + i];
        if (v > b) {
          b = v;
          best = i;
        } else if (Double.isNaN(v)) {
          return i;
        }
      }
      return best;
    }

    static int argmin(double[] x, int off, int n) {
      int best = 0;
      double b = x[off];
      if (Double.isNaN(b)) {
        return 0;
      }
      for (int i = 1; i < n; i++) {
        double v = x[off + i];
        if (v < b) {
          b = v;
          best = i;
        } else if (Double.isNaN(v)) {
          return i;
        }
      }
      return best;
    }
  }

  private static final class I64Acc extends Acc {
    private long value;
    private int index;

    I64Acc(ReduceOp op) {
      super(op);
    }

    @Override
    void reset() {
      value = switch (op) {
        case PROD -> 1;
        case MAX, ARGMAX -> Long.MIN_VALUE;
        case MIN, ARGMIN -> Long.MAX_VALUE;
        default -> 0;
      };
      index = -1;
    }

    @Override
    void add(Object array, int off, int n, int pos) {
      long[] x = (long[]) array;
      long v = value;
      switch (op) {
        case SUM -> {
          for (int i = 0; i < n; i++) {
            v += x[off + i];
          }
        }
        case PROD -> {
          for (int i = 0; i < n; i++) {
            v *= x[off + i];
          }
        }
        case MAX -> {
          for (int i = 0; i < n; i++) {
            v = Math.max(v, x[off + i]);
          }
        }
        case MIN -> {
          for (int i = 0; i < n; i++) {
            v = Math.min(v, x[off + i]);
          }
        }
        case ARGMAX -> {
          for (int i = 0; i < n; i++) {
            if (x[off + i] > v || index < 0) {
              v = x[off + i];
              index = pos + i;
            }
          }
        }
        case ARGMIN -> {
          for (int i = 0; i < n; i++) {
            if (x[off + i] < v || index < 0) {
              v = x[off + i];
              index = pos + i;
            }
          }
        }
        default -> throw new AssertionError(op);
      }
      value = v;
    }

    @Override
    void merge(Acc next) {
      I64Acc o = (I64Acc) next;
      switch (op) {
        case SUM -> value += o.value;
        case PROD -> value *= o.value;
        case MAX -> value = Math.max(value, o.value);
        case MIN -> value = Math.min(value, o.value);
        default -> {
          boolean better = op == ReduceOp.ARGMAX ? o.value > value : o.value < value;
          if (o.index >= 0 && (index < 0 || better)) {
            value = o.value;
            index = o.index;
          }
        }
      }
    }

    @Override
    void store(Object array, DType dtype, int off) {
      CpuLoops.setLong(array, dtype, off,
          op == ReduceOp.ARGMAX || op == ReduceOp.ARGMIN ? index : value);
    }
  }

  private static final class BoolAcc extends Acc {
    private boolean value;

    BoolAcc(ReduceOp op) {
      super(op);
    }

    @Override
    void reset() {
      value = op == ReduceOp.ALL;
    }

    @Override
    void add(Object array, int off, int n, int pos) {
      byte[] x = (byte[]) array;
      // The result is decided by the first element that differs from the identity.
      byte stop = op == ReduceOp.ANY ? (byte) 1 : 0;
      if (value != (op == ReduceOp.ALL)) {
        return;
      }
      for (int i = 0; i < n; i++) {
        if (x[off + i] == stop) {
          value = !value;
          return;
        }
      }
    }

    @Override
    void merge(Acc next) {
      boolean o = ((BoolAcc) next).value;
      value = op == ReduceOp.ANY ? value || o : value && o;
    }

    @Override
    void store(Object array, DType dtype, int off) {
      CpuLoops.setLong(array, dtype, off, value ? 1 : 0);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Column reductions

  /**
   * SUM/MAX/MIN where each output's inputs are spread over source rows whose kept part is
   * contiguous: accumulators for up to {@link #COLUMNS} outputs take whole row segments at a
   * time. Each segment is first copied to a tile so that the accumulating loop indexes both arrays
   * alike (which C2 needs to vectorize it). Source rows are reduced in groups of {@link #GROUP},
   * combined in order; float32 sums add blocks of {@link #ROWS} rows in float, then in double.
   */
  private static final class Columns {
    private static final int ROWS = 64;
    private final ReduceOp op;
    private final CType type;
    /** The accumulator type: sums of float32 accumulate in double. */
    private final CType accType;
    private final View dst;
    private final View src;
    private final Plan red;
    private final int width;
    private final int tiles;
    private final int outer;
    private final int groups;
    private final Plan outerPlan;
    private final int dstStride;

    Columns(ReduceOp op, CType type, View dst, View src, Plan kept, Plan red) {
      this.op = op;
      this.type = type;
      this.accType = type == CType.F32 && op == ReduceOp.SUM ? CType.F64 : type;
      this.dst = dst;
      this.src = src;
      this.red = red;
      this.width = kept.inner();
      this.tiles = (width + COLUMNS - 1) / COLUMNS;
      this.outer = kept.numel / width;
      this.groups = (red.numel + GROUP - 1) / GROUP;
      // The kept dims other than the innermost, as their own plan (src and dst offsets).
      int nd = kept.ndim();
      int[] shape = Arrays.copyOf(kept.shape, nd - 1);
      this.outerPlan = Plan.of(shape, new int[][] {Arrays.copyOf(kept.strides[0], nd - 1),
          Arrays.copyOf(kept.strides[1], nd - 1)}, kept.offsets);
      this.dstStride = kept.innerStride(1);
    }

    /** One thread's buffers. */
    private final class Scratch {
      final Object total = accType.newArray(COLUMNS);
      final Object part = accType.newArray(COLUMNS);
      final Object row = type.newArray(COLUMNS);
      final float[] block = new float[COLUMNS];
    }

    void run() {
      int units = outer * tiles;
      if (units >= Parallel.numThreads() || groups == 1) {
        Parallel.forRange(units, Math.max(1, CpuLoops.GRAIN / Math.max(1, red.numel * COLUMNS)),
            (s, e) -> {
              Scratch scratch = new Scratch();
              for (int u = s; u < e; u++) {
                int[] where = locate(u);
                init(scratch.total, where[2]);
                for (int g = 0; g < groups; g++) {
                  group(where[0], where[2], g, scratch, scratch.part);
                  accumulate(scratch.total, scratch.part, where[2]);
                }
                storeTile(scratch.total, where[1], where[2]);
              }
            });
        return;
      }
      // Few output columns but many source rows: the groups of one tile run in parallel.
      Object[] parts = new Object[groups];
      Object total = accType.newArray(COLUMNS);
      for (int u = 0; u < units; u++) {
        int[] where = locate(u);
        Parallel.forRange(groups, 1, (s, e) -> {
          Scratch scratch = new Scratch();
          for (int g = s; g < e; g++) {
            Object part = parts[g] != null ? parts[g] : accType.newArray(COLUMNS);
            group(where[0], where[2], g, scratch, part);
            parts[g] = part;
          }
        });
        init(total, where[2]);
        for (Object part : parts) {
          accumulate(total, part, where[2]);
        }
        storeTile(total, where[1], where[2]);
      }
    }

    /** Tile {@code u}: its src offset, dst offset and width. */
    private int[] locate(int u) {
      int q = u / tiles;
      int j0 = (u % tiles) * COLUMNS;
      int[] base = new int[2];
      CpuLoops.walk(outerPlan, q, q + 1, (pos, b, n) -> {
        base[0] = b[0];
        base[1] = b[1];
      });
      return new int[] {base[0] + j0, base[1] + j0 * dstStride, Math.min(COLUMNS, width - j0)};
    }

    /** Reduces source rows {@code [g * GROUP, ...)} of the columns at {@code base} into part. */
    private void group(int base, int w, int g, Scratch scratch, Object part) {
      init(part, w);
      int stride = red.innerStride(0);
      int start = g * GROUP;
      int end = Math.min(red.numel, start + GROUP);
      boolean blocked = accType != type;
      int[] rows = {0};
      if (blocked) {
        Arrays.fill(scratch.block, 0, w, 0f);
      }
      CpuLoops.walk(red, start, end, (pos, b, n) -> {
        for (int i = 0; i < n; i++) {
          System.arraycopy(src.array(), base + b[0] + i * stride, scratch.row, 0, w);
          if (blocked) {
            addRow(scratch.block, (float[]) scratch.row, w);
            if (++rows[0] == ROWS) {
              flush(scratch.block, (double[]) part, w);
              rows[0] = 0;
            }
          } else {
            accumulate(part, scratch.row, w);
          }
        }
      });
      if (blocked) {
        flush(scratch.block, (double[]) part, w);
      }
    }

    private static void addRow(float[] acc, float[] row, int w) {
      for (int j = 0; j < w; j++) {
        acc[j] += row[j];
      }
    }

    private static void flush(float[] block, double[] part, int w) {
      for (int j = 0; j < w; j++) {
        part[j] += block[j];
        block[j] = 0;
      }
    }

    private void init(Object acc, int w) {
      switch (accType) {
        case F32 -> Arrays.fill((float[]) acc, 0, w,
            op == ReduceOp.MAX ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY);
        case F64 -> Arrays.fill((double[]) acc, 0, w, op == ReduceOp.SUM ? 0
            : op == ReduceOp.MAX ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
        case I64 -> Arrays.fill((long[]) acc, 0, w, op == ReduceOp.SUM ? 0
            : op == ReduceOp.MAX ? Long.MIN_VALUE : Long.MAX_VALUE);
        case BOOL -> throw new AssertionError("bool has no column path");
      }
    }

    /** {@code acc[j] = op(acc[j], x[j])} for {@code j < w}, both of the accumulator type. */
    private void accumulate(Object acc, Object x, int w) {
      switch (accType) {
        case F32 -> {
          float[] a = (float[]) acc;
          float[] v = (float[]) x;
          if (op == ReduceOp.MAX) {
            for (int j = 0; j < w; j++) {
              a[j] = Math.max(a[j], v[j]);
            }
          } else {
            for (int j = 0; j < w; j++) {
              a[j] = Math.min(a[j], v[j]);
            }
          }
        }
        case F64 -> {
          double[] a = (double[]) acc;
          double[] v = (double[]) x;
          if (op == ReduceOp.SUM) {
            for (int j = 0; j < w; j++) {
              a[j] += v[j];
            }
          } else if (op == ReduceOp.MAX) {
            for (int j = 0; j < w; j++) {
              a[j] = Math.max(a[j], v[j]);
            }
          } else {
            for (int j = 0; j < w; j++) {
              a[j] = Math.min(a[j], v[j]);
            }
          }
        }
        case I64 -> {
          long[] a = (long[]) acc;
          long[] v = (long[]) x;
          if (op == ReduceOp.SUM) {
            for (int j = 0; j < w; j++) {
              a[j] += v[j];
            }
          } else if (op == ReduceOp.MAX) {
            for (int j = 0; j < w; j++) {
              a[j] = Math.max(a[j], v[j]);
            }
          } else {
            for (int j = 0; j < w; j++) {
              a[j] = Math.min(a[j], v[j]);
            }
          }
        }
        case BOOL -> throw new AssertionError("bool has no column path");
      }
    }

    private void storeTile(Object total, int off, int w) {
      CpuLoops.store(total, accType, 0, dst.array(), dst.dtype(), off, dstStride, w);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // scan

  /** Inclusive cumulative SUM or PROD along {@code dim}; float32 accumulates in double. */
  static void scan(ReduceOp op, View dst, View src, int dim) {
    if (op != ReduceOp.SUM && op != ReduceOp.PROD) {
      throw new IllegalArgumentException("scan supports SUM and PROD, got " + op);
    }
    if (src.dim() == 0) {
      CpuElementwise.copy(dst, src);
      return;
    }
    checkDim(dim, src);
    boolean prod = op == ReduceOp.PROD;
    CType t = CType.arith(src.dtype());
    Lines lines = new Lines(dst, src, dim);
    int len = lines.length;
    double start = prod ? 1 : 0;
    if (lines.srcStride == 1 && lines.dstStride == 1 && CType.storage(src.dtype()) == t
        && CType.storage(dst.dtype()) == t) {
      lines.forEach(CpuLoops.GRAIN, () -> null,
          (unused, sb, db) -> scanRun(t, src.array(), sb, dst.array(), db, len, start, prod));
    } else if (lines.sideBySide()) {
      // Lines next to each other (a scan along an outer dim): step along the dim, accumulating
      // a row of neighbouring lines at a time, independently of each other (vectorizable).
      lines.forEachRun(CpuLoops.GRAIN, () -> new ScanColumns(t, start, prod),
          (cols, sb, db, count) -> cols.run(src, sb, lines.srcStride, dst, db, lines.dstStride,
              count, len));
    } else {
      lines.forEachBlock(t, CpuLoops.GRAIN, () -> null, (unused, buf, count) -> {
        for (int j = 0; j < count; j++) {
          scanRun(t, buf, j * len, buf, j * len, len, start, prod);
        }
      });
    }
  }

  /**
   * Scans of up to {@link #COLUMNS} neighbouring lines at once: for each step along the dim, the
   * row of the lines' elements is added into a row of accumulators (float32 in double, so that
   * the results are those of {@link #scanRun}).
   */
  private static final class ScanColumns {
    private final CType type;
    private final double start;
    private final boolean prod;
    private final Object row;
    private final Object acc;

    ScanColumns(CType type, double start, boolean prod) {
      this.type = type;
      this.start = start;
      this.prod = prod;
      this.row = type.newArray(COLUMNS);
      this.acc = type == CType.I64 ? new long[COLUMNS] : new double[COLUMNS];
    }

    /** Lines {@code j < count} at {@code sb + j}, {@code db + j}, elements {@code k} apart. */
    void run(View src, int sb, int ss, View dst, int db, int ds, int count, int len) {
      for (int c = 0; c < count; c += COLUMNS) {
        int w = Math.min(COLUMNS, count - c);
        if (acc instanceof long[] a) {
          Arrays.fill(a, 0, w, (long) start);
        } else {
          Arrays.fill((double[]) acc, 0, w, start);
        }
        for (int k = 0; k < len; k++) {
          CpuLoops.load(src.array(), src.dtype(), sb + c + k * ss, 1, row, type, 0, w);
          step(w);
          CpuLoops.store(row, type, 0, dst.array(), dst.dtype(), db + c + k * ds, 1, w);
        }
      }
    }

    /** {@code acc op= row; row = acc}. */
    private void step(int w) {
      switch (type) {
        case F32 -> {
          float[] x = (float[]) row;
          double[] a = (double[]) acc;
          if (prod) {
            for (int j = 0; j < w; j++) {
              a[j] *= x[j];
              x[j] = (float) a[j];
            }
          } else {
            for (int j = 0; j < w; j++) {
              a[j] += x[j];
              x[j] = (float) a[j];
            }
          }
        }
        case F64 -> {
          double[] x = (double[]) row;
          double[] a = (double[]) acc;
          if (prod) {
            for (int j = 0; j < w; j++) {
              a[j] *= x[j];
              x[j] = a[j];
            }
          } else {
            for (int j = 0; j < w; j++) {
              a[j] += x[j];
              x[j] = a[j];
            }
          }
        }
        case I64 -> {
          long[] x = (long[]) row;
          long[] a = (long[]) acc;
          if (prod) {
            for (int j = 0; j < w; j++) {
              a[j] *= x[j];
              x[j] = a[j];
            }
          } else {
            for (int j = 0; j < w; j++) {
              a[j] += x[j];
              x[j] = a[j];
            }
          }
        }
        case BOOL -> throw new AssertionError("bool scans compute in int64");
      }
    }
  }

  /** A contiguous inclusive scan starting from {@code start} (float32 accumulates in double). */
  private static void scanRun(CType t, Object x, int xo, Object y, int yo, int n, double start,
      boolean prod) {
    switch (t) {
      case F32 -> {
        float[] a = (float[]) x;
        float[] b = (float[]) y;
        double c = start;
        for (int i = 0; i < n; i++) {
          c = prod ? c * a[xo + i] : c + a[xo + i];
          b[yo + i] = (float) c;
        }
      }
      case F64 -> {
        double[] a = (double[]) x;
        double[] b = (double[]) y;
        double c = start;
        for (int i = 0; i < n; i++) {
          c = prod ? c * a[xo + i] : c + a[xo + i];
          b[yo + i] = c;
        }
      }
      case I64 -> {
        long[] a = (long[]) x;
        long[] b = (long[]) y;
        long c = (long) start;
        for (int i = 0; i < n; i++) {
          c = prod ? c * a[xo + i] : c + a[xo + i];
          b[yo + i] = c;
        }
      }
      case BOOL -> throw new AssertionError("bool scans compute in int64");
    }
  }

  private static void checkDim(int dim, View src) {
    if (dim < 0 || dim >= src.dim()) {
      throw new IllegalArgumentException("dim " + dim + " is out of range for shape "
          + Arrays.toString(src.shape()));
    }
  }

  /**
   * The 1-D lines of a tensor along one dim: every index of the other dims, with src and dst
   * offsets; lines run in parallel.
   */
  private static final class Lines {
    final int length;
    final int srcStride;
    final int dstStride;
    private final View src;
    private final View dst;
    private final Plan plan;

    Lines(View dst, View src, int dim) {
      this.src = src;
      this.dst = dst;
      int nd = src.dim();
      int[] shape = new int[nd - 1];
      int[] ss = new int[nd - 1];
      int[] ds = new int[nd - 1];
      for (int d = 0, k = 0; d < nd; d++) {
        if (d != dim) {
          shape[k] = src.shape()[d];
          ss[k] = src.strides()[d];
          ds[k++] = dst.strides()[d];
        }
      }
      this.length = src.shape()[dim];
      this.srcStride = src.strides()[dim];
      this.dstStride = dst.strides()[dim];
      this.plan = Plan.of(shape, new int[][] {ss, ds}, new int[] {src.offset(), dst.offset()});
    }

    /** Per-thread state of a line body. */
    @FunctionalInterface
    interface Scratch<T> {
      T create();
    }

    /** A body run once per line with the line's src and dst offsets. */
    @FunctionalInterface
    interface Body<T> {
      void line(T scratch, int srcBase, int dstBase);
    }

    /** Whether neighbouring lines are neighbours in src and dst (unit stride between them). */
    boolean sideBySide() {
      return plan.inner() > 1 && plan.innerStride(0) == 1 && plan.innerStride(1) == 1;
    }

    /** A body run on {@code count} lines side by side, from src and dst offsets. */
    @FunctionalInterface
    interface RunBody<T> {
      void lines(T scratch, int srcBase, int dstBase, int count);
    }

    /** Runs {@code body} on runs of {@linkplain #sideBySide() side-by-side} lines. */
    <T> void forEachRun(int grain, Scratch<T> scratch, RunBody<T> body) {
      if (plan.numel == 0 || length == 0) {
        return;
      }
      Parallel.forRange(plan.numel, Math.max(1, grain / length), (s, e) -> {
        T state = scratch.create();
        CpuLoops.walk(plan, s, e, (pos, base, n) -> body.lines(state, base[0], base[1], n));
      });
    }

    /** A body run on a block of lines gathered into a buffer: line j at {@code j * length}. */
    @FunctionalInterface
    interface BlockBody<T> {
      void lines(T scratch, Object buffer, int count);
    }

    /**
     * Runs {@code body} on blocks of neighbouring lines, each gathered into a contiguous buffer of
     * compute type {@code t} and scattered back into dst afterwards. Moving several lines at once
     * reads src along its smaller stride: lines along an outer dim then cost no more than rows.
     */
    <T> void forEachBlock(CType t, int grain, Scratch<T> scratch, BlockBody<T> body) {
      if (plan.numel == 0 || length == 0) {
        return;
      }
      int most = Math.max(1, Math.min(BLOCK_LINES, BLOCK_ELEMENTS / length));
      Parallel.forRange(plan.numel, Math.max(1, grain / length), (s, e) -> {
        T state = scratch.create();
        Object buffer = t.newArray(most * length);
        CpuLoops.walk(plan, s, e, (pos, base, n) -> {
          int ls = plan.innerStride(0);
          int ld = plan.innerStride(1);
          for (int i = 0; i < n; i += most) {
            int count = Math.min(most, n - i);
            CpuLoops.gather2d(src, base[0] + i * ls, ls, srcStride, count, length, buffer, t);
            body.lines(state, buffer, count);
            CpuLoops.scatter2d(buffer, t, dst, base[1] + i * ld, ld, dstStride, count, length);
          }
        });
      });
    }

    <T> void forEach(int grain, Scratch<T> scratch, Body<T> body) {
      if (plan.numel == 0 || length == 0) {
        return;
      }
      Parallel.forRange(plan.numel, Math.max(1, grain / length), (s, e) -> {
        T state = scratch.create();
        CpuLoops.walk(plan, s, e, (pos, base, n) -> {
          for (int i = 0; i < n; i++) {
            body.line(state, base[0] + i * plan.innerStride(0),
                base[1] + i * plan.innerStride(1));
          }
        });
      });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // softmax

  /**
   * Softmax or log-softmax along {@code dim}, with the line maximum subtracted first: {@code y =
   * e^(x - m) / sum e^(x - m)} or {@code y = x - m - log(sum e^(x - m))}; the normalizer is summed
   * in double. A line whose maximum is infinite gives NaN, as in PyTorch. float32 runs the bulk
   * kernels of {@link FloatMath} (SIMD where the JVM has it), every layout computing exactly what
   * {@link #softmaxRow(FloatMath, float[], int, float[], int, int, boolean)} computes.
   */
  static void softmax(View dst, View src, int dim, boolean log) {
    if (!src.dtype().isFloatingPoint() || dst.dtype() != src.dtype()) {
      throw new IllegalArgumentException("softmax needs floating-point src and dst of one dtype,"
          + " got " + src.dtype() + " and " + dst.dtype());
    }
    if (src.dim() == 0) {
      softmax(scalarAs1d(dst), scalarAs1d(src), 0, log);
      return;
    }
    checkDim(dim, src);
    Lines lines = new Lines(dst, src, dim);
    int len = lines.length;
    boolean f32 = src.dtype() == DType.FLOAT32;
    CType t = f32 ? CType.F32 : CType.F64;
    FloatMath math = FloatMath.get();
    int grain = f32 ? math.expGrain() : CpuLoops.GRAIN_HEAVY;
    if (lines.srcStride == 1 && lines.dstStride == 1) {
      lines.forEach(grain, () -> null, (none, sb, db) -> {
        if (f32) {
          softmaxRow(math, (float[]) src.array(), sb, (float[]) dst.array(), db, len, log);
        } else {
          softmaxRow((double[]) src.array(), sb, (double[]) dst.array(), db, len, log);
        }
      });
      return;
    }
    if (lines.sideBySide()) {
      lines.forEachRun(grain, () -> new SoftmaxColumns(f32 ? math : null),
          (cols, sb, db, count) -> cols.run(src, sb, lines.srcStride, dst, db, lines.dstStride,
              count, len, log));
      return;
    }
    lines.forEachBlock(t, grain, () -> null, (none, buffer, count) -> {
      for (int j = 0; j < count; j++) {
        if (f32) {
          softmaxRow(math, (float[]) buffer, j * len, (float[]) buffer, j * len, len, log);
        } else {
          softmaxRow((double[]) buffer, j * len, (double[]) buffer, j * len, len, log);
        }
      }
    });
  }

  /**
   * Softmax of up to {@link #SOFTMAX_COLUMNS} neighbouring lines at once (a softmax along an
   * outer dim): the three passes step along the dim with a row of per-line maxima and sums,
   * computing what {@link #softmaxRow} computes for each line.
   */
  private static final class SoftmaxColumns {
    private final FloatMath math;
    private final float[] rowF;
    private final float[] maxF;
    /**
     * float32: the partial sums of {@link FloatMath#SUM_PARTS}, partial l of line j at {@code l
     * * SOFTMAX_COLUMNS + j}.
     */
    private final double[] parts;
    private final double[] rowD;
    private final double[] maxD;
    private final double[] sum;
    private final double[] exps;

    /** Lines of float32 computed with {@code math}, or of float64 if it is null. */
    SoftmaxColumns(FloatMath math) {
      boolean f32 = math != null;
      this.math = math;
      this.rowF = f32 ? new float[SOFTMAX_COLUMNS] : null;
      this.maxF = f32 ? new float[SOFTMAX_COLUMNS] : null;
      this.parts = f32 ? new double[FloatMath.SUM_PARTS * SOFTMAX_COLUMNS] : null;
      this.rowD = f32 ? null : new double[SOFTMAX_COLUMNS];
      this.maxD = f32 ? null : new double[SOFTMAX_COLUMNS];
      this.sum = f32 ? null : new double[SOFTMAX_COLUMNS];
      this.exps = f32 ? null : new double[SOFTMAX_COLUMNS];
    }

    void run(View src, int sb, int ss, View dst, int db, int ds, int count, int len,
        boolean log) {
      for (int c = 0; c < count; c += SOFTMAX_COLUMNS) {
        int w = Math.min(SOFTMAX_COLUMNS, count - c);
        if (math != null) {
          runF32((float[]) src.array(), sb + c, ss, (float[]) dst.array(), db + c, ds, w, len,
              log);
        } else {
          runF64((double[]) src.array(), sb + c, ss, (double[]) dst.array(), db + c, ds, w, len,
              log);
        }
      }
    }

    /**
     * The float32 lines: the same float differences, {@link FloatMath#exp} and partial sums as
     * {@link FloatMath#expSubSum}, so the same bits as a row.
     */
    private void runF32(float[] s, int sb, int ss, float[] d, int db, int ds, int w, int len,
        boolean log) {
      float[] x = rowF;
      float[] m = maxF;
      Arrays.fill(m, 0, w, Float.NEGATIVE_INFINITY);
      Arrays.fill(parts, 0.0);
      for (int k = 0; k < len; k++) {
        System.arraycopy(s, sb + k * ss, x, 0, w);
        for (int j = 0; j < w; j++) {
          m[j] = x[j] > m[j] ? x[j] : m[j];
        }
      }
      for (int k = 0; k < len; k++) {
        System.arraycopy(s, sb + k * ss, x, 0, w);
        for (int j = 0; j < w; j++) {
          x[j] = x[j] - m[j];
        }
        math.exp(x, 0, x, 0, w);
        int part = k % FloatMath.SUM_PARTS * SOFTMAX_COLUMNS;
        for (int j = 0; j < w; j++) {
          parts[part + j] += x[j];
        }
        if (!log) {
          System.arraycopy(x, 0, d, db + k * ds, w);
        }
      }
      // The normalizer per line, as a float row: 1/sum, or log(sum).
      float[] norm = new float[w];
      for (int j = 0; j < w; j++) {
        double total = FloatMath.combine(parts, j, SOFTMAX_COLUMNS);
        norm[j] = log ? (float) Math.log(total) : (float) (1 / total);
      }
      for (int k = 0; k < len; k++) {
        if (log) {
          System.arraycopy(s, sb + k * ss, x, 0, w);
          for (int j = 0; j < w; j++) {
            x[j] = (x[j] - m[j]) - norm[j];
          }
        } else {
          System.arraycopy(d, db + k * ds, x, 0, w);
          for (int j = 0; j < w; j++) {
            x[j] *= norm[j];
          }
        }
        System.arraycopy(x, 0, d, db + k * ds, w);
      }
    }

    private void runF64(double[] s, int sb, int ss, double[] d, int db, int ds, int w, int len,
        boolean log) {
      double[] x = rowD;
      double[] m = maxD;
      Arrays.fill(m, 0, w, Double.NEGATIVE_INFINITY);
      Arrays.fill(sum, 0, w, 0);
      for (int k = 0; k < len; k++) {
        System.arraycopy(s, sb + k * ss, x, 0, w);
        for (int j = 0; j < w; j++) {
          m[j] = Math.max(m[j], x[j]);
        }
      }
      for (int k = 0; k < len; k++) {
        System.arraycopy(s, sb + k * ss, x, 0, w);
        for (int j = 0; j < w; j++) {
          exps[j] = Math.exp(x[j] - m[j]);
        }
        for (int j = 0; j < w; j++) {
          sum[j] += exps[j];
        }
        if (!log) {
          System.arraycopy(exps, 0, d, db + k * ds, w);
        }
      }
      double[] norm = new double[w];
      for (int j = 0; j < w; j++) {
        norm[j] = log ? Math.log(sum[j]) : 1 / sum[j];
      }
      for (int k = 0; k < len; k++) {
        if (log) {
          System.arraycopy(s, sb + k * ss, x, 0, w);
          for (int j = 0; j < w; j++) {
            x[j] = (x[j] - m[j]) - norm[j];
          }
        } else {
          System.arraycopy(d, db + k * ds, x, 0, w);
          for (int j = 0; j < w; j++) {
            x[j] *= norm[j];
          }
        }
        System.arraycopy(x, 0, d, db + k * ds, w);
      }
    }
  }

  private static View scalarAs1d(View v) {
    return new View(v.array(), v.dtype(), v.offset(), new int[] {1}, new int[] {1});
  }

  /**
   * A float32 row, in three passes over it: the maximum, the exponentials and their sum, the
   * scaling (or the log-softmax from x again).
   */
  static void softmaxRow(FloatMath math, float[] x, int xo, float[] y, int yo, int n,
      boolean log) {
    float max = math.max(x, xo, n);
    if (log) {
      // The exponentials go to y, which the last pass overwrites, unless y is x (a buffer).
      double sum = x != y ? math.expSubSum(x, xo, max, y, yo, n) : math.sumExpSub(x, xo, max, n);
      math.shift(x, xo, max, (float) Math.log(sum), y, yo, n);
    } else {
      float inv = (float) (1 / math.expSubSum(x, xo, max, y, yo, n));
      // In place, so a plain loop that C2 vectorizes.
      for (int i = 0; i < n; i++) {
        y[yo + i] *= inv;
      }
    }
  }

  static void softmaxRow(double[] x, int xo, double[] y, int yo, int n, boolean log) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, x[xo + i]);
    }
    double sum = 0;
    if (log) {
      for (int i = 0; i < n; i++) {
        sum += Math.exp(x[xo + i] - max);
      }
      double lse = Math.log(sum);
      for (int i = 0; i < n; i++) {
        y[yo + i] = (x[xo + i] - max) - lse;
      }
    } else {
      for (int i = 0; i < n; i++) {
        double e = Math.exp(x[xo + i] - max);
        y[yo + i] = e;
        sum += e;
      }
      double inv = 1 / sum;
      for (int i = 0; i < n; i++) {
        y[yo + i] *= inv;
      }
    }
  }
}
