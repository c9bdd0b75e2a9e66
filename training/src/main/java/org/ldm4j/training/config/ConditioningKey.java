package org.ldm4j.training.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How the condition reaches the U-Net: the reference's {@code conditioning_key} ({@code DiffusionWrapper}).
 *
 * <pre>{@code
 * ConditioningKey.CROSSATTN.referenceName();     // "crossattn"
 * }</pre>
 */
public enum ConditioningKey {
    /** Unconditional ({@code None}; always so with {@code cond_stage_config: __is_unconditional__}). */
    NONE(null),
    /** Concatenated to the U-Net's input channels. */
    CONCAT("concat"),
    /** The context of the U-Net's cross-attention. */
    CROSSATTN("crossattn"),
    /** Both concatenation and cross-attention. */
    HYBRID("hybrid"),
    /** The U-Net's class input {@code y} (its {@code label_emb}). */
    ADM("adm");

    private final String referenceName;

    ConditioningKey(String referenceName) {
        this.referenceName = referenceName;
    }

    /** The reference's value, or null for {@link #NONE}. */
    public String referenceName() {
        return referenceName;
    }

    /** The YAML values of the conditioned keys. */
    static Map<String, ConditioningKey> options() {
        Map<String, ConditioningKey> m = new LinkedHashMap<>();
        for (ConditioningKey k : values()) {
            if (k.referenceName != null) {
                m.put(k.referenceName, k);
            }
        }
        return m;
    }
}
