package org.ldm4j.conditioning.text.clip;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ldm4j.core.nn.LoadReport;
import org.ldm4j.core.nn.Module;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.core.tensor.Tensor;

/**
 * Strict loading of CLIP text weights out of a larger checkpoint: selects a prefix, drops the
 * {@code position_ids} buffer that older huggingface versions saved, and reports every mismatch with shapes.
 *
 * <pre>{@code
 * ClipCheckpoint.load(model, sd1Checkpoint, "cond_stage_model.", "transformer.text_model.embeddings.position_ids", 77);
 * }</pre>
 */
final class ClipCheckpoint {
    private ClipCheckpoint() {
    }

    static LoadReport load(Module target, Map<String, Tensor> tensors, String prefix, String positionIdsKey,
                           long maxPositions) {
        if (tensors == null) {
            throw new IllegalArgumentException("tensors: expected a map of tensors, got null");
        }
        if (prefix == null) {
            throw new IllegalArgumentException("prefix: expected a key prefix (\"\" for none), got null");
        }
        Map<String, Tensor> selected = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                selected.put(e.getKey().substring(prefix.length()), e.getValue());
            }
        }
        if (selected.isEmpty()) {
            List<String> some = new ArrayList<>(tensors.keySet()).subList(0, Math.min(3, tensors.size()));
            throw new IllegalArgumentException("tensors: no key starts with '" + prefix + "' (" + tensors.size()
                    + " keys, e.g. " + some + ")");
        }
        Tensor positionIds = selected.remove(positionIdsKey);
        if (positionIds != null && !(Shapes.equal(positionIds.shape(), new long[] {1, maxPositions})
                || Shapes.equal(positionIds.shape(), new long[] {maxPositions}))) {
            throw new IllegalArgumentException(prefix + positionIdsKey + ": expected [1, " + maxPositions + "], got "
                    + Shapes.str(positionIds.shape()));
        }
        Map<String, Tensor> expected = target.stateDict();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            Tensor src = selected.get(e.getKey());
            if (src == null) {
                problems.add("missing " + prefix + e.getKey() + " " + Shapes.str(e.getValue().shape()));
            } else if (!Shapes.equal(src.shape(), e.getValue().shape())) {
                problems.add(prefix + e.getKey() + ": expected " + Shapes.str(e.getValue().shape()) + ", got "
                        + Shapes.str(src.shape()));
            }
        }
        for (Map.Entry<String, Tensor> e : selected.entrySet()) {
            if (!expected.containsKey(e.getKey())) {
                problems.add("unexpected " + prefix + e.getKey() + " " + Shapes.str(e.getValue().shape()));
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("checkpoint: " + problems.size() + " key(s) do not match the CLIP "
                    + "text model (nothing was loaded): " + String.join("; ", problems));
        }
        return target.load(selected, true);
    }
}
