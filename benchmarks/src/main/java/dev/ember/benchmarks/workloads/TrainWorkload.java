package dev.ember.benchmarks.workloads;

import dev.ember.tensor.Device;
import dev.ember.testdata.FashionMnist;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Runs a workload and prints one JSON line per seed.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
 *     dev.ember.benchmarks.workloads.TrainWorkload w1 [seeds=1,2,3] [data-dir | subset] [epochs] \
 *     [device = cpu | opencl:0 | cuda:0] [eager | graph]
 * </pre>
 *
 * The data directory holds Fashion-MNIST's four gzipped IDX files (default {@code
 * ../shared/data/fashion-mnist}); {@code subset} uses the test-data module's 6,000/1,000 subset.
 * Epochs {@code -} means the workload's own (WORKLOADS.md). On a GPU device the line also gives
 * the device and its peak of allocated memory (see {@link Trainer.Result#toJson()}); {@code graph}
 * (a GPU) trains through a {@code StepGraph} (system {@code ember-graph}).
 */
public final class TrainWorkload {
  private TrainWorkload() {}

  /** Entry point; see the class comment for the arguments. */
  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println(
          "usage: TrainWorkload w1|w2|w3 [seeds=1,2,3] [data-dir|subset] [epochs] [device=cpu]"
              + " [eager|graph]");
      System.exit(2);
    }
    Workload w = Workload.valueOf(args[0].toUpperCase(Locale.ROOT));
    String[] seeds = (args.length > 1 ? args[1] : "1,2,3").split(",");
    String data = args.length > 2 ? args[2] : "../shared/data/fashion-mnist";
    // "-" keeps the workload's epochs, so that a device can follow.
    int epochs = args.length > 3 && !args[3].equals("-") ? Integer.parseInt(args[3]) : w.epochs();
    Device device = Device.parse(args.length > 4 ? args[4] : "cpu");
    String mode = args.length > 5 ? args[5] : "eager";
    if (!mode.equals("eager") && !mode.equals("graph")) {
      throw new IllegalArgumentException("mode must be eager or graph, got " + mode);
    }
    FashionMnist.Split train;
    FashionMnist.Split test;
    if (data.equals("subset")) {
      train = FashionMnist.trainSubset();
      test = FashionMnist.testSubset();
    } else {
      Path dir = Path.of(data);
      if (!Files.isDirectory(dir)) {
        throw new IllegalArgumentException("data directory " + dir.toAbsolutePath()
            + " does not exist (pass the Fashion-MNIST folder, or \"subset\")");
      }
      train = FashionMnist.load(dir, true);
      test = FashionMnist.load(dir, false);
    }
    for (String s : seeds) {
      Trainer.Result r = Trainer.run(w, Long.parseLong(s.trim()), epochs, device,
          mode.equals("graph"), train.images(), train.labels(), test.images(), test.labels());
      System.out.println(r.toJson());
    }
  }
}
