package dev.ember.transformers.feature;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.util.List;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.json4s.JInt;
import org.json4s.JObject;
import org.json4s.JValue;
import scala.Option;
import scala.Tuple2;
import scala.jdk.javaapi.CollectionConverters;
import scala.math.BigInt;

/**
 * Spark ML's params-only layout ({@code path/metadata/part-00000}, one JSON line with the class,
 * uid, params and default params) plus a {@code formatVersion}, for the feature transformers.
 *
 * <p>The version lets a later release read what this one wrote, or refuse it with a clear
 * message, instead of guessing from the Spark version.
 */
final class Persistence {
  /** The layout this code writes and reads. */
  static final int FORMAT_VERSION = 1;

  /** The metadata key of the version. */
  static final String FORMAT_VERSION_KEY = "formatVersion";

  private Persistence() {}

  /** A writer of {@code stage}'s params with the format version. */
  static MLWriter writer(Params stage) {
    return new Writer(stage);
  }

  /** A reader of stages of class {@code type} saved by {@link #writer}. */
  static <T extends Params> MLReader<T> reader(Class<T> type) {
    return new Reader<>(type);
  }

  private static final class Writer extends MLWriter {
    private final Params stage;

    Writer(Params stage) {
      this.stage = stage;
    }

    @Override
    public void saveImpl(String path) {
      List<Tuple2<String, JValue>> fields =
          List.of(new Tuple2<>(FORMAT_VERSION_KEY, new JInt(BigInt.apply(FORMAT_VERSION))));
      JObject extra = new JObject(CollectionConverters.asScala(fields).toList());
      DefaultParamsWriter.saveMetadata(stage, path, sparkSession(), Option.apply(extra));
    }
  }

  private static final class Reader<T extends Params> extends MLReader<T> {
    private final Class<T> type;

    Reader(Class<T> type) {
      this.type = type;
    }

    @Override
    public T load(String path) {
      DefaultParamsReader.Metadata metadata =
          DefaultParamsReader.loadMetadata(path, sparkSession(), type.getName());
      int version = formatVersion(metadata.metadataJson(), path);
      if (version != FORMAT_VERSION) {
        throw new IllegalArgumentException(type.getSimpleName() + " at " + path
            + " has formatVersion " + version + "; this Ember reads formatVersion "
            + FORMAT_VERSION);
      }
      T stage;
      try {
        stage = type.getConstructor(String.class).newInstance(metadata.uid());
      } catch (NoSuchMethodException | InstantiationException | IllegalAccessException
          | InvocationTargetException e) {
        throw new IllegalStateException(type.getName() + " needs a public (String uid) constructor",
            e);
      }
      metadata.getAndSetParams(stage, Option.empty());
      return stage;
    }
  }

  private static int formatVersion(String metadataJson, String path) {
    JsonNode node;
    try {
      node = new ObjectMapper().readTree(metadataJson).get(FORMAT_VERSION_KEY);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot parse the metadata at " + path, e);
    }
    if (node == null || !node.isInt()) {
      throw new IllegalArgumentException("the metadata at " + path + " has no integer "
          + FORMAT_VERSION_KEY + "; it was not written by an Ember feature transformer");
    }
    return node.intValue();
  }
}
