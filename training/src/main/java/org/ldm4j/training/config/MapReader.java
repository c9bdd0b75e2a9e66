package org.ldm4j.training.config;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.ldm4j.training.config.ConfigNode.ListNode;
import org.ldm4j.training.config.ConfigNode.MapNode;
import org.ldm4j.training.config.ConfigNode.ScalarNode;
import org.ldm4j.training.config.ConfigNode.ScalarType;

/**
 * Typed, strict reading of one map of a {@link ConfigNode} tree. Every accessor records its key as known; after
 * reading, {@link #finish()} rejects every key that no accessor asked for and that is not on an ignore list, so a
 * misspelt or unsupported key is an error rather than silently dropped. Errors name the full key path, what was
 * expected and what was found, and where it was written:
 * {@code model.params.unet_config.params.num_res_blocks: expected an integer, got "two" (cin.yaml line 27,
 * column 24)}.
 *
 * <p>A null value ({@code key: null}, {@code key:}) is the reference's {@code None}: the optional accessors
 * ({@code ...Or}) return their default for it, the required ones reject it.
 *
 * <pre>{@code
 * MapReader p = MapReader.of(tree.find("model.params.unet_config.params"));
 * int channels = p.requiredInt("model_channels");
 * List<Integer> mult = p.intListOr("channel_mult", List.of(1, 2, 4, 8));
 * double dropout = p.doubleOr("dropout", 0.0);
 * p.onlyInt("dims", 2);                         // accepted only at the value ldm4j implements
 * p.ignore(IgnoredKeys.UNET.keySet());          // documented, deliberately unused keys
 * p.finish();                                   // any other key is an error
 * }</pre>
 */
public final class MapReader {
    private final MapNode node;
    private final Set<String> known = new LinkedHashSet<>();

    private MapReader(MapNode node) {
        this.node = node;
    }

    /** A reader of {@code node}, which must be a map. */
    public static MapReader of(ConfigNode node) {
        if (!(node instanceof MapNode m)) {
            throw ConfigException.expected(node, "a map");
        }
        return new MapReader(m);
    }

    /** The map being read. */
    public MapNode node() {
        return node;
    }

    /** The map's key path. */
    public String path() {
        return node.path();
    }

    /** Whether {@code key} is present (and not null). */
    public boolean has(String key) {
        known.add(key);
        ConfigNode v = node.entries().get(key);
        return v != null && !(v instanceof ScalarNode s && s.isNull());
    }

    /** The raw node of {@code key}, or null when absent. */
    public ConfigNode get(String key) {
        known.add(key);
        return node.entries().get(key);
    }

    /** The raw node of a key that must be present; {@code expected} describes it in the error. */
    public ConfigNode require(String key, String expected) {
        known.add(key);
        ConfigNode v = node.entries().get(key);
        if (v == null) {
            String hint = "";
            for (String k : node.entries().keySet()) {
                if (!known.contains(k) && editDistance(k, key) <= 2) {
                    hint = "; is \"" + k + "\" (" + node.entries().get(k).origin() + ") a misspelling?";
                    break;
                }
            }
            throw new ConfigException(ConfigNode.child(path(), key), "missing required key (expected " + expected
                    + ")" + hint, node.origin());
        }
        return v;
    }

    private ConfigNode optional(String key) {
        known.add(key);
        ConfigNode v = node.entries().get(key);
        return v instanceof ScalarNode s && s.isNull() ? null : v;
    }

    // ---------------------------------------------------------------- scalars

    public int requiredInt(String key) {
        return toInt(require(key, "an integer"));
    }

    public int intOr(String key, int def) {
        ConfigNode v = optional(key);
        return v == null ? def : toInt(v);
    }

    public long requiredLong(String key) {
        return toLong(require(key, "an integer"));
    }

    public long longOr(String key, long def) {
        ConfigNode v = optional(key);
        return v == null ? def : toLong(v);
    }

    public double requiredDouble(String key) {
        return toDouble(require(key, "a number"));
    }

    public double doubleOr(String key, double def) {
        ConfigNode v = optional(key);
        return v == null ? def : toDouble(v);
    }

    public boolean requiredBool(String key) {
        return toBool(require(key, "a boolean"));
    }

    public boolean boolOr(String key, boolean def) {
        ConfigNode v = optional(key);
        return v == null ? def : toBool(v);
    }

