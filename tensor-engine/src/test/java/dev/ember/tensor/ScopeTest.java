package dev.ember.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ScopeTest {

  @Test
  void temporariesAreReleasedAndKeptTensorsSurvive() {
    Tensor kept;
    Tensor temp;
    try (Scope s = Tensor.scope()) {
      temp = Tensor.ones(3).mul(2);
      kept = temp.add(1).keep();
    }
    assertTrue(temp.isReleased());
    assertFalse(kept.isReleased());
    assertArrayEquals(new float[] {3, 3, 3}, kept.toFloatArray(), 0);
    IllegalStateException e = assertThrows(IllegalStateException.class, temp::toFloatArray);
    assertTrue(e.getMessage().contains("released"), e.getMessage());
    assertTrue(e.getMessage().contains("keep()"), e.getMessage());
  }

  @Test
  void keepMovesToTheEnclosingScope() {
    Tensor inner;
    try (Scope outer = Tensor.scope()) {
      try (Scope s = Tensor.scope()) {
        inner = Tensor.ones(2).keep();
      }
      assertFalse(inner.isReleased());
    }
    assertTrue(inner.isReleased());
  }

  @Test
  void persistEscapesEveryScope() {
    Tensor state;
    Tensor other;
    try (Scope outer = Tensor.scope()) {
      try (Scope s = Tensor.scope()) {
        state = Tensor.ones(2).persist();
        other = Tensor.ones(2);
      }
    }
    assertTrue(other.isReleased());
    assertFalse(state.isReleased());
    assertArrayEquals(new float[] {1, 1}, state.toFloatArray(), 0);
  }

  @Test
  void aViewKeepsItsStorageAliveAfterTheBaseIsReleased() {
    Tensor view;
    Tensor base;
    try (Scope s = Tensor.scope()) {
      base = Tensor.arange(0, 6, 1).reshape(2, 3);
      view = base.select(0, 1).keep();
    }
    assertTrue(base.isReleased());
    assertArrayEquals(new long[] {3, 4, 5}, view.toLongArray());
  }

  @Test
  void tensorsCreatedOutsideScopesAreNeverReleased() {
    Tensor p = Tensor.ones(2);
    try (Scope s = Tensor.scope()) {
      p.add(1);
    }
    assertFalse(p.isReleased());
  }

  @Test
  void gradientsOutliveTheTrainingStepScope() {
    Tensor w = Tensor.ones(DType.FLOAT64, Device.CPU, 2).requiresGrad(true);
    double loss;
    try (Scope s = Tensor.scope()) {
      Tensor l = w.mul(w).sum();
      l.backward();
      loss = l.item();
    }
    assertEquals(2, loss, 0);
    assertArrayEquals(new double[] {2, 2}, w.grad().toDoubleArray(), 0);
  }

  @Test
  void scopesCloseInnermostFirst() {
    Scope outer = Tensor.scope();
    Scope inner = Tensor.scope();
    assertThrows(IllegalStateException.class, outer::close);
    inner.close();
    outer.close();
    assertTrue(outer.isClosed());
  }
}
