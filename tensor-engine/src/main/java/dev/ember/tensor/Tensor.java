package dev.ember.tensor;

import dev.ember.autograd.AccumulateGrad;
import dev.ember.autograd.Autograd;
import dev.ember.autograd.Node;
import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
import dev.ember.backend.Storage;
import java.util.Arrays;
import java.util.List;

/**
 * An n-dimensional array of one {@link DType} on one {@link Device}, with PyTorch's semantics:
 * broadcasting, views that share storage, in-place variants ending in {@code _}, type promotion,
 * and define-by-run autograd.
 *
 * <p>A tensor is a view (shape, strides, offset) over a {@link Storage}. Operations that PyTorch
 * defines as views ({@link #view}, {@link #transpose}, {@link #narrow}, {@link #expand}, ...) never
 * copy. Every other operation returns a new, contiguous tensor. Sizes are {@code int}: a tensor
 * holds at most 2^31 - 1 elements.
 *
 * <p>Dims may be negative (counted from the end). Bad input fails at once with an exception that
 * names the shapes, dims, dtypes or indices involved.
 */
public final class Tensor {
  private final Storage storage;
  private final int[] shape;
  private final int[] strides;
  private final int offset;
  private final int numel;
  /** For views: the tensor whose storage this views (never itself a view); else null. */
  private final Tensor base;

  private boolean requiresGradLeaf;
  private Node gradFn;
  private Tensor grad;
  private AccumulateGrad accumulator;
  /** Bumped on a base whenever an in-place operation rewrites its history. */
  private int historyStamp;
  /** The base's history stamp when this view's gradFn was set. */
  private int baseStamp;

  private Scope scope;
  private boolean released;

  Tensor(Storage storage, int[] shape, int[] strides, int offset, Tensor base) {
    this.storage = storage;
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
    this.numel = Shapes.numel(shape);
    this.base = base;
    if (base != null) {
      this.baseStamp = base.historyStamp;
    }
    Scope s = Scope.current();
    if (s != null) {
      storage.retain();
      this.scope = s;
      s.add(this);
    } else {
      storage.pin();
    }
  }

  /**
   * A new contiguous tensor with unspecified contents (the one allocation path of the engine): the
   * caller writes every element.
   */
  static Tensor allocate(DType dtype, Device device, int[] shape) {
    int n = Shapes.numel(shape);
    Backend b = Backends.get(device);
    return new Tensor(b.allocate(dtype, n), shape.clone(), Shapes.contiguousStrides(shape), 0, null);
  }

  /** A tensor over an existing storage (for backends and operators). */
  static Tensor wrap(Storage storage, int[] shape) {
    return new Tensor(storage, shape.clone(), Shapes.contiguousStrides(shape), 0, null);
  }

  /** A view of this tensor's storage with another geometry; autograd is the caller's business. */
  Tensor viewAs(int[] newShape, int[] newStrides, int newOffset) {
    return new Tensor(storage(), newShape, newStrides, newOffset, base != null ? base : this);
  }

  // ---------------------------------------------------------------------------------------------
  // Creation (see Creation for the rules)

  /** A float32 tensor of the given shape holding a copy of {@code data} (row-major). */
  public static Tensor of(float[] data, int... shape) {
    return Creation.fromArray(data, DType.FLOAT32, shape);
  }

  /** A float64 tensor of the given shape holding a copy of {@code data} (row-major). */
  public static Tensor of(double[] data, int... shape) {
    return Creation.fromArray(data, DType.FLOAT64, shape);
  }

  /** An int64 tensor of the given shape holding a copy of {@code data} (row-major). */
  public static Tensor of(long[] data, int... shape) {
    return Creation.fromArray(data, DType.INT64, shape);
  }

  /** An int32 tensor of the given shape holding a copy of {@code data} (row-major). */
  public static Tensor of(int[] data, int... shape) {
    return Creation.fromArray(data, DType.INT32, shape);
  }

  /** A bool tensor of the given shape holding a copy of {@code data} (row-major). */
  public static Tensor of(boolean[] data, int... shape) {
    return Creation.fromArray(data, DType.BOOL, shape);
  }

  /** A 1-D float32 tensor. */
  public static Tensor of(float[] data) {
    return of(data, data.length);
  }

  /** A 1-D float64 tensor. */
  public static Tensor of(double[] data) {
    return of(data, data.length);
  }

  /** A 1-D int64 tensor. */
  public static Tensor of(long[] data) {
    return of(data, data.length);
  }

  /** A 1-D int32 tensor. */
  public static Tensor of(int[] data) {
    return of(data, data.length);
  }

  /** A 1-D bool tensor. */
  public static Tensor of(boolean[] data) {
    return of(data, data.length);
  }

  /**
   * A 2-D float32 tensor from rows.
   *
   * @throws IllegalArgumentException if the rows have different lengths
   */
  public static Tensor of(float[][] rows) {
    return Creation.fromNested(rows, DType.FLOAT32);
  }

  /** A 3-D float32 tensor from nested arrays (all of equal lengths). */
  public static Tensor of(float[][][] data) {
    return Creation.fromNested(data, DType.FLOAT32);
  }

  /** A 2-D float64 tensor from rows (all of equal length). */
  public static Tensor of(double[][] rows) {
    return Creation.fromNested(rows, DType.FLOAT64);
  }

  /** A 2-D int64 tensor from rows (all of equal length). */
  public static Tensor of(long[][] rows) {
    return Creation.fromNested(rows, DType.INT64);
  }

  /** A 0-d float32 tensor. */
  public static Tensor scalar(double value) {
    return full(Shapes.SCALAR, value, DType.FLOAT32, Device.CPU);
  }

  /** A 0-d tensor of the given dtype. */
  public static Tensor scalar(double value, DType dtype) {
    return full(Shapes.SCALAR, value, dtype, Device.CPU);
  }

  /** A 0-d int64 tensor. */
  public static Tensor scalar(long value) {
    return full(Shapes.SCALAR, value, DType.INT64, Device.CPU);
  }

  /** Zeros, float32, on the cpu. */
  public static Tensor zeros(int... shape) {
    return zeros(DType.FLOAT32, Device.CPU, shape);
  }

  /** Zeros of the given dtype on the cpu. */
  public static Tensor zeros(DType dtype, int... shape) {
    return zeros(dtype, Device.CPU, shape);
  }

  /** Zeros of the given dtype on the given device. */
  public static Tensor zeros(DType dtype, Device device, int... shape) {
    return full(shape, 0, dtype, device);
  }

  /** Ones, float32, on the cpu. */
  public static Tensor ones(int... shape) {
    return ones(DType.FLOAT32, Device.CPU, shape);
  }

  /** Ones of the given dtype on the cpu. */
  public static Tensor ones(DType dtype, int... shape) {
    return ones(dtype, Device.CPU, shape);
  }

  /** Ones of the given dtype on the given device. */
  public static Tensor ones(DType dtype, Device device, int... shape) {
    return full(shape, 1, dtype, device);
  }

  /**
   * A tensor filled with {@code value}; the dtype follows the value like PyTorch's {@code full}:
   * float32 for a floating-point value, int64 for an integer, bool for a Boolean.
   */
  public static Tensor full(int[] shape, Object value) {
    return Creation.fullInfer(shape, value, Device.CPU);
  }

