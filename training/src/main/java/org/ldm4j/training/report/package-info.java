/**
 * Reporting on training runs: a progress line on the terminal ({@link org.ldm4j.training.report.Progress}), the
 * metrics of every logged step as JSON lines that survive a crash and a resume
 * ({@link org.ldm4j.training.report.MetricsLog}), and PNG plots of them ({@link org.ldm4j.training.report.LossCurve}).
 *
 * <pre>{@code
 * Path log = runDir.resolve(MetricsLog.FILE_NAME);
 * Progress progress = Progress.start("train-ldm", steps, startStep, System.out);
 * try (MetricsLog metrics = startStep > 0 ? MetricsLog.resume(log, startStep + 1) : MetricsLog.create(log)) {
 *     for (long step = startStep + 1; step <= steps; step++) {
 *         double loss = trainStep();
 *         Map<String, Double> m = new LinkedHashMap<>();
 *         m.put("loss", loss);
 *         m.put("lr", lr);
 *         progress.update(step, m);          // train-ldm  step 120/2000 (6%)  loss 0.0812  lr 1.0e-04  2.31 it/s  ETA 13m34s
 *         metrics.log(step, m);              // {"step":120,"time":51.9,"loss":0.0812,"lr":1.0E-4}
 *     }
 * }
 * progress.finish();                         // train-ldm  finished at step 2000/2000: 2000 steps in 14m26s, 2.31 it/s
 * LossCurve.fromMetrics(MetricsLog.read(log), "loss").title("ldm loss").write(runDir.resolve("loss.png"));
 * }</pre>
 */
package org.ldm4j.training.report;
