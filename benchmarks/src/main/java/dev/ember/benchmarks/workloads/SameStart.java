package dev.ember.benchmarks.workloads;

import dev.ember.io.Npz;
import dev.ember.nn.Module;
import dev.ember.optim.Adam;
import dev.ember.optim.Optimizer;
import dev.ember.tensor.Scope;
import dev.ember.tensor.Tensor;
import dev.ember.testdata.FashionMnist;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * W1 trained from PyTorch's start: the initial weights and the shuffles that {@code
 * benchmarks/scripts/same_start_reference.py} drew for a seed (its {@code init_<seed>.npz} and
 * {@code perm_<seed>.npz}), then the same steps as {@link Trainer} (Adam 1e-3, cross-entropy,
 * batches of 128 in each epoch's order, the last one partial). With the random streams taken out,
 * what is left between the two systems' losses is their arithmetic: it shows whether a difference
 * in final accuracy comes from the training step or from the seeds' draws.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
 *     dev.ember.benchmarks.workloads.SameStart SEED START_DIR [data-dir]
 * </pre>
 *
 * Prints one JSON line: the training loss at steps 1, 2, 5, 10, 50, 100, 500, 1000, 2000 and the
 * last, and the test accuracy.
 */
public final class SameStart {
  private static final Set<Integer> MARKS = Set.of(1, 2, 5, 10, 50, 100, 500, 1000, 2000);

  private SameStart() {}

  /** What a run measured: the loss at the marked steps and the last one, the test accuracy. */
  public record Result(Map<Integer, Double> losses, double accuracy) {}

  /** Runs it; see the class comment for the arguments. */
  public static void main(String[] args) throws IOException {
    if (args.length < 2) {
      throw new IllegalArgumentException("usage: SameStart SEED START_DIR [data-dir]");
    }
    int seed = Integer.parseInt(args[0]);
    Path start = Path.of(args[1]);
    Path data = Path.of(args.length > 2 ? args[2] : "../shared/data/fashion-mnist");
    Path perm = start.resolve("perm_" + seed + ".npz");
    Result r = train(Npz.read(start.resolve("init_" + seed + ".npz")), Npz.read(perm).get("perm"),
        FashionMnist.load(data, true), FashionMnist.load(data, false));
    System.out.println(String.format(Locale.ROOT,
        "{\"system\": \"ember\", \"workload\": \"w1\", \"seed\": %d, \"start\": \"pytorch\","
            + " \"losses\": {%s}, \"accuracy\": %.4f}", seed,
        r.losses().entrySet().stream()
            .map(m -> String.format(Locale.ROOT, "\"%d\": %s", m.getKey(), m.getValue()))
            .collect(Collectors.joining(", ")), r.accuracy()));
  }

  /**
   * Trains W1 from the state dict {@code init} over the epochs of {@code perms} (epochs x N
   * indices into the training images, each row an epoch's order) and tests it.
   *
   * @throws IllegalArgumentException if {@code perms} is not epochs x N
   */
  public static Result train(Map<String, Tensor> init, Tensor perms, FashionMnist.Split train,
      FashionMnist.Split test) {
    int n = train.images().size(0);
    if (perms == null || perms.dim() != 2 || perms.size(1) != n) {
      throw new IllegalArgumentException("the shuffles must be epochs x " + n + " indices, got "
          + (perms == null ? "none" : perms.describe()));
    }
    Module model = Workload.W1.network();
    model.loadStateDict(init, true);
    Map<Integer, Double> losses = new LinkedHashMap<>();
    Optimizer opt = new Adam(model.parameters(), 1e-3);
    int batch = Workload.W1.batchSize();
    int step = 0;
    double last = Double.NaN;
    model.train();
    for (int e = 0; e < perms.size(0); e++) {
      for (int i = 0; i < n; i += batch) {
        try (Scope s = Tensor.scope()) {
          Tensor idx = perms.select(0, e).narrow(0, i, Math.min(batch, n - i));
          last = Trainer.step(model, opt, train.images().indexSelect(0, idx),
              train.labels().indexSelect(0, idx), true).item();
        }
        if (MARKS.contains(++step)) {
          losses.put(step, last);
        }
      }
    }
    losses.put(step, last);
    return new Result(losses, Trainer.accuracy(model, test.images(), test.labels()));
  }
}