  /** A tensor of the given dtype and device filled with {@code value}. */
  public static Tensor full(int[] shape, double value, DType dtype, Device device) {
    Tensor t = allocate(dtype, device, shape);
    t.backend().fill(t, value);
    return t;
  }

  /**
   * An uninitialized float32 tensor: its contents are whatever the memory held (a new array is
   * zeros, a reused one keeps old values), as PyTorch's {@code empty}.
   */
  public static Tensor empty(int... shape) {
    return allocate(DType.FLOAT32, Device.CPU, shape);
  }

  /** An uninitialized tensor of the given dtype and device (see {@link #empty(int...)}). */
  public static Tensor empty(DType dtype, Device device, int... shape) {
    return allocate(dtype, device, shape);
  }

  /** {@code [0, 1, ..., end - 1]} as int64. */
  public static Tensor arange(long end) {
    return Creation.arange(0, end, 1, DType.INT64);
  }

  /** {@code [start, start + step, ...)} up to {@code end} (exclusive) as int64. */
  public static Tensor arange(long start, long end, long step) {
    return Creation.arange(start, end, step, DType.INT64);
  }

  /** {@code [start, start + step, ...)} up to {@code end} (exclusive) as float32. */
  public static Tensor arange(double start, double end, double step) {
    return Creation.arange(start, end, step, DType.FLOAT32);
  }

  /** {@code [start, start + step, ...)} up to {@code end} (exclusive) in the given dtype. */
  public static Tensor arange(double start, double end, double step, DType dtype) {
    return Creation.arange(start, end, step, dtype);
  }

  /** {@code steps} evenly spaced float32 values from {@code start} to {@code end} inclusive. */
  public static Tensor linspace(double start, double end, int steps) {
    return Creation.linspace(start, end, steps, DType.FLOAT32);
  }

  /** {@code steps} evenly spaced values from {@code start} to {@code end} inclusive. */
  public static Tensor linspace(double start, double end, int steps, DType dtype) {
    return Creation.linspace(start, end, steps, dtype);
  }

  /** The n x n float32 identity. */
  public static Tensor eye(int n) {
    return Creation.eye(n, n, DType.FLOAT32, Device.CPU);
  }

  /** The n x m matrix with ones on the diagonal, of the given dtype. */
  public static Tensor eye(int n, int m, DType dtype) {
    return Creation.eye(n, m, dtype, Device.CPU);
  }

  /** Zeros with the shape, dtype and device of {@code t}. */
  public static Tensor zerosLike(Tensor t) {
    return zeros(t.dtype(), t.device(), t.shape);
  }

  /** Ones with the shape, dtype and device of {@code t}. */
  public static Tensor onesLike(Tensor t) {
    return ones(t.dtype(), t.device(), t.shape);
  }

  /** {@code value} with the shape, dtype and device of {@code t}. */
  public static Tensor fullLike(Tensor t, double value) {
    return full(t.shape, value, t.dtype(), t.device());
  }

  /** An uninitialized tensor with the shape, dtype and device of {@code t}. */
  public static Tensor emptyLike(Tensor t) {
    return allocate(t.dtype(), t.device(), t.shape);
  }

  /** Uniform on [0, 1) with the shape, dtype and device of {@code t}, from the default generator. */
  public static Tensor randLike(Tensor t) {
    return RandomOps.rand(t.shape, t.dtype(), t.device(), Generator.getDefault());
  }

  /** Standard normal with the shape, dtype and device of {@code t}, from the default generator. */
  public static Tensor randnLike(Tensor t) {
    return RandomOps.randn(t.shape, t.dtype(), t.device(), Generator.getDefault());
  }

  /** Uniform on [0, 1), float32, from the default generator. */
  public static Tensor rand(int... shape) {
    return RandomOps.rand(shape, DType.FLOAT32, Device.CPU, Generator.getDefault());
  }

  /** Uniform on [0, 1) from {@code gen}. */
  public static Tensor rand(Generator gen, DType dtype, Device device, int... shape) {
    return RandomOps.rand(shape, dtype, device, gen);
  }

  /** Standard normal, float32, from the default generator. */
  public static Tensor randn(int... shape) {
    return RandomOps.randn(shape, DType.FLOAT32, Device.CPU, Generator.getDefault());
  }

  /** Standard normal from {@code gen}. */
  public static Tensor randn(Generator gen, DType dtype, Device device, int... shape) {
    return RandomOps.randn(shape, dtype, device, gen);
  }

  /** Uniform integers in {@code [low, high)}, int64, from the default generator. */
  public static Tensor randint(long low, long high, int... shape) {
    return RandomOps.randint(low, high, shape, DType.INT64, Device.CPU, Generator.getDefault());
  }

  /** Uniform integers in {@code [low, high)} from {@code gen}. */
  public static Tensor randint(Generator gen, long low, long high, DType dtype, Device device, int... shape) {
    return RandomOps.randint(low, high, shape, dtype, device, gen);
  }

  /** A random permutation of {@code 0 .. n-1}, int64, from the default generator. */
  public static Tensor randperm(int n) {
    return RandomOps.randperm(n, Generator.getDefault(), Device.CPU);
  }

  /** A random permutation of {@code 0 .. n-1}, int64, from {@code gen}. */
  public static Tensor randperm(int n, Generator gen) {
    return RandomOps.randperm(n, gen, Device.CPU);
  }

  /**
   * Draws 0 or 1 with probability of 1 given by each element of this tensor (in [0, 1]), from
   * the default generator; same shape and dtype.
   */
  public Tensor bernoulli() {
    return RandomOps.bernoulli(this, Generator.getDefault());
  }

  /** Like {@link #bernoulli()} with the given generator. */
  public Tensor bernoulli(Generator gen) {
    return RandomOps.bernoulli(this, gen);
  }

  /**
   * Fills this floating point tensor in place with 1 with probability {@code p}, else 0 (like
   * {@code bernoulli_(p)}); returns this. On a Mersenne Twister generator each element compares
   * a 53-bit uniform with {@code p}, as PyTorch's CPU kernel does (so dropout masks repeat
   * PyTorch's); on Philox, the same draws as {@code fullLike(this, p).bernoulli(gen)}.
   *
   * @throws IllegalArgumentException if {@code p} is not in [0, 1] or the dtype is not floating
   *     point
   */
  public Tensor bernoulli_(double p, Generator gen) {
    return RandomOps.bernoulli_(this, p, gen);
  }

  /** Fills this tensor in place from U[from, to) (default generator); returns this. */
  public Tensor uniform_(double from, double to) {
    return RandomOps.fill_(this, dev.ember.backend.RandomOp.UNIFORM, from, to, Generator.getDefault());
  }

  /** Fills this tensor in place from U[from, to) drawn from {@code gen}; returns this. */
  public Tensor uniform_(double from, double to, Generator gen) {
    return RandomOps.fill_(this, dev.ember.backend.RandomOp.UNIFORM, from, to, gen);
  }

  /** Fills this tensor in place from N(mean, std^2) (default generator); returns this. */
  public Tensor normal_(double mean, double std) {
    return RandomOps.fill_(this, dev.ember.backend.RandomOp.NORMAL, mean, std, Generator.getDefault());
  }

