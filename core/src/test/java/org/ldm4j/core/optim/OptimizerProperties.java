package org.ldm4j.core.optim;

import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Scale;
import org.ldm4j.core.tensor.DType;
import org.ldm4j.core.tensor.Tensor;

class OptimizerProperties {

    /** Interrupting a run anywhere, saving and loading into a fresh optimizer changes nothing, bit for bit. */
    @Property(tries = 25)
    boolean adamWResumesBitwise(@ForAll @IntRange(min = 0, max = 6) int split,
                                @ForAll @DoubleRange(min = 0, max = 0.99) @Scale(3) double beta1,
                                @ForAll @DoubleRange(min = 0.5, max = 0.9999) @Scale(4) double beta2,
                                @ForAll @DoubleRange(min = 0, max = 0.5) @Scale(3) double weightDecay,
                                @ForAll @IntRange(min = 0, max = 1000) int seed) {
        Scenario sc = new Scenario(seed, 6, 0.02);
        AdamW straight = AdamW.builder(sc.params(DType.FLOAT64)).betas(beta1, beta2).weightDecay(weightDecay).build();
        sc.run(straight, 0, sc.steps());
        AdamW first = AdamW.builder(sc.params(DType.FLOAT64)).betas(beta1, beta2).weightDecay(weightDecay).build();
        sc.run(first, 0, split);
        Map<String, Tensor> saved = first.stateDict();
        AdamW resumed = AdamW.builder(sc.params(DType.FLOAT64, Scenario.values(first.params())))
                .betas(beta1, beta2).weightDecay(weightDecay).build();
        resumed.loadStateDict(saved);
        sc.run(resumed, split, sc.steps());
        double[][] a = Scenario.values(straight.params());
        double[][] b = Scenario.values(resumed.params());
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                if (Double.doubleToLongBits(a[i][j]) != Double.doubleToLongBits(b[i][j])) {
                    return false;
                }
            }
        }
        return resumed.stepCount() == straight.stepCount();
    }
}
