package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ember.spark.testing.SparkSessionExtension;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The shared session starts with this build's class path and JVM flags and runs a real job. */
@ExtendWith(SparkSessionExtension.class)
class SparkSessionSmokeTest {
  @Test
  void runsAJobOnTwoPartitions(SparkSession spark) {
    assertEquals("4.1.0", spark.version());
    assertEquals(2, spark.range(0, 1000, 1, 2).javaRDD().getNumPartitions());
    assertEquals(499500L, spark.range(0, 1000, 1, 2).selectExpr("sum(id)").first().getLong(0));
  }
}
