package dev.ember.data.transforms;

import dev.ember.tensor.Generator;
import dev.ember.tensor.Tensor;
import java.util.function.Function;

/**
 * A function from one item to another whose random choices, if any, come from a given {@link
 * Generator} (torchvision's transforms, with the generator explicit instead of global).
 *
 * <p>Implementations are stateless or immutable: one instance serves every worker thread.
 *
 * @param <I> the input type
 * @param <O> the output type
 */
@FunctionalInterface
public interface Transform<I, O> {
  /** The transformed {@code input}; random choices are drawn from {@code gen}. */
  O apply(I input, Generator gen);

  /** The transformed {@code input}, drawing from {@link Generator#getDefault()}. */
  default O apply(I input) {
    return apply(input, Generator.getDefault());
  }

  /** This transform, then {@code next} (drawing from the same generator). */
  default <V> Transform<I, V> andThen(Transform<? super O, ? extends V> next) {
    return (x, gen) -> next.apply(apply(x, gen), gen);
  }

  /** A deterministic transform from a function (the same as {@link Lambda}). */
  static <I, O> Transform<I, O> of(Function<? super I, ? extends O> f) {
    return new Lambda<>(f);
  }

  /**
   * A transform of {@code Tensor[]} items (as a {@link dev.ember.data.TensorDataset} yields) that
   * applies {@code t} to component {@code index} and keeps the others.
   *
   * @throws IndexOutOfBoundsException at apply time if an item has no component {@code index}
   */
  static Transform<Tensor[], Tensor[]> onComponent(int index, Transform<Tensor, Tensor> t) {
    return (item, gen) -> {
      if (index < 0 || index >= item.length) {
        throw new IndexOutOfBoundsException(
            "onComponent: component " + index + " of an item with " + item.length + " components");
      }
      Tensor[] out = item.clone();
      out[index] = t.apply(item[index], gen);
      return out;
    };
  }
}
