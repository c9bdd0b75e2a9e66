package org.ldm4j.core.autograd;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.ldm4j.core.autograd.Losses.Reduction;
import org.ldm4j.core.backend.Backend;
import org.ldm4j.core.random.Rng;
import org.ldm4j.core.tensor.MemoryScope;
import org.ldm4j.core.tensor.Tensor;

/**
 * Every op frees its temporaries: forward and backward of each op, 100 times over 1 MB inputs inside a memory
 * scope, must not grow the process (one forgotten temporary per step would add 100 MB). Needs an allocator
 * that returns freed memory at once (see Backend).
 */
class OpMemoryTest {

    @Test
    void opsReleaseEverythingTheyAllocate() {
        assumeTrue(Backend.returnsFreedMemoryPromptly(), "resident memory only measures live arrays where freed memory "
                + "is returned at once (jemalloc, or glibc tuned by Backend); allocator: " + Backend.allocator());
        Rng rng = new Rng(1);
        Tensor x = rng.normal(8, 32, 32, 32).requiresGrad(true);                     // 1 MB
        Tensor xt = x.detach().transpose(2, 3).requiresGrad(true);                  // non-contiguous input
        Tensor w = rng.normal(32, 32, 3, 3).mul(0.05).detach().requiresGrad(true);
        Tensor ch = rng.normal(32).requiresGrad(true);
        Tensor row = rng.normal(32, 1, 1).requiresGrad(true);
        Tensor lw = rng.normal(32, 32).mul(0.1).detach().requiresGrad(true);
        Tensor q = rng.normal(8, 256, 32).requiresGrad(true);
        Tensor table = rng.normal(1000, 64).requiresGrad(true);
        Tensor idx = rng.randint(0, 1000, 4096);
        Tensor target = rng.uniform(org.ldm4j.core.tensor.DType.FLOAT32, 0, 1, 8, 32, 32, 32);
        Map<String, Supplier<Tensor>> ops = new LinkedHashMap<>();
        ops.put("add/mul/div broadcast", () -> x.add(row).mul(row).div(row.abs().add(1.0)).sub(row));
        ops.put("unary math", () -> x.exp().add(x.abs()).add(x.square()).add(x.sin()).add(x.clamp(-1, 1)));
        ops.put("activations", () -> x.silu().add(x.gelu()).add(x.sigmoid()).add(x.tanh()).add(x.relu()));
        ops.put("softmax", () -> x.softmax(3).add(x.logSoftmax(1)));
        ops.put("reductions", () -> x.mean(true, 2, 3).add(x.var(false, true, 1)).add(x.max(true, 3)).sum());
        ops.put("shapes", () -> ShapeOps.concat(1, x.slice(1, 0, 16), xt.slice(1, 16, 32)).permute(0, 2, 3, 1)
                .reshape(8, -1).add(ShapeOps.pad(x, 0, 1, 1, 1, 1).slice(2, 1, 33).slice(3, 1, 33).reshape(8, -1)));
        ops.put("conv2d", () -> Convolutions.conv2d(x, w, ch, 1, 1).add(Convolutions.conv2d(xt, w, null, 2, 1).sum()));
        ops.put("pool/upsample", () -> Convolutions.upsampleNearest(Convolutions.avgPool2d(xt, 2, 2, 0), 2)
                .add(Convolutions.upsampleNearest(Convolutions.maxPool2d(x, 2, 2, 0), 2)));
        ops.put("groupNorm", () -> Normalizations.groupNorm(xt, 8, ch, ch, 1e-6));
        ops.put("layerNorm", () -> Normalizations.layerNorm(x, ch, ch, 1e-5));
        ops.put("batchNorm", () -> Normalizations.batchNorm(xt, ch, ch, Tensor.zeros(32), Tensor.ones(32), true, 0.1, 1e-5));
        ops.put("linear/matmul", () -> LinearAlgebra.linear(xt, lw, ch).add(x.matmul(xt)));
        ops.put("attention", () -> Attention.scaledDotProduct(q, q, q, null, 0.2));
        ops.put("embedding/where", () -> Indexing.embedding(table, idx).sum().add(
                Indexing.where(x.detach().relu(), x, Tensor.scalar(-1.0)).sum()));
        ops.put("losses", () -> Losses.l1(x, target, Reduction.MEAN).add(Losses.mse(x, target, Reduction.SUM))
                .add(Losses.bceWithLogits(x, target, Reduction.MEAN)));
        ops.put("dropout", () -> RandomOps.dropout(x, 0.3, new Rng(2)));
        StringBuilder report = new StringBuilder();
        boolean ok = true;
        for (Map.Entry<String, Supplier<Tensor>> e : ops.entrySet()) {
            long growth = growth(e.getValue(), x, xt, w, ch, row, lw, q, table);
            report.append(String.format("%n  %-22s %6.1f MB", e.getKey(), growth / 1048576.0));
            ok &= growth < 40L << 20;
        }
        assertTrue(ok, "resident memory grew over 100 steps:" + report);
    }

    private static long growth(Supplier<Tensor> op, Tensor... leaves) {
        for (int i = 0; i < 120; i++) {
            try (MemoryScope s = MemoryScope.open()) {
                Tensor y = op.get();
                y.backward(y.onesLike());
                for (Tensor l : leaves) {
                    l.zeroGrad();
                }
            }
            if (i == 19) {
                before[0] = Pointer.physicalBytes();
            }
        }
        return Pointer.physicalBytes() - before[0];
    }

    private static final long[] before = new long[1];
}
