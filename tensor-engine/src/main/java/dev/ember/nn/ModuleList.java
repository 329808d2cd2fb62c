package dev.ember.nn;

import dev.ember.tensor.Tensor;
import java.util.Iterator;
import java.util.List;

/**
 * Holds modules in a list so that their parameters are registered, as {@code torch.nn.ModuleList};
 * the owner decides how to call them.
 */
public class ModuleList extends Module implements Iterable<Module> {

  /** A list of {@code modules}, named {@code "0"}, {@code "1"}, ... */
  public ModuleList(Module... modules) {
    for (Module m : modules) {
      add(m);
    }
  }

  /** Appends {@code module}; returns this. */
  public ModuleList add(Module module) {
    registerModule(Integer.toString(size()), module);
    return this;
  }

  /** The module at position {@code index}. */
  public Module get(int index) {
    List<Module> list = children();
    if (index < 0 || index >= list.size()) {
      throw new IndexOutOfBoundsException(
          "index " + index + " is out of range for a ModuleList of " + list.size() + " modules");
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

  /**
   * A ModuleList is a container, not a computation (as in PyTorch).
   *
   * @throws UnsupportedOperationException always: call the modules it holds
   */
  @Override
  public Tensor forward(Tensor input) {
    throw new UnsupportedOperationException(
        "ModuleList has no forward: iterate over its modules and call them");
  }
}
