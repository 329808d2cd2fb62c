package dev.ember.nn;

import dev.ember.nn.activation.GELU;
import dev.ember.nn.activation.ReLU;
import dev.ember.nn.activation.SiLU;
import dev.ember.nn.conv.Conv2d;
import dev.ember.nn.layers.Linear;
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

  /**
   * Applies the modules in order. On a GPU a {@code Linear} followed by a {@code ReLU} (those
   * classes themselves, not subclasses, which may forward otherwise) runs as one {@link
   * F#linearRelu}: the same values and gradients, one kernel launch fewer. So does one followed
   * by a {@code GELU} or a {@code SiLU} ({@link F#linearGelu}, {@link F#linearSilu}) where there
   * is no gradient to record (inference), and a {@code Conv2d} followed by a {@code ReLU} ({@link
   * Conv2d#forwardRelu}).
   */
  @Override
  public Tensor forward(Tensor input) {
    Tensor x = input;
    List<Module> list = children();
    for (int i = 0; i < list.size(); i++) {
      Module m = list.get(i);
      if (!x.device().isCpu() && m.getClass() == Linear.class && i + 1 < list.size()) {
        Linear linear = (Linear) m;
        Module next = list.get(i + 1);
        Tensor fused = null;
        if (next.getClass() == ReLU.class) {
          fused = F.linearRelu(x, linear.weight(), linear.bias());
        } else if (next.getClass() == GELU.class) {
          fused = F.linearGelu(x, linear.weight(), linear.bias(), ((GELU) next).approximate());
        } else if (next.getClass() == SiLU.class) {
          fused = F.linearSilu(x, linear.weight(), linear.bias());
        }
        if (fused != null) {
          x = fused;
          i++;
          continue;
        }
      }
      if (!x.device().isCpu() && m.getClass() == Conv2d.class && i + 1 < list.size()
          && list.get(i + 1).getClass() == ReLU.class) {
        x = ((Conv2d) m).forwardRelu(x);
        i++;
        continue;
      }
      x = m.forward(x);
    }
    return x;
  }
}
