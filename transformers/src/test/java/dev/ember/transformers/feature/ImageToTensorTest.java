package dev.ember.transformers.feature;

import static dev.ember.transformers.feature.Fixtures.assertMessage;
import static dev.ember.transformers.feature.Fixtures.floats;
import static dev.ember.transformers.feature.Fixtures.rowError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.data.transforms.Functional;
import dev.ember.data.transforms.Interpolation;
import dev.ember.spark.InvalidRowException;
import dev.ember.spark.testing.SparkSessionExtension;
import dev.ember.tensor.Tensor;
import dev.ember.testdata.FashionMnist;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntBinaryOperator;
import javax.imageio.ImageIO;
import org.apache.spark.ml.image.ImageSchema;
import org.apache.spark.ml.param.Param;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * ImageToTensor on real PNG files read with Spark's image data source: Fashion-MNIST images
 * against their pixels, colour images against torchvision (image_to_tensor.txt, made by
 * make_image_golden.py beside it), and the errors.
 */
@ExtendWith(SparkSessionExtension.class)
class ImageToTensorTest {
  private static final int FMNIST_IMAGES = 4;

  @TempDir
  static Path dir;

  /** Fashion-MNIST bytes, by file name. */
  private static final Map<String, byte[]> FMNIST = new HashMap<>();

  private static Map<String, float[]> golden;
  private static Map<String, int[]> goldenShapes;

  @BeforeAll
  static void writeImages() throws IOException {
    float[] pixels;
    try (var scope = Tensor.scope()) {
      pixels = FashionMnist.trainSubset().images().narrow(0, 0, FMNIST_IMAGES).contiguous()
          .toFloatArray();
    }
    int size = FashionMnist.SIZE * FashionMnist.SIZE;
    for (int n = 0; n < FMNIST_IMAGES; n++) {
      byte[] bytes = new byte[size];
      for (int k = 0; k < size; k++) {
        bytes[k] = (byte) Math.round(pixels[n * size + k] * 255);
      }
      FMNIST.put("fmnist-" + n + ".png", bytes);
      writeGray(dir.resolve("gray").resolve("fmnist-" + n + ".png"), FashionMnist.SIZE,
          FashionMnist.SIZE, (i, j) -> bytes[i * FashionMnist.SIZE + j] & 0xFF);
    }
    writeRgb(dir.resolve("rgb").resolve("rgb.png"));
    writeRgba(dir.resolve("rgba").resolve("rgba.png"));
    writeGray(dir.resolve("grayf").resolve("gray.png"), 6, 7, ImageToTensorTest::grayPixel);

    byte[] first = FMNIST.get("fmnist-0.png");
    writeGray(dir.resolve("sizes").resolve("fmnist-0.png"), 28, 28,
        (i, j) -> first[i * 28 + j] & 0xFF);
    writeGray(dir.resolve("sizes").resolve("small.png"), 6, 7, ImageToTensorTest::grayPixel);
    writeRgb(dir.resolve("channels").resolve("rgb.png"));
    writeGray(dir.resolve("channels").resolve("gray.png"), 6, 7, ImageToTensorTest::grayPixel);
    writeGray(dir.resolve("broken").resolve("fmnist-0.png"), 28, 28,
        (i, j) -> first[i * 28 + j] & 0xFF);
    Files.write(dir.resolve("broken").resolve("broken.png"),
        "not a PNG file".getBytes(StandardCharsets.US_ASCII));
    readGolden();
  }

  // The formulas of make_image_golden.py.

  private static int grayPixel(int i, int j) {
    return (31 * i + 7 * j) % 256;
  }

  private static void writeRgb(Path file) throws IOException {
    BufferedImage img = new BufferedImage(9, 7, BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < 7; i++) {
      for (int j = 0; j < 9; j++) {
        int r = (40 * i + 17 * j) % 256;
        int g = (13 * i + 29 * j + 50) % 256;
        int b = (7 * i * i + 3 * j + 100) % 256;
        img.setRGB(j, i, (r << 16) | (g << 8) | b);
      }
    }
    write(img, file);
  }

  private static void writeRgba(Path file) throws IOException {
    BufferedImage img = new BufferedImage(6, 5, BufferedImage.TYPE_INT_ARGB);
    for (int i = 0; i < 5; i++) {
      for (int j = 0; j < 6; j++) {
        int r = (23 * i + 61 * j + 5) % 256;
        int g = (101 * i + 7 * j) % 256;
        int b = (3 * i * j + 200) % 256;
        int a = 128 + (7 * i + 11 * j) % 128;
        img.setRGB(j, i, (a << 24) | (r << 16) | (g << 8) | b);
      }
    }
    write(img, file);
  }

