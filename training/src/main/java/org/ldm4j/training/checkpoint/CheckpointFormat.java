package org.ldm4j.training.checkpoint;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.ldm4j.core.io.Json;

/**
 * The ldm4j checkpoint format, version 1: a safetensors file whose tensors keep their full names (the reference's
 * {@code model.diffusion_model.*}, {@code model_ema.*}, ...; ours for optimizer state) and whose metadata says how
 * the names split into groups.
 *
 * <pre>
 *   "format":               "pt"                      (what Hugging Face loaders expect of a torch-layout file)
 *   "ldm4j.format":         "ldm4j-checkpoint"
 *   "ldm4j.format_version": "1"
 *   "ldm4j.step":           "1000"
 *   "ldm4j.groups":         {"model":{"prefix":"","tensors":686},"ema":{"prefix":"model_ema.","tensors":688},...}
 *   "ldm4j.states":         {"rng":[key,counter],"loader":[mode,key,counter,position]}
 *   anything else:          the checkpoint's own metadata (config, ldm4j.version, ldm4j.created_at, seeds, ...)
 * </pre>
 *
 * A tensor belongs to the group with the longest prefix that its name starts with; prefixes are distinct, and a
 * checkpoint is only written when that rule gives every tensor back to the group it came from.
 */
final class CheckpointFormat {
    static final String TORCH_FORMAT_KEY = "format";
    static final String TORCH_FORMAT = "pt";
    static final String FORMAT_KEY = "ldm4j.format";
    static final String FORMAT_NAME = "ldm4j-checkpoint";
    static final String VERSION_KEY = "ldm4j.format_version";
    static final int VERSION = 1;
    static final String STEP_KEY = "ldm4j.step";
    static final String GROUPS_KEY = "ldm4j.groups";
    static final String STATES_KEY = "ldm4j.states";
    /** Keys the format manages; a checkpoint's own metadata may not use them. */
    static final Set<String> STRUCTURAL = Set.of(TORCH_FORMAT_KEY, FORMAT_KEY, VERSION_KEY, STEP_KEY, GROUPS_KEY,
            STATES_KEY);

    private CheckpointFormat() {
    }

    /** The safetensors metadata of a checkpoint: the structural entries first, then its own. */
    static Map<String, String> encode(long step, Map<String, Checkpoint.Group> groups, Map<String, long[]> states,
            Map<String, String> metadata) {
        Map<String, Object> groupJson = new LinkedHashMap<>();
        for (Map.Entry<String, Checkpoint.Group> g : groups.entrySet()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("prefix", g.getValue().prefix());
            entry.put("tensors", g.getValue().tensors().size());
            groupJson.put(g.getKey(), entry);
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(TORCH_FORMAT_KEY, TORCH_FORMAT);
        meta.put(FORMAT_KEY, FORMAT_NAME);
        meta.put(VERSION_KEY, Integer.toString(VERSION));
        meta.put(STEP_KEY, Long.toString(step));
        meta.put(GROUPS_KEY, Json.writeCompact(groupJson));
        meta.put(STATES_KEY, Json.writeCompact(states));
        meta.putAll(metadata);
        return meta;
    }

    /**
     * The group whose prefix is the longest one that {@code name} starts with, or null if none does.
     * {@code prefixes} maps group name to prefix.
     */
    static String owner(String name, Map<String, String> prefixes) {
        String best = null;
        int bestLength = -1;
        for (Map.Entry<String, String> g : prefixes.entrySet()) {
            String p = g.getValue();
            if (p.length() > bestLength && name.startsWith(p)) {
                best = g.getKey();
                bestLength = p.length();
            }
        }
        return best;
    }

    /** A group name: letters, digits, '_', '-' and '.', not empty. */
    static boolean validGroupName(String name) {
        return name != null && !name.isEmpty() && name.chars().allMatch(c -> c < 128
                && (Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '.'));
    }

    /** ldm4j's version from the build (the cli's version file), or "(development build)". */
    static String ldm4jVersion() {
        return org.ldm4j.training.Version.get();
    }
}
