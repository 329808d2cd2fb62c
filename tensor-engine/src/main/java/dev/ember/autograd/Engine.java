package dev.ember.autograd;

import dev.ember.backend.Storage;
import dev.ember.tensor.DType;
import dev.ember.tensor.Device;
import dev.ember.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Walks the graph from the roots in reverse topological order (Kahn's algorithm over the number of
 * consumers of each node), summing the gradients that reach a node before running it once.
 */
final class Engine {
  private Engine() {}

  /**
   * The implicit seed gradient of a scalar root, one constant 1 per device and dtype, made once:
   * on a GPU a backward pass then starts without a fill launch. Nothing writes it: a gradient the
   * engine delivers is only read by the nodes, and it is counted as shared so that no leaf takes
   * it over as its .grad.
   */
  private static final Map<Device, Map<DType, Tensor>> ONES = new ConcurrentHashMap<>();

  private static Tensor seed(Tensor root) {
    Tensor one = ONES.computeIfAbsent(root.device(), d -> new ConcurrentHashMap<>())
        .computeIfAbsent(root.dtype(), dt -> {
          try (GradMode ng = Autograd.noGrad()) {
            Tensor t = Tensor.full(new int[0], 1.0, dt, root.device()).persist();
            // A read waits for the fill, so a thread on another GPU stream reads a written 1.
            t.item();
            return t;
          }
        });
    return one.expand(root.shape());
  }

  static List<Tensor> run(
      List<Tensor> roots,
      List<Tensor> rootGrads,
      boolean retainGraph,
      boolean createGraph,
      List<Tensor> inputs,
      boolean allowUnused) {
    if (roots.isEmpty()) {
      throw new IllegalArgumentException("backward: no tensors to differentiate");
    }
    if (rootGrads != null && rootGrads.size() != roots.size()) {
      throw new IllegalArgumentException(
          "backward: " + roots.size() + " tensors but " + rootGrads.size() + " gradients");
    }
    Map<Node, Tensor> buffer = new IdentityHashMap<>();
    // How many gradients delivered in this pass share each storage (a gradient the caller passed
    // in counts twice): a leaf may take over a gradient as its .grad, without a copy, only when
    // nothing else delivered shares that memory.
    Map<Storage, Integer> deliveries = new IdentityHashMap<>();
    List<Node> rootNodes = new ArrayList<>();
    for (int i = 0; i < roots.size(); i++) {
      Tensor root = roots.get(i);
      Node node = root.gradEdge();
      if (node == null) {
        throw new IllegalArgumentException(
            "element " + i + " of tensors does not require grad and does not have a grad_fn ("
                + root.describe() + ")");
      }
      Tensor g = rootGrads == null ? null : rootGrads.get(i);
      if (g == null) {
        if (root.numel() != 1) {
          throw new IllegalArgumentException(
              "grad can be implicitly created only for scalar outputs, got " + root.describe()
                  + "; pass a gradient of the same shape");
        }
        g = seed(root);
        deliveries.merge(g.storage(), 1, Integer::sum);
      } else if (!Arrays.equals(g.shape(), root.shape())) {
        throw new IllegalArgumentException(
            "gradient of shape " + Arrays.toString(g.shape()) + " given for a tensor of shape "
                + Arrays.toString(root.shape()));
      } else {
        // The caller's tensor: never taken over by a leaf.
        deliveries.merge(g.storage(), 1, Integer::sum);
      }
      accumulate(buffer, deliveries, node, g);
      rootNodes.add(node);
    }

    Map<Node, Integer> deps = countDependencies(rootNodes);
    Map<Node, Tensor> captured = null;
    Set<Node> needed = null;
    List<Node> inputNodes = null;
    if (inputs != null) {
      inputNodes = new ArrayList<>(inputs.size());
      captured = new IdentityHashMap<>();
      for (Tensor t : inputs) {
        Node n = t.gradEdge();
        if (n == null) {
          throw new IllegalArgumentException(
              "one of the differentiated tensors does not require grad: " + t.describe());
        }
        inputNodes.add(n);
        captured.put(n, null);
      }
      needed = neededNodes(deps.keySet(), captured.keySet());
    }

    Deque<Node> ready = new ArrayDeque<>();
    for (Node n : rootNodes) {
      if (deps.get(n) == 0 && !ready.contains(n)) {
        ready.add(n);
      }
    }
    boolean previousMode = Autograd.isGradEnabled();
    Autograd.setGradEnabled(createGraph);
    try {
      while (!ready.isEmpty()) {
        Node node = ready.poll();
        Tensor grad = buffer.remove(node);
        Tensor[] results = null;
        if (captured != null && captured.containsKey(node)) {
          captured.put(node, grad);
        }
        boolean execute = grad != null && (needed == null || needed.contains(node));
        if (execute && node instanceof AccumulateGrad acc) {
          if (captured == null) {
            acc.accumulate(grad, !createGraph && ownsItsMemory(grad, deliveries));
          }
        } else if (execute) {
          results = node.run(grad);
        }
        Node[] edges = node.edges();
        for (int i = 0; i < edges.length; i++) {
          Node child = edges[i];
          if (child == null) {
            continue;
          }
          if (results != null && results[i] != null) {
            accumulate(buffer, deliveries, child, results[i]);
          }
          int left = deps.merge(child, -1, Integer::sum);
          if (left == 0) {
            ready.add(child);
          }
        }
        if (!retainGraph && !(node instanceof AccumulateGrad)) {
          // A leaf's accumulator lives as long as the leaf: every graph through it ends there.
          node.release();
        }
      }
    } finally {
      Autograd.setGradEnabled(previousMode);
    }
    if (inputNodes == null) {
      return List.of();
    }
    List<Tensor> out = new ArrayList<>(inputNodes.size());
    for (int i = 0; i < inputNodes.size(); i++) {
      Tensor g = captured.get(inputNodes.get(i));
      if (g == null && !allowUnused) {
        throw new IllegalArgumentException(
            "one of the differentiated tensors (input " + i + ", " + inputs.get(i).describe()
                + ") appears to not have been used in the graph; pass allowUnused=true if this is"
                + " intended");
      }
      out.add(g);
    }
    return out;
  }

