package org.ldm4j.core.autograd;

import static org.ldm4j.core.autograd.Ops.grads;
import static org.ldm4j.core.autograd.Ops.result;
import static org.ldm4j.core.autograd.Ops.sumTo;

import java.util.Arrays;
import org.ldm4j.core.tensor.NdArrays;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.floating.RSqrt;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Elementwise arithmetic with numpy broadcasting, and elementwise math, each with its backward rule.
 *
 * <pre>{@code
 * Tensor y = Arithmetic.mul(x, w);   // [8, 64, 4, 4] * [1, 64, 1, 1]; same as x.mul(w)
 * }</pre>
 */
public final class Arithmetic {
    private Arithmetic() {
    }

    private static long[] checkBinary(String op, Tensor a, Tensor b) {
        Shapes.checkSameDType(op, a, b);
        Shapes.checkFloating(op, a);
        return Shapes.broadcast(op, a.shape(), b.shape());
    }

    private enum Kind { ADD, SUB, MUL, DIV }

    /**
     * {@code a op b} with numpy broadcasting. ND4J sizes the result after its first operand when that one has a
     * single element ([1,1,1] * [2] fails), so the operand with the result's shape goes first, reversing the op
     * where needed, and only when neither has it is one expanded.
     */
    private static INDArray broadcastOp(Kind k, INDArray a, INDArray b, long[] out) {
        if (!Arrays.equals(a.shape(), out)) {
            if (Arrays.equals(b.shape(), out)) {
                switch (k) {
                    case ADD: return b.add(a);
                    case SUB: return b.rsub(a);
                    case MUL: return b.mul(a);
                    default: return b.rdiv(a);
                }
            }
            INDArray ae = NdArrays.broadcastTo(a, out);
            INDArray r = broadcastOp(k, ae, b, out);
            Ops.free(ae);
            return r;
        }
        switch (k) {
            case ADD: return a.add(b);
            case SUB: return a.sub(b);
            case MUL: return a.mul(b);
            default: return a.div(b);
        }
    }

    /** {@code -r}, in place when {@code r} is a fresh reduction rather than {@code g} itself or a view of it. */
    private static INDArray negated(INDArray r, INDArray g) {
        return Ops.rootBuffer(r) == Ops.rootBuffer(g) ? r.neg() : r.negi();
    }


    public static Tensor add(Tensor a, Tensor b) {
        long[] out = checkBinary("add", a, b);
        long[] sa = a.shape();
        long[] sb = b.shape();
        return result("add", broadcastOp(Kind.ADD, a.array(), b.array(), out),
                g -> grads(a.requiresGrad() ? sumTo(g, sa) : null, b.requiresGrad() ? sumTo(g, sb) : null), a, b);
    }

    public static Tensor sub(Tensor a, Tensor b) {
        long[] out = checkBinary("sub", a, b);
        long[] sa = a.shape();
        long[] sb = b.shape();
        return result("sub", broadcastOp(Kind.SUB, a.array(), b.array(), out),
                g -> grads(a.requiresGrad() ? sumTo(g, sa) : null, b.requiresGrad() ? negated(sumTo(g, sb), g) : null), a, b);
    }

    public static Tensor mul(Tensor a, Tensor b) {
        long[] out = checkBinary("mul", a, b);
        long[] sa = a.shape();
        long[] sb = b.shape();
        return result("mul", broadcastOp(Kind.MUL, a.array(), b.array(), out), g -> grads(
                a.requiresGrad() ? Ops.sumToFreeing(broadcastOp(Kind.MUL, g, b.array(), out), sa) : null,
                b.requiresGrad() ? Ops.sumToFreeing(broadcastOp(Kind.MUL, g, a.array(), out), sb) : null), a, b);
    }

    public static Tensor div(Tensor a, Tensor b) {
        long[] out = checkBinary("div", a, b);
        long[] sa = a.shape();
        long[] sb = b.shape();
        return result("div", broadcastOp(Kind.DIV, a.array(), b.array(), out), g -> {
            INDArray ga = broadcastOp(Kind.DIV, g, b.array(), out);
            INDArray gb = null;
            if (b.requiresGrad()) {
                // d(a/b)/db = -a / b^2 = -(g/b) * a / b
                INDArray t = broadcastOp(Kind.MUL, ga, a.array(), out);
                gb = Ops.sumToFreeing(t.divi(b.array()).negi(), sb);
            }
            if (!a.requiresGrad()) {
                Ops.free(ga);
                return grads(null, gb);
            }
            return grads(Ops.sumToFreeing(ga, sa), gb);
        }, a, b);
    }

