package dev.ember.gpu;

import dev.ember.backend.OperandChecks;
import dev.ember.backend.OptimizerUpdate;
import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fused optimizer updates (kernels in {@code optim.c}): one work item per element; one launch per
 * parameter, or per group of parameters ({@link #updateAll}).
 *
 * <p>The scalars of an update are derived here in double exactly as the CPU backend derives them
 * ({@code CpuOptim}) and rounded once to the tensors' dtype, so the kernels' per-element
 * arithmetic (the CPU's operations in the CPU's order) agrees with the CPU to an ulp or so per
 * step. The arguments are checked as the CPU backend checks them, with the same messages.
 */
final class GpuOptim {
  private static final String FAMILY = "optim";
  /** Buffers per role of one multi-tensor launch (the kernel's p0..p7, g0..g7, ...). */
  static final int SLOTS = 8;

  private GpuOptim() {}

  static void update(GpuBackend b, OptimizerUpdate kind, Tensor param, Tensor grad,
      Tensor[] state, double[] hyper) {
    checkAll(b, kind, param, grad, state, hyper);
    if (b.stepGraph() != null) {
      // A step graph records updates with their scalars on the device (the multi kernels).
      updateAll(b, kind, List.of(param), List.of(grad), List.<Tensor[]>of(state), hyper);
      return;
    }
    DType dtype = param.dtype();
    int n = param.numel();
    if (n == 0) {
      return;
    }
    List<Object> args = new ArrayList<>(List.of(b.slab(param), b.offset(param), b.slab(grad),
        b.offset(grad)));
    for (Tensor t : state) {
      args.addAll(Arrays.asList(buffer(b, t, param)));
    }
    args.add(n);
    args.addAll(Arrays.asList(scalars(kind, hyper, dtype == DType.FLOAT64)));
    b.launch(FAMILY, kernel(kind) + GpuBackend.suffix(dtype), n, args.toArray());
  }

  /** The kernel name's stem of an update kind. */
  private static String kernel(OptimizerUpdate kind) {
    return switch (kind) {
      case SGD -> "sgd_";
      case ADAM, ADAMW -> "adam_";
      case RMSPROP -> "rmsprop_";
      case ADAGRAD -> "adagrad_";
    };
  }

  /**
   * Backend.optimizerUpdates: every update kind (SGD, Adam and AdamW with or without amsgrad,
   * RMSprop, Adagrad) as few launches of its {@code <kind>_multi_*} kernel as the tensors'
   * buffers allow (each launch binds at most {@link #SLOTS} buffers per role: parameters,
   * gradients and each state slot), with the single-tensor kernel's arithmetic (the same device
   * function), so the result is the same bit for bit. All tensors are checked before anything is
   * launched. While the thread records a {@link StepGraph}, the {@code <kind>_multi_dyn_*}
   * kernels read the scalars from a device buffer the graph rewrites at every replay; while a
   * replay's host actions run, only that buffer is written (see StepGraph).
   */
  static void updateAll(GpuBackend b, OptimizerUpdate kind, List<Tensor> params,
      List<Tensor> grads, List<Tensor[]> states, double[] hyper) {
    if (params.isEmpty()) {
      return;
    }
    StepGraph graph = b.stepGraph();
    boolean multi = hyper.length == kind.hyperCount() && (params.size() > 1 || graph != null);
    DType dtype = params.get(0).dtype();
    for (int i = 0; i < params.size() && multi; i++) {
      multi = params.get(i).dtype() == dtype;
    }
    if (!multi) {
      for (int i = 0; i < params.size(); i++) {
        update(b, kind, params.get(i), grads.get(i), states.get(i), hyper);
      }
      return;
    }
    for (int i = 0; i < params.size(); i++) {
      checkAll(b, kind, params.get(i), grads.get(i), states.get(i), hyper);
    }
    Object[] scalars = scalars(kind, hyper, dtype == DType.FLOAT64);
    String name = kernel(kind) + (graph != null ? "multi_dyn_" : "multi_")
        + GpuBackend.suffix(dtype);
    int roles = 2 + kind.stateSlots();
    Batch batch = new Batch(roles, graph, dtype);
    for (int i = 0; i < params.size(); i++) {
      Tensor p = params.get(i);
      if (p.numel() == 0) {
        continue;
      }
      Tensor[] tensors = new Tensor[roles];
      tensors[0] = p;
      tensors[1] = grads.get(i);
      for (int r = 2; r < roles; r++) {
        // A slot the update does not use binds the parameter's buffer (never touched).
        Tensor st = states.get(i)[r - 2];
        tensors[r] = st != null ? st : p;
      }
      if (!batch.fits(b, tensors)) {
        batch.launch(b, name, scalars);
        batch = new Batch(roles, graph, dtype);
      }
      batch.add(b, tensors);
    }
    batch.launch(b, name, scalars);
  }

  /** The tensors of one multi-tensor launch and the buffers they bind, per role. */
  private static final class Batch {
    final List<List<Slab>> slabs = new ArrayList<>();
    final List<Integer> table = new ArrayList<>();
    final StepGraph graph;
    final DType dtype;
    long total;

    Batch(int roles, StepGraph graph, DType dtype) {
      for (int r = 0; r < roles; r++) {
        slabs.add(new ArrayList<>());
      }
      this.graph = graph;
      this.dtype = dtype;
    }

    boolean fits(GpuBackend b, Tensor[] roles) {
      for (int r = 0; r < roles.length; r++) {
        List<Slab> bound = slabs.get(r);
        if (!bound.contains(b.slab(roles[r])) && bound.size() == SLOTS) {
          return false;
        }
      }
      return total + roles[0].numel() <= Integer.MAX_VALUE;
    }

    void add(GpuBackend b, Tensor[] roles) {
      table.add((int) total);
      for (int r = 0; r < roles.length; r++) {
        List<Slab> bound = slabs.get(r);
        Slab s = b.slab(roles[r]);
        int slot = bound.indexOf(s);
        if (slot < 0) {
          slot = bound.size();
          bound.add(s);
        }
        table.add(slot);
        table.add(b.offset(roles[r]));
      }
      total += roles[0].numel();
    }

    void launch(GpuBackend b, String kernel, Object[] scalars) {
      if (total == 0) {
        return;
      }
      List<Object> args = new ArrayList<>();
      for (List<Slab> bound : slabs) {
        for (int k = 0; k < SLOTS; k++) {
          // An unused slot repeats the first buffer; the kernel never selects it.
          args.add(bound.get(k < bound.size() ? k : 0));
        }
      }
      args.add(table.stream().mapToInt(Integer::intValue).toArray());
      args.add(table.size() / (1 + 2 * slabs.size()));
      args.add((int) total);
      if (graph != null) {
        double[] values = new double[scalars.length];
        for (int i = 0; i < values.length; i++) {
          values[i] = ((Number) scalars[i]).doubleValue();
        }
        Object[] hp = graph.optimizerScalars(kernel, (int) total, dtype, values);
        if (hp == null) {
          return; // a replay's host step: the scalars are written, the graph launches
        }
        args.addAll(Arrays.asList(hp));
      } else {
        args.addAll(Arrays.asList(scalars));
      }
      b.launch(FAMILY, kernel, (int) total, args.toArray());
    }
  }

  /**
   * The checks of one tensor's update, as the CPU backend makes them and with its messages;
   * launches nothing.
   */
  private static void checkAll(GpuBackend b, OptimizerUpdate kind, Tensor param, Tensor grad,
      Tensor[] state, double[] hyper) {
    if (state.length != kind.stateSlots() || hyper.length != kind.hyperCount()) {
      throw new IllegalArgumentException("optimizer update " + kind + " takes " + kind.stateSlots()
          + " state slots and " + kind.hyperCount() + " hyperparameters, got " + state.length
          + " and " + hyper.length);
    }
    DType dtype = param.dtype();
    if (dtype != DType.FLOAT32 && dtype != DType.FLOAT64) {
      throw new IllegalArgumentException("optimizer update " + kind
          + " needs a float32 or float64 parameter, got " + param.describe());
    }
    int n = param.numel();
    check(kind, "param", param, dtype, n);
    check(kind, "grad", grad, dtype, n);
    boolean[] present = new boolean[state.length];
    for (int i = 0; i < state.length; i++) {
      present[i] = state[i] != null;
      if (state[i] != null) {
        check(kind, "state[" + i + "]", state[i], dtype, n);
      }
    }
    OperandChecks.optimizerStates(kind, hyper, present);
    // Tensors on another device fail here, naming the tensor, before anything is launched.
    b.slab(param);
    b.slab(grad);
    for (Tensor s : state) {
      if (s != null) {
        b.slab(s);
      }
    }
  }

  /** The CPU backend's operand check and message. */
  private static void check(OptimizerUpdate kind, String what, Tensor t, DType dtype, int n) {
    boolean contiguous = t.isContiguous();
    if (t.dtype() != dtype || t.numel() != n || !contiguous) {
      throw new IllegalArgumentException("optimizer update " + kind + ": " + what + " "
          + t.describe() + (contiguous ? "" : " (not contiguous)")
          + " must be a contiguous " + dtype + " tensor of " + n + " elements");
    }
  }

  /** A scalar of the kernel's dtype: a double rounded once to float for float32 kernels. */
  private static Object scalar(double v, boolean f64) {
    return f64 ? (Object) v : (Object) (float) v;
  }

  private static int flag(boolean b) {
    return b ? 1 : 0;
  }

  /**
   * A state buffer's (slab, offset), or the parameter's for an unused slot: the kernel does not
   * touch it then, but every launch binds the same argument types.
   */
  private static Object[] buffer(GpuBackend b, Tensor t, Tensor param) {
    Tensor x = t != null ? t : param;
    return new Object[] {b.slab(x), b.offset(x)};
  }

  /**
   * The scalars of an update, as its kernels take them after n (or the multi kernel's total): derived
   * in double as the CPU backend derives them, rounded once to the dtype.
   */
  private static Object[] scalars(OptimizerUpdate kind, double[] h, boolean f64) {
    return switch (kind) {
      // hyper: {lr, momentum, dampening, weight_decay, nesterov, maximize, init}
      case SGD -> new Object[] {scalar(-h[0], f64), scalar(h[1], f64), scalar(1 - h[2], f64),
          scalar(h[3], f64), scalar(h[5] != 0 ? -1 : 1, f64), flag(h[3] != 0), flag(h[1] != 0),
          flag(h[4] != 0), flag(h[6] != 0)};
      // hyper: {lr, beta1, beta2, eps, weight_decay, step, amsgrad, maximize}
      case ADAM, ADAMW -> {
        boolean decoupled = kind == OptimizerUpdate.ADAMW;
        double lr = h[0];
        double step = h[5];
        double negStep = -lr / (1 - Math.pow(h[1], step));
        double bc2 = Math.sqrt(1 - Math.pow(h[2], step));
        yield new Object[] {scalar(h[1], f64), scalar(1 - h[1], f64), scalar(h[2], f64),
            scalar(1 - h[2], f64), scalar(h[3], f64), scalar(h[4], f64),
            scalar(1 - lr * h[4], f64), scalar(negStep, f64), scalar(bc2, f64),
            scalar(h[7] != 0 ? -1 : 1, f64), flag(!decoupled && h[4] != 0),
            flag(decoupled && h[4] != 0), flag(h[6] != 0)};
      }
      // hyper: {lr, alpha, eps, weight_decay, momentum, centered, maximize}
      case RMSPROP -> new Object[] {scalar(-h[0], f64), scalar(h[1], f64),
          scalar(1 - h[1], f64), scalar(h[2], f64), scalar(h[3], f64), scalar(h[4], f64),
          scalar(h[6] != 0 ? -1 : 1, f64), flag(h[3] != 0), flag(h[4] > 0), flag(h[5] != 0)};
      // hyper: {lr, lr_decay, weight_decay, eps, step, maximize}
      case ADAGRAD -> new Object[] {scalar(-h[0] / (1 + (h[4] - 1) * h[1]), f64),
          scalar(h[2], f64), scalar(h[3], f64), scalar(h[5] != 0 ? -1 : 1, f64),
          flag(h[2] != 0)};
    };
  }
}
