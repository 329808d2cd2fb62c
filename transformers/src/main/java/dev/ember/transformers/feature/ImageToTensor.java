package dev.ember.transformers.feature;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The image column of Spark's {@code image} data source to a tensor column: each image as a
 * float32 (C, H, W) sample in [0, 1], channels in RGB order, optionally converted to gray or RGB,
 * resized and normalized — what torchvision computes from the decoded image.
 *
 * <p>Input: the struct {@code image} data source rows hold ({@code origin, height, width,
 * nChannels, mode, data}, {@code ImageSchema.columnSchema()}), with {@code data} the 8-bit pixels
 * in OpenCV's order: interleaved B, G, R (and A) per pixel, rows top to bottom. Gray images have
 * 1 channel, colour images 3, images with alpha 4.
 *
 * <p>Output, per image, as torchvision's {@code normalize(resize(to_tensor(img.convert(m)),
 * [height, width], antialias=False), mean, std)} of the PIL image {@code img}:
 * <ol>
 *   <li>channels ({@code outputChannels}): 0 (default) keeps the image's own, in RGB order: 1 for
 *       gray, 3 (R, G, B) for colour, 4 (R, G, B, A) with alpha. 1 converts to gray as PIL's
 *       {@code convert("L")}: ITU-R 601-2 luma {@code L = R * 299/1000 + G * 587/1000 + B *
 *       114/1000} on the 8-bit values, rounded as PIL does ({@code (19595 R + 38470 G + 7471 B +
 *       2^15) >> 16}), alpha ignored. 3 converts to RGB as PIL's {@code convert("RGB")}: a gray
 *       value goes to all three channels; alpha is dropped.</li>
 *   <li>{@code x / 255} as float32, laid out (C, H, W) (torchvision's {@code ToTensor}).</li>
 *   <li>with {@code height} and {@code width} set, bilinear resizing of the float image to that
 *       size with {@code align_corners=False} and no antialias (torchvision's {@code Resize} of a
 *       tensor with {@code antialias=False}; the tensor engine's {@code Functional.resize}).</li>
 *   <li>with {@code mean} and {@code std} set, {@code (v - mean[c]) / std[c]} in float32
 *       (torchvision's {@code Normalize}); one value for all channels or one per channel.</li>
 * </ol>
 *
 * <p>The output column's metadata holds the sample shape (C, H, W) ({@link
 * TensorColumns#shapeOf}). When the params do not fix it (no resize, or {@code outputChannels =
 * 0}), {@code transform} reads the first valid image's size and channels on the driver (a small
 * Spark job), and every image must give that same shape: a different size or channel count is an
 * error naming both images' origins. {@code transformSchema} records the shape only when the
 * params fix it, and a frame without any valid image gets no shape.
 *
 * <p>Invalid rows ({@code handleInvalid}): a null image, or a row the data source could not decode
 * (with {@code dropInvalid=false} it gives height and width -1); the error names the origin.
 *
 * <pre>{@code
 * Dataset<Row> images = spark.read().format("image").load("hdfs:///photos");
 * ImageToTensor toTensor = new ImageToTensor().setOutputCol("features")
 *     .setHeight(224).setWidth(224)
 *     .setMean(0.485, 0.456, 0.406).setStd(0.229, 0.224, 0.225);
 * Dataset<Row> tensors = toTensor.transform(images);
 * }</pre>
 */
public final class ImageToTensor extends TensorTransformer<ImageToTensor> {
  private static final long serialVersionUID = 1L;

  /** The image struct's fields and their types, as Spark's {@code ImageSchema} declares them. */
  private static final Map<String, DataType> IMAGE_FIELDS = Map.of("origin", DataTypes.StringType,
      "height", DataTypes.IntegerType, "width", DataTypes.IntegerType,
      "nChannels", DataTypes.IntegerType, "mode", DataTypes.IntegerType,
      "data", DataTypes.BinaryType);

