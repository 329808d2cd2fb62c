package dev.ember.gpu;

import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A step's kernel launches, recorded once and replayed, for steps of static shapes (PyTorch's
 * {@code torch.cuda.graph}): {@link #capture} runs the step once, as usual, and records every
 * launch it makes; {@link #replay} makes the same launches again, on the same memory, without
 * running any Java code of the step. On CUDA the launches are captured into a CUDA graph at the
 * first replay ({@code cuStreamBeginCapture} .. {@code cuGraphInstantiate}), and every replay is
 * one {@code cuGraphLaunch}; elsewhere (OpenCL) a replay launches them one by one.
 *
 * <p>What a step may do while it is recorded, and why:
 *
 * <ul>
 *   <li>No transfer between the host and the device (no {@code .item()}, no {@code .to(cpu)}, no
 *       upload): a replay would not repeat it. Inputs are static tensors made before the capture;
 *       copy each new batch into them ({@code input.copy_(batch)}) before a replay.
 *   <li>No random numbers (dropout): their seed and offset would repeat at every replay.
 * </ul>
 *
 * Each breaks the recording with an {@link IllegalStateException} naming it.
 *
 * <p>An optimizer's {@code step()} may be part of the step: its updates are recorded as
 * multi-tensor kernels that read their scalars (learning rate, bias corrections, flags) from the
 * device, and the optimizer registers its {@code step()} to run on the host at the start of every
 * replay ({@link dev.ember.backend.Backend#onReplay}), where it advances its step counts and
 * rewrites those scalars without launching anything (a learning-rate scheduler's changes apply);
 * if that host step no longer matches the recorded one (other parameters with gradients, other
 * groups), the replay fails naming the difference.
 *
 * <p>Memory the step allocates stays reserved for the graph until {@link #close}, so a replay
 * writes the same buffers the recording did: the tensors the step returned (the loss) and the
 * gradients backward left in the parameters' {@code .grad} hold each replay's results. Capture
 * with the gradients unset ({@code zeroGrad()}), or zero them in place inside the step ({@code
 * zeroGrad(false)}), so that replays do not add to the last replay's; do not unset them between
 * replays. Run the step once before capturing it (a first step makes one-time state, such as the
 * backward pass's constant seed, with transfers). Bad class-index targets are still checked:
 * each replay registers the loss kernels' checks, and the thread's next read reports a flagged
 * one. Replay on the thread that captured; other threads may use the device meanwhile (Spark
 * tasks sharing a GPU), but must not write the graph's tensors: a CUDA graph's launches do not
 * wait for other streams (the context is synchronized once, before the capture).
 */
public final class StepGraph implements AutoCloseable {
  /** One recorded launch. */
  private record Launch(String family, String kernel, int global, int local, Object[] args) {}

  /** An optimizer launch's scalars on the device, which every replay rewrites. */
  private record Scalars(String kernel, int total, GpuStorage values) {}

  private final GpuBackend backend;
  private final Thread owner;
  private final List<Launch> launches = new ArrayList<>();
  /** The loss kernels' checks, by id (ids of a range only recordings use). */
  final Map<Integer, DeferredChecks.Expected> checks = new HashMap<>();
  /** Storages allocated while recording: reserved for the graph until close. */
  final Set<GpuStorage> owned = Collections.newSetFromMap(new IdentityHashMap<>());
  /** Owned storages whose tensors are gone: freed at close. */
  final Set<GpuStorage> released = Collections.newSetFromMap(new IdentityHashMap<>());
  /** Host actions each replay runs first (optimizers' steps). */
  private final List<Runnable> hostActions = new ArrayList<>();
  private final List<Scalars> scalars = new ArrayList<>();
  private int scalarsCursor;
  /** Whether a replay's host actions are running (they may launch nothing). */
  private boolean rebinding;
  private long graph;
  private boolean closed;

  private StepGraph(GpuBackend backend) {
    this.backend = backend;
    this.owner = Thread.currentThread();
  }

  /**
   * Runs {@code step} once on {@code device} (a GPU) and records its launches.
   *
   * @throws IllegalArgumentException if {@code device} is not a GPU, or the step launched nothing
   * @throws IllegalStateException if the step transfers data or draws random numbers (see the
   *     class comment), or this thread is recording already; the step's memory is then released
   *     and nothing stays recorded
   */
  public static StepGraph capture(Device device, Runnable step) {
    Backend b = Backends.get(device);
    if (!(b instanceof GpuBackend gpu)) {
      throw new IllegalArgumentException("a step graph needs a GPU device, got " + device);
    }
    return capture(gpu, step);
  }

  /** {@link #capture(Device, Runnable)} on a GPU backend (one not registered, in tests). */
  public static StepGraph capture(GpuBackend gpu, Runnable step) {
    Device device = gpu.device();
    StepGraph g = new StepGraph(gpu);
    gpu.startRecording(g);
    try {
      step.run();
    } catch (RuntimeException | Error e) {
      gpu.stopRecording(g);
      g.close();
      throw e;
    }
    gpu.stopRecording(g);
    if (g.launches.isEmpty()) {
      g.close();
      throw new IllegalArgumentException("the step launched no kernels on " + device);
    }
    return g;
  }

  /** Called by the backend for each launch while recording; throws for what cannot replay. */
  void record(String family, String kernel, int global, int local, Object[] args) {
    if (rebinding) {
      throw new IllegalStateException("a replay's host action (an optimizer's step) launched "
          + kernel + " on " + backend.device() + ": the step no longer matches the recorded"
          + " one");
    }
    if (family.equals("random")) {
      throw new IllegalStateException("a step graph cannot record " + kernel + ": random"
          + " numbers would repeat at every replay (" + backend.device() + ")");
    }
    if (family.equals("optim") && !kernel.contains("_dyn_")) {
      // GpuOptim records every update with its scalars on the device while recording.
      throw new IllegalStateException("a step graph cannot record the optimizer update "
          + kernel + " with its scalars as arguments");
    }
    Object[] copy = args.clone();
    for (int i = 0; i < copy.length; i++) {
      if (copy[i] instanceof int[] a) {
        copy[i] = a.clone();
      }
    }
    launches.add(new Launch(family, kernel, global, local, copy));
  }

  /** Whether a replay's host actions are running (not recording). */
  boolean rebinding() {
    return rebinding;
  }

  /** Backend.onReplay while recording. */
  void onReplay(Runnable action) {
    hostActions.add(action);
  }

  /**
   * The device scalars of an optimizer launch ({@code kernel} over {@code total} elements):
   * while recording, a new buffer holding {@code values}, returned as its (slab, offset) for the
   * launch; while a replay's host actions run, the values are written into the buffer of the
   * next recorded launch, which must be the same kernel over as many elements, and null is
   * returned (nothing is launched).
   *
   * @throws IllegalStateException if the host step no longer matches the recorded one
   */
  Object[] optimizerScalars(String kernel, int total, DType dtype, double[] values) {
    if (rebinding) {
      Scalars s = scalarsCursor < scalars.size() ? scalars.get(scalarsCursor) : null;
      if (s == null || !s.kernel().equals(kernel) || s.total() != total) {
        throw new IllegalStateException("a replay's optimizer step made " + kernel + " over "
            + total + " elements where the recorded step made " + (s == null ? "nothing more"
                : s.kernel() + " over " + s.total()) + " (launch " + (scalarsCursor + 1)
            + "): the parameters with gradients, their groups or their dtype changed since"
            + " the capture");
      }
      scalarsCursor++;
      write(s.values(), dtype, values);
      return null;
    }
    GpuStorage hp = (GpuStorage) backend.allocate(dtype, values.length);
    // No tensor holds it: released now, freed when the graph closes.
    released.add(hp);
    write(hp, dtype, values);
    scalars.add(new Scalars(kernel, total, hp));
    return new Object[] {hp.slab(), hp.offset()};
  }

  private void write(GpuStorage s, DType dtype, double[] values) {
    Object host;
    if (dtype == DType.FLOAT64) {
      host = values.clone();
    } else {
      float[] f = new float[values.length];
      for (int i = 0; i < f.length; i++) {
        f[i] = (float) values[i];
      }
      host = f;
    }
    backend.runtime().write(s.slab(), s.offset(), host, 0, values.length);
  }

  /** The exception for a transfer while recording. */
  IllegalStateException transfer(String what) {
    return new IllegalStateException("a step graph cannot record " + what + " on "
        + backend.device() + ": a replay would not repeat it (copy inputs into static tensors"
        + " before a replay; read results after it; run the step once before capturing it)");
  }

  /** The kernel launches the step made, which a replay repeats. */
  public int recordedLaunches() {
    return launches.size();
  }

  /**
   * Makes the recorded launches again (on CUDA, one graph launch; the graph is captured at the
   * first replay), queued like any launch: read a result to wait for it.
   *
   * @throws IllegalStateException if the graph is closed, or called on another thread than the
   *     one that captured
   */
  public void replay() {
    if (closed) {
      throw new IllegalStateException("the step graph is closed");
    }
    if (Thread.currentThread() != owner) {
      throw new IllegalStateException("replay a step graph on the thread that captured it ("
          + owner.getName() + ")");
    }
    if (hostActions.isEmpty() && !scalars.isEmpty()) {
      throw new IllegalStateException("the step graph recorded optimizer updates but no"
          + " optimizer registered its step for the replays (Optimizer.registerForReplay)");
    }
    backend.deferredChecks().register(checks);
    if (!hostActions.isEmpty()) {
      backend.startRebinding(this);
      rebinding = true;
      scalarsCursor = 0;
      try {
        for (Runnable a : hostActions) {
          a.run();
        }
        if (scalarsCursor != scalars.size()) {
          throw new IllegalStateException("a replay's optimizer steps made " + scalarsCursor
              + " of the recorded step's " + scalars.size() + " update launches: the"
              + " parameters with gradients changed since the capture (do not zero the"
              + " gradients between replays)");
        }
      } finally {
        rebinding = false;
        backend.stopRecording(this);
      }
    }
    GpuRuntime rt = backend.runtime();
    if (rt.supportsGraphs()) {
      if (graph == 0) {
        graph = captureGraph(rt);
      }
      backend.countLaunch();
      rt.launchGraph(graph);
    } else {
      for (Launch l : launches) {
        backend.countLaunch();
        rt.launch(l.family(), l.kernel(), l.global(), l.local(), l.args());
      }
    }
  }

  private long captureGraph(GpuRuntime rt) {
    rt.beginCapture();
    try {
      for (Launch l : launches) {
        rt.launch(l.family(), l.kernel(), l.global(), l.local(), l.args());
      }
    } catch (RuntimeException e) {
      try {
        rt.destroyGraph(rt.endCapture());
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    return rt.endCapture();
  }

  /** Whether this graph is not closed (its storages' frees wait until close). */
  boolean isOpen() {
    return !closed;
  }

  /**
   * Frees the CUDA graph, and the memory the step allocated whose tensors are gone; the tensors
   * still alive (the loss, the gradients) keep theirs. Closing twice does nothing.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (graph != 0) {
      backend.runtime().destroyGraph(graph);
      graph = 0;
    }
    backend.releaseGraph(this);
  }

  @Override
  public String toString() {
    return "StepGraph(" + backend.device() + ", " + launches.size() + " launches"
        + (closed ? ", closed" : "") + ")";
  }
}