    public String requiredString(String key) {
        return toStr(require(key, "a string"));
    }

    public String stringOr(String key, String def) {
        ConfigNode v = optional(key);
        return v == null ? def : toStr(v);
    }

    /**
     * A string that must be one of {@code options}' keys, mapped to its value (an enum constant):
     * {@code expected one of [l1, l2], got "l3"}.
     */
    public <T> T choiceOr(String key, Map<String, T> options, T def) {
        ConfigNode v = optional(key);
        return v == null ? def : choice(v, options);
    }

    /** As {@link #choiceOr}, for a key that must be present. */
    public <T> T requiredChoice(String key, Map<String, T> options) {
        return choice(require(key, "one of " + options.keySet()), options);
    }

    // ---------------------------------------------------------------- lists and maps

    public List<Integer> intListOr(String key, List<Integer> def) {
        ConfigNode v = optional(key);
        return v == null ? def : list(v, "a list of integers", MapReader::toInt);
    }

    public List<Integer> requiredIntList(String key) {
        return list(require(key, "a list of integers"), "a list of integers", MapReader::toInt);
    }

    public List<Long> longListOr(String key, List<Long> def) {
        ConfigNode v = optional(key);
        return v == null ? def : list(v, "a list of integers", MapReader::toLong);
    }

    public List<Double> doubleListOr(String key, List<Double> def) {
        ConfigNode v = optional(key);
        return v == null ? def : list(v, "a list of numbers", MapReader::toDouble);
    }

    public List<String> stringListOr(String key, List<String> def) {
        ConfigNode v = optional(key);
        return v == null ? def : list(v, "a list of strings", MapReader::toStr);
    }

    /** The sub-map {@code key}, which must be present. */
    public MapReader map(String key) {
        return of(require(key, "a map"));
    }

    /** The sub-map {@code key}, if present and not null. */
    public Optional<MapReader> optionalMap(String key) {
        ConfigNode v = optional(key);
        return v == null ? Optional.empty() : Optional.of(of(v));
    }

    // ---------------------------------------------------------------- keys ldm4j accepts only at one value

    /** A key ldm4j accepts only at {@code supported} (the reference's default, or the only value it implements). */
    public void onlyBool(String key, boolean supported) {
        ConfigNode v = optional(key);
        if (v != null && toBool(v) != supported) {
            throw onlyError(v, Boolean.toString(supported));
        }
    }

    public void onlyInt(String key, int supported) {
        ConfigNode v = optional(key);
        if (v != null && toInt(v) != supported) {
            throw onlyError(v, Integer.toString(supported));
        }
    }

    public void onlyDouble(String key, double supported) {
        ConfigNode v = optional(key);
        if (v != null && toDouble(v) != supported) {
            throw onlyError(v, YamlTrees.number(supported));
        }
    }

    public void onlyString(String key, String supported) {
        ConfigNode v = optional(key);
        if (v != null && !toStr(v).equals(supported)) {
            throw onlyError(v, "\"" + supported + "\"");
        }
    }

    /** A key ldm4j accepts only when absent or null (the reference's {@code None}). */
    public void onlyNull(String key) {
        ConfigNode v = optional(key);
        if (v != null) {
            throw onlyError(v, "null");
        }
    }

    private static ConfigException onlyError(ConfigNode v, String supported) {
        return ConfigException.at(v, "ldm4j supports only " + supported + " here, got " + v.describe());
    }

    // ---------------------------------------------------------------- ignoring and finishing

    /** Accepts these keys, whatever their values, without reading them (see {@link IgnoredKeys}). */
    public MapReader ignore(Collection<String> keys) {
        known.addAll(keys);
        return this;
    }

    /** Accepts these keys without reading them. */
    public MapReader ignore(String... keys) {
        return ignore(List.of(keys));
    }

    /** The keys asked for so far. */
    public Set<String> knownKeys() {
        return Set.copyOf(known);
    }