  /** Fills this tensor in place from N(mean, std^2) drawn from {@code gen}; returns this. */
  public Tensor normal_(double mean, double std, Generator gen) {
    return RandomOps.fill_(this, dev.ember.backend.RandomOp.NORMAL, mean, std, gen);
  }

  // ---------------------------------------------------------------------------------------------
  // Properties

  /** The element type. */
  public DType dtype() {
    return storage.dtype();
  }

  /** The device holding the storage. */
  public Device device() {
    return storage.device();
  }

  /** A copy of the shape. */
  public int[] shape() {
    return shape.clone();
  }

  /** The size of one dim (negative dims count from the end). */
  public int size(int dim) {
    return shape[Shapes.dim(dim, shape.length, shape)];
  }

  /** The number of dims (0 for a scalar). */
  public int dim() {
    return shape.length;
  }

  /** The number of elements. */
  public int numel() {
    return numel;
  }

  /** A copy of the strides, in elements. */
  public int[] stride() {
    return strides.clone();
  }

  /** The offset of the first element in the storage, in elements. */
  public int storageOffset() {
    return offset;
  }

  /** Whether the elements are laid out row-major without gaps. */
  public boolean isContiguous() {
    return Shapes.isContiguous(shape, strides);
  }

  /** Whether this tensor is a view sharing another tensor's storage (its base). */
  public boolean isView() {
    return base != null;
  }

  /**
   * The storage (for backends and operators).
   *
   * @throws IllegalStateException if the tensor was released when its scope closed
   */
  public Storage storage() {
    if (released) {
      throw new IllegalStateException(
          "tensor " + describe() + " was released when its scope closed; call keep() on results"
              + " that must outlive the scope");
    }
    return storage;
  }

  /** The backend of this tensor's device. */
  public Backend backend() {
    return storage().backend();
  }

  int[] shapeRef() {
    return shape;
  }

  int[] stridesRef() {
    return strides;
  }

  Tensor base() {
    return base;
  }

  /** The version counter of the storage: the number of in-place writes so far. */
  public int version() {
    return storage.version();
  }

  /** A short description for messages: {@code float32[2, 3] on cpu}. */
  public String describe() {
    return storage.dtype() + Arrays.toString(shape) + (storage.device().isCpu() ? "" : " on " + storage.device());
  }

  // ---------------------------------------------------------------------------------------------
  // Scopes

  /** Opens a scope that releases the tensors created in it when closed (see {@link Scope}). */
  public static Scope scope() {
    return new Scope();
  }

  /**
   * Lets this tensor outlive the scope it was created in: it moves to the enclosing scope, or out
   * of all scopes. Returns this.
   */
  public Tensor keep() {
    if (scope != null) {
      moveToScope(scope.parent());
    }
    return this;
  }

  /**
   * Moves this tensor out of every scope: it lives until the garbage collector frees it. For
   * long-lived state created while a scope may be open (parameters, buffers, optimizer state).
   * Returns this.
   */
  public Tensor persist() {
    moveToScope(null);
    return this;
  }

  Scope ownerScope() {
    return scope;
  }

  /** Moves this tensor (still holding its one reference) to {@code target}, or out of scopes. */
  void moveToScope(Scope target) {
    if (scope == target || released) {
      return;
    }
    if (target == null) {
      storage.pin();
      storage.release();
      scope = null;
    } else {
      if (scope == null) {
        storage.retain();
      }
      scope = target;
      target.add(this);
    }
  }

  void releaseFromScope() {
    if (!released) {
      released = true;
      storage.release();
    }
  }

  /** Whether this tensor's memory was released by its scope. */
  public boolean isReleased() {
    return released;
  }

  // ---------------------------------------------------------------------------------------------
  // Autograd

  /** Whether gradients flow to this tensor: a leaf marked so, or the result of such tensors. */
  public boolean requiresGrad() {
    return requiresGradLeaf || gradEdge() != null;
  }

  /**
   * Marks a leaf tensor as requiring grad (or not); returns this.
   *
   * @throws IllegalArgumentException for a non-floating-point dtype
   * @throws IllegalStateException when turning it off on a non-leaf
   */
  public Tensor requiresGrad(boolean flag) {
    if (flag && !dtype().isFloatingPoint()) {
      throw new IllegalArgumentException(
          "only tensors of floating point dtype can require gradients, got " + describe());
    }
    if (!isLeaf()) {
      if (!flag) {
        throw new IllegalStateException(
            "you can only change requiresGrad of leaf tensors; use detach() on " + describe());
      }
      return this;
    }
    requiresGradLeaf = flag;
    return this;
  }

  /** Whether this tensor is a leaf of the graph (not produced by a recorded operation). */
  public boolean isLeaf() {
    return gradFnRaw() == null;
  }

  /** The node that produced this tensor, or null for a leaf. */
  public Node gradFn() {
    return gradFnRaw();
  }

  private Node gradFnRaw() {
    if (base != null && base.historyStamp != baseStamp) {
      // The base was rewritten in place after this view was taken: this view's values now come
      // from the base's new history (PyTorch regenerates a view's grad_fn the same way).
      baseStamp = base.historyStamp;
      gradFn = base.requiresGrad() ? Movement.asStridedNode(base, this) : null;
    }
    return gradFn;
  }

  /**
   * The node that receives this tensor's gradient: its {@link #gradFn()}, or for a leaf that
   * requires grad its gradient accumulator; null if no gradient flows here.
   */
  public Node gradEdge() {
    Node fn = gradFnRaw();
    if (fn != null) {
      return fn;
    }
    if (requiresGradLeaf) {
      if (accumulator == null) {
        accumulator = new AccumulateGrad(this);
      }
      return accumulator;
    }
    return null;
  }

  /**
   * Sets the node that produced this tensor; for operator implementations (see {@link
   * Autograd#record}).
   */
  public void attachGradFn(Node node) {
    this.gradFn = node;
    if (base != null) {
      baseStamp = base.historyStamp;
    }
  }

  /** Replaces this (base) tensor's history after an in-place write; views regenerate theirs. */
  void rebaseHistory(Node node) {
    this.gradFn = node;
    this.historyStamp++;
  }

  /** The accumulated gradient of a leaf, or null. */
  public Tensor grad() {
    return grad;
  }

  /**
   * Sets the gradient (null clears it); it moves to this tensor's scope so it lives as long as the
   * tensor.
   *
   * @throws IllegalArgumentException if shape, dtype or device differ from this tensor's
   */
  public void setGrad(Tensor g) {
    if (g != null) {
      if (!Arrays.equals(g.shape, shape) || g.dtype() != dtype() || !g.device().equals(device())) {
        throw new IllegalArgumentException(
            "assigned grad " + g.describe() + " does not match tensor " + describe());
      }
      g.moveToScope(scope);
    }
    this.grad = g;
  }

  /** Computes the gradient of this scalar with respect to the graph's leaves (into their {@code grad}). */
  public void backward() {
    Autograd.backward(List.of(this), null, false, false);
  }

  /** Backpropagates {@code gradient} (same shape as this tensor). */
  public void backward(Tensor gradient) {
    Autograd.backward(List.of(this), Arrays.asList(gradient), false, false);
  }

