package dev.ember.optim;

import dev.ember.autograd.Autograd;
import dev.ember.tensor.Tensor;
import java.util.Map;

/**
 * The optimizers composed of tensor operators, line by line as PyTorch 1.13's single-tensor code
 * ({@code _single_tensor_sgd}, {@code _single_tensor_adam}, ...): the reference the fused backend
 * update is tested against. Each call updates one parameter and its state map in place.
 */
final class ReferenceOptim {
  private ReferenceOptim() {}

  static void sgd(Tensor p, Tensor grad, Map<String, Tensor> st, double lr, double momentum,
      double dampening, double wd, boolean nesterov, boolean maximize) {
    try (var g = Autograd.noGrad()) {
      Tensor d = maximize ? grad.neg() : grad;
      if (wd != 0) {
        d = d.add(p, wd);
      }
      if (momentum != 0) {
        Tensor buf = st.get("momentum_buffer");
        if (buf == null) {
          buf = d.clone().persist();
          st.put("momentum_buffer", buf);
        } else {
          buf.mul_(momentum).add_(d, 1 - dampening);
        }
        d = nesterov ? d.add(buf, momentum) : buf;
      }
      p.add_(d, -lr);
    }
  }

  /** Adam ({@code decoupled == false}) or AdamW; {@code step} is the count after increment. */
  static void adam(boolean decoupled, Tensor p, Tensor grad, Map<String, Tensor> st, long step,
      double lr, double beta1, double beta2, double eps, double wd, boolean amsgrad,
      boolean maximize) {
    try (var g = Autograd.noGrad()) {
      Tensor gr = maximize ? grad.neg() : grad;
      if (decoupled) {
        p.mul_(1 - lr * wd);
      } else if (wd != 0) {
        gr = gr.add(p, wd);
      }
      Tensor m = st.computeIfAbsent("exp_avg", k -> Tensor.zerosLike(p).persist());
      Tensor v = st.computeIfAbsent("exp_avg_sq", k -> Tensor.zerosLike(p).persist());
      m.mul_(beta1).add_(gr, 1 - beta1);
      v.mul_(beta2).add_(gr.mul(1 - beta2).mul(gr));
      double bc1 = 1 - Math.pow(beta1, step);
      double bc2 = 1 - Math.pow(beta2, step);
      double stepSize = lr / bc1;
      double bc2Sqrt = Math.sqrt(bc2);
      Tensor denom;
      if (amsgrad) {
        Tensor max = st.computeIfAbsent("max_exp_avg_sq", k -> Tensor.zerosLike(p).persist());
        max.copy_(max.maximum(v));
        denom = max.sqrt().div(bc2Sqrt).add(eps);
      } else {
        denom = v.sqrt().div(bc2Sqrt).add(eps);
      }
      p.add_(m.mul(-stepSize).div(denom));
    }
  }

  static void rmsprop(Tensor p, Tensor grad, Map<String, Tensor> st, double lr, double alpha,
      double eps, double wd, double momentum, boolean centered, boolean maximize) {
    try (var g = Autograd.noGrad()) {
      Tensor gr = maximize ? grad.neg() : grad;
      if (wd != 0) {
        gr = gr.add(p, wd);
      }
      Tensor sq = st.computeIfAbsent("square_avg", k -> Tensor.zerosLike(p).persist());
      sq.mul_(alpha).add_(gr.mul(1 - alpha).mul(gr));
      Tensor avg;
      if (centered) {
        Tensor ga = st.computeIfAbsent("grad_avg", k -> Tensor.zerosLike(p).persist());
        ga.mul_(alpha).add_(gr, 1 - alpha);
        avg = sq.add(ga.mul(-1).mul(ga)).sqrt();
      } else {
        avg = sq.sqrt();
      }
      avg = avg.add(eps);
      if (momentum > 0) {
        Tensor buf = st.computeIfAbsent("momentum_buffer", k -> Tensor.zerosLike(p).persist());
        buf.mul_(momentum).add_(gr.div(avg));
        p.add_(buf, -lr);
      } else {
        p.add_(gr.mul(-lr).div(avg));
      }
    }
  }

  static void adagrad(Tensor p, Tensor grad, Map<String, Tensor> st, long step, double lr,
      double lrDecay, double wd, double initialAccumulator, double eps, boolean maximize) {
    try (var g = Autograd.noGrad()) {
      Tensor gr = maximize ? grad.neg() : grad;
      if (wd != 0) {
        gr = gr.add(p, wd);
      }
      double clr = lr / (1 + (step - 1) * lrDecay);
      Tensor sum = st.computeIfAbsent("sum",
          k -> Tensor.fullLike(p, initialAccumulator).persist());
      sum.add_(gr.mul(gr));
      Tensor std = sum.sqrt().add(eps);
      p.add_(gr.mul(-clr).div(std));
    }
  }
}
