package dev.ember.data;

import dev.ember.data.transforms.Transform;
import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * An indexed collection of items, like PyTorch's map-style {@code Dataset}: {@link #size()} items,
 * item {@code i} from {@link #get(int)}.
 *
 * <p>Two optional hooks let a {@link DataLoader} go faster or stay reproducible:
 *
 * <ul>
 *   <li>{@link #getBatch(int[])}, when {@link #supportsBatchFetch()} is true, returns a whole batch
 *       already in the form of {@link Collate#defaultCollate} (a {@link TensorDataset} gathers its
 *       rows with one {@code indexSelect} per tensor instead of stacking per-item slices);
 *   <li>{@link #get(int, Generator)} receives the generator that the item's random transforms draw
 *       from (the loader derives it from (seed, epoch, index), see {@link Seeds}).
 * </ul>
 *
 * <p>Implementations must allow concurrent {@code get} calls: loader workers fetch in parallel.
 *
 * @param <T> the item type
 */
public interface Dataset<T> {
  /** The number of items. */
  int size();

  /**
   * Item {@code index}.
   *
   * @throws IndexOutOfBoundsException if {@code index} is not in {@code [0, size())}
   */
  T get(int index);

  /**
   * Item {@code index}, with random transforms drawing from {@code gen}. Datasets without
   * randomness ignore {@code gen} (the default).
   *
   * @throws IndexOutOfBoundsException if {@code index} is not in {@code [0, size())}
   */
  default T get(int index, Generator gen) {
    return get(index);
  }

  /**
   * Whether {@link #getBatch(int[])} is a fast path a loader should use instead of fetching and
   * collating items one by one. Such a dataset draws no per-item randomness.
   */
  default boolean supportsBatchFetch() {
    return false;
  }

  /**
   * The items at {@code indices} collated as {@link Collate#defaultCollate} would: one tensor per
   * component with the batch as its first dim. The default fetches the items one by one.
   *
   * @throws IndexOutOfBoundsException if an index is out of range
   * @throws IllegalArgumentException if the items cannot be collated by default
   */
  default Tensor[] getBatch(int[] indices) {
    List<T> items = new ArrayList<>(indices.length);
    for (int i : indices) {
      items.add(get(i));
    }
    return Collate.defaultCollate(items);
  }

  /**
   * A view of this dataset whose items are {@code transform} applied to this dataset's items (see
   * {@link TransformedDataset}).
   */
  default <R> TransformedDataset<T, R> map(Transform<? super T, ? extends R> transform) {
    return new TransformedDataset<>(this, transform);
  }

  /** Checks {@code index} against {@code size}; a helper for implementations. */
  static void checkIndex(int index, int size) {
    if (index < 0 || index >= size) {
      throw new IndexOutOfBoundsException(
          "index " + index + " is out of range for a dataset of size " + size);
    }
  }
}
