package org.ldm4j.training.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.ldm4j.training.data.ShapeKind;
import org.ldm4j.training.data.ShapeSize;

/**
 * Recognises the kind of a {@link Foreground} by fitting each candidate kind's own definition
 * ({@link ShapeKind#contains}) to the shape's coverage {@code a}, and keeping the kind that fits best.
 *
 * <p>A kind's template {@code t} at box centre (cx, cy), half-side h and edge blur sigma (pixels) is the fraction
 * of each pixel's s x s sample points inside the shape, convolved with a Gaussian of sigma. The fit's score is the
 * cosine {@code a.t / (|a| |t|)} in [0, 1]: one minus the relative residual of the least-squares fit
 * {@code a ~ g t}, so a misjudged paint brightness (the gain g) does not matter, the shape does. Every feature that
 * tells the kinds apart (fill of the box, a hole, concave arms, the triangle's low centroid, corners) is in the
 * template, and the blur lets a soft sample match the kind it resembles rather than the one with the softest
 * outline.
 *
 * <p>The pose is fitted, not learned: first from moments of the coverage, which do not depend on its gain (the
 * centroid less the kind's centroid offset; h from the spread {@code sum a r^2 / sum a = S_k h^2 + 1/6 + 2 sigma^2},
 * with S_k the kind's spread in box units and 1/6 a pixel's own), for each sigma of {@link #SIGMAS}; then the
 * kinds within {@value #REFINE_GAP} of the best first fit (at least {@value #MIN_REFINED}) are refined by
 * coordinate descent on (cx, cy, h, sigma) with halving steps.
 *
 * <p>Small blurred shapes can be near ties: a disc 6 pixels wide, blurred, is matched almost as well by a smaller
 * ring blurred more (cosines 0.9990 and 0.9989), a small diamond by a small cross. Such ties are broken by a weak
 * size prior: the dataset draws three sizes ({@link ShapeSize}), and the kind whose fitted half-side lies closest to
 * one of them (in log scale, weighted by {@value #SIZE_PRIOR}) wins; a gap in the cosine of more than a few
 * thousandths outweighs it.
 */
final class KindMatcher {
    /** The kinds whose first fit scores within this of the best one's have their pose refined. */
    static final double REFINE_GAP = 0.04;
    /** The fewest kinds refined (if there are as many). */
    static final int MIN_REFINED = 2;
    /** The weight of the size prior in the choice of kind: a tie-breaker, far below the gaps of clear cases. */
    static final double SIZE_PRIOR = 0.01;
    /** The edge blurs (Gaussian sigma, pixels) of the first fit, and the largest of a refined one. */
    private static final double[] SIGMAS = {0, 0.5, 1.0, 1.5};
    private static final double MAX_SIGMA = 2.5;
    /** Refinement: initial steps (pixels for the centre, a fraction of h for the size, pixels for sigma). */
    private static final double CENTRE_STEP = 0.5;
    private static final double SIZE_STEP = 0.08;
    private static final double SIGMA_STEP = 0.25;
    private static final int LEVELS = 3;
    private static final int ROUNDS = 3;
    /** The smallest half-side of a first fit, pixels. */
    private static final double MIN_HALF_SIDE = 0.5;
    /** Grid points per side when measuring a kind's geometry. */
    private static final int GEOMETRY_GRID = 400;

    /** Per kind, in units of its box [-1, 1]^2: centroid u and v, spread E[(u - mu)^2 + (v - mv)^2]. */
    private static final Map<ShapeKind, double[]> GEOMETRY = geometry();

    private final List<ShapeKind> kinds;

    KindMatcher(List<ShapeKind> kinds) {
        this.kinds = List.copyOf(kinds);
    }

    /**
     * A kind placed in the image: box centre (cx, cy) and half-side h in pixels, edge blur sigma in pixels, and the
     * cosine of its template with the shape's coverage.
     */
    record Fit(ShapeKind kind, double cx, double cy, double h, double sigma, double score) {
    }

