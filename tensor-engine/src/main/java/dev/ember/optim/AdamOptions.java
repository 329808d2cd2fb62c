package dev.ember.optim;

import java.util.Map;

/**
 * Hyperparameters of {@link Adam} and {@link AdamW}, with PyTorch's defaults; from {@link
 * Adam#options()} or {@link AdamW#options()}, which differ only in the default weight decay.
 */
public final class AdamOptions {
  private double lr = 1e-3;
  private double beta1 = 0.9;
  private double beta2 = 0.999;
  private double eps = 1e-8;
  private double weightDecay;
  private boolean amsgrad;
  private boolean maximize;

  AdamOptions(double weightDecay) {
    this.weightDecay = weightDecay;
  }

  /** The learning rate (default 1e-3). */
  public AdamOptions lr(double lr) {
    this.lr = lr;
    return this;
  }

  /** The decay rates of the moment estimates (default 0.9, 0.999). */
  public AdamOptions betas(double beta1, double beta2) {
    this.beta1 = beta1;
    this.beta2 = beta2;
    return this;
  }

  /** The term added to the denominator (default 1e-8). */
  public AdamOptions eps(double eps) {
    this.eps = eps;
    return this;
  }

  /**
   * The weight decay: for {@link Adam} an L2 penalty added to the gradient (default 0), for
   * {@link AdamW} decoupled from it (default 1e-2).
   */
  public AdamOptions weightDecay(double weightDecay) {
    this.weightDecay = weightDecay;
    return this;
  }

  /** The AMSGrad variant (default false). */
  public AdamOptions amsgrad(boolean amsgrad) {
    this.amsgrad = amsgrad;
    return this;
  }

  /** Maximizes the objective instead of minimizing it (default false). */
  public AdamOptions maximize(boolean maximize) {
    this.maximize = maximize;
    return this;
  }

  Map<String, Object> defaults() {
    return AdamBase.defaults(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize);
  }
}
