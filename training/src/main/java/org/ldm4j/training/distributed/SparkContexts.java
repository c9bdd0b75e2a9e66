package org.ldm4j.training.distributed;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.launcher.JavaModuleOptions;

/**
 * Starts the Spark context of a training run from a master URL: {@code local[N]} or {@code local[N,F]} (threads
 * of this JVM; F attempts per task), {@code local-cluster[W,C,M]} (W executor JVMs of C cores and M MB started
 * from this JVM's classpath: a test of the real thing on one machine), or a cluster manager's URL
 * ({@code spark://...}, {@code yarn}, {@code k8s://...}) when the job was started by {@code spark-submit}.
 *
 * <p>The JVM that calls this needs Spark's {@code --add-opens} list on Java 17 (the {@code ldm4j} launcher and
 * the build's tests pass it; {@code spark-submit} adds it itself). Executor JVMs started for
 * {@code local-cluster} get it here, with this JVM's classpath; they need an (empty) Spark home, the directory
 * named by {@code SPARK_HOME}, whose {@code jars/} folder is created if missing.
 */
public final class SparkContexts {
    private static final Pattern LOCAL = Pattern.compile("local(\\[(\\*|\\d+)(,(\\d+))?])?");
    private static final Pattern LOCAL_CLUSTER = Pattern.compile("local-cluster\\[(\\d+),\\s*(\\d+),\\s*(\\d+)]");

    private SparkContexts() {
    }

    /** Whether {@code master} is {@code local...} (threads in this JVM). */
    public static boolean isLocal(String master) {
        return LOCAL.matcher(master).matches();
    }

    /** The default parallelism of {@code master}: threads of {@code local[N]}, W * C of a local cluster, else 0. */
    public static int slots(String master) {
        Matcher m = LOCAL.matcher(master);
        if (m.matches()) {
            String n = m.group(2);
            return n == null ? 1 : n.equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(n);
        }
        Matcher c = LOCAL_CLUSTER.matcher(master);
        if (c.matches()) {
            return Integer.parseInt(c.group(1)) * Integer.parseInt(c.group(2));
        }
        return 0;
    }

    /**
     * A context for {@code master} named {@code appName}, quiet (no UI), with {@code extra} settings last (they
     * win). Checks the master's form first; for {@code local-cluster} prepares the executors' JVM flags, classpath
     * and Spark home.
     */
    public static JavaSparkContext start(String master, String appName, Map<String, String> extra) {
        if (master == null || master.isBlank()) {
            throw new IllegalArgumentException("--master: expected local[N], local[N,F], local-cluster[W,C,MB], "
                    + "spark://HOST:PORT, yarn or k8s://URL, got nothing");
        }
        boolean local = isLocal(master);
        boolean cluster = LOCAL_CLUSTER.matcher(master).matches();
        if (!local && !cluster && !master.startsWith("spark://") && !master.equals("yarn")
                && !master.startsWith("k8s://") && !master.startsWith("mesos://")) {
            throw new IllegalArgumentException("--master: expected local[N], local[N,F], local-cluster[W,C,MB], "
                    + "spark://HOST:PORT, yarn or k8s://URL, got \"" + master + "\"");
        }
        SparkConf conf = new SparkConf().setMaster(master).setAppName(appName)
                .set("spark.ui.enabled", "false")
                .set("spark.ui.showConsoleProgress", "false")
                // gradients and weights are plain float[]s in records: Java serialization moves them well
                .set("spark.serializer", "org.apache.spark.serializer.JavaSerializer")
                // weights and gradients are float32 noise to a compressor: lz4 costs time and saves nothing
                .set("spark.broadcast.compress", "false")
                .set("spark.shuffle.compress", "false")
                .set("spark.shuffle.spill.compress", "false")
                // the driver reduction gathers whole gradients (4 bytes a parameter) from the tasks
                .set("spark.driver.maxResultSize", "0");
        if (local || cluster) {
            conf.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
        }
        if (cluster) {
            Matcher c = LOCAL_CLUSTER.matcher(master);
            c.matches();
            String cores = c.group(2);
            long mb = Long.parseLong(c.group(3));
            // ND4J's arrays live off the heap: as much again as the heap, and the process (heap included) within
            // twice the heap plus 1 GB
            conf.set("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                    .set("spark.executor.extraJavaOptions", JavaModuleOptions.defaultModuleOptions()
                            + " -Dorg.bytedeco.javacpp.maxbytes=" + mb + "m -Dorg.bytedeco.javacpp.maxphysicalbytes="
                            + (2 * mb + 1024) + "m")
                    .set("spark.executorEnv.OMP_NUM_THREADS", cores)
                    .set("spark.executor.memory", c.group(3) + "m");
            String home = System.getenv("SPARK_HOME");
            if (home == null || home.isBlank()) {
                throw new IllegalStateException("--master " + master + ": expected SPARK_HOME to name a directory "
                        + "(an empty one will do: its jars/ folder is created), found it unset");
            }
            try {
                Files.createDirectories(Path.of(home, "jars"));
            } catch (IOException e) {
                throw new UncheckedIOException("SPARK_HOME: cannot create " + home + File.separator + "jars: "
                        + e.getMessage(), e);
            }
            conf.set("spark.executorEnv.SPARK_HOME", home)
                    // Spark's launcher looks for its build folders to learn the Scala version unless told
                    .set("spark.executorEnv.SPARK_SCALA_VERSION", scala.util.Properties.versionNumberString()
                            .replaceAll("^(\\d+\\.\\d+).*", "$1"));
        }
        if (extra != null) {
            extra.forEach(conf::set);
        }
        return new JavaSparkContext(conf);
    }
}
