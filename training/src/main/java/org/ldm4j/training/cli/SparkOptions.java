package org.ldm4j.training.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.ldm4j.training.distributed.Replica;
import org.ldm4j.training.distributed.SparkContexts;
import org.ldm4j.training.distributed.SparkRunner;
import org.ldm4j.training.distributed.StepRunner;
import org.ldm4j.training.distributed.TrainGroup;
import picocli.CommandLine.Option;

/**
 * The options of distributed training (a picocli mixin of the training commands): with {@code --master} (or
 * under {@code spark-submit}, which sets {@code spark.master}) the command's steps run on Spark, each
 * executor rebuilding the command's model and data from the same command line.
 */
final class SparkOptions {
    @Option(names = "--master", paramLabel = "URL", description = "Train on Apache Spark: local[N], local[N,F] (F "
            + "attempts per task), local-cluster[W,C,MB], spark://HOST:PORT, yarn, k8s://URL. Default: one process "
            + "(or spark-submit's master).")
    String master;

    @Option(names = "--partitions", paramLabel = "N", description = "Slices of every batch, one replica each "
            + "(default: the master's cores).")
    Integer partitions;

    @Option(names = "--reduce", paramLabel = "HOW", description = "driver (broadcast weights, reduce gradients on "
            + "the driver), sharded (through the shuffle, optimizer state split across partitions) or auto (default: "
            + "driver, unless the gradients it gathers would take over a quarter of the driver's heap).")
    String reduce = "auto";

    @Option(names = "--spark-conf", paramLabel = "KEY=VALUE", description = "A Spark setting (repeatable).")
    List<String> conf = new ArrayList<>();

    /** Spark's context and the runner of a distributed run; closing stops both. */
    record Session(JavaSparkContext sc, SparkRunner runner) implements AutoCloseable {
        @Override
        public void close() {
            try {
                runner.close();
            } finally {
                sc.stop();
            }
        }
    }

    /** The master to use, or null for one process. */
    String master() {
        if (master != null) {
            return master;
        }
        return System.getProperty("spark.master");
    }

    /**
     * Starts Spark for {@code command} when a master is given (else returns null): executors rebuild the
     * replica from {@code args}, the command line the driver was started with.
     */
    Session open(String command, List<String> args, Replica driverReplica, List<TrainGroup> groups, PrintStream log) {
        String m = master();
        if (m == null) {
            if (partitions != null || !conf.isEmpty() || !reduce.equals("auto")) {
                throw new IllegalArgumentException("--partitions, --reduce, --spark-conf: expected a --master to apply "
                        + "to, got none");
            }
            return null;
        }
        SparkRunner.Reduction reduction = SparkRunner.Reduction.parse(reduce);
        Map<String, String> extra = new LinkedHashMap<>();
        for (String kv : conf) {
            int eq = kv.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("--spark-conf: expected KEY=VALUE, got \"" + kv + "\"");
            }
            extra.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        JavaSparkContext sc = SparkContexts.start(m, "ldm4j " + command, extra);
        try {
            int n = partitions != null ? partitions : SparkContexts.slots(m) > 0 ? SparkContexts.slots(m)
                    : sc.defaultParallelism();
            if (n < 1) {
                throw new IllegalArgumentException("--partitions: expected >= 1, got " + n);
            }
            int at = args.indexOf(command);
            List<String> own = List.copyOf(args.subList(at + 1, args.size()));      // the subcommand's arguments
            SparkRunner runner = new SparkRunner(sc, new CommandReplica(command, own), driverReplica,
                    groups, n, reduction, null);
            log.println(command + ": " + runner.describe());
            return new Session(sc, runner);
        } catch (RuntimeException e) {
            sc.stop();
            throw e;
        }
    }

    /** Rebuilds a training command's replica on an executor by parsing the driver's command line again. */
    record CommandReplica(String command, List<String> args) implements Replica.Factory {
        @Override
        public String key() {
            return command + " " + String.join(" ", args);
        }

        @Override
        public Replica create() {
            try {
                return switch (command) {
                    case "train-ldm" -> TrainLdmCommand.replicaOf(args);
                    case "train-autoencoder" -> TrainAutoencoderCommand.replicaOf(args);
                    default -> throw new IllegalArgumentException("command: expected train-ldm or train-autoencoder, "
                            + "got " + command);
                };
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("executor: cannot rebuild the " + command + " replica: "
                        + e.getMessage(), e);
            }
        }
    }

    /** Trains with {@code session}'s runner when there is one. */
    static void use(Session session, java.util.function.Consumer<StepRunner> setRunner) {
        if (session != null) {
            setRunner.accept(session.runner());
        }
    }
}
