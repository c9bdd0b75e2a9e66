package org.ldm4j.autoencoder;

import java.util.LinkedHashMap;
import java.util.Map;
import org.ldm4j.core.nn.LoadReport;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.tensor.Tensor;

/** Loading a trained first-stage checkpoint, which also carries the loss's {@code loss.*} entries. */
final class Checkpoints {
    static final String LOSS_PREFIX = "loss.";

    private Checkpoints() {
    }

    /** Strictly loads every entry of {@code stateDict} except the {@code loss.*} ones into {@code model}. */
    static LoadReport loadWithoutLoss(Module model, Map<String, Tensor> stateDict) {
        if (stateDict == null) {
            throw new IllegalArgumentException("stateDict: expected a map of tensors, got null");
        }
        Map<String, Tensor> own = new LinkedHashMap<>();
        stateDict.forEach((k, v) -> {
            if (!k.startsWith(LOSS_PREFIX)) {
                own.put(k, v);
            }
        });
        return model.load(own, true);
    }
}
