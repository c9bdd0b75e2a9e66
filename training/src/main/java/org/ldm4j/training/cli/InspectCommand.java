package org.ldm4j.training.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ldm4j.core.io.Json;
import org.ldm4j.core.io.SafeTensors;
import org.ldm4j.core.io.SafeTensorsReader;
import org.ldm4j.core.io.TensorInfo;
import org.ldm4j.core.tensor.Shapes;
import org.ldm4j.training.checkpoint.CheckpointHeader;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ldm4j inspect}: what a checkpoint holds, read from its header only (nothing is loaded, so a
 * multi-gigabyte file takes milliseconds). For an ldm4j checkpoint: the step, the groups with their tensor counts
 * and parameter totals, the saved states, the metadata and the config. For any other safetensors file (a reference
 * LDM or Stable Diffusion checkpoint): the tensors grouped by the first component of their names
 * ({@code model}, {@code first_stage_model}, {@code cond_stage_model}, {@code model_ema}, ...) and its metadata.
 * A missing or damaged file gives exit code 1 and a message naming it.
 *
 * <pre>{@code
 * $ ./ldm4j inspect runs/ldm/checkpoints/step-000010000.safetensors
 * $ ./ldm4j inspect sd-v1-4.safetensors --keys --filter first_stage_model.decoder.
 * $ ./ldm4j inspect step-000010000.safetensors --json --keys > contents.json
 * }</pre>
 */
@Command(name = "inspect",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Shows what a checkpoint holds, from its header alone (no tensor is loaded).",
            "",
            "For an ldm4j checkpoint: step, groups (model, ema, optimizer, ...) with tensor counts and parameter "
                    + "totals, saved states, metadata and config. For any other safetensors file (e.g. a reference "
                    + "checkpoint): its tensors grouped by the first part of their names, and its metadata."},
        footer = {"", "Examples:",
                "  ldm4j inspect run/checkpoints/step-000001000.safetensors",
                "  ldm4j inspect sd-v1-4.safetensors --keys --filter model.diffusion_model.out.",
                "  ldm4j inspect ckpt.safetensors --json --keys   machine-readable, every key"})
