package dev.ember.data;

import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Datasets one after the other, like PyTorch's {@code ConcatDataset}: the items of the first, then
 * those of the second, and so on.
 *
 * @param <T> the item type
 */
public final class ConcatDataset<T> implements Dataset<T> {
  private final List<Dataset<? extends T>> datasets;
  /** cumulative[k] = total size of datasets 0..k. */
  private final int[] cumulative;

  /**
   * The concatenation of {@code datasets}.
   *
   * @throws IllegalArgumentException if the list is empty or the total size overflows an int
   */
  public ConcatDataset(List<? extends Dataset<? extends T>> datasets) {
    if (datasets.isEmpty()) {
      throw new IllegalArgumentException("datasets should not be an empty iterable");
    }
    this.datasets = List.copyOf(datasets);
    this.cumulative = new int[datasets.size()];
    long total = 0;
    for (int k = 0; k < datasets.size(); k++) {
      total += datasets.get(k).size();
      if (total > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "ConcatDataset: total size " + total + " exceeds 2^31 - 1");
      }
      cumulative[k] = (int) total;
    }
  }

  /** The concatenation of {@code datasets}. */
  @SafeVarargs
  public static <T> ConcatDataset<T> of(Dataset<? extends T>... datasets) {
    List<Dataset<? extends T>> list = new ArrayList<>(datasets.length);
    for (Dataset<? extends T> d : datasets) {
      list.add(d);
    }
    return new ConcatDataset<>(list);
  }

  /** The datasets, in order. */
  public List<Dataset<? extends T>> datasets() {
    return datasets;
  }

  /** The running totals of the sizes (PyTorch's {@code cumulative_sizes}). */
  public int[] cumulativeSizes() {
    return cumulative.clone();
  }

  @Override
  public int size() {
    return cumulative[cumulative.length - 1];
  }

  /** The dataset holding global index {@code index}: the first k with index < cumulative[k]. */
  private int datasetOf(int index) {
    int lo = 0;
    int hi = cumulative.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (index < cumulative[mid]) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  private int local(int k, int index) {
    return k == 0 ? index : index - cumulative[k - 1];
  }

  @Override
  public T get(int index) {
    Dataset.checkIndex(index, size());
    int k = datasetOf(index);
    return datasets.get(k).get(local(k, index));
  }

  @Override
  public T get(int index, Generator gen) {
    Dataset.checkIndex(index, size());
    int k = datasetOf(index);
    return datasets.get(k).get(local(k, index), gen);
  }

  @Override
  public boolean supportsBatchFetch() {
    for (Dataset<? extends T> d : datasets) {
      if (!d.supportsBatchFetch()) {
        return false;
      }
    }
    return true;
  }

  /**
   * One batch fetch per dataset touched; when indices span several datasets, the parts are
   * concatenated and put back in the requested order with one {@code indexSelect}.
   */
  @Override
  public Tensor[] getBatch(int[] indices) {
    int n = indices.length;
    int[] owner = new int[n];
    int[] count = new int[datasets.size()];
    for (int i = 0; i < n; i++) {
      Dataset.checkIndex(indices[i], size());
      owner[i] = datasetOf(indices[i]);
      count[owner[i]]++;
    }
    List<Tensor[]> parts = new ArrayList<>();
    long[] position = new long[n];
    int done = 0;
    for (int k = 0; k < datasets.size(); k++) {
      if (count[k] == 0) {
        continue;
      }
      int[] local = new int[count[k]];
      int m = 0;
      for (int i = 0; i < n; i++) {
        if (owner[i] == k) {
          position[i] = done + m;
          local[m++] = local(k, indices[i]);
        }
      }
      if (m == n) {
        return datasets.get(k).getBatch(local);
      }
      parts.add(datasets.get(k).getBatch(local));
      done += m;
    }
    if (parts.isEmpty()) {
      return datasets.get(0).getBatch(indices);
    }
    int components = parts.get(0).length;
    Tensor[] out = new Tensor[components];
    Tensor order = Tensor.of(position);
    for (int c = 0; c < components; c++) {
      List<Tensor> pieces = new ArrayList<>(parts.size());
      for (int p = 0; p < parts.size(); p++) {
        if (parts.get(p).length != components) {
          throw new IllegalArgumentException(
              "ConcatDataset: batches of the datasets have " + components + " and "
                  + parts.get(p).length + " components");
        }
        pieces.add(parts.get(p)[c]);
      }
      Tensor all = Tensor.cat(pieces, 0);
      out[c] = all.indexSelect(0, order.to(all.device()));
    }
    return out;
  }
}
