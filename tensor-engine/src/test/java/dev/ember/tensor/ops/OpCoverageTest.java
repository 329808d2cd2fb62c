package dev.ember.tensor.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.tensor.Conv;
import dev.ember.tensor.Tensor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every public op of {@link Tensor} and of the op families with their own public class ({@link
 * Conv}) has its generated tests: each public method (instance or static) is either covered by an
 * {@link OpRegistry} spec, or listed below as not an op (with the reason). A new method fails this
 * test until it gets a spec (and golden cases) or, if it is not an op, an entry in the allowlist.
 * Tensor methods are named {@code name(ParamType,...)}, those of another class with its simple
 * name in front: {@code Conv.conv2d(Tensor,...)}.
 */
class OpCoverageTest {

  /** Public Tensor methods that are not ops, so have no spec; grouped by why. */
  private static final Set<String> NOT_OPS = Set.of(
      // Properties and accessors.
      "dtype()", "device()", "shape()", "size(int)", "dim()", "numel()", "stride()",
      "storageOffset()", "isContiguous()", "isView()", "storage()", "backend()", "version()",
      "describe()", "isReleased()",
      // Reading values out.
      "item()", "itemLong()", "toFloatArray()", "toDoubleArray()", "toLongArray()", "toIntArray()",
      "toBooleanArray()", "allClose(Tensor)", "allClose(Tensor,double,double)",
      // Object methods: Formatting's tests and TensorBasicsTest.
      "toString()", "equals(Object)", "hashCode()",
      // Autograd plumbing (AutogradTest).
      "requiresGrad()", "requiresGrad(boolean)", "isLeaf()", "gradFn()", "gradEdge()",
      "attachGradFn(Node)", "grad()", "setGrad(Tensor)", "backward()", "backward(Tensor)",
      "backward(Tensor,boolean)", "detach()",
      // Scopes (ScopeTest).
      "scope()", "keep()", "persist()",
      // Device transfer: the CPU is the only device in this module (a no-op here).
      "to(Device)",
      // Creation from Java data and fills (TensorBasicsTest; arange, linspace and eye are ops
      // of the registry, checked against PyTorch).
      "of(float[])", "of(float[],int[])", "of(float[][])", "of(float[][][])", "of(double[])",
      "of(double[],int[])", "of(double[][])", "of(long[])", "of(long[],int[])", "of(long[][])",
      "of(int[])", "of(int[],int[])", "of(boolean[])", "of(boolean[],int[])",
      "scalar(double)", "scalar(double,DType)", "scalar(long)",
      "zeros(int[])", "zeros(DType,int[])", "zeros(DType,Device,int[])",
      "ones(int[])", "ones(DType,int[])", "ones(DType,Device,int[])",
      "full(int[],Object)", "full(int[],double,DType,Device)",
      "empty(int[])", "empty(DType,Device,int[])",
      "zerosLike(Tensor)", "onesLike(Tensor)", "fullLike(Tensor,double)", "emptyLike(Tensor)",
      // Random numbers: no PyTorch reference values (Philox streams differ); CpuRandomTest.
      "rand(int[])", "rand(Generator,DType,Device,int[])", "randn(int[])",
      "randn(Generator,DType,Device,int[])", "randint(long,long,int[])",
      "randint(Generator,long,long,DType,Device,int[])", "randperm(int)", "randperm(int,Generator)",
      "randLike(Tensor)", "randnLike(Tensor)", "bernoulli()", "bernoulli(Generator)", "bernoulli_(double,Generator)",
      "uniform_(double,double)", "uniform_(double,double,Generator)", "normal_(double,double)",
      "normal_(double,double,Generator)");

  static String signature(Method m) {
    return m.getName() + "(" + Arrays.stream(m.getParameterTypes()).map(Class::getSimpleName)
        .collect(Collectors.joining(",")) + ")";
  }

  /** The classes whose public methods are ops; Tensor's are named without a prefix. */
  private static final List<Class<?>> OP_CLASSES = List.of(Tensor.class, Conv.class);

  private static Set<String> publicMethods() {
    Set<String> out = new TreeSet<>();
    for (Class<?> c : OP_CLASSES) {
      String prefix = c == Tensor.class ? "" : c.getSimpleName() + ".";
      for (Method m : c.getDeclaredMethods()) {
        if (Modifier.isPublic(m.getModifiers()) && !m.isBridge() && !m.isSynthetic()) {
          out.add(prefix + signature(m));
        }
      }
    }
    return out;
  }

  @Test
  void everyPublicOpIsCoveredByTheRegistry() {
    Set<String> covered = new TreeSet<>();
    OpRegistry.specs().values().forEach(s -> covered.addAll(s.covers()));
    Set<String> missing = new TreeSet<>(publicMethods());
    missing.removeAll(covered);
    missing.removeAll(NOT_OPS);
    assertTrue(missing.isEmpty(), "ops without an OpRegistry spec (add one, with golden cases in"
        + " make_op_golden.py, or list the method in NOT_OPS if it is not an op): " + missing);
  }

  @Test
  void registryAndAllowlistNameOnlyExistingMethods() {
    Set<String> methods = publicMethods();
    Set<String> stale = new TreeSet<>();
    OpRegistry.specs().values().forEach(s -> s.covers().stream()
        .filter(c -> !methods.contains(c)).forEach(c -> stale.add(s.name() + ": " + c)));
    NOT_OPS.stream().filter(c -> !methods.contains(c)).forEach(c -> stale.add("NOT_OPS: " + c));
    assertTrue(stale.isEmpty(), "names of methods that " + OP_CLASSES + " do not have: " + stale);
  }

  @Test
  void noMethodIsBothAnOpAndAllowlisted() {
    Set<String> both = new TreeSet<>();
    OpRegistry.specs().values().forEach(s -> s.covers().stream().filter(NOT_OPS::contains)
        .forEach(both::add));
    assertTrue(both.isEmpty(), "covered by a spec and allowlisted: " + both);
  }
}
