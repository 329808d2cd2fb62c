package dev.ember.transformers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.io.FormatException;
import dev.ember.io.Json;
import dev.ember.spark.testing.SparkSessionExtension;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamPair;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(SparkSessionExtension.class)
class ModelPersistenceTest {
  @TempDir
  Path dir;

  private static Map<String, Object> paramValues(org.apache.spark.ml.param.Params p) {
    Map<String, Object> m = new java.util.TreeMap<>();
    for (ParamPair<?> pair : p.extractParamMap().toList()) {
      Object v = pair.value();
      m.put(pair.param().name(), v instanceof double[] d ? Arrays.toString(d)
          : v instanceof int[] i ? Arrays.toString(i) : v);
    }
    return m;
  }

  @Test
  void classifierRoundTripKeepsParamsWeightsAndPredictions(SparkSession spark) throws IOException {
    NeuralNetClassificationModel model = TinyNets.classifier("clf_save").setBatchSize(7)
        .setHandleInvalid("skip");
    model.setThresholds(new double[] {1.0, 0.05, 0.5});
    model.setProbabilityCol("p");
    String path = dir.resolve("clf").toUri().toString();
    model.write().save(path);

    Path saved = dir.resolve("clf");
    assertTrue(Files.isRegularFile(saved.resolve("network.json")));
    assertTrue(Files.isRegularFile(saved.resolve("weights.safetensors")));
    assertTrue(Files.isRegularFile(saved.resolve("metadata/_SUCCESS")));
    try (Stream<Path> siblings = Files.list(dir)) {
      assertEquals(List.of("clf"), siblings.map(p -> p.getFileName().toString()).toList(),
          "no temporary directory is left");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> meta = (Map<String, Object>) Json.parse(
        Files.readAllLines(saved.resolve("metadata/part-00000")).get(0));
    assertEquals(NeuralNetClassificationModel.class.getName(), meta.get("class"));
    assertEquals("clf_save", meta.get("uid"));
    assertEquals(spark.version(), meta.get("sparkVersion"));
    assertInstanceOf(Long.class, meta.get("timestamp"));
    assertEquals(1L, meta.get("formatVersion"));
    assertEquals(3L, meta.get("numClasses"));
    assertEquals(List.of(), meta.get("inputShape"));
    assertEquals(7L, ((Map<?, ?>) meta.get("paramMap")).get("batchSize"));
    assertEquals(64L, ((Map<?, ?>) meta.get("defaultParamMap")).get("batchSize"));
    assertEquals(TinyNets.CLASSIFIER.toJson(), Files.readString(saved.resolve("network.json")));
    assertArrayEquals(TinyNets.classifierWeights(),
        Files.readAllBytes(saved.resolve("weights.safetensors")));

    NeuralNetClassificationModel back = NeuralNetClassificationModel.load(path);
    assertEquals("clf_save", back.uid());
    assertEquals(paramValues(model), paramValues(back));
    assertEquals(TinyNets.CLASSIFIER, back.networkSpec());
    assertEquals(3, back.numClasses());
    assertEquals(4, back.numFeatures());
    double[][] x = TinyNets.features(15);
    Dataset<Row> in = NeuralNetClassificationModelTest.frame(spark, x);
    assertEquals(model.transform(in).orderBy("id").collectAsList(),
        back.transform(in).orderBy("id").collectAsList());

    IOException e = assertThrows(IOException.class, () -> model.write().save(path));
    assertTrue(e.getMessage().contains("already exists"), e.getMessage());
    model.setBatchSize(9).write().overwrite().save(path);
    assertEquals(9, NeuralNetClassificationModel.load(path).getBatchSize());
  }

  @Test
  void regressorRoundTrip(SparkSession spark) throws IOException {
    NeuralNetRegressionModel model = NeuralNetRegressionModelTest.multi("reg_save")
        .setBatchSize(3);
    String path = dir.resolve("reg").toString();
    model.save(path);
    NeuralNetRegressionModel back = NeuralNetRegressionModel.load(path);
    assertEquals(2, back.numOutputs());
    assertEquals(paramValues(model), paramValues(back));
    Vector v = Vectors.dense(1, -2, 0.5, 3);
    assertArrayEquals(model.predictVector(v).toArray(), back.predictVector(v).toArray());
  }

  @Test
  void pipelineModelWithAssemblerSavesAndLoads(SparkSession spark) throws IOException {
    List<Row> rows = new ArrayList<>();
    double[][] x = TinyNets.features(12);
    for (int r = 0; r < x.length; r++) {
      rows.add(RowFactory.create((long) r, x[r][0], x[r][1], x[r][2], x[r][3]));
    }
    StructType schema = new StructType().add("id", DataTypes.LongType)
        .add("a", DataTypes.DoubleType).add("b", DataTypes.DoubleType)
        .add("c", DataTypes.DoubleType).add("d", DataTypes.DoubleType);
    Dataset<Row> in = spark.createDataFrame(rows, schema);
    VectorAssembler assembler = new VectorAssembler()
        .setInputCols(new String[] {"a", "b", "c", "d"}).setOutputCol("features");
    PipelineModel pipeline = new PipelineModel("pipe_1",
        new Transformer[] {assembler, TinyNets.classifier("clf_in_pipe")});
    String path = dir.resolve("pipe").toUri().toString();
    pipeline.write().save(path);
    PipelineModel back = PipelineModel.load(path);
    assertInstanceOf(NeuralNetClassificationModel.class, back.stages()[1]);
    List<Row> expected = pipeline.transform(in).orderBy("id").collectAsList();
    assertEquals(expected, back.transform(in).orderBy("id").collectAsList());
    for (Row r : expected) {
      int id = (int) r.getLong(0);
      assertEquals(model(back).predict(Vectors.dense(x[id])), r.getDouble(r.fieldIndex(
          "prediction")));
    }

    // An unfitted Pipeline holding a fitted model as a transformer stage saves and loads too.
    Pipeline p = new Pipeline().setStages(new PipelineStage[] {assembler,
        TinyNets.classifier("clf_in_pipeline")});
    String ppath = dir.resolve("pipeline").toString();
    p.write().save(ppath);
    assertEquals(expected, Pipeline.load(ppath).fit(in).transform(in).orderBy("id")
        .collectAsList());
  }

  private static NeuralNetClassificationModel model(PipelineModel p) {
    return (NeuralNetClassificationModel) p.stages()[1];
  }

  private static String save(Path where) throws IOException {
    TinyNets.classifier("clf_damaged").save(where.toString());
    return where.toString();
  }

  private static Throwable loadFailure(String path) {
    UncheckedIOException e = assertThrows(UncheckedIOException.class,
        () -> NeuralNetClassificationModel.load(path));
    assertTrue(e.getMessage().contains(path), e.getMessage());
    return e.getCause();
  }

  @Test
  void missingOrCorruptFilesAreNamed(SparkSession spark) throws IOException {
    Throwable cause = loadFailure(dir.resolve("nothing").toString());
    assertInstanceOf(FileNotFoundException.class, cause);
    assertTrue(cause.getMessage().endsWith("nothing: no saved model there"), cause.getMessage());

    String p = save(dir.resolve("noweights"));
    Files.delete(dir.resolve("noweights/weights.safetensors"));
    cause = loadFailure(p);
    assertInstanceOf(FileNotFoundException.class, cause);
    assertTrue(cause.getMessage().contains("weights.safetensors: missing"), cause.getMessage());

    p = save(dir.resolve("truncated"));
    Path w = dir.resolve("truncated/weights.safetensors");
    byte[] bytes = Files.readAllBytes(w);
    Files.write(w, Arrays.copyOf(bytes, bytes.length - 5));
    Files.deleteIfExists(dir.resolve("truncated/.weights.safetensors.crc"));
    cause = loadFailure(p);
    assertInstanceOf(FormatException.class, cause);
    assertTrue(cause.getMessage().contains("do not fit together"), cause.getMessage());
    assertTrue(cause.getMessage().contains("truncated"), cause.getMessage());

    p = save(dir.resolve("badmeta"));
    Path meta = dir.resolve("badmeta/metadata/part-00000");
    Files.writeString(meta, "{\"class\":");
    Files.deleteIfExists(dir.resolve("badmeta/metadata/.part-00000.crc"));
    cause = loadFailure(p);
    assertInstanceOf(FormatException.class, cause);
    assertTrue(cause.getMessage().contains("part-00000: not valid JSON"), cause.getMessage());

    p = save(dir.resolve("badnet"));
    Files.writeString(dir.resolve("badnet/network.json"), "{\"layers\":[{\"type\":\"lin\"}]}");
    Files.deleteIfExists(dir.resolve("badnet/.network.json.crc"));
    cause = loadFailure(p);
    assertTrue(cause.getMessage().contains("network.json: layer 0"), cause.getMessage());

    p = save(dir.resolve("newer"));
    String json = Files.readAllLines(dir.resolve("newer/metadata/part-00000")).get(0);
    Files.writeString(dir.resolve("newer/metadata/part-00000"),
        json.replace("\"formatVersion\":1", "\"formatVersion\":2"), StandardCharsets.UTF_8);
    Files.deleteIfExists(dir.resolve("newer/metadata/.part-00000.crc"));
    cause = loadFailure(p);
    assertTrue(cause.getMessage().contains("saved in Ember model format 2; this version of Ember"
        + " reads format 1"), cause.getMessage());

    String reg = dir.resolve("reg").toString();
    NeuralNetRegressionModelTest.single("reg_x").save(reg);
    cause = loadFailure(reg);
    assertTrue(cause.getMessage().contains("holds a " + NeuralNetRegressionModel.class.getName()
        + ", not a " + NeuralNetClassificationModel.class.getName()), cause.getMessage());
    assertFalse(Files.exists(dir.resolve("nothing")));
  }
}