    /**
     * Rejects the first key that no accessor asked for:
     * {@code ...params.num_res_block: unknown key; did you mean num_res_blocks? Known keys: [...]}.
     */
    public void finish() {
        for (Map.Entry<String, ConfigNode> e : node.entries().entrySet()) {
            if (!known.contains(e.getKey())) {
                String k = e.getKey();
                String best = null;
                int bestD = Integer.MAX_VALUE;
                for (String candidate : known) {
                    int d = editDistance(k, candidate);
                    if (d < bestD) {
                        bestD = d;
                        best = candidate;
                    }
                }
                String guess = best != null && bestD <= Math.max(2, k.length() / 3) ? " did you mean " + best + "?"
                        : "";
                throw new ConfigException(ConfigNode.child(path(), k), "unknown key;" + guess + " known keys: "
                        + known, e.getValue().origin());
            }
        }
    }

    // ---------------------------------------------------------------- conversions

    private static ScalarNode scalar(ConfigNode n, String expected) {
        if (n instanceof ScalarNode s) {
            return s;
        }
        throw ConfigException.expected(n, expected);
    }

    /** The node as an int: an integer scalar in int range. */
    public static int toInt(ConfigNode n) {
        ScalarNode s = scalar(n, "an integer");
        if (s.type() != ScalarType.INT) {
            throw ConfigException.expected(n, "an integer");
        }
        BigInteger v = integer(s.text());
        if (v.bitLength() > 31) {
            throw ConfigException.expected(n, "an integer in [" + Integer.MIN_VALUE + ", " + Integer.MAX_VALUE + "]");
        }
        return v.intValue();
    }

    /** The node as a long: an integer scalar in long range. */
    public static long toLong(ConfigNode n) {
        ScalarNode s = scalar(n, "an integer");
        if (s.type() != ScalarType.INT) {
            throw ConfigException.expected(n, "an integer");
        }
        BigInteger v = integer(s.text());
        if (v.bitLength() > 63) {
            throw ConfigException.expected(n, "an integer in [" + Long.MIN_VALUE + ", " + Long.MAX_VALUE + "]");
        }
        return v.longValue();
    }

    /** The node as a double: an integer or floating-point scalar. */
    public static double toDouble(ConfigNode n) {
        ScalarNode s = scalar(n, "a number");
        if (s.type() == ScalarType.INT) {
            return integer(s.text()).doubleValue();
        }
        if (s.type() != ScalarType.FLOAT) {
            throw ConfigException.expected(n, "a number");
        }
        String t = s.text();
        String lower = t.toLowerCase(java.util.Locale.ROOT);
        if (lower.endsWith(".inf")) {
            return lower.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        if (lower.equals(".nan")) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw ConfigException.expected(n, "a number");
        }
    }

    /** The node as a boolean. */
    public static boolean toBool(ConfigNode n) {
        ScalarNode s = scalar(n, "a boolean (true or false)");
        if (s.type() != ScalarType.BOOL) {
            throw ConfigException.expected(n, "a boolean (true or false)");
        }
        return s.text().equalsIgnoreCase("true");
    }

    /** The node as a string: any non-null scalar, as written ({@code image}, {@code "val/loss"}, {@code 256}). */
    public static String toStr(ConfigNode n) {
        ScalarNode s = scalar(n, "a string");
        if (s.isNull()) {
            throw ConfigException.expected(n, "a string");
        }
        return s.text();
    }

    /** The node as one of {@code options}. */
    public static <T> T choice(ConfigNode n, Map<String, T> options) {
        if (n instanceof ScalarNode s && !s.isNull() && options.containsKey(s.text())) {
            return options.get(s.text());
        }
        throw ConfigException.expected(n, "one of " + options.keySet());
    }

    private static <T> List<T> list(ConfigNode n, String expected, Function<ConfigNode, T> item) {
        if (!(n instanceof ListNode l)) {
            throw ConfigException.expected(n, expected);
        }
        List<T> out = new ArrayList<>();
        for (ConfigNode i : l.items()) {
            out.add(Objects.requireNonNull(item.apply(i)));
        }
        return List.copyOf(out);
    }

    private static BigInteger integer(String text) {
        String t = text.replace("_", "");
        boolean neg = t.startsWith("-");
        if (t.startsWith("-") || t.startsWith("+")) {
            t = t.substring(1);
        }
        BigInteger v;
        if (t.startsWith("0x")) {
            v = new BigInteger(t.substring(2), 16);
        } else if (t.startsWith("0o")) {
            v = new BigInteger(t.substring(2), 8);
        } else {
            v = new BigInteger(t);
        }
        return neg ? v.negate() : v;
    }

    /** Levenshtein distance, for "did you mean". */
    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