  /**
   * Backpropagates {@code gradient} (null for a scalar); with {@code retainGraph} the graph can be
   * walked again.
   */
  public void backward(Tensor gradient, boolean retainGraph) {
    Autograd.backward(List.of(this), Arrays.asList(gradient), retainGraph, false);
  }

  /** A tensor sharing this one's storage but outside the graph (no history, no grad). */
  public Tensor detach() {
    return new Tensor(storage(), shape, strides, offset, null);
  }

  // ---------------------------------------------------------------------------------------------
  // Conversion and copies

  /** This tensor converted to {@code dtype} (this tensor itself if already of that dtype). */
  public Tensor to(DType dtype) {
    return Elementwise.cast(this, dtype);
  }

  /** This tensor on {@code device} (this tensor itself if already there). */
  public Tensor to(Device device) {
    return Movement.toDevice(this, device);
  }

  /** A contiguous copy with its own storage (differentiable). */
  @Override
  public Tensor clone() {
    return Movement.clone(this);
  }

  /** This tensor if contiguous, else a contiguous copy (differentiable). */
  public Tensor contiguous() {
    return isContiguous() ? this : clone();
  }

  /**
   * Copies {@code src} (broadcast to this shape, cast to this dtype, from any device) into this
   * tensor; returns this.
   */
  public Tensor copy_(Tensor src) {
    return Elementwise.copy_(this, src);
  }

  /** Sets every element to {@code value}; returns this. */
  public Tensor fill_(Number value) {
    return Elementwise.fill_(this, value);
  }

  /** Sets every element to 0; returns this. */
  public Tensor zero_() {
    return fill_(0);
  }

  // ---------------------------------------------------------------------------------------------
  // Views (no copy)

  /**
   * A view with another shape (one size may be -1).
   *
   * @throws IllegalArgumentException if the sizes do not match or the strides do not allow a view
   */
  public Tensor view(int... newShape) {
    return Movement.view(this, newShape);
  }

  /** A view when the strides allow one, else a copy, with another shape (one size may be -1). */
  public Tensor reshape(int... newShape) {
    return Movement.reshape(this, newShape);
  }

  /** The view with dims {@code dim0} and {@code dim1} swapped. */
  public Tensor transpose(int dim0, int dim1) {
    return Movement.transpose(this, dim0, dim1);
  }

  /** The view with dims reordered: result dim i is input dim {@code dims[i]}. */
  public Tensor permute(int... dims) {
    return Movement.permute(this, dims);
  }

  /** Transpose of a tensor of at most 2 dims. */
  public Tensor t() {
    if (dim() > 2) {
      throw new IllegalArgumentException("t() expects a tensor with <= 2 dims, got " + describe());
    }
    return dim() < 2 ? this : transpose(0, 1);
  }

  /** The last two dims swapped (matrix transpose of a batch). */
  public Tensor mT() {
    if (dim() < 2) {
      throw new IllegalArgumentException("mT expects a tensor with >= 2 dims, got " + describe());
    }
    return transpose(-2, -1);
  }

  /** The view without any size-1 dims. */
  public Tensor squeeze() {
    return Movement.squeeze(this, null);
  }

  /** The view without {@code dim} if its size is 1 (else this tensor unchanged, as PyTorch). */
  public Tensor squeeze(int dim) {
    return Movement.squeeze(this, new int[] {dim});
  }

  /** The view with a size-1 dim inserted at {@code dim} (in {@code [-dim()-1, dim()]}). */
  public Tensor unsqueeze(int dim) {
    return Movement.unsqueeze(this, dim);
  }

  /**
   * The view broadcast to {@code sizes} (-1 keeps a size); new dims are added in front.
   *
   * @throws IllegalArgumentException if a non-1 size would change
   */
  public Tensor expand(int... sizes) {
    return Movement.expand(this, sizes);
  }

  /** The view broadcast to {@code shape} (like {@code torch.broadcast_to}). */
  public Tensor broadcastTo(int... shape) {
    return Movement.expand(this, shape);
  }

  /** The view broadcast to the shape of {@code other}. */
  public Tensor expandAs(Tensor other) {
    return Movement.expand(this, other.shape);
  }

  /** The view of {@code length} elements of {@code dim} from {@code start}. */
  public Tensor narrow(int dim, int start, int length) {
    return Movement.narrow(this, dim, start, length);
  }

  /**
   * The view {@code [start:end:step]} along {@code dim}; start and end are clamped like Python
   * slices and may be negative.
   */
  public Tensor slice(int dim, int start, int end, int step) {
    return Movement.slice(this, dim, start, end, step);
  }

  /** The view at {@code index} of {@code dim}, which is removed. */
  public Tensor select(int dim, int index) {
    return Movement.select(this, dim, index);
  }

  /** A 1-D view (or copy, if the strides do not allow a view). */
  public Tensor flatten() {
    return Movement.flatten(this, 0, -1);
  }

  /** Dims {@code startDim..endDim} merged into one (a view when possible). */
  public Tensor flatten(int startDim, int endDim) {
    return Movement.flatten(this, startDim, endDim);
  }

  /** Dim {@code dim} split into {@code sizes} (one may be -1). */
  public Tensor unflatten(int dim, int... sizes) {
    return Movement.unflatten(this, dim, sizes);
  }

  /** {@code chunks} views along {@code dim} of equal size (the last may be smaller). */
  public List<Tensor> chunk(int chunks, int dim) {
    return Movement.chunk(this, chunks, dim);
  }

  /** Views of {@code splitSize} elements along {@code dim} (the last may be smaller). */
  public List<Tensor> split(int splitSize, int dim) {
    return Movement.split(this, splitSize, dim);
  }

  /** Views of the given sizes along {@code dim}; the sizes must sum to the dim's size. */
  public List<Tensor> split(int[] sizes, int dim) {
    return Movement.split(this, sizes, dim);
  }

  /** The elements in reverse order along each of {@code dims} (a copy, as PyTorch). */
  public Tensor flip(int... dims) {
    return Movement.flip(this, dims);
  }

  /** Concatenation along {@code dim} of tensors with equal other sizes. */
  public static Tensor cat(List<Tensor> tensors, int dim) {
    return Movement.cat(tensors, dim);
  }

  /** Concatenation along {@code dim}. */
  public static Tensor cat(int dim, Tensor... tensors) {
    return Movement.cat(Arrays.asList(tensors), dim);
  }

  /** Stacks equal-shape tensors along a new dim {@code dim}. */
  public static Tensor stack(List<Tensor> tensors, int dim) {
    return Movement.stack(tensors, dim);
  }

  /** Stacks equal-shape tensors along a new dim {@code dim}. */
  public static Tensor stack(int dim, Tensor... tensors) {
    return Movement.stack(Arrays.asList(tensors), dim);
  }

  // ---------------------------------------------------------------------------------------------
  // Indexing

  /** The entries of {@code index} (1-D int64/int32) along {@code dim}. */
  public Tensor indexSelect(int dim, Tensor index) {
    return Indexing.indexSelect(this, dim, index);
  }

  /** {@code out[i][j] = this[index[i][j]][j]} for dim 0 (and so on for other dims). */
  public Tensor gather(int dim, Tensor index) {
    return Indexing.gather(this, dim, index);
  }

