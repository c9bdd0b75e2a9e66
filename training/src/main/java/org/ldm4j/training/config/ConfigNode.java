package org.ldm4j.training.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable YAML tree as the reference's configs use it: maps with string keys, lists and scalars, each node
 * knowing its key path ({@code model.params.unet_config.params.channel_mult}, list items as {@code channel_mult[2]})
 * and where it came from, so that every error can name both. Scalars keep their text and the type YAML 1.2's core
 * schema resolved for it; {@link MapReader} converts them.
 *
 * <pre>{@code
 * ConfigNode root = YamlTrees.parse("model:\n  params:\n    timesteps: 1000\n", "inline.yaml");
 * ConfigNode t = root.find("model.params.timesteps");       // ScalarNode "1000", INT, at inline.yaml line 3
 * }</pre>
 */
public sealed interface ConfigNode permits ConfigNode.MapNode, ConfigNode.ListNode, ConfigNode.ScalarNode {

    /** The key path from the root ("" for the root itself). */
    String path();

    /** Where the node was written. */
    Origin origin();

    /** The same node (and its children) under another path. */
    ConfigNode withPath(String newPath);

    /** What the node is, for "got ..." in error messages: {@code "two"}, {@code 1.5}, {@code a map}. */
    String describe();

    /**
     * The node at a dotted path below this one ({@code "params.ddconfig.ch"}; list items by index,
     * {@code "ch_mult.1"}), or null if there is none.
     */
    default ConfigNode find(String relativePath) {
        ConfigNode n = this;
        for (String k : relativePath.split("\\.")) {
            if (n instanceof MapNode m) {
                n = m.entries().get(k);
            } else if (n instanceof ListNode l && k.matches("\\d{1,9}") && Integer.parseInt(k) < l.items().size()) {
                n = l.items().get(Integer.parseInt(k));
            } else {
                return null;
            }
            if (n == null) {
                return null;
            }
        }
        return n;
    }

    /** The path of a map entry {@code key} below {@code parent}. */
    static String child(String parent, String key) {
        return parent.isEmpty() ? key : parent + "." + key;
    }

    /** The path of list item {@code index} below {@code parent}. */
    static String item(String parent, int index) {
        return parent + "[" + index + "]";
    }

    /**
     * Where a node was written: a file (or a name given to a string) with a 1-based line and column, or a
     * command-line override (line 0).
     *
     * @param source the file name, or {@code override "key=value"}
     * @param line   1-based line, 0 if not from a file
     * @param column 1-based column, 0 if not from a file
     */
    record Origin(String source, int line, int column) {
        /** Nodes built in code (by the writer). */
        public static final Origin GENERATED = new Origin("generated", 0, 0);

        @Override
        public String toString() {
            return line > 0 ? source + " line " + line + ", column " + column : source;
        }
    }

    /** The YAML 1.2 core-schema type of a plain or quoted scalar. */
    enum ScalarType {
        /** {@code null}, {@code ~} or nothing. */
        NULL,
        /** {@code true}/{@code false} (also capitalised). */
        BOOL,
        /** Decimal, {@code 0o} octal or {@code 0x} hexadecimal integers. */
        INT,
        /** Decimal numbers with a point or exponent, {@code .inf}, {@code .nan}. */
        FLOAT,
        /** Everything else, and every quoted scalar. */
        STRING
    }

    /**
     * A map, its entries in file order.
     *
     * @param entries the entries, unmodifiable
     */
    record MapNode(String path, Origin origin, Map<String, ConfigNode> entries) implements ConfigNode {
        /** Copies the entries, keeping their order. */
        public MapNode {
            entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        }

        @Override
        public MapNode withPath(String newPath) {
            Map<String, ConfigNode> e = new LinkedHashMap<>();
            entries.forEach((k, v) -> e.put(k, v.withPath(ConfigNode.child(newPath, k))));
            return new MapNode(newPath, origin, e);
        }

        @Override
        public String describe() {
            return "a map";
        }
    }

    /**
     * A list.
     *
     * @param items the items, unmodifiable
     */
    record ListNode(String path, Origin origin, List<ConfigNode> items) implements ConfigNode {
        /** Copies the items. */
        public ListNode {
            items = List.copyOf(items);
        }

        @Override
        public ListNode withPath(String newPath) {
            List<ConfigNode> l = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                l.add(items.get(i).withPath(ConfigNode.item(newPath, i)));
            }
            return new ListNode(newPath, origin, l);
        }

        @Override
        public String describe() {
            return "a list";
        }
    }

    /**
     * A scalar.
     *
     * @param text the scalar's text as written (without quotes)
     * @param type its core-schema type
     */
    record ScalarNode(String path, Origin origin, String text, ScalarType type) implements ConfigNode {
        @Override
        public ScalarNode withPath(String newPath) {
            return new ScalarNode(newPath, origin, text, type);
        }

        @Override
        public String describe() {
            return switch (type) {
                case STRING -> "\"" + text + "\"";
                case NULL -> "null";
                default -> text;
            };
        }

        /** Whether this is the null scalar. */
        public boolean isNull() {
            return type == ScalarType.NULL;
        }
    }
}
