package org.ldm4j.core.optim;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;

/** In-place building blocks of the update rules, each one pass over memory and no allocation. */
final class Updates {
    private Updates() {
    }

    /** {@code y += alpha * x} in place (x and y of equal shape and dtype); returns y. */
    static INDArray axpy(double alpha, INDArray x, INDArray y) {
        Nd4j.exec(new Axpy(x, y, y, alpha));
        return y;
    }
}
