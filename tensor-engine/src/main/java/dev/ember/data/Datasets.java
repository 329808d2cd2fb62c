package dev.ember.data;

import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Operations on datasets: {@code random_split} and concatenation. */
public final class Datasets {
  private Datasets() {}

  /**
   * Splits {@code dataset} into non-overlapping random subsets of the given lengths, like PyTorch's
   * {@code random_split}: one {@code randperm(sum(lengths), generator)} cut into consecutive
   * pieces.
   *
   * @throws IllegalArgumentException if a length is negative or the lengths do not sum to the
   *     dataset's size
   */
  public static <T> List<Subset<T>> randomSplit(
      Dataset<T> dataset, int[] lengths, Generator generator) {
    long sum = 0;
    for (int i = 0; i < lengths.length; i++) {
      if (lengths[i] < 0) {
        throw new IllegalArgumentException(
            "random_split: length at index " + i + " is negative: " + lengths[i]);
      }
      sum += lengths[i];
    }
    if (sum != dataset.size()) {
      throw new IllegalArgumentException(
          "Sum of input lengths does not equal the length of the input dataset! lengths "
              + Arrays.toString(lengths) + " sum to " + sum + ", dataset size " + dataset.size());
    }
    long[] perm = Tensor.randperm((int) sum, generator).toLongArray();
    List<Subset<T>> out = new ArrayList<>(lengths.length);
    int offset = 0;
    for (int length : lengths) {
      int[] idx = new int[length];
      for (int i = 0; i < length; i++) {
        idx[i] = (int) perm[offset + i];
      }
      out.add(new Subset<>(dataset, idx));
      offset += length;
    }
    return out;
  }

  /**
   * Splits {@code dataset} by fractions, like PyTorch's {@code random_split} with fractions: each
   * split gets {@code floor(size * fraction)} items and the remainder is handed out one item at a
   * time to splits 0, 1, 2, ... (round-robin); then as {@link #randomSplit(Dataset, int[],
   * Generator)}.
   *
   * @throws IllegalArgumentException if a fraction is outside [0, 1], or the fractions do not sum
   *     to 1 (PyTorch's test: {@code math.isclose(sum, 1) and sum <= 1})
   */
  public static <T> List<Subset<T>> randomSplit(
      Dataset<T> dataset, double[] fractions, Generator generator) {
    return randomSplit(dataset, lengthsOf(dataset.size(), fractions), generator);
  }

  /** {@link #randomSplit(Dataset, int[], Generator)} drawing from the default generator. */
  public static <T> List<Subset<T>> randomSplit(Dataset<T> dataset, int[] lengths) {
    return randomSplit(dataset, lengths, Generator.getDefault());
  }

  /** {@link #randomSplit(Dataset, double[], Generator)} drawing from the default generator. */
  public static <T> List<Subset<T>> randomSplit(Dataset<T> dataset, double[] fractions) {
    return randomSplit(dataset, fractions, Generator.getDefault());
  }

  /** The split lengths PyTorch's {@code random_split} computes for {@code fractions}. */
  static int[] lengthsOf(int size, double[] fractions) {
    double sum = 0;
    for (double f : fractions) {
      sum += f;
    }
    // math.isclose(sum, 1) with its default rel_tol = 1e-9.
    boolean close = Math.abs(sum - 1) <= 1e-9 * Math.max(Math.abs(sum), 1);
    if (!(close && sum <= 1)) {
      throw new IllegalArgumentException(
          "random_split: fractions " + Arrays.toString(fractions) + " sum to " + sum
              + "; fractions must sum to 1 (give int lengths otherwise)");
    }
    int[] lengths = new int[fractions.length];
    long total = 0;
    for (int i = 0; i < fractions.length; i++) {
      if (!(fractions[i] >= 0 && fractions[i] <= 1)) {
        throw new IllegalArgumentException(
            "Fraction at index " + i + " is not between 0 and 1: " + fractions[i]);
      }
      lengths[i] = (int) Math.floor(size * fractions[i]);
      total += lengths[i];
    }
    long remainder = size - total;
    for (int i = 0; i < remainder; i++) {
      lengths[i % lengths.length]++;
    }
    return lengths;
  }

  /** The concatenation of {@code datasets} (see {@link ConcatDataset}). */
  @SafeVarargs
  public static <T> ConcatDataset<T> concat(Dataset<? extends T>... datasets) {
    List<Dataset<? extends T>> list = new ArrayList<>(datasets.length);
    for (Dataset<? extends T> d : datasets) {
      list.add(d);
    }
    return new ConcatDataset<>(list);
  }
}
