package dev.ember.nn;

import dev.ember.tensor.Tensor;
import java.util.Iterator;
import java.util.List;

/** Modules applied in order, each to the previous one's output, as {@code torch.nn.Sequential}. */
public class Sequential extends Module implements Iterable<Module> {

  /** A sequence of {@code modules}, named {@code "0"}, {@code "1"}, ... */
  public Sequential(Module... modules) {
    for (Module m : modules) {
      add(m);
    }
  }

  /** Appends {@code module} under the next index as its name; returns this. */
  public Sequential add(Module module) {
    registerModule(Integer.toString(size()), module);
    return this;
  }

  /** Appends {@code module} under {@code name}; returns this. */
  public Sequential add(String name, Module module) {
    registerModule(name, module);
    return this;
  }

  /** The module at position {@code index}. */
  public Module get(int index) {
    List<Module> list = children();
    if (index < 0 || index >= list.size()) {
      throw new IndexOutOfBoundsException(
          "index " + index + " is out of range for a Sequential of " + list.size() + " modules");
    }
    return list.get(index);
  }

  /** The number of modules. */
  public int size() {
    return namedChildren().size();
  }

  @Override
  public Iterator<Module> iterator() {
    return children().iterator();
  }

  @Override
  public Tensor forward(Tensor input) {
    Tensor x = input;
    for (Module m : namedChildren().values()) {
      x = m.forward(x);
    }
    return x;
  }
}