    /** The best fit of every candidate kind, best first (by score, less the size prior's tie-breaking). */
    List<Fit> fits(Foreground f) {
        int[] s = f.support;
        double mass = 0;
        double mx = 0;
        double my = 0;
        for (int y = s[1]; y <= s[3]; y++) {
            for (int x = s[0]; x <= s[2]; x++) {
                double a = f.coverage[y * f.width + x];
                mass += a;
                mx += a * (x + 0.5);
                my += a * (y + 0.5);
            }
        }
        mx /= mass;
        my /= mass;
        double spread = 0;
        for (int y = s[1]; y <= s[3]; y++) {
            for (int x = s[0]; x <= s[2]; x++) {
                double dx = x + 0.5 - mx;
                double dy = y + 0.5 - my;
                spread += f.coverage[y * f.width + x] * (dx * dx + dy * dy);
            }
        }
        spread /= mass;
        Matching m = new Matching(f, supersample(f));
        List<Fit> fits = new ArrayList<>(kinds.size());
        for (ShapeKind k : kinds) {
            fits.add(m.firstFit(k, mx, my, spread));
        }
        fits.sort(Comparator.comparingDouble(Fit::score).reversed());
        double bar = fits.get(0).score() - REFINE_GAP;
        for (int i = 0; i < fits.size() && (i < MIN_REFINED || fits.get(i).score() >= bar); i++) {
            fits.set(i, m.refine(fits.get(i)));
        }
        double side = Math.sqrt((double) f.width * f.height);
        fits.sort(Comparator.comparingDouble((Fit fit) -> fit.score() - SIZE_PRIOR * sizeMisfit(fit.h(), side))
                .reversed());
        return fits;
    }

    /**
     * How far a half-side of h pixels is from the dataset's sizes ({@link ShapeSize}) in an image of that side:
     * {@code min_s |ln(h / (s.halfSize() * side))|}.
     */
    static double sizeMisfit(double h, double side) {
        double best = Double.POSITIVE_INFINITY;
        for (ShapeSize s : ShapeSize.values()) {
            best = Math.min(best, Math.abs(Math.log(h / (s.halfSize() * side))));
        }
        return best;
    }

    /** Scores of every candidate kind (the score of its best fit). */
    static Map<ShapeKind, Double> scores(List<Fit> fits) {
        Map<ShapeKind, Double> out = new EnumMap<>(ShapeKind.class);
        for (Fit fit : fits) {
            out.put(fit.kind(), fit.score());
        }
        return out;
    }

    /**
     * Sample points per pixel side of a template: 4 for a shape within 14 pixels (halo included), 3 within 24, else
     * 2; a larger shape needs less sub-pixel precision, and is costlier to draw.
     */
    static int supersample(Foreground f) {
        int side = Math.max(f.support[2] - f.support[0], f.support[3] - f.support[1]) + 1;
        return side <= 14 ? 4 : side <= 24 ? 3 : 2;
    }

    /** The fitting of one shape, at one supersampling. */
    private record Matching(Foreground f, int ss) {
        /** The best first fit of kind {@code k} over the blurs {@link #SIGMAS}. */
        Fit firstFit(ShapeKind k, double mx, double my, double spread) {
            double[] g = GEOMETRY.get(k);
            Fit best = null;
            for (double sigma : SIGMAS) {
                double h2 = (spread - 1.0 / 6 - 2 * sigma * sigma) / g[2];
                double h = Math.sqrt(Math.max(MIN_HALF_SIDE * MIN_HALF_SIDE, h2));
                double cx = mx - g[0] * h;
                double cy = my - g[1] * h;
                Fit fit = new Fit(k, cx, cy, h, sigma, score(k, cx, cy, h, sigma));
                if (best == null || fit.score() > best.score()) {
                    best = fit;
                }
            }
            return best;
        }

        /** Coordinate descent on (cx, cy, h, sigma) from {@code start}, halving the steps at each level. */
        Fit refine(Fit start) {
            Fit best = start;
            double step = CENTRE_STEP;
            double sizeStep = SIZE_STEP;
            double sigmaStep = SIGMA_STEP;
            for (int level = 0; level < LEVELS; level++) {
                for (int round = 0; round < ROUNDS; round++) {
                    Fit before = best;
                    for (int axis = 0; axis < 4; axis++) {
                        for (int sign = -1; sign <= 1; sign += 2) {
                            double cx = best.cx() + (axis == 0 ? sign * step : 0);
                            double cy = best.cy() + (axis == 1 ? sign * step : 0);
                            double h = best.h() * (axis == 2 ? 1 + sign * sizeStep : 1);
                            double sigma = best.sigma() + (axis == 3 ? sign * sigmaStep : 0);
                            if (sigma < 0 || sigma > MAX_SIGMA) {
                                continue;
                            }
                            double score = score(best.kind(), cx, cy, h, sigma);
                            if (score > best.score()) {
                                best = new Fit(best.kind(), cx, cy, h, sigma, score);
                            }
                        }
                    }
                    if (best == before) {
                        break;
                    }
                }
                step /= 2;
                sizeStep /= 2;
                sigmaStep /= 2;
            }
            return best;
        }

