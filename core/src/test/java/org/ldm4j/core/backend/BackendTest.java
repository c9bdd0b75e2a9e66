package org.ldm4j.core.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class BackendTest {

    @Test
    void theCpuBuildRunsOneDnn() {
        assumeTrue(Backend.isCpu(), "runs on the CPU backend only");
        Map<String, Object> d = Backend.describe();
        assertEquals("cpu", d.get("backend"));
        assertTrue(Backend.hasOneDnn(), "the default build must load a oneDNN library, got " + Backend.library());
        assertTrue(Backend.library().contains("onednn"), Backend.library());
    }

    @Test
    void machinesWithoutAvx2GetTheLibraryTheyCanRun() {
        assertEquals("-onednn-avx2", Backend.cpuLibraryFor("fpu sse2 avx avx2 fma avx512f"));
        assertEquals("-onednn-avx2", Backend.cpuLibraryFor("avx2 fma"));
        assertEquals("-onednn", Backend.cpuLibraryFor("fpu sse2 sse4_2 avx"));        // no AVX2: no illegal instruction
        assertEquals("-onednn", Backend.cpuLibraryFor("avx2"));                       // AVX2 without FMA
        assertEquals("-onednn", Backend.cpuLibraryFor(""));
    }

    @Test
    void theAllocatorIsTunedOrReplaced() {
        String a = Backend.allocator();
        assertTrue(a.equals("jemalloc") || a.startsWith("glibc"), a);
        assertTrue(Backend.returnsFreedMemoryPromptly(), a);
    }

    /**
     * No code outside core may depend on ND4J (so that another array backend can be added without touching the
     * models). Scans every other module's sources.
     */
    @Test
    void noModuleOutsideCoreImportsNd4j() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();
        assumeTrue(Files.exists(root.resolve("pom.xml")), "run from the core module folder");
        List<String> offenders;
        try (Stream<Path> files = Files.walk(root)) {
            offenders = files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> !root.relativize(p).startsWith("core"))
                    .filter(p -> !root.relativize(p).toString().contains("/target"))
                    .filter(p -> {
                        try {
                            return Files.readString(p).contains("org.nd4j");
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .map(p -> root.relativize(p).toString())
                    .collect(Collectors.toList());
        }
        assertTrue(offenders.isEmpty(), "ND4J used outside core: " + offenders);
    }
}