  /** A copy with {@code src} values written at {@code index} along {@code dim}. */
  public Tensor scatter(int dim, Tensor index, Tensor src) {
    return Indexing.scatter(this, dim, index, src, false);
  }

  /** A copy with {@code value} written at {@code index} along {@code dim}. */
  public Tensor scatter(int dim, Tensor index, Number value) {
    return Indexing.scatterValue(this, dim, index, value);
  }

  /** In place: writes {@code src} at {@code index} along {@code dim}; returns this. */
  public Tensor scatter_(int dim, Tensor index, Tensor src) {
    return Indexing.scatter_(this, dim, index, src, false);
  }

  /** A copy with {@code src} added at {@code index} along {@code dim}. */
  public Tensor scatterAdd(int dim, Tensor index, Tensor src) {
    return Indexing.scatter(this, dim, index, src, true);
  }

  /** In place: adds {@code src} at {@code index} along {@code dim}; returns this. */
  public Tensor scatterAdd_(int dim, Tensor index, Tensor src) {
    return Indexing.scatter_(this, dim, index, src, true);
  }

  /** A copy with {@code value} where {@code mask} (bool, broadcastable) is true. */
  public Tensor maskedFill(Tensor mask, Number value) {
    return Indexing.maskedFill(this, mask, value);
  }

  /** In place: {@code value} where {@code mask} is true; returns this. */
  public Tensor maskedFill_(Tensor mask, Number value) {
    return Indexing.maskedFill_(this, mask, value);
  }

  /** The 1-D tensor of the elements where {@code mask} (bool, broadcastable) is true. */
  public Tensor maskedSelect(Tensor mask) {
    return Indexing.maskedSelect(this, mask);
  }

  /** Elements of this tensor at flat (row-major) indices {@code index}, in index's shape. */
  public Tensor take(Tensor index) {
    return Indexing.take(this, index);
  }

  /** One-hot int64 encoding of this integer tensor, with a new last dim of {@code numClasses} (-1: max + 1). */
  public Tensor oneHot(int numClasses) {
    return Indexing.oneHot(this, numClasses);
  }

  /** {@code cond ? a : b} elementwise with broadcasting; cond is bool. */
  public static Tensor where(Tensor cond, Tensor a, Tensor b) {
    return Elementwise.where(cond, a, b);
  }

  /** {@code cond ? a : b} elementwise with a scalar {@code b}. */
  public static Tensor where(Tensor cond, Tensor a, Number b) {
    return Elementwise.where(cond, a, Elementwise.scalarLike(b, a));
  }

  /** {@code cond ? a : b} elementwise with a scalar {@code a}. */
  public static Tensor where(Tensor cond, Number a, Tensor b) {
    return Elementwise.where(cond, Elementwise.scalarLike(a, b), b);
  }

  // ---------------------------------------------------------------------------------------------
  // Elementwise arithmetic (broadcasting, type promotion)

  /** {@code this + other}. */
  public Tensor add(Tensor other) {
    return Elementwise.add(this, other);
  }

  /** {@code this + alpha * other}. */
  public Tensor add(Tensor other, Number alpha) {
    return Elementwise.add(this, Elementwise.mulScalar(other, alpha));
  }

  /** {@code this + value}. */
  public Tensor add(Number value) {
    return Elementwise.add(this, Elementwise.scalarLike(value, this));
  }

  /** {@code this - other}. */
  public Tensor sub(Tensor other) {
    return Elementwise.sub(this, other);
  }

  /** {@code this - alpha * other}. */
  public Tensor sub(Tensor other, Number alpha) {
    return Elementwise.sub(this, Elementwise.mulScalar(other, alpha));
  }

  /** {@code this - value}. */
  public Tensor sub(Number value) {
    return Elementwise.sub(this, Elementwise.scalarLike(value, this));
  }

  /** {@code this * other}. */
  public Tensor mul(Tensor other) {
    return Elementwise.mul(this, other);
  }

  /** {@code this * value}. */
  public Tensor mul(Number value) {
    return Elementwise.mul(this, Elementwise.scalarLike(value, this));
  }

  /** {@code this / other} (true division: integers give float32). */
  public Tensor div(Tensor other) {
    return Elementwise.div(this, other);
  }

  /** {@code this / value} (true division). */
  public Tensor div(Number value) {
    return Elementwise.div(this, Elementwise.scalarLike(value, this));
  }

  /** {@code this ^ exponent} elementwise. */
  public Tensor pow(Tensor exponent) {
    return Elementwise.pow(this, exponent);
  }

  /** {@code this ^ exponent}. */
  public Tensor pow(Number exponent) {
    return Elementwise.powScalar(this, exponent);
  }

  /** {@code base ^ this}: a scalar raised to this tensor. */
  public static Tensor pow(Number base, Tensor exponent) {
    return Elementwise.pow(Elementwise.scalarLike(base, exponent), exponent);
  }

  /** Elementwise maximum (NaN-propagating). */
  public Tensor maximum(Tensor other) {
    return Elementwise.maximum(this, other);
  }

  /** Elementwise minimum (NaN-propagating). */
  public Tensor minimum(Tensor other) {
    return Elementwise.minimum(this, other);
  }

  /** {@code -this}. */
  public Tensor neg() {
    return Elementwise.neg(this);
  }

  /** {@code |this|}. */
  public Tensor abs() {
    return Elementwise.abs(this);
  }

  /** The sign, in {-1, 0, 1}. */
  public Tensor sign() {
    return Elementwise.sign(this);
  }

  /** {@code e^this}. */
  public Tensor exp() {
    return Elementwise.exp(this);
  }

  /** The natural logarithm. */
  public Tensor log() {
    return Elementwise.log(this);
  }

  /** {@code log(1 + this)}, accurate near 0. */
  public Tensor log1p() {
    return Elementwise.log1p(this);
  }

  /** {@code e^this - 1}, accurate near 0. */
  public Tensor expm1() {
    return Elementwise.expm1(this);
  }

  /** The square root. */
  public Tensor sqrt() {
    return Elementwise.sqrt(this);
  }

  /** {@code 1 / sqrt(this)}. */
  public Tensor rsqrt() {
    return Elementwise.rsqrt(this);
  }

  /** {@code 1 / this}. */
  public Tensor reciprocal() {
    return Elementwise.reciprocal(this);
  }

  /** {@code this * this}. */
  public Tensor square() {
    return Elementwise.mul(this, this);
  }

  /** The sine. */
  public Tensor sin() {
    return Elementwise.sin(this);
  }

  /** The cosine. */
  public Tensor cos() {
    return Elementwise.cos(this);
  }

  /** The hyperbolic tangent. */
  public Tensor tanh() {
    return Elementwise.tanh(this);
  }

  /** The logistic function {@code 1 / (1 + e^-x)}. */
  public Tensor sigmoid() {
    return Elementwise.sigmoid(this);
  }

  /** {@code max(x, 0)}. */
  public Tensor relu() {
    return Elementwise.relu(this);
  }

  /** {@code x >= 0 ? x : slope * x}. */
  public Tensor leakyRelu(double negativeSlope) {
    return Elementwise.leakyRelu(this, negativeSlope);
  }

  /** GELU, {@code x * Phi(x)} with the exact Gaussian CDF. */
  public Tensor gelu() {
    return Elementwise.gelu(this, false);
  }

