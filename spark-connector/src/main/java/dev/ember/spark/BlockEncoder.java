package dev.ember.spark;

import java.io.Serializable;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Encodes a DataFrame's rows once per fit into packed {@link Block}s: an RDD cached for the
 * epochs, with the counts a fit needs.
 *
 * <p>Each task streams its partition: a block holds at most {@link #rowsPerBlock()} rows, so the
 * memory a task needs while encoding is bounded by one block (two with a validation split), never
 * by the partition. Every row is validated; a bad row is an {@link InvalidRowException} naming
 * the column, the first offending value and where it is ({@code "row 17 of partition 1"}, both
 * counted from 0 in the partitions the encoder reads), or, with {@code handleInvalid = "skip"},
 * dropped and counted.
 *
 * <table>
 *   <caption>Columns read</caption>
 *   <tr><th>column</th><th>types</th><th>valid values</th></tr>
 *   <tr><td>{@code featuresCol}</td><td>{@code Vector}, {@code array<float>},
 *       {@code array<double>}</td><td>{@code featureSize} finite float32 values (see
 *       {@link FeatureColumn})</td></tr>
 *   <tr><td>{@code labelCol}, classification</td><td>any numeric</td>
 *       <td>an integral value in {@code 0..K-1}</td></tr>
 *   <tr><td>{@code labelCol}, regression, {@code T == 1}</td><td>any numeric</td>
 *       <td>a finite float32 value</td></tr>
 *   <tr><td>{@code labelCol}, regression, {@code T > 1}</td><td>{@code Vector},
 *       {@code array<float>}, {@code array<double>}</td><td>{@code T} finite float32 values</td></tr>
 *   <tr><td>{@code weightCol} (optional)</td><td>any numeric</td>
 *       <td>a finite float32 value {@code >= 0}</td></tr>
 *   <tr><td>validation indicator (split only)</td><td>boolean</td><td>non-null</td></tr>
 * </table>
 *
 * <p>Immutable; build one with {@link #builder()}.
 */
public final class BlockEncoder implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final System.Logger LOG = System.getLogger(BlockEncoder.class.getName());

  /** Default for {@link Builder#rowsPerBlock(int)}. */
  public static final int DEFAULT_ROWS_PER_BLOCK = 1024;

  // Far below Integer.MAX_VALUE: the JVM cannot allocate arrays quite that long.
  private static final long MAX_BLOCK_VALUES = Integer.MAX_VALUE - 8;

  /** What the labels are: class indices, or one or more regression targets. */
  public static final class Task implements Serializable {
    private static final long serialVersionUID = 1L;

    private final boolean classification;
    private final int size;

    private Task(boolean classification, int size) {
      this.classification = classification;
      this.size = size;
    }

    /**
     * Classification into {@code numClasses} classes: labels are class indices {@code
     * 0..numClasses-1}.
     *
     * @throws IllegalArgumentException if {@code numClasses < 2} or beyond 2^24 (class indices are
     *     stored exactly as floats)
     */
    public static Task classification(int numClasses) {
      if (numClasses < 2 || numClasses > (1 << 24)) {
        throw new IllegalArgumentException(
            "numClasses must be in 2..16777216, got " + numClasses);
      }
      return new Task(true, numClasses);
    }

    /**
     * Regression on {@code numTargets} values per row: a numeric label column when 1, a Vector or
     * array label column otherwise.
     *
     * @throws IllegalArgumentException if {@code numTargets < 1}
     */
    public static Task regression(int numTargets) {
      if (numTargets < 1) {
        throw new IllegalArgumentException("numTargets must be >= 1, got " + numTargets);
      }
      return new Task(false, numTargets);
    }

    /** Whether labels are class indices. */
    public boolean isClassification() {
      return classification;
    }

    /**
     * The number of classes.
     *
     * @throws IllegalStateException for a regression task
     */
    public int numClasses() {
      if (!classification) {
        throw new IllegalStateException("a regression task has no classes");
      }
      return size;
    }

    /**
     * The number of regression targets per row.
     *
     * @throws IllegalStateException for a classification task
     */
    public int numTargets() {
      if (classification) {
        throw new IllegalStateException("a classification task has no regression targets");
      }
      return size;
    }

    /** Floats per row in a block's labels: 1 for a class index, else the number of targets. */
    public int labelSize() {
      return classification ? 1 : size;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Task t && t.classification == classification && t.size == size;
    }

    @Override
    public int hashCode() {
      return Boolean.hashCode(classification) * 31 + size;
    }

    @Override
    public String toString() {
      return classification ? "classification(" + size + ")" : "regression(" + size + ")";
    }
  }

  private final String featuresCol;
  private final String labelCol;
  private final String weightCol;
  private final Task task;
  private final int featureSize;
  private final int rowsPerBlock;
  private final String handleInvalid;
  private final int numWorkers;

  private BlockEncoder(Builder b) {
    this.featuresCol = b.featuresCol;
    this.labelCol = b.labelCol;
    this.weightCol = b.weightCol;
    this.task = b.task;
    this.featureSize = b.featureSize;
    this.rowsPerBlock = b.rowsPerBlock;
    this.handleInvalid = b.handleInvalid;
    this.numWorkers = b.numWorkers;
  }

  /** A builder with Spark's default column names {@code features} and {@code label}. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this encoder's settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.featuresCol = featuresCol;
    b.labelCol = labelCol;
    b.weightCol = weightCol;
    b.task = task;
    b.featureSize = featureSize;
    b.rowsPerBlock = rowsPerBlock;
    b.handleInvalid = handleInvalid;
    b.numWorkers = numWorkers;
    return b;
  }

  /** The features column. */
  public String featuresCol() {
    return featuresCol;
  }

  /** The label column. */
  public String labelCol() {
    return labelCol;
  }

  /** The weight column, or null when rows are unweighted. */
  public String weightCol() {
    return weightCol;
  }

  /** Classification or regression, and its size. */
  public Task task() {
    return task;
  }

  /** Floats per feature row. */
  public int featureSize() {
    return featureSize;
  }

  /** The most rows a block holds. */
  public int rowsPerBlock() {
    return rowsPerBlock;
  }

  /** {@code error} or {@code skip}. */
  public String handleInvalid() {
    return handleInvalid;
  }

  /** Partitions to encode into; 0 keeps the DataFrame's partitioning. */
  public int numWorkers() {
    return numWorkers;
  }

  /**
   * The length of the first non-null value of {@code featuresCol} (one small Spark job).
   *
   * @throws IllegalArgumentException if the column is missing or of another type (before any
   *     job), or holds no non-null value
   */
  public static int inferFeatureSize(Dataset<Row> df, String featuresCol) {
    FeatureColumn column = FeatureColumn.of(df.schema(), featuresCol);
    Column c = quoted(featuresCol);
    List<Row> first = df.select(c).where(c.isNotNull()).limit(1).collectAsList();
    if (first.isEmpty()) {
      throw new IllegalArgumentException("cannot infer the feature size from column '"
          + featuresCol + "': it has no non-null value (the DataFrame is empty or the column is"
          + " null on every row)");
    }
    return column.length(first.get(0), 0);
  }

  /**
   * Encodes every row of {@code df} for training (one Spark job).
   *
   * @return the cached blocks and their counts; close it to unpersist the blocks
   * @throws IllegalArgumentException before any job if a column is missing or of the wrong type
   *     (naming the column and its type); after the job if no row is left or there are fewer rows
   *     than partitions
   * @throws InvalidRowException with {@code handleInvalid = "error"}, for the first bad row met
   *     (the task's exception, rethrown on the driver with the Spark failure as its cause)
   */
  public EncodedData encode(Dataset<Row> df) {
    return run(df, null, null, null)[0];
  }

  /**
   * Encodes {@code df} into training and validation data, the rows where the boolean column
   * {@code validationIndicatorCol} is true going to validation (one Spark job).
   *
   * @return {@code [training, validation]}, sharing one cached RDD that is unpersisted when both
   *     are closed
   * @throws IllegalArgumentException as {@link #encode}, if the indicator column is not boolean,
   *     or if either part is empty; a null indicator is an {@link InvalidRowException}
   */
  public EncodedData[] encodeSplit(Dataset<Row> df, String validationIndicatorCol) {
    Objects.requireNonNull(validationIndicatorCol, "validationIndicatorCol");
    return run(df, validationIndicatorCol, null, "by column '" + validationIndicatorCol + "'");
  }

  /**
   * Encodes {@code df} into training and validation data, a fraction {@code validationFraction}
   * of the rows, chosen by a hash of ({@code seed}, partition, row index in the partition) of
   * {@code df}'s own partitioning (one Spark job).
   *
   * <p>The same data, partitioning and seed give the same split whatever the scheduling and
   * whatever {@link #numWorkers()}: the split is decided before repartitioning.
   *
   * @return {@code [training, validation]}, as {@link #encodeSplit(Dataset, String)}
   * @throws IllegalArgumentException if the fraction is not strictly between 0 and 1, or as
   *     {@link #encodeSplit(Dataset, String)}
   */
  public EncodedData[] encodeSplit(Dataset<Row> df, double validationFraction, long seed) {
    if (!(validationFraction > 0 && validationFraction < 1)) {
      throw new IllegalArgumentException(
          "validationFraction must be in (0, 1), got " + validationFraction);
    }
    // monotonically_increasing_id() is (partition << 33) + row index within the partition.
    Column u = functions.shiftrightunsigned(
            functions.xxhash64(functions.lit(seed), functions.monotonically_increasing_id()), 11)
        .cast(DataTypes.DoubleType)
        .divide(functions.lit(0x1p53));
    return run(df, null, u.lt(validationFraction), String.format(Locale.ROOT,
        "by validationFraction %s with seed %d", validationFraction, seed));
  }

  private EncodedData[] run(Dataset<Row> df, String indicatorCol, Column computedIndicator,
      String splitDescription) {
    Objects.requireNonNull(df, "df");
    StructType schema = df.schema();
    FeatureColumn features = FeatureColumn.of(schema, featuresCol);
    FeatureColumn vectorLabels = checkLabel(schema);
    if (weightCol != null) {
      checkNumeric(schema, weightCol, "weights");
    }
    List<Column> select = new ArrayList<>();
    select.add(quoted(featuresCol));
    select.add(vectorLabels != null ? quoted(labelCol)
        : quoted(labelCol).cast(DataTypes.DoubleType));
    if (weightCol != null) {
      select.add(quoted(weightCol).cast(DataTypes.DoubleType));
    }
    String splitName = null;
    if (indicatorCol != null) {
      checkExists(schema, indicatorCol);
      DataType t = schema.apply(indicatorCol).dataType();
      if (!t.equals(DataTypes.BooleanType)) {
        throw new IllegalArgumentException("column '" + indicatorCol + "' has type "
            + t.simpleString() + "; a validation indicator must be boolean");
      }
      select.add(quoted(indicatorCol));
      splitName = indicatorCol;
    } else if (computedIndicator != null) {
      select.add(computedIndicator.as(freshName(schema)));
      splitName = "validationFraction";
    }
    Dataset<Row> selected = df.select(select.toArray(new Column[0]));
    if (numWorkers > 0) {
      selected = selected.repartition(numWorkers);
    }

    PartitionEncoder encoder = new PartitionEncoder(this, features, vectorLabels, splitName);
    JavaRDD<PartitionEncoder.Piece> pieces =
        selected.javaRDD().mapPartitionsWithIndex(encoder::encode, false);
    pieces.setName("Ember blocks of [" + featuresCol + ", " + labelCol
        + (weightCol == null ? "" : ", " + weightCol) + "]");
    pieces.persist(StorageLevel.MEMORY_AND_DISK());
    boolean keep = false;
    try {
      List<PartitionEncoder.PartitionStats> perPartition = collectStats(pieces, df);
      PartitionEncoder.PartitionStats total = merge(perPartition);
      int partitions = pieces.getNumPartitions();
      check(total, partitions, splitDescription);
      if ("skip".equals(handleInvalid)) {
        long all = total.trainRows + total.validationRows + total.skipped;
        LOG.log(total.skipped > 0 ? Level.WARNING : Level.INFO,
            "Ember: handleInvalid=skip dropped " + total.skipped + " of " + all + " rows"
                + (total.firstSkipped == null ? "" : "; the first: " + total.firstSkipped));
      }
      EncodedData.Cache cache = new EncodedData.Cache(pieces, splitName == null ? 1 : 2);
      EncodedData train = new EncodedData(blocksOf(pieces, false), cache, total.trainRows,
          total.skipped, total.trainClassCounts, partitions, featureSize, task.labelSize());
      keep = true;
      if (splitName == null) {
        return new EncodedData[] {train};
      }
      EncodedData validation = new EncodedData(blocksOf(pieces, true), cache,
          total.validationRows, total.skipped, total.validationClassCounts, partitions,
          featureSize, task.labelSize());
      return new EncodedData[] {train, validation};
    } finally {
      if (!keep) {
        pieces.unpersist(false);
      }
    }
  }

  private List<PartitionEncoder.PartitionStats> collectStats(
      JavaRDD<PartitionEncoder.Piece> pieces, Dataset<Row> df) {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(df.sparkSession().sparkContext());
    String description = sc.getLocalProperty("spark.job.description");
    sc.setJobDescription("Ember: encoding rows into blocks");
    try {
      // Collecting the per-partition counts computes (and caches) every partition's blocks.
      return pieces.filter(p -> p.stats != null).map(p -> p.stats).collect();
    } catch (Exception e) {
      // Spark rethrows a task's exception as a SparkException carrying its stack trace as text:
      // the user gets the row's own exception type and one-line message.
      InvalidRowException bad = InvalidRowException.findIn(e).orElse(null);
      if (bad != null) {
        throw bad;
      }
      throw e;
    } finally {
      sc.setLocalProperty("spark.job.description", description);
    }
  }

  private static PartitionEncoder.PartitionStats merge(
      List<PartitionEncoder.PartitionStats> perPartition) {
    List<PartitionEncoder.PartitionStats> sorted = new ArrayList<>(perPartition);
    sorted.sort(Comparator.comparingInt(s -> s.partition));
    PartitionEncoder.PartitionStats total = null;
    for (PartitionEncoder.PartitionStats s : sorted) {
      total = total == null ? s.copy() : total.add(s);
    }
    return total;
  }

  private void check(PartitionEncoder.PartitionStats total, int partitions,
      String splitDescription) {
    String columns = "columns '" + featuresCol + "', '" + labelCol + "'"
        + (weightCol == null ? "" : ", '" + weightCol + "'");
    if (total == null || total.trainRows + total.validationRows == 0) {
      long skipped = total == null ? 0 : total.skipped;
      if (skipped > 0) {
        throw new IllegalArgumentException("no rows left to train on (" + columns + "): all "
            + skipped + " rows are invalid and were skipped (handleInvalid=skip); the first: "
            + total.firstSkipped);
      }
      throw new IllegalArgumentException(
          "no rows to train on (" + columns + "): the DataFrame is empty");
    }
    if (total.trainRows == 0) {
      throw new IllegalArgumentException("no training rows (" + columns + "): all "
          + total.validationRows + " valid rows went to validation " + splitDescription);
    }
    if (splitDescription != null && total.validationRows == 0) {
      throw new IllegalArgumentException("no validation rows: all " + total.trainRows
          + " valid rows went to training " + splitDescription);
    }
    if (total.trainRows < partitions) {
      throw new IllegalArgumentException(total.trainRows + " training rows cannot be spread over "
          + partitions + " partitions ("
          + (numWorkers > 0 ? "numWorkers = " + numWorkers : "the DataFrame's partitioning")
          + "): every worker needs at least one row; use fewer workers (numWorkers)");
    }
  }

  private static JavaRDD<Block> blocksOf(JavaRDD<PartitionEncoder.Piece> pieces,
      boolean validation) {
    JavaRDD<Block> blocks =
        pieces.filter(p -> p.block != null && p.validation == validation).map(p -> p.block);
    blocks.setName(pieces.name() + (validation ? " (validation)" : " (training)"));
    return blocks;
  }

  /** Checks the label column's type; the reader for a vector label, null for a numeric one. */
  private FeatureColumn checkLabel(StructType schema) {
    checkExists(schema, labelCol);
    DataType t = schema.apply(labelCol).dataType();
    if (task.isClassification()) {
      checkNumeric(schema, labelCol, "class-index labels (numClasses = " + task.numClasses()
          + ")");
      return null;
    }
    if (task.numTargets() == 1) {
      checkNumeric(schema, labelCol, "regression labels (numTargets = 1)");
      return null;
    }
    boolean vectorLike = t instanceof VectorUDT
        || (t instanceof ArrayType a && (a.elementType().equals(DataTypes.FloatType)
            || a.elementType().equals(DataTypes.DoubleType)));
    if (!vectorLike) {
      throw new IllegalArgumentException("column '" + labelCol + "' has type " + t.simpleString()
          + "; labels with numTargets = " + task.numTargets()
          + " must be a Vector, array<float> or array<double>");
    }
    return FeatureColumn.of(schema, labelCol, "targets");
  }

  private static void checkNumeric(StructType schema, String name, String what) {
    checkExists(schema, name);
    DataType t = schema.apply(name).dataType();
    if (!(t instanceof NumericType)) {
      throw new IllegalArgumentException("column '" + name + "' has type " + t.simpleString()
          + "; " + what + " must be numeric");
    }
  }

  private static void checkExists(StructType schema, String name) {
    if (!Arrays.asList(schema.fieldNames()).contains(name)) {
      throw new IllegalArgumentException("column '" + name + "' does not exist; the DataFrame has "
          + String.join(", ", schema.fieldNames()));
    }
  }

  private static String freshName(StructType schema) {
    List<String> names = Arrays.asList(schema.fieldNames());
    String name = "__ember_validation";
    while (names.contains(name)) {
      name = "_" + name;
    }
    return name;
  }

  // A column by its exact name: dots and backticks in names are not paths.
  private static Column quoted(String name) {
    return functions.col("`" + name.replace("`", "``") + "`");
  }

  @Override
  public String toString() {
    return "BlockEncoder(features=" + featuresCol + ", label=" + labelCol
        + (weightCol == null ? "" : ", weight=" + weightCol) + ", " + task + ", featureSize="
        + featureSize + ", rowsPerBlock=" + rowsPerBlock + ", handleInvalid=" + handleInvalid
        + ", numWorkers=" + numWorkers + ")";
  }

  /** Settings for a {@link BlockEncoder}; {@link #task} and {@link #featureSize} are required. */
  public static final class Builder {
    private String featuresCol = "features";
    private String labelCol = "label";
    private String weightCol;
    private Task task;
    private int featureSize;
    private int rowsPerBlock = DEFAULT_ROWS_PER_BLOCK;
    private String handleInvalid = "error";
    private int numWorkers;

    private Builder() {}

    /** The features column (default {@code features}). */
    public Builder featuresCol(String name) {
      this.featuresCol = requireName(name, "featuresCol");
      return this;
    }

    /** The label column (default {@code label}). */
    public Builder labelCol(String name) {
      this.labelCol = requireName(name, "labelCol");
      return this;
    }

    /** The per-row loss weight column; null or empty (the default) for unweighted rows. */
    public Builder weightCol(String name) {
      this.weightCol = name == null || name.isEmpty() ? null : name;
      return this;
    }

    /** Classification or regression (required). */
    public Builder task(Task task) {
      this.task = Objects.requireNonNull(task, "task");
      return this;
    }

    /** Floats per feature row (required; see {@link BlockEncoder#inferFeatureSize}). */
    public Builder featureSize(int featureSize) {
      this.featureSize = featureSize;
      return this;
    }

    /** The most rows a block holds (default 1024). */
    public Builder rowsPerBlock(int rowsPerBlock) {
      this.rowsPerBlock = rowsPerBlock;
      return this;
    }

    /** {@code error} (the default: the first bad row fails the encode) or {@code skip}. */
    public Builder handleInvalid(String handleInvalid) {
      this.handleInvalid = Objects.requireNonNull(handleInvalid, "handleInvalid");
      return this;
    }

    /** Partitions to encode into; 0 (the default) keeps the DataFrame's partitioning. */
    public Builder numWorkers(int numWorkers) {
      this.numWorkers = numWorkers;
      return this;
    }

    /**
     * The encoder.
     *
     * @throws IllegalArgumentException if the task or feature size is missing, a size is out of
     *     range, {@code handleInvalid} is neither {@code error} nor {@code skip}, or a full block
     *     would not fit in a Java array
     */
    public BlockEncoder build() {
      if (task == null) {
        throw new IllegalArgumentException("task is required: Task.classification(numClasses)"
            + " or Task.regression(numTargets)");
      }
      if (featureSize < 1) {
        throw new IllegalArgumentException("featureSize must be >= 1, got " + featureSize
            + " (BlockEncoder.inferFeatureSize reads it from the data)");
      }
      if (rowsPerBlock < 1) {
        throw new IllegalArgumentException("rowsPerBlock must be >= 1, got " + rowsPerBlock);
      }
      if (!handleInvalid.equals("error") && !handleInvalid.equals("skip")) {
        throw new IllegalArgumentException(
            "handleInvalid must be 'error' or 'skip', got '" + handleInvalid + "'");
      }
      if (numWorkers < 0) {
        throw new IllegalArgumentException(
            "numWorkers must be >= 0 (0 keeps the DataFrame's partitions), got " + numWorkers);
      }
      long values = (long) rowsPerBlock * Math.max(featureSize, task.labelSize());
      if (values > MAX_BLOCK_VALUES) {
        throw new IllegalArgumentException("a block of " + rowsPerBlock + " rows of "
            + featureSize + " features holds " + values + " floats, more than a Java array"
            + " can; lower rowsPerBlock");
      }
      return new BlockEncoder(this);
    }

    private static String requireName(String name, String what) {
      if (name == null || name.isEmpty()) {
        throw new IllegalArgumentException(what + " must be a column name, got "
            + (name == null ? "null" : "''"));
      }
      return name;
    }
  }
}
