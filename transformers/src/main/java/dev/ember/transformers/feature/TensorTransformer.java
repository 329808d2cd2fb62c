package dev.ember.transformers.feature;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.DoubleArrayParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The base of the feature transformers that turn one input column into a tensor column: an
 * {@code array<float>} column holding one sample per row in row-major order, with the sample's
 * shape in the column metadata (see {@link TensorColumns}).
 *
 * <p>Holds what they share: the params {@code inputCol}, {@code outputCol}, {@code handleInvalid}
 * and the per-channel normalization {@code mean}/{@code std}; the schema check; the output
 * column; persistence. It contains the friction of writing Spark stages in Java: Spark's shared
 * {@code Has*} param traits are private to Spark, so the params are declared here once, and the
 * setters return the concrete stage type {@code T}.
 *
 * <p>The output column is appended to every input column; it is nullable only in Spark's type
 * system, since with {@code handleInvalid=skip} the rows that would be null are dropped.
 *
 * @param <T> the concrete stage, returned by the setters
 */
public abstract class TensorTransformer<T extends TensorTransformer<T>> extends Transformer
    implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;

  /** The type of every output column: {@code array<float>} without null elements. */
  public static final ArrayType OUTPUT_TYPE = DataTypes.createArrayType(DataTypes.FloatType, false);

  /** {@code handleInvalid}: throw on the first invalid row. */
  public static final String ERROR_INVALID = "error";

  /** {@code handleInvalid}: drop invalid rows. */
  public static final String SKIP_INVALID = "skip";

  private final String uid;
  private final Param<String> inputCol;
  private final Param<String> outputCol;
  private final Param<String> handleInvalid;
  private final DoubleArrayParam mean;
  private final DoubleArrayParam std;

  /** A stage with identifier {@code uid} and the shared params at their defaults. */
  protected TensorTransformer(String uid) {
    this.uid = uid;
    inputCol = new Param<>(this, "inputCol", "input column name");
    outputCol = new Param<>(this, "outputCol", "output column name: array<float>, one sample per"
        + " row in row-major order, its shape in the column metadata");
    handleInvalid = new Param<>(this, "handleInvalid", "how to handle invalid rows (a null"
        + " value or element, or an image the image data source could not decode): 'error'"
        + " throws naming the row, 'skip' drops the row; a sample of the wrong size is always"
        + " an error",
        ParamValidators.inArray(List.of(ERROR_INVALID, SKIP_INVALID)));
    mean = new DoubleArrayParam(this, "mean", "per-channel mean subtracted after scaling: one"
        + " value for every channel, or one per channel (the first dim of the shape); empty:"
        + " no normalization", Validators.of(Validators::allFinite));
    std = new DoubleArrayParam(this, "std", "per-channel standard deviation divided by after"
        + " subtracting the mean: one value or one per channel, finite and nonzero as a float;"
        + " empty: no normalization", Validators.of(Validators::allFiniteNonzeroFloat));
    setDefault(outputCol, uid + "__output");
    setDefault(handleInvalid, ERROR_INVALID);
    setDefault(mean, new double[0]);
    setDefault(std, new double[0]);
  }

  /** This stage as its concrete type. */
  protected abstract T self();

  /**
   * Checks the type of the input column.
   *
   * @throws IllegalArgumentException naming the column, its type and the types accepted
   */
  protected abstract void checkInputType(StructField input);

  /**
   * Checks the params against each other and returns the per-sample output shape when the params
   * alone determine it, else null (the data decides, in {@code transform}).
   *
   * @throws IllegalArgumentException if the params contradict each other
   */
  protected abstract int[] checkParams(StructField input);

  @Override
  public String uid() {
    return uid;
  }

  /** The input column. */
  public Param<String> inputCol() {
    return inputCol;
  }

  /** The output column (default {@code uid + "__output"}). */
  public Param<String> outputCol() {
    return outputCol;
  }

  /** {@code error} (default) or {@code skip}: what to do with invalid rows. */
  public Param<String> handleInvalid() {
    return handleInvalid;
  }

  /** The per-channel mean (default empty: no normalization). */
  public DoubleArrayParam mean() {
    return mean;
  }

  /** The per-channel standard deviation (default empty: no normalization). */
  public DoubleArrayParam std() {
    return std;
  }

  /** The input column's name. */
  public String getInputCol() {
    return getOrDefault(inputCol);
  }

  /** The output column's name. */
  public String getOutputCol() {
    return getOrDefault(outputCol);
  }

  /** {@code error} or {@code skip}. */
  public String getHandleInvalid() {
    return getOrDefault(handleInvalid);
  }

  /** The per-channel mean; empty for no normalization. */
  public double[] getMean() {
    return getOrDefault(mean).clone();
  }

  /** The per-channel standard deviation; empty for no normalization. */
  public double[] getStd() {
    return getOrDefault(std).clone();
  }

  /** Sets the input column. */
  public T setInputCol(String value) {
    set(inputCol, value);
    return self();
  }

  /** Sets the output column. */
  public T setOutputCol(String value) {
    set(outputCol, value);
    return self();
  }

  /**
   * Sets {@code handleInvalid}.
   *
   * @throws IllegalArgumentException if {@code value} is neither {@code error} nor {@code skip}
   */
  public T setHandleInvalid(String value) {
    set(handleInvalid, value);
    return self();
  }

  /**
   * Sets the per-channel mean subtracted from every value of a channel (after scaling).
   *
   * @throws IllegalArgumentException if a value is not finite
   */
  public T setMean(double... value) {
    set(mean, value.clone());
    return self();
  }

  /**
   * Sets the per-channel standard deviation every value of a channel is divided by (after
   * subtracting the mean).
   *
   * @throws IllegalArgumentException if a value is not finite or is zero as a float
   */
  public T setStd(double... value) {
    set(std, value.clone());
    return self();
  }

  /**
   * The input schema with the output column appended: {@code array<float>}, nullable, with the
   * per-sample shape in its metadata when the params determine it.
   *
   * @throws IllegalArgumentException if {@code inputCol} is unset or missing from the schema, has
   *     a type this stage does not read, the output column exists already, or the params
   *     contradict each other
   */
  @Override
  public StructType transformSchema(StructType schema) {
    StructField input = inputField(schema);
    checkInputType(input);
    String out = getOutputCol();
    if (Arrays.asList(schema.fieldNames()).contains(out)) {
      throw new IllegalArgumentException(name() + ": output column '" + out
          + "' already exists");
    }
    Normalizer.checkPaired(name(), getOrDefault(mean), getOrDefault(std));
    return schema.add(outputField(checkParams(input)));
  }

  /** The output column's field for per-sample {@code shape}, or without a shape when null. */
  protected final StructField outputField(int[] shape) {
    Metadata metadata = shape == null
        ? Metadata.empty() : TensorColumns.withShape(Metadata.empty(), shape);
    return new StructField(getOutputCol(), OUTPUT_TYPE, true, metadata);
  }

  /**
   * {@code dataset} with the output column appended: {@code convert} applied to the input column
   * of every row, the shape in the metadata; with {@code handleInvalid=skip} the rows for which
   * {@code convert} returns null are dropped.
   */
  protected final Dataset<Row> appendOutput(
      Dataset<?> dataset, UDF1<Object, float[]> convert, int[] shape) {
    UserDefinedFunction udf = functions.udf(convert, OUTPUT_TYPE);
    boolean skip = isSkip();
    if (skip) {
      // Keeps the optimizer from pushing the null filter below the projection, which would run
      // the conversion twice per row.
      udf = udf.asNondeterministic();
    }
    StructField field = outputField(shape);
    Column output = udf.apply(dataset.col(getInputCol())).as(field.name(), field.metadata());
    Dataset<Row> result = dataset.toDF().select(functions.col("*"), output);
    return skip ? result.filter(result.col(field.name()).isNotNull()) : result;
  }

  /** Whether invalid rows are dropped. */
  protected final boolean isSkip() {
    return SKIP_INVALID.equals(getHandleInvalid());
  }

  /**
   * Checks the normalization params for samples of {@code channels} channels.
   *
   * @throws IllegalArgumentException if only one of mean and std is set, or either has neither 1
   *     nor {@code channels} values
   */
  protected final void checkNormalization(int channels) {
    Normalizer.check(name(), getOrDefault(mean), getOrDefault(std), channels);
  }

  /** The normalization of samples of {@code channels} planes of {@code planeSize}, or null. */
  final Normalizer normalizer(int channels, int planeSize) {
    return Normalizer.of(getOrDefault(mean), getOrDefault(std), channels, planeSize);
  }

  /** The stage's class and uid, for messages. */
  protected final String name() {
    return getClass().getSimpleName() + " '" + uid + "'";
  }

  private StructField inputField(StructType schema) {
    if (!isDefined(inputCol)) {
      throw new IllegalArgumentException(name() + ": set inputCol");
    }
    String in = getInputCol();
    if (!Arrays.asList(schema.fieldNames()).contains(in)) {
      throw new IllegalArgumentException(name() + ": input column '" + in
          + "' does not exist; the DataFrame has " + String.join(", ", schema.fieldNames()));
    }
    return schema.apply(in);
  }

  /** Writes the params in Spark ML's layout, with a {@code formatVersion}. */
  @Override
  public MLWriter write() {
    return Persistence.writer(this);
  }
}
