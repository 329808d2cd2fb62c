package dev.ember.backend.cpu;

import dev.ember.backend.Backend;
import dev.ember.backend.BackendProvider;

/** Registers the CPU backend (always present, one device). */
public final class CpuBackendProvider implements BackendProvider {
  @Override
  public String type() {
    return "cpu";
  }

  @Override
  public int deviceCount() {
    return 1;
  }

  @Override
  public String unavailableReason() {
    return "";
  }

  @Override
  public Backend create(int index) {
    return CpuBackend.INSTANCE;
  }
}
