package dev.ember.transformers.params;

import java.util.Objects;

/**
 * Hands a stage's uid to Spark's Scala constructors, which need it before a Java constructor body
 * can run.
 *
 * <p>Spark's base classes ({@code PredictionModel}, {@code Predictor}, ...) create their params
 * ({@code featuresCol}, {@code thresholds}, ...) in their constructors, and every param records
 * {@code uid()} of its owner at that moment. A Scala class has its uid in a field by then; a Java
 * subclass assigns fields only after {@code super()} returns, so its {@code uid()} would answer
 * null and Spark would later refuse every base param with "Param null__featuresCol does not
 * belong to ...". The fix: the public constructor delegates with {@code this(PendingUid.of(uid),
 * ...)}, which stores the uid for the current thread before the superclass constructor starts;
 * {@code uid()} answers {@link #current()} until the field is set; the private constructor's
 * first statement is {@code this.uid = pending.take()}.
 *
 * <pre>{@code
 * public MyModel(String uid) { this(PendingUid.of(uid)); }
 * private MyModel(PendingUid pending) { this.uid = pending.take(); ... }
 * @Override public String uid() { return uid != null ? uid : PendingUid.current(); }
 * }</pre>
 */
public final class PendingUid {
  private static final ThreadLocal<String> PENDING = new ThreadLocal<>();

  private final String uid;

  private PendingUid(String uid) {
    this.uid = uid;
  }

  /**
   * Makes {@code uid} the current thread's pending uid (until {@link #take()}).
   *
   * @throws NullPointerException if {@code uid} is null
   * @throws IllegalArgumentException if {@code uid} is blank
   */
  public static PendingUid of(String uid) {
    Objects.requireNonNull(uid, "uid");
    if (uid.isBlank()) {
      throw new IllegalArgumentException("a stage uid must not be blank");
    }
    PENDING.set(uid);
    return new PendingUid(uid);
  }

  /**
   * The uid of the stage under construction on this thread.
   *
   * @throws IllegalStateException if no construction is in progress
   */
  public static String current() {
    String uid = PENDING.get();
    if (uid == null) {
      throw new IllegalStateException("uid() called during construction without a pending uid;"
          + " the constructor must delegate with this(PendingUid.of(uid), ...)");
    }
    return uid;
  }

  /** Ends the hand-off and returns the uid for the stage's field. */
  public String take() {
    PENDING.remove();
    return uid;
  }
}