  /**
   * GELU with {@code approximate} = {@code "none"} (exact) or {@code "tanh"}.
   *
   * @throws IllegalArgumentException for another value
   */
  public Tensor gelu(String approximate) {
    return switch (approximate) {
      case "none" -> Elementwise.gelu(this, false);
      case "tanh" -> Elementwise.gelu(this, true);
      default -> throw new IllegalArgumentException(
          "approximate must be 'none' or 'tanh', got '" + approximate + "'");
    };
  }

  /** SiLU (swish), {@code x * sigmoid(x)}. */
  public Tensor silu() {
    return Elementwise.silu(this);
  }

  /** {@code log(1 + e^x)} (beta 1, threshold 20, as PyTorch). */
  public Tensor softplus() {
    return Elementwise.softplus(this, 1, 20);
  }

  /** {@code log(1 + e^(beta x)) / beta}, linear where {@code beta x > threshold}. */
  public Tensor softplus(double beta, double threshold) {
    return Elementwise.softplus(this, beta, threshold);
  }

  /** The error function. */
  public Tensor erf() {
    return Elementwise.erf(this);
  }

  /** Values clamped to {@code [min, max]}; a null bound is no bound. */
  public Tensor clamp(Number min, Number max) {
    return Elementwise.clamp(this, min, max);
  }

  /** Values clamped below at {@code min}. */
  public Tensor clampMin(Number min) {
    return Elementwise.clamp(this, min, null);
  }

  /** Values clamped above at {@code max}. */
  public Tensor clampMax(Number max) {
    return Elementwise.clamp(this, null, max);
  }

  /** Rounded toward negative infinity. */
  public Tensor floor() {
    return Elementwise.floor(this);
  }

  /** Rounded toward positive infinity. */
  public Tensor ceil() {
    return Elementwise.ceil(this);
  }

  /** Rounded half to even. */
  public Tensor round() {
    return Elementwise.round(this);
  }

  /** Elementwise {@code isnan}, bool. */
  public Tensor isnan() {
    return Elementwise.isnan(this);
  }

  /** Elementwise {@code isinf}, bool. */
  public Tensor isinf() {
    return Elementwise.isinf(this);
  }

  // In-place variants: the same operations writing into this tensor; each returns this.

  /** In place {@code this += other}. */
  public Tensor add_(Tensor other) {
    return Elementwise.arith_(dev.ember.backend.BinaryOp.ADD, Elementwise::add, this, other);
  }

  /** In place {@code this += alpha * other}. */
  public Tensor add_(Tensor other, Number alpha) {
    return Elementwise.arith_(
        dev.ember.backend.BinaryOp.ADD, Elementwise::add, this, Elementwise.mulScalar(other, alpha));
  }

  /** In place {@code this += value}. */
  public Tensor add_(Number value) {
    return Elementwise.arith_(
        dev.ember.backend.BinaryOp.ADD, Elementwise::add, this, Elementwise.scalarLike(value, this));
  }

  /** In place {@code this -= other}. */
  public Tensor sub_(Tensor other) {
    return Elementwise.arith_(dev.ember.backend.BinaryOp.SUB, Elementwise::sub, this, other);
  }

  /** In place {@code this -= value}. */
  public Tensor sub_(Number value) {
    return Elementwise.arith_(
        dev.ember.backend.BinaryOp.SUB, Elementwise::sub, this, Elementwise.scalarLike(value, this));
  }

  /** In place {@code this *= other}. */
  public Tensor mul_(Tensor other) {
    return Elementwise.arith_(dev.ember.backend.BinaryOp.MUL, Elementwise::mul, this, other);
  }

  /** In place {@code this *= value}. */
  public Tensor mul_(Number value) {
    return Elementwise.arith_(
        dev.ember.backend.BinaryOp.MUL, Elementwise::mul, this, Elementwise.scalarLike(value, this));
  }

  /** In place {@code this /= other}. */
  public Tensor div_(Tensor other) {
    return Elementwise.arith_(dev.ember.backend.BinaryOp.DIV, Elementwise::div, this, other);
  }

  /** In place {@code this /= value}. */
  public Tensor div_(Number value) {
    return Elementwise.arith_(
        dev.ember.backend.BinaryOp.DIV, Elementwise::div, this, Elementwise.scalarLike(value, this));
  }

  /** In place {@code this = this ^ exponent}. */
  public Tensor pow_(Number exponent) {
    return Elementwise.inplace(this, x -> Elementwise.powScalar(x, exponent));
  }

  /** In place {@code this = this ^ exponent}. */
  public Tensor pow_(Tensor exponent) {
    return Elementwise.inplace(this, Elementwise::pow, exponent);
  }

  /** In place maximum. */
  public Tensor maximum_(Tensor other) {
    return Elementwise.inplace(this, Elementwise::maximum, other);
  }

  /** In place minimum. */
  public Tensor minimum_(Tensor other) {
    return Elementwise.inplace(this, Elementwise::minimum, other);
  }

  /** In place negation. */
  public Tensor neg_() {
    return Elementwise.inplace(this, Elementwise::neg);
  }

  /** In place absolute value. */
  public Tensor abs_() {
    return Elementwise.inplace(this, Elementwise::abs);
  }

  /** In place sign. */
  public Tensor sign_() {
    return Elementwise.inplace(this, Elementwise::sign);
  }

  /** In place exponential. */
  public Tensor exp_() {
    return Elementwise.inplace(this, Elementwise::exp);
  }

  /** In place natural logarithm. */
  public Tensor log_() {
    return Elementwise.inplace(this, Elementwise::log);
  }

  /** In place {@code log(1 + x)}. */
  public Tensor log1p_() {
    return Elementwise.inplace(this, Elementwise::log1p);
  }

  /** In place {@code e^x - 1}. */
  public Tensor expm1_() {
    return Elementwise.inplace(this, Elementwise::expm1);
  }

  /** In place square root. */
  public Tensor sqrt_() {
    return Elementwise.inplace(this, Elementwise::sqrt);
  }

  /** In place {@code 1 / sqrt(x)}. */
  public Tensor rsqrt_() {
    return Elementwise.inplace(this, Elementwise::rsqrt);
  }

  /** In place {@code 1 / x}. */
  public Tensor reciprocal_() {
    return Elementwise.inplace(this, Elementwise::reciprocal);
  }

  /** In place sine. */
  public Tensor sin_() {
    return Elementwise.inplace(this, Elementwise::sin);
  }

  /** In place cosine. */
  public Tensor cos_() {
    return Elementwise.inplace(this, Elementwise::cos);
  }

  /** In place hyperbolic tangent. */
  public Tensor tanh_() {
    return Elementwise.inplace(this, Elementwise::tanh);
  }

  /** In place logistic function. */
  public Tensor sigmoid_() {
    return Elementwise.inplace(this, Elementwise::sigmoid);
  }

  /** In place ReLU. */
  public Tensor relu_() {
    return Elementwise.inplace(this, Elementwise::relu);
  }

  /** In place leaky ReLU. */
  public Tensor leakyRelu_(double negativeSlope) {
    return Elementwise.inplace(this, x -> Elementwise.leakyRelu(x, negativeSlope));
  }

