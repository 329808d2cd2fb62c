package dev.ember.gpu;

import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
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
 *   <li>No optimizer update: its learning rate and step count are kernel arguments that change
 *       between steps. Capture the forward and backward passes; call the optimizer's {@code
 *       step()} after each replay (one launch for a parameter group on a GPU).
 * </ul>
 *
 * Each breaks the recording with an {@link IllegalStateException} naming it. Memory the step
 * allocates stays reserved for the graph until {@link #close}, so a replay writes the same buffers
 * the recording did: the tensors the step returned (the loss), and the gradients backward left in
 * the parameters' {@code .grad}, hold each replay's results. Capture with the gradients unset
 * ({@code zeroGrad()}) so that backward writes them instead of adding to them, and do not zero
 * them between replays: each replay overwrites them. Run the step once before capturing it (a
 * first step makes one-time state, such as the backward pass's constant seed, with transfers).
 * Bad class-index targets are still checked: each replay registers the loss kernels' checks, and
 * the thread's next read reports a flagged one. Replay on the thread that captured.
 */
public final class StepGraph implements AutoCloseable {
  /** One recorded launch. */
  private record Launch(String family, String kernel, int global, int local, Object[] args) {}

  private final GpuBackend backend;
  private final Thread owner;
  private final List<Launch> launches = new ArrayList<>();
  /** The loss kernels' checks, by id (ids of a range only recordings use). */
  final Map<Integer, Object> checks = new HashMap<>();
  /** Storages allocated while recording: reserved for the graph until close. */
  final Set<GpuStorage> owned = Collections.newSetFromMap(new IdentityHashMap<>());
  /** Owned storages whose tensors are gone: freed at close. */
  final Set<GpuStorage> released = Collections.newSetFromMap(new IdentityHashMap<>());
  private long graph;
  private boolean recording = true;
  private boolean closed;

  private StepGraph(GpuBackend backend) {
    this.backend = backend;
    this.owner = Thread.currentThread();
  }

  /**
   * Runs {@code step} once on {@code device} (a GPU) and records its launches.
   *
   * @throws IllegalArgumentException if {@code device} is not a GPU, or the step launched nothing
   * @throws IllegalStateException if the step transfers data, draws random numbers or updates
   *     parameters (see the class comment), or this thread is recording already; the step's
   *     memory is then released and nothing stays recorded
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
    g.recording = false;
    if (g.launches.isEmpty()) {
      g.close();
      throw new IllegalArgumentException("the step launched no kernels on " + device);
    }
    return g;
  }

  /** Called by the backend for each launch while recording; throws for what cannot replay. */
  void record(String family, String kernel, int global, int local, Object[] args) {
    if (family.equals("random")) {
      throw new IllegalStateException("a step graph cannot record " + kernel + ": random"
          + " numbers would repeat at every replay (" + backend.device() + ")");
    }
    if (family.equals("optim")) {
      throw new IllegalStateException("a step graph cannot record the optimizer update "
          + kernel + ": its learning rate and step count change between steps; capture the"
          + " forward and backward passes and call step() after each replay");
    }
    Object[] copy = args.clone();
    for (int i = 0; i < copy.length; i++) {
      if (copy[i] instanceof int[] a) {
        copy[i] = a.clone();
      }
    }
    launches.add(new Launch(family, kernel, global, local, copy));
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
    backend.deferredChecks().register(checks);
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
    long exec;
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
    exec = rt.endCapture();
    return exec;
  }

  /** Whether this graph is still recording (its storages' frees wait until close). */
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
        + (recording ? ", recording" : "") + (closed ? ", closed" : "") + ")";
  }
}
