package dev.ember.transformers;

import dev.ember.io.FormatException;
import dev.ember.io.Json;
import dev.ember.spec.Network;
import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.sql.SparkSession;

/**
 * Saves and loads Ember models in Spark ML's layout, so that {@code Pipeline} and {@code
 * PipelineModel} save and load them like any stage:
 *
 * <pre>
 * path/
 *   metadata/part-00000     one line of JSON, as Spark's DefaultParamsWriter writes it: class,
 *                           timestamp, sparkVersion, uid, paramMap, defaultParamMap, plus Ember's
 *                           formatVersion, inputShape and numClasses or numOutputs
 *   metadata/_SUCCESS
 *   network.json            the Network spec (Network.toJson)
 *   weights.safetensors     the state dict, readable by PyTorch and other tools
 * </pre>
 *
 * <p>Paths go through the Hadoop FileSystem of their URI, so any scheme Spark can read works. A
 * save writes everything into a hidden sibling directory {@code .name.ember-tmp-<uuid>} and renames
 * it to the target at the end, deleting it on failure: on HDFS and local disks the rename is
 * atomic, so a reader sees a whole model or none. On object stores whose directory rename is a
 * copy (S3A), a crash during the rename can leave a partial directory, which {@link #read} then
 * reports by the missing file's path.
 */
final class ModelPersistence {
  /** The layout version written; a reader refuses newer ones. */
  static final int FORMAT_VERSION = 1;
  static final String METADATA = "metadata";
  static final String NETWORK = "network.json";
  static final String WEIGHTS = "weights.safetensors";

  private ModelPersistence() {}

