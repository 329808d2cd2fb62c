package dev.ember.spark.testing;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One {@code local[2,2]} SparkSession (two cores, two attempts per task) shared by every test
 * class of a test JVM (what spark-testing-base's {@code SharedSparkContext} does; it has no Spark
 * 4 / Scala 2.13 build).
 *
 * <p>Use with {@code @ExtendWith(SparkSessionExtension.class)} and take a {@link SparkSession}
 * parameter in a constructor, {@code @BeforeAll} or test method. The session starts on first use
 * (a few seconds) and stops when the JVM exits; tests must not stop it. The UI is off and the
 * driver binds to the loopback interface, so tests open no externally reachable port.
 */
public final class SparkSessionExtension implements ParameterResolver {
  private static SparkSession session;

  /** The shared session, started on first call. */
  public static synchronized SparkSession session() {
    if (session == null) {
      session = SparkSession.builder()
          .appName("ember-tests")
          // local[N] never retries a task (Spark passes maxFailures = 1 and ignores
          // spark.task.maxFailures in local mode); local[N,F] allows F attempts. The retried-task
          // tests need Spark's real retry.
          .master("local[2,2]")
          .config("spark.ui.enabled", "false")
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.driver.bindAddress", "127.0.0.1")
          .config("spark.sql.shuffle.partitions", "2")
          .config("spark.default.parallelism", "2")
          .config("spark.task.maxFailures", "2")
          .getOrCreate();
      session.sparkContext().setLogLevel("WARN");
      Runtime.getRuntime().addShutdownHook(new Thread(session::stop, "spark-test-stop"));
    }
    return session;
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == SparkSession.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return session();
  }
}
