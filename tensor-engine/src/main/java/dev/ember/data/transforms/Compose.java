package dev.ember.data.transforms;

import dev.ember.tensor.Generator;
import java.util.ArrayList;
import java.util.List;

/**
 * Transforms applied one after the other (torchvision's {@code Compose}), all drawing from the
 * same generator in order. For a chain that changes the type (bytes to tensor, then tensor to
 * tensor) use {@link Transform#andThen}: {@code new ToTensor(...).andThen(Compose.of(...))}.
 *
 * @param <T> the item type
 */
public final class Compose<T> implements Transform<T, T> {
  private final List<Transform<T, T>> transforms;

  /** The composition of {@code transforms}, first to last. */
  public Compose(List<? extends Transform<T, T>> transforms) {
    this.transforms = List.copyOf(transforms);
  }

  /** The composition of {@code transforms}, first to last. */
  @SafeVarargs
  public static <T> Compose<T> of(Transform<T, T>... transforms) {
    List<Transform<T, T>> list = new ArrayList<>(transforms.length);
    for (Transform<T, T> t : transforms) {
      list.add(t);
    }
    return new Compose<>(list);
  }

  /** The transforms, first to last. */
  public List<Transform<T, T>> transforms() {
    return transforms;
  }

  @Override
  public T apply(T input, Generator gen) {
    T x = input;
    for (Transform<T, T> t : transforms) {
      x = t.apply(x, gen);
    }
    return x;
  }
}