  /** In place exact GELU. */
  public Tensor gelu_() {
    return Elementwise.inplace(this, x -> Elementwise.gelu(x, false));
  }

  /** In place SiLU. */
  public Tensor silu_() {
    return Elementwise.inplace(this, Elementwise::silu);
  }

  /** In place softplus (beta 1, threshold 20). */
  public Tensor softplus_() {
    return Elementwise.inplace(this, x -> Elementwise.softplus(x, 1, 20));
  }

  /** In place error function. */
  public Tensor erf_() {
    return Elementwise.inplace(this, Elementwise::erf);
  }

  /** In place clamp; a null bound is no bound. */
  public Tensor clamp_(Number min, Number max) {
    return Elementwise.inplace(this, x -> Elementwise.clamp(x, min, max));
  }

  /** In place floor. */
  public Tensor floor_() {
    return Elementwise.inplace(this, Elementwise::floor);
  }

  /** In place ceil. */
  public Tensor ceil_() {
    return Elementwise.inplace(this, Elementwise::ceil);
  }

  /** In place round half to even. */
  public Tensor round_() {
    return Elementwise.inplace(this, Elementwise::round);
  }

  // ---------------------------------------------------------------------------------------------
  // Comparisons and logic (bool results)

  /** {@code this == other}. */
  public Tensor eq(Tensor other) {
    return Elementwise.compare(dev.ember.backend.BinaryOp.EQ, this, other);
  }

  /** {@code this == value}. */
  public Tensor eq(Number value) {
    return eq(Elementwise.scalarLike(value, this));
  }

  /** {@code this != other}. */
  public Tensor ne(Tensor other) {
    return Elementwise.compare(dev.ember.backend.BinaryOp.NE, this, other);
  }

  /** {@code this != value}. */
  public Tensor ne(Number value) {
    return ne(Elementwise.scalarLike(value, this));
  }

  /** {@code this < other}. */
  public Tensor lt(Tensor other) {
    return Elementwise.compare(dev.ember.backend.BinaryOp.LT, this, other);
  }

  /** {@code this < value}. */
  public Tensor lt(Number value) {
    return lt(Elementwise.scalarLike(value, this));
  }

  /** {@code this <= other}. */
  public Tensor le(Tensor other) {
    return Elementwise.compare(dev.ember.backend.BinaryOp.LE, this, other);
  }

  /** {@code this <= value}. */
  public Tensor le(Number value) {
    return le(Elementwise.scalarLike(value, this));
  }

  /** {@code this > other}. */
  public Tensor gt(Tensor other) {
    return Elementwise.compare(dev.ember.backend.BinaryOp.GT, this, other);
  }

  /** {@code this > value}. */
  public Tensor gt(Number value) {
    return gt(Elementwise.scalarLike(value, this));
  }

  /** {@code this >= other}. */
  public Tensor ge(Tensor other) {
    return Elementwise.compare(dev.ember.backend.BinaryOp.GE, this, other);
  }

  /** {@code this >= value}. */
  public Tensor ge(Number value) {
    return ge(Elementwise.scalarLike(value, this));
  }

  /** Logical and of nonzero-ness. */
  public Tensor logicalAnd(Tensor other) {
    return Elementwise.compare(dev.ember.backend.BinaryOp.LOGICAL_AND, this, other);
  }

  /** Logical or of nonzero-ness. */
  public Tensor logicalOr(Tensor other) {
    return Elementwise.compare(dev.ember.backend.BinaryOp.LOGICAL_OR, this, other);
  }

  /** Logical xor of nonzero-ness. */
  public Tensor logicalXor(Tensor other) {
    return Elementwise.compare(dev.ember.backend.BinaryOp.LOGICAL_XOR, this, other);
  }

  /** Logical not (true where zero). */
  public Tensor logicalNot() {
    return Elementwise.logicalNot(this);
  }

  // ---------------------------------------------------------------------------------------------
  // Reductions

  /** The sum of all elements (0-d; int64 for integer and bool inputs). */
  public Tensor sum() {
    return Reduce.sum(this, new int[0], false);
  }

  /** The sum over {@code dim}, which is removed. */
  public Tensor sum(int dim) {
    return Reduce.sum(this, new int[] {dim}, false);
  }

  /** The sum over {@code dim}, kept with size 1 when {@code keepDim}. */
  public Tensor sum(int dim, boolean keepDim) {
    return Reduce.sum(this, new int[] {dim}, keepDim);
  }

  /** The sum over {@code dims} (empty: all). */
  public Tensor sum(int[] dims, boolean keepDim) {
    return Reduce.sum(this, dims, keepDim);
  }

  /** The mean of all elements (floating point only). */
  public Tensor mean() {
    return Reduce.mean(this, new int[0], false);
  }

  /** The mean over {@code dim}. */
  public Tensor mean(int dim) {
    return Reduce.mean(this, new int[] {dim}, false);
  }

  /** The mean over {@code dim}, kept with size 1 when {@code keepDim}. */
  public Tensor mean(int dim, boolean keepDim) {
    return Reduce.mean(this, new int[] {dim}, keepDim);
  }

  /** The mean over {@code dims} (empty: all). */
  public Tensor mean(int[] dims, boolean keepDim) {
    return Reduce.mean(this, dims, keepDim);
  }

  /** The product of all elements. */
  public Tensor prod() {
    return Reduce.prod(this, new int[0], false);
  }

  /** The product over {@code dim}. */
  public Tensor prod(int dim, boolean keepDim) {
    return Reduce.prod(this, new int[] {dim}, keepDim);
  }

  /** The product over {@code dims} (empty: all). */
  public Tensor prod(int[] dims, boolean keepDim) {
    return Reduce.prod(this, dims, keepDim);
  }

  /** The maximum of all elements (0-d; the gradient is shared evenly among ties, NaNs included). */
  public Tensor max() {
    return Reduce.extremeAll(this, true);
  }

  /** The maximum over {@code dim} and its index (the gradient goes to that index). */
  public ValuesIndices max(int dim, boolean keepDim) {
    return Reduce.maxWithIndices(this, dim, keepDim, true);
  }

  /** The minimum of all elements (0-d; the gradient is shared like {@link #max()}'s). */
  public Tensor min() {
    return Reduce.extremeAll(this, false);
  }

  /** The minimum over {@code dim} and its index. */
  public ValuesIndices min(int dim, boolean keepDim) {
    return Reduce.maxWithIndices(this, dim, keepDim, false);
  }

  /** The maximum over {@code dims} (empty: all; gradient shared evenly among ties). */
  public Tensor amax(int[] dims, boolean keepDim) {
    return Reduce.amax(this, dims, keepDim);
  }

  /** The minimum over {@code dims} (empty: all; gradient shared evenly among ties). */
  public Tensor amin(int[] dims, boolean keepDim) {
    return Reduce.amin(this, dims, keepDim);
  }

  /** The flat (row-major) index of the first maximum, int64 0-d. */
  public Tensor argmax() {
    return Reduce.arg(this.reshape(-1), 0, false, true);
  }

  /** The index of the first maximum along {@code dim}. */
  public Tensor argmax(int dim, boolean keepDim) {
    return Reduce.arg(this, dim, keepDim, true);
  }

