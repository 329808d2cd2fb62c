package dev.ember.transformers;

import dev.ember.nn.Module;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Built networks kept per JVM (driver or executor), so that a model's network is built and loaded
 * once per concurrent user, not per row, batch or task.
 *
 * <p>A network is borrowed for one forward pass and given back: a module is never used by two
 * threads at once (so nothing relies on the backends tolerating concurrent calls on shared
 * parameters), and at most as many modules exist per model as threads ever ran it at the same
 * time (on an executor, its task slots). Keys are content hashes of the network spec and weights,
 * so copies and reloads of one model share modules and two models with one uid never do. The
 * least recently used models beyond {@value #MAX_MODELS} are dropped.
 */
final class ModulePool {
  static final int MAX_MODELS = 8;
  private static final int MAX_IDLE_PER_MODEL =
      Math.max(2, Runtime.getRuntime().availableProcessors());

  private static final Map<String, Deque<Module>> IDLE =
      new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Deque<Module>> eldest) {
          return size() > MAX_MODELS;
        }
      };
  private static final AtomicLong BUILDS = new AtomicLong();

  private ModulePool() {}

  /** An idle module for {@code key}, or a new one from {@code build} (outside the pool's lock). */
  static Module borrow(String key, Supplier<Module> build) {
    synchronized (IDLE) {
      Module m = IDLE.computeIfAbsent(key, k -> new ArrayDeque<>()).poll();
      if (m != null) {
        return m;
      }
    }
    Module m = build.get();
    BUILDS.incrementAndGet();
    return m;
  }

  /** Gives a borrowed module back for the next user of {@code key}. */
  static void release(String key, Module m) {
    synchronized (IDLE) {
      Deque<Module> idle = IDLE.computeIfAbsent(key, k -> new ArrayDeque<>());
      if (idle.size() < MAX_IDLE_PER_MODEL) {
        idle.push(m);
      }
    }
  }

  /** How many modules this JVM has built so far (for tests that count builds). */
  static long builds() {
    return BUILDS.get();
  }
}