        /** The cosine of kind {@code k}'s template at (cx, cy, h, sigma) with the shape's coverage, in [0, 1]. */
        double score(ShapeKind k, double cx, double cy, double h, double sigma) {
            int r = (int) Math.ceil(3 * sigma);
            // the template's pixels: those its box touches; the window adds the blur's reach and the coverage
            int tx0 = (int) Math.floor(cx - h);
            int tx1 = (int) Math.ceil(cx + h);
            int ty0 = (int) Math.floor(cy - h);
            int ty1 = (int) Math.ceil(cy + h);
            int x0 = Math.max(0, Math.min(tx0 - r, f.support[0]));
            int x1 = Math.min(f.width - 1, Math.max(tx1 + r, f.support[2]));
            int y0 = Math.max(0, Math.min(ty0 - r, f.support[1]));
            int y1 = Math.min(f.height - 1, Math.max(ty1 + r, f.support[3]));
            int ww = x1 - x0 + 1;
            int wh = y1 - y0 + 1;
            double[] t = new double[ww * wh];
            double inv = 1.0 / (ss * ss);
            for (int y = Math.max(y0, ty0); y <= Math.min(y1, ty1); y++) {
                for (int x = Math.max(x0, tx0); x <= Math.min(x1, tx1); x++) {
                    int inside = 0;
                    for (int i = 0; i < ss; i++) {
                        double v = (y + (i + 0.5) / ss - cy) / h;
                        for (int j = 0; j < ss; j++) {
                            if (k.contains((x + (j + 0.5) / ss - cx) / h, v)) {
                                inside++;
                            }
                        }
                    }
                    t[(y - y0) * ww + (x - x0)] = inside * inv;
                }
            }
            if (r > 0) {
                t = blur(t, ww, wh, sigma, r);
            }
            double dot = 0;
            double aa = 0;
            double tt = 0;
            for (int y = y0; y <= y1; y++) {
                for (int x = x0; x <= x1; x++) {
                    double a = f.coverage[y * f.width + x];
                    double b = t[(y - y0) * ww + (x - x0)];
                    dot += a * b;
                    aa += a * a;
                    tt += b * b;
                }
            }
            return aa > 0 && tt > 0 ? Math.max(0, Math.min(1, dot / Math.sqrt(aa * tt))) : 0;
        }
    }

    /** {@code img} (wh, ww) convolved with a normalised Gaussian of {@code sigma} and radius r, zero outside. */
    private static double[] blur(double[] img, int ww, int wh, double sigma, int r) {
        double[] g = new double[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) {
            g[i + r] = Math.exp(-0.5 * i * i / (sigma * sigma));
            sum += g[i + r];
        }
        for (int i = 0; i < g.length; i++) {
            g[i] /= sum;
        }
        double[] rows = new double[img.length];             // along x, then along y
        for (int y = 0; y < wh; y++) {
            for (int x = 0; x < ww; x++) {
                double s = 0;
                for (int i = Math.max(-r, -x); i <= Math.min(r, ww - 1 - x); i++) {
                    s += g[i + r] * img[y * ww + x + i];
                }
                rows[y * ww + x] = s;
            }
        }
        double[] out = new double[img.length];
        for (int y = 0; y < wh; y++) {
            for (int x = 0; x < ww; x++) {
                double s = 0;
                for (int i = Math.max(-r, -y); i <= Math.min(r, wh - 1 - y); i++) {
                    s += g[i + r] * rows[(y + i) * ww + x];
                }
                out[y * ww + x] = s;
            }
        }
        return out;
    }

    /** Centroid (u, v) and spread of every kind, measured on a fine grid of its box [-1, 1]^2. */
    private static Map<ShapeKind, double[]> geometry() {
        Map<ShapeKind, double[]> out = new EnumMap<>(ShapeKind.class);
        double cell = 2.0 / GEOMETRY_GRID;
        for (ShapeKind k : ShapeKind.values()) {
            long inside = 0;
            double su = 0;
            double sv = 0;
            double suu = 0;
            for (int i = 0; i < GEOMETRY_GRID; i++) {
                double v = -1 + (i + 0.5) * cell;
                for (int j = 0; j < GEOMETRY_GRID; j++) {
                    double u = -1 + (j + 0.5) * cell;
                    if (k.contains(u, v)) {
                        inside++;
                        su += u;
                        sv += v;
                        suu += u * u + v * v;
                    }
                }
            }
            double mu = su / inside;
            double mv = sv / inside;
            // E[(u - mu)^2 + (v - mv)^2] = E[u^2 + v^2] - mu^2 - mv^2
            out.put(k, new double[] {mu, mv, suu / inside - mu * mu - mv * mv});
        }
        return out;
    }
}
