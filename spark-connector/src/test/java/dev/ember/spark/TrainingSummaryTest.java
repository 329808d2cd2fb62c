package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingSummaryTest {
  private static TrainingSummary summary() {
    return new TrainingSummary("accuracy", List.of(
        new EpochRecord(1, 0.9, 0.8, 0.7, 5000.5, 12),
        new EpochRecord(2, 0.6, 0.5, 0.8, 5100, 13),
        new EpochRecord(3, 0.5, 0.55, 0.79, 5200, 11)), true);
  }

  @Test
  void bestEpochIsTheLowestValidationLossElseTheLast() {
    assertEquals(2, summary().bestEpoch());
    TrainingSummary noValidation = new TrainingSummary("rmse", List.of(
        new EpochRecord(1, 0.9, Double.NaN, Double.NaN, 1, 1),
        new EpochRecord(2, 0.8, Double.NaN, Double.NaN, 1, 1)), false);
    assertEquals(2, noValidation.bestEpoch());
    assertEquals(0, new TrainingSummary("rmse", List.of(), false).bestEpoch());
  }

  @Test
  void jsonRoundTripKeepsEverythingIncludingNaN() throws Exception {
    TrainingSummary s = summary().with(new EpochRecord(4, 0.4, Double.NaN, Double.NaN, 1, 2));
    String json = s.toJson();
    assertTrue(json.contains("\"bestEpoch\":2"), json);
    assertTrue(json.contains("\"validationLoss\":null"), json);
    assertEquals(s, TrainingSummary.fromJson(json));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(s);
    }
    try (ObjectInputStream in = new ObjectInputStream(
        new ByteArrayInputStream(bytes.toByteArray()))) {
      assertEquals(s, in.readObject());
    }
  }

  @Test
  void badJsonNamesTheProblem() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> TrainingSummary.fromJson("{"))
        .getMessage().startsWith("training summary is not valid JSON"));
    assertEquals("training summary formatVersion 2 is not supported (this version reads 1 to 1)",
        assertThrows(IllegalArgumentException.class, () -> TrainingSummary.fromJson(
            "{\"formatVersion\":2,\"metric\":\"rmse\",\"stoppedEarly\":false,\"epochs\":[]}"))
            .getMessage());
    assertEquals("training summary epochs[0].syncMillis must be an integer, got \"x\"",
        assertThrows(IllegalArgumentException.class, () -> TrainingSummary.fromJson(
            "{\"formatVersion\":1,\"metric\":\"rmse\",\"stoppedEarly\":false,\"epochs\":[{"
                + "\"epoch\":1,\"trainLoss\":1,\"validationLoss\":null,\"validationMetric\":null,"
                + "\"samplesPerSecond\":1,\"syncMillis\":\"x\"}]}")).getMessage());
    assertThrows(IllegalArgumentException.class, () -> new TrainingSummary("accuracy",
        List.of(new EpochRecord(2, 1, 1, 1, 1, 1)), false));
  }
}
