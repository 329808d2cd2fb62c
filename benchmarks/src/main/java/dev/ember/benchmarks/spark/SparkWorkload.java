package dev.ember.benchmarks.spark;

import dev.ember.estimators.NeuralNetClassifier;
import dev.ember.spark.EpochRecord;
import dev.ember.spark.TrainingSummary;
import dev.ember.spec.Network;
import dev.ember.tensor.Tensor;
import dev.ember.testdata.FashionMnist;
import dev.ember.transformers.NeuralNetClassificationModel;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Workload W4: W1's network (784-256-ReLU-128-ReLU-10, Adam lr 1e-3, batch 128 per worker, 5
 * epochs) trained with Ember's {@link NeuralNetClassifier} on a Fashion-MNIST DataFrame in an
 * embedded {@code local[2]} Spark, against MLlib's {@link MultilayerPerceptronClassifier} with
 * layers [784, 256, 128, 10] on the same training DataFrame. Prints one JSON line per (system,
 * seed, configuration).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector ${spark.jvm.flags} \
 *     -cp benchmarks/target/benchmarks.jar:SPARK_JARS dev.ember.benchmarks.spark.SparkWorkload \
 *     [--data DIR|subset] [--seeds 1,2,3] [--epochs 5] [--systems ember,ember1,ember-scaled,mllib] \
 *     [--max-iter 100] [--sync-every 0] [--partitions 2]
 * </pre>
 *
 * <p>{@code --systems}: {@code ember} (as many workers as partitions), {@code ember1} (one
 * worker), {@code ember-scaled} (as many workers as partitions, with the learning rate scaled
 * linearly with the workers, {@code 1e-3 x workers}, and {@code optimizerStatePolicy = reset}: a
 * fresh Adam each averaging round), {@code mllib} (once per value of {@code --max-iter}, a
 * comma-separated list); {@code
 * --sync-every} is Ember's {@code syncEvery} (batches per worker between averaging rounds; 0, the
 * default, averages once per epoch). The data
 * directory holds Fashion-MNIST's four IDX files (default {@code ../shared/data/fashion-mnist});
 * {@code subset} uses the test-data module's 6,000/1,000 subset.
 *
 * <h2>The DataFrames</h2>
 * {@code features} is a dense Vector of the 784 pixels in [0, 1], {@code label} the class as a
 * double; every DataFrame has {@code --partitions} contiguous, deterministic slices of the rows
 * in order, as {@code parallelize} slices a list (never a shuffle; see {@link #frames}), and is
 * cached before any timing. Ember's DataFrame holds the test rows too, marked by the boolean
 * {@code isTest} column ({@code validationIndicatorCol}), so the fit's summary has the test
 * accuracy after every epoch; partition {@code i} of it holds exactly the training rows of
 * partition {@code i} of MLlib's training DataFrame, followed by test slice {@code i}. With as
 * many workers as partitions, {@code numWorkers} is left at 0 (the DataFrame's partitioning),
 * because setting it makes the encoder repartition, a shuffle that is no part of the workload;
 * {@code ember1} sets {@code numWorkers = 1} and pays that shuffle.
 *
 * <h2>What is measured</h2>
 * For Ember: the fit's wall time, and per epoch the elapsed time since the fit began at the end
 * of the epoch's last Spark job (taken from a {@link SparkListener} over the jobs the trainer
 * describes as {@code Ember fit: epoch k/n}); the epoch's validation job's own time, so the
 * elapsed time without validation can be derived; the test accuracy, training loss, samples per
 * second and driver sync time from the {@link TrainingSummary}; the final test accuracy again via
 * {@code transform} on the test DataFrame; the model's size. For MLlib: fit wall time, test
 * accuracy via {@code transform}, the number of L-BFGS iterations run, and the BLAS
 * implementation in use.
 */
public final class SparkWorkload {
  /** W1's batch size, per worker. */
  public static final int BATCH_SIZE = 128;
  /** W1's number of epochs. */
  public static final int EPOCHS = 5;
  /** Adam's learning rate. */
  public static final double LEARNING_RATE = 1e-3;
  /** MLlib's layer sizes: W1's network. */
  public static final List<Integer> MLLIB_LAYERS = List.of(784, 256, 128, 10);
  /** The boolean column marking Ember's validation (test) rows. */
  public static final String IS_TEST = "isTest";

  private static final String EPOCH_JOB = "Ember fit: epoch ";
  private static final String JOB_DESCRIPTION = "spark.job.description";

  private SparkWorkload() {}

  /** W1's network as a spec: Linear 784-256, ReLU, Linear 256-128, ReLU, Linear 128-10. */
  public static Network network() {
    return Network.sequential().linear(784, 256).relu().linear(256, 128).relu().linear(128, 10);
  }

  /**
   * The embedded session of the workload: {@code local[2]}, UI off, the driver bound to
   * 127.0.0.1, two shuffle partitions.
   */
  public static SparkSession localSession() {
    SparkSession spark = SparkSession.builder()
        .appName("ember-w4")
        .master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    return spark;
  }

  /**
   * The cached DataFrames of a run: {@code train} ({@code features, label}) for MLlib, {@code
   * trainAndTest} ({@code features, label, isTest}) for Ember, {@code test} for the accuracy of
   * {@code transform}. Closing unpersists them and destroys the broadcast they were built from.
   */
  public static final class Frames implements AutoCloseable {
    private final Dataset<Row> train;
    private final Dataset<Row> trainAndTest;
    private final Dataset<Row> test;
    private final Broadcast<Pixels> pixels;
    private final int partitions;
    private final long trainRows;
    private final long testRows;

    private Frames(Dataset<Row> train, Dataset<Row> trainAndTest, Dataset<Row> test,
        Broadcast<Pixels> pixels, int partitions, long trainRows, long testRows) {
      this.train = train;
      this.trainAndTest = trainAndTest;
      this.test = test;
      this.pixels = pixels;
      this.partitions = partitions;
      this.trainRows = trainRows;
      this.testRows = testRows;
    }

    /** The training rows: {@code features} (dense Vector), {@code label} (double). */
    public Dataset<Row> train() {
      return train;
    }

    /** The training rows then the test rows of each partition, with {@code isTest}. */
    public Dataset<Row> trainAndTest() {
      return trainAndTest;
    }

    /** The test rows. */
    public Dataset<Row> test() {
      return test;
    }

    /** The number of partitions of every DataFrame. */
    public int partitions() {
      return partitions;
    }

    /** The number of training rows. */
    public long trainRows() {
      return trainRows;
    }

    /** The number of test rows. */
    public long testRows() {
      return testRows;
    }

    @Override
    public void close() {
      train.unpersist(true);
      trainAndTest.unpersist(true);
      test.unpersist(true);
      pixels.destroy();
    }
  }

  /**
   * Both splits' pixels (row-major, {@code d} values a row) and labels, and the number of
   * slices: what the tasks building the DataFrames read.
   */
  record Pixels(float[] train, long[] trainLabels, float[] test, long[] testLabels, int d,
      int partitions) implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * Slice {@code p}'s rows: its training rows (if {@code withTrain}), then its test rows (if
     * {@code withTest}); with {@code indicator}, each row ends with {@code isTest}.
     */
    Iterator<Row> slice(int p, boolean withTrain, boolean withTest, boolean indicator) {
      List<Row> rows = new ArrayList<>();
      if (withTrain) {
        add(rows, train, trainLabels, p, indicator ? Boolean.FALSE : null);
      }
      if (withTest) {
        add(rows, test, testLabels, p, indicator ? Boolean.TRUE : null);
      }
      return rows.iterator();
    }

    private void add(List<Row> rows, float[] x, long[] y, int p, Boolean isTest) {
      for (int i = sliceStart(y.length, partitions, p);
          i < sliceStart(y.length, partitions, p + 1); i++) {
        double[] v = new double[d];
        for (int j = 0; j < d; j++) {
          v[j] = x[i * d + j];
        }
        rows.add(isTest == null ? RowFactory.create(Vectors.dense(v), (double) y[i])
            : RowFactory.create(Vectors.dense(v), (double) y[i], isTest));
      }
    }
  }

  /**
   * Builds and caches the DataFrames of {@code train} and {@code test} in {@code partitions}
   * contiguous slices each, as {@code parallelize} slices a list: slice {@code i} of {@code n}
   * rows holds rows {@code [i n / p, (i + 1) n / p)} in order.
   *
   * <p>The rows themselves are not parallelized: a parallelized list lives in its RDD's
   * partition objects, which Spark serializes into every task of every later job on the
   * DataFrame, cached or not (about 200 MB a task for half of Fashion-MNIST's training set, in
   * every training round and every L-BFGS iteration). The pixels are broadcast once instead,
   * the slice numbers are parallelized, and each partition builds its slice's rows.
   *
   * @throws IllegalArgumentException if {@code partitions} is not positive or exceeds a split's
   *     size
   */
  public static Frames frames(SparkSession spark, FashionMnist.Split train,
      FashionMnist.Split test, int partitions) {
    if (partitions < 1 || partitions > Math.min(train.size(), test.size())) {
      throw new IllegalArgumentException("partitions must be in [1, " + Math.min(train.size(),
          test.size()) + "], got " + partitions);
    }
    float[] trainPixels = train.images().contiguous().toFloatArray();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<Pixels> pixels = jsc.broadcast(new Pixels(trainPixels,
        train.labels().toLongArray(), test.images().contiguous().toFloatArray(),
        test.labels().toLongArray(), trainPixels.length / train.size(), partitions));
    List<Integer> slices = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      slices.add(p);
    }
    JavaRDD<Integer> ids = jsc.parallelize(slices, partitions);
    StructType schema = new StructType(new StructField[] {
        new StructField("features", new VectorUDT(), false, Metadata.empty()),
        new StructField("label", DataTypes.DoubleType, false, Metadata.empty())});
    StructType withTest = schema.add(IS_TEST, DataTypes.BooleanType, false);
    Dataset<Row> trainDf = spark.createDataFrame(
        ids.flatMap(p -> pixels.value().slice(p, true, false, false)), schema).cache();
    Dataset<Row> testDf = spark.createDataFrame(
        ids.flatMap(p -> pixels.value().slice(p, false, true, false)), schema).cache();
    Dataset<Row> bothDf = spark.createDataFrame(
        ids.flatMap(p -> pixels.value().slice(p, true, true, true)), withTest).cache();
    long trainCount = trainDf.count();
    long testCount = testDf.count();
    long bothCount = bothDf.count();
    if (trainCount != train.size() || testCount != test.size()
        || bothCount != trainCount + testCount) {
      throw new IllegalStateException("cached DataFrames have " + trainCount + ", " + testCount
          + " and " + bothCount + " rows, expected " + train.size() + ", " + test.size()
          + " and their sum");
    }
    return new Frames(trainDf, bothDf, testDf, pixels, partitions, trainCount, testCount);
  }

  /** Where slice {@code p} of {@code n} rows in {@code slices} slices starts (as parallelize). */
  static int sliceStart(int n, int slices, int p) {
    return (int) ((long) p * n / slices);
  }

  /**
   * Fits Ember's classifier on {@code frames.trainAndTest()} with {@code workers} workers,
   * averaging every {@code syncEvery} batches (0: once per epoch), and returns the measurements
   * as ordered JSON fields (see the class comment).
   *
   * @throws IllegalStateException if the listener misses the fit's epoch jobs
   */
  public static Map<String, Object> ember(SparkSession spark, Frames frames, long seed,
      int workers, int epochs, int syncEvery) {
    return ember(spark, frames, seed, workers, epochs, syncEvery, false);
  }

  /**
   * {@link #ember(SparkSession, Frames, long, int, int, int)}, or with {@code scaled} the
   * learning rate multiplied by the number of workers (the linear scaling rule of data-parallel
   * training) and a fresh optimizer each averaging round ({@code optimizerStatePolicy = reset}).
   */
  public static Map<String, Object> ember(SparkSession spark, Frames frames, long seed,
      int workers, int epochs, int syncEvery, boolean scaled) {
    NeuralNetClassifier classifier = new NeuralNetClassifier()
        .setNetwork(network())
        .setOptimizer("adam")
        .setLearningRate(scaled ? LEARNING_RATE * workers : LEARNING_RATE)
        .setOptimizerStatePolicy(scaled ? "reset" : "average")
        .setBatchSize(BATCH_SIZE)
        .setMaxEpochs(epochs)
        .setSeed(seed)
        .setValidationIndicatorCol(IS_TEST)
        .setSyncEvery(syncEvery);
    if (workers != frames.partitions()) {
      classifier.setNumWorkers(workers);
    }
    double loadBefore = loadAverage();
    JobTimes jobs = new JobTimes();
    SparkContext sc = spark.sparkContext();
    sc.addSparkListener(jobs);
    NeuralNetClassificationModel model;
    long startMillis;
    double fitSeconds;
    try {
      startMillis = System.currentTimeMillis();
      long t0 = System.nanoTime();
      model = classifier.fit(frames.trainAndTest());
      fitSeconds = (System.nanoTime() - t0) / 1e9;
      jobs.drain(sc);
    } finally {
      sc.removeSparkListener(jobs);
    }
    TrainingSummary summary = model.summary();
    List<EpochRecord> records = summary.epochs();
    int n = records.size();
    double[] elapsed = new double[n];
    double[] validation = new double[n];
    double[] elapsedWithoutValidation = new double[n];
    long[] rounds = new long[n];
    double[] syncPerRound = new double[n];
    double validationSoFar = 0;
    for (int e = 0; e < n; e++) {
      List<long[]> epochJobs = jobs.withDescriptionPrefix(EPOCH_JOB + (e + 1) + "/");
      if (epochJobs.isEmpty()) {
        throw new IllegalStateException("no Spark job of epoch " + (e + 1) + " was seen; jobs: "
            + jobs.descriptions());
      }
      long end = 0;
      for (long[] j : epochJobs) {
        end = Math.max(end, j[2]);
      }
      elapsed[e] = (end - startMillis) / 1e3;
      // An epoch's jobs are its rounds (one treeAggregate each), then the validation pass.
      long[] last = epochJobs.get(epochJobs.size() - 1);
      if (epochJobs.size() < 2) {
        throw new IllegalStateException("epoch " + (e + 1) + " ran " + epochJobs.size()
            + " Spark job; expected its rounds and a validation job");
      }
      validation[e] = (last[2] - last[1]) / 1e3;
      rounds[e] = epochJobs.size() - 1;
      syncPerRound[e] = (double) records.get(e).syncMillis() / rounds[e];
      validationSoFar += validation[e];
      elapsedWithoutValidation[e] = elapsed[e] - validationSoFar;
    }
    double trainSeconds = 0;
    for (EpochRecord r : records) {
      trainSeconds += frames.trainRows() / r.samplesPerSecond();
    }
    long parameters = 0;
    try (var scope = Tensor.scope()) {
      for (Tensor t : model.stateDict().values()) {
        parameters += t.numel();
      }
    }
    double accuracy = accuracy(model.transform(frames.test()));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("system", workers == 1 ? "ember-1-worker" : scaled ? "ember-scaled" : "ember");
    out.put("workload", "w4");
    out.put("seed", seed);
    out.put("workers", workers);
    out.put("num_workers_param", workers == frames.partitions() ? 0 : workers);
    out.put("partitions", frames.partitions());
    out.put("sync_every", classifier.getSyncEvery());
    out.put("batch_size", BATCH_SIZE);
    out.put("learning_rate", classifier.getLearningRate());
    out.put("optimizer_state_policy", classifier.getOptimizerStatePolicy());
    out.put("epochs", n);
    out.put("train_rows", frames.trainRows());
    out.put("test_rows", frames.testRows());
    out.put("fit_s", fitSeconds);
    out.put("accuracy", accuracy);
    out.put("summary_accuracy", records.get(n - 1).validationMetric());
    out.put("samples_per_s", n * frames.trainRows() / trainSeconds);
    out.put("fit_samples_per_s", n * frames.trainRows() / fitSeconds);
    out.put("epoch_elapsed_s", elapsed);
    out.put("epoch_validation_s", validation);
    out.put("epoch_elapsed_without_validation_s", elapsedWithoutValidation);
    out.put("epoch_accuracy", records.stream().mapToDouble(EpochRecord::validationMetric)
        .toArray());
    out.put("epoch_train_loss", records.stream().mapToDouble(EpochRecord::trainLoss).toArray());
    out.put("epoch_validation_loss", records.stream()
        .mapToDouble(EpochRecord::validationLoss).toArray());
    out.put("epoch_samples_per_s", records.stream()
        .mapToDouble(EpochRecord::samplesPerSecond).toArray());
    out.put("epoch_sync_ms", records.stream().mapToLong(EpochRecord::syncMillis).toArray());
    out.put("epoch_rounds", rounds);
    out.put("epoch_sync_ms_per_round", syncPerRound);
    out.put("parameters", parameters);
    out.put("model_bytes", model.weightsSafetensors().length);
    out.put("spark", spark.version());
    out.put("load_before", loadBefore);
    out.put("load_after", loadAverage());
    return out;
  }

  /**
   * Fits MLlib's {@link MultilayerPerceptronClassifier} (layers {@link #MLLIB_LAYERS}, L-BFGS,
   * its other params at their defaults) on {@code frames.train()} and returns the measurements as
   * ordered JSON fields.
   */
  public static Map<String, Object> mllib(SparkSession spark, Frames frames, long seed,
      int maxIter) {
    MultilayerPerceptronClassifier mlp = new MultilayerPerceptronClassifier()
        .setLayers(MLLIB_LAYERS.stream().mapToInt(Integer::intValue).toArray())
        .setSeed(seed)
        .setMaxIter(maxIter);
    double loadBefore = loadAverage();
    long t0 = System.nanoTime();
    MultilayerPerceptronClassificationModel model = mlp.fit(frames.train());
    double fitSeconds = (System.nanoTime() - t0) / 1e9;
    double accuracy = accuracy(model.transform(frames.test()));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("system", "mllib");
    out.put("workload", "w4");
    out.put("seed", seed);
    out.put("max_iter", maxIter);
    out.put("iterations", model.summary().totalIterations());
    out.put("layers", MLLIB_LAYERS);
    out.put("block_size", mlp.getBlockSize());
    out.put("solver", mlp.getSolver());
    out.put("partitions", frames.partitions());
    out.put("train_rows", frames.trainRows());
    out.put("test_rows", frames.testRows());
    out.put("fit_s", fitSeconds);
    out.put("accuracy", accuracy);
    out.put("blas", dev.ludovic.netlib.blas.BLAS.getInstance().getClass().getSimpleName());
    out.put("spark", spark.version());
    out.put("load_before", loadBefore);
    out.put("load_after", loadAverage());
    return out;
  }

  /** The share of rows whose {@code prediction} equals their {@code label}. */
  static double accuracy(Dataset<Row> predictions) {
    Row r = predictions.agg(
        functions.count(functions.lit(1)),
        functions.sum(functions.when(functions.col("prediction").equalTo(functions.col("label")),
            1).otherwise(0))).first();
    long total = r.getLong(0);
    if (total == 0) {
      throw new IllegalArgumentException("no rows to measure accuracy on");
    }
    return (double) r.getLong(1) / total;
  }

  /** The 1-minute load average, or NaN where /proc/loadavg cannot be read. */
  static double loadAverage() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /**
   * One JSON object on one line: numbers (NaN and infinities as null), strings, booleans, lists
   * and primitive arrays.
   */
  public static String toJson(Map<String, Object> fields) {
    StringBuilder b = new StringBuilder("{");
    for (Map.Entry<String, Object> e : fields.entrySet()) {
      if (b.length() > 1) {
        b.append(", ");
      }
      string(b, e.getKey());
      b.append(": ");
      value(b, e.getValue());
    }
    return b.append('}').toString();
  }

  private static void value(StringBuilder b, Object v) {
    if (v == null) {
      b.append("null");
    } else if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      b.append(Double.isFinite(d) ? Double.toString(d) : "null");
    } else if (v instanceof Number || v instanceof Boolean) {
      b.append(v);
    } else if (v instanceof double[] a) {
      List<Object> l = new ArrayList<>();
      for (double d : a) {
        l.add(d);
      }
      value(b, l);
    } else if (v instanceof long[] a) {
      value(b, Arrays.stream(a).boxed().toList());
    } else if (v instanceof List<?> l) {
      b.append('[');
      for (int i = 0; i < l.size(); i++) {
        if (i > 0) {
          b.append(", ");
        }
        value(b, l.get(i));
      }
      b.append(']');
    } else {
      string(b, v.toString());
    }
  }

  private static void string(StringBuilder b, String s) {
    b.append('"');
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        default -> {
          if (c < 0x20) {
            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }

  /**
   * Records each Spark job's description, submission and end time (driver clock, ms). Listener
   * events arrive asynchronously; {@link #drain} runs a marker job and waits for its end, after
   * which every earlier job's events have been delivered (one queue, in order).
   */
  static final class JobTimes extends SparkListener {
    private final Map<Integer, String> description = new ConcurrentHashMap<>();
    private final Map<Integer, Long> submitted = new ConcurrentHashMap<>();
    private final Map<Integer, Long> ended = new ConcurrentHashMap<>();
    private final String marker = "ember-w4 marker " + UUID.randomUUID();
    private final CountDownLatch markerEnded = new CountDownLatch(1);

    @Override
    public void onJobStart(SparkListenerJobStart start) {
      String d = start.properties() == null ? null
          : start.properties().getProperty(JOB_DESCRIPTION);
      description.put(start.jobId(), d == null ? "" : d);
      submitted.put(start.jobId(), start.time());
    }

    @Override
    public void onJobEnd(SparkListenerJobEnd end) {
      ended.put(end.jobId(), end.time());
      if (marker.equals(description.get(end.jobId()))) {
        markerEnded.countDown();
      }
    }

    void drain(SparkContext sc) {
      String old = sc.getLocalProperty(JOB_DESCRIPTION);
      sc.setLocalProperty(JOB_DESCRIPTION, marker);
      try {
        JavaSparkContext.fromSparkContext(sc).parallelize(List.of(1), 1).count();
        if (!markerEnded.await(60, TimeUnit.SECONDS)) {
          throw new IllegalStateException("Spark's listener bus did not deliver the marker job's"
              + " end within 60 s");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for Spark's listener bus", e);
      } finally {
        sc.setLocalProperty(JOB_DESCRIPTION, old);
      }
    }

    /** {@code {id, submitted, ended}} of the ended jobs whose description starts so, by id. */
    List<long[]> withDescriptionPrefix(String prefix) {
      List<long[]> out = new ArrayList<>();
      description.forEach((id, d) -> {
        Long end = ended.get(id);
        if (d.startsWith(prefix) && end != null) {
          out.add(new long[] {id, submitted.get(id), end});
        }
      });
      out.sort((a, b) -> Long.compare(a[0], b[0]));
      return out;
    }

    String descriptions() {
      return new java.util.TreeMap<>(description).toString();
    }
  }

  /** Entry point; see the class comment for the arguments. */
  public static void main(String[] args) throws IOException {
    Map<String, String> opts = new LinkedHashMap<>(Map.of("--data", "../shared/data/fashion-mnist",
        "--seeds", "1,2,3", "--epochs", String.valueOf(EPOCHS), "--systems", "ember,ember1,mllib",
        "--max-iter", "100", "--sync-every", "0", "--partitions", "2"));
    for (int i = 0; i < args.length; i++) {
      if (!opts.containsKey(args[i]) || i + 1 == args.length) {
        System.err.println("usage: SparkWorkload [--data DIR|subset] [--seeds 1,2,3] [--epochs 5]"
            + " [--systems ember,ember1,ember-scaled,mllib] [--max-iter 25,50,100,200] [--sync-every 0]"
            + " [--partitions 2]");
        System.exit(2);
      }
      opts.put(args[i], args[++i]);
    }
    String data = opts.get("--data");
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
    int epochs = Integer.parseInt(opts.get("--epochs"));
    int partitions = Integer.parseInt(opts.get("--partitions"));
    int syncEvery = Integer.parseInt(opts.get("--sync-every"));
    List<String> systems = Arrays.asList(opts.get("--systems").split(","));
    for (String s : systems) {
      if (!List.of("ember", "ember1", "ember-scaled", "mllib").contains(s)) {
        throw new IllegalArgumentException("unknown system " + s
            + "; expected ember, ember1, ember-scaled or mllib");
      }
    }
    SparkSession spark = localSession();
    try (Frames frames = frames(spark, train, test, partitions)) {
      for (String seedText : opts.get("--seeds").split(",")) {
        long seed = Long.parseLong(seedText.trim());
        for (String system : systems) {
          if (system.equals("mllib")) {
            for (String m : opts.get("--max-iter").split(",")) {
              emit(mllib(spark, frames, seed, Integer.parseInt(m.trim())));
            }
          } else {
            emit(ember(spark, frames, seed, system.equals("ember1") ? 1 : partitions, epochs,
                syncEvery, system.equals("ember-scaled")));
          }
        }
      }
    } finally {
      spark.stop();
    }
  }

  private static void emit(Map<String, Object> fields) {
    System.out.println(toJson(fields));
    System.out.flush();
  }
}
