package dev.ember.tensor.ops;

import static dev.ember.tensor.ops.Layouts.dst;
import static dev.ember.tensor.ops.OpSpec.f;
import static dev.ember.tensor.ops.OpSpec.fixed;
import static dev.ember.tensor.ops.OpSpec.gc;
import static dev.ember.tensor.ops.OpSpec.op;
import static dev.ember.tensor.ops.OpSpec.opN;
import static dev.ember.tensor.ops.OpSpec.s;

import dev.ember.tensor.Conv;
import dev.ember.tensor.DType;
import dev.ember.tensor.Tensor;
import dev.ember.tensor.ValuesIndices;
import dev.ember.tensor.ops.OpSpec.GradCase;
import dev.ember.tensor.ops.OpSpec.Tol;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The registry of op specs: one {@link OpSpec} per op of the {@link Tensor} API, under the name
 * its cases have in {@code golden/ops.json}. {@link OpGoldenTest} runs every golden case through
 * its spec, {@link OpGradCheckTest} gradchecks every differentiable spec, and {@link
 * OpCoverageTest} fails when a public Tensor op is covered by no spec: a new op gets its tests by
 * adding a spec here and its cases to {@code make_op_golden.py}.
 *
 * <p>Conventions: in-place ops ({@code xxx_}) run on {@link Layouts#dst}, a recorded copy of
 * input 0 (strided when input 0 is), so the inputs stay untouched and gradients flow back to
 * them. Ops with several results (max(dim), min(dim), chunk, split) return them all, in order:
 * values then indices, or the pieces; gradcheck concatenates their floating-point results.
 */
final class OpRegistry {
  private OpRegistry() {}

  // Gradcheck cases shared by ops of the same kind. Every set has a plain case, a strided
  // (non-contiguous) one and, where the op allows it, a 0-d one; binary ops also broadcast.

  static final List<GradCase> UNARY = List.of(
      gc("plain", f(2, 3)), gc("strided", s(3, 4)), gc("0-d", f()));

  static final List<GradCase> BINARY = List.of(
      gc("plain", f(2, 3), f(2, 3)),
      gc("broadcast", f(2, 1, 3), f(4, 1)),
      gc("strided", s(3, 4), s(3, 4)),
      gc("0-d", f(), f(2)));

  /** In-place binary ops: the other operand broadcasts to self, never the reverse. */
  static final List<GradCase> INPLACE_BINARY = List.of(
      gc("plain", f(2, 3), f(2, 3)),
      gc("broadcast", f(4, 2, 3), f(2, 1)),
      gc("strided", s(3, 4), s(4)),
      gc("0-d", f(), f()));

  /** Reductions with the all / dim / dims overloads, selected by the args. */
  private static List<GradCase> reduction(boolean oneDim, boolean dims, boolean all) {
    List<GradCase> out = new ArrayList<>();
    if (all) {
      out.add(gc("all", f(2, 3)));
      out.add(gc("all strided", s(3, 4)));
      out.add(gc("0-d", f()));
    }
    if (oneDim) {
      out.add(gc("dim=-1 keep strided", Args.of("dim", -1, "keepdim", true), s(3, 4)));
      out.add(gc("dim=0", Args.of("dim", 0, "keepdim", false), f(2, 3)));
    }
    if (dims) {
      out.add(gc("dims=[0,2]", Args.of("dims", new int[] {0, 2}, "keepdim", false), f(2, 3, 2)));
      out.add(gc("dims=[-1] keep strided", Args.of("dims", new int[] {-1}, "keepdim", true), s(3, 4)));
      out.add(gc("dims=[] 0-d", Args.of("dims", new int[0], "keepdim", false), f()));
    }
    return out;
  }

  private static final Map<String, OpSpec> SPECS = new LinkedHashMap<>();

  private static void add(OpSpec.Builder b) {
    OpSpec spec = b.build();
    if (SPECS.put(spec.name(), spec) != null) {
      throw new IllegalStateException("duplicate op " + spec.name());
    }
  }

  /** Every spec, by name. */
  static Map<String, OpSpec> specs() {
    return Collections.unmodifiableMap(SPECS);
  }

  static OpSpec get(String name) {
    return SPECS.get(name);
  }

  private static Tensor x(List<Tensor> in) {
    return in.get(0);
  }

  private static Tensor y(List<Tensor> in) {
    return in.get(1);
  }

  private static DType dtype(Args a) {
    return DType.parse(a.s("dtype"));
  }

  private static List<Tensor> both(ValuesIndices vi) {
    return List.of(vi.values(), vi.indices());
  }

  private static void unary(String name, String covers, UnaryOperator<Tensor> f, Domain d) {
    add(op(name, (in, a) -> f.apply(x(in))).covers(covers).grad(UNARY).domain(0, d));
  }

  static {
    // ---- binary arithmetic ----------------------------------------------------------------
    add(op("add", (in, a) -> x(in).add(y(in))).covers("add(Tensor)").grad(BINARY));
    add(op("sub", (in, a) -> x(in).sub(y(in))).covers("sub(Tensor)").grad(BINARY));
    add(op("mul", (in, a) -> x(in).mul(y(in))).covers("mul(Tensor)").grad(BINARY));
    add(op("div", (in, a) -> x(in).div(y(in))).covers("div(Tensor)").grad(BINARY)
        .domain(1, Domain.NONZERO));
    add(op("pow", (in, a) -> x(in).pow(y(in))).covers("pow(Tensor)").grad(BINARY)
        .domain(0, Domain.POSITIVE));
    add(op("maximum", (in, a) -> x(in).maximum(y(in))).covers("maximum(Tensor)").grad(BINARY)
        .domain(0, Domain.EVEN).domain(1, Domain.ODD));
    add(op("minimum", (in, a) -> x(in).minimum(y(in))).covers("minimum(Tensor)").grad(BINARY)
        .domain(0, Domain.EVEN).domain(1, Domain.ODD));
    add(op("add_alpha", (in, a) -> x(in).add(y(in), a.num("alpha"))).covers("add(Tensor,Number)")
        .grad(BINARY).gradArgs(Args.of("alpha", 2.5)));
    add(op("sub_alpha", (in, a) -> x(in).sub(y(in), a.num("alpha"))).covers("sub(Tensor,Number)")
        .grad(BINARY).gradArgs(Args.of("alpha", 2.5)));
    add(op("add_scalar", (in, a) -> x(in).add(a.num("value"))).covers("add(Number)").grad(UNARY)
        .gradArgs(Args.of("value", 2.5)));
    add(op("sub_scalar", (in, a) -> x(in).sub(a.num("value"))).covers("sub(Number)").grad(UNARY)
        .gradArgs(Args.of("value", 2.5)));
    add(op("mul_scalar", (in, a) -> x(in).mul(a.num("value"))).covers("mul(Number)").grad(UNARY)
        .gradArgs(Args.of("value", 2.5)));
    add(op("div_scalar", (in, a) -> x(in).div(a.num("value"))).covers("div(Number)").grad(UNARY)
        .gradArgs(Args.of("value", 2.5)));
    add(op("pow_scalar", (in, a) -> x(in).pow(a.num("exponent"))).covers("pow(Number)").grad(UNARY)
        .gradArgs(Args.of("exponent", 2.5)).domain(0, Domain.POSITIVE));
    add(op("pow_scalar_base", (in, a) -> Tensor.pow(a.num("base"), x(in)))
        .covers("pow(Number,Tensor)").grad(UNARY).gradArgs(Args.of("base", 2.0)));

    // In place: the result is written into a recorded copy of input 0 (see the class comment).
    add(op("add_", (in, a) -> inPlace(x(in), d -> d.add_(y(in)))).covers("add_(Tensor)")
        .grad(INPLACE_BINARY));
    add(op("add_alpha_", (in, a) -> inPlace(x(in), d -> d.add_(y(in), a.num("alpha"))))
        .covers("add_(Tensor,Number)").grad(INPLACE_BINARY).gradArgs(Args.of("alpha", 2.5)));
    add(op("add_scalar_", (in, a) -> inPlace(x(in), d -> d.add_(a.num("value")))).covers("add_(Number)")
        .grad(UNARY).gradArgs(Args.of("value", 1.5)));
    add(op("sub_", (in, a) -> inPlace(x(in), d -> d.sub_(y(in)))).covers("sub_(Tensor)")
        .grad(INPLACE_BINARY));
    add(op("sub_scalar_", (in, a) -> inPlace(x(in), d -> d.sub_(a.num("value")))).covers("sub_(Number)")
        .grad(UNARY).gradArgs(Args.of("value", 1.5)));
    add(op("mul_", (in, a) -> inPlace(x(in), d -> d.mul_(y(in)))).covers("mul_(Tensor)")
        .grad(INPLACE_BINARY));
    add(op("mul_scalar_", (in, a) -> inPlace(x(in), d -> d.mul_(a.num("value")))).covers("mul_(Number)")
        .grad(UNARY).gradArgs(Args.of("value", -2.0)));
    add(op("div_", (in, a) -> inPlace(x(in), d -> d.div_(y(in)))).covers("div_(Tensor)").grad(INPLACE_BINARY)
        .domain(1, Domain.NONZERO));
    add(op("div_scalar_", (in, a) -> inPlace(x(in), d -> d.div_(a.num("value")))).covers("div_(Number)")
        .grad(UNARY).gradArgs(Args.of("value", 4.0)));
    add(op("pow_", (in, a) -> inPlace(x(in), d -> d.pow_(y(in)))).covers("pow_(Tensor)").grad(INPLACE_BINARY)
        .domain(0, Domain.POSITIVE));
    add(op("pow_scalar_", (in, a) -> inPlace(x(in), d -> d.pow_(a.num("exponent")))).covers("pow_(Number)")
        .grad(UNARY).gradArgs(Args.of("exponent", 2.5)).domain(0, Domain.POSITIVE));
    add(op("maximum_", (in, a) -> inPlace(x(in), d -> d.maximum_(y(in)))).covers("maximum_(Tensor)")
        .grad(INPLACE_BINARY).domain(0, Domain.EVEN).domain(1, Domain.ODD));
    add(op("minimum_", (in, a) -> inPlace(x(in), d -> d.minimum_(y(in)))).covers("minimum_(Tensor)")
        .grad(INPLACE_BINARY).domain(0, Domain.EVEN).domain(1, Domain.ODD));

    // ---- unary functions --------------------------------------------------------------------
    unary("neg", "neg()", Tensor::neg, Domain.ANY);
    unary("abs", "abs()", Tensor::abs, Domain.NONZERO);
    unary("sign", "sign()", Tensor::sign, Domain.NONZERO);
    unary("exp", "exp()", Tensor::exp, Domain.ANY);
    unary("log", "log()", Tensor::log, Domain.POSITIVE);
    unary("log1p", "log1p()", Tensor::log1p, Domain.POSITIVE);
    unary("expm1", "expm1()", Tensor::expm1, Domain.ANY);
    unary("sqrt", "sqrt()", Tensor::sqrt, Domain.POSITIVE);
    unary("rsqrt", "rsqrt()", Tensor::rsqrt, Domain.POSITIVE);
    unary("reciprocal", "reciprocal()", Tensor::reciprocal, Domain.NONZERO);
    unary("square", "square()", Tensor::square, Domain.ANY);
    unary("sin", "sin()", Tensor::sin, Domain.ANY);
    unary("cos", "cos()", Tensor::cos, Domain.ANY);
    unary("tanh", "tanh()", Tensor::tanh, Domain.ANY);
    unary("sigmoid", "sigmoid()", Tensor::sigmoid, Domain.ANY);
    unary("relu", "relu()", Tensor::relu, Domain.NONZERO);
    unary("silu", "silu()", Tensor::silu, Domain.ANY);
    unary("erf", "erf()", Tensor::erf, Domain.ANY);
    unary("floor", "floor()", Tensor::floor, Domain.FRACTIONAL);
    unary("ceil", "ceil()", Tensor::ceil, Domain.FRACTIONAL);
    unary("round", "round()", Tensor::round, Domain.FRACTIONAL);
    unary("gelu", "gelu()", Tensor::gelu, Domain.ANY);
    unary("softplus", "softplus()", Tensor::softplus, Domain.ANY);
    add(op("leaky_relu", (in, a) -> x(in).leakyRelu(a.d("slope"))).covers("leakyRelu(double)")
        .grad(UNARY).gradArgs(Args.of("slope", 0.1)).domain(0, Domain.NONZERO));
    add(op("gelu_approx", (in, a) -> x(in).gelu(a.s("approximate"))).covers("gelu(String)")
        .grad(UNARY).gradArgs(Args.of("approximate", "tanh")));
    // PyTorch's softplus switches to x where beta x > threshold (a small jump): keep away from it.
    add(op("softplus_beta", (in, a) -> x(in).softplus(a.d("beta"), a.d("threshold")))
        .covers("softplus(double,double)").grad(UNARY).gradArgs(Args.of("beta", 2.0, "threshold", 1.0))
        .domain(0, Domain.awayFrom(0.5)));
    add(op("clamp", (in, a) -> x(in).clamp(a.num("min"), a.num("max"))).covers("clamp(Number,Number)")
        .grad(UNARY).gradArgs(Args.of("min", -0.5, "max", 0.5)).domain(0, Domain.awayFrom(-0.5, 0.5)));
    add(op("clamp_min", (in, a) -> x(in).clampMin(a.num("min"))).covers("clampMin(Number)")
        .grad(UNARY).gradArgs(Args.of("min", 0.2)).domain(0, Domain.awayFrom(0.2)));
    add(op("clamp_max", (in, a) -> x(in).clampMax(a.num("max"))).covers("clampMax(Number)")
        .grad(UNARY).gradArgs(Args.of("max", 0.2)).domain(0, Domain.awayFrom(0.2)));
    add(op("isnan", (in, a) -> x(in).isnan()).covers("isnan()").tol(Tol.EXACT));
    add(op("isinf", (in, a) -> x(in).isinf()).covers("isinf()").tol(Tol.EXACT));
    add(op("logical_not", (in, a) -> x(in).logicalNot()).covers("logicalNot()").tol(Tol.EXACT));

    inplaceUnary("neg_", "neg_()", Tensor::neg_, Domain.ANY);
    inplaceUnary("abs_", "abs_()", Tensor::abs_, Domain.NONZERO);
    inplaceUnary("sign_", "sign_()", Tensor::sign_, Domain.NONZERO);
    inplaceUnary("exp_", "exp_()", Tensor::exp_, Domain.ANY);
    inplaceUnary("log_", "log_()", Tensor::log_, Domain.POSITIVE);
    inplaceUnary("log1p_", "log1p_()", Tensor::log1p_, Domain.POSITIVE);
    inplaceUnary("expm1_", "expm1_()", Tensor::expm1_, Domain.ANY);
    inplaceUnary("sqrt_", "sqrt_()", Tensor::sqrt_, Domain.POSITIVE);
    inplaceUnary("rsqrt_", "rsqrt_()", Tensor::rsqrt_, Domain.POSITIVE);
    inplaceUnary("reciprocal_", "reciprocal_()", Tensor::reciprocal_, Domain.NONZERO);
    inplaceUnary("sin_", "sin_()", Tensor::sin_, Domain.ANY);
    inplaceUnary("cos_", "cos_()", Tensor::cos_, Domain.ANY);
    inplaceUnary("tanh_", "tanh_()", Tensor::tanh_, Domain.ANY);
    inplaceUnary("sigmoid_", "sigmoid_()", Tensor::sigmoid_, Domain.ANY);
    inplaceUnary("relu_", "relu_()", Tensor::relu_, Domain.NONZERO);
    inplaceUnary("silu_", "silu_()", Tensor::silu_, Domain.ANY);
    inplaceUnary("erf_", "erf_()", Tensor::erf_, Domain.ANY);
    inplaceUnary("floor_", "floor_()", Tensor::floor_, Domain.FRACTIONAL);
    inplaceUnary("ceil_", "ceil_()", Tensor::ceil_, Domain.FRACTIONAL);
    inplaceUnary("round_", "round_()", Tensor::round_, Domain.FRACTIONAL);
    inplaceUnary("gelu_", "gelu_()", Tensor::gelu_, Domain.ANY);
    inplaceUnary("softplus_", "softplus_()", Tensor::softplus_, Domain.ANY);
    add(op("leaky_relu_", (in, a) -> inPlace(x(in), d -> d.leakyRelu_(a.d("slope"))))
        .covers("leakyRelu_(double)")
        .grad(UNARY).gradArgs(Args.of("slope", 0.1)).domain(0, Domain.NONZERO));
    add(op("clamp_", (in, a) -> inPlace(x(in), d -> d.clamp_(a.num("min"), a.num("max"))))
        .covers("clamp_(Number,Number)").grad(UNARY).gradArgs(Args.of("min", -0.5, "max", 0.5))
        .domain(0, Domain.awayFrom(-0.5, 0.5)));
    add(op("copy_", (in, a) -> inPlace(x(in), d -> d.copy_(y(in)))).covers("copy_(Tensor)").tol(Tol.EXACT)
        .grad(INPLACE_BINARY));
    add(op("fill_", (in, a) -> inPlace(x(in), d -> d.fill_(a.num("value")))).covers("fill_(Number)")
        .tol(Tol.EXACT).grad(UNARY).gradArgs(Args.of("value", 1.5)));
    add(op("zero_", (in, a) -> inPlace(x(in), d -> d.zero_())).covers("zero_()").tol(Tol.EXACT).grad(UNARY));

    // ---- comparisons and logic (bool results, exact) -----------------------------------------
    compare("eq", Tensor::eq, Tensor::eq);
    compare("ne", Tensor::ne, Tensor::ne);
    compare("lt", Tensor::lt, Tensor::lt);
    compare("le", Tensor::le, Tensor::le);
    compare("gt", Tensor::gt, Tensor::gt);
    compare("ge", Tensor::ge, Tensor::ge);
    add(op("logical_and", (in, a) -> x(in).logicalAnd(y(in))).covers("logicalAnd(Tensor)").tol(Tol.EXACT));
    add(op("logical_or", (in, a) -> x(in).logicalOr(y(in))).covers("logicalOr(Tensor)").tol(Tol.EXACT));
    add(op("logical_xor", (in, a) -> x(in).logicalXor(y(in))).covers("logicalXor(Tensor)").tol(Tol.EXACT));

    // ---- reductions ---------------------------------------------------------------------------
    add(op("sum", (in, a) -> a.has("dims") ? x(in).sum(a.ints("dims"), a.b("keepdim"))
        : a.has("dim") ? (a.has("keepdim") ? x(in).sum(a.i("dim"), a.b("keepdim")) : x(in).sum(a.i("dim")))
        : x(in).sum())
        .covers("sum()", "sum(int)", "sum(int,boolean)", "sum(int[],boolean)")
        .tol(Tol.REDUCTION).grad(reduction(true, true, true)));
    add(op("mean", (in, a) -> a.has("dims") ? x(in).mean(a.ints("dims"), a.b("keepdim"))
        : a.has("dim") ? (a.has("keepdim") ? x(in).mean(a.i("dim"), a.b("keepdim")) : x(in).mean(a.i("dim")))
        : x(in).mean())
        .covers("mean()", "mean(int)", "mean(int,boolean)", "mean(int[],boolean)")
        .tol(Tol.REDUCTION).grad(reduction(true, true, true)));
    add(op("prod", (in, a) -> a.has("dims") ? x(in).prod(a.ints("dims"), a.b("keepdim"))
        : a.has("dim") ? x(in).prod(a.i("dim"), a.b("keepdim")) : x(in).prod())
        .covers("prod()", "prod(int,boolean)", "prod(int[],boolean)")
        .tol(Tol.REDUCTION).grad(reduction(true, true, true)).domain(0, Domain.NONZERO));
    add(op("max_all", (in, a) -> x(in).max()).covers("max()").tol(Tol.EXACT)
        .grad(reduction(false, false, true)).domain(0, Domain.DISTINCT));
    add(op("min_all", (in, a) -> x(in).min()).covers("min()").tol(Tol.EXACT)
        .grad(reduction(false, false, true)).domain(0, Domain.DISTINCT));
    add(opN("max_dim", (in, a) -> both(x(in).max(a.i("dim"), a.b("keepdim")))).covers("max(int,boolean)")
        .tol(Tol.EXACT).grad(extremeDim()).domain(0, Domain.DISTINCT));
    add(opN("min_dim", (in, a) -> both(x(in).min(a.i("dim"), a.b("keepdim")))).covers("min(int,boolean)")
        .tol(Tol.EXACT).grad(extremeDim()).domain(0, Domain.DISTINCT));
    add(op("amax", (in, a) -> x(in).amax(a.ints("dims"), a.b("keepdim"))).covers("amax(int[],boolean)")
        .tol(Tol.EXACT).grad(reduction(false, true, false)).domain(0, Domain.DISTINCT));
    add(op("amin", (in, a) -> x(in).amin(a.ints("dims"), a.b("keepdim"))).covers("amin(int[],boolean)")
        .tol(Tol.EXACT).grad(reduction(false, true, false)).domain(0, Domain.DISTINCT));
    add(op("argmax", (in, a) -> a.has("dim") ? x(in).argmax(a.i("dim"), a.b("keepdim")) : x(in).argmax())
        .covers("argmax()", "argmax(int,boolean)").tol(Tol.EXACT));
    add(op("argmin", (in, a) -> a.has("dim") ? x(in).argmin(a.i("dim"), a.b("keepdim")) : x(in).argmin())
        .covers("argmin()", "argmin(int,boolean)").tol(Tol.EXACT));
    add(op("var", (in, a) -> a.has("dims")
        ? x(in).var(a.ints("dims"), a.i("correction"), a.b("keepdim")) : x(in).var())
        .covers("var()", "var(int[],int,boolean)").tol(Tol.REDUCTION).grad(varianceCases()));
    add(op("std", (in, a) -> a.has("dims")
        ? x(in).std(a.ints("dims"), a.i("correction"), a.b("keepdim")) : x(in).std())
        .covers("std()", "std(int[],int,boolean)").tol(Tol.REDUCTION).grad(varianceCases()));
    add(op("norm", (in, a) -> a.has("dims")
        ? x(in).norm(a.d("p"), a.ints("dims"), a.b("keepdim")) : x(in).norm())
        .covers("norm()", "norm(double,int[],boolean)").tol(Tol.REDUCTION).grad(normCases())
        .domain(0, Domain.DISTINCT_ABS));
    add(op("logsumexp", (in, a) -> a.has("dims") ? x(in).logsumexp(a.ints("dims"), a.b("keepdim"))
        : x(in).logsumexp(a.i("dim"), a.b("keepdim")))
        .covers("logsumexp(int,boolean)", "logsumexp(int[],boolean)").tol(Tol.REDUCTION)
        .grad(reduction(true, true, false)));
    add(op("softmax", (in, a) -> x(in).softmax(a.i("dim"))).covers("softmax(int)").tol(Tol.REDUCTION)
        .grad(UNARY).gradArgs(Args.of("dim", -1)));
    add(op("log_softmax", (in, a) -> x(in).logSoftmax(a.i("dim"))).covers("logSoftmax(int)")
        .tol(Tol.REDUCTION).grad(UNARY).gradArgs(Args.of("dim", -1)));
    add(op("cumsum", (in, a) -> x(in).cumsum(a.i("dim"))).covers("cumsum(int)").tol(Tol.REDUCTION)
        .grad(gc("plain", Args.of("dim", 1), f(2, 3)), gc("strided", Args.of("dim", 0), s(3, 4)),
            gc("0-d", Args.of("dim", 0), f())));
    add(op("all", (in, a) -> a.has("dims") ? x(in).all(a.ints("dims"), a.b("keepdim")) : x(in).all())
        .covers("all()", "all(int[],boolean)").tol(Tol.EXACT));
    add(op("any", (in, a) -> a.has("dims") ? x(in).any(a.ints("dims"), a.b("keepdim")) : x(in).any())
        .covers("any()", "any(int[],boolean)").tol(Tol.EXACT));

    // ---- linear algebra -----------------------------------------------------------------------
    add(op("matmul", (in, a) -> x(in).matmul(y(in))).covers("matmul(Tensor)").tol(Tol.REDUCTION).grad(
        gc("1-D x 1-D", f(3), f(3)), gc("1-D x 2-D", f(3), f(3, 2)), gc("2-D x 1-D", f(2, 3), f(3)),
        gc("2-D x 2-D strided", s(2, 3), s(3, 4)), gc("3-D x 2-D", f(2, 2, 3), f(3, 2)),
        gc("1-D x 3-D", f(3), f(2, 3, 2)), gc("broadcast batch", f(2, 1, 2, 3), f(3, 3, 2)),
        gc("3-D x 1-D strided", s(2, 2, 3), s(3))));
    add(op("mm", (in, a) -> x(in).mm(y(in))).covers("mm(Tensor)").tol(Tol.REDUCTION)
        .grad(gc("plain", f(2, 3), f(3, 4)), gc("strided", s(3, 2), s(2, 3))));
    add(op("bmm", (in, a) -> x(in).bmm(y(in))).covers("bmm(Tensor)").tol(Tol.REDUCTION)
        .grad(gc("plain", f(2, 2, 3), f(2, 3, 2)), gc("strided", s(2, 3, 2), s(2, 2, 3))));
    add(op("dot", (in, a) -> x(in).dot(y(in))).covers("dot(Tensor)").tol(Tol.REDUCTION)
        .grad(gc("plain", f(4), f(4)), gc("strided", s(3), s(3))));
    add(op("outer", (in, a) -> x(in).outer(y(in))).covers("outer(Tensor)").tol(Tol.REDUCTION)
        .grad(gc("plain", f(3), f(2)), gc("strided", s(2), s(3))));
    add(op("addmm", (in, a) -> x(in).addmm(y(in), in.get(2))).covers("addmm(Tensor,Tensor)")
        .tol(Tol.REDUCTION).grad(addmmCases()));
    add(op("addmm_scaled", (in, a) -> Tensor.addmm(x(in), y(in), in.get(2), a.d("beta"), a.d("alpha")))
        .covers("addmm(Tensor,Tensor,Tensor,double,double)").tol(Tol.REDUCTION).grad(addmmCases())
        .gradArgs(Args.of("beta", 0.5, "alpha", 2.0)));

    // ---- casts --------------------------------------------------------------------------------
    // Gradcheck runs in float64, so it checks the float64 identity; the golden cases check the
    // gradients across float32 and float64.
    add(op("to", (in, a) -> x(in).to(dtype(a))).covers("to(DType)").tol(Tol.EXACT)
        .storage(OpSpec.Storage.ANY) // to(its own dtype) returns the tensor itself, as in PyTorch
        .grad(UNARY)
        .gradArgs(Args.of("dtype", "float64")));

    // ---- views and copies (exact) ---------------------------------------------------------------
    add(op("view", (in, a) -> x(in).view(a.ints("shape"))).covers("view(int[])").tol(Tol.EXACT).view()
        .contiguousOnly("merging dims of a non-contiguous tensor is an error by design (OpErrorTest)")
        .grad(gc("plain", Args.of("shape", new int[] {3, 2}), f(2, 3)),
            gc("strided, split one dim", Args.of("shape", new int[] {3, 2, 2}), s(3, 4)),
            gc("0-d", Args.of("shape", new int[] {1, 1}), f())));
    add(op("reshape", (in, a) -> x(in).reshape(a.ints("shape"))).covers("reshape(int[])").tol(Tol.EXACT)
        .view()
        .grad(UNARY).gradArgs(Args.of("shape", new int[] {-1})));
    add(op("transpose", (in, a) -> x(in).transpose(a.i("dim0"), a.i("dim1"))).covers("transpose(int,int)")
        .tol(Tol.EXACT).view().grad(UNARY).gradArgs(Args.of("dim0", 0, "dim1", -1)));
    add(op("permute", (in, a) -> x(in).permute(a.ints("dims"))).covers("permute(int[])").tol(Tol.EXACT).view()
        .grad(gc("3-D", Args.of("dims", new int[] {2, 0, 1}), f(2, 3, 2)),
            gc("strided", Args.of("dims", new int[] {-1, 0}), s(3, 4)),
            gc("0-d", Args.of("dims", new int[0]), f())));
    add(op("t", (in, a) -> x(in).t()).covers("t()").tol(Tol.EXACT).view()
        .grad(gc("2-D", f(2, 3)), gc("strided", s(3, 4)), gc("1-D", f(3)), gc("0-d", f())));
    add(op("mT", (in, a) -> x(in).mT()).covers("mT()").tol(Tol.EXACT).view()
        .grad(gc("2-D", f(2, 3)), gc("strided", s(3, 4)), gc("3-D", f(2, 2, 3))));
    add(op("squeeze", (in, a) -> a.has("dim") ? x(in).squeeze(a.i("dim")) : x(in).squeeze())
        .covers("squeeze()", "squeeze(int)").tol(Tol.EXACT).view()
        .grad(gc("all", f(2, 1, 3)), gc("dim strided", Args.of("dim", 1), s(3, 1, 4)), gc("0-d", f())));
    add(op("unsqueeze", (in, a) -> x(in).unsqueeze(a.i("dim"))).covers("unsqueeze(int)").tol(Tol.EXACT).view()
        .grad(UNARY).gradArgs(Args.of("dim", -1)));
    add(op("expand", (in, a) -> x(in).expand(a.ints("shape"))).covers("expand(int[])").tol(Tol.EXACT).view()
        .grad(expandCases()));
    add(op("broadcast_to", (in, a) -> x(in).broadcastTo(a.ints("shape"))).covers("broadcastTo(int[])")
        .tol(Tol.EXACT).view().grad(expandCases()));
    add(op("expand_as", (in, a) -> x(in).expandAs(y(in))).covers("expandAs(Tensor)").tol(Tol.EXACT).view()
        .grad(gc("plain", f(3, 1), f(2, 3, 4)), gc("strided", s(1, 3), f(4, 3)), gc("0-d", f(), f(2)))
        .gradInputs(0));
    add(op("narrow", (in, a) -> x(in).narrow(a.i("dim"), a.i("start"), a.i("length")))
        .covers("narrow(int,int,int)").tol(Tol.EXACT).view()
        .grad(gc("plain", f(2, 3)), gc("strided", s(3, 4)))
        .gradArgs(Args.of("dim", -1, "start", 1, "length", 2)));
    add(op("slice", (in, a) -> x(in).slice(a.i("dim"), a.i("start"), a.i("end"), a.i("step")))
        .covers("slice(int,int,int,int)").tol(Tol.EXACT).view()
        .grad(gc("plain", f(2, 5)), gc("strided", s(3, 4)),
            gc("whole", Args.of("dim", 0, "start", 0, "end", 3, "step", 1), s(3, 2)))
        .gradArgs(Args.of("dim", -1, "start", -100, "end", 100, "step", 2)));
    add(op("select", (in, a) -> x(in).select(a.i("dim"), a.i("index"))).covers("select(int,int)")
        .tol(Tol.EXACT).view().grad(gc("plain", f(2, 3)), gc("strided", s(3, 4)), gc("1-D to 0-d", f(3)),
            gc("a dim of size 1 (the whole input)", Args.of("dim", 1, "index", 0), f(2, 1, 3)))
        .gradArgs(Args.of("dim", 0, "index", -1)));
    add(op("flatten", (in, a) -> a.has("start") ? x(in).flatten(a.i("start"), a.i("end")) : x(in).flatten())
        .covers("flatten()", "flatten(int,int)").tol(Tol.EXACT).view()
        .grad(gc("all", f(2, 3, 2)), gc("range strided", Args.of("start", 1, "end", 2), s(2, 3, 2)),
            gc("0-d", f())));
    add(op("unflatten", (in, a) -> x(in).unflatten(a.i("dim"), a.ints("sizes")))
        .covers("unflatten(int,int[])")
        .tol(Tol.EXACT).view().grad(gc("plain", f(3, 4)), gc("strided", s(3, 4)))
        .gradArgs(Args.of("dim", -1, "sizes", new int[] {2, -1})));
    add(opN("chunk", (in, a) -> x(in).chunk(a.i("chunks"), a.i("dim"))).covers("chunk(int,int)")
        .tol(Tol.EXACT).view().grad(gc("plain", f(2, 5)), gc("strided", s(3, 4)))
        .gradArgs(Args.of("chunks", 2, "dim", -1)));
    add(opN("split", (in, a) -> x(in).split(a.i("split_size"), a.i("dim"))).covers("split(int,int)")
        .tol(Tol.EXACT).view().grad(gc("plain", f(2, 5)), gc("strided", s(3, 4)))
        .gradArgs(Args.of("split_size", 2, "dim", -1)));
    add(opN("split_sizes", (in, a) -> x(in).split(a.ints("sizes"), a.i("dim"))).covers("split(int[],int)")
        .tol(Tol.EXACT).view().grad(gc("plain", f(2, 3)), gc("strided", s(4, 3)))
        .gradArgs(Args.of("sizes", new int[] {1, 2}, "dim", -1)));
    add(op("contiguous", (in, a) -> x(in).contiguous()).covers("contiguous()").tol(Tol.EXACT).view()
        .grad(UNARY));
    add(op("clone", (in, a) -> x(in).clone()).covers("clone()").tol(Tol.EXACT).grad(UNARY));
    add(op("flip", (in, a) -> x(in).flip(a.ints("dims"))).covers("flip(int[])").tol(Tol.EXACT)
        .grad(gc("plain", Args.of("dims", new int[] {0, -1}), f(2, 3)),
            gc("strided", Args.of("dims", new int[] {1}), s(3, 4)),
            gc("0-d", Args.of("dims", new int[0]), f())));
    add(op("cat", (in, a) -> a.has("varargs") ? Tensor.cat(a.i("dim"), in.toArray(new Tensor[0]))
        : Tensor.cat(in, a.i("dim")))
        .covers("cat(List,int)", "cat(int,Tensor[])").tol(Tol.EXACT)
        .grad(gc("dim 0", Args.of("dim", 0), f(2, 3), f(1, 3)),
            gc("strided dim -1", Args.of("dim", -1), s(3, 4), s(3, 2), f(3, 1)),
            gc("varargs", Args.of("dim", 1, "varargs", true), f(2, 1), f(2, 2))));
    add(op("stack", (in, a) -> a.has("varargs") ? Tensor.stack(a.i("dim"), in.toArray(new Tensor[0]))
        : Tensor.stack(in, a.i("dim")))
        .covers("stack(List,int)", "stack(int,Tensor[])").tol(Tol.EXACT)
        .grad(gc("dim 1", Args.of("dim", 1), f(2, 3), f(2, 3)),
            gc("strided dim 0", Args.of("dim", 0), s(3, 4), s(3, 4)),
            gc("0-d varargs", Args.of("dim", 0, "varargs", true), f(), f())));

    // ---- indexing (exact) ------------------------------------------------------------------------
    add(op("index_select", (in, a) -> x(in).indexSelect(a.i("dim"), y(in))).covers("indexSelect(int,Tensor)")
        .tol(Tol.EXACT).grad(
            gc("dim 0, repeated", Args.of("dim", 0), f(3, 4), fixed(() -> Tensor.of(new long[] {2, 0, 2}))),
            gc("strided", Args.of("dim", -1), s(3, 4), fixed(() -> Tensor.of(new int[] {3, 0}))),
            gc("0-d", Args.of("dim", 0), f(), fixed(() -> Tensor.of(new long[] {0})))));
    add(op("gather", (in, a) -> x(in).gather(a.i("dim"), y(in))).covers("gather(int,Tensor)")
        .tol(Tol.EXACT).grad(
            gc("dim 0", Args.of("dim", 0), f(3, 4), fixed(OpRegistry::gatherIndex)),
            gc("strided dim 1", Args.of("dim", 1), s(3, 4),
                fixed(() -> Tensor.of(new long[][] {{3, 3}, {0, 1}}))),
            gc("0-d", Args.of("dim", 0), f(), fixed(() -> Tensor.scalar(0L)))));
    add(op("scatter", (in, a) -> x(in).scatter(a.i("dim"), y(in), in.get(2)))
        .covers("scatter(int,Tensor,Tensor)")
        .tol(Tol.EXACT).grad(scatterCases(false)).gradInputs(0, 2));
    add(op("scatter_value", (in, a) -> x(in).scatter(a.i("dim"), y(in), a.num("value")))
        .covers("scatter(int,Tensor,Number)").tol(Tol.EXACT)
        .grad(gc("plain", Args.of("dim", 0, "value", 2.5), f(3, 4), fixed(OpRegistry::scatterIndex)),
            gc("strided", Args.of("dim", 0, "value", 2.5), s(3, 4), fixed(OpRegistry::scatterIndex))));
    add(op("scatter_", (in, a) -> inPlace(x(in), d -> d.scatter_(a.i("dim"), y(in), in.get(2))))
        .covers("scatter_(int,Tensor,Tensor)").tol(Tol.EXACT).grad(scatterCases(false)).gradInputs(0, 2));
    add(op("scatter_add", (in, a) -> x(in).scatterAdd(a.i("dim"), y(in), in.get(2)))
        .covers("scatterAdd(int,Tensor,Tensor)").tol(Tol.REDUCTION).grad(scatterCases(true))
        .gradInputs(0, 2));
    add(op("scatter_add_", (in, a) -> inPlace(x(in), d -> d.scatterAdd_(a.i("dim"), y(in), in.get(2))))
        .covers("scatterAdd_(int,Tensor,Tensor)").tol(Tol.REDUCTION).grad(scatterCases(true))
        .gradInputs(0, 2));
    add(op("masked_fill", (in, a) -> x(in).maskedFill(y(in), a.num("value")))
        .covers("maskedFill(Tensor,Number)")
        .tol(Tol.EXACT).grad(maskCases()).gradArgs(Args.of("value", -1.5)));
    add(op("masked_fill_", (in, a) -> inPlace(x(in), d -> d.maskedFill_(y(in), a.num("value"))))
        .covers("maskedFill_(Tensor,Number)").tol(Tol.EXACT).grad(maskCases())
        .gradArgs(Args.of("value", -1.5)));
    add(op("masked_select", (in, a) -> x(in).maskedSelect(y(in))).covers("maskedSelect(Tensor)")
        .tol(Tol.EXACT).grad(maskCases()));
    add(op("where", (in, a) -> Tensor.where(x(in), y(in), in.get(2))).covers("where(Tensor,Tensor,Tensor)")
        .tol(Tol.EXACT).grad(
            gc("plain", fixed(OpRegistry::mask23), f(2, 3), f(2, 3)),
            gc("three shapes", fixed(() -> Tensor.of(new boolean[] {true, false, true}, 3, 1)),
                f(2, 1, 1), f(4)),
            gc("strided", fixed(OpRegistry::mask23), s(2, 3), s(3)),
            gc("0-d", fixed(() -> Tensor.of(new boolean[] {true}, new int[0])), f(), f())));
    add(op("where_scalar_other", (in, a) -> Tensor.where(x(in), y(in), a.num("value")))
        .covers("where(Tensor,Tensor,Number)").tol(Tol.EXACT).grad(whereScalarCases())
        .gradArgs(Args.of("value", 0.5)));
    add(op("where_scalar_self", (in, a) -> Tensor.where(x(in), a.num("value"), y(in)))
        .covers("where(Tensor,Number,Tensor)").tol(Tol.EXACT).grad(whereScalarCases())
        .gradArgs(Args.of("value", 0.5)));
    add(op("one_hot", (in, a) -> x(in).oneHot(a.i("num_classes"))).covers("oneHot(int)").tol(Tol.EXACT));
    add(op("take", (in, a) -> x(in).take(y(in))).covers("take(Tensor)").tol(Tol.EXACT).grad(
        gc("plain", f(2, 3), fixed(() -> Tensor.of(new long[][] {{5, -1}, {0, 5}}))),
        gc("strided", s(3, 4), fixed(() -> Tensor.of(new long[] {11, 0, 4}))),
        gc("0-d", f(), fixed(() -> Tensor.scalar(0L)))));

    // ---- creation (values against PyTorch's formulas) ---------------------------------------------
    add(op("arange", (in, a) -> {
      if (a.has("dtype")) {
        return Tensor.arange(a.d("start"), a.d("end"), a.d("step"), dtype(a));
      }
      if (!a.has("start")) {
        return Tensor.arange(a.l("end"));
      }
      return a.num("start") instanceof Long
          ? Tensor.arange(a.l("start"), a.l("end"), a.l("step"))
          : Tensor.arange(a.d("start"), a.d("end"), a.d("step"));
    }).covers("arange(long)", "arange(long,long,long)", "arange(double,double,double)",
        "arange(double,double,double,DType)").tol(Tol.EXACT));
    add(op("linspace", (in, a) -> a.has("dtype")
        ? Tensor.linspace(a.d("start"), a.d("end"), a.i("steps"), dtype(a))
        : Tensor.linspace(a.d("start"), a.d("end"), a.i("steps")))
        .covers("linspace(double,double,int)", "linspace(double,double,int,DType)").tol(Tol.ELEMENTWISE));
    add(op("eye", (in, a) -> a.has("m") ? Tensor.eye(a.i("n"), a.i("m"), dtype(a)) : Tensor.eye(a.i("n")))
        .covers("eye(int)", "eye(int,int,DType)").tol(Tol.EXACT));

    convolutions();
  }

  /** The optional bias of a convolution: its third input, when there is one. */
  private static Tensor bias(List<Tensor> in) {
    return in.size() > 2 ? in.get(2) : null;
  }

  /** A pooling stride: empty means PyTorch's default (the kernel size), passed as null. */
  private static int[] poolStride(Args a) {
    int[] s = a.ints("stride");
    return s.length == 0 ? null : s;
  }

  private static Args convArgs(int[] stride, int[] padding, int[] dilation, int groups) {
    return Args.of("stride", stride, "padding", padding, "dilation", dilation, "groups", groups);
  }

  private static Args poolArgs(int[] kernel, int[] stride, int[] padding, int[] dilation,
      boolean ceil) {
    return Args.of("kernel", kernel, "stride", stride, "padding", padding, "dilation", dilation,
        "ceil_mode", ceil);
  }

  private static int[] p(int... v) {
    return v;
  }

  /** Convolution and pooling ({@link Conv}): gradchecks of input, weight and bias. */
  private static void convolutions() {
    add(op("conv1d", (in, a) -> Conv.conv1d(x(in), y(in), bias(in), a.i("stride"), a.i("padding"),
        a.i("dilation"), a.i("groups")))
        .covers("Conv.conv1d(Tensor,Tensor,Tensor,int,int,int,int)").tol(Tol.REDUCTION)
        .grad(gc("plain", Args.of("stride", 1, "padding", 0, "dilation", 1, "groups", 1),
                f(2, 2, 5), f(3, 2, 3), f(3)),
            gc("strided, stride 2, pad, dilation, groups",
                Args.of("stride", 2, "padding", 1, "dilation", 2, "groups", 2),
                s(2, 4, 7), s(4, 2, 2), s(4)),
            gc("unbatched, no bias", Args.of("stride", 1, "padding", 1, "dilation", 1, "groups", 1),
                f(2, 4), f(3, 2, 2))));
    add(op("conv2d", (in, a) -> Conv.conv2d(x(in), y(in), bias(in), a.ints("stride"),
        a.ints("padding"), a.ints("dilation"), a.i("groups")))
        .covers("Conv.conv2d(Tensor,Tensor,Tensor,int[],int[],int[],int)").tol(Tol.REDUCTION)
        .grad(gc("plain", convArgs(p(1), p(0), p(1), 1), f(2, 2, 4, 4), f(3, 2, 3, 3), f(3)),
            gc("strided, non-square kernel, stride, pad, dilation",
                convArgs(p(2, 1), p(1, 0), p(1, 2), 1), s(2, 2, 5, 6), s(3, 2, 2, 3), s(3)),
            gc("groups 2", convArgs(p(1), p(1), p(1), 2), f(1, 4, 4, 3), f(4, 2, 2, 2), f(4)),
            gc("unbatched, no bias", convArgs(p(2), p(1), p(1), 1), f(2, 5, 4), f(2, 2, 3, 3)),
            // More than 64 rows of columns: the wide product instead of the per-sample one.
            gc("wide columns, strided", convArgs(p(1), p(1), p(1), 1), s(2, 8, 3, 4),
                s(2, 8, 3, 3), f(2))));
    add(op("conv2d_ints", (in, a) -> Conv.conv2d(x(in), y(in), bias(in), a.i("stride"),
        a.i("padding"), a.i("dilation"), a.i("groups")))
        .covers("Conv.conv2d(Tensor,Tensor,Tensor,int,int,int,int)").tol(Tol.REDUCTION)
        .grad(gc("plain", Args.of("stride", 1, "padding", 1, "dilation", 1, "groups", 1),
                f(2, 2, 4, 4), f(3, 2, 3, 3), f(3)),
            gc("strided, groups", Args.of("stride", 2, "padding", 0, "dilation", 2, "groups", 2),
                s(1, 4, 6, 6), s(2, 2, 2, 2))));
    add(op("conv_transpose2d", (in, a) -> Conv.convTranspose2d(x(in), y(in), bias(in),
        a.ints("stride"), a.ints("padding"), a.ints("output_padding"), a.i("groups"),
        a.ints("dilation")))
        .covers("Conv.convTranspose2d(Tensor,Tensor,Tensor,int[],int[],int[],int,int[])")
        .tol(Tol.REDUCTION)
        .grad(gc("plain", convArgs(p(1), p(0), p(1), 1).with(Args.of("output_padding", p(0))),
                f(2, 2, 3, 3), f(2, 3, 3, 3), f(3)),
            gc("strided, stride, pad, output padding",
                convArgs(p(2, 3), p(1, 0), p(1), 1).with(Args.of("output_padding", p(1, 2))),
                s(1, 2, 3, 2), s(2, 2, 3, 2), s(2)),
            gc("groups, dilation, no bias",
                convArgs(p(2), p(1), p(2, 1), 2).with(Args.of("output_padding", p(1, 0))),
                f(1, 4, 2, 3), f(4, 1, 2, 3))));
    List<GradCase> maxPoolCases = List.of(
        gc("2x2", poolArgs(p(2), p(), p(0), p(1), false), f(2, 2, 4, 4)),
        gc("strided, non-square, pad, dilation, ceil",
            poolArgs(p(3, 2), p(2, 1), p(1, 1), p(1, 2), true), s(1, 2, 6, 5)),
        gc("unbatched, overlapping", poolArgs(p(3), p(1), p(1), p(1), false), f(2, 4, 4)));
    add(op("max_pool2d", (in, a) -> Conv.maxPool2d(x(in), a.ints("kernel"), poolStride(a),
        a.ints("padding"), a.ints("dilation"), a.b("ceil_mode")))
        .covers("Conv.maxPool2d(Tensor,int[],int[],int[],int[],boolean)").tol(Tol.EXACT)
        .grad(maxPoolCases).domain(0, Domain.DISTINCT));
    add(opN("max_pool2d_with_indices", (in, a) -> {
      ValuesIndices vi = Conv.maxPool2dWithIndices(x(in), a.ints("kernel"), poolStride(a),
          a.ints("padding"), a.ints("dilation"), a.b("ceil_mode"));
      return both(vi);
    }).covers("Conv.maxPool2dWithIndices(Tensor,int[],int[],int[],int[],boolean)").tol(Tol.EXACT)
        .grad(maxPoolCases).domain(0, Domain.DISTINCT));
    add(op("avg_pool2d", (in, a) -> Conv.avgPool2d(x(in), a.ints("kernel"), poolStride(a),
        a.ints("padding"), a.b("ceil_mode"), a.b("count_include_pad"), a.i("divisor_override")))
        .covers("Conv.avgPool2d(Tensor,int[],int[],int[],boolean,boolean,int)").tol(Tol.REDUCTION)
        .grad(gc("2x2", Args.of("kernel", p(2), "stride", p(), "padding", p(0), "ceil_mode", false,
                "count_include_pad", true, "divisor_override", 0), f(2, 2, 4, 4)),
            gc("strided, pad, ceil, exclude pad", Args.of("kernel", p(3, 2), "stride", p(2, 1),
                "padding", p(1, 1), "ceil_mode", true, "count_include_pad", false,
                "divisor_override", 0), s(1, 2, 6, 5)),
            gc("unbatched, divisor override", Args.of("kernel", p(2), "stride", p(1),
                "padding", p(1), "ceil_mode", false, "count_include_pad", true,
                "divisor_override", 3), f(2, 3, 3))));
    add(op("adaptive_avg_pool2d", (in, a) -> Conv.adaptiveAvgPool2d(x(in), a.ints("output_size")))
        .covers("Conv.adaptiveAvgPool2d(Tensor,int[])").tol(Tol.REDUCTION)
        .grad(gc("overlapping", Args.of("output_size", p(3, 2)), f(2, 2, 5, 4)),
            gc("strided, upsampling", Args.of("output_size", p(4)), s(1, 2, 3, 3)),
            gc("unbatched", Args.of("output_size", p(2, 3)), f(2, 4, 5))));
  }

  private static void inplaceUnary(String name, String covers, UnaryOperator<Tensor> f, Domain d) {
    add(op(name, (in, a) -> inPlace(x(in), f)).covers(covers).grad(UNARY).domain(0, d));
  }

  /**
   * Runs an in-place op on {@link Layouts#dst}, a recorded copy of {@code x}, and returns that
   * copy, after checking that the op returned the tensor it wrote into.
   */
  private static Tensor inPlace(Tensor x, UnaryOperator<Tensor> op) {
    Tensor d = dst(x);
    if (op.apply(d) != d) {
      throw new AssertionError("an in-place op must return the tensor it wrote into");
    }
    return d;
  }

  private interface TensorCompare {
    Tensor apply(Tensor a, Tensor b);
  }

  private interface ScalarCompare {
    Tensor apply(Tensor a, Number b);
  }

  private static void compare(String name, TensorCompare t, ScalarCompare s) {
    add(op(name, (in, a) -> t.apply(x(in), y(in))).covers(name + "(Tensor)").tol(Tol.EXACT));
    add(op(name + "_scalar", (in, a) -> s.apply(x(in), a.num("value"))).covers(name + "(Number)")
        .tol(Tol.EXACT));
  }

  private static List<GradCase> extremeDim() {
    return List.of(gc("dim=1", Args.of("dim", 1, "keepdim", false), f(2, 3)),
        gc("dim=-1 keep strided", Args.of("dim", -1, "keepdim", true), s(3, 4)),
        gc("0-d", Args.of("dim", 0, "keepdim", false), f()));
  }

  private static List<GradCase> varianceCases() {
    return List.of(gc("all", f(2, 3)),
        gc("dims=[1] correction 0", Args.of("dims", new int[] {1}, "correction", 0, "keepdim", false),
            f(2, 3)),
        gc("dims=[0] keep strided", Args.of("dims", new int[] {0}, "correction", 1, "keepdim", true),
            s(3, 4)),
        gc("dims=[0,2]", Args.of("dims", new int[] {0, 2}, "correction", 1, "keepdim", false), f(2, 2, 2)));
  }

  private static List<GradCase> normCases() {
    List<GradCase> out = new ArrayList<>();
    out.add(gc("default", f(2, 3)));
    out.add(gc("default 0-d", f()));
    for (double p : new double[] {1, 2, 3, Double.POSITIVE_INFINITY, 0}) {
      out.add(gc("p=" + p + " dims=[1]", Args.of("p", p, "dims", new int[] {1}, "keepdim", false), f(2, 3)));
      out.add(gc("p=" + p + " all strided", Args.of("p", p, "dims", new int[0], "keepdim", true), s(3, 4)));
    }
    return out;
  }

  private static List<GradCase> addmmCases() {
    return List.of(gc("plain", f(2, 4), f(2, 3), f(3, 4)),
        gc("broadcast input", f(4), f(2, 3), f(3, 4)),
        gc("strided", s(2, 3), s(2, 2), s(2, 3)),
        gc("0-d input", f(), f(2, 2), f(2, 2)));
  }

  private static List<GradCase> expandCases() {
    return List.of(gc("plain", Args.of("shape", new int[] {2, 3, 4}), f(3, 1)),
        gc("strided", Args.of("shape", new int[] {2, 3, 4}), s(1, 4)),
        gc("0-d", Args.of("shape", new int[] {2, 3}), f()));
  }

  private static Tensor gatherIndex() {
    return Tensor.of(new long[][] {{0, 2, 1, 0}, {2, 2, 0, 1}, {1, 0, 0, 2}});
  }

  /** No target position repeats within a column (scatter's result would depend on the order). */
  private static Tensor scatterIndex() {
    return Tensor.of(new long[][] {{0, 2, 1, 0}, {2, 1, 0, 1}});
  }

  private static List<GradCase> scatterCases(boolean add) {
    if (add) {
      // Repeated targets accumulate.
      return List.of(
          gc("dim 0", Args.of("dim", 0), f(3, 4), fixed(OpRegistry::gatherIndex), f(3, 4)),
          gc("strided dim 1", Args.of("dim", 1), s(3, 4),
              fixed(() -> Tensor.of(new long[][] {{1, 1, 3}, {0, 0, 0}})), s(2, 3)));
    }
    return List.of(
        gc("dim 0", Args.of("dim", 0), f(3, 4), fixed(OpRegistry::scatterIndex), f(2, 4)),
        gc("strided dim 1", Args.of("dim", 1), s(3, 4),
            fixed(() -> Tensor.of(new long[][] {{3, 0}, {1, 2}})), s(2, 2)));
  }

  private static Tensor mask23() {
    return Tensor.of(new boolean[] {true, false, false, true, true, false}, 2, 3);
  }

  private static List<GradCase> maskCases() {
    return List.of(gc("plain", f(2, 3), fixed(OpRegistry::mask23)),
        gc("broadcast mask strided", s(4, 3), fixed(() -> Tensor.of(new boolean[] {false, true, true}))),
        gc("0-d", f(), fixed(() -> Tensor.of(new boolean[] {true}, new int[0]))));
  }

  private static List<GradCase> whereScalarCases() {
    return List.of(gc("plain", fixed(OpRegistry::mask23), f(2, 3)),
        gc("broadcast strided", fixed(() -> Tensor.of(new boolean[] {true, false}, 2, 1)), s(3)),
        gc("0-d", fixed(() -> Tensor.of(new boolean[] {false}, new int[0])), f()));
  }
}
