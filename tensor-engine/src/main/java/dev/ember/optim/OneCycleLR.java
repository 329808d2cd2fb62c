package dev.ember.optim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The 1cycle policy (Smith and Topin, 2018, "Super-Convergence"), like {@code
 * torch.optim.lr_scheduler.OneCycleLR}: the learning rate rises from {@code max_lr / divFactor} to
 * {@code max_lr} over the first {@code pctStart} of the steps, then anneals to {@code initial_lr /
 * finalDivFactor}; momentum (SGD's or RMSprop's {@code momentum}, Adam's {@code beta1}) moves the
 * opposite way between {@code maxMomentum} and {@code baseMomentum}. Step it after every batch.
 *
 * <table>
 *   <caption>phases (t = step, T = total steps, p = pctStart)</caption>
 *   <tr><th>phases</th><th>until step</th><th>lr</th><th>momentum</th></tr>
 *   <tr><td>two</td><td>p*T - 1</td><td>initial -&gt; max</td><td>max -&gt; base</td></tr>
 *   <tr><td></td><td>T - 1</td><td>max -&gt; min</td><td>base -&gt; max</td></tr>
 *   <tr><td>three</td><td>p*T - 1</td><td>initial -&gt; max</td><td>max -&gt; base</td></tr>
 *   <tr><td></td><td>2*p*T - 2</td><td>max -&gt; initial</td><td>base -&gt; max</td></tr>
 *   <tr><td></td><td>T - 1</td><td>initial -&gt; min</td><td>max</td></tr>
 * </table>
 *
 * <p>Annealing is cosine ({@code end + (start - end) / 2 * (cos(pi * pct) + 1)}) or linear. The
 * schedule keeps its anchors in the groups, as PyTorch does: {@code "initial_lr"}, {@code
 * "max_lr"}, {@code "min_lr"}, and with cycled momentum {@code "max_momentum"}, {@code
 * "base_momentum"}.
 *
 * <pre>{@code
 * new OneCycleLR(opt, OneCycleLR.options().maxLr(0.1).totalSteps(epochs * batches));
 * }</pre>
 */
public final class OneCycleLR extends LRScheduler {

  /** How the rate moves within a phase. */
  public enum Anneal {
    /** Half a cosine from start to end. */
    COS,
    /** A straight line from start to end. */
    LINEAR
  }

  /** Settings of {@link OneCycleLR}, with PyTorch's defaults; maxLr and the length are required. */
  public static final class Options {
    private double[] maxLr;
    private Integer totalSteps;
    private Integer epochs;
    private Integer stepsPerEpoch;
    private double pctStart = 0.3;
    private Anneal anneal = Anneal.COS;
    private boolean cycleMomentum = true;
    private double[] baseMomentum = {0.85};
    private double[] maxMomentum = {0.95};
    private double divFactor = 25.;
    private double finalDivFactor = 1e4;
    private boolean threePhase;
    private int lastEpoch = -1;

    private Options() {}

    /** The peak learning rate: one value, or one per parameter group (required). */
    public Options maxLr(double... maxLr) {
      this.maxLr = maxLr.clone();
      return this;
    }

    /** The number of steps of the cycle (or give epochs and stepsPerEpoch). */
    public Options totalSteps(int totalSteps) {
      this.totalSteps = totalSteps;
      return this;
    }

    /** The number of epochs; with {@link #stepsPerEpoch}, the cycle's length when no totalSteps. */
    public Options epochs(int epochs) {
      this.epochs = epochs;
      return this;
    }

    /** The number of steps per epoch; see {@link #epochs}. */
    public Options stepsPerEpoch(int stepsPerEpoch) {
      this.stepsPerEpoch = stepsPerEpoch;
      return this;
    }

    /** The fraction of the cycle spent increasing the rate (default 0.3). */
    public Options pctStart(double pctStart) {
      this.pctStart = pctStart;
      return this;
    }

    /** The annealing strategy (default cosine). */
    public Options anneal(Anneal anneal) {
      this.anneal = anneal;
      return this;
    }

    /** Whether momentum moves inversely to the rate (default true). */
    public Options cycleMomentum(boolean cycleMomentum) {
      this.cycleMomentum = cycleMomentum;
      return this;
    }

    /** The lowest momentum: one value, or one per group (default 0.85). */
    public Options baseMomentum(double... baseMomentum) {
      this.baseMomentum = baseMomentum.clone();
      return this;
    }

    /** The highest momentum: one value, or one per group (default 0.95). */
    public Options maxMomentum(double... maxMomentum) {
      this.maxMomentum = maxMomentum.clone();
      return this;
    }

    /** {@code initial_lr = max_lr / divFactor} (default 25). */
    public Options divFactor(double divFactor) {
      this.divFactor = divFactor;
      return this;
    }

    /** {@code min_lr = initial_lr / finalDivFactor} (default 1e4). */
    public Options finalDivFactor(double finalDivFactor) {
      this.finalDivFactor = finalDivFactor;
      return this;
    }

    /** A third phase that goes back to initial_lr before annealing to min_lr (default false). */
    public Options threePhase(boolean threePhase) {
      this.threePhase = threePhase;
      return this;
    }

    /** The last step taken, when resuming (default -1: a new schedule). */
    public Options lastEpoch(int lastEpoch) {
      this.lastEpoch = lastEpoch;
      return this;
    }
  }

  /** New settings with PyTorch's defaults. */
  public static Options options() {
    return new Options();
  }

  /** One phase: where it ends and the group keys of its start and end values. */
  private record Phase(double endStep, String startLr, String endLr, String startMomentum,
      String endMomentum) {}

  private int totalSteps;
  private List<Phase> phases;
  private Anneal anneal;
  private boolean cycleMomentum;
  private boolean useBeta1;

  /** A cosine one-cycle schedule peaking at {@code maxLr} over {@code totalSteps} steps. */
  public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps) {
    this(optimizer, options().maxLr(maxLr).totalSteps(totalSteps));
  }

  /**
   * A one-cycle schedule with the given settings.
   *
   * @throws IllegalArgumentException with PyTorch's messages: no length given, a non-positive
   *     length, pctStart outside [0, 1], a per-group list of the wrong length, or cycled momentum
   *     on an optimizer without {@code momentum} or {@code betas}
   */
  public OneCycleLR(Optimizer optimizer, Options o) {
    super(prepare(optimizer, o), o.lastEpoch);
    this.totalSteps = total(o);
    this.phases = phases(o.threePhase, o.pctStart, totalSteps);
    this.anneal = o.anneal;
    this.cycleMomentum = o.cycleMomentum;
    this.useBeta1 = optimizer.defaults().containsKey("betas");
    initialStep();
  }

  private static int total(Options o) {
    if (o.totalSteps == null && (o.epochs == null || o.stepsPerEpoch == null)) {
      throw new IllegalArgumentException(
          "You must define either total_steps OR (epochs AND steps_per_epoch)");
    }
    if (o.totalSteps != null) {
      if (o.totalSteps <= 0) {
        throw new IllegalArgumentException("Expected positive integer total_steps, but got "
            + o.totalSteps);
      }
      return o.totalSteps;
    }
    if (o.epochs <= 0) {
      throw new IllegalArgumentException("Expected positive integer epochs, but got " + o.epochs);
    }
    if (o.stepsPerEpoch <= 0) {
      throw new IllegalArgumentException("Expected positive integer steps_per_epoch, but got "
          + o.stepsPerEpoch);
    }
    return Math.multiplyExact(o.epochs, o.stepsPerEpoch);
  }

  private static List<Phase> phases(boolean three, double pct, int total) {
    List<Phase> p = new ArrayList<>();
    p.add(new Phase(pct * total - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"));
    if (three) {
      p.add(new Phase(2 * pct * total - 2, "max_lr", "initial_lr", "base_momentum",
          "max_momentum"));
      p.add(new Phase(total - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"));
    } else {
      p.add(new Phase(total - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"));
    }
    return p;
  }

  /** Validates and writes the anchors into the groups before the base constructor reads them. */
  private static Optimizer prepare(Optimizer optimizer, Options o) {
    total(o);
    if (!(o.pctStart >= 0 && o.pctStart <= 1)) {
      throw new IllegalArgumentException("Expected float between 0 and 1 pct_start, but got "
          + o.pctStart);
    }
    if (o.maxLr == null) {
      throw new IllegalArgumentException("OneCycleLR needs maxLr");
    }
    List<ParamGroup> groups = optimizer.paramGroups();
    double[] maxLrs = perGroup("max_lr", o.maxLr, groups.size());
    if (o.lastEpoch == -1) {
      for (int i = 0; i < groups.size(); i++) {
        ParamGroup g = groups.get(i);
        g.set("initial_lr", maxLrs[i] / o.divFactor);
        g.set("max_lr", maxLrs[i]);
        g.set("min_lr", g.get("initial_lr") / o.finalDivFactor);
      }
    }
    if (o.cycleMomentum) {
      Map<String, Object> defaults = optimizer.defaults();
      if (!defaults.containsKey("momentum") && !defaults.containsKey("betas")) {
        throw new IllegalArgumentException(
            "optimizer must support momentum with `cycle_momentum` option enabled");
      }
      boolean beta1 = defaults.containsKey("betas");
      double[] maxM = perGroup("max_momentum", o.maxMomentum, groups.size());
      double[] baseM = perGroup("base_momentum", o.baseMomentum, groups.size());
      if (o.lastEpoch == -1) {
        for (int i = 0; i < groups.size(); i++) {
          ParamGroup g = groups.get(i);
          setMomentum(g, beta1, maxM[i]);
          g.set("max_momentum", maxM[i]);
          g.set("base_momentum", baseM[i]);
        }
      }
    }
    return optimizer;
  }

  private static double[] perGroup(String name, double[] values, int groups) {
    if (values.length == 1) {
      double[] out = new double[groups];
      Arrays.fill(out, values[0]);
      return out;
    }
    if (values.length != groups) {
      throw new IllegalArgumentException("expected " + groups + " values for " + name + ", got "
          + values.length);
    }
    return values.clone();
  }

  private static void setMomentum(ParamGroup g, boolean beta1, double m) {
    if (beta1) {
      double[] betas = g.getTuple("betas");
      betas[0] = m;
      g.setTuple("betas", betas);
    } else {
      g.set("momentum", m);
    }
  }

  private double annealValue(double start, double end, double pct) {
    if (anneal == Anneal.COS) {
      double cosOut = Math.cos(Math.PI * pct) + 1;
      return end + (start - end) / 2.0 * cosOut;
    }
    return (end - start) * pct + start;
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalStateException when stepped past the total number of steps
   */
  @Override
  protected double[] computeLr() {
    int stepNum = lastEpoch;
    if (stepNum > totalSteps) {
      throw new IllegalStateException("Tried to step " + (stepNum + 1)
          + " times. The specified number of total steps is " + totalSteps);
    }
    List<ParamGroup> groups = optimizer.paramGroups();
    double[] lrs = new double[groups.size()];
    for (int gi = 0; gi < groups.size(); gi++) {
      ParamGroup group = groups.get(gi);
      double startStep = 0;
      double lr = 0;
      double momentum = 0;
      for (int i = 0; i < phases.size(); i++) {
        Phase phase = phases.get(i);
        double endStep = phase.endStep();
        if (stepNum <= endStep || i == phases.size() - 1) {
          double pct = (stepNum - startStep) / (endStep - startStep);
          lr = annealValue(group.get(phase.startLr()), group.get(phase.endLr()), pct);
          if (cycleMomentum) {
            momentum = annealValue(group.get(phase.startMomentum()),
                group.get(phase.endMomentum()), pct);
          }
          break;
        }
        startStep = phase.endStep();
      }
      lrs[gi] = lr;
      if (cycleMomentum) {
        setMomentum(group, useBeta1, momentum);
      }
    }
    return lrs;
  }

  @Override
  public Map<String, Object> stateDict() {
    Map<String, Object> d = super.stateDict();
    d.put("total_steps", totalSteps);
    List<Object> ph = new ArrayList<>();
    for (Phase p : phases) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("end_step", p.endStep());
      m.put("start_lr", p.startLr());
      m.put("end_lr", p.endLr());
      m.put("start_momentum", p.startMomentum());
      m.put("end_momentum", p.endMomentum());
      ph.add(m);
    }
    d.put("_schedule_phases", ph);
    d.put("anneal_strategy", anneal.name().toLowerCase(Locale.ROOT));
    d.put("cycle_momentum", cycleMomentum);
    d.put("use_beta1", useBeta1);
    return d;
  }

  @Override
  public void loadStateDict(Map<String, Object> stateDict) {
    int total = integer(stateDict, "total_steps");
    if (!(require(stateDict, "_schedule_phases") instanceof List<?> list) || list.isEmpty()) {
      throw new IllegalArgumentException("scheduler state '_schedule_phases' must be a non-empty"
          + " list of phases");
    }
    List<Phase> ph = new ArrayList<>();
    for (Object o : list) {
      if (!(o instanceof Map<?, ?> m)) {
        throw new IllegalArgumentException("a phase of '_schedule_phases' is not a map: " + o);
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> pm = (Map<String, Object>) m;
      ph.add(new Phase(number(pm, "end_step"), string(pm, "start_lr"), string(pm, "end_lr"),
          string(pm, "start_momentum"), string(pm, "end_momentum")));
    }
    Object a = require(stateDict, "anneal_strategy");
    Anneal an;
    if ("cos".equals(a)) {
      an = Anneal.COS;
    } else if ("linear".equals(a)) {
      an = Anneal.LINEAR;
    } else {
      throw new IllegalArgumentException("anneal_strategy must by one of 'cos' or 'linear',"
          + " instead got " + a);
    }
    boolean cm = bool(stateDict, "cycle_momentum");
    boolean b1 = bool(stateDict, "use_beta1");
    super.loadStateDict(stateDict);
    totalSteps = total;
    phases = ph;
    anneal = an;
    cycleMomentum = cm;
    useBeta1 = b1;
  }

  private static String string(Map<String, Object> d, String key) {
    Object v = require(d, key);
    if (!(v instanceof String s)) {
      throw new IllegalArgumentException("scheduler state '" + key + "' must be a string, got "
          + v);
    }
    return s;
  }
}
