package dev.ember.tensor;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.autograd.Autograd;
import org.junit.jupiter.api.Test;

/** The README's tensor-engine example, verbatim, so that what the README shows keeps working. */
class ReadmeExampleTest {

  @Test
  void readmeExampleRunsAndLowersTheLoss() {
    Generator g = new Generator(1);
    Tensor w = Tensor.randn(g, DType.FLOAT32, Device.CPU, 784, 10).mul(0.01).requiresGrad(true);
    Tensor x = Tensor.rand(g, DType.FLOAT32, Device.CPU, 64, 784);
    Tensor y = Tensor.randint(g, 0, 10, DType.INT64, Device.CPU, 64);

    double first = Double.NaN;
    double last = Double.NaN;
    for (int step = 0; step < 20; step++) {
      try (Scope s = Tensor.scope()) {
        Tensor logp = x.matmul(w).logSoftmax(1);
        Tensor loss = logp.gather(1, y.unsqueeze(1)).mean().neg();
        loss.backward();
        try (var ng = Autograd.noGrad()) {
          w.sub_(w.grad().mul(0.1));
        }
        w.grad().zero_();
        last = loss.item();
        if (step == 0) {
          first = last;
        }
      }
    }
    assertTrue(last < first, "loss went from " + first + " to " + last);
  }
}