  private static void writeGray(Path file, int height, int width, IntBinaryOperator pixel)
      throws IOException {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    for (int i = 0; i < height; i++) {
      for (int j = 0; j < width; j++) {
        img.getRaster().setSample(j, i, 0, pixel.applyAsInt(i, j));
      }
    }
    write(img, file);
  }

  private static void write(BufferedImage img, Path file) throws IOException {
    Files.createDirectories(file.getParent());
    if (!ImageIO.write(img, "png", file.toFile())) {
      throw new IOException("no PNG writer");
    }
  }

  private static void readGolden() throws IOException {
    golden = new HashMap<>();
    goldenShapes = new HashMap<>();
    try (InputStream in = ImageToTensorTest.class.getResourceAsStream("image_to_tensor.txt");
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String name = null;
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        String[] parts = line.split(" ");
        switch (parts[0]) {
          case "case" -> name = parts[1];
          case "shape" -> {
            int[] shape = new int[parts.length - 1];
            for (int k = 0; k < shape.length; k++) {
              shape[k] = Integer.parseInt(parts[k + 1]);
            }
            goldenShapes.put(name, shape);
          }
          case "values" -> {
            float[] v = new float[parts.length - 1];
            for (int k = 0; k < v.length; k++) {
              v[k] = Float.parseFloat(parts[k + 1]);
            }
            golden.put(name, v);
          }
          default -> { }
        }
      }
    }
  }

  private static Dataset<Row> images(SparkSession spark, String folder) {
    return spark.read().format("image").load(dir.resolve(folder).toString());
  }

  private static String fileName(Row row) {
    String origin = row.getStruct(row.fieldIndex("image")).getString(0);
    return origin.substring(origin.lastIndexOf('/') + 1);
  }

  /**
   * Asserts the output equals torchvision's: exactly, except after resizing, where the engine
   * accumulates in float64 and rounds once while torch rounds each float32 step (within 2e-6 of
   * each other, the engine's own golden tolerance).
   */
  private static void assertGolden(String name, Dataset<Row> result, String column) {
    Row row = result.collectAsList().get(0);
    assertArrayEquals(goldenShapes.get(name),
        TensorColumns.shapeOf(result.schema().apply(column)), name + ": shape");
    float tolerance = name.contains("resize") ? 2e-6f : 0f;
    assertArrayEquals(golden.get(name), floats(row, column), tolerance, name);
  }

  @Test
  void grayImagesGiveTheirPixelsResizedNormalizedOrAsRgb(SparkSession spark) {
    Dataset<Row> df = images(spark, "gray");
    ImageToTensor plain = new ImageToTensor().setOutputCol("plain");
    float mean = 0.2860f;
    float std = 0.3530f;
    ImageToTensor resized = new ImageToTensor().setOutputCol("resized").setHeight(14)
        .setWidth(10).setMean(mean).setStd(std);
    ImageToTensor rgb = new ImageToTensor().setOutputCol("rgb").setOutputChannels(3);
    Dataset<Row> result = rgb.transform(resized.transform(plain.transform(df)));

    assertArrayEquals(new int[] {1, 28, 28}, TensorColumns.shapeOf(result.schema().apply("plain")));
    assertArrayEquals(new int[] {1, 14, 10},
        TensorColumns.shapeOf(result.schema().apply("resized")));
    assertArrayEquals(new int[] {3, 28, 28}, TensorColumns.shapeOf(result.schema().apply("rgb")));
    List<Row> rows = result.collectAsList();
    assertEquals(FMNIST_IMAGES, rows.size());
    for (Row row : rows) {
      byte[] bytes = FMNIST.get(fileName(row));
      float[] want = new float[bytes.length];
      for (int k = 0; k < want.length; k++) {
        want[k] = (bytes[k] & 0xFF) / 255f;
      }
      assertArrayEquals(want, floats(row, "plain"), fileName(row));

      float[] small;
      try (var scope = Tensor.scope()) {
        small = Functional.resize(Tensor.of(want, 1, 28, 28), 14, 10, Interpolation.BILINEAR)
            .toFloatArray();
      }
      for (int k = 0; k < small.length; k++) {
        small[k] = (small[k] - mean) / std;
      }
      assertArrayEquals(small, floats(row, "resized"), fileName(row) + " resized");

      float[] three = floats(row, "rgb");
      for (int c = 0; c < 3; c++) {
        for (int k = 0; k < want.length; k++) {
          assertEquals(want[k], three[c * want.length + k], fileName(row) + " channel " + c);
        }
      }
    }
  }

  @Test
  void rgbImageMatchesTorchvision(SparkSession spark) {
    Dataset<Row> result = images(spark, "rgb");
    result = new ImageToTensor().setOutputCol("rgb").transform(result);
    result = new ImageToTensor().setOutputCol("rgb_resize_4x5").setHeight(4).setWidth(5)
        .setOutputChannels(3).transform(result);
    result = new ImageToTensor().setOutputCol("rgb_resize_12x14_imagenet").setHeight(12)
        .setWidth(14).setOutputChannels(3).setMean(0.485, 0.456, 0.406)
        .setStd(0.229, 0.224, 0.225).transform(result);
    result = new ImageToTensor().setOutputCol("rgb_gray").setOutputChannels(1).transform(result);
    result = new ImageToTensor().setOutputCol("rgb_gray_resize_4x5_norm").setOutputChannels(1)
        .setHeight(4).setWidth(5).setMean(0.5).setStd(0.25).transform(result);
    for (String name : List.of("rgb", "rgb_resize_4x5", "rgb_resize_12x14_imagenet", "rgb_gray",
        "rgb_gray_resize_4x5_norm")) {
      assertGolden(name, result, name);
    }
  }

  @Test
  void rgbaAndGrayImagesMatchTorchvision(SparkSession spark) {
    Dataset<Row> rgba = images(spark, "rgba");
    rgba = new ImageToTensor().setOutputCol("rgba").transform(rgba);
    rgba = new ImageToTensor().setOutputCol("rgba_rgb").setOutputChannels(3).transform(rgba);
    rgba = new ImageToTensor().setOutputCol("rgba_gray").setOutputChannels(1).transform(rgba);
    for (String name : List.of("rgba", "rgba_rgb", "rgba_gray")) {
      assertGolden(name, rgba, name);
    }
    Dataset<Row> gray = new ImageToTensor().setOutputCol("gray_rgb").setOutputChannels(3)
        .transform(images(spark, "grayf"));
    assertGolden("gray_rgb", gray, "gray_rgb");
  }

  @Test
  void imagesOfAnotherSizeOrChannelCountAreErrorsNamingTheirOrigin(SparkSession spark) {
    Dataset<Row> sizes = images(spark, "sizes");
    InvalidRowException e = rowError(
        () -> new ImageToTensor().setOutputCol("t").transform(sizes).collectAsList());
    assertEquals("image", e.column());
    assertTrue(e.getMessage().contains("small.png") && e.getMessage().contains("fmnist-0.png"),
        e.getMessage());
    assertTrue(e.getMessage().contains("set height and width"), e.getMessage());
    assertEquals(2, new ImageToTensor().setOutputCol("t").setHeight(28).setWidth(28)
        .transform(sizes).count());

    Dataset<Row> channels = images(spark, "channels");
    InvalidRowException c = rowError(() -> new ImageToTensor().setOutputCol("t").setHeight(8)
        .setWidth(8).transform(channels).collectAsList());
    assertTrue(c.getMessage().contains("rgb.png") && c.getMessage().contains("gray.png")
        && c.getMessage().contains("outputChannels"), c.getMessage());
    Dataset<Row> converted = new ImageToTensor().setOutputCol("t").setHeight(8).setWidth(8)
        .setOutputChannels(1).transform(channels);
    assertArrayEquals(new int[] {1, 8, 8}, TensorColumns.shapeOf(converted.schema().apply("t")));
    assertEquals(2, converted.count());
  }

  @Test
  void undecodableAndNullImagesAreErrorsOrSkipped(SparkSession spark) {
    Dataset<Row> broken = spark.read().format("image").option("dropInvalid", false)
        .load(dir.resolve("broken").toString());
    InvalidRowException e = rowError(
        () -> new ImageToTensor().setOutputCol("t").transform(broken).collectAsList());
    assertTrue(e.getMessage().contains("broken.png") && e.getMessage().contains("skip"),
        e.getMessage());
    List<Row> kept = new ImageToTensor().setOutputCol("t").setHandleInvalid("skip")
        .transform(broken).collectAsList();
    assertEquals(1, kept.size());
    assertEquals("fmnist-0.png", fileName(kept.get(0)));

    StructType schema = new StructType().add("image", ImageSchema.columnSchema(), true);
    Dataset<Row> nulls = spark.createDataFrame(List.of(RowFactory.create((Object) null)), schema);
    InvalidRowException n = rowError(() -> new ImageToTensor().setOutputCol("t").setHeight(4)
        .setWidth(4).setOutputChannels(1).transform(nulls).collectAsList());
    assertTrue(n.getMessage().contains("null image"), n.getMessage());
    assertEquals(0, new ImageToTensor().setOutputCol("t").setHandleInvalid("skip")
        .transform(nulls).count());
  }

  @Test
  void transformSchemaChecksTheColumnAndParams() {
    StructType images = new StructType().add("image", ImageSchema.columnSchema(), true)
        .add("label", DataTypes.DoubleType);
    StructType out = new ImageToTensor().setOutputCol("t").setHeight(32).setWidth(24)
        .setOutputChannels(3).transformSchema(images);
    StructField t = out.apply("t");
    assertEquals(TensorTransformer.OUTPUT_TYPE, t.dataType());
    assertArrayEquals(new int[] {3, 32, 24}, TensorColumns.shapeOf(t));
    assertEquals("{\"ember\":{\"shape\":[3,32,24]}}", t.metadata().json());
    assertNull(TensorColumns.shapeOf(
        new ImageToTensor().setOutputCol("t").transformSchema(images).apply("t")));

    assertMessage(() -> new ImageToTensor().setInputCol("photo").transformSchema(images),
        "input column 'photo' does not exist");
    assertMessage(() -> new ImageToTensor().setInputCol("label").transformSchema(images),
        "input column 'label' has type double");
    StructType noData = new StructType().add("image", new StructType()
        .add("origin", DataTypes.StringType).add("height", DataTypes.IntegerType)
        .add("width", DataTypes.IntegerType).add("nChannels", DataTypes.IntegerType)
        .add("mode", DataTypes.IntegerType));
    assertMessage(() -> new ImageToTensor().transformSchema(noData), "no field data");
    assertMessage(() -> new ImageToTensor().setHeight(32).transformSchema(images),
        "set both height and width");
    assertMessage(() -> new ImageToTensor().setOutputChannels(3).setMean(0.5, 0.5)
        .setStd(0.5, 0.5).transformSchema(images), "mean has 2 values");
    assertMessage(() -> new ImageToTensor().setMean(0.5).transformSchema(images),
        "set both mean and std");
    assertMessage(() -> new ImageToTensor().setOutputCol("label").transformSchema(images),
        "output column 'label' already exists");

    // Spark finds the params by reflection: each is found once, under its own name.
    ImageToTensor stage = new ImageToTensor();
    assertEquals(List.of("handleInvalid", "height", "inputCol", "mean", "outputChannels",
        "outputCol", "std", "width"), Arrays.stream(stage.params()).map(Param::name).toList());
    assertTrue(stage.explainParams().contains("outputChannels: channels of the output"),
        stage.explainParams());

    assertThrows(IllegalArgumentException.class, () -> new ImageToTensor().setOutputChannels(2));
    assertThrows(IllegalArgumentException.class, () -> new ImageToTensor().setHeight(-1));
    assertThrows(IllegalArgumentException.class, () -> new ImageToTensor().setWidth(-1));
    assertThrows(IllegalArgumentException.class, () -> new ImageToTensor().setStd(0.5, 0.0));
    assertThrows(IllegalArgumentException.class,
        () -> new ImageToTensor().setMean(Double.NaN));
    assertThrows(IllegalArgumentException.class,
        () -> new ImageToTensor().setHandleInvalid("keep"));
  }

  @Test
  void savedAndLoadedGivesTheSameParamsAndOutput(SparkSession spark) throws IOException {
    ImageToTensor stage = new ImageToTensor().setOutputCol("t").setHeight(7).setWidth(5)
        .setOutputChannels(3).setMean(0.1, 0.2, 0.3).setStd(0.5).setHandleInvalid("skip");
    String path = dir.resolve("saved").resolve("image-to-tensor").toString();
    stage.save(path);
    assertTrue(Fixtures.savedMetadata(path).contains("\"formatVersion\":1"));

    ImageToTensor loaded = ImageToTensor.load(path);
    assertEquals(stage.uid(), loaded.uid());
    assertEquals("t", loaded.getOutputCol());
    assertEquals("image", loaded.getInputCol());
    assertEquals(7, loaded.getHeight());
    assertEquals(5, loaded.getWidth());
    assertEquals(3, loaded.getOutputChannels());
    assertArrayEquals(new double[] {0.1, 0.2, 0.3}, loaded.getMean());
    assertArrayEquals(new double[] {0.5}, loaded.getStd());
    assertEquals("skip", loaded.getHandleInvalid());
    Dataset<Row> df = images(spark, "gray");
    List<Row> before = stage.transform(df).select("t").collectAsList();
    List<Row> after = loaded.transform(df).select("t").collectAsList();
    assertEquals(FMNIST_IMAGES, before.size());
    assertEquals(before, after);
  }
}
