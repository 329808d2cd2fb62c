package dev.ember.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.backend.Backends;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The device report of the GPU bundle's {@code bin/ember-env}: one block per device type that
 * agrees with {@link Backends}, each present device described by its runtime (or refused, with the
 * provider's reason), each missing type with the reason. Runs with or without devices (it checks whichever case this machine is).
 */
class DeviceReportTest {

  @Test
  void listsEveryDeviceOrWhyThereIsNone() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DeviceReport.report(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    List<String> lines = Arrays.asList(bytes.toString(StandardCharsets.UTF_8).split("\\R"));
    assertTrue(lines.get(0).startsWith("java: "), lines.get(0));
    for (String type : new String[] {"cuda", "opencl"}) {
      int count = Backends.deviceCount(type);
      int at = lines.indexOf(type + ": " + count + " device(s)");
      assertTrue(at >= 0, () -> "no '" + type + ": " + count + " device(s)' line in " + lines);
      if (count == 0) {
        String reason = lines.get(at + 1);
        assertTrue(reason.startsWith("  " + type + ":0 unavailable: "), reason);
        assertTrue(reason.length() > ("  " + type + ":0 unavailable: ").length(), reason);
      }
      for (int i = 0; i < count; i++) {
        String device = lines.get(at + 1 + i);
        assertTrue(device.startsWith("  " + type + ":" + i), device);
        assertFalse(device.contains("not usable"), device);
        if (device.contains(" refused: ")) {
          // Only a provider's own refusal, which names the cause (the NVIDIA OpenCL GPU).
          assertTrue(device.contains("cannot run Ember's"), device);
        }
      }
    }
    assertEquals("best device (auto): " + Backends.best(), lines.get(lines.size() - 1));
  }
}
