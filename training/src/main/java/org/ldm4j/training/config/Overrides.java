package org.ldm4j.training.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ldm4j.training.config.ConfigNode.ListNode;
import org.ldm4j.training.config.ConfigNode.MapNode;
import org.ldm4j.training.config.ConfigNode.Origin;

/**
 * Command-line overrides {@code key.path=value}, applied to a tree before it is mapped, as the reference's
 * {@code main.py} merges its dot-list arguments into the config:
 * {@code model.params.unet_config.params.model_channels=64}, {@code data.params.batch_size=8},
 * {@code model.params.unet_config.params.channel_mult=[1,2,2]},
 * {@code model.params.unet_config.params.channel_mult.2=4} (a list item by index),
 * {@code model.params.cond_stage_config=__is_unconditional__}.
 *
 * <p>The value is YAML (a scalar, a flow list or a flow map; nothing is an empty value, which is null). Missing
 * maps on the way are created, so a key the file left at its default can be set; the mapping then checks the
 * result like the file itself, so an override naming an unknown key, or giving a value of the wrong type, fails
 * with the key's full path and the override named as its origin.
 *
 * <pre>{@code
 * ConfigNode tree = Overrides.apply(YamlTrees.read(path), List.of("data.params.batch_size=8"));
 * }</pre>
 */
public final class Overrides {
    private Overrides() {
    }

    /** The tree with every override applied, in order. */
    public static ConfigNode apply(ConfigNode root, List<String> overrides) {
        ConfigNode t = root;
        for (String o : overrides) {
            t = apply(t, o);
        }
        return t;
    }

    /** The tree with one override {@code key.path=value} applied. */
    public static ConfigNode apply(ConfigNode root, String override) {
        Origin origin = new Origin("override \"" + override + "\"", 0, 0);
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("", "expected key.path=value, got \"" + override + "\"", origin);
        }
        List<String> keys = keys(override.substring(0, eq).strip(), override, origin);
        String path = "";
        for (String k : keys) {
            path = k.matches("\\d+") && !path.isEmpty() ? ConfigNode.item(path, Integer.parseInt(k))
                    : ConfigNode.child(path, k);
        }
        ConfigNode value = YamlTrees.parseValue(override.substring(eq + 1), path, origin);
        return set(root, keys, 0, value, origin).withPath("");
    }

    /** {@code a.b[2].c} -> [a, b, 2, c]. */
    private static List<String> keys(String key, String override, Origin origin) {
        List<String> keys = new ArrayList<>();
        for (String part : key.replace("[", ".").replace("]", "").split("\\.", -1)) {
            if (part.isEmpty() || !part.matches("[A-Za-z0-9_\\-/]+")) {
                throw new ConfigException("", "expected a key path of names separated by dots (a.b.c), got \""
                        + key + "\"", origin);
            }
            keys.add(part);
        }
        return keys;
    }

    private static ConfigNode set(ConfigNode node, List<String> keys, int i, ConfigNode value, Origin origin) {
        if (i == keys.size()) {
            return value;
        }
        String k = keys.get(i);
        if (node instanceof MapNode m) {
            ConfigNode child = m.entries().get(k);
            if (child == null) {
                child = new MapNode(ConfigNode.child(m.path(), k), origin, Map.of());
                if (i == keys.size() - 1) {
                    child = value;
                }
            }
            Map<String, ConfigNode> entries = new LinkedHashMap<>(m.entries());
            entries.put(k, set(child, keys, i + 1, value, origin));
            return new MapNode(m.path(), m.origin(), entries);
        }
        if (node instanceof ListNode l) {
            int n = l.items().size();
            if (!k.matches("\\d{1,9}") || Integer.parseInt(k) >= n) {
                throw new ConfigException(l.path(), "expected a list index in [0, " + n + ") to set, got \"" + k
                        + "\"", origin);
            }
            List<ConfigNode> items = new ArrayList<>(l.items());
            int index = Integer.parseInt(k);
            items.set(index, set(items.get(index), keys, i + 1, value, origin));
            return new ListNode(l.path(), l.origin(), items);
        }
        throw new ConfigException(node.path(), "cannot set \"" + k + "\" inside " + node.describe()
                + ", which is not a map; override " + node.path() + " itself", origin);
    }
}
