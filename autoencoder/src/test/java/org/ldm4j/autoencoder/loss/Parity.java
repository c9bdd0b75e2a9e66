package org.ldm4j.autoencoder.loss;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.ldm4j.core.io.StateDict;
import org.ldm4j.core.tensor.Tensor;

/**
 * Comparisons against the ldm-losses fixtures with the tolerances their README suggests, each printed as a
 * {@code PARITY} line (name, max-abs error, tolerance, reference absmax) for the record.
 */
final class Parity {
    /** Scalars: relative to the reference value. */
    static final double SCALAR = 2e-6;
    /** Gradient tensors: relative to the reference's absmax. */
    static final double GRADIENT = 5e-6;
    /** Logit maps: relative to the reference's absmax. */
    static final double LOGITS = 1e-5;

    private Parity() {
    }

    static double absMax(Tensor t) {
        double m = 0;
        for (double v : t.toDoubleArray()) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /** A logged value against a scalar reference: |actual - ref| <= 2e-6 |ref|. */
    static double scalar(String name, double actual, Tensor ref) {
        double e = ref.item();
        double err = Math.abs(actual - e);
        double tol = SCALAR * Math.abs(e);
        report(name, err, tol, Math.abs(e));
        assertTrue(err <= tol, () -> name + ": got " + actual + ", reference " + e + " (error " + err + " > " + tol + ")");
        return err;
    }

    /**
     * A logged mean of a logit map (logits_real, logits_fake, g_loss): 2e-6 relative to the mean magnitude of the
     * summands, the scale of a sum's rounding error. The value itself can be much smaller (the validation step's
     * logits_real is 0.084 with mean |logit| 0.55), and relative to it float32 convolutions alone err by a few
     * 1e-6 (PyTorch's own float32: 3e-7; ours: 2.3e-6, printed as {@code rel-to-value}).
     */
    static double meanOfMap(String name, double actual, Tensor ref, Tensor mapRef) {
        double e = ref.item();
        double err = Math.abs(actual - e);
        double scale = 0;
        for (double v : mapRef.toDoubleArray()) {
            scale += Math.abs(v);
        }
        scale /= mapRef.numel();
        double tol = SCALAR * scale;
        report(name + String.format(" (rel-to-value %.1e)", err / Math.abs(e)), err, tol, Math.abs(e));
        assertTrue(err <= tol, () -> name + ": got " + actual + ", reference " + e + " (error " + err + " > " + tol + ")");
        return err;
    }

    static double scalar(String name, Tensor actual, Tensor ref) {
        return scalar(name, actual.item(), ref);
    }

    /** A tensor against a reference: max |actual - ref| <= rtol * absmax(ref). */
    static double tensor(String name, Tensor actual, Tensor ref, double rtol) {
        double err = actual.maxAbsDiff(ref);
        double am = absMax(ref);
        double tol = rtol * am;
        report(name, err, tol, am);
        assertTrue(err <= tol, () -> name + ": max-abs error " + err + " > " + tol + " (absmax " + am + ")");
        return err;
    }

    static void report(String name, double err, double tol, double absMax) {
        System.out.printf("PARITY %-48s maxabs %.3e  tol %.3e  absmax %.5g%n", name, err, tol, absMax);
    }

    /** The union of state dicts, in order. */
    static Map<String, Tensor> union(StateDict... parts) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (StateDict p : parts) {
            m.putAll(p.tensors());
        }
        return m;
    }
}
