package org.ldm4j.training.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.ldm4j.training.config.ConfigNode.ListNode;
import org.ldm4j.training.config.ConfigNode.MapNode;
import org.ldm4j.training.config.ConfigNode.Origin;
import org.ldm4j.training.config.ConfigNode.ScalarNode;
import org.ldm4j.training.config.ConfigNode.ScalarType;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.resolver.ScalarResolver;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * YAML text to {@link ConfigNode} trees and back.
 *
 * <p>Reading composes the document with snakeyaml-engine (YAML 1.2, core schema: {@code True}, {@code 1.0e-06}
 * and {@code 4.5e-6} resolve as the reference's configs mean them) into its node graph, which keeps every node's
 * line and column, and converts that graph itself: nothing is ever constructed from a tag, and a node with any
 * tag beyond the core schema's ({@code !!python/object}, custom tags) is an error. Duplicate keys, non-scalar
 * keys and several documents in one file are errors too; anchors, aliases and merge keys ({@code <<: *base}) are
 * resolved by the composer into plain data.
 *
 * <p>Writing emits block maps and flow lists ({@code channel_mult: [1, 2, 4, 4]}), strings plain where that
 * reads back as the same string and double-quoted otherwise, and floating-point numbers in the shortest form that
 * reads back as the same double and that PyYAML (YAML 1.1) also reads as a float ({@code 1.0e-06} style: a point
 * and a signed exponent).
 *
 * <pre>{@code
 * ConfigNode tree = YamlTrees.read(Path.of("configs/latent-diffusion/cin256-v2.yaml"));
 * String text = YamlTrees.emit(tree);
 * }</pre>
 */
public final class YamlTrees {
    /** Nesting beyond this is refused (aliases could otherwise make the tree unbounded). */
    static final int MAX_DEPTH = 64;

    private static final ScalarResolver RESOLVER = new CoreSchema().getScalarResolver();
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z_/][A-Za-z0-9_./-]*");

    private YamlTrees() {
    }

    /** Reads a YAML file; its file name is the source named in errors. */
    public static ConfigNode read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        return parse(text, file.getFileName() == null ? file.toString() : file.getFileName().toString());
    }

    /**
     * Parses one YAML document.
     *
     * @param yaml   the text
     * @param source the name errors give as its origin (a file name)
     * @throws ConfigException on a syntax error, an unsupported construct, or an empty document
     */
    public static ConfigNode parse(String yaml, String source) {
        Node root = composeSingle(yaml, source);
        if (root == null) {
            throw new ConfigException("", "expected a YAML document, got an empty file", new Origin(source, 0, 0));
        }
        return convert(root, "", source, null, 0);
    }

    /**
     * Parses the value of an override {@code key=value} as a YAML scalar, flow list or flow map
     * ({@code 64}, {@code [1, 2, 4]}, {@code {size: 32}}, {@code null}); an empty value is null.
     */
    static ConfigNode parseValue(String value, String path, Origin origin) {
        Node n;
        try {
            n = composeSingle(value, origin.source());
        } catch (ConfigException e) {
            throw new ConfigException(path, "expected a YAML value (a scalar, [a, flow, list] or {a: flow map}; "
                    + "quote a string that is not plain), got \"" + value + "\"", origin);
        }
        if (n == null) {
            return new ScalarNode(path, origin, "", ScalarType.NULL);
        }
        return convert(n, path, origin.source(), origin, 0);
    }

    private static Node composeSingle(String yaml, String source) {
        LoadSettings settings = LoadSettings.builder()
                .setLabel(source)
                .setSchema(new CoreSchema())
                .setAllowDuplicateKeys(false)
                .setAllowRecursiveKeys(false)
                .setMaxAliasesForCollections(50)
                .setUseMarks(true)
                .build();
        try {
            Iterator<Node> docs = new Compose(settings).composeAllFromString(yaml).iterator();
            if (!docs.hasNext()) {
                return null;
            }
            Node first = docs.next();
            if (docs.hasNext()) {
                Node second = docs.next();
                throw new ConfigException("", "expected one YAML document, got several", origin(second, source));
            }
            return first;
        } catch (MarkedYamlEngineException e) {
            Optional<Mark> m = e.getProblemMark().isPresent() ? e.getProblemMark() : e.getContextMark();
            String problem = (e.getContext() == null ? "" : e.getContext() + ": ") + e.getProblem();
            throw new ConfigException("", "invalid YAML: " + problem,
                    m.map(mark -> new Origin(source, mark.getLine() + 1, mark.getColumn() + 1))
                            .orElse(new Origin(source, 0, 0)));
        } catch (YamlEngineException e) {
            throw new ConfigException("", "invalid YAML: " + e.getMessage(), new Origin(source, 0, 0));
        }
    }

    private static Origin origin(Node n, String source) {
        return n.getStartMark()
                .map(m -> new Origin(source, m.getLine() + 1, m.getColumn() + 1))
                .orElse(new Origin(source, 0, 0));
    }

    /** Converts a composed node; {@code fixed} is the origin of every node (overrides) or null (file marks). */
    private static ConfigNode convert(Node n, String path, String source, Origin fixed, int depth) {
        Origin at = fixed != null ? fixed : origin(n, source);
        if (depth > MAX_DEPTH) {
            throw new ConfigException(path, "expected at most " + MAX_DEPTH + " levels of nesting", at);
        }
        if (n instanceof MappingNode m) {
            if (!m.getTag().equals(Tag.MAP)) {
                throw unsupportedTag(path, m.getTag(), at);
            }
            Map<String, ConfigNode> entries = new LinkedHashMap<>();
            for (NodeTuple t : m.getValue()) {
                Node k = t.getKeyNode();
                Origin keyAt = fixed != null ? fixed : origin(k, source);
                if (!(k instanceof org.snakeyaml.engine.v2.nodes.ScalarNode ks)) {
                    throw new ConfigException(path, "expected scalar map keys, got a " + k.getNodeType()
                            .toString().toLowerCase(java.util.Locale.ROOT) + " key", keyAt);
                }
                String key = ks.getValue();
                if (entries.containsKey(key)) {
                    throw new ConfigException(ConfigNode.child(path, key), "duplicate key", keyAt);
                }
                entries.put(key, convert(t.getValueNode(), ConfigNode.child(path, key), source, fixed, depth + 1));
            }
            return new MapNode(path, at, entries);
        }
        if (n instanceof SequenceNode s) {
            if (!s.getTag().equals(Tag.SEQ)) {
                throw unsupportedTag(path, s.getTag(), at);
            }
            List<ConfigNode> items = new ArrayList<>();
            for (Node item : s.getValue()) {
                items.add(convert(item, ConfigNode.item(path, items.size()), source, fixed, depth + 1));
            }
            return new ListNode(path, at, items);
        }
        org.snakeyaml.engine.v2.nodes.ScalarNode sc = (org.snakeyaml.engine.v2.nodes.ScalarNode) n;
        Tag tag = sc.getTag();
        ScalarType type;
        if (tag.equals(Tag.STR)) {
            type = ScalarType.STRING;
        } else if (tag.equals(Tag.INT)) {
            type = ScalarType.INT;
        } else if (tag.equals(Tag.FLOAT)) {
            type = ScalarType.FLOAT;
        } else if (tag.equals(Tag.BOOL)) {
            type = ScalarType.BOOL;
        } else if (tag.equals(Tag.NULL)) {
            type = ScalarType.NULL;
        } else {
            throw unsupportedTag(path, tag, at);
        }
        return new ScalarNode(path, at, sc.getValue(), type);
    }

    private static ConfigException unsupportedTag(String path, Tag tag, Origin at) {
        return new ConfigException(path, "unsupported YAML tag " + tag.getValue() + "; ldm4j reads plain maps, lists "
                + "and scalars only (nothing is constructed from tags)", at);
    }

    // ---------------------------------------------------------------- writing

    /** The tree as YAML text: block maps, flow lists, one trailing newline. */
    public static String emit(ConfigNode root) {
        StringBuilder sb = new StringBuilder();
        if (root instanceof MapNode m && !m.entries().isEmpty()) {
            emitMap(m, 0, sb);
        } else {
            sb.append(flow(root)).append('\n');
        }
        return sb.toString();
    }

    private static void emitMap(MapNode m, int indent, StringBuilder sb) {
        String pad = " ".repeat(indent);
        for (Map.Entry<String, ConfigNode> e : m.entries().entrySet()) {
            sb.append(pad).append(string(e.getKey())).append(':');
            ConfigNode v = e.getValue();
            if (v instanceof MapNode child && !child.entries().isEmpty()) {
                sb.append('\n');
                emitMap(child, indent + 2, sb);
            } else {
                sb.append(' ').append(flow(v)).append('\n');
            }
        }
    }

    private static String flow(ConfigNode n) {
        if (n instanceof MapNode m) {
            List<String> parts = new ArrayList<>();
            m.entries().forEach((k, v) -> parts.add(string(k) + ": " + flow(v)));
            return "{" + String.join(", ", parts) + "}";
        }
        if (n instanceof ListNode l) {
            List<String> parts = new ArrayList<>();
            l.items().forEach(i -> parts.add(flow(i)));
            return "[" + String.join(", ", parts) + "]";
        }
        ScalarNode s = (ScalarNode) n;
        return switch (s.type()) {
            case STRING -> string(s.text());
            case NULL -> "null";
            default -> s.text();
        };
    }

    /** A string as a plain scalar if it reads back as the same string, else double-quoted. */
    static String string(String s) {
        if (PLAIN.matcher(s).matches() && RESOLVER.resolve(s, true).equals(Tag.STR)) {
            return s;
        }
        StringBuilder q = new StringBuilder("\"");
        s.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> q.append("\\\"");
                case '\\' -> q.append("\\\\");
                case '\n' -> q.append("\\n");
                case '\t' -> q.append("\\t");
                default -> {
                    if (printable(c)) {
                        q.appendCodePoint(c);
                    } else if (c <= 0xFFFF) {
                        q.append(String.format("\\u%04x", c));
                    } else {
                        q.append(String.format("\\U%08x", c));
                    }
                }
            }
        });
        return q.append('"').toString();
    }

    /** YAML's printable characters, which may appear unescaped (YAML 1.2, production [1]), less the C1 range. */
    private static boolean printable(int c) {
        return c >= 0x20 && c <= 0x7E || c >= 0xA0 && c <= 0xD7FF || c >= 0xE000 && c <= 0xFFFD && c != 0xFEFF
                || c >= 0x10000 && c <= 0x10FFFF;
    }

    /**
     * A double as YAML text that reads back as the same double, in YAML 1.2 and in PyYAML's YAML 1.1:
     * {@code 0.0015}, {@code 0.00085}, {@code 1.0e-06}, {@code 1.0e+20}, {@code .inf}, {@code .nan}.
     */
    static String number(double v) {
        if (Double.isNaN(v)) {
            return ".nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? ".inf" : "-.inf";
        }
        String s = Double.toString(v);                      // shortest round-tripping form, always with a point
        int e = s.indexOf('E');
        if (e < 0) {
            return s;
        }
        String exp = s.substring(e + 1);
        if (exp.equals("-4")) {                             // 8.5E-4 -> 0.00085, as people write it
            return new java.math.BigDecimal(s).stripTrailingZeros().toPlainString();
        }
        String mantissa = s.substring(0, e);
        String sign = exp.startsWith("-") ? "-" : "+";
        String digits = exp.startsWith("-") ? exp.substring(1) : exp;
        return mantissa + "e" + sign + (digits.length() < 2 ? "0" : "") + digits;
    }
}
