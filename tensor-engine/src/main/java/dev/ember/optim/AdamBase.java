package dev.ember.optim;

import dev.ember.autograd.Autograd;
import dev.ember.autograd.GradMode;
import dev.ember.backend.OptimizerUpdate;
import dev.ember.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What {@link Adam} and {@link AdamW} share: hyperparameters, validation, state and step. */
abstract class AdamBase extends Optimizer {
  private final OptimizerUpdate kind;

  AdamBase(String name, OptimizerUpdate kind, List<ParamGroup> groups,
      Map<String, Object> defaults) {
    super(name, groups, defaults);
    this.kind = kind;
  }

  static Map<String, Object> defaults(double lr, double beta1, double beta2, double eps,
      double weightDecay, boolean amsgrad, boolean maximize) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("lr", lr);
    d.put("betas", new double[] {beta1, beta2});
    d.put("eps", eps);
    d.put("weight_decay", weightDecay);
    d.put("amsgrad", amsgrad);
    d.put("maximize", maximize);
    return d;
  }

  @Override
  protected void validate(ParamGroup g) {
    checkLr(g);
    check(g.get("eps") >= 0, "Invalid epsilon value: ", g.get("eps"));
    double[] betas = g.getTuple("betas");
    check(betas[0] >= 0 && betas[0] < 1, "Invalid beta parameter at index 0: ", betas[0]);
    check(betas[1] >= 0 && betas[1] < 1, "Invalid beta parameter at index 1: ", betas[1]);
    check(g.get("weight_decay") >= 0, "Invalid weight_decay value: ", g.get("weight_decay"));
  }

  @Override
  public void step() {
    registerForReplay();
    try (GradMode mode = Autograd.noGrad()) {
      for (ParamGroup group : paramGroups()) {
        double[] betas = group.getTuple("betas");
        boolean amsgrad = group.getFlag("amsgrad");
        double[] hyper = {group.lr(), betas[0], betas[1], group.get("eps"),
            group.get("weight_decay"), 0, amsgrad ? 1 : 0, flag(group, "maximize")};
        FusedBatch batch = new FusedBatch(kind);
        for (Tensor p : group.params()) {
          Tensor grad = p.grad();
          if (grad == null) {
            continue;
          }
          ParamState st = state(p);
          if (st.isEmpty()) {
            st.setStep(0);
            st.putBuffer("exp_avg", newBuffer(p, 0));
            st.putBuffer("exp_avg_sq", newBuffer(p, 0));
            if (amsgrad) {
              st.putBuffer("max_exp_avg_sq", newBuffer(p, 0));
            }
          } else if (!st.hasStep()) {
            throw new IllegalStateException(name() + " state of a parameter has no 'step'; was"
                + " the loaded state dict made by another optimizer?");
          }
          Tensor max = null;
          if (amsgrad) {
            // Turned on after the state was made (or loaded without it): start from zeros, as a
            // fresh state would.
            max = st.bufferOrNull("max_exp_avg_sq");
            if (max == null) {
              max = newBuffer(p, 0);
              st.putBuffer("max_exp_avg_sq", max);
            }
          }
          st.setStep(st.step() + 1);
          double[] h = hyper.clone();
          h[5] = st.step();
          batch.add(p, grad,
              new Tensor[] {st.buffer("exp_avg"), st.buffer("exp_avg_sq"), max}, h);
        }
        batch.flush();
      }
    }
  }
}
