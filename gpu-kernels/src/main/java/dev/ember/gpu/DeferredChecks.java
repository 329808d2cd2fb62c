package dev.ember.gpu;

import dev.ember.tensor.DType;
import java.util.HashMap;
import java.util.Map;

/**
 * One thread's checks of values that only a kernel sees (class-index targets, for one): the
 * kernel flags a bad value in four words on the device ({@code [id, position, value low, value
 * high]}, the first flag winning) instead of the host reading the values before the launch, and
 * the thread's next read back to the host reports it, as PyTorch reports a device-side assert.
 * A training step then reads nothing back; the error still comes before any value computed from
 * the bad input reaches the host. The words are the thread's own (its stream orders its launches
 * and reads), so a flag is reported to the thread whose launch raised it.
 */
final class DeferredChecks {
  /** Checks outstanding before a report is forced (a read, waiting for the device). */
  static final int MAX_PENDING = 4096;

  /** What a flagged check names: the operation and the bound the value broke. */
  record Expected(String what, int classes) {}

  /** The first id of checks a step graph records (never reused, so never confused). */
  private static final int RECORDED_IDS = 1 << 30;

  /** The four words; persistent (held for the thread's life, never released). */
  GpuStorage words;
  private final Map<Integer, Expected> pending = new HashMap<>();
  private int nextId = 1;
  private int nextRecordedId = RECORDED_IDS;
  /** Where a recording step graph keeps its checks, or null. */
  private Map<Integer, Expected> recorder;

  /** Makes the four words if they do not exist yet. */
  void ensureWords(GpuBackend b) {
    if (words == null) {
      GpuStorage s = (GpuStorage) b.allocate(DType.INT32, 4);
      b.runtime().write(s.slab(), s.offset(), new int[4], 0, 4);
      words = s;
    }
  }

  /** Sends the checks registered from now on to {@code checks} too (null: stop). */
  void recordInto(Map<Integer, Expected> checks) {
    recorder = checks;
  }

  /** A step graph's replay: its recorded checks are outstanding again. */
  void register(Map<Integer, Expected> checks) {
    pending.putAll(checks);
  }

  /**
   * Registers a check of class indices against {@code classes} for the launch about to be made
   * and returns the id its kernel flags with.
   */
  int expect(GpuBackend b, String what, int classes) {
    ensureWords(b);
    if (recorder != null) {
      int id = nextRecordedId++;
      Expected e = new Expected(what, classes);
      recorder.put(id, e);
      pending.put(id, e);
      return id;
    }
    if (pending.size() >= MAX_PENDING) {
      report(b);
    }
    int id = nextId++;
    pending.put(id, new Expected(what, classes));
    return id;
  }

  /**
   * Reads the words if a check is outstanding: clears them and throws the flagged error, if any.
   *
   * @throws IndexOutOfBoundsException naming the check, the value and its position
   */
  void report(GpuBackend b) {
    if (pending.isEmpty()) {
      return;
    }
    int[] w = new int[4];
    b.runtime().read(words.slab(), words.offset(), w, 0, 4);
    Map<Integer, Expected> checked = new HashMap<>(pending);
    pending.clear();
    nextId = 1;
    if (w[0] == 0) {
      return;
    }
    b.runtime().write(words.slab(), words.offset(), new int[4], 0, 4);
    Expected e = checked.get(w[0]);
    long value = ((long) w[3] << 32) | (w[2] & 0xffffffffL);
    throw new IndexOutOfBoundsException((e == null ? "a kernel's check" : e.what()) + ": target "
        + value + " at position " + w[1] + " is out of bounds for "
        + (e == null ? "its" : String.valueOf(e.classes())) + " classes (found on " + b.device()
        + " by the kernel; reported at this thread's next read back to the host)");
  }
}
