/**
 * Evaluation of generated samples: {@link org.ldm4j.training.eval.ShapesChecker} reads the kind and colour of the
 * one shape in a {@link org.ldm4j.training.data.ShapesDataset} image without any learned parameters, and
 * {@link org.ldm4j.training.eval.FidelityReport} measures over a batch how often samples show the class they were
 * asked for, against the chance level.
 *
 * <pre>{@code
 * ShapesChecker checker = new ShapesChecker(config);          // the dataset's ShapesConfig
 * Verdict v = checker.check(image);                           // (3, H, W) in [-1, 1]: kind, colour, class
 * FidelityReport r = checker.evaluate(samples, requested);    // samples (B, 3, H, W), requested labels [B]
 * System.out.println(r);                                      // "shapes fidelity: 92/100 samples match ..."
 * }</pre>
 */
package org.ldm4j.training.eval;
