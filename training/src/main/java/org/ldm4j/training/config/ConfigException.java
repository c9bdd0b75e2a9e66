package org.ldm4j.training.config;

/**
 * A config that cannot be used: bad YAML, an unknown or missing key, a value of the wrong type or out of range,
 * an unsupported {@code target}, or a bad override. The message starts with the full key path and ends with
 * where the offending node was written:
 * {@code model.params.unet_config.params.num_res_blocks: expected an integer, got "two" (cin.yaml line 27,
 * column 24)}.
 *
 * <pre>{@code
 * try {
 *     RunConfig c = LdmYaml.read(path, List.of());
 * } catch (ConfigException e) {
 *     System.err.println(e.getMessage());       // e.path(): "model.params.unet_config.params.num_res_blocks"
 * }
 * }</pre>
 */
public final class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String path;
    private final transient ConfigNode.Origin origin;

    /**
     * @param path    the key path the problem is at ("" for the whole file)
     * @param problem what is wrong and what was expected, without the path
     * @param origin  where it was written, or null if unknown
     */
    public ConfigException(String path, String problem, ConfigNode.Origin origin) {
        super(format(path, problem, origin));
        this.path = path;
        this.origin = origin;
    }

    /** A problem with {@code node}'s value. */
    public static ConfigException at(ConfigNode node, String problem) {
        return new ConfigException(node.path(), problem, node.origin());
    }

    /** The value of {@code node} is not what {@code expected} says. */
    public static ConfigException expected(ConfigNode node, String expected) {
        return at(node, "expected " + expected + ", got " + node.describe());
    }

    private static String format(String path, String problem, ConfigNode.Origin origin) {
        String where = origin == null ? "" : " (" + origin + ")";
        return (path.isEmpty() ? "" : path + ": ") + problem + where;
    }

    /** The key path the problem is at ("" for the whole file). */
    public String path() {
        return path;
    }

    /** Where the offending node was written, or null. */
    public ConfigNode.Origin origin() {
        return origin;
    }
}