  private static void accumulate(Map<Node, Tensor> buffer, Map<Storage, Integer> deliveries,
      Node node, Tensor g) {
    Tensor old = buffer.get(node);
    Tensor sum = old == null ? g : old.add(g);
    deliveries.merge(g.storage(), 1, Integer::sum);
    if (sum != g) {
      deliveries.merge(sum.storage(), 1, Integer::sum);
    }
    buffer.put(node, sum);
  }

  /**
   * Whether {@code g} is the only gradient of this pass in its memory and fills that memory
   * exactly (not a view, not a broadcast, no offset): a leaf may then keep it as its .grad
   * instead of a copy, as PyTorch's AccumulateGrad steals a gradient nothing else references.
   */
  private static boolean ownsItsMemory(Tensor g, Map<Storage, Integer> deliveries) {
    return !g.isView() && g.isContiguous() && g.storageOffset() == 0
        && g.numel() == g.storage().size() && deliveries.getOrDefault(g.storage(), 0) == 1;
  }

  /** The number of edges into each node reachable from the roots. */
  private static Map<Node, Integer> countDependencies(List<Node> roots) {
    Map<Node, Integer> deps = new IdentityHashMap<>();
    Deque<Node> stack = new ArrayDeque<>();
    for (Node r : roots) {
      if (!deps.containsKey(r)) {
        deps.put(r, 0);
        stack.push(r);
      }
    }
    while (!stack.isEmpty()) {
      Node n = stack.pop();
      for (Node child : n.edges()) {
        if (child == null) {
          continue;
        }
        Integer d = deps.get(child);
        if (d == null) {
          deps.put(child, 1);
          stack.push(child);
        } else {
          deps.put(child, d + 1);
        }
      }
    }
    return deps;
  }

  /** The nodes from which one of {@code targets} can be reached (they must run). */
  private static Set<Node> neededNodes(Set<Node> all, Set<Node> targets) {
    Map<Node, Boolean> memo = new IdentityHashMap<>();
    for (Node n : all) {
      needed(n, targets, memo);
    }
    Set<Node> out = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    memo.forEach((n, b) -> {
      if (b) {
        out.add(n);
      }
    });
    return out;
  }

  // Iterative post-order so that deep graphs (long RNN unrolls) cannot overflow the stack.
  private static boolean needed(Node start, Set<Node> targets, Map<Node, Boolean> memo) {
    if (memo.containsKey(start)) {
      return memo.get(start);
    }
    Deque<Node> stack = new ArrayDeque<>();
    Deque<Boolean> expanded = new ArrayDeque<>();
    stack.push(start);
    expanded.push(false);
    while (!stack.isEmpty()) {
      Node n = stack.peek();
      boolean done = expanded.pop();
      if (memo.containsKey(n)) {
        stack.pop();
        continue;
      }
      if (!done) {
        expanded.push(true);
        for (Node c : n.edges()) {
          if (c != null && !memo.containsKey(c)) {
            stack.push(c);
            expanded.push(false);
          }
        }
        continue;
      }
      stack.pop();
      boolean need = targets.contains(n);
      for (Node c : n.edges()) {
        if (c != null && Boolean.TRUE.equals(memo.get(c))) {
          need = true;
        }
      }
      memo.put(n, need);
    }
    return memo.get(start);
  }
}
