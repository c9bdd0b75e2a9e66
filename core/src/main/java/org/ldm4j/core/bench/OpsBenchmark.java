package org.ldm4j.core.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.ldm4j.core.autograd.Attention;
import org.ldm4j.core.autograd.Convolutions;
import org.ldm4j.core.autograd.GradMode;
import org.ldm4j.core.autograd.Normalizations;
import org.ldm4j.core.backend.Backend;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The op benchmark behind {@code ldm4j bench ops}: raw ND4J kernels and the same work through our autograd,
 * measured side by side in one run, so that the cost of the tape can be read as a ratio that machine noise
 * mostly cancels out of.
 *
 * <p>Sections, each with warm-up calls and then {@link Options#repetitions()} timed repetitions whose variants
 * are interleaved (see {@link Interleaved}); every figure is the median (and min, max) wall-clock time:
 * <ol>
 *   <li>{@code sgemm}: {@code Nd4j.gemm} of two 1024x1024 float matrices into a preallocated output, and GFLOP/s;
 *   <li>{@code conv2d}: 3x3, 64 -> 64, padding 1 on [8, 64, 32, 32]: the raw {@code conv2d} and {@code conv2d_bp}
 *       kernels with preallocated outputs, against {@link Convolutions#conv2d} forward and forward + backward
 *       (x, weight and bias requiring grad, one {@link MemoryScope} per call); the ratio autograd / raw of
 *       forward + backward is held to {@link #CONV_RATIO_TARGET};
 *   <li>{@code attention}: {@link Attention#scaledDotProduct} with Q, K, V [32, 1024, 64], scale 1/8, forward
 *       (no grad: inference) and forward + backward;
 *   <li>{@code group_norm}: {@link Normalizations#groupNorm} on [8, 128, 32, 32], 32 groups, eps 1e-6, forward
 *       (no grad) and forward + backward;
 *   <li>{@code tiny_op}: {@code a.add(b)} on 4-element tensors with grad on (records a node) and off, against
 *       ND4J's allocating {@code x.add(y)}, in microseconds per op; the difference is the per-op overhead of the
 *       tape, held to {@link #TINY_OP_OVERHEAD_TARGET_US}.
 * </ol>
 *
 * <p>Forward passes that are timed alone run without grad where the op saves arrays for backward (attention's
 * probabilities, GroupNorm's statistics): a graph that is never walked keeps those until the garbage collector
 * finds it, which a 30-repetition loop would turn into gigabytes. conv2d saves nothing, so its forward is timed
 * with grad on, as training runs it.
 *
 * <pre>{@code
 * Map<String, Object> result = new OpsBenchmark(OpsBenchmark.Options.defaults(), System.err::println).run();
 * Map<String, Object> summary = (Map<String, Object>) result.get("summary");
 * System.out.println(summary.get("conv2d_autograd_over_raw"));    // e.g. 1.04
 * }</pre>
 */
public final class OpsBenchmark {
    /** conv2d forward + backward through the autograd may take at most this many times the raw kernels. */
    public static final double CONV_RATIO_TARGET = 1.3;
    /** The most one tiny recorded op may cost beyond ND4J's own allocating op, in microseconds. */
    public static final double TINY_OP_OVERHEAD_TARGET_US = 20;

    private static final int TINY_BLOCK = 1000;

    /**
     * How long to measure.
     *
     * <pre>{@code
     * OpsBenchmark.Options o = OpsBenchmark.Options.defaults().withRepetitions(50);   // a careful run
     * }</pre>
     *
     * @param repetitions timed repetitions of every variant (sgemm, conv2d, attention, GroupNorm)
     * @param warmup untimed calls of every variant before timing
     * @param tinyOpIterations tiny ops timed per variant, in blocks of 1000
     * @param quick a marker for reports: the run was a short smoke run, not a measurement
     */
    public record Options(int repetitions, int warmup, int tinyOpIterations, boolean quick) {
        public Options {
            if (repetitions < 1) {
                throw new IllegalArgumentException("repetitions: expected >= 1, got " + repetitions);
            }
            if (warmup < 0) {
                throw new IllegalArgumentException("warmup: expected >= 0, got " + warmup);
            }
            if (tinyOpIterations < 1) {
                throw new IllegalArgumentException("tinyOpIterations: expected >= 1, got " + tinyOpIterations);
            }
        }

        /** 30 repetitions after 5 warm-up calls, 200k tiny ops: a few minutes on 2 cores. */
        public static Options defaults() {
            return new Options(30, 5, 200_000, false);
        }

        /** A smoke run (seconds): 3 repetitions, 1 warm-up call, 5k tiny ops. Its timings mean little. */
        public static Options quickRun() {
            return new Options(3, 1, 5_000, true);
        }

        public Options withRepetitions(int n) {
            return new Options(n, warmup, tinyOpIterations, quick);
        }

        public Options withWarmup(int n) {
            return new Options(repetitions, n, tinyOpIterations, quick);
        }

        public Options withTinyOpIterations(int n) {
            return new Options(repetitions, warmup, n, quick);
        }
    }

    private final Options options;
    private final Consumer<String> progress;

    /** {@code progress} receives one line per step (the CLI prints them on stderr). */
    public OpsBenchmark(Options options, Consumer<String> progress) {
        this.options = options;
        this.progress = progress == null ? s -> { } : progress;
    }

    /**
     * Runs every section and returns the report: nested maps, lists, strings, numbers and booleans, in a
     * stable key order, ready for a JSON writer.
     */
    public Map<String, Object> run() {
        Backend.init();
        long start = System.nanoTime();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("benchmark", "ops");
        out.put("backend", Backend.describe());
        Map<String, Object> env = new LinkedHashMap<>();
        for (String name : List.of("OMP_NUM_THREADS", "OPENBLAS_CORETYPE", "MALLOC_MMAP_THRESHOLD_")) {
            env.put(name, System.getenv(name));
        }
        out.put("environment", env);
        out.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        out.put("quick", options.quick());
        out.put("repetitions", options.repetitions());
        out.put("warmup", options.warmup());
        out.put("method", "wall-clock time per call; variants of a section interleaved in rotating order within "
                + "each repetition; median, min and max over repetitions");
        out.put("sgemm", sgemm());
        Map<String, Object> conv = conv2d();
        out.put("conv2d", conv);
        out.put("attention", attention());
        out.put("group_norm", groupNorm());
        Map<String, Object> tiny = tinyOp();
        out.put("tiny_op", tiny);

        Map<String, Object> summary = new LinkedHashMap<>();
        double ratio = (Double) conv.get("autograd_over_raw_forward_backward");
        double overhead = (Double) tiny.get("overhead_us");
        summary.put("conv2d_autograd_over_raw", ratio);
        summary.put("conv2d_target", CONV_RATIO_TARGET);
        summary.put("conv2d_within_target", ratio <= CONV_RATIO_TARGET);
        summary.put("tiny_op_overhead_us", overhead);
        summary.put("tiny_op_overhead_target_us", TINY_OP_OVERHEAD_TARGET_US);
        summary.put("tiny_op_within_target", overhead < TINY_OP_OVERHEAD_TARGET_US);
        out.put("summary", summary);
        out.put("elapsed_s", Interleaved.round((System.nanoTime() - start) / 1e9));
        return out;
    }

    // ---------------------------------------------------------------- 1. sgemm

    private Map<String, Object> sgemm() {
        int n = 1024;
        progress.accept("sgemm " + n + "^3 ...");
        try (MemoryScope scope = MemoryScope.open()) {
            Rng rng = new Rng(1);
            INDArray a = rng.normal(n, n).array();
            INDArray b = rng.normal(n, n).array();
            INDArray c = Tensor.zeros(n, n).array();
            Interleaved t = timer().add("gemm", () -> Nd4j.gemm(a, b, c, false, false, 1.0, 0.0)).run();
            double flop = 2.0 * n * n * n;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("shape", List.of(n, n, n));
            m.putAll(t.statsMs("gemm"));
            m.put("gflops_median", gflops(flop, t.median("gemm")));
            m.put("gflops_best", gflops(flop, t.min("gemm")));
            progress.accept(String.format(Locale.ROOT, "sgemm: median %.2f ms, %.0f GFLOP/s", t.median("gemm"),
                    gflops(flop, t.median("gemm"))));
            return m;
        }
    }

    // ---------------------------------------------------------------- 2. conv2d

    private Map<String, Object> conv2d() {
        long[] xs = {8, 64, 32, 32};
        long[] ws = {64, 64, 3, 3};
        progress.accept("conv2d [8, 64, 32, 32] 3x3 64->64 pad 1: raw kernels vs autograd ...");
        try (MemoryScope scope = MemoryScope.open()) {
            Rng rng = new Rng(2);
            Tensor x = rng.normal(xs).requiresGrad(true);
            Tensor w = rng.normal(ws).requiresGrad(true);
            Tensor b = rng.normal(ws[0]).requiresGrad(true);
            Tensor gradOut = rng.normal(xs);
            // raw: the kernels Convolutions.conv2d runs, into outputs allocated once
            // iArgs kH, kW, sH, sW, pH, pW, dH, dW, paddingMode (0 explicit), dataFormat (0 NCHW), wFormat (1 OIHW)
            int[] args = {3, 3, 1, 1, 1, 1, 1, 1, 0, 0, 1};
            INDArray xa = x.array();
            INDArray wa = w.array();
            INDArray ba = b.array();
            INDArray go = gradOut.array();
            INDArray y = Tensor.zeros(xs).array();
            INDArray gi = Tensor.zeros(xs).array();
            INDArray gw = Tensor.zeros(ws).array();
            INDArray gb = Tensor.zeros(ws[0]).array();
            Runnable rawForward = () -> Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(xa, wa, ba)
                    .addOutputs(y).addIntegerArguments(args).build());
            Runnable rawBackward = () -> Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(xa, wa, ba, go)
                    .addOutputs(gi, gw, gb).addIntegerArguments(args).build());
            Interleaved t = timer()
                    .add("raw_forward", rawForward)
                    .add("raw_backward", rawBackward)
                    .add("raw_forward_backward", () -> {
                        rawForward.run();
                        rawBackward.run();
                    })
                    .add("autograd_forward", () -> {
                        try (MemoryScope s = MemoryScope.open()) {
                            Convolutions.conv2d(x, w, b, 1, 1);
                        }
                    })
                    .add("autograd_forward_backward", () -> {
                        try (MemoryScope s = MemoryScope.open()) {
                            zeroGrad(x, w, b);
                            Convolutions.conv2d(x, w, b, 1, 1).backward(gradOut);
                        }
                    })
                    .run();
            releaseGrads(x, w, b);

            double flopForward = 2.0 * xs[0] * ws[0] * xs[2] * xs[3] * ws[1] * ws[2] * ws[3];
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("input", List.of(xs[0], xs[1], xs[2], xs[3]));
            m.put("weight", List.of(ws[0], ws[1], ws[2], ws[3]));
            m.put("stride", 1);
            m.put("padding", 1);
            m.put("requires_grad", List.of("x", "weight", "bias"));
            for (String v : List.of("raw_forward", "raw_backward", "raw_forward_backward", "autograd_forward",
                    "autograd_forward_backward")) {
                Map<String, Object> s = t.statsMs(v);
                double flop = v.endsWith("forward_backward") ? 3 * flopForward
                        : v.endsWith("backward") ? 2 * flopForward : flopForward;
                s.put("gflops_median", gflops(flop, t.median(v)));
                m.put(v, s);
            }
            double ratio = t.median("autograd_forward_backward") / t.median("raw_forward_backward");
            m.put("autograd_over_raw_forward", Interleaved.round(t.median("autograd_forward")
                    / t.median("raw_forward")));
            m.put("autograd_over_raw_forward_backward", Interleaved.round(ratio));
            m.put("autograd_over_raw_forward_backward_paired",
                    Interleaved.round(t.pairedRatio("autograd_forward_backward", "raw_forward_backward")));
            m.put("target", CONV_RATIO_TARGET);
            m.put("within_target", ratio <= CONV_RATIO_TARGET);
            progress.accept(String.format(Locale.ROOT, "conv2d: raw fwd+bwd %.2f ms, autograd fwd+bwd %.2f ms, "
                    + "ratio %.3f", t.median("raw_forward_backward"), t.median("autograd_forward_backward"), ratio));
            return m;
        }
    }

    // ---------------------------------------------------------------- 3. attention

    private Map<String, Object> attention() {
        long[] shape = {32, 1024, 64};
        double scale = 1.0 / 8;
        progress.accept("attention Q, K, V [32, 1024, 64] ...");
        try (MemoryScope scope = MemoryScope.open()) {
            Rng rng = new Rng(3);
            Tensor q = rng.normal(shape).requiresGrad(true);
            Tensor k = rng.normal(shape).requiresGrad(true);
            Tensor v = rng.normal(shape).requiresGrad(true);
            Tensor gradOut = rng.normal(shape);
            Interleaved t = timer()
                    .add("forward_nograd", () -> {
                        try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
                            Attention.scaledDotProduct(q, k, v, null, scale);
                        }
                    })
                    .add("forward_backward", () -> {
                        try (MemoryScope s = MemoryScope.open()) {
                            zeroGrad(q, k, v);
                            Attention.scaledDotProduct(q, k, v, null, scale).backward(gradOut);
                        }
                    })
                    .run();
            releaseGrads(q, k, v);
            // one [T, D] x [D, T] product per batch entry: 2 * B * T * T * D; forward 2 of them, backward 4
            double mm = 2.0 * shape[0] * shape[1] * shape[1] * shape[2];
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("q_k_v", List.of(shape[0], shape[1], shape[2]));
            m.put("scale", scale);
            Map<String, Object> f = t.statsMs("forward_nograd");
            f.put("gflops_median", gflops(2 * mm, t.median("forward_nograd")));
            m.put("forward_nograd", f);
            Map<String, Object> fb = t.statsMs("forward_backward");
            fb.put("gflops_median", gflops(6 * mm, t.median("forward_backward")));
            m.put("forward_backward", fb);
            progress.accept(String.format(Locale.ROOT, "attention: forward %.1f ms, forward+backward %.1f ms",
                    t.median("forward_nograd"), t.median("forward_backward")));
            return m;
        }
    }

    // ---------------------------------------------------------------- 4. GroupNorm

    private Map<String, Object> groupNorm() {
        long[] shape = {8, 128, 32, 32};
        int groups = 32;
        double eps = 1e-6;
        progress.accept("GroupNorm [8, 128, 32, 32], 32 groups ...");
        try (MemoryScope scope = MemoryScope.open()) {
            Rng rng = new Rng(4);
            Tensor x = rng.normal(shape).requiresGrad(true);
            Tensor w = rng.normal(shape[1]).requiresGrad(true);
            Tensor b = rng.normal(shape[1]).requiresGrad(true);
            Tensor gradOut = rng.normal(shape);
            Interleaved t = timer()
                    .add("forward_nograd", () -> {
                        try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
                            Normalizations.groupNorm(x, groups, w, b, eps);
                        }
                    })
                    .add("forward_backward", () -> {
                        try (MemoryScope s = MemoryScope.open()) {
                            zeroGrad(x, w, b);
                            Normalizations.groupNorm(x, groups, w, b, eps).backward(gradOut);
                        }
                    })
                    .run();
            releaseGrads(x, w, b);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("input", List.of(shape[0], shape[1], shape[2], shape[3]));
            m.put("groups", groups);
            m.put("eps", eps);
            m.put("forward_nograd", t.statsMs("forward_nograd"));
            m.put("forward_backward", t.statsMs("forward_backward"));
            progress.accept(String.format(Locale.ROOT, "GroupNorm: forward %.2f ms, forward+backward %.2f ms",
                    t.median("forward_nograd"), t.median("forward_backward")));
            return m;
        }
    }

    // ---------------------------------------------------------------- 5. tiny op overhead

    private Map<String, Object> tinyOp() {
        int block = Math.min(TINY_BLOCK, options.tinyOpIterations());
        int blocks = (options.tinyOpIterations() + block - 1) / block;
        int warmupBlocks = Math.max(options.warmup(), blocks / 10);   // >= 20k calls: the JIT has compiled the path
        progress.accept(String.format(Locale.ROOT, "tiny op: %d x a.add(b) on [4] per variant ...", blocks * block));
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 4).requiresGrad(true);
            Tensor b = Tensor.of(new float[] {5, 6, 7, 8}, 4);
            INDArray xa = a.array();
            INDArray ya = b.array();
            Interleaved t = new Interleaved(warmupBlocks, blocks)
                    .add("raw_add", () -> {
                        for (int i = 0; i < block; i++) {
                            xa.add(ya).close();
                        }
                    })
                    .add("autograd_add_grad", () -> {
                        try (MemoryScope s = MemoryScope.open()) {   // frees the block's outputs, as a step would
                            for (int i = 0; i < block; i++) {
                                a.add(b);
                            }
                        }
                    })
                    .add("autograd_add_nograd", () -> {
                        try (GradMode.Scope g = GradMode.disabled(); MemoryScope s = MemoryScope.open()) {
                            for (int i = 0; i < block; i++) {
                                a.add(b);
                            }
                        }
                    })
                    .run();
            double raw = t.median("raw_add") / block * 1000;
            double grad = t.median("autograd_add_grad") / block * 1000;
            double nograd = t.median("autograd_add_nograd") / block * 1000;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("elements", 4);
            m.put("iterations", blocks * block);
            m.put("block", block);
            m.put("raw_add", t.stats("raw_add", block, 1000, "us"));
            m.put("autograd_add_grad", t.stats("autograd_add_grad", block, 1000, "us"));
            m.put("autograd_add_nograd", t.stats("autograd_add_nograd", block, 1000, "us"));
            m.put("overhead_us", Interleaved.round(grad - raw));
            m.put("overhead_nograd_us", Interleaved.round(nograd - raw));
            m.put("target_us", TINY_OP_OVERHEAD_TARGET_US);
            m.put("within_target", grad - raw < TINY_OP_OVERHEAD_TARGET_US);
            progress.accept(String.format(Locale.ROOT, "tiny op: raw %.2f us, grad %.2f us, no grad %.2f us",
                    raw, grad, nograd));
            return m;
        }
    }

    // ---------------------------------------------------------------- helpers

    private Interleaved timer() {
        return new Interleaved(options.warmup(), options.repetitions());
    }

    private static double gflops(double flop, double millis) {
        return Interleaved.round(flop / (millis * 1e6));
    }

    private static void zeroGrad(Tensor... ts) {
        for (Tensor t : ts) {
            t.zeroGrad();
        }
    }

    /** Leaves' gradient buffers live outside every scope: free them when a section ends. */
    private static void releaseGrads(Tensor... ts) {
        for (Tensor t : ts) {
            Tensor g = t.grad();
            if (g != null) {
                MemoryScope.release(g.array());
            }
        }
    }
}