final class InspectCommand implements Callable<Integer> {
    private static final String TOP_LEVEL = "(top level)";
    private static final int MAX_VALUE_CHARS = 120;

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "A safetensors file: an ldm4j checkpoint or any other.")
    private Path file;

    @Option(names = "--keys", description = "Also list every tensor: name, dtype, shape.")
    private boolean keys;

    @Option(names = "--filter", paramLabel = "PREFIX",
            description = "List only the tensors whose names start with PREFIX (implies --keys).")
    private String filter;

    @Option(names = "--json", description = "Print one JSON document instead of text.")
    private boolean json;

    /** One group of tensors, as shown. */
    private record Group(String name, String prefix, List<TensorInfo> tensors) {
        long numel() {
            return tensors.stream().mapToLong(TensorInfo::numel).sum();
        }

        long bytes() {
            return tensors.stream().mapToLong(TensorInfo::byteSize).sum();
        }
    }

    @Override
    public Integer call() {
        try {
            Map<String, Object> report = inspect();
            PrintWriter out = spec.commandLine().getOut();
            out.print(json ? Json.write(report) + System.lineSeparator() : text(report));
            out.flush();
            return ExitCode.OK;
        } catch (IOException | RuntimeException e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("ldm4j inspect: " + describe(e));
            err.flush();
            return ExitCode.SOFTWARE;
        }
    }

    private String describe(Exception e) {
        if (e instanceof NoSuchFileException) {
            return file + ": no such file";
        }
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.contains(file.toString()) ? m : file + ": " + m;
    }

    // ---------------------------------------------------------------- gathering

    private Map<String, Object> inspect() throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + ": expected a safetensors file, found a directory (inspect one of its "
                    + "step-*.safetensors files)");
        }
        long fileBytes = Files.size(file);
        List<TensorInfo> infos;
        Map<String, String> metadata;
        try (SafeTensorsReader r = SafeTensors.open(file)) {
            infos = r.infos();
            metadata = r.metadata();
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("file", file.toString());
        report.put("bytes", fileBytes);
        List<Group> groups;
        Map<String, String> shownMetadata;
        if (CheckpointHeader.isCheckpoint(metadata)) {
            CheckpointHeader h = CheckpointHeader.read(file);
            report.put("format", "ldm4j-checkpoint");
            report.put("format_version", h.formatVersion());
            report.put("step", h.step());
            groups = new ArrayList<>();
            h.groups().forEach((name, g) -> groups.add(new Group(name, g.prefix(), g.tensors())));
            Map<String, Object> states = new LinkedHashMap<>();
            for (String s : h.stateNames()) {
                states.put(s, h.state(s));
            }
            report.put("states", states);
            shownMetadata = h.metadata();
        } else {
            report.put("format", "safetensors");
            report.put("format_version", null);
            report.put("step", null);
            groups = byFirstComponent(infos);
            report.put("states", Map.of());
            shownMetadata = metadata;
        }
        report.put("tensors", infos.size());
        report.put("elements", infos.stream().mapToLong(TensorInfo::numel).sum());
        report.put("data_bytes", infos.stream().mapToLong(TensorInfo::byteSize).sum());
        List<Map<String, Object>> groupJson = new ArrayList<>();
        for (Group g : groups) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", g.name());
            m.put("prefix", g.prefix());
            m.put("tensors", g.tensors().size());
            m.put("elements", g.numel());
            m.put("bytes", g.bytes());
            groupJson.add(m);
        }
        report.put("groups", groupJson);
        report.put("metadata", shownMetadata);
        report.put("config", shownMetadata.get("config"));
        if (keys || filter != null) {
            List<Map<String, Object>> keyJson = new ArrayList<>();
            for (Group g : groups) {
                for (TensorInfo t : g.tensors()) {
                    if (filter == null || t.name().startsWith(filter)) {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("name", t.name());
                        m.put("group", g.name());
                        m.put("dtype", t.dtype().safetensorsName());
                        m.put("shape", t.shape());
                        keyJson.add(m);
                    }
                }
            }
            keyJson.sort((a, b) -> ((String) a.get("name")).compareTo((String) b.get("name")));
            report.put("filter", filter);
            report.put("keys", keyJson);
        }
        return report;
    }

    /** A reference file's tensors by the part of their names before the first dot. */
    private static List<Group> byFirstComponent(List<TensorInfo> infos) {
        Map<String, List<TensorInfo>> by = new LinkedHashMap<>();
        for (TensorInfo t : infos) {
            int dot = t.name().indexOf('.');
            by.computeIfAbsent(dot < 0 ? "" : t.name().substring(0, dot + 1), k -> new ArrayList<>()).add(t);
        }
        List<Group> out = new ArrayList<>();
        by.forEach((prefix, ts) -> out.add(new Group(prefix.isEmpty() ? TOP_LEVEL
                : prefix.substring(0, prefix.length() - 1), prefix, ts)));
        out.sort((a, b) -> a.prefix().compareTo(b.prefix()));
        return out;
    }

    // ---------------------------------------------------------------- text

    @SuppressWarnings("unchecked")
    private static String text(Map<String, Object> r) {
        StringBuilder s = new StringBuilder();
        String nl = System.lineSeparator();
        line(s, "file", r.get("file") + " (" + bytes((Long) r.get("bytes")) + ")");
        if ("ldm4j-checkpoint".equals(r.get("format"))) {
            line(s, "format", "ldm4j checkpoint, format version " + r.get("format_version"));
            line(s, "step", count((Long) r.get("step")));
        } else {
            line(s, "format", "safetensors (not an ldm4j checkpoint: groups are the first part of the names)");
        }
        line(s, "tensors", count(((Integer) r.get("tensors")).longValue()) + " (" + count((Long) r.get("elements"))
                + " elements, " + bytes((Long) r.get("data_bytes")) + ")");
        List<Map<String, Object>> groups = (List<Map<String, Object>>) r.get("groups");
        s.append("groups:").append(nl);
        int nameWidth = 4;
        int prefixWidth = 2;
        for (Map<String, Object> g : groups) {
            nameWidth = Math.max(nameWidth, ((String) g.get("name")).length());
            prefixWidth = Math.max(prefixWidth, ((String) g.get("prefix")).length() + 2);
        }
        for (Map<String, Object> g : groups) {
            s.append(String.format(Locale.ROOT, "  %-" + nameWidth + "s  %-" + prefixWidth + "s  %,8d tensors  %,15d"
                    + " elements  %10s%n", g.get("name"), "\"" + g.get("prefix") + "\"", (Integer) g.get("tensors"),
                    (Long) g.get("elements"), bytes((Long) g.get("bytes"))));
        }
        Map<String, Object> states = (Map<String, Object>) r.get("states");
        if (!states.isEmpty()) {
            s.append("states:").append(nl);
            states.forEach((k, v) -> s.append("  ").append(k).append(" = ")
                    .append(Arrays.toString((long[]) v)).append(nl));
        }
        Map<String, String> meta = (Map<String, String>) r.get("metadata");
        if (!meta.isEmpty()) {
            s.append("metadata:").append(nl);
            meta.forEach((k, v) -> {
                if (!k.equals("config")) {
                    s.append("  ").append(k).append(" = ").append(shorten(v)).append(nl);
                }
            });
        }
        if (r.get("config") != null) {
            s.append("config:").append(nl);
            for (String l : ((String) r.get("config")).split("\\R", -1)) {
                s.append("  ").append(l).append(nl);
            }
        }
        if (r.containsKey("keys")) {
            List<Map<String, Object>> keys = (List<Map<String, Object>>) r.get("keys");
            s.append("keys").append(r.get("filter") == null ? "" : " starting with \"" + r.get("filter") + "\"")
                    .append(" (").append(keys.size()).append("):").append(nl);
            int width = 0;
            for (Map<String, Object> k : keys) {
                width = Math.max(width, ((String) k.get("name")).length());
            }
            for (Map<String, Object> k : keys) {
                s.append(String.format(Locale.ROOT, "  %-" + width + "s  %-4s  %s%n", k.get("name"), k.get("dtype"),
                        Shapes.str((long[]) k.get("shape"))));
            }
        }
        return s.toString();
    }

    private static void line(StringBuilder s, String label, String value) {
        s.append(String.format(Locale.ROOT, "%-9s%s%n", label + ":", value));
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    private static String shorten(String v) {
        String one = v.replaceAll("\\R", " ");
        return one.length() <= MAX_VALUE_CHARS ? one : one.substring(0, MAX_VALUE_CHARS) + "... (" + v.length()
                + " characters)";
    }
}