  private static final String[] FIELD_ORDER = {
    "origin", "height", "width", "nChannels", "mode", "data"
  };

  private final IntParam height;
  private final IntParam width;
  private final IntParam outputChannels;

  /** A transformer with a random uid. */
  public ImageToTensor() {
    this(Identifiable.randomUID("imageToTensor"));
  }

  /** A transformer with identifier {@code uid}, reading column {@code image} by default. */
  public ImageToTensor(String uid) {
    super(uid);
    height = new IntParam(this, "height", "output height in pixels: every image is resized to"
        + " height x width (bilinear, no antialias); 0 keeps the images' size, which must then"
        + " be the same for all (>= 0; set with width)", ParamValidators.gtEq(0));
    width = new IntParam(this, "width", "output width in pixels; 0 keeps the images' size"
        + " (>= 0; set with height)", ParamValidators.gtEq(0));
    outputChannels = new IntParam(this, "outputChannels", "channels of the output: 0 keeps each"
        + " image's (1 gray, 3 RGB, 4 RGBA), 1 converts to gray (ITU-R 601-2 luma, as PIL's"
        + " convert('L')), 3 to RGB (gray replicated, alpha dropped)",
        ParamValidators.inArray(List.of(0, 1, 3)));
    setDefault(inputCol(), "image");
    setDefault(height, 0);
    setDefault(width, 0);
    setDefault(outputChannels, 0);
  }

  @Override
  protected ImageToTensor self() {
    return this;
  }

  /** The output height (default 0: keep). */
  public IntParam height() {
    return height;
  }

  /** The output width (default 0: keep). */
  public IntParam width() {
    return width;
  }

  /** The output channels: 0 (default, keep), 1 (gray) or 3 (RGB). */
  public IntParam outputChannels() {
    return outputChannels;
  }

  /** The output height; 0 keeps the images' height. */
  public int getHeight() {
    return (Integer) getOrDefault(height);
  }

  /** The output width; 0 keeps the images' width. */
  public int getWidth() {
    return (Integer) getOrDefault(width);
  }

  /** The output channels: 0 (keep), 1 or 3. */
  public int getOutputChannels() {
    return (Integer) getOrDefault(outputChannels);
  }

  /**
   * Sets the output height (set the width too); 0 keeps the images' size.
   *
   * @throws IllegalArgumentException if negative
   */
  public ImageToTensor setHeight(int value) {
    set(height, value);
    return this;
  }

  /**
   * Sets the output width (set the height too); 0 keeps the images' size.
   *
   * @throws IllegalArgumentException if negative
   */
  public ImageToTensor setWidth(int value) {
    set(width, value);
    return this;
  }

  /**
   * Sets the output channels: 0 keeps each image's, 1 converts to gray, 3 to RGB.
   *
   * @throws IllegalArgumentException for another value
   */
  public ImageToTensor setOutputChannels(int value) {
    set(outputChannels, value);
    return this;
  }

  @Override
  protected void checkInputType(StructField input) {
    fieldPositions(input);
  }

  /** The positions of the image fields in the struct, in {@link #FIELD_ORDER}. */
  private int[] fieldPositions(StructField input) {
    String problem = null;
    int[] positions = new int[FIELD_ORDER.length];
    if (input.dataType() instanceof StructType struct) {
      List<String> names = Arrays.asList(struct.fieldNames());
      for (int i = 0; i < FIELD_ORDER.length && problem == null; i++) {
        int at = names.indexOf(FIELD_ORDER[i]);
        if (at < 0) {
          problem = "no field " + FIELD_ORDER[i];
        } else if (!struct.fields()[at].dataType().equals(IMAGE_FIELDS.get(FIELD_ORDER[i]))) {
          problem = "field " + FIELD_ORDER[i] + " is " + struct.fields()[at].dataType()
              .simpleString();
        }
        positions[i] = at;
      }
    } else {
      problem = "not a struct";
    }
    if (problem != null) {
      throw new IllegalArgumentException(name() + ": input column '" + input.name()
          + "' has type " + input.dataType().simpleString() + " (" + problem + "); expected the"
          + " struct of Spark's image data source, struct<origin:string,height:int,width:int,"
          + "nChannels:int,mode:int,data:binary>");
    }
    return positions;
  }