  /** The flat index of the first minimum, int64 0-d. */
  public Tensor argmin() {
    return Reduce.arg(this.reshape(-1), 0, false, false);
  }

  /** The index of the first minimum along {@code dim}. */
  public Tensor argmin(int dim, boolean keepDim) {
    return Reduce.arg(this, dim, keepDim, false);
  }

  /** The variance of all elements with Bessel's correction (correction 1). */
  public Tensor var() {
    return Reduce.var(this, new int[0], 1, false);
  }

  /**
   * The variance over {@code dims}: {@code sum((x - mean)^2) / (N - correction)}; correction 1 is
   * the unbiased estimate, 0 the population variance.
   */
  public Tensor var(int[] dims, int correction, boolean keepDim) {
    return Reduce.var(this, dims, correction, keepDim);
  }

  /** The standard deviation of all elements (correction 1). */
  public Tensor std() {
    return Reduce.std(this, new int[0], 1, false);
  }

  /** The standard deviation over {@code dims} with the given correction. */
  public Tensor std(int[] dims, int correction, boolean keepDim) {
    return Reduce.std(this, dims, correction, keepDim);
  }

  /** The 2-norm of all elements. */
  public Tensor norm() {
    return Reduce.norm(this, 2, new int[0], false);
  }

  /**
   * The p-norm over {@code dims}: {@code (sum |x|^p)^(1/p)}; {@code p} may be
   * {@code Double.POSITIVE_INFINITY} (max |x|), 0 (count of nonzeros), or any positive value.
   */
  public Tensor norm(double p, int[] dims, boolean keepDim) {
    return Reduce.norm(this, p, dims, keepDim);
  }

  /** {@code log(sum(exp(x)))} over {@code dims}, computed stably. */
  public Tensor logsumexp(int[] dims, boolean keepDim) {
    return Reduce.logsumexp(this, dims, keepDim);
  }

  /** {@code log(sum(exp(x)))} over {@code dim}, computed stably. */
  public Tensor logsumexp(int dim, boolean keepDim) {
    return Reduce.logsumexp(this, new int[] {dim}, keepDim);
  }

  /** Softmax along {@code dim}: {@code exp(x - max) / sum(exp(x - max))}. */
  public Tensor softmax(int dim) {
    return Reduce.softmax(this, dim, false);
  }

  /** Log-softmax along {@code dim}: {@code x - logsumexp(x)}, computed stably. */
  public Tensor logSoftmax(int dim) {
    return Reduce.softmax(this, dim, true);
  }

  /** The inclusive cumulative sum along {@code dim}. */
  public Tensor cumsum(int dim) {
    return Reduce.cumsum(this, dim);
  }

  /** Whether every element is nonzero (bool 0-d). */
  public Tensor all() {
    return Reduce.logical(this, dev.ember.backend.ReduceOp.ALL, new int[0], false);
  }

  /** Whether every element along {@code dims} is nonzero. */
  public Tensor all(int[] dims, boolean keepDim) {
    return Reduce.logical(this, dev.ember.backend.ReduceOp.ALL, dims, keepDim);
  }

  /** Whether any element is nonzero (bool 0-d). */
  public Tensor any() {
    return Reduce.logical(this, dev.ember.backend.ReduceOp.ANY, new int[0], false);
  }

  /** Whether any element along {@code dims} is nonzero. */
  public Tensor any(int[] dims, boolean keepDim) {
    return Reduce.logical(this, dev.ember.backend.ReduceOp.ANY, dims, keepDim);
  }

  // ---------------------------------------------------------------------------------------------
  // Linear algebra

  /**
   * The matrix product with {@code torch.matmul}'s rules: dot for 1-D x 1-D, matrix-vector,
   * matrix-matrix, and batched with broadcasting of the batch dims.
   */
  public Tensor matmul(Tensor other) {
    return Linalg.matmul(this, other);
  }

  /** The product of two matrices (2-D only). */
  public Tensor mm(Tensor other) {
    return Linalg.mm(this, other);
  }

  /** The batched product of (B, n, m) and (B, m, p) (no broadcasting). */
  public Tensor bmm(Tensor other) {
    return Linalg.bmm(this, other);
  }

  /** The dot product of two 1-D tensors. */
  public Tensor dot(Tensor other) {
    return Linalg.dot(this, other);
  }

  /** The outer product of two 1-D tensors. */
  public Tensor outer(Tensor other) {
    return Linalg.outer(this, other);
  }

  /** {@code this + m1 @ m2} (this broadcast to the result). */
  public Tensor addmm(Tensor m1, Tensor m2) {
    return Linalg.addmm(this, m1, m2, 1, 1);
  }

  /** {@code beta * input + alpha * (m1 @ m2)}. */
  public static Tensor addmm(Tensor input, Tensor m1, Tensor m2, double beta, double alpha) {
    return Linalg.addmm(input, m1, m2, beta, alpha);
  }

  // ---------------------------------------------------------------------------------------------
  // Values

  /**
   * The value of a one-element tensor as a double.
   *
   * @throws IllegalStateException if the tensor has more than one element
   */
  public double item() {
    return Formatting.item(this);
  }

  /** The value of a one-element integer tensor as a long (exact for all int64 values). */
  public long itemLong() {
    return Formatting.itemLong(this);
  }

  /** The elements, row-major, as floats (converting if needed). */
  public float[] toFloatArray() {
    return (float[]) to(DType.FLOAT32).download();
  }

  /** The elements, row-major, as doubles (converting if needed). */
  public double[] toDoubleArray() {
    return (double[]) to(DType.FLOAT64).download();
  }

  /** The elements, row-major, as longs (converting if needed; floats truncate toward zero). */
  public long[] toLongArray() {
    return (long[]) to(DType.INT64).download();
  }

  /** The elements, row-major, as ints (converting if needed). */
  public int[] toIntArray() {
    return (int[]) to(DType.INT32).download();
  }

  /** The elements, row-major, as booleans (nonzero is true). */
  public boolean[] toBooleanArray() {
    return (boolean[]) to(DType.BOOL).download();
  }

  private Object download() {
    return backend().download(this);
  }

  /**
   * Whether {@code |this - other| <= atol + rtol * |other|} elementwise (with broadcasting), NaNs
   * never equal; like {@code torch.allclose}.
   */
  public boolean allClose(Tensor other, double rtol, double atol) {
    return Formatting.allClose(this, other, rtol, atol, false);
  }

  /** {@link #allClose(Tensor, double, double)} with rtol 1e-5, atol 1e-8. */
  public boolean allClose(Tensor other) {
    return allClose(other, 1e-5, 1e-8);
  }

  /**
   * Same shape, dtype, device and elements (NaN is not equal to NaN), like {@code torch.equal}
   * with the dtype also compared. Tensors are mutable: do not use them as hash keys.
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof Tensor t && Formatting.equal(this, t);
  }

  /** A hash of shape and dtype only (the values are mutable). */
  @Override
  public int hashCode() {
    return Arrays.hashCode(shape) * 31 + dtype().hashCode();
  }

  /**
   * PyTorch-style text: the values (summarized with {@code ...} beyond 1000 elements), then the
   * shape, dtype, device and grad function.
   */
  @Override
  public String toString() {
    return Formatting.toString(this);
  }
}
