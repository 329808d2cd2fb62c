package dev.ember.spark;

import dev.ember.io.FormatException;
import dev.ember.io.Json;
import dev.ember.io.SafeTensors;
import dev.ember.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The checkpoints of a distributed fit in a directory of any Hadoop FileSystem: one safetensors
 * file per completed epoch, {@code epoch-000003.safetensors}, holding the model state ({@code
 * model/<key>}), the averaged optimizer state ({@code optimizer/<param>/<key>}) and, as
 * metadata, the epoch, the generator seed, the schedule's history and the training summary.
 *
 * <p>A file is written under a temporary name in the same directory ({@code
 * .epoch-000003.safetensors.<uuid>.tmp}) and renamed when complete, so a reader sees a whole file
 * or none; only names of the exact form {@code epoch-NNNNNN.safetensors} count as checkpoints.
 * Every file is kept (a resumed fit that stopped early returns an earlier epoch's state).
 */
final class CheckpointStore {
  static final String FORMAT = "ember.spark.training-checkpoint";
  static final String FORMAT_VERSION = "1";
  private static final Pattern NAME = Pattern.compile("epoch-(\\d{6})\\.safetensors");
  private static final String MODEL = "model/";
  private static final String OPTIMIZER = "optimizer/";

  /**
   * The state after {@code epoch} completed epochs.
   *
   * @param model the model state dict
   * @param optimizer the flat optimizer state ({@code <param>/<key>}), or null when the policy
   *     does not average it
   * @param scheduleMetrics the value passed to the schedule after each completed epoch
   * @param seed the fit's seed, from which every random stream is derived per (epoch, partition,
   *     round): the generator state
   * @param network the network spec, to refuse resuming another network
   * @param summary the summary of the completed epochs
   */
  record State(int epoch, Map<String, Tensor> model, Map<String, Tensor> optimizer,
      List<Double> scheduleMetrics, long seed, String network, TrainingSummary summary) {}

  private final FileSystem fs;
  private final Path dir;

  /**
   * A store on {@code uri}, a directory that need not exist yet.
   *
   * @throws IOException if the URI's file system is not available
   */
  CheckpointStore(String uri, Configuration conf) throws IOException {
    this.dir = new Path(uri);
    this.fs = dir.getFileSystem(conf);
  }

  /** The file name of epoch {@code epoch}'s checkpoint. */
  static String fileName(int epoch) {
    return String.format("epoch-%06d.safetensors", epoch);
  }

  /** The path of epoch {@code epoch}'s checkpoint (for messages). */
  String path(int epoch) {
    return new Path(dir, fileName(epoch)).toString();
  }

  /** The highest epoch with a checkpoint, or empty when there is none (or no directory). */
  OptionalInt latestEpoch() throws IOException {
    if (!fs.exists(dir)) {
      return OptionalInt.empty();
    }
    int latest = -1;
    for (FileStatus f : fs.listStatus(dir)) {
      Matcher m = NAME.matcher(f.getPath().getName());
      if (f.isFile() && m.matches()) {
        latest = Math.max(latest, Integer.parseInt(m.group(1)));
      }
    }
    return latest < 0 ? OptionalInt.empty() : OptionalInt.of(latest);
  }

  /**
   * Writes {@code state} as epoch {@code state.epoch()}'s checkpoint, atomically.
   *
   * @throws IOException if the file cannot be written or renamed (no partial file remains)
   */
  void write(State state) throws IOException {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    state.model().forEach((k, v) -> tensors.put(MODEL + k, v));
    if (state.optimizer() != null) {
      state.optimizer().forEach((k, v) -> tensors.put(OPTIMIZER + k, v));
    }
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", FORMAT);
    meta.put("format_version", FORMAT_VERSION);
    meta.put("epoch", Integer.toString(state.epoch()));
    meta.put("rng_seed", Long.toString(state.seed()));
    meta.put("has_optimizer", Boolean.toString(state.optimizer() != null));
    List<Object> metrics = new ArrayList<>();
    for (double d : state.scheduleMetrics()) {
      metrics.add(Double.isFinite(d) ? (Object) d : null);
    }
    meta.put("schedule", Json.write(Map.of("epochMetrics", metrics)));
    meta.put("network", state.network());
    meta.put("summary", state.summary().toJson());
    fs.mkdirs(dir);
    String name = fileName(state.epoch());
    Path target = new Path(dir, name);
    Path tmp = new Path(dir, "." + name + "." + UUID.randomUUID() + ".tmp");
    boolean renamed = false;
    try {
      try (OutputStream out = fs.create(tmp, false)) {
        SafeTensors.write(tensors, meta, out);
      }
      if (fs.exists(target)) {
        fs.delete(target, false);
      }
      renamed = fs.rename(tmp, target);
      if (!renamed) {
        throw new IOException("could not rename " + tmp + " to " + target);
      }
    } finally {
      if (!renamed) {
        fs.delete(tmp, false);
      }
    }
  }

  /**
   * Reads and validates epoch {@code epoch}'s checkpoint.
   *
   * @throws FormatException naming the file if it is truncated, not a safetensors file, not an
   *     Ember Spark checkpoint, of a newer format, for another epoch, or missing a part
   * @throws IOException if it cannot be read
   */
  State read(int epoch) throws IOException {
    Path p = new Path(dir, fileName(epoch));
    String where = p.toString();
    SafeTensors.Loaded file;
    long size = fs.getFileStatus(p).getLen();
    try (InputStream in = fs.open(p)) {
      file = SafeTensors.read(in, size, where);
    } catch (IOException e) {
      // Hadoop's checksummed file systems report a damaged file as a ChecksumException.
      throw new FormatException("checkpoint " + where + " cannot be read (corrupt or partial?): "
          + e.getMessage(), e);
    }
    Map<String, String> meta = file.metadata();
    if (!FORMAT.equals(meta.get("format"))) {
      throw new FormatException("checkpoint " + where + " is not an Ember Spark training"
          + " checkpoint (metadata format " + meta.get("format") + ", expected " + FORMAT + ")");
    }
    if (!FORMAT_VERSION.equals(meta.get("format_version"))) {
      throw new FormatException("checkpoint " + where + " has format_version "
          + meta.get("format_version") + "; this version of Ember reads " + FORMAT_VERSION);
    }
    int recorded = integer(meta, "epoch", where);
    if (recorded != epoch) {
      throw new FormatException("checkpoint " + where + " records epoch " + recorded);
    }
    long seed;
    try {
      seed = Long.parseLong(required(meta, "rng_seed", where));
    } catch (NumberFormatException e) {
      throw new FormatException("checkpoint " + where + ": rng_seed is not an integer", e);
    }
    boolean hasOptimizer = Boolean.parseBoolean(required(meta, "has_optimizer", where));
    List<Double> metrics = new ArrayList<>();
    try {
      Object schedule = Json.parse(required(meta, "schedule", where));
      if (!(schedule instanceof Map<?, ?> m) || !(m.get("epochMetrics") instanceof List<?> l)) {
        throw new FormatException("checkpoint " + where + ": schedule has no epochMetrics list");
      }
      for (Object o : l) {
        if (o != null && !(o instanceof Number)) {
          throw new FormatException("checkpoint " + where + ": schedule metric " + o
              + " is not a number");
        }
        metrics.add(o == null ? Double.NaN : ((Number) o).doubleValue());
      }
    } catch (IllegalArgumentException e) {
      throw new FormatException("checkpoint " + where + ": schedule is not valid JSON: "
          + e.getMessage(), e);
    }
    TrainingSummary summary;
    try {
      summary = TrainingSummary.fromJson(required(meta, "summary", where));
    } catch (IllegalArgumentException e) {
      throw new FormatException("checkpoint " + where + ": " + e.getMessage(), e);
    }
    if (summary.totalEpochs() != epoch || metrics.size() != epoch) {
      throw new FormatException("checkpoint " + where + " is for epoch " + epoch + " but its"
          + " summary has " + summary.totalEpochs() + " epochs and its schedule "
          + metrics.size());
    }
    Map<String, Tensor> model = new LinkedHashMap<>();
    Map<String, Tensor> optimizer = hasOptimizer ? new LinkedHashMap<>() : null;
    for (Map.Entry<String, Tensor> e : file.tensors().entrySet()) {
      String k = e.getKey();
      if (k.startsWith(MODEL)) {
        model.put(k.substring(MODEL.length()), e.getValue().persist());
      } else if (k.startsWith(OPTIMIZER) && optimizer != null) {
        optimizer.put(k.substring(OPTIMIZER.length()), e.getValue().persist());
      } else {
        throw new FormatException("checkpoint " + where + ": unexpected tensor '" + k + "'");
      }
    }
    if (model.isEmpty()) {
      throw new FormatException("checkpoint " + where + " holds no model state");
    }
    return new State(epoch, model, optimizer, metrics, seed, required(meta, "network", where),
        summary);
  }

  private static String required(Map<String, String> meta, String key, String where)
      throws FormatException {
    String v = meta.get(key);
    if (v == null) {
      throw new FormatException("checkpoint " + where + " has no '" + key + "' metadata");
    }
    return v;
  }

  private static int integer(Map<String, String> meta, String key, String where)
      throws FormatException {
    try {
      return Integer.parseInt(required(meta, key, where));
    } catch (NumberFormatException e) {
      throw new FormatException("checkpoint " + where + ": " + key + " is not an integer", e);
    }
  }
}