  /** Checks height and width are set together; the shape when the params fix it, else null. */
  @Override
  protected int[] checkParams(StructField input) {
    int h = getHeight();
    int w = getWidth();
    if ((h == 0) != (w == 0)) {
      throw new IllegalArgumentException(name() + ": set both height and width to resize, or"
          + " neither; got height " + h + ", width " + w);
    }
    int c = getOutputChannels();
    if (c > 0) {
      checkNormalization(c);
    }
    return c > 0 && h > 0 ? new int[] {c, h, w} : null;
  }

  /**
   * Appends the output column (see the class comment).
   *
   * @throws IllegalArgumentException for the reasons of {@link #transformSchema}; if the first
   *     valid image has a mode Ember does not read, or mean/std do not fit its channels; if the
   *     shape must be read from the data and {@code dataset} is streaming
   * @throws org.apache.spark.SparkException when an action runs, wrapping a {@link
   *     dev.ember.spark.InvalidRowException} naming the image's origin, for the reasons of the
   *     class comment
   */
  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructField input = transformSchema(dataset.schema()).apply(getInputCol());
    int[] fields = fieldPositions(input);
    int[] shape = checkParams(input);
    boolean fromFirst = shape == null;
    String firstOrigin = null;
    if (fromFirst) {
      if (dataset.isStreaming()) {
        throw new IllegalArgumentException(name() + ": on a streaming DataFrame set height,"
            + " width and outputChannels, so that the shape need not be read from the data");
      }
      Column img = dataset.col(getInputCol());
      List<Row> first = dataset.select(img.getField("origin"), img.getField("height"),
              img.getField("width"), img.getField("nChannels"), img.getField("mode"))
          .where(img.isNotNull().and(img.getField("height").gt(0))
              .and(img.getField("width").gt(0)))
          .takeAsList(1);
      if (!first.isEmpty()) {
        Row r = first.get(0);
        firstOrigin = r.isNullAt(0) ? null : r.getString(0);
        int channels = r.isNullAt(3) ? -1 : r.getInt(3);
        if (ImageConversion.cvType(channels) < 0 || r.isNullAt(4)
            || r.getInt(4) != ImageConversion.cvType(channels)) {
          throw new IllegalArgumentException(name() + ": column '" + getInputCol() + "': image '"
              + firstOrigin + "' has " + channels + " channels and mode "
              + (r.isNullAt(4) ? "null" : r.getInt(4)) + "; ImageToTensor reads 8-bit images of"
              + " 1, 3 or 4 channels (CV_8UC1, CV_8UC3, CV_8UC4)");
        }
        int c = ImageConversion.outputChannels(getOutputChannels(), channels);
        shape = new int[] {c, getHeight() > 0 ? getHeight() : r.getInt(1),
            getWidth() > 0 ? getWidth() : r.getInt(2)};
      }
    }
    Normalizer normalizer = null;
    if (shape != null) {
      checkNormalization(shape[0]);
      normalizer = normalizer(shape[0], shape[1] * shape[2]);
    }
    ImageConversion conversion = new ImageConversion(fields, getInputCol(), getOutputChannels(),
        getHeight(), getWidth(), shape, fromFirst, firstOrigin, normalizer, isSkip());
    return appendOutput(dataset, conversion::apply, shape);
  }

  @Override
  public ImageToTensor copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  /** The reader of saved {@code ImageToTensor}s. */
  public static MLReader<ImageToTensor> read() {
    return Persistence.reader(ImageToTensor.class);
  }

  /** The {@code ImageToTensor} saved at {@code path}. */
  public static ImageToTensor load(String path) {
    return read().load(path);
  }
}