  /** What {@link #read} found at a path. */
  record Saved(String path, String uid, Map<String, Object> metadata, Network network,
      byte[] weights) {
    /** An integer field of the metadata. */
    int intField(String name) {
      Object v = metadata.get(name);
      if (!(v instanceof Long l) || l != l.intValue()) {
        throw new UncheckedIOException(new FormatException(path + "/" + METADATA + ": field '"
            + name + "' is " + v + ", expected an integer"));
      }
      return l.intValue();
    }

    /** An integer-array field of the metadata. */
    int[] intsField(String name) {
      Object v = metadata.get(name);
      if (!(v instanceof List<?> list) || !list.stream().allMatch(x -> x instanceof Long)) {
        throw new UncheckedIOException(new FormatException(path + "/" + METADATA + ": field '"
            + name + "' is " + v + ", expected an array of integers"));
      }
      return list.stream().mapToInt(x -> ((Long) x).intValue()).toArray();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Writing

  /**
   * Writes {@code model} to {@code path} as described above.
   *
   * @param extra Ember's fields beyond Spark's (numClasses or numOutputs)
   * @throws UncheckedIOException if writing fails (nothing is left at {@code path} then) or
   *     {@code path} appeared meanwhile
   */
  static void write(Params model, NetworkCore core, Map<String, Object> extra, String path,
      SparkSession spark) {
    try {
      Path target = new Path(path);
      FileSystem fs = target.getFileSystem(spark.sparkContext().hadoopConfiguration());
      target = fs.makeQualified(target);
      Path parent = target.getParent();
      if (parent == null) {
        throw new IOException("cannot save a model as the root directory " + target);
      }
      Path tmp = new Path(parent, "." + target.getName() + ".ember-tmp-" + UUID.randomUUID());
      boolean done = false;
      try {
        String metadata = Json.write(metadata(model, core, extra, spark));
        put(fs, new Path(new Path(tmp, METADATA), "part-00000"),
            (metadata + "\n").getBytes(StandardCharsets.UTF_8));
        put(fs, new Path(new Path(tmp, METADATA), "_SUCCESS"), new byte[0]);
        put(fs, new Path(tmp, NETWORK), core.network().toJson().getBytes(StandardCharsets.UTF_8));
        put(fs, new Path(tmp, WEIGHTS), core.weights());
        if (fs.exists(target)) {
          throw new IOException(target + " appeared while the model was being saved");
        }
        if (!fs.rename(tmp, target)) {
          throw new IOException("could not rename " + tmp + " to " + target);
        }
        done = true;
      } finally {
        if (!done) {
          try {
            fs.delete(tmp, true);
          } catch (IOException e) {
            // The write's own failure is the one to report.
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("saving " + model.uid() + " to " + path + " failed: "
          + e.getMessage(), e);
    }
  }

  private static void put(FileSystem fs, Path file, byte[] bytes) throws IOException {
    try (FSDataOutputStream out = fs.create(file, false)) {
      out.write(bytes);
    }
  }

  private static Map<String, Object> metadata(Params model, NetworkCore core,
      Map<String, Object> extra, SparkSession spark) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("class", model.getClass().getName());
    m.put("timestamp", System.currentTimeMillis());
    m.put("sparkVersion", spark.version());
    m.put("uid", model.uid());
    Map<String, Object> set = new LinkedHashMap<>();
    Map<String, Object> defaults = new LinkedHashMap<>();
    for (Param<?> p : model.params()) {
      Param<Object> param = model.getParam(p.name());
      if (model.isSet(param)) {
        set.put(p.name(), Json.parse(param.jsonEncode(model.getOrDefault(param))));
      }
      if (model.hasDefault(param)) {
        defaults.put(p.name(), Json.parse(param.jsonEncode(model.getDefault(param).get())));
      }
    }
    m.put("paramMap", set);
    m.put("defaultParamMap", defaults);
    m.put("formatVersion", FORMAT_VERSION);
    List<Object> shape = new ArrayList<>();
    for (int d : core.inputShape()) {
      shape.add(d);
    }
    m.put("inputShape", shape);
    m.putAll(extra);
    return m;
  }

  // ---------------------------------------------------------------------------------------------
  // Reading

  /**
   * Reads what {@link #write} wrote, checking the class and format version.
   *
   * @throws UncheckedIOException wrapping a {@link FileNotFoundException} naming the missing path,
   *     or a {@link FormatException} naming the file that does not parse or holds the wrong class
   *     or a newer format version
   */
  static Saved read(String path, String expectedClass, SparkSession spark) {
    try {
      Path dir = new Path(path);
      FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(dir)) {
        throw new FileNotFoundException(path + ": no saved model there");
      }
      Map<String, Object> metadata = metadata(fs, new Path(dir, METADATA));
      Object cls = metadata.get("class");
      if (!expectedClass.equals(cls)) {
        throw new FormatException(path + "/" + METADATA + ": holds a " + cls + ", not a "
            + expectedClass);
      }
      Object version = metadata.get("formatVersion");
      if (!(version instanceof Long v) || v < 1) {
        throw new FormatException(path + "/" + METADATA + ": formatVersion is " + version
            + ", expected a positive integer");
      }
      if (v > FORMAT_VERSION) {
        throw new FormatException(path + ": saved in Ember model format " + v + "; this version"
            + " of Ember reads format " + FORMAT_VERSION + " and older");
      }
      if (!(metadata.get("uid") instanceof String uid)) {
        throw new FormatException(path + "/" + METADATA + ": no uid");
      }
      Path networkFile = new Path(dir, NETWORK);
      Network network;
      try {
        network = Network.fromJson(new String(bytes(fs, networkFile), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw new FormatException(networkFile + ": " + e.getMessage(), e);
      }
      byte[] weights = bytes(fs, new Path(dir, WEIGHTS));
      return new Saved(path, uid, metadata, network, weights);
    } catch (IOException e) {
      throw new UncheckedIOException("loading a model from " + path + " failed: "
          + e.getMessage(), e);
    }
  }

  private static Map<String, Object> metadata(FileSystem fs, Path dir) throws IOException {
    if (!fs.exists(dir)) {
      throw new FileNotFoundException(dir + ": missing (not a saved Spark ML stage?)");
    }
    FileStatus[] parts = fs.listStatus(dir,
        p -> !p.getName().startsWith("_") && !p.getName().startsWith("."));
    if (parts.length == 0) {
      throw new FileNotFoundException(dir + ": holds no metadata file");
    }
    Arrays.sort(parts, Comparator.comparing(s -> s.getPath().getName()));
    Path file = parts[0].getPath();
    String line;
    try (InputStream in = fs.open(file);
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      line = r.readLine();
    }
    Object parsed;
    try {
      parsed = Json.parse(line == null ? "" : line);
    } catch (IllegalArgumentException e) {
      throw new FormatException(file + ": not valid JSON: " + e.getMessage(), e);
    }
    if (!(parsed instanceof Map<?, ?> m)) {
      throw new FormatException(file + ": expected a JSON object");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : m.entrySet()) {
      out.put((String) e.getKey(), e.getValue());
    }
    return out;
  }

  private static byte[] bytes(FileSystem fs, Path file) throws IOException {
    if (!fs.exists(file)) {
      throw new FileNotFoundException(file + ": missing");
    }
    try (InputStream in = fs.open(file)) {
      return in.readAllBytes();
    }
  }

  /**
   * Constructs the model read from {@code saved}, naming the path if its files do not fit
   * together.
   */
  static <M> M construct(Saved saved, java.util.function.Supplier<M> constructor) {
    try {
      return constructor.get();
    } catch (IllegalArgumentException e) {
      throw new UncheckedIOException(new FormatException(saved.path() + ": " + NETWORK + ", "
          + WEIGHTS + " and " + METADATA + " do not fit together: " + e.getMessage(), e));
    }
  }

  /**
   * Sets the saved params and defaults on a freshly constructed model, as Spark's
   * DefaultParamsReader does (saved defaults replace the current ones, so a model keeps the
   * defaults it was saved with).
   *
   * @throws UncheckedIOException wrapping a {@link FormatException} for a param the model does
   *     not have or a value it refuses
   */
  static void setParams(Params model, Saved saved) {
    apply(model, saved, "paramMap", false);
    apply(model, saved, "defaultParamMap", true);
  }

  private static void apply(Params model, Saved saved, String field, boolean defaults) {
    Object section = saved.metadata().get(field);
    if (!(section instanceof Map<?, ?> entries)) {
      throw new UncheckedIOException(new FormatException(saved.path() + "/" + METADATA
          + ": field '" + field + "' is " + section + ", expected an object"));
    }
    for (Map.Entry<?, ?> e : entries.entrySet()) {
      String name = (String) e.getKey();
      if (!model.hasParam(name)) {
        throw new UncheckedIOException(new FormatException(saved.path() + "/" + METADATA
            + ": " + model.getClass().getSimpleName() + " has no param '" + name + "'"));
      }
      Param<Object> p = model.getParam(name);
      try {
        Object value = p.jsonDecode(Json.write(e.getValue()));
        if (defaults) {
          model.setDefault(p, value);
        } else {
          model.set(p, value);
        }
      } catch (RuntimeException ex) {
        throw new UncheckedIOException(new FormatException(saved.path() + "/" + METADATA
            + ": param '" + name + "' = " + Json.write(e.getValue()) + ": " + ex.getMessage(),
            ex));
      }
    }
  }
}