    public static Tensor addScalar(Tensor x, double s) {
        Shapes.checkFloating("add", x);
        return result("addScalar", x.array().add(s), g -> grads(g), x);
    }

    public static Tensor mulScalar(Tensor x, double s) {
        Shapes.checkFloating("mul", x);
        return result("mulScalar", x.array().mul(s), g -> grads(g.mul(s)), x);
    }

    public static Tensor neg(Tensor x) {
        Shapes.checkFloating("neg", x);
        return result("neg", x.array().neg(), g -> grads(g.neg()), x);
    }

    /** {@code x^p} for a constant exponent. */
    public static Tensor pow(Tensor x, double p) {
        Shapes.checkFloating("pow", x);
        INDArray xa = x.array();
        INDArray y = p == 2 ? xa.mul(xa) : Transforms.pow(xa, p, true);
        return result("pow", y, g -> {
            if (p == 2) {
                return grads(g.mul(xa).muli(2));
            }
            return grads(Transforms.pow(xa, p - 1, true).muli(g).muli(p));
        }, x);
    }

    public static Tensor exp(Tensor x) {
        Shapes.checkFloating("exp", x);
        INDArray y = Transforms.exp(x.array(), true);
        return result("exp", y, g -> grads(g.mul(y)), x);
    }

    public static Tensor log(Tensor x) {
        Shapes.checkFloating("log", x);
        INDArray xa = x.array();
        return result("log", Transforms.log(xa, true), g -> grads(g.div(xa)), x);
    }

    public static Tensor sqrt(Tensor x) {
        Shapes.checkFloating("sqrt", x);
        INDArray y = Transforms.sqrt(x.array(), true);
        return result("sqrt", y, g -> grads(g.div(y).muli(0.5)), x);
    }

    /** {@code 1 / sqrt(x)}. */
    public static Tensor rsqrt(Tensor x) {
        Shapes.checkFloating("rsqrt", x);
        INDArray xa = x.array();
        INDArray y = Nd4j.createUninitialized(xa.dataType(), xa.shape());
        Nd4j.exec(new RSqrt(xa, y));
        // d x^(-1/2) = -1/2 x^(-3/2) = -1/2 y^3
        return result("rsqrt", y, g -> grads(y.mul(y).muli(y).muli(g).muli(-0.5)), x);
    }

    public static Tensor abs(Tensor x) {
        Shapes.checkFloating("abs", x);
        INDArray xa = x.array();
        return result("abs", Transforms.abs(xa, true), g -> grads(Transforms.sign(xa, true).muli(g)), x);
    }

    public static Tensor sin(Tensor x) {
        Shapes.checkFloating("sin", x);
        INDArray xa = x.array();
        return result("sin", Transforms.sin(xa, true), g -> grads(Transforms.cos(xa, true).muli(g)), x);
    }

    public static Tensor cos(Tensor x) {
        Shapes.checkFloating("cos", x);
        INDArray xa = x.array();
        return result("cos", Transforms.cos(xa, true), g -> grads(Transforms.sin(xa, true).muli(g).negi()), x);
    }

    /** Limits values to [min, max]; the gradient passes where {@code min <= x <= max}, as PyTorch's does. */
    public static Tensor clamp(Tensor x, double min, double max) {
        Shapes.checkFloating("clamp", x);
        if (min > max) {
            throw new IllegalArgumentException("clamp: expected min <= max, got min " + min + " > max " + max);
        }
        INDArray xa = x.array();
        INDArray y = Transforms.max(Transforms.min(xa, max, true), min, false);
        return result("clamp", y, g -> {
            INDArray below = Ops.mask(xa.lte(max), xa.dataType());
            INDArray inside = Ops.mask(xa.gte(min), xa.dataType()).muli(below).muli(g);
            Ops.free(below);
            return grads(inside);
        }, x);
    }
}
